"""The column mapping of a generic export: which columns hold which stage timestamps.

A generic export (CSV or XLSX from an issue tracker or a spreadsheet) has one row per
experiment and one timestamp column per milestone. The mapping names the column with the
arrival time and, in pipeline order, one column per stage with the time that stage ended;
each stage lasts from the previous milestone to its own. Optional columns give an id, a name,
a group, a status, a GPU count and a rework flag. As JSON::

    {
      "arrival": "created",
      "stages": [
        {"name": "data_preparation", "ends_at": "data ready"},
        {"name": "training", "ends_at": "training finished"}
      ],
      "id": "key", "status": "status", "gpus": "gpus",
      "date_order": "auto"
    }

``guess_mapping`` proposes a mapping from a header and ``validate_mapping`` lists what is
wrong with one, so a dialog can offer the guess and check the user's edits.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.history.errors import HistoryError
from simulation.history.records import ARRIVED, is_gpu_key
from simulation.history.timestamps import DATE_ORDERS, DateOrder

MAX_MAPPING_BYTES = 1024 * 1024
OPTIONAL_COLUMNS = ("id", "name", "group", "status", "gpus", "rework")

# Milestones in pipeline order: the stage that ends at the milestone, and the column names
# (lower case, words joined by "_", without a suffix such as "_at" or "_date") that mean it.
ARRIVAL_NAMES = ("created", "creation", "opened", "submitted", "proposed", "arrived",
                 "arrival", "requested", "hypothesis", "hypothesis_created", "idea")
STAGE_NAMES = (
    ("data_preparation", ("data_ready", "data_prepared", "data_done", "dataset_ready",
                          "data_preparation_done", "data_prep_done")),
    ("waiting_for_training", ("training_started", "train_started", "training_start",
                              "train_start", "training_queued_until")),
    ("training", ("training_finished", "training_done", "training_ended", "train_finished",
                  "train_done", "train_end", "training_end", "trained")),
    ("evaluation", ("evaluated", "evaluation_done", "evaluation_finished", "eval_done",
                    "evaluation")),
    ("review", ("reviewed", "review_done", "review_finished", "review")),
    ("decision", ("decided", "decision", "decision_made")),
)
# A single end column when no pipeline milestone is found: the whole cycle is one stage.
END_NAMES = ("finished", "done", "resolved", "closed", "completed", "ended", "end", "delivered")
SUFFIXES = ("_at", "_date", "_time", "_timestamp", "_ts", "_on", "_datetime", "_utc")
# Names that may as well hold text (a review note, a decision) unless a time suffix follows.
NEEDS_SUFFIX = {"evaluation", "review", "decision", "end", "idea", "hypothesis", "arrival"}
OPTIONAL_NAMES = {
    "id": ("id", "key", "issue_key", "issue_id", "run_id", "experiment_id", "ticket"),
    "name": ("name", "title", "summary", "experiment", "experiment_name", "run_name"),
    "group": ("project", "group", "team", "experiment_group"),
    "status": ("status", "state", "resolution"),
    "rework": ("rework", "reworked", "reopened", "rework_count", "reruns", "retries",
               "times_reopened"),
}


@dataclass(frozen=True)
class StageColumn:
    name: str
    ends_at: str


@dataclass(frozen=True)
class ColumnMapping:
    """Which columns of a generic export hold what; column names as in the header."""

    arrival: str
    stages: tuple[StageColumn, ...]
    id: str | None = None
    name: str | None = None
    group: str | None = None
    status: str | None = None
    gpus: str | None = None
    rework: str | None = None
    date_order: DateOrder = "auto"
    sheet: str | None = None

    def timestamp_columns(self) -> list[str]:
        return [self.arrival, *(stage.ends_at for stage in self.stages)]


@dataclass
class MappingGuess:
    """A proposed mapping (None when the header has no arrival or no end column) and why."""

    mapping: ColumnMapping | None
    notes: list[str] = field(default_factory=list)


def normalise_name(name: str) -> str:
    words = re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_")
    return words


def _base_name(name: str) -> str:
    """Return the normalised name without a time suffix; "" if it needs one and has none."""
    base = normalise_name(name)
    for suffix in SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            return base[: -len(suffix)]
    return "" if base in NEEDS_SUFFIX else base


def guess_mapping(header: list[str]) -> MappingGuess:
    """Propose a mapping from column names alone; the notes say what was ambiguous."""
    notes: list[str] = []
    bases = {column: _base_name(column) for column in header}
    arrival = _first(header, bases, ARRIVAL_NAMES, "the arrival time", notes)
    stages = []
    for stage_name, names in STAGE_NAMES:
        column = _first(header, bases, names, f"the end of {stage_name}", notes)
        if column is not None:
            stages.append(StageColumn(stage_name, column))
    if not stages:
        column = _first(header, bases, END_NAMES, "the end of the work", notes)
        if column is not None:
            stages.append(StageColumn("work", column))
    optional: dict[str, Any] = {}
    used = {arrival, *(stage.ends_at for stage in stages)}
    for key, names in OPTIONAL_NAMES.items():
        candidates = [c for c in header if c not in used and normalise_name(c) in names]
        if candidates:
            optional[key] = candidates[0]
            used.add(candidates[0])
    gpu_columns = [c for c in header if c not in used and is_gpu_key(c)]
    if gpu_columns:
        optional["gpus"] = gpu_columns[0]
    if arrival is None:
        notes.append("no column looks like the arrival time (such as 'created'); choose one")
    if not stages:
        notes.append("no column looks like the end of a stage (such as 'finished' or "
                     "'training finished'); choose at least one")
    if arrival is None or not stages:
        return MappingGuess(None, notes)
    return MappingGuess(ColumnMapping(arrival=arrival, stages=tuple(stages), **optional), notes)


def _first(header: list[str], bases: dict[str, str], names: tuple[str, ...], role: str,
           notes: list[str]) -> str | None:
    candidates = [column for column in header if bases[column] in names]
    if len(candidates) > 1:
        notes.append(f"several columns could be {role}: {', '.join(map(repr, candidates))}; "
                     f"chose {candidates[0]!r}")
    return candidates[0] if candidates else None


def validate_mapping(mapping: ColumnMapping, header: list[str]) -> list[str]:
    """List every problem of a mapping against a file's header; empty when it can be used."""
    problems = []
    known = set(header)
    shown = ", ".join(repr(column) for column in header[:30])
    more = f" and {len(header) - 30} more" if len(header) > 30 else ""

    def check_column(path: str, column: str | None) -> None:
        if column is not None and column not in known:
            problems.append(f"{path}: no column {column!r} in the file; the columns are "
                            f"{shown}{more}")

    check_column("arrival", mapping.arrival)
    if not mapping.stages:
        problems.append("stages: empty; map at least one column with the time a stage ended")
    names, columns = set(), {mapping.arrival: "arrival"}
    for index, stage in enumerate(mapping.stages):
        path = f"stages[{index}]"
        if not stage.name.strip():
            problems.append(f"{path}.name: empty; give the stage a name such as 'training'")
        elif stage.name in names:
            problems.append(f"{path}.name: duplicate stage name {stage.name!r}")
        elif stage.name == ARRIVED:
            problems.append(f"{path}.name: {ARRIVED!r} names the arrival; choose another name")
        names.add(stage.name)
        check_column(f"{path}.ends_at", stage.ends_at)
        if stage.ends_at in columns:
            problems.append(f"{path}.ends_at: column {stage.ends_at!r} is already used for "
                            f"{columns[stage.ends_at]}")
        columns[stage.ends_at] = path
    for key in OPTIONAL_COLUMNS:
        check_column(key, getattr(mapping, key))
    if mapping.date_order not in DATE_ORDERS:
        problems.append(f"date_order: must be one of {', '.join(DATE_ORDERS)} "
                        f"(got {mapping.date_order!r})")
    return problems


