"""Runs exports (MLflow UI, mlflow.search_runs, W&B) and generic tables with a column mapping.

The sample files in tests/data/history were written for these tests; each test states the
values it expects from the timestamps in the file.
"""

import datetime
import json
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from simulation.history.csv_exports import MLFLOW_UI, SEARCH_RUNS, WANDB, detect_kind
from simulation.history.errors import HistoryError
from simulation.history.mapping import (
    ColumnMapping,
    StageColumn,
    guess_mapping,
    load_mapping,
    mapping_from_dict,
    mapping_to_dict,
    validate_mapping,
)
from simulation.history.measure import measure_baseline
from simulation.history.sources import read_history
from simulation.history.tables import read_table

DATA = Path(__file__).resolve().parent / "data" / "history"
STAGES = ["data_preparation", "waiting_for_training", "training", "evaluation", "review",
          "decision"]
STAGE_COLUMNS = ["data ready", "training started", "training finished", "evaluated",
                 "reviewed", "decided"]


def hours_of(history, experiment_id, stage):
    rows = history.experiments["experiment_id"] == experiment_id
    times = history.milestones[rows].iloc[0]
    names = list(history.milestones.columns)
    previous = names[names.index(stage) - 1]
    return (times[stage] - times[previous]) / pd.Timedelta(hours=1)


def by_id(history):
    return history.experiments.set_index("experiment_id")


def test_kinds_detected():
    assert detect_kind(read_table(DATA / "mlflow_ui_runs.csv").columns) == MLFLOW_UI
    assert detect_kind(read_table(DATA / "search_runs.csv").columns) == SEARCH_RUNS
    assert detect_kind(read_table(DATA / "wandb_runs.csv").columns) == WANDB


def test_mlflow_ui_export():
    history = read_history(DATA / "mlflow_ui_runs.csv")
    rows = by_id(history)
    assert list(rows.index) == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert rows["status"].tolist() == ["FINISHED", "FAILED", "FINISHED", "RUNNING", "KILLED",
                                       "FINISHED"]
    expected_hours = {"r1": 1.5, "r2": 0.75, "r3": 48.0, "r5": 30 / 3600, "r6": 0.35 / 3600}
    for run_id, hours in expected_hours.items():
        assert hours_of(history, run_id, "training") == pytest.approx(hours)
    assert pd.isna(history.milestones["training"].iloc[3])
    assert rows.loc["r1", "gpu_hours"] == pytest.approx(2 * 1.5)
    assert bool(rows.loc["r5", "rerun"])  # repeats the name fast-lion
    assert any("rounds durations" in note for note in history.report.notes)


def test_mlflow_ui_duration_without_unit(tmp_path):
    path = tmp_path / "runs.csv"
    path.write_text('"Start Time","Duration","Run ID","Status"\n'
                    '"2024-05-06 09:00:00","1.5h","r1","FINISHED"\n'
                    '"2024-05-06 10:00:00","90","r2","FINISHED"\n')
    with pytest.raises(HistoryError) as error:
        read_history(path)
    assert error.value.row == 3
    assert error.value.column == "Duration"


def test_search_runs_export():
    history = read_history(DATA / "search_runs.csv")
    rows = by_id(history)
    assert list(rows.index) == ["p1", "s1", "s2"]
    assert history.report.read["nested child run{s}, folded into {its} parent run (not extra "
                               "experiments)"] == 2
    assert hours_of(history, "p1", "training") == pytest.approx(2.0)
    assert hours_of(history, "s2", "training") == pytest.approx(24.0)
    assert history.milestones["arrived"].iloc[1] == pd.Timestamp("2024-05-07 06:00", tz="UTC")
    assert rows.loc["p1", "gpu_hours"] == pytest.approx(16.0)
    assert rows.loc["p1", "group"] == "1"


def test_wandb_export():
    history = read_history(DATA / "wandb_runs.csv")
    rows = by_id(history)
    assert sorted(rows.index) == ["row 2", "row 3", "row 7", "sweep abc123"]
    assert rows.loc["row 3", "status"] == "FAILED"
    assert rows.loc["sweep abc123", "status"] == "FINISHED"
    assert hours_of(history, "row 2", "training") == pytest.approx(1.0)
    # The sweep spans its runs: 08:00 to the latest end, 08:10 + 2400 s = 08:50.
    assert hours_of(history, "sweep abc123", "training") == pytest.approx(50 / 60)
    live = history.milestones[history.experiments["experiment_id"] == "row 7"].iloc[0]
    assert pd.isna(live["training"])  # a running run's Runtime is no end time


