"""Reading MLflow: the file store (mlruns/) and the SQLite tracking database (mlflow.db).

Both stores are written here from one list of runs, so the expected counts and durations come
from the timestamps the tests wrote.
"""

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.history.errors import HistoryError
from simulation.history.measure import measure_baseline
from simulation.history.mlflow_files import read_file_store, read_meta_yaml
from simulation.history.mlflow_sqlite import read_tracking_db
from simulation.history.sources import read_history

T0 = 1_700_000_000_000  # epoch milliseconds, 2023-11-14 22:13:20 UTC
HOUR_MS = 3_600_000
STATUS_CODES = {"RUNNING": 1, "SCHEDULED": 2, "FINISHED": 3, "FAILED": 4, "KILLED": 5}

# experiment id, experiment name, experiment deleted (in .trash for the file store)
EXPERIMENTS = [("0", "Default", False), ("1", "ranking", False), ("2", "empty", False),
               ("3", "old", True)]
# run id, experiment, status, start hour, end hour (None: no end), deleted, parent, gpus, name
RUNS = [
    ("a1", "1", "FINISHED", 0, 5, False, None, "4", "baseline"),
    ("a2", "1", "FAILED", 10, 12, False, None, None, "baseline"),
    ("a3", "1", "KILLED", 30, 31, False, None, None, "bigger"),
    ("a4", "1", "FINISHED", 50, 58, False, None, "2", "wider"),
    ("a5", "1", "RUNNING", 70, None, False, None, None, "deeper"),
    ("c1", "1", "FINISHED", 1, 3, False, "a1", None, "trial-1"),
    ("c2", "1", "FINISHED", 2, 4, False, "a1", None, "trial-2"),
    ("d1", "1", "FINISHED", 20, 22, True, None, None, "dropped"),
    ("d2", "0", "RUNNING", 40, None, True, None, None, "abandoned"),
    ("t1", "3", "FINISHED", 60, 61, False, None, None, "trashed-1"),
    ("t2", "3", "FINISHED", 62, 64, False, None, None, "trashed-2"),
]


def write_file_store(root: Path) -> Path:
    """Write the runs as an MLflow 2.x file store under ``root/mlruns``."""
    store = root / "mlruns"
    folders = {}
    for experiment_id, name, deleted in EXPERIMENTS:
        folder = store / ".trash" / experiment_id if deleted else store / experiment_id
        folder.mkdir(parents=True)
        (folder / "meta.yaml").write_text(
            f"artifact_location: file:///tmp/mlruns/{experiment_id}\n"
            f"creation_time: {T0}\nexperiment_id: '{experiment_id}'\n"
            f"last_update_time: {T0}\nlifecycle_stage: active\nname: {name}\n")
        folders[experiment_id] = folder
    for run_id, experiment_id, status, start, end, deleted, parent, gpus, name in RUNS:
        folder = folders[experiment_id] / run_id
        (folder / "tags").mkdir(parents=True)
        (folder / "params").mkdir()
        (folder / "metrics").mkdir()
        end_text = "null" if end is None else str(T0 + end * HOUR_MS)
        (folder / "meta.yaml").write_text(
            f"artifact_uri: file:///tmp/mlruns/{experiment_id}/{run_id}/artifacts\n"
            f"end_time: {end_text}\nentry_point_name: ''\nexperiment_id: '{experiment_id}'\n"
            f"lifecycle_stage: {'deleted' if deleted else 'active'}\nrun_id: {run_id}\n"
            f"run_name: {name}\nrun_uuid: {run_id}\nsource_name: ''\nsource_type: 4\n"
            f"source_version: ''\nstart_time: {T0 + start * HOUR_MS}\n"
            f"status: {STATUS_CODES[status]}\ntags: []\nuser_id: alice\n")
        (folder / "tags" / "mlflow.runName").write_text(name)
        if parent:
            (folder / "tags" / "mlflow.parentRunId").write_text(parent)
        if gpus:
            (folder / "params" / "num_gpus").write_text(gpus)
        (folder / "metrics" / "loss").write_text(f"{T0} 0.5 0\n")
    stray = folders["1"] / ".ipynb_checkpoints"
    stray.mkdir()
    (stray / "meta-checkpoint.yaml").write_text("name: ranking\n")
    (folders["1"] / "notes.txt").write_text("not a run")
    return store


