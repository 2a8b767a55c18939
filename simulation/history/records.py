"""The normalised history every importer produces, and the report of what was read.

A planner *experiment* is one unit of work that arrives, passes the stages in order and ends.
From a tracking store, each top-level run is one experiment: nested child runs (MLflow's
``mlflow.parentRunId``, a Weights & Biases sweep's runs) belong to their parent and are not
extra experiments. From an issue tracker or a spreadsheet, each row is one experiment.

``History.milestones`` holds, per experiment, the time it arrived and the time each stage
ended (UTC, NaT where unknown). Stage *i* lasts from the previous milestone to its own.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

FINISHED, FAILED, KILLED, RUNNING, SCHEDULED, UNKNOWN = (
    "FINISHED", "FAILED", "KILLED", "RUNNING", "SCHEDULED", "UNKNOWN")
STATUSES = (FINISHED, FAILED, KILLED, RUNNING, SCHEDULED, UNKNOWN)
# MLflow's RunStatus enum as the file store writes it into meta.yaml.
MLFLOW_STATUS_CODES = {1: RUNNING, 2: SCHEDULED, 3: FINISHED, 4: FAILED, 5: KILLED}
ENDED_STATUSES = (FINISHED, FAILED, KILLED)
ARRIVED = "arrived"
TRAINING = "training"
RUN_COLUMNS = ("run_id", "parent_id", "name", "group", "status", "deleted", "started_at",
               "ended_at", "gpus")
EXPERIMENT_COLUMNS = ("experiment_id", "name", "group", "status", "deleted", "rerun", "gpus",
                      "gpu_hours")
MAX_PROBLEMS_LISTED = 20
# Param, tag or column names read as the number of GPUs a run used, compared without case and
# without a "params." / "tags." / "config." prefix. GPU hours are that number times the run's
# duration.
GPU_KEYS = ("gpus", "num_gpus", "n_gpus", "ngpus", "ngpu", "num_gpu", "gpu_count", "gpu_num")
_KEY_PREFIXES = ("params.", "tags.", "config.", "config/", "param.", "tag.")


def is_waiting_stage(name: str) -> bool:
    """Tell whether a stage is a queue (its name starts with "waiting" or "queue")."""
    return name.strip().lower().startswith(("waiting", "queue"))


def is_training_stage(name: str) -> bool:
    """Tell whether a stage runs on GPUs: its name contains "train" and it is no queue."""
    return "train" in name.lower() and not is_waiting_stage(name)


def is_gpu_key(name: str) -> bool:
    key = name.strip().lower()
    for prefix in _KEY_PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):]
            break
    return key in GPU_KEYS


def inflect(template: str, count: int) -> str:
    """Fill the markers {s}, {are}, {have} and {its} of a phrase for ``count`` items."""
    one = count == 1
    for marker, singular, plural in (("{s}", "", "s"), ("{are}", "is", "are"),
                                     ("{have}", "has", "have"), ("{its}", "its", "their")):
        template = template.replace(marker, singular if one else plural)
    return template


def plural(count: int, noun: str) -> str:
    """Return ``3 runs`` or ``1 run`` for a noun that takes an s."""
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


@dataclass
class ImportReport:
    """The account of an import: what was read, what was left out and why, and how.

    ``read`` and ``skipped`` are keyed by phrases with {s}/{are}/{have}/{its} markers, filled
    in for the count when printed (see ``inflect``).
    """

    source: str
    kind: str
    read: dict[str, int] = field(default_factory=dict)
    skipped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    detailed: int = 0  # items left out with a detail, of which ``problems`` lists the first

    def count(self, what: str, number: int) -> None:
        self.read[what] = self.read.get(what, 0) + int(number)

    def skip(self, reason: str, number: int = 1, detail: str | None = None) -> None:
        if number <= 0:
            return
        self.skipped[reason] += int(number)
        if detail is not None:
            self.detailed += 1
            if len(self.problems) < MAX_PROBLEMS_LISTED:
                self.problems.append(detail)
            logger.info("left out %s", detail)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def lines(self) -> list[str]:
        lines = [f"Imported {self.source} ({self.kind})"]
        for what, number in self.read.items():
            lines.append(f"  read: {number:,} {inflect(what, number)}")
        for reason, number in self.skipped.most_common():
            lines.append(f"  left out: {number:,} {inflect(reason, number)}")
        for problem in self.problems:
            lines.append(f"    {problem}")
        if self.detailed > len(self.problems):
            lines.append(f"    (the first {len(self.problems)} of {self.detailed} shown)")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return lines

    def to_dict(self) -> dict:
        return {"source": self.source, "kind": self.kind,
                "read": {inflect(k, n): n for k, n in self.read.items()},
                "skipped": {inflect(k, n): n for k, n in self.skipped.items()},
                "problems": list(self.problems),
                "notes": list(self.notes)}


@dataclass
class History:
    """Experiments with their stage milestones, ready to measure.

    ``experiments`` has one row per experiment: experiment_id, name, group, status, deleted,
    rerun (a repeat of an earlier experiment's name, counted as rework), gpus (per run, NaN if
    not logged) and gpu_hours. ``milestones`` has the same index, a column ``arrived`` and
    one column per stage with the time the stage ended. ``runs`` lists, for a tracking
    store, every run kept (nested ones included) with its start and end; None otherwise.
    """

    report: ImportReport
    experiments: pd.DataFrame
    milestones: pd.DataFrame
    stages: tuple[str, ...]
    runs: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        assert list(self.milestones.columns) == [ARRIVED, *self.stages]
        assert self.experiments.index.equals(self.milestones.index)

    @property
    def size(self) -> int:
        return len(self.experiments)


def empty_runs() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype=object) for name in RUN_COLUMNS})


def normalise_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Give a runs table the column types the rest of the import relies on."""
    runs = runs.reset_index(drop=True).copy()
    for name in ("run_id", "name", "group"):
        runs[name] = runs[name].fillna("").astype(str)
    runs["parent_id"] = runs["parent_id"].where(runs["parent_id"].notna() &
                                                (runs["parent_id"].astype(str) != ""), None)
    runs["status"] = runs["status"].fillna(UNKNOWN).astype(str)
    runs["deleted"] = runs["deleted"].fillna(False).astype(bool)
    for name in ("started_at", "ended_at"):
        runs[name] = pd.to_datetime(runs[name], utc=True)
    runs["gpus"] = valid_gpu_counts(pd.to_numeric(runs["gpus"], errors="coerce"))
    return runs


