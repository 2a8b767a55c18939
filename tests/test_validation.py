"""Invalid project documents: each kind of mistake gets a message naming the field and the fix."""

import copy
import json

import pytest

from simulation import ProjectError, load_project, parse_project, project_to_dict

VALID = {
    "schema_version": 1,
    "name": "Two-stage team",
    "demand": {"kind": "poisson", "per_week": 2},
    "pools": [
        {"name": "scientists", "capacity": 2, "cost_per_hour": 80},
        {"name": "gpus", "capacity": 4, "cost_per_hour": 3, "kind": "machine"},
    ],
    "stages": [
        {"name": "design", "pool": "scientists",
         "duration": {"kind": "triangular", "min": 1, "likely": 2, "max": 4}},
        {"name": "training", "pool": "gpus", "units": 2,
         "duration": {"kind": "lognormal", "median": 1, "p90": 2},
         "rework": {"probability": 0.2, "to_stage": "design"},
         "early_stopping": {"share": 0.3, "at_fraction": 0.25}},
    ],
}


def problems_of(edit) -> list[str]:
    doc = copy.deepcopy(VALID)
    edit(doc)
    with pytest.raises(ProjectError) as caught:
        parse_project(doc)
    return caught.value.problems


def test_valid_document_parses():
    project = parse_project(VALID)
    assert [stage.name for stage in project.stages] == ["design", "training"]
    assert project.stages[1].units == 2


def test_round_trip_through_dict():
    project = parse_project(VALID)
    assert parse_project(project_to_dict(project)) == project


def test_inverted_triangular_bounds():
    def edit(doc):
        doc["stages"][0]["duration"] = {"kind": "triangular", "min": 1, "likely": 3, "max": 1.5}
    assert problems_of(edit) == ["stages[0].duration.max: must be >= likely (got 1.5 < 3)"]


def test_negative_duration():
    def edit(doc):
        doc["stages"][0]["duration"] = {"kind": "fixed", "value": -2}
    assert problems_of(edit) == ["stages[0].duration.value: must be >= 0 (got -2)"]


def test_lognormal_p90_below_median():
    def edit(doc):
        doc["stages"][1]["duration"] = {"kind": "lognormal", "median": 2, "p90": 1}
    assert problems_of(edit) == ["stages[1].duration.p90: must be > median (got 1 <= 2)"]


def test_unknown_distribution_kind():
    def edit(doc):
        doc["stages"][0]["duration"] = {"kind": "gamma", "mean": 2}
    [message] = problems_of(edit)
    assert message.startswith("stages[0].duration.kind: unknown distribution 'gamma'")


def test_zero_capacity_pool_in_use():
    def edit(doc):
        doc["pools"][1]["capacity"] = 0
    [message] = problems_of(edit)
    assert message.startswith("stages[1].pool: pool 'gpus' has capacity 0")


def test_units_above_capacity():
    def edit(doc):
        doc["stages"][1]["units"] = 8
    assert problems_of(edit) == ["stages[1].units: needs 8 units but pool 'gpus' has capacity 4"]


@pytest.mark.parametrize("value", [-0.1, 1.5])
def test_probability_outside_unit_interval(value):
    def edit(doc):
        doc["stages"][1]["early_stopping"]["share"] = value
    [message] = problems_of(edit)
    assert message.startswith("stages[1].early_stopping.share: must be a probability")


def test_certain_rework_rejected():
    def edit(doc):
        doc["stages"][1]["rework"]["probability"] = 1
    [message] = problems_of(edit)
    assert message.startswith("stages[1].rework.probability: must be a probability 0 <= p < 1")


def test_rework_to_unknown_stage():
    def edit(doc):
        doc["stages"][1]["rework"]["to_stage"] = "labelling"
    assert problems_of(edit) == ["stages[1].rework.to_stage: unknown stage 'labelling'"]


def test_rework_to_later_stage():
    def edit(doc):
        doc["stages"][0]["rework"] = {"probability": 0.1, "to_stage": "training"}
    [message] = problems_of(edit)
    assert message.startswith("stages[0].rework.to_stage: 'training' comes after 'design'")


def test_unknown_pool():
    def edit(doc):
        doc["stages"][0]["pool"] = "reviewers"
    [message] = problems_of(edit)
    assert message == "stages[0].pool: unknown pool 'reviewers'; known pools: scientists, gpus"


def test_unknown_schema_version():
    def edit(doc):
        doc["schema_version"] = 7
    [message] = problems_of(edit)
    assert message.startswith("schema_version: unknown version 7")


def test_missing_schema_version():
    def edit(doc):
        del doc["schema_version"]
    [message] = problems_of(edit)
    assert message.startswith("schema_version: missing")


def test_backlog_needs_wip_limit():
    def edit(doc):
        doc["demand"] = {"kind": "backlog"}
    [message] = problems_of(edit)
    assert message.startswith("wip_limit: missing; a backlog demand needs")


def test_every_problem_reported_at_once():
    def edit(doc):
        doc["pools"][0]["capacity"] = -1
        doc["stages"][1]["duration"]["median"] = "fast"
    messages = problems_of(edit)
    assert "pools[0].capacity: must be >= 0 (got -1)" in messages
    assert "stages[1].duration.median: must be a number (got 'fast')" in messages


def test_review_weekday_out_of_range():
    def edit(doc):
        doc["stages"][0]["review"] = {"weekdays": [7], "slots": 2}
    [message] = problems_of(edit)
    assert message.startswith("stages[0].review.weekdays: must be a non-empty list of weekdays")


def test_malformed_json_names_line_and_column(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"schema_version": 1,\n  "stages": [,]}', encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert caught.value.problems[0].startswith("malformed JSON at line 2, column 14")
    assert str(path) in str(caught.value)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.json"
    path.write_bytes(b"")
    with pytest.raises(ProjectError, match="the file is empty"):
        load_project(path)


def test_binary_file(tmp_path):
    path = tmp_path / "model.json"
    path.write_bytes(bytes(range(256)))
    with pytest.raises(ProjectError, match="not UTF-8 text"):
        load_project(path)


def test_document_not_an_object(tmp_path):
    path = tmp_path / "list.json"
    path.write_text(json.dumps([1, 2]), encoding="utf-8")
    with pytest.raises(ProjectError, match="must be a JSON object"):
        load_project(path)


def test_utf8_bom_accepted(tmp_path):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(VALID).encode("utf-8"))
    assert load_project(path).name == "Two-stage team"


def test_misspelled_field_suggests_the_right_one():
    def edit(doc):
        doc["pools"][0]["cost_per_hr"] = doc["pools"][0].pop("cost_per_hour")
    assert problems_of(edit) == ["pools[0].cost_per_hr: unknown field; did you mean "
                                 "'cost_per_hour'?"]


def test_misspelled_top_level_field():
    def edit(doc):
        doc["horizn_days"] = 30
    assert problems_of(edit) == ["horizn_days: unknown field; did you mean 'horizon_days'?"]


def test_unknown_duration_field_lists_known_ones():
    def edit(doc):
        doc["stages"][0]["duration"]["mode"] = 1
    assert problems_of(edit) == ["stages[0].duration.mode: unknown field; known fields: kind, "
                                 "min, likely, max"]


def test_extension_keys_at_top_level_allowed():
    doc = copy.deepcopy(VALID)
    doc["history_import"] = {"source": "runs.csv"}
    assert parse_project(doc).name == "Two-stage team"