def test_generic_with_mapping_file():
    mapping = load_mapping(DATA / "stages_mapping.json")
    history = read_history(DATA / "stages.csv", mapping=mapping)
    assert history.stages == tuple(STAGES)
    rows = by_id(history)
    assert rows["status"].tolist() == ["FINISHED", "FINISHED", "FAILED", "RUNNING", "FINISHED"]
    raw = pd.read_csv(DATA / "stages.csv")
    for _, row in raw.iterrows():
        previous = row["created"]
        for stage, column in zip(STAGES, STAGE_COLUMNS):
            if isinstance(row[column], str):
                expected = (datetime.datetime.fromisoformat(row[column])
                            - datetime.datetime.fromisoformat(previous)).total_seconds() / 3600
                assert hours_of(history, row["key"], stage) == pytest.approx(expected)
                previous = row[column]
    assert rows.loc["EXP-1", "gpu_hours"] == pytest.approx(4 * 12)
    assert rows["rerun"].tolist() == [False, True, False, False, False]


def test_generic_guess_matches_mapping_file():
    guess = guess_mapping(read_table(DATA / "stages.csv").columns)
    assert guess.mapping == load_mapping(DATA / "stages_mapping.json")
    assert guess.notes == []


def test_generic_baseline_and_stopped_stage():
    history = read_history(DATA / "stages.csv", mapping=load_mapping(DATA / "stages_mapping.json"))
    baseline = measure_baseline(history)
    stages = baseline.stage_table().set_index("stage")
    assert stages.loc["training", "stopped"] == 1  # EXP-3 failed after training
    assert stages.loc["training", "measured"] == 3
    assert stages.loc["decision", "measured"] == 3
    assert baseline.figures["concluded"] == 4
    assert baseline.figures["in_flight_at_end"] == 1
    cycle = baseline.experiments.set_index("experiment_id")["cycle_days"]
    assert cycle["EXP-1"] == pytest.approx((datetime.datetime(2024, 3, 11, 16) -
                                            datetime.datetime(2024, 3, 4, 9)).total_seconds()
                                           / 86400)
    assert baseline.figures["rework_share"] == pytest.approx(1 / 5)