def valid_gpu_counts(counts: pd.Series) -> pd.Series:
    """Keep finite, non-negative GPU counts; anything else is unknown (NaN)."""
    counts = counts.astype(float)
    return counts.where(np.isfinite(counts) & (counts >= 0))


def history_from_runs(runs: pd.DataFrame, report: ImportReport,
                      include_deleted: bool) -> History:
    """Turn tracking-store runs into experiments: one per top-level run, one stage (training).

    Deleted runs are left out unless ``include_deleted``; nested runs fold into their parent.
    A run's training stage lasts from its start to its end time.
    """
    runs = normalise_runs(runs)
    report.count("run{s}", len(runs))
    deleted = runs["deleted"].to_numpy()
    if not include_deleted:
        report.skip("deleted run{s} not shown (pass --include-deleted to include them)",
                    int(deleted.sum()))
        runs = runs[~deleted].reset_index(drop=True)
    else:
        report.note(f"{plural(int(deleted.sum()), 'deleted run')} included on request")
    runs = _drop_unusable(runs, report)

    known = set(runs["run_id"])
    has_parent = runs["parent_id"].notna().to_numpy()
    parent_known = runs["parent_id"].isin(known).to_numpy()
    children = runs[has_parent & parent_known]
    orphans = int((has_parent & ~parent_known).sum())
    report.count("run{s} shown", len(runs))
    if len(children):
        report.count("nested child run{s}, folded into {its} parent run (not extra "
                     "experiments)", len(children))
    if orphans:
        report.note(f"{plural(orphans, 'nested run')} whose parent run is missing or deleted "
                    "count as experiments of their own")
    top = runs[~(has_parent & parent_known)].copy()
    top = top.sort_values("started_at", kind="stable").reset_index(drop=True)

    run_hours = _run_hours(runs)
    own_gpu_hours = pd.Series(runs["gpus"].to_numpy() * run_hours, index=runs["run_id"])
    child_gpu_hours = (pd.Series(runs["gpus"].to_numpy() * run_hours)[has_parent & parent_known]
                       .groupby(children["parent_id"].to_numpy()).sum(min_count=1))
    top_own = own_gpu_hours.reindex(top["run_id"]).to_numpy()
    top_children = child_gpu_hours.reindex(top["run_id"]).to_numpy()
    gpu_hours = np.where(np.isnan(top_own), top_children, top_own)

    with np.errstate(invalid="ignore"):
        ended = runs["ended_at"].notna().to_numpy() & (run_hours >= 0)
    if ended.any():
        median_seconds = float(np.median(run_hours[ended])) * 3600
        report.note(f"median run duration {median_seconds:.3g} s ({median_seconds / 3600:.3g} h) "
                    f"over {plural(int(ended.sum()), 'run')} with an end time, nested runs "
                    "included")
    named = top["name"].str.strip() != ""
    rerun = named & top.duplicated(subset=["group", "name"], keep="first")
    experiments = pd.DataFrame({
        "experiment_id": top["run_id"], "name": top["name"], "group": top["group"],
        "status": top["status"], "deleted": top["deleted"], "rerun": rerun.to_numpy(),
        "gpus": top["gpus"], "gpu_hours": gpu_hours,
    })
    milestones = pd.DataFrame({ARRIVED: top["started_at"], TRAINING: top["ended_at"]})
    report.count("experiment{s} (top-level run{s})", len(experiments))
    return History(report=report, experiments=experiments, milestones=milestones,
                   stages=(TRAINING,), runs=runs)


def _drop_unusable(runs: pd.DataFrame, report: ImportReport) -> pd.DataFrame:
    no_start = runs["started_at"].isna().to_numpy()
    report.skip("run{s} without a start time", int(no_start.sum()))
    runs = runs[~no_start]
    ended = runs["status"].isin(ENDED_STATUSES).to_numpy()
    no_end = ended & runs["ended_at"].isna().to_numpy()
    if no_end.any():
        report.note(f"{plural(int(no_end.sum()), 'run')} with an ended status but no end time: "
                    "counted as arrivals, with no duration, and not in flight")
    still_running = ~runs["status"].isin(ENDED_STATUSES).to_numpy() & \
        runs["ended_at"].notna().to_numpy()
    if still_running.any():
        report.note(f"{plural(int(still_running.sum()), 'run')} with an end time but a status "
                    "of running, scheduled or unknown: the end time is used")
    return runs.reset_index(drop=True)


def _run_hours(runs: pd.DataFrame) -> np.ndarray:
    span = (runs["ended_at"] - runs["started_at"]) / pd.Timedelta(hours=1)
    return span.to_numpy(dtype=float, na_value=np.nan)
