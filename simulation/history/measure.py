"""Measuring a team's baseline from its history: arrivals, throughput, durations, concurrency.

Definitions, all from the history's own timestamps (never from the clock at import time):

- The period runs from the first arrival to the last arrival. Rates, weekly throughput and
  the backtest cover only the period, because an export shows no new work after its last
  arrival. Concurrency runs on to the last timestamp of any experiment, and cycle times count
  every concluded experiment.
- An experiment is *concluded* when its last stage has an end time, or when it failed or was
  killed and some stage has an end time; it concludes at its last known milestone. Its cycle
  time is from arrival to then.
- An experiment without an end that is running, scheduled or of unknown status is *in
  flight* until the end of the period. One without an end that is deleted, or whose status
  says it ended, has no end on record: it counts as an arrival, with no duration, and is not
  in flight.
- A milestone earlier than an earlier milestone of the same experiment (a finish before its
  start) is a data error: the experiment is flagged and left out of every figure, never
  clamped to a zero duration.
- A stage's duration is the time between the previous milestone and its own, so it includes
  any waiting before the work.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulation.history.errors import HistoryError
from simulation.history.records import (
    FAILED,
    KILLED,
    RUNNING,
    SCHEDULED,
    UNKNOWN,
    History,
    inflect,
    plural,
)

logger = logging.getLogger(__name__)

DAYS_PER_WEEK = 7.0
DAYS_PER_MONTH = 30.0
# Targets that teams with a mature experimentation practice reach: more than 20 experiments a
# month and cycles under 5 days. The planner's default goal uses the same figures.
MATURE_EXPERIMENTS_PER_MONTH = 20.0
MATURE_CYCLE_DAYS = 5.0
# Rates per week or month are not measured over a shorter history.
MIN_RATE_PERIOD_DAYS = 7.0
OPEN_STATUSES = (RUNNING, SCHEDULED, UNKNOWN)
STOPPED_STATUSES = (FAILED, KILLED)


@dataclass
class StageSamples:
    """Measured durations of one stage in days: normal visits and visits that stopped there."""

    stage: str
    durations_days: np.ndarray
    stopped_days: np.ndarray
    peak_concurrent: int


@dataclass
class Baseline:
    """The measured baseline; tables are ready to chart, figures ready to print."""

    history: History
    period_start: pd.Timestamp
    period_end: pd.Timestamp
    experiments: pd.DataFrame  # analysed experiments with arrived_days, concluded_days, ...
    stages: list[StageSamples]
    weekly: pd.DataFrame  # week, week_start, arrived, completed
    concurrency: pd.DataFrame  # at_days, in_flight: a step function, after each event
    daily_in_flight: pd.DataFrame  # day, in_flight at the start of the day
    figures: dict
    excluded_negative: int
    milestone_days: np.ndarray  # per analysed experiment and milestone, days since the start
    notes: list[str] = field(default_factory=list)

    @property
    def period_days(self) -> float:
        return float(self.figures["period_days"])

    def peak_concurrent(self, stages: list[str]) -> int:
        """Return the most visits of the named stages in progress at once."""
        names = self.history.stages
        starts, ends = [], []
        for stage in stages:
            start, end = _stage_intervals(self.experiments, self.milestone_days,
                                          names.index(stage))
            starts.append(start)
            ends.append(end)
        if not starts:
            return 0
        return _peak(np.concatenate(starts), np.concatenate(ends))

    def stage_table(self) -> pd.DataFrame:
        rows = []
        for stage in self.stages:
            values = stage.durations_days
            rows.append({
                "stage": stage.stage, "measured": len(values),
                "median_days": _quantile(values, 0.5), "p90_days": _quantile(values, 0.9),
                "mean_days": float(values.mean()) if len(values) else math.nan,
                "stopped": len(stage.stopped_days), "peak_concurrent": stage.peak_concurrent,
            })
        return pd.DataFrame(rows)

    def targets_table(self) -> pd.DataFrame:
        """Return the baseline beside the targets of mature teams, one row per measure."""
        f = self.figures
        rows = [
            ("experiments per month", f["experiments_per_month"], "> 20",
             _meets(f["experiments_per_month"], MATURE_EXPERIMENTS_PER_MONTH, above=True)),
            ("cycle time, median days", f["cycle_time_p50_days"], "< 5",
             _meets(f["cycle_time_p50_days"], MATURE_CYCLE_DAYS, above=False)),
            ("cycle time, 85th percentile days", f["cycle_time_p85_days"], "< 5",
             _meets(f["cycle_time_p85_days"], MATURE_CYCLE_DAYS, above=False)),
        ]
        return pd.DataFrame(rows, columns=["measure", "baseline", "mature_team", "meets"])

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"baseline_weekly": self.weekly, "baseline_stages": self.stage_table(),
                "baseline_concurrency": self.concurrency,
                "baseline_daily_in_flight": self.daily_in_flight,
                "baseline_targets": self.targets_table()}


def _meets(value: float, target: float, above: bool) -> bool | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value > target if above else value < target)


def _quantile(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q)) if len(values) else math.nan


def measure_baseline(history: History) -> Baseline:
    """Measure the baseline; raise ``HistoryError`` when no experiment is left to measure."""
    if history.size == 0:
        raise _nothing_to_measure(history, "no experiments were read")
    reference = history.milestones.min(axis=None)
    days = _milestone_days(history.milestones, reference)

    negative_rows, negative_by_stage = _out_of_order(days, history.stages)
    excluded = int(negative_rows.sum())
    notes = []
    if excluded:
        where = ", ".join(f"{count:,} at stage {stage!r}"
                          for stage, count in negative_by_stage.items() if count)
        notes.append(f"{plural(excluded, 'experiment')} with a stage that ends before it "
                     f"starts ({where}): data errors, flagged and left out, not clamped to 0")
        history.report.skip("experiment{s} with a finish before {its} start (data errors, "
                            "not clamped to 0)", excluded)

    keep = ~negative_rows
    if not keep.any():
        raise _nothing_to_measure(history, "every experiment has a finish before its start")
    experiments = history.experiments[keep].reset_index(drop=True)
    days = days[keep]
    offset = float(np.nanmin(days[:, 0]))
    days = days - offset
    period_start = reference + pd.to_timedelta(offset, unit="D")

    period_days = float(np.nanmax(days[:, 0]))
    data_days = float(np.nanmax(days))
    table = _experiment_table(experiments, days, history.stages)
    stages = _stage_samples(table, days, history.stages)
    weekly = _weekly(table, period_days, period_start)
    concurrency, daily = _concurrency(table, data_days)
    figures = _figures(table, weekly, concurrency, period_days, data_days)
    notes += _figure_notes(table, figures)

    baseline = Baseline(
        history=history, period_start=period_start,
        period_end=period_start + pd.to_timedelta(period_days, unit="D"),
        experiments=table, stages=stages, weekly=weekly, concurrency=concurrency,
        daily_in_flight=daily, figures=figures, excluded_negative=excluded,
        milestone_days=days, notes=notes)
    logger.info("measured %d experiments over %.1f days", len(table), period_days)
    return baseline


def _nothing_to_measure(history: History, why: str) -> HistoryError:
    left_out = "; ".join(f"{count:,} {inflect(reason, count)}" for reason, count in
                         history.report.skipped.most_common())
    deleted = any(reason.startswith("deleted run") for reason in history.report.skipped)
    fix = ("Pass --include-deleted to include the deleted runs" if deleted else
           "Check that the export holds experiments with an arrival (start) time")
    return HistoryError(f"nothing to measure: {why}" + (f" (left out: {left_out})"
                                                        if left_out else ""),
                        file=history.report.source, fix=fix)


def _milestone_days(milestones: pd.DataFrame, reference: pd.Timestamp) -> np.ndarray:
    columns = [(milestones[name] - reference) / pd.Timedelta(days=1) for name in milestones]
    return np.column_stack([c.to_numpy(dtype=float, na_value=np.nan) for c in columns])


def _out_of_order(days: np.ndarray, stages: tuple[str, ...]) -> tuple[np.ndarray, dict]:
    """Flag rows where a milestone comes before an earlier one; count by the stage it ends."""
    previous = np.fmax.accumulate(days, axis=1)  # latest earlier milestone, ignoring NaN
    with np.errstate(invalid="ignore"):
        backwards = days[:, 1:] < previous[:, :-1]
    by_stage = {stage: int(backwards[:, index].sum()) for index, stage in enumerate(stages)}
    return backwards.any(axis=1), by_stage


def _experiment_table(experiments: pd.DataFrame, days: np.ndarray,
                      stages: tuple[str, ...]) -> pd.DataFrame:
    present = ~np.isnan(days)
    last_index = days.shape[1] - 1 - np.argmax(present[:, ::-1], axis=1)
    last_days = days[np.arange(len(days)), last_index]
    status = experiments["status"].to_numpy()
    complete = present[:, -1]
    stopped = np.isin(status, STOPPED_STATUSES) & (last_index > 0) & ~complete
    concluded = complete | stopped
    deleted = experiments["deleted"].to_numpy(dtype=bool)
    in_flight = ~concluded & np.isin(status, OPEN_STATUSES) & ~deleted
    table = experiments.copy()
    table["arrived_days"] = days[:, 0]
    table["concluded"] = concluded
    table["concluded_days"] = np.where(concluded, last_days, np.nan)
    table["cycle_days"] = table["concluded_days"] - table["arrived_days"]
    table["in_flight_at_end"] = in_flight
    table["no_end_recorded"] = ~concluded & ~in_flight
    table["last_stage"] = [stages[i - 1] if i > 0 else "" for i in last_index]
    return table


def _stage_samples(table: pd.DataFrame, days: np.ndarray,
                   stages: tuple[str, ...]) -> list[StageSamples]:
    status = table["status"].to_numpy()
    # A failed or killed experiment stopped in the last stage with an end time.
    stopped_rows = np.isin(status, STOPPED_STATUSES) & table["concluded"].to_numpy()
    last_present = _last_present(days)
    samples = []
    for index, stage in enumerate(stages):
        start, end = days[:, index], days[:, index + 1]
        measured = ~np.isnan(start) & ~np.isnan(end)
        stopped_here = measured & stopped_rows & (last_present == index + 1)
        durations = (end - start)[measured & ~stopped_here]
        stopped = (end - start)[stopped_here]
        peak = _peak(*_stage_intervals(table, days, index))
        samples.append(StageSamples(stage, durations, stopped, peak))
    return samples


def _last_present(days: np.ndarray) -> np.ndarray:
    return days.shape[1] - 1 - np.argmax(~np.isnan(days)[:, ::-1], axis=1)


def _stage_intervals(table: pd.DataFrame, days: np.ndarray,
                     index: int) -> tuple[np.ndarray, np.ndarray]:
    """Return start and end days of every visit of stage ``index``.

    A visit still open at the end of the period occupies the stage until then (end = inf).
    """
    start, end = days[:, index], days[:, index + 1]
    measured = ~np.isnan(start) & ~np.isnan(end)
    open_here = table["in_flight_at_end"].to_numpy() & ~np.isnan(start) & \
        (_last_present(days) == index)
    starts = np.concatenate([start[measured], start[open_here]])
    ends = np.concatenate([end[measured], np.full(int(open_here.sum()), np.inf)])
    return starts, ends


def _weeks(period_days: float) -> int:
    return max(1, math.ceil(period_days / DAYS_PER_WEEK))


def _weekly(table: pd.DataFrame, period_days: float, start: pd.Timestamp) -> pd.DataFrame:
    weeks = _weeks(period_days)
    bins = weeks * DAYS_PER_WEEK
    arrived = np.histogram(table["arrived_days"], bins=weeks, range=(0, bins))[0]
    done = table["concluded_days"].dropna().to_numpy()
    completed = np.histogram(done[done <= period_days], bins=weeks, range=(0, bins))[0]
    return pd.DataFrame({
        "week": np.arange(1, weeks + 1),
        "week_start": start + pd.to_timedelta(np.arange(weeks) * DAYS_PER_WEEK, unit="D"),
        "arrived": arrived, "completed": completed,
    })


def _peak(starts: np.ndarray, ends: np.ndarray) -> int:
    """Return the most intervals open at once; an interval ending when another starts does not
    overlap it."""
    if len(starts) == 0:
        return 0
    times = np.concatenate([starts, ends])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(len(ends))])
    order = np.lexsort((steps, times))  # at equal times, ends (-1) first
    return int(np.cumsum(steps[order]).max())


def _concurrency(table: pd.DataFrame, data_days: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    counted = table["concluded"].to_numpy() | table["in_flight_at_end"].to_numpy()
    starts = table["arrived_days"].to_numpy()[counted]
    ends = np.where(table["concluded"].to_numpy(), table["concluded_days"].to_numpy(),
                    np.inf)[counted]
    times = np.concatenate([starts, ends[np.isfinite(ends)]])
    steps = np.concatenate([np.ones(len(starts)), -np.ones(int(np.isfinite(ends).sum()))])
    order = np.lexsort((steps, times))
    step_table = pd.DataFrame({"at_days": times[order],
                               "in_flight": np.cumsum(steps[order]).astype(int)})
    day_grid = np.arange(int(math.floor(data_days)) + 1, dtype=float)
    started = np.searchsorted(np.sort(starts), day_grid, side="right")
    finished = np.searchsorted(np.sort(ends[np.isfinite(ends)]), day_grid, side="right")
    daily = pd.DataFrame({"day": day_grid.astype(int), "in_flight": started - finished})
    return step_table, daily


def _time_average(step_table: pd.DataFrame, data_days: float) -> float:
    if data_days <= 0 or step_table.empty:
        return math.nan
    times = np.append(step_table["at_days"].to_numpy(), data_days)
    widths = np.diff(np.clip(times, 0, data_days))
    return float(np.sum(widths * step_table["in_flight"].to_numpy()) / data_days)


def _figures(table: pd.DataFrame, weekly: pd.DataFrame, step_table: pd.DataFrame,
             period_days: float, data_days: float) -> dict:
    arrivals = np.sort(table["arrived_days"].to_numpy())
    span = float(arrivals[-1] - arrivals[0])
    concluded = table[table["concluded"]]
    cycle = concluded["cycle_days"].to_numpy()
    status = concluded["status"]
    gpu_hours = table["gpu_hours"].dropna()
    long_enough = period_days >= MIN_RATE_PERIOD_DAYS
    # (n - 1) gaps between n arrivals: the rate of a Poisson process seen from its first event.
    arrivals_per_week = (len(arrivals) - 1) / span * DAYS_PER_WEEK \
        if long_enough and len(arrivals) >= 2 and span > 0 else math.nan
    in_period = int((concluded["concluded_days"] <= period_days).sum())
    per_month = in_period / period_days * DAYS_PER_MONTH if long_enough else math.nan
    full_weeks = weekly.iloc[:-1] if len(weekly) > 1 else weekly
    return {
        "period_days": period_days,
        "data_days": data_days,
        "experiments": len(table),
        "concluded": len(concluded),
        "concluded_in_period": in_period,
        "in_flight_at_end": int(table["in_flight_at_end"].sum()),
        "no_end_recorded": int(table["no_end_recorded"].sum()),
        "arrivals_per_week": arrivals_per_week,
        "throughput_per_week": float(full_weeks["completed"].mean()) if long_enough
        else math.nan,
        "experiments_per_month": per_month,
        "cycle_time_p50_days": _quantile(cycle, 0.5),
        "cycle_time_p85_days": _quantile(cycle, 0.85),
        "cycle_time_mean_days": float(cycle.mean()) if len(cycle) else math.nan,
        "failed_share": float((status == FAILED).mean()) if len(status) else math.nan,
        "killed_share": float((status == KILLED).mean()) if len(status) else math.nan,
        "rework_share": float(table["rerun"].mean()),
        "peak_in_flight": int(step_table["in_flight"].max()) if len(step_table) else 0,
        "mean_in_flight": _time_average(step_table, data_days),
        "experiments_with_gpus": int(len(gpu_hours)),
        "gpu_hours": float(gpu_hours.sum()) if len(gpu_hours) else math.nan,
        "gpus_per_experiment_median": float(table["gpus"].median())
        if table["gpus"].notna().any() else math.nan,
    }


def _figure_notes(table: pd.DataFrame, figures: dict) -> list[str]:
    notes = []
    if figures["no_end_recorded"]:
        notes.append(f"{plural(figures['no_end_recorded'], 'experiment')} with no end on "
                     "record (deleted, or ended without an end time): counted as arrivals "
                     "only, with no duration, and not in flight")
    if figures["in_flight_at_end"]:
        notes.append(f"{plural(figures['in_flight_at_end'], 'experiment')} still in flight at "
                     "the end: counted in concurrency up to the last timestamp of the export")
    if figures["period_days"] < MIN_RATE_PERIOD_DAYS:
        notes.append(f"the arrivals span {format_days(figures['period_days'])}, less than "
                     "a week: arrival rate and throughput are not measured")
    elif math.isnan(figures["arrivals_per_week"]):
        notes.append("the arrival rate needs at least two arrivals at different times")
    if figures["experiments_with_gpus"] == 0:
        notes.append("no GPU counts found (looked for a param, tag or column named gpus, "
                     "num_gpus, n_gpus, ngpus, ngpu, num_gpu, gpu_count or gpu_num)")
    return notes


def format_days(days: float) -> str:
    """Return a duration in days in the unit a reader grasps: seconds, minutes, hours or days."""
    seconds = days * 86400
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    if days < 2:
        return f"{days * 24:.3g} h"
    return f"{days:,.1f} days"
