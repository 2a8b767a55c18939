"""A generic CSV or XLSX export read through a column mapping: one row per experiment.

Without a status column, an experiment with every stage's end time is finished and one with
some missing is still in progress. A status column is read with the common words of issue
trackers and tracking tools (done, closed, failed, cancelled, in progress, ...). Other values
are kept as unknown and listed in the report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from simulation.history.errors import HistoryError
from simulation.history.mapping import ColumnMapping, validate_mapping
from simulation.history.records import (
    ARRIVED,
    FAILED,
    FINISHED,
    KILLED,
    RUNNING,
    SCHEDULED,
    UNKNOWN,
    History,
    ImportReport,
    is_training_stage,
    plural,
    valid_gpu_counts,
)
from simulation.history.tables import Table, parse_numbers
from simulation.history.timestamps import Cells, parse_timestamp_columns

STATUS_WORDS = {
    FINISHED: ("finished", "done", "closed", "resolved", "complete", "completed", "success",
               "succeeded", "shipped", "deployed", "accepted", "fixed", "decided", "concluded"),
    FAILED: ("failed", "failure", "error", "errored", "crashed", "broken"),
    KILLED: ("killed", "cancelled", "canceled", "abandoned", "stopped", "aborted", "won't do",
             "wont do", "won't fix", "wontfix", "duplicate", "dropped"),
    RUNNING: ("running", "in progress", "in_progress", "in-progress", "open", "active",
              "started", "ongoing", "doing", "in review", "reopened"),
    SCHEDULED: ("scheduled", "queued", "pending", "to do", "todo", "backlog", "new",
                "selected for development"),
}
TRUE_WORDS = ("yes", "y", "true", "t", "x", "reworked", "reopened")
FALSE_WORDS = ("no", "n", "false", "f", "", "0", "none")


def read_generic(table: Table, mapping: ColumnMapping, kind: str = "generic table",
                 guessed: bool = False) -> History:
    """Read a table through ``mapping``; raise ``HistoryError`` if the mapping does not fit."""
    problems = validate_mapping(mapping, table.columns)
    if problems:
        raise HistoryError("the column mapping does not fit the file:\n  " +
                           "\n  ".join(problems), file=str(table.path),
                           fix="Correct the mapping file (see docs/importing-history.md)")
    report = ImportReport(str(table.path), kind)
    report.note(f"file read as {table.describe()}")
    if guessed:
        report.note("column mapping guessed from the header; pass --mapping to set it")
    report.count("row{s}", len(table.frame))
    milestones = _milestones(table, mapping, report)
    has_arrival = milestones[ARRIVED].notna().to_numpy()
    if not has_arrival.all():
        first = int(np.flatnonzero(~has_arrival)[0])
        report.skip(f"row{{s}} without an arrival time (column {mapping.arrival!r} empty)",
                    int((~has_arrival).sum()),
                    detail=f"{table.path}, row {table.row_of(first)}: no arrival time")
    experiments = _attributes(table, mapping, milestones, report)
    keep = has_arrival
    experiments = experiments[keep].reset_index(drop=True)
    milestones = milestones[keep].reset_index(drop=True)
    report.count("experiment{s} (one per row)", len(experiments))
    return History(report=report, experiments=experiments, milestones=milestones,
                   stages=tuple(stage.name for stage in mapping.stages))


def _milestones(table: Table, mapping: ColumnMapping, report: ImportReport) -> pd.DataFrame:
    columns = mapping.timestamp_columns()
    cells = [Cells(column, table.frame[column], table.rows) for column in columns]
    parsed, readings = parse_timestamp_columns(cells, str(table.path), mapping.date_order,
                                               excel_serials=table.is_spreadsheet)
    for reading in readings:
        report.note(f"times in {reading.describe()}")
    names = [ARRIVED, *(stage.name for stage in mapping.stages)]
    return pd.DataFrame({name: parsed[column].to_numpy() for name, column in zip(names, columns)},
                        index=table.frame.index).apply(lambda c: pd.to_datetime(c, utc=True))


def _attributes(table: Table, mapping: ColumnMapping, milestones: pd.DataFrame,
                report: ImportReport) -> pd.DataFrame:
    frame = table.frame
    count = len(frame)
    ids = (frame[mapping.id].astype(str).str.strip() if mapping.id else
           pd.Series([f"row {row}" for row in table.rows], index=frame.index))
    gpus = (valid_gpu_counts(parse_numbers(frame[mapping.gpus], table.decimal_comma))
            if mapping.gpus else pd.Series(np.nan, index=frame.index))
    experiments = pd.DataFrame({
        "experiment_id": ids,
        "name": frame[mapping.name].astype(str).str.strip() if mapping.name else "",
        "group": frame[mapping.group].astype(str).str.strip() if mapping.group else "",
        "status": _status(table, mapping, milestones, report),
        "deleted": np.zeros(count, dtype=bool),
        "rerun": _rework(table, mapping, report),
        "gpus": gpus,
        "gpu_hours": _gpu_hours(gpus, milestones, mapping, report),
    }, index=frame.index)
    return experiments


def _status(table: Table, mapping: ColumnMapping, milestones: pd.DataFrame,
            report: ImportReport) -> pd.Series:
    complete = milestones.notna().all(axis=1)
    derived = pd.Series(np.where(complete, FINISHED, RUNNING), index=milestones.index)
    if mapping.status is None:
        report.note("no status column: rows with every stage's end time are finished, the "
                    "others in progress")
        return derived
    words = table.frame[mapping.status].astype(str).str.strip().str.lower()
    lookup = {word: status for status, names in STATUS_WORDS.items() for word in names}
    status = words.map(lookup)
    empty = words == ""
    status = status.where(~empty, derived)
    unknown = status.isna()
    if unknown.any():
        values = sorted(set(table.frame[mapping.status][unknown].str.strip()))[:8]
        report.note(f"{plural(int(unknown.sum()), 'row')} with a status that is not recognised "
                    f"({', '.join(map(repr, values))}); read as {UNKNOWN}, with the end times "
                    "deciding whether they are finished")
        status = status.where(~unknown, np.where(complete, UNKNOWN, RUNNING))
    return status


def _rework(table: Table, mapping: ColumnMapping, report: ImportReport) -> np.ndarray:
    if mapping.rework is None:
        return np.zeros(len(table.frame), dtype=bool)
    text = table.frame[mapping.rework].astype(str).str.strip().str.lower()
    numbers = parse_numbers(text, table.decimal_comma)
    rework = (numbers > 0) | text.isin(TRUE_WORDS)
    unknown = numbers.isna() & ~text.isin(TRUE_WORDS) & ~text.isin(FALSE_WORDS)
    if unknown.any():
        report.note(f"{plural(int(unknown.sum()), 'cell')} of column {mapping.rework!r} neither "
                    "a count nor yes/no: read as no rework")
    return rework.to_numpy()


def _gpu_hours(gpus: pd.Series, milestones: pd.DataFrame, mapping: ColumnMapping,
               report: ImportReport) -> np.ndarray:
    if mapping.gpus is None:
        return np.full(len(gpus), np.nan)
    names = [ARRIVED, *(stage.name for stage in mapping.stages)]
    training = [index for index, stage in enumerate(mapping.stages)
                if is_training_stage(stage.name)]
    if not training:
        report.note(f"GPU counts in column {mapping.gpus!r} but no stage named like "
                    "'training'; GPU hours are not computed")
        return np.full(len(gpus), np.nan)
    index = training[0]
    hours = (milestones[names[index + 1]] - milestones[names[index]]) / pd.Timedelta(hours=1)
    report.note(f"GPU hours = column {mapping.gpus!r} times the duration of stage "
                f"{mapping.stages[index].name!r}")
    return (gpus * hours.astype(float)).to_numpy(dtype=float)
