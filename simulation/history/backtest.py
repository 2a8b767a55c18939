"""Backtesting a proposed project: simulate the imported period and set it beside what happened.

The proposed project starts empty on the day of the first arrival, as the history does, and
runs for the length of the period. Week *n* counts completions in days [7(n-1), 7n) of both.
The error figures are the mean absolute percentage error of weekly throughput (over weeks in
which the team completed something, because the percentage is undefined for an empty week)
and the share of weeks whose actual throughput lies inside the simulated 90% band (the 5th to
95th percentile across replications). A model that describes the team puts about 90% of weeks
inside the band.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.history.measure import MIN_RATE_PERIOD_DAYS, Baseline
from simulation.model import Project
from simulation.results import CYCLE_PERCENTILES, HIGH_QUANTILE, LOW_QUANTILE, SimulationResult
from simulation.runner import ProgressCallback, run_simulation

DEFAULT_REPLICATIONS = 200


@dataclass
class Backtest:
    weekly: pd.DataFrame  # week, week_start, actual, simulated, low, high, inside
    cycle_times: pd.DataFrame  # percentile, actual_days, simulated_days, low_days, high_days
    mape_percent: float
    weeks_in_mape: int
    share_inside_band: float
    actual_completed: int
    simulated_completed: dict  # mean, low, high over the period
    result: SimulationResult

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"backtest_weekly": self.weekly, "backtest_cycle_times": self.cycle_times}

    def summary(self) -> dict:
        return {"mape_percent": _number(self.mape_percent), "weeks_in_mape": self.weeks_in_mape,
                "share_inside_band": _number(self.share_inside_band),
                "actual_completed": self.actual_completed,
                "simulated_completed": {k: _number(v) for k, v in
                                        self.simulated_completed.items()},
                "replications": self.result.replications, "seed": self.result.seed}


def _number(value: float) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), 4)


def can_backtest(baseline: Baseline) -> str | None:
    """Return why the baseline cannot be backtested, or None if it can."""
    if baseline.period_days < MIN_RATE_PERIOD_DAYS:
        return "the history spans less than a week"
    if baseline.figures["concluded"] == 0:
        return "no experiment concluded in the history"
    return None


def run_backtest(project: Project, baseline: Baseline,
                 replications: int = DEFAULT_REPLICATIONS, seed: int = 1, workers: int = 1,
                 progress: ProgressCallback | None = None,
                 cancel: threading.Event | None = None) -> Backtest:
    """Simulate ``project`` over the baseline's period and compare; see the module docstring."""
    reason = can_backtest(baseline)
    if reason is not None:
        raise ValueError(f"cannot backtest: {reason}")
    result = run_simulation(project, replications, seed, workers=workers, progress=progress,
                            cancel=cancel)
    weekly = _weekly(baseline, result)
    with_work = weekly[weekly["actual"] > 0]
    errors = (with_work["actual"] - with_work["simulated"]).abs() / with_work["actual"]
    totals = np.array([s.completed for s in result.summaries], dtype=float)
    return Backtest(
        weekly=weekly,
        cycle_times=_cycle_times(baseline, result),
        mape_percent=float(errors.mean() * 100) if len(errors) else math.nan,
        weeks_in_mape=len(with_work),
        share_inside_band=float(weekly["inside"].mean()) if len(weekly) else math.nan,
        actual_completed=int(baseline.figures["concluded_in_period"]),
        simulated_completed={"mean": float(totals.mean()),
                             "low": float(np.quantile(totals, LOW_QUANTILE)),
                             "high": float(np.quantile(totals, HIGH_QUANTILE))},
        result=result,
    )


def _weekly(baseline: Baseline, result: SimulationResult) -> pd.DataFrame:
    simulated = result.weekly_throughput().rename(columns={"mean": "simulated"})
    actual = baseline.weekly.rename(columns={"completed": "actual"})[
        ["week", "week_start", "actual"]]
    weekly = actual.merge(simulated, on="week", how="inner")
    weekly["inside"] = (weekly["actual"] >= weekly["low"]) & (weekly["actual"] <= weekly["high"])
    return weekly


def _cycle_times(baseline: Baseline, result: SimulationResult) -> pd.DataFrame:
    actual = baseline.experiments["cycle_days"].dropna().to_numpy()
    rows = []
    for percentile in CYCLE_PERCENTILES:
        per_replication = np.array([np.percentile(s.cycle_times, percentile)
                                    for s in result.summaries if len(s.cycle_times)])
        pooled = result.cycle_times
        actual_value = float(np.percentile(actual, percentile)) if len(actual) else math.nan
        low = float(np.quantile(per_replication, LOW_QUANTILE)) if len(per_replication) \
            else math.nan
        high = float(np.quantile(per_replication, HIGH_QUANTILE)) if len(per_replication) \
            else math.nan
        rows.append({
            "percentile": percentile, "actual_days": actual_value,
            "simulated_days": float(np.percentile(pooled, percentile)) if len(pooled)
            else math.nan,
            "low_days": low, "high_days": high,
            "inside": bool(low <= actual_value <= high),
        })
    return pd.DataFrame(rows)