def test_generic_semicolon_day_first_cp1252(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes("Schlüssel;Erstellt;Erledigt;GPUs\n"
                     "A-1;05.03.2024 09:00;07.03.2024 15:30;1,5\n"
                     "A-2;13.03.2024 10:00;14.03.2024 10:00;2\n".encode("cp1252"))
    mapping = ColumnMapping(arrival="Erstellt", stages=(StageColumn("training", "Erledigt"),),
                            id="Schlüssel", gpus="GPUs")
    history = read_history(path, mapping=mapping)
    assert hours_of(history, "A-1", "training") == pytest.approx(54.5)
    assert by_id(history).loc["A-1", "gpu_hours"] == pytest.approx(1.5 * 54.5)
    assert any("day first" in note for note in history.report.notes)
    assert any("Windows-1252" in note for note in history.report.notes)


def test_generic_negative_rows_flagged(tmp_path):
    path = tmp_path / "issues.csv"
    path.write_text("id,created,finished\n1,2024-01-02,2024-01-01\n2,2024-01-02,2024-01-05\n"
                    "3,2024-01-03,2024-01-03\n")
    baseline = measure_baseline(read_history(path))
    assert baseline.excluded_negative == 1
    assert baseline.figures["experiments"] == 2
    assert sorted(baseline.experiments["cycle_days"]) == [0.0, 3.0]
    assert "not clamped" in " ".join(baseline.notes)


def test_generic_mixed_date_column(tmp_path):
    path = tmp_path / "issues.csv"
    path.write_text("id,created,finished\n1,2024-01-02,2024-01-03\n2,03/01/2024,2024-01-05\n")
    with pytest.raises(HistoryError) as error:
        read_history(path)
    message = str(error.value)
    assert "issues.csv" in message
    assert "row 3" in message
    assert "'created'" in message


def test_generic_xlsx(tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Runs"
    sheet.append(["id", "created", "finished", "gpus"])
    sheet.append(["x1", datetime.datetime(2024, 3, 4, 9), datetime.datetime(2024, 3, 5, 9), 2])
    sheet.append(["x2", datetime.datetime(2024, 3, 6, 9), 45357.75, 1])  # Excel serial day
    path = tmp_path / "runs.xlsx"
    workbook.save(path)
    mapping = ColumnMapping(arrival="created", stages=(StageColumn("training", "finished"),),
                            id="id", gpus="gpus", sheet="Runs")
    history = read_history(path, mapping=mapping)
    assert hours_of(history, "x1", "training") == pytest.approx(24)
    assert history.milestones["training"].iloc[1] == pd.Timestamp("2024-03-06 18:00", tz="UTC")


def test_generic_without_usable_columns(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(HistoryError) as error:
        read_history(path)
    assert "--mapping" in str(error.value)
    assert "arrival" in str(error.value)


def test_validate_mapping_lists_problems():
    mapping = ColumnMapping(arrival="opened", stages=(StageColumn("work", "done"),
                                                      StageColumn("work", "created")),
                            status="state", date_order="sideways")
    problems = validate_mapping(mapping, ["created", "done"])
    assert any(p.startswith("arrival: no column 'opened'") for p in problems)
    assert any(p.startswith("stages[1].name: duplicate") for p in problems)
    assert any(p.startswith("status: no column 'state'") for p in problems)
    assert any(p.startswith("date_order") for p in problems)
    reserved = ColumnMapping("created", (StageColumn("arrived", "done"),))
    assert validate_mapping(reserved, ["created", "done"])[0].startswith("stages[0].name:")
    assert validate_mapping(ColumnMapping("created", (StageColumn("work", "done"),)),
                            ["created", "done"]) == []


def test_mapping_dict_round_trip_and_errors(tmp_path):
    mapping = load_mapping(DATA / "stages_mapping.json")
    assert mapping_from_dict(mapping_to_dict(mapping)) == mapping
    with pytest.raises(HistoryError) as error:
        mapping_from_dict({"arrival": 3, "stages": [], "colour": "red"})
    message = str(error.value)
    assert "arrival:" in message
    assert "stages:" in message
    assert "unknown keys colour" in message
    broken = tmp_path / "mapping.json"
    broken.write_text('{"arrival": "created",\n "stages": [}')
    with pytest.raises(HistoryError) as error:
        load_mapping(broken)
    assert error.value.line == 2


def test_mapping_that_does_not_fit_file(tmp_path):
    source = tmp_path / "stages.csv"
    shutil.copy(DATA / "stages.csv", source)
    mapping = ColumnMapping(arrival="created", stages=(StageColumn("work", "closed"),))
    with pytest.raises(HistoryError) as error:
        read_history(source, mapping=mapping)
    assert "stages[0].ends_at: no column 'closed'" in str(error.value)


def test_guess_notes_ambiguous_columns():
    guess = guess_mapping(["id", "created", "created_at", "resolved"])
    assert guess.mapping.arrival == "created"
    assert guess.mapping.stages == (StageColumn("work", "resolved"),)
    assert "several columns" in guess.notes[0]


def test_guess_ignores_text_columns_without_time_suffix():
    guess = guess_mapping(["created", "review", "decision", "review_date"])
    assert guess.mapping.stages == (StageColumn("review", "review_date"),)


def test_twenty_thousand_rows_import(tmp_path):
    count = 20_000
    rng = np.random.default_rng(4)
    created = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.uniform(0, 365, count)), unit="D")
    finished = created + pd.to_timedelta(rng.lognormal(0, 1, count), unit="D")
    frame = pd.DataFrame({"id": np.arange(count), "created": created.strftime("%Y-%m-%d %H:%M"),
                          "finished": finished.strftime("%Y-%m-%d %H:%M")})
    path = tmp_path / "many.csv"
    frame.to_csv(path, index=False)
    baseline = measure_baseline(read_history(path))
    assert baseline.figures["experiments"] == count
    assert json.dumps(baseline.figures, default=float)
