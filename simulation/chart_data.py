"""The tables behind every report chart, in long form with one row per scenario and point.

Each table is what its chart plots, so an exported CSV or XLSX shows the same numbers as the
PNG, the PDF and the deck. ``results`` maps scenario names to their runs, baseline first; the
tables keep that order, which is also the order of the scenario colours.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from simulation.metrics import DAYS_PER_MONTH
from simulation.results import CYCLE_PERCENTILES, HIGH_QUANTILE, LOW_QUANTILE, SimulationResult
from simulation.roadmap import RoadmapReport

Results = Mapping[str, SimulationResult]
CYCLE_TIME_BINS = 30
COST_COMPONENTS = {"compute_cost": "Compute", "people_cost": "People", "fixed_cost": "Fixed"}


def _stacked(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = [table.assign(scenario=name)[["scenario", *table.columns]]
              for name, table in tables.items()]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def cumulative_table(results: Results, goal_per_month: float | None) -> pd.DataFrame:
    """Return the experiments completed by each day (mean, 90% band) and the goal line."""
    table = _stacked({name: result.cumulative_completions()
                               for name, result in results.items()})
    if goal_per_month:
        table["goal"] = goal_per_month * table["day"] / DAYS_PER_MONTH
    else:
        table["goal"] = math.nan
    return table


def weekly_throughput_table(results: Results) -> pd.DataFrame:
    """Return the experiments completed per week: mean and 90% band."""
    return _stacked({name: result.weekly_throughput()
                              for name, result in results.items()})


def cycle_time_histogram(results: Results, bins: int = CYCLE_TIME_BINS) -> pd.DataFrame:
    """Return the share of experiments per cycle-time bin; every scenario uses the same bins."""
    pooled = [result.cycle_times for result in results.values() if len(result.cycle_times)]
    if not pooled:
        return pd.DataFrame(columns=["scenario", "from_days", "to_days", "share"])
    longest = float(max(values.max() for values in pooled))
    edges = np.linspace(0.0, max(longest, 1e-9), bins + 1)
    rows = []
    for name, result in results.items():
        counts, _ = np.histogram(result.cycle_times, bins=edges)
        total = counts.sum()
        shares = counts / total if total else np.full(bins, math.nan)
        rows.append(pd.DataFrame({"scenario": name, "from_days": edges[:-1],
                                  "to_days": edges[1:], "share": shares}))
    return pd.concat(rows, ignore_index=True)


def cycle_time_percentile_table(results: Results) -> pd.DataFrame:
    """Return the cycle-time percentiles (50, 70, 85, 95) over every replication's experiments."""
    return _stacked({name: result.cycle_time_percentiles()
                              for name, result in results.items()})


def stage_time_table(results: Results) -> pd.DataFrame:
    """Return the waiting and active days per experiment in each stage, in pipeline order."""
    columns = ["stage", "active_days", "waiting_days", "flow_efficiency", "bottleneck_rank"]
    return _stacked({name: result.stage_table()[columns]
                              for name, result in results.items()})


def cost_table(results: Results) -> pd.DataFrame:
    """Return the cost per completed experiment by component (dollars): mean and 90% band."""
    rows = []
    for name, result in results.items():
        table = result.per_replication
        for column, label in COST_COMPONENTS.items():
            values = table[column].to_numpy(dtype=float)
            values = values[~np.isnan(values)]
            rows.append({
                "scenario": name,
                "component": label,
                "mean": float(values.mean()) if len(values) else math.nan,
                "low": float(np.quantile(values, LOW_QUANTILE)) if len(values) else math.nan,
                "high": float(np.quantile(values, HIGH_QUANTILE)) if len(values) else math.nan,
            })
    return pd.DataFrame(rows)


def pool_utilisation_table(results: Results) -> pd.DataFrame:
    """Return the busy share of each pool's capacity over the horizon: mean and 90% band."""
    return _stacked({name: result.pool_utilisation()
                              for name, result in results.items()})


def roadmap_timeline_table(report: RoadmapReport) -> pd.DataFrame:
    """Return each intervention's start week, the week its full effect begins, and quick wins."""
    items = report.items_table()
    columns = ["intervention", "start_week", "full_effect_week", "quick_win"]
    if items.empty:
        return pd.DataFrame(columns=columns)
    return items[columns].reset_index(drop=True)


__all__ = [
    "COST_COMPONENTS", "CYCLE_PERCENTILES", "cost_table", "cumulative_table",
    "cycle_time_histogram", "cycle_time_percentile_table", "pool_utilisation_table",
    "roadmap_timeline_table", "stage_time_table", "weekly_throughput_table",
]