def mapping_from_dict(doc: Any, source: str = "mapping") -> ColumnMapping:
    """Build a mapping from decoded JSON; raise ``HistoryError`` listing every field problem."""
    if not isinstance(doc, dict):
        raise HistoryError(f"the mapping must be a JSON object (got {type(doc).__name__})",
                           file=source, fix=_EXAMPLE)
    problems = []
    arrival = doc.get("arrival")
    if not isinstance(arrival, str) or not arrival.strip():
        problems.append(f"arrival: must name the column with the arrival time (got {arrival!r})")
    stages = []
    stage_docs = doc.get("stages")
    if not isinstance(stage_docs, list) or not stage_docs:
        problems.append("stages: must be a non-empty list of {\"name\": ..., \"ends_at\": ...}")
        stage_docs = []
    for index, item in enumerate(stage_docs):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or \
                not isinstance(item.get("ends_at"), str):
            problems.append(f"stages[{index}]: must be {{\"name\": \"training\", \"ends_at\": "
                            f"\"<column>\"}} (got {item!r})")
            continue
        stages.append(StageColumn(item["name"].strip(), item["ends_at"]))
    optional = {}
    for key in (*OPTIONAL_COLUMNS, "sheet"):
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(f"{key}: must be a column name or null (got {value!r})")
            value = None
        optional[key] = value
    date_order = doc.get("date_order", "auto")
    if date_order not in DATE_ORDERS:
        problems.append(f"date_order: must be one of {', '.join(DATE_ORDERS)} "
                        f"(got {date_order!r})")
    unknown = sorted(set(doc) - {"arrival", "stages", "date_order", "sheet", *OPTIONAL_COLUMNS})
    if unknown:
        problems.append(f"unknown keys {', '.join(unknown)}; known keys are arrival, stages, "
                        f"date_order, sheet, {', '.join(OPTIONAL_COLUMNS)}")
    if problems:
        raise HistoryError("invalid mapping:\n  " + "\n  ".join(problems), file=source)
    return ColumnMapping(arrival=arrival, stages=tuple(stages), date_order=date_order,
                         **optional)


def mapping_to_dict(mapping: ColumnMapping) -> dict:
    doc: dict[str, Any] = {"arrival": mapping.arrival,
                           "stages": [{"name": s.name, "ends_at": s.ends_at}
                                      for s in mapping.stages]}
    for key in OPTIONAL_COLUMNS:
        if getattr(mapping, key) is not None:
            doc[key] = getattr(mapping, key)
    doc["date_order"] = mapping.date_order
    if mapping.sheet is not None:
        doc["sheet"] = mapping.sheet
    return doc


def load_mapping(path: Path) -> ColumnMapping:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_MAPPING_BYTES:
            raise HistoryError("the file is too large for a column mapping", file=str(path),
                               fix=_EXAMPLE)
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise HistoryError(f"cannot read the mapping: {error.strerror}", file=str(path)) from None
    except UnicodeDecodeError as error:
        raise HistoryError(f"not UTF-8 text (invalid byte at offset {error.start})",
                           file=str(path), fix="Save the mapping as UTF-8 JSON") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as error:
        raise HistoryError(f"malformed JSON: {error.msg}", file=str(path), line=error.lineno,
                           column=error.colno, fix=_EXAMPLE) from None
    return mapping_from_dict(doc, str(path))


_EXAMPLE = ('A mapping looks like {"arrival": "created", "stages": [{"name": "work", '
            '"ends_at": "finished"}]}')
