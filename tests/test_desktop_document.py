"""The edited document, its undo commands, table models and files, without running anything."""

import json

import pytest
from PySide6.QtCore import Qt

from desktop import commands, scenario_wiring
from desktop.document import ProjectDocument, format_path, parse_problem
from desktop.durations import convert_duration, parse_number
from desktop.resources import EXAMPLE_PROJECT, TEMPLATE_PROJECT
from desktop.table_models import make_pool_model, make_stage_model
from simulation.project_io import load_project
from simulation.validation import ProjectError, parse_project

LIKELY_COLUMN = 5  # stage table: name, pool, units, distribution, then the parameters


@pytest.fixture
def document(qapp):
    document = ProjectDocument()
    document.open_file(EXAMPLE_PROJECT)
    return document


def stage_row(document, name):
    return document.stage_names().index(name)


def test_problem_path_of_stage_field():
    problem = parse_problem("stages[2].duration.max: must be >= likely (got 1.5 < 3)")
    assert problem.path == ("project", "stages", 2, "duration", "max")
    assert problem.message == "must be >= likely (got 1.5 < 3)"


def test_problem_path_of_project_field():
    assert parse_problem("project.horizon_days: must be > 0 (got 0)").path == (
        "project", "horizon_days")
    assert parse_problem("wip_limit: missing; a backlog demand needs ...").path == (
        "project", "wip_limit")


def test_problem_path_of_scenario_field():
    problem = parse_problem("scenarios[1].interventions[0].id: unknown intervention 'x'")
    assert problem.path == ("scenarios", 1, "interventions", 0, "id")


def test_problem_without_field_keeps_text():
    problem = parse_problem("the document must be a JSON object (got list)")
    assert problem.path is None
    assert problem.text() == "the document must be a JSON object (got list)"


def test_format_path_round_trip():
    path = ("project", "stages", 2, "duration", "max")
    assert parse_problem(f"{format_path(path)}: x").path == path


def test_example_opens_valid(document):
    assert document.problems == []
    assert document.project == load_project(EXAMPLE_PROJECT)
    assert not document.is_modified


def test_template_is_valid():
    parse_project(json.loads(TEMPLATE_PROJECT.read_text(encoding="utf-8")))


def test_table_edit_changes_document(document):
    model = make_stage_model(document)
    row = stage_row(document, "data_preparation")
    assert model.setData(model.index(row, LIKELY_COLUMN), "2.0", Qt.ItemDataRole.EditRole)
    assert document.value(("project", "stages", row, "duration", "likely")) == 2.0
    assert document.project.stages[row].duration.likely == 2.0
    assert document.is_modified


def test_undo_returns_previous_value(document):
    model = make_stage_model(document)
    row = stage_row(document, "data_preparation")
    before = document.value(("project", "stages", row, "duration", "likely"))
    model.setData(model.index(row, LIKELY_COLUMN), "3.5", Qt.ItemDataRole.EditRole)
    document.undo_stack.undo()
    assert document.value(("project", "stages", row, "duration", "likely")) == before
    assert model.index(row, LIKELY_COLUMN).data(Qt.ItemDataRole.EditRole) == repr(before)
    assert not document.is_modified
    document.undo_stack.redo()
    assert document.value(("project", "stages", row, "duration", "likely")) == 3.5


def test_invalid_cell_shows_problem(document):
    model = make_stage_model(document)
    row = stage_row(document, "data_preparation")
    model.setData(model.index(row, LIKELY_COLUMN), "9", Qt.ItemDataRole.EditRole)
    assert document.project is None
    max_column = LIKELY_COLUMN + 1
    tooltip = model.index(row, max_column).data(Qt.ItemDataRole.ToolTipRole)
    assert "must be >= likely" in tooltip
    assert model.index(row, max_column).data(Qt.ItemDataRole.DecorationRole) is not None
    assert model.index(row, 0).data(Qt.ItemDataRole.DecorationRole) is None


def test_text_in_number_cell_is_kept_and_named(document):
    model = make_stage_model(document)
    model.setData(model.index(0, 2), "two", Qt.ItemDataRole.EditRole)
    assert document.value(("project", "stages", 0, "units")) == "two"
    assert [p.text() for p in document.problems] == [
        "stages[0].units: must be a whole number (got 'two')"]


def test_typing_merges_into_one_undo_step(document):
    path = ("project", "horizon_days")
    for text in ("1", "12", "120"):
        commands.edit_value(document, path, parse_number(text), typing=True)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.value(path) == 90.0


def test_distribution_kind_change_keeps_scale(document):
    model = make_stage_model(document)
    row = stage_row(document, "data_preparation")
    model.setData(model.index(row, 3), "lognormal", Qt.ItemDataRole.EditRole)
    duration = document.value(("project", "stages", row, "duration"))
    assert duration == {"kind": "lognormal", "median": 2.5, "p90": 4.5}
    assert document.problems == []
    assert model.index(row, 4).data() == "median 2.5"
    document.undo_stack.undo()
    assert document.value(("project", "stages", row, "duration", "kind")) == "pert"


