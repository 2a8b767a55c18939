"""Runs tables exported as CSV: from the MLflow UI, from ``mlflow.search_runs`` and from W&B.

- MLflow UI ("Download CSV" on an experiment's runs table): columns ``Start Time``,
  ``Duration``, ``Run ID``, ``Name``, ``Source Type``, ``Source Name``, ``User``, ``Status``,
  then one column per param, metric and visible tag. The start time is the browser's local
  time without a zone and the duration is rounded for display (``1.2s``, ``3.5min``, ``2.0h``,
  ``1.1d``), so end times are approximate. Cells starting with = + - or @ carry a leading
  apostrophe (``'-0.5``). Only the runs the UI showed are in the file; deleted runs are not.
- ``mlflow.search_runs(...).to_csv(...)``: columns ``run_id``, ``experiment_id``, ``status``,
  ``start_time``, ``end_time`` (ISO times with a zone), ``metrics.*``, ``params.*``,
  ``tags.*`` (``tags.mlflow.parentRunId`` marks nested runs), often after an unnamed index
  column.
- Weights & Biases ("Export as CSV" on a project's runs table): ``Name``, ``State``,
  ``Notes``, ``User``, ``Tags``, ``Created`` (ISO, UTC), ``Runtime`` (seconds), ``Sweep``,
  then config and summary columns. The runs of one sweep form one experiment, as nested runs
  do in MLflow.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from simulation.history.errors import HistoryError
from simulation.history.records import (
    FAILED,
    FINISHED,
    KILLED,
    RUNNING,
    SCHEDULED,
    STATUSES,
    UNKNOWN,
    History,
    ImportReport,
    history_from_runs,
    is_gpu_key,
    plural,
)
from simulation.history.tables import Table, parse_numbers
from simulation.history.timestamps import Cells, parse_timestamp_columns

MLFLOW_UI = "MLflow UI runs CSV"
SEARCH_RUNS = "mlflow.search_runs CSV"
WANDB = "Weights & Biases runs CSV"
GENERIC = "generic table"
MLFLOW_UI_COLUMNS = ("Start Time", "Duration", "Run ID", "Status")
SEARCH_RUNS_COLUMNS = ("run_id", "status", "start_time")
WANDB_COLUMNS = ("State", "Created", "Runtime")
WANDB_STATES = {"finished": FINISHED, "crashed": FAILED, "failed": FAILED, "killed": KILLED,
                "preempted": KILLED, "running": RUNNING, "preempting": RUNNING,
                "pending": SCHEDULED}
UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "sec": 1.0, "secs": 1.0, "second": 1.0,
                "seconds": 1.0, "m": 60.0, "min": 60.0, "mins": 60.0, "minute": 60.0,
                "minutes": 60.0, "h": 3600.0, "hr": 3600.0, "hrs": 3600.0, "hour": 3600.0,
                "hours": 3600.0, "d": 86400.0, "day": 86400.0, "days": 86400.0}
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([A-Za-z]+)")
_DURATION = re.compile(r"^(?:\s*\d+(?:\.\d+)?\s*[A-Za-z]+\s*)+$")
_CLOCK = re.compile(r"^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")


def detect_kind(columns: list[str]) -> str:
    """Tell which export a header comes from."""
    present = set(columns)
    if all(column in present for column in MLFLOW_UI_COLUMNS):
        return MLFLOW_UI
    if all(column in present for column in SEARCH_RUNS_COLUMNS):
        return SEARCH_RUNS
    if all(column in present for column in WANDB_COLUMNS):
        return WANDB
    return GENERIC


def read_runs_export(table: Table, kind: str, include_deleted: bool) -> History:
    report = ImportReport(str(table.path), kind)
    report.note(f"file read as {table.describe()}")
    if kind == MLFLOW_UI:
        runs = _mlflow_ui_runs(table, report)
    elif kind == SEARCH_RUNS:
        runs = _search_runs(table, report)
    elif kind == WANDB:
        runs = _wandb_runs(table, report)
    else:
        raise ValueError(f"not a runs export: {kind}")
    return history_from_runs(runs, report, include_deleted)


def _times(table: Table, columns: list[str], report: ImportReport) -> dict[str, pd.Series]:
    cells = [Cells(column, table.frame[column], table.rows) for column in columns]
    parsed, readings = parse_timestamp_columns(cells, str(table.path),
                                               excel_serials=table.is_spreadsheet)
    for reading in readings:
        report.note(f"times in {reading.describe()}")
    return parsed


def _status_text(table: Table, column: str, report: ImportReport) -> pd.Series:
    status = table.frame[column].astype(str).str.strip().str.upper()
    unknown = ~status.isin(STATUSES)
    if unknown.any():
        values = sorted(set(table.frame[column][unknown]))[:5]
        report.note(f"{plural(int(unknown.sum()), 'run')} with a status that is not an MLflow "
                    f"run status ({', '.join(map(repr, values))}); read as {UNKNOWN}")
    return status.where(~unknown, UNKNOWN)


def _gpu_column(table: Table, report: ImportReport) -> np.ndarray:
    columns = [column for column in table.columns if is_gpu_key(column)]
    if not columns:
        return np.full(len(table.frame), np.nan)
    report.note(f"GPU count per run read from column {columns[0]!r}")
    return parse_numbers(table.frame[columns[0]], table.decimal_comma).to_numpy()


def _optional(table: Table, column: str) -> pd.Series:
    if column in table.frame:
        text = table.frame[column].astype(str).str.strip().astype(object)
        return text.where(text != "", None)
    return pd.Series([None] * len(table.frame), index=table.frame.index, dtype=object)


def _mlflow_ui_runs(table: Table, report: ImportReport) -> pd.DataFrame:
    started = _times(table, ["Start Time"], report)["Start Time"]
    seconds = parse_duration_text(table, "Duration", bare_unit_seconds=None)
    ended = started + pd.to_timedelta(seconds, unit="s")
    report.note("the MLflow UI writes start times in the browser's local time without a zone "
                "(read as UTC) and rounds durations for display; run end times are the start "
                "plus that rounded duration")
    report.note("the MLflow UI export holds only the runs the UI showed; deleted runs are not "
                "in it")
    status = _status_text(table, "Status", report)
    return pd.DataFrame({
        "run_id": table.frame["Run ID"], "parent_id": _optional(table, "mlflow.parentRunId"),
        "name": _optional(table, "Name").fillna(""), "group": "", "status": status,
        "deleted": False, "started_at": started, "ended_at": ended,
        "gpus": _gpu_column(table, report),
    })


def _search_runs(table: Table, report: ImportReport) -> pd.DataFrame:
    columns = ["start_time"] + (["end_time"] if "end_time" in table.frame else [])
    times = _times(table, columns, report)
    ended = times.get("end_time", pd.Series(pd.NaT, index=table.frame.index,
                                            dtype="datetime64[ns, UTC]"))
    deleted = np.zeros(len(table.frame), dtype=bool)
    if "lifecycle_stage" in table.frame:
        deleted = (table.frame["lifecycle_stage"].str.strip() == "deleted").to_numpy()
    else:
        report.note("mlflow.search_runs returns active runs only unless run_view_type=ALL is "
                    "passed; deleted runs are not in this file")
    name = _optional(table, "tags.mlflow.runName")
    if "run_name" in table.frame:
        name = name.fillna(_optional(table, "run_name"))
    return pd.DataFrame({
        "run_id": table.frame["run_id"],
        "parent_id": _optional(table, "tags.mlflow.parentRunId"),
        "name": name.fillna(""), "group": _optional(table, "experiment_id").fillna(""),
        "status": _status_text(table, "status", report), "deleted": deleted,
        "started_at": times["start_time"], "ended_at": ended,
        "gpus": _gpu_column(table, report),
    })


def _wandb_runs(table: Table, report: ImportReport) -> pd.DataFrame:
    started = _times(table, ["Created"], report)["Created"]
    seconds = parse_duration_text(table, "Runtime", bare_unit_seconds=1.0)
    state = table.frame["State"].astype(str).str.strip().str.lower()
    status = state.map(WANDB_STATES)
    if status.isna().any():
        values = sorted(set(state[status.isna()]))[:5]
        report.note(f"{plural(int(status.isna().sum()), 'run')} with an unknown W&B state "
                    f"({', '.join(map(repr, values))}); read as {UNKNOWN}")
        status = status.fillna(UNKNOWN)
    ended_status = status.isin((FINISHED, FAILED, KILLED)).to_numpy()
    # A running run's Runtime is the time so far, not a duration: it gets no end time.
    ended = (started + pd.to_timedelta(seconds, unit="s")).where(ended_status)
    row_ids = pd.Series([f"row {row}" for row in table.rows], index=table.frame.index)
    runs = pd.DataFrame({
        "run_id": _optional(table, "ID").fillna(row_ids),
        "parent_id": None, "name": _optional(table, "Name").fillna(""), "group": "",
        "status": status, "deleted": False, "started_at": started, "ended_at": ended,
        "gpus": _gpu_column(table, report),
    })
    report.note("W&B exports hold no deleted runs")
    if "Sweep" in table.frame:
        runs = _with_sweep_parents(runs, _optional(table, "Sweep"), report)
    return runs


def _with_sweep_parents(runs: pd.DataFrame, sweep: pd.Series,
                        report: ImportReport) -> pd.DataFrame:
    """Add one parent row per sweep, spanning its runs, and make the runs its children."""
    in_sweep = sweep.notna().to_numpy()
    if not in_sweep.any():
        return runs
    runs = runs.copy()
    runs.loc[in_sweep, "parent_id"] = "sweep " + sweep[in_sweep].astype(str)
    members = runs[in_sweep]
    groups = members.groupby("parent_id", sort=False)
    any_open = groups["ended_at"].apply(lambda ends: ends.isna().any())
    statuses = groups["status"].agg(set)
    parents = pd.DataFrame({
        "run_id": groups.size().index, "parent_id": None, "name": groups.size().index,
        "group": "", "status": [_sweep_status(s) for s in statuses], "deleted": False,
        "started_at": groups["started_at"].min().to_numpy(),
        "ended_at": groups["ended_at"].max().where(~any_open).to_numpy(),
        "gpus": np.nan,
    })
    report.note(f"{len(parents)} W&B sweeps each count as one experiment spanning its runs")
    return pd.concat([runs, parents], ignore_index=True)


def _sweep_status(statuses: set[str]) -> str:
    for status in (RUNNING, SCHEDULED):
        if status in statuses:
            return status
    for status in (FINISHED, FAILED, KILLED):
        if status in statuses:
            return status
    return UNKNOWN


def parse_duration_text(table: Table, column: str, bare_unit_seconds: float | None) -> pd.Series:
    """Parse durations such as ``1.2s``, ``3.5min``, ``1h 2m 3s`` or ``01:02:03`` to seconds.

    A bare number is read in ``bare_unit_seconds``, or rejected when that is None. Empty cells
    become NaN (a run still going has no duration).
    """
    text = table.frame[column].astype(str).str.strip()
    seconds = pd.Series(np.nan, index=text.index)
    numbers = parse_numbers(text, table.decimal_comma)
    bare = numbers.notna()
    if bare.any():
        if bare_unit_seconds is None:
            position = int(np.flatnonzero(bare.to_numpy())[0])
            raise HistoryError(f"{text.iloc[position]!r} has no unit", file=str(table.path),
                               row=table.row_of(position), column=column,
                               fix="Give durations with a unit, such as 1.2s, 3.5min or 2.0h")
        seconds[bare] = numbers[bare] * bare_unit_seconds
    clock = text.str.extract(_CLOCK)
    on_clock = clock[0].notna() & ~bare
    seconds[on_clock] = (clock[0][on_clock].astype(float) * 3600
                         + clock[1][on_clock].astype(float) * 60 + clock[2][on_clock].astype(float))
    worded = text.str.match(_DURATION) & ~bare & ~on_clock
    if worded.any():
        parts = text[worded].str.extractall(_DURATION_PART)
        factors = parts[1].str.lower().map(UNIT_SECONDS)
        if factors.isna().any():
            position = text.index.get_loc(factors[factors.isna()].index[0][0])
            raise HistoryError(f"{text.iloc[position]!r} has an unknown time unit",
                               file=str(table.path), row=table.row_of(position), column=column,
                               fix="Use ms, s, min, h or d")
        values = (parts[0].astype(float) * factors).groupby(level=0).sum()
        seconds[values.index] = values
    bad = (text != "") & seconds.isna()
    if bad.any():
        position = int(np.flatnonzero(bad.to_numpy())[0])
        raise HistoryError(f"{text.iloc[position]!r} is not a duration", file=str(table.path),
                           row=table.row_of(position), column=column,
                           fix="Give durations such as 1.2s, 3.5min, 2.0h, 1h 2m or 01:02:03")
    return seconds
