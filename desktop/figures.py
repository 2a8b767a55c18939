"""The figures the dashboard shows for one scenario, taken from a ``SimulationResult``.

They are computed in the worker thread, so the GUI thread only draws. This module does not
import Qt.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulation.results import CYCLE_PERCENTILES, SimulationResult

COST_COMPONENTS = (("compute_cost", "Compute"), ("people_cost", "People"),
                   ("fixed_cost", "Fixed"))


@dataclass(frozen=True)
class Band:
    """A mean with the 90% band across replications, along ``x``."""

    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray


@dataclass(frozen=True)
class ScenarioFigures:
    name: str
    replications: int
    seed: int
    experiments_per_month: float
    experiments_per_month_low: float
    experiments_per_month_high: float
    cycle_time_p50_days: float
    cycle_time_p85_days: float
    cost_per_experiment: float
    cost_per_experiment_low: float
    cost_per_experiment_high: float
    goal_probability: float  # NaN when the project sets no goal
    goal_experiments_per_month: float | None
    goal_cycle_time_p85_days: float | None
    weekly_throughput: Band  # x: week number, from 1
    cumulative: Band  # x: day
    cycle_times_days: np.ndarray
    cycle_time_percentiles: dict[int, float]
    stage_names: tuple[str, ...]
    stage_active_days: np.ndarray
    stage_waiting_days: np.ndarray
    stage_queue_length: np.ndarray
    bottleneck: str | None
    pool_names: tuple[str, ...]
    pool_utilisation: Band  # x: pool index
    cost_components: dict[str, float]  # by title in ``COST_COMPONENTS``

    @property
    def headline(self) -> dict[str, float]:
        """The card figures by card key."""
        return {
            "experiments_per_month": self.experiments_per_month,
            "cycle_time_p50_days": self.cycle_time_p50_days,
            "cycle_time_p85_days": self.cycle_time_p85_days,
            "cost_per_experiment": self.cost_per_experiment,
            "goal_probability": self.goal_probability,
        }


def _band(table, x_column: str) -> Band:
    return Band(x=table[x_column].to_numpy(dtype=float), mean=table["mean"].to_numpy(dtype=float),
                low=table["low"].to_numpy(dtype=float), high=table["high"].to_numpy(dtype=float))


def _float(value) -> float:
    return math.nan if value is None else float(value)


def scenario_figures(name: str, result: SimulationResult) -> ScenarioFigures:
    """Collect the dashboard's figures for one scenario."""
    per_month = result.experiments_per_month()
    cycle = result.cycle_time_days()
    cost = result.cost_per_experiment()
    stages = result.stage_table()
    pools = result.pool_utilisation()
    goal = result.project.goal
    has_goal = goal.experiments_per_month is not None or goal.cycle_time_p85_days is not None
    waiting = stages["waiting_days"].to_numpy(dtype=float)
    bottleneck = None
    if len(waiting) and np.isfinite(waiting).any():
        bottleneck = str(stages["stage"].iloc[int(np.nanargmax(waiting))])
    pool_band = _band(pools.assign(index=np.arange(len(pools))), "index")
    return ScenarioFigures(
        name=name,
        replications=result.replications,
        seed=result.seed,
        experiments_per_month=_float(per_month["mean"]),
        experiments_per_month_low=_float(per_month["low"]),
        experiments_per_month_high=_float(per_month["high"]),
        cycle_time_p50_days=_float(cycle["p50"]),
        cycle_time_p85_days=_float(cycle["p85"]),
        cost_per_experiment=_float(cost["mean"]),
        cost_per_experiment_low=_float(cost["low"]),
        cost_per_experiment_high=_float(cost["high"]),
        goal_probability=result.goal_outcome().probability if has_goal else math.nan,
        goal_experiments_per_month=goal.experiments_per_month,
        goal_cycle_time_p85_days=goal.cycle_time_p85_days,
        weekly_throughput=_band(result.weekly_throughput(), "week"),
        cumulative=_band(result.cumulative_completions(), "day"),
        cycle_times_days=np.asarray(result.cycle_times, dtype=float),
        cycle_time_percentiles={p: _float(cycle[f"p{p}"]) for p in CYCLE_PERCENTILES},
        stage_names=tuple(stages["stage"]),
        stage_active_days=stages["active_days"].to_numpy(dtype=float),
        stage_waiting_days=waiting,
        stage_queue_length=stages["queue_length"].to_numpy(dtype=float),
        bottleneck=bottleneck,
        pool_names=tuple(pools["pool"]),
        pool_utilisation=pool_band,
        cost_components={title: _float(cost[key]) for key, title in COST_COMPONENTS},
    )


@dataclass(frozen=True)
class RunFigures:
    """The figures of every scenario of one run, with the baseline's name."""

    phase: str  # "preview" or "full"
    scenarios: dict[str, ScenarioFigures]
    baseline: str
    replications: int
    seed: int

    @property
    def baseline_figures(self) -> ScenarioFigures:
        return self.scenarios[self.baseline]