def write_tracking_db(path: Path) -> Path:
    """Write the runs into the tables of an MLflow tracking database."""
    connection = sqlite3.connect(path)
    connection.executescript("""
        CREATE TABLE experiments (experiment_id INTEGER NOT NULL PRIMARY KEY,
            name VARCHAR(256) NOT NULL UNIQUE, artifact_location VARCHAR(256),
            lifecycle_stage VARCHAR(32), creation_time BIGINT, last_update_time BIGINT);
        CREATE TABLE runs (run_uuid VARCHAR(32) NOT NULL PRIMARY KEY, name VARCHAR(250),
            source_type VARCHAR(20), source_name VARCHAR(500), entry_point_name VARCHAR(50),
            user_id VARCHAR(256), status VARCHAR(9), start_time BIGINT, end_time BIGINT,
            source_version VARCHAR(50), lifecycle_stage VARCHAR(20), artifact_uri VARCHAR(200),
            experiment_id INTEGER, deleted_time BIGINT);
        CREATE TABLE tags (key VARCHAR(250) NOT NULL, value VARCHAR(8000),
            run_uuid VARCHAR(32) NOT NULL, PRIMARY KEY (key, run_uuid));
        CREATE TABLE params (key VARCHAR(250) NOT NULL, value VARCHAR(8000) NOT NULL,
            run_uuid VARCHAR(32) NOT NULL, PRIMARY KEY (key, run_uuid));
        CREATE TABLE metrics (key VARCHAR(250) NOT NULL, value FLOAT NOT NULL,
            timestamp BIGINT NOT NULL, run_uuid VARCHAR(32) NOT NULL,
            step BIGINT DEFAULT '0' NOT NULL, is_nan BOOLEAN DEFAULT '0' NOT NULL);
    """)
    for experiment_id, name, deleted in EXPERIMENTS:
        connection.execute("INSERT INTO experiments VALUES (?, ?, '', ?, ?, ?)",
                           (int(experiment_id), name, "deleted" if deleted else "active", T0, T0))
    for run_id, experiment_id, status, start, end, deleted, parent, gpus, name in RUNS:
        connection.execute(
            "INSERT INTO runs VALUES (?, ?, 'LOCAL', '', '', 'alice', ?, ?, ?, '', ?, '', ?, ?)",
            (run_id, name, status, T0 + start * HOUR_MS,
             None if end is None else T0 + end * HOUR_MS, "deleted" if deleted else "active",
             int(experiment_id), T0 if deleted else None))
        connection.execute("INSERT INTO tags VALUES ('mlflow.runName', ?, ?)", (name, run_id))
        if parent:
            connection.execute("INSERT INTO tags VALUES ('mlflow.parentRunId', ?, ?)",
                               (parent, run_id))
        if gpus:
            connection.execute("INSERT INTO params VALUES ('num_gpus', ?, ?)", (gpus, run_id))
    connection.commit()
    connection.close()
    return path


def deleted_run(run) -> bool:
    experiment_deleted = {e[0]: e[2] for e in EXPERIMENTS}
    return run[5] or experiment_deleted[run[1]]


def expected_top_level(include_deleted: bool) -> list[tuple]:
    kept = [run for run in RUNS if include_deleted or not deleted_run(run)]
    ids = {run[0] for run in kept}
    return [run for run in kept if run[6] is None or run[6] not in ids]


@pytest.fixture(params=["file store", "database"])
def read_store(request, tmp_path):
    if request.param == "file store":
        store = write_file_store(tmp_path)
        return lambda include_deleted=False: read_file_store(store, include_deleted)
    database = write_tracking_db(tmp_path / "mlflow.db")
    return lambda include_deleted=False: read_tracking_db(database, include_deleted)


def test_active_view_counts(read_store):
    history = read_store()
    deleted = sum(deleted_run(run) for run in RUNS)
    top = expected_top_level(False)
    assert history.report.read["run{s}"] == len(RUNS)
    assert history.report.skipped["deleted run{s} not shown (pass --include-deleted to "
                                  "include them)"] == deleted
    assert f"{deleted} deleted runs not shown" in "\n".join(history.report.lines())
    assert sorted(history.experiments["experiment_id"]) == sorted(run[0] for run in top)


def test_nested_runs_fold_into_parent(read_store):
    history = read_store()
    assert "c1" not in set(history.experiments["experiment_id"])
    assert history.report.read["nested child run{s}, folded into {its} parent run (not extra "
                               "experiments)"] == 2


def test_statuses_and_durations(read_store):
    history = read_store()
    rows = history.experiments.set_index("experiment_id")
    times = history.milestones.set_index(history.experiments["experiment_id"])
    for run_id, _, status, start, end, *_ in expected_top_level(False):
        assert rows.loc[run_id, "status"] == status
        assert times.loc[run_id, "arrived"] == pd.Timestamp(T0 + start * HOUR_MS, unit="ms",
                                                            tz="UTC")
        if end is None:
            assert pd.isna(times.loc[run_id, "training"])
        else:
            hours = (times.loc[run_id, "training"] - times.loc[run_id, "arrived"]) / \
                pd.Timedelta(hours=1)
            assert hours == pytest.approx(end - start)


