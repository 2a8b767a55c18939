"""Reading an MLflow tracking database (``mlflow.db``, SQLite) with ``sqlite3``, without MLflow.

The tables used are those of MLflow 1.x to 3.x: ``experiments`` (experiment_id, name,
lifecycle_stage), ``runs`` (run_uuid, name, status as text, start_time and end_time in epoch
milliseconds, lifecycle_stage, experiment_id), ``tags`` and ``params`` (key, value, run_uuid).
The database is opened read-only, so a tracking server may keep running.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pandas as pd

from simulation.history.errors import HistoryError
from simulation.history.records import (
    GPU_KEYS,
    STATUSES,
    UNKNOWN,
    History,
    ImportReport,
    history_from_runs,
    plural,
)
from simulation.history.tables import SQLITE_MAGIC

logger = logging.getLogger(__name__)

REQUIRED_COLUMNS = {
    "experiments": ("experiment_id", "name", "lifecycle_stage"),
    "runs": ("run_uuid", "name", "status", "start_time", "end_time", "lifecycle_stage",
             "experiment_id"),
    "tags": ("key", "value", "run_uuid"),
    "params": ("key", "value", "run_uuid"),
}
EPOCH_MS_RANGE = (1e11, 1e14)


def is_sqlite_file(path: Path) -> bool:
    try:
        with Path(path).open("rb") as stream:
            return stream.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def read_tracking_db(path: Path, include_deleted: bool = False) -> History:
    """Read the runs of every experiment in an MLflow tracking database."""
    path = Path(path)
    report = ImportReport(str(path), "MLflow tracking database")
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise HistoryError(f"cannot open the database: {error}", file=str(path)) from None
    try:
        _check_schema(connection, path)
        runs = _query_runs(connection, path, report)
        experiments = pd.read_sql_query(
            "SELECT e.experiment_id, COUNT(r.run_uuid) AS runs FROM experiments e "
            "LEFT JOIN runs r ON r.experiment_id = e.experiment_id GROUP BY e.experiment_id",
            connection)
    except sqlite3.DatabaseError as error:
        raise HistoryError(f"cannot read the database: {error}", file=str(path),
                           fix="Check that this is an MLflow tracking database and not "
                               "damaged (sqlite3 mlflow.db 'PRAGMA integrity_check')") from None
    finally:
        connection.close()
    report.count("MLflow experiment{s}", len(experiments))
    empty = int((experiments["runs"] == 0).sum())
    if empty:
        report.note(f"{plural(empty, 'MLflow experiment')} without runs")
    return history_from_runs(runs, report, include_deleted)


def _check_schema(connection: sqlite3.Connection, path: Path) -> None:
    tables = {row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [table for table in REQUIRED_COLUMNS if table not in tables]
    if missing:
        raise HistoryError(f"not an MLflow tracking database: no table {', '.join(missing)}",
                           file=str(path),
                           fix="Pass the database that `mlflow server --backend-store-uri "
                               "sqlite:///mlflow.db` writes")
    for table, needed in REQUIRED_COLUMNS.items():
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        absent = [column for column in needed if column not in columns]
        if absent:
            raise HistoryError(f"table {table} has no column {', '.join(absent)}; this MLflow "
                               "schema is not supported", file=str(path),
                               fix="Upgrade the database with `mlflow db upgrade`, or export "
                                   "the runs with mlflow.search_runs to CSV")


def _query_runs(connection: sqlite3.Connection, path: Path, report: ImportReport) -> pd.DataFrame:
    runs = pd.read_sql_query(
        "SELECT r.run_uuid AS run_id, r.name AS run_name, r.status, r.start_time, r.end_time, "
        "r.lifecycle_stage AS run_stage, e.name AS experiment_name, "
        "e.lifecycle_stage AS experiment_stage "
        "FROM runs r LEFT JOIN experiments e ON r.experiment_id = e.experiment_id", connection)

    placeholders = ", ".join("?" for _ in GPU_KEYS)
    tags = pd.read_sql_query(
        "SELECT run_uuid, key, value FROM tags WHERE key IN ('mlflow.parentRunId', "
        f"'mlflow.runName') OR lower(key) IN ({placeholders})", connection, params=GPU_KEYS)
    params = pd.read_sql_query(
        f"SELECT run_uuid, key, value FROM params WHERE lower(key) IN ({placeholders})",
        connection, params=GPU_KEYS)

    tag = tags.pivot_table(index="run_uuid", columns="key", values="value", aggfunc="first")
    parent = tag.get("mlflow.parentRunId", pd.Series(dtype=object)).reindex(runs["run_id"])
    run_name = tag.get("mlflow.runName", pd.Series(dtype=object)).reindex(runs["run_id"])
    status = runs["status"].fillna("").astype(str).str.strip().str.upper()
    unknown = ~status.isin(STATUSES)
    if unknown.any():
        report.note(f"{plural(int(unknown.sum()), 'run')} with an unknown status "
                    f"(e.g. {runs['status'][unknown].iloc[0]!r}); read as {UNKNOWN}")
        status = status.where(~unknown, UNKNOWN)

    deleted = (runs["run_stage"] == "deleted") | (runs["experiment_stage"] == "deleted")
    return pd.DataFrame({
        "run_id": runs["run_id"],
        "parent_id": parent.to_numpy(),
        "name": np.where(run_name.isna().to_numpy(), runs["run_name"].fillna("").to_numpy(),
                         run_name.to_numpy()),
        "group": runs["experiment_name"].fillna(""),
        "status": status,
        "deleted": deleted.to_numpy(),
        "started_at": _epoch_ms(runs, "start_time", path, report),
        "ended_at": _epoch_ms(runs, "end_time", path, report),
        "gpus": _gpu_counts(params, tags, runs["run_id"]),
    })


def _epoch_ms(runs: pd.DataFrame, column: str, path: Path, report: ImportReport) -> pd.Series:
    values = pd.to_numeric(runs[column], errors="coerce").astype(float)
    present = runs[column].notna().to_numpy()
    plausible = (values >= EPOCH_MS_RANGE[0]) & (values < EPOCH_MS_RANGE[1])
    bad = present & ~plausible.to_numpy()
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        report.note(f"{plural(int(bad.sum()), 'run')} with a {column} that is not epoch "
                    "milliseconds "
                    f"(run {runs['run_id'].iloc[first]}: {runs[column].iloc[first]!r}); "
                    "read as unknown")
    values = values.where(plausible)
    return pd.to_datetime(values, unit="ms", utc=True)


def _gpu_counts(params: pd.DataFrame, tags: pd.DataFrame, run_ids: pd.Series) -> np.ndarray:
    gpu_tags = tags[tags["key"].str.lower().isin(GPU_KEYS)]
    values = pd.concat([params, gpu_tags])  # a param wins over a tag of the same run
    values = values.assign(number=pd.to_numeric(values["value"], errors="coerce"))
    values = values.dropna(subset=["number"]).drop_duplicates("run_uuid", keep="first")
    return values.set_index("run_uuid")["number"].reindex(run_ids).to_numpy(dtype=float)
