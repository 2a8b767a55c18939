"""Results across replications: the figures and tables a product manager plans with.

Intervals are 90% intervals across replications (the 5th and 95th percentiles): the spread
of what the team may see, not a confidence interval of the mean.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from simulation.metrics import DAYS_PER_MONTH, DAYS_PER_WEEK, ReplicationSummary
from simulation.model import Goal
from simulation.timeline import Timeline

LOW_QUANTILE, HIGH_QUANTILE = 0.05, 0.95
CYCLE_PERCENTILES = (50, 70, 85, 95)
FORECAST_CONFIDENCE = 0.85


def _nanmean(values: np.ndarray, axis: int | None = None):
    """Return the mean ignoring NaN, and NaN without a warning where nothing is left."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(values, axis=axis)


def _band(values: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return mean, 5th and 95th percentile along ``axis``, ignoring NaN."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if np.all(np.isnan(values)):
            nan = np.full(np.delete(values.shape, axis), np.nan) if values.ndim > 1 else np.nan
            return nan, nan, nan
        return (np.nanmean(values, axis=axis),
                np.nanquantile(values, LOW_QUANTILE, axis=axis),
                np.nanquantile(values, HIGH_QUANTILE, axis=axis))


def _interval(values: np.ndarray) -> dict:
    mean, low, high = _band(np.asarray(values, dtype=float))
    return {"mean": _number(mean), "low": _number(low), "high": _number(high)}


def _number(value) -> float | None:
    value = float(value)
    return None if math.isnan(value) else round(value, 4)


@dataclass
class GoalOutcome:
    probability: float
    throughput_probability: float | None
    cycle_time_probability: float | None


class SimulationResult:
    """Summaries of every replication of one run, with the aggregate metrics derived from them."""

    def __init__(self, timeline: Timeline, summaries: list[ReplicationSummary], seed: int):
        self.timeline = timeline
        self.summaries = summaries
        self.seed = seed
        self.project = timeline.baseline
        self.horizon_days = self.project.horizon_days

    @property
    def replications(self) -> int:
        return len(self.summaries)

    # -- per replication ------------------------------------------------------------------

    @cached_property
    def per_replication(self) -> pd.DataFrame:
        """One row per replication: the figures that paired comparisons subtract."""
        rows = [{
            "replication": s.replication,
            "completed": s.completed,
            "actionable": s.actionable,
            "stopped_early": s.stopped_early,
            "experiments_per_month": s.completed * DAYS_PER_MONTH / self.horizon_days,
            "last_month_completed": int(np.sum(s.completion_days > self.horizon_days - 30)),
            "cycle_time_mean_days": s.mean_cycle_time,
            "cycle_time_p85_days": _percentile(s.cycle_times, 85),
            "cost_per_experiment": s.cost_per_experiment,
            "compute_cost": s.compute_cost,
            "people_cost": s.people_cost,
            "fixed_cost": s.fixed_cost,
        } for s in self.summaries]
        return pd.DataFrame(rows).set_index("replication")

    @cached_property
    def cycle_times(self) -> np.ndarray:
        """Cycle times of all replications pooled, in days."""
        return np.concatenate([s.cycle_times for s in self.summaries])

    # -- headline figures -----------------------------------------------------------------

    def experiments_per_month(self) -> dict:
        return _interval(self.per_replication["experiments_per_month"].to_numpy())

    def cycle_time_days(self) -> dict:
        figures = _interval(self.per_replication["cycle_time_mean_days"].to_numpy())
        for percentile in CYCLE_PERCENTILES:
            figures[f"p{percentile}"] = _number(_percentile(self.cycle_times, percentile))
        p50, p95 = figures["p50"], figures["p95"]
        figures["predictability_ratio"] = _number(p95 / p50) if p50 else None
        return figures

    def cost_per_experiment(self) -> dict:
        table = self.per_replication
        figures = _interval(table["cost_per_experiment"].to_numpy())
        for component in ("compute_cost", "people_cost", "fixed_cost"):
            figures[component] = _number(_nanmean(table[component].to_numpy()))
        return figures

    def goal_outcome(self, goal: Goal | None = None,
                     window_end: float | None = None) -> GoalOutcome:
        """Share of replications that reach the goal over the 30 days before ``window_end``.

        ``window_end`` defaults to the end of the horizon.
        """
        goal = goal or self.project.goal
        window_end = self.horizon_days if window_end is None else window_end
        window_start = window_end - DAYS_PER_MONTH
        throughput_met, cycle_met = [], []
        for s in self.summaries:
            in_window = (s.cycle_finished_at > window_start) & (s.cycle_finished_at <= window_end)
            if goal.experiments_per_month is not None:
                count = np.sum((s.completion_days > window_start)
                               & (s.completion_days <= window_end))
                throughput_met.append(count >= goal.experiments_per_month)
            if goal.cycle_time_p85_days is not None:
                p85 = _percentile(s.cycle_times[in_window], 85)
                cycle_met.append(not math.isnan(p85) and p85 <= goal.cycle_time_p85_days)
        both = [all(pair) for pair in zip(*(x for x in (throughput_met, cycle_met) if x))]
        return GoalOutcome(
            probability=float(np.mean(both)) if both else math.nan,
            throughput_probability=float(np.mean(throughput_met)) if throughput_met else None,
            cycle_time_probability=float(np.mean(cycle_met)) if cycle_met else None,
        )

    def forecast_how_many(self, day: float | None = None,
                          confidence: float = FORECAST_CONFIDENCE) -> int:
        """Return N such that at least N experiments are done by ``day`` with ``confidence``."""
        day = self.horizon_days if day is None else day
        counts = np.array([np.searchsorted(s.completion_days, day, side="right")
                           for s in self.summaries])
        return int(np.floor(np.quantile(counts, 1 - confidence)))

    def forecast_when(self, count: int, confidence: float = FORECAST_CONFIDENCE) -> float | None:
        """Return the day by which ``count`` experiments are done with ``confidence``.

        ``None`` means fewer than ``confidence`` of the replications got there within the horizon.
        """
        days = np.array([s.completion_days[count - 1] if len(s.completion_days) >= count
                         else np.inf for s in self.summaries])
        with np.errstate(invalid="ignore"):  # inf stands for "not within the horizon"
            day = float(np.quantile(days, confidence))
        return None if math.isinf(day) else day

    def summary(self) -> dict:
        """Return the machine-readable summary printed by ``simulate --json``."""
        goal = self.goal_outcome()
        target = max(1, self.forecast_how_many())
        return {
            "project": self.project.name,
            "replications": self.replications,
            "seed": self.seed,
            "horizon_days": self.horizon_days,
            "experiments_per_month": self.experiments_per_month(),
            "cycle_time_days": self.cycle_time_days(),
            "cost_per_experiment": self.cost_per_experiment(),
            "goal": {
                "experiments_per_month": self.project.goal.experiments_per_month,
                "cycle_time_p85_days": self.project.goal.cycle_time_p85_days,
                "probability": _number(goal.probability),
            },
            "forecast": {
                "confidence": FORECAST_CONFIDENCE,
                "at_least_by_horizon": self.forecast_how_many(),
                "done_by_day": {"count": target, "day": _number(self.forecast_when(target) or
                                                                math.nan)},
            },
            "bottlenecks": self.stage_table().sort_values("bottleneck_rank")["stage"].tolist(),
        }

    # -- tables ---------------------------------------------------------------------------

    def weekly_throughput(self) -> pd.DataFrame:
        weekly = np.stack([s.weekly_completions for s in self.summaries]).astype(float)
        mean, low, high = _band(weekly)
        weeks = np.arange(1, weekly.shape[1] + 1)
        return pd.DataFrame({"week": weeks, "mean": mean, "low": low, "high": high})

    def monthly_throughput(self) -> pd.DataFrame:
        monthly = np.stack([s.monthly_completions for s in self.summaries]).astype(float)
        mean, low, high = _band(monthly)
        p50 = np.quantile(monthly, 0.5, axis=0)
        p85 = np.quantile(monthly, 0.85, axis=0)
        starts = np.arange(monthly.shape[1]) * DAYS_PER_MONTH
        return pd.DataFrame({"from_day": starts, "to_day": starts + DAYS_PER_MONTH,
                             "mean": mean, "low": low, "high": high, "p50": p50, "p85": p85})

    def cumulative_completions(self) -> pd.DataFrame:
        days = np.arange(int(self.horizon_days) + 1, dtype=float)
        counts = np.stack([np.searchsorted(s.completion_days, days, side="right")
                           for s in self.summaries]).astype(float)
        mean, low, high = _band(counts)
        return pd.DataFrame({"day": days, "mean": mean, "low": low, "high": high})

    def cycle_times_between(self, start_day: float, end_day: float) -> np.ndarray:
        """Cycle times, pooled over replications, of experiments finished in the window."""
        return np.concatenate([
            s.cycle_times[(s.cycle_finished_at > start_day) & (s.cycle_finished_at <= end_day)]
            for s in self.summaries])

    def cycle_time_percentiles(self) -> pd.DataFrame:
        values = [_percentile(self.cycle_times, p) for p in CYCLE_PERCENTILES]
        return pd.DataFrame({"percentile": CYCLE_PERCENTILES, "days": values})

    def stage_table(self) -> pd.DataFrame:
        """Per stage: active and waiting days per experiment, flow efficiency, queue length.

        The bottleneck ranking orders stages by the waiting they add to the cycle time.
        """
        active = np.stack([s.stage_active_days for s in self.summaries])
        waiting = np.stack([s.stage_waiting_days for s in self.summaries])
        queue = np.stack([s.stage_queue_length for s in self.summaries])
        with np.errstate(all="ignore"):
            active_mean, waiting_mean = _nanmean(active, axis=0), _nanmean(waiting, axis=0)
            efficiency = active_mean / (active_mean + waiting_mean)
        table = pd.DataFrame({
            "stage": [stage.name for stage in self.project.stages],
            "active_days": active_mean,
            "waiting_days": waiting_mean,
            "flow_efficiency": efficiency,
            "queue_length": queue.mean(axis=0),
        })
        # A stage no completed experiment passed through has no waiting figure; it ranks last.
        waiting_or_zero = table["waiting_days"].fillna(-1.0)
        table["bottleneck_rank"] = waiting_or_zero.rank(ascending=False, method="first")
        table["bottleneck_rank"] = table["bottleneck_rank"].astype(int)
        return table

    def wip_over_time(self) -> pd.DataFrame:
        wip = np.stack([s.wip_daily for s in self.summaries]).astype(float)
        mean, low, high = _band(wip)
        return pd.DataFrame({"day": np.arange(wip.shape[1]), "mean": mean, "low": low,
                             "high": high})

    def pool_utilisation(self) -> pd.DataFrame:
        values = np.stack([s.pool_utilisation for s in self.summaries])
        mean, low, high = _band(values)
        return pd.DataFrame({"pool": [pool.name for pool in self.project.pools],
                             "mean": mean, "low": low, "high": high})

    def cost_breakdown(self) -> pd.DataFrame:
        table = self.per_replication
        rows = []
        for component in ("compute_cost", "people_cost", "fixed_cost", "cost_per_experiment"):
            mean, low, high = _band(table[component].to_numpy(dtype=float))
            rows.append({"component": component, "mean": mean, "low": low, "high": high})
        return pd.DataFrame(rows)

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every metrics table by file stem, as written by ``simulate --out``."""
        return {
            "weekly_throughput": self.weekly_throughput(),
            "monthly_throughput": self.monthly_throughput(),
            "cumulative_completions": self.cumulative_completions(),
            "cycle_time_percentiles": self.cycle_time_percentiles(),
            "stages": self.stage_table(),
            "wip": self.wip_over_time(),
            "pool_utilisation": self.pool_utilisation(),
            "cost": self.cost_breakdown(),
            "replications": self.per_replication.reset_index(),
        }


def _percentile(values: np.ndarray, percentile: float) -> float:
    if len(values) == 0:
        return math.nan
    return float(np.percentile(values, percentile))


def weeks_in(horizon_days: float) -> int:
    return math.ceil(horizon_days / DAYS_PER_WEEK)