@pytest.mark.parametrize("kind", ["fixed", "uniform", "triangular", "pert", "lognormal",
                                  "exponential", "empirical"])
def test_converted_duration_is_valid(kind):
    doc = convert_duration({"kind": "triangular", "min": 1, "likely": 2, "max": 4}, kind)
    stage = {"name": "s", "duration": doc}
    parse_project({"schema_version": 1, "stages": [stage], "pools": [],
                   "demand": {"kind": "poisson", "per_week": 1}})


def test_rename_stage_updates_references(document):
    model = make_stage_model(document)
    row = stage_row(document, "training")
    model.setData(model.index(row, 0), "model_training", Qt.ItemDataRole.EditRole)
    evaluation = document.value(("project", "stages", stage_row(document, "evaluation")))
    assert evaluation["rework"]["to_stage"] == "model_training"
    assert document.problems == []
    document.undo_stack.undo()
    assert document.stage_names()[row] == "training"
    assert document.value(("project", "stages", row + 1, "rework", "to_stage")) == "training"


def test_rename_pool_updates_stages(document):
    model = make_pool_model(document)
    row = document.pool_names().index("gpus")
    model.setData(model.index(row, 0), "accelerators", Qt.ItemDataRole.EditRole)
    assert document.project.stages[stage_row(document, "training")].pool == "accelerators"


def test_add_and_remove_stage_undo(document):
    model = make_stage_model(document)
    count = model.rowCount()
    model.insert_row(count)
    assert model.rowCount() == count + 1
    assert document.problems == []
    model.remove_row(0)
    assert document.stage_names()[0] == "data_preparation"
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert model.rowCount() == count
    assert document.project == load_project(EXAMPLE_PROJECT)


def test_save_then_open_gives_equal_project(document, tmp_path):
    model = make_stage_model(document)
    model.setData(model.index(0, LIKELY_COLUMN), "0.35", Qt.ItemDataRole.EditRole)
    commands.edit_value(document, ("scenarios", 0, "name"), "Today")
    path = tmp_path / "saved.json"
    document.save(path)
    assert not document.is_modified
    reopened = ProjectDocument()
    reopened.open_file(path)
    assert reopened.project == document.project
    assert reopened.scenario_documents() == document.scenario_documents()
    assert reopened.file_path == path


def test_save_rejects_invalid_model(document, tmp_path):
    commands.edit_value(document, ("project", "horizon_days"), -1)
    with pytest.raises(ProjectError) as raised:
        document.save(tmp_path / "bad.json")
    assert "project.horizon_days: must be > 0 (got -1)" in raised.value.problems
    assert not (tmp_path / "bad.json").exists()


def test_broken_file_leaves_document_unchanged(document, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1, "stages": [{"name": "a"}]}', encoding="utf-8")
    before = document.project
    with pytest.raises(ProjectError) as raised:
        document.open_file(broken)
    assert raised.value.source == str(broken)
    assert "stages[0].duration: must be an object with a 'kind' (got None)" in (
        raised.value.problems)
    assert document.project == before
    assert document.file_path == EXAMPLE_PROJECT


def test_file_without_scenarios_gets_baseline():
    assert scenario_wiring.scenarios_from_file({}) == scenario_wiring.default_scenarios()


def test_command_line_scenarios_get_baseline_first():
    stored = [{"name": "Faster", "interventions": [{"id": "more_gpus", "start_week": 2}]}]
    scenarios = scenario_wiring.scenarios_from_file({"scenarios": stored})
    assert [s["name"] for s in scenarios] == ["Baseline", "Faster"]
    assert scenario_wiring.baseline_name(scenarios) == "Baseline"


def test_unknown_intervention_is_a_problem(document):
    scenario = {"name": "Try", "baseline": False,
                "interventions": [{"id": "teleportation", "start_week": 1}]}
    document.undo_stack.push(commands.InsertItemCommand(
        document, ("scenarios",), 1, scenario, "Add scenario"))
    assert [p.text() for p in document.problems] == [
        "scenarios[1].interventions[0].id: unknown intervention 'teleportation'; pick one "
        "from the catalog"]
    assert not document.is_runnable


def test_intervention_outside_horizon_is_a_problem(document):
    scenario = {"name": "Late", "baseline": False,
                "interventions": [{"id": "more_gpus", "start_week": 40}]}
    document.undo_stack.push(commands.InsertItemCommand(
        document, ("scenarios",), 1, scenario, "Add scenario"))
    assert len(document.problems) == 1
    problem = document.problems[0]
    assert problem.path == ("scenarios", 1, "interventions", 0)
    assert "start week 40" in problem.message


def test_two_baselines_are_a_problem(document):
    scenario = {"name": "Other", "baseline": True, "interventions": []}
    document.undo_stack.push(commands.InsertItemCommand(
        document, ("scenarios",), 1, scenario, "Add scenario"))
    assert [p.text() for p in document.problems] == [
        "scenarios: exactly one scenario must be the baseline (got 2)"]
