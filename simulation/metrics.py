"""Per-replication metrics, computed from a replication's event log inside the worker.

Only these small summaries leave a worker process, so memory per replication stays a few
kilobytes however long the event log was.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.engine import IN_PROGRESS, STOPPED_EARLY, ReplicationLog
from simulation.timeline import Timeline

DAYS_PER_MONTH = 30.0
DAYS_PER_WEEK = 7.0
# Visit log columns.
EXPERIMENT, STAGE, QUEUED_AT, STARTED_AT, FINISHED_AT, POOL, UNITS, COST = range(8)


@dataclass
class ReplicationSummary:
    """The metrics of one replication; arrays are indexed by week, window, stage or pool."""

    replication: int
    completed: int
    actionable: int
    stopped_early: int
    weekly_completions: np.ndarray
    monthly_completions: np.ndarray  # per 30-day window from day 0
    completion_days: np.ndarray  # sorted finish times of completed experiments
    cycle_times: np.ndarray  # experiments started on or after day 0 and completed
    cycle_finished_at: np.ndarray  # finish times matching ``cycle_times``
    stage_active_days: np.ndarray  # per completed experiment
    stage_waiting_days: np.ndarray  # per completed experiment
    stage_queue_length: np.ndarray  # time-average number waiting
    wip_daily: np.ndarray  # experiments in flight at the start of each day
    pool_utilisation: np.ndarray
    compute_cost: float  # mean per completed experiment
    people_cost: float
    fixed_cost: float

    @property
    def cost_per_experiment(self) -> float:
        return self.compute_cost + self.people_cost + self.fixed_cost

    @property
    def mean_cycle_time(self) -> float:
        return float(self.cycle_times.mean()) if len(self.cycle_times) else math.nan


def summarize(log: ReplicationLog, timeline: Timeline, replication: int) -> ReplicationSummary:
    horizon = log.horizon_days
    project = timeline.baseline
    done = (log.outcome != IN_PROGRESS) & (log.finished_at <= horizon)
    finish = log.finished_at[done]
    weeks = math.ceil(horizon / DAYS_PER_WEEK)
    months = math.ceil(horizon / DAYS_PER_MONTH)
    counted = done & ~log.is_initial
    cycle_times = log.finished_at[counted] - log.started_at[counted]
    stage_count = len(project.stages)
    active, waiting = _stage_times(log, done, stage_count)
    completed = int(done.sum())
    per_experiment = 1.0 / completed if completed else math.nan
    return ReplicationSummary(
        replication=replication,
        completed=completed,
        actionable=int((done & (log.outcome == 1)).sum()),
        stopped_early=int((done & (log.outcome == STOPPED_EARLY)).sum()),
        weekly_completions=_counts_per_period(finish, DAYS_PER_WEEK, weeks),
        monthly_completions=_counts_per_period(finish, DAYS_PER_MONTH, months),
        completion_days=np.sort(finish),
        cycle_times=cycle_times,
        cycle_finished_at=log.finished_at[counted],
        stage_active_days=active * per_experiment,
        stage_waiting_days=waiting * per_experiment,
        stage_queue_length=_queue_lengths(log, stage_count),
        wip_daily=_wip_daily(log),
        pool_utilisation=_pool_utilisation(log, timeline),
        compute_cost=(float(log.compute_cost[done].sum() * per_experiment)
                      if completed else math.nan),
        people_cost=float(log.people_cost[done].sum() * per_experiment) if completed else math.nan,
        fixed_cost=float(log.fixed_cost[done].sum() * per_experiment) if completed else math.nan,
    )


def _counts_per_period(times: np.ndarray, period_days: float, periods: int) -> np.ndarray:
    """Count ``times`` per period ``[k * period_days, (k + 1) * period_days)``.

    The last period also counts its right edge, and times outside the periods are dropped:
    the counts equal ``np.histogram(times, periods, range=(0, periods * period_days))[0]``,
    which is ten times slower on the short arrays of one replication.
    """
    edges = np.arange(periods + 1) * period_days
    index = np.searchsorted(edges, times, side="right") - 1
    index[times == edges[-1]] = periods - 1
    inside = (index >= 0) & (index < periods)
    return np.bincount(index[inside], minlength=periods)


def _stage_times(log: ReplicationLog, done: np.ndarray,
                 stage_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Total active and waiting days per stage over the visits of completed experiments."""
    visits = log.visits
    of_completed = done[visits[:, EXPERIMENT].astype(np.int64)]
    visits = visits[of_completed]
    stages = visits[:, STAGE].astype(np.int64)
    active = np.bincount(stages, visits[:, FINISHED_AT] - visits[:, STARTED_AT],
                         minlength=stage_count)
    waiting = np.bincount(stages, visits[:, STARTED_AT] - visits[:, QUEUED_AT],
                          minlength=stage_count)
    return active, waiting


def _queue_lengths(log: ReplicationLog, stage_count: int) -> np.ndarray:
    horizon = log.horizon_days
    queued = np.concatenate([log.visits[:, QUEUED_AT], log.waiting[:, 2]])
    left = np.concatenate([log.visits[:, STARTED_AT], np.full(len(log.waiting), horizon)])
    stages = np.concatenate([log.visits[:, STAGE], log.waiting[:, 1]]).astype(np.int64)
    overlap = np.clip(np.minimum(left, horizon) - queued, 0, None)
    return np.bincount(stages, overlap, minlength=stage_count) / horizon


def _wip_daily(log: ReplicationLog) -> np.ndarray:
    days = np.arange(int(math.floor(log.horizon_days)) + 1, dtype=float)
    started = np.sort(log.started_at[~np.isnan(log.started_at)])
    finished = np.sort(log.finished_at[~np.isnan(log.finished_at)])
    # In flight at day d: started at or before d, not finished at or before d.
    return (np.searchsorted(started, days, side="right")
            - np.searchsorted(finished, days, side="right"))


def _pool_utilisation(log: ReplicationLog, timeline: Timeline) -> np.ndarray:
    horizon = log.horizon_days
    pools = timeline.baseline.pools
    busy = np.zeros(len(pools))
    for rows, pool_col, units_col, start_col, finish_col in (
            (log.visits, POOL, UNITS, STARTED_AT, FINISHED_AT), (log.holds, 0, 1, 2, 3)):
        uses_pool = rows[:, pool_col] >= 0
        rows = rows[uses_pool]
        span = np.clip(np.minimum(rows[:, finish_col], horizon) - rows[:, start_col], 0, None)
        busy += np.bincount(rows[:, pool_col].astype(np.int64), span * rows[:, units_col],
                            minlength=len(pools))
    capacity_days = np.zeros(len(pools))
    phases = timeline.phases
    for index, phase in enumerate(phases):
        end = phases[index + 1].start_at if index + 1 < len(phases) else horizon
        length = max(0.0, min(end, horizon) - phase.start_at)
        capacity_days += length * np.array([pool.capacity for pool in phase.project.pools])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(capacity_days > 0, busy / capacity_days, np.nan)