def test_gpu_hours_and_reruns(read_store):
    history = read_store()
    rows = history.experiments.set_index("experiment_id")
    assert rows.loc["a1", "gpu_hours"] == pytest.approx(4 * 5)
    assert rows.loc["a4", "gpu_hours"] == pytest.approx(2 * 8)
    assert np.isnan(rows.loc["a3", "gpu_hours"])
    assert bool(rows.loc["a2", "rerun"])  # repeats the name "baseline"
    assert not bool(rows.loc["a1", "rerun"])


def test_baseline_of_the_active_view(read_store):
    baseline = measure_baseline(read_store())
    top = expected_top_level(False)
    ended = [run for run in top if run[4] is not None]
    figures = baseline.figures
    assert figures["experiments"] == len(top)
    assert figures["concluded"] == len(ended)
    assert figures["in_flight_at_end"] == 1  # a5, running, not deleted
    assert figures["failed_share"] == pytest.approx(1 / len(ended))
    assert figures["killed_share"] == pytest.approx(1 / len(ended))
    stage = baseline.stage_table().iloc[0]
    finished = [run[4] - run[3] for run in ended if run[2] == "FINISHED"]
    assert stage["measured"] == len(finished)
    assert stage["median_days"] == pytest.approx(np.median(finished) / 24)
    assert stage["stopped"] == 2
    assert figures["gpu_hours"] == pytest.approx(4 * 5 + 2 * 8)


def test_deleted_running_run_has_no_end(read_store):
    baseline = measure_baseline(read_store(include_deleted=True))
    table = baseline.experiments.set_index("experiment_id")
    assert not table.loc["d2", "concluded"]
    assert not table.loc["d2", "in_flight_at_end"]
    assert table.loc["d2", "no_end_recorded"]
    assert np.isnan(table.loc["d2", "cycle_days"])
    assert baseline.figures["experiments"] == len(expected_top_level(True))
    # The run still going (a5, 70 h) is in flight to the last timestamp (t2's end at 64 h is
    # earlier, a5's start at 70 h is the last), never to the clock at import time.
    assert baseline.figures["data_days"] == pytest.approx(70 / 24)


def test_file_store_skips_stray_folders(tmp_path):
    history = read_file_store(write_file_store(tmp_path))
    lines = "\n".join(history.report.lines())
    assert "1 folder inside MLflow experiments without a meta.yaml" in lines
    assert ".ipynb_checkpoints" in lines
    assert "1 MLflow experiment without runs" in lines


def test_file_store_found_from_parent_folder(tmp_path):
    write_file_store(tmp_path)
    history = read_history(tmp_path)
    assert history.report.kind == "MLflow file store"


def test_truncated_meta_yaml_names_line(tmp_path):
    path = tmp_path / "meta.yaml"
    path.write_text("artifact_uri: file:///x\nend_time: 17\nstatus: [3,\n")
    with pytest.raises(HistoryError) as error:
        read_meta_yaml(path)
    assert error.value.line == 4
    assert error.value.column == 1
    assert str(path) in str(error.value)
    assert "truncated" in str(error.value)


def test_truncated_run_is_left_out_and_listed(tmp_path):
    store = write_file_store(tmp_path)
    meta = store / "1" / "a4" / "meta.yaml"
    meta.write_text(meta.read_text()[:200])
    history = read_file_store(store)
    assert "a4" not in set(history.experiments["experiment_id"])
    assert history.report.skipped["run{s} with an unreadable or incomplete meta.yaml"] == 1
    assert any(str(meta) in problem for problem in history.report.problems)


def test_implausible_start_time(tmp_path):
    store = write_file_store(tmp_path)
    meta = store / "1" / "a4" / "meta.yaml"
    meta.write_text(meta.read_text().replace(f"start_time: {T0 + 50 * HOUR_MS}",
                                             "start_time: 17000"))
    history = read_file_store(store)
    assert any("start_time is 17000" in problem for problem in history.report.problems)


def test_empty_and_binary_meta_yaml(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(HistoryError, match="empty"):
        read_meta_yaml(empty)
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(HistoryError, match="not UTF-8"):
        read_meta_yaml(binary)


def test_folder_without_experiments(tmp_path):
    (tmp_path / "plain").mkdir()
    with pytest.raises(HistoryError, match="not an MLflow mlruns folder"):
        read_history(tmp_path / "plain")


def test_database_found_in_folder(tmp_path):
    write_tracking_db(tmp_path / "mlflow.db")
    assert read_history(tmp_path).report.kind == "MLflow tracking database"


def test_sqlite_that_is_not_mlflow(tmp_path):
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    with pytest.raises(HistoryError) as error:
        read_history(path)
    assert "not an MLflow tracking database" in str(error.value)
    assert "experiments" in str(error.value)


def test_damaged_database(tmp_path):
    path = tmp_path / "mlflow.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\x17" * 2000)
    with pytest.raises(HistoryError) as error:
        read_history(path)
    assert "mlflow.db" in str(error.value)
