"""Sensitivity of the forecast: a tornado of parameters, a WIP sweep and goal seeking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from simulation.interventions import Effect, InterventionError, apply_effect
from simulation.model import Goal, Project
from simulation.results import SimulationResult
from simulation.timeline import Timeline
from simulation.validation import ProjectError, check_references

RunFunction = Callable[[object, int, int], SimulationResult]
SWING = 0.2  # each parameter moves by plus and minus 20%
# Goal seeking on review.meetings_per_week spreads N meetings over the working week.
MEETINGS_PER_WEEK = "review.meetings_per_week"
SPREAD_WEEKDAYS = {1: (2,), 2: (0, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4)}


def _experiments_per_month(result: SimulationResult) -> float:
    return float(result.per_replication["experiments_per_month"].mean())


def _cycle_time(result: SimulationResult) -> float:
    return float(np.nanmean(result.per_replication["cycle_time_mean_days"]))


def tornado_parameters(project: Project) -> list[str]:
    """Parameter paths worth swinging: durations, capacities, review slots, WIP and demand."""
    paths = [f"stages.{stage.name}.duration" for stage in project.stages]
    used_pools = {stage.pool for stage in project.stages if stage.pool}
    paths += [f"pools.{pool.name}.capacity" for pool in project.pools if pool.name in used_pools]
    paths += [f"stages.{stage.name}.review.slots" for stage in project.stages if stage.review]
    if project.wip_limit is not None:
        paths.append("wip_limit")
    if project.demand.kind == "poisson":
        paths.append("demand.per_week")
    return paths


def _swung(project: Project, path: str, factor: float) -> Project | None:
    """Return the project with one parameter scaled, or None when that makes it invalid.

    A whole-number setting that the scaling rounds back to itself (2 slots +/- 20%) moves by
    one instead, so the bottleneck's small settings still show their effect.
    """
    step = 1 if factor > 1 else -1
    for effect in (Effect(path, "scale", factor, factor, factor), Effect(path, "add", step,
                                                                         step, step)):
        size = effect.likely
        try:
            variant = apply_effect(project, effect, size, 1.0, "sensitivity")
            check_references(variant)
        except (InterventionError, ProjectError):
            return None
        if variant != project or effect.operation == "add":
            return variant
    return None


def tornado(project: Project, run: RunFunction, replications: int = 100, seed: int = 1,
            swing: float = SWING) -> pd.DataFrame:
    """Experiments per month and cycle time with each parameter moved by -/+ ``swing``.

    Rows are ordered by the width of the throughput swing, widest first. Whole-number
    parameters (capacities, slots, WIP) are rounded; one that rounds back to itself moves by
    one unit instead.
    """
    base = run(Timeline.constant(project), replications, seed)
    base_rate, base_cycle = _experiments_per_month(base), _cycle_time(base)
    rows = []
    for path in tornado_parameters(project):
        row = {"parameter": path, "baseline_experiments_per_month": base_rate,
               "baseline_cycle_time_days": base_cycle}
        for label, factor in (("low", 1 - swing), ("high", 1 + swing)):
            variant = _swung(project, path, factor)
            if variant is None or variant == project:
                row[f"{label}_experiments_per_month"] = base_rate
                row[f"{label}_cycle_time_days"] = base_cycle
                continue
            result = run(Timeline.constant(variant), replications, seed)
            row[f"{label}_experiments_per_month"] = _experiments_per_month(result)
            row[f"{label}_cycle_time_days"] = _cycle_time(result)
        row["throughput_swing"] = abs(row["high_experiments_per_month"]
                                      - row["low_experiments_per_month"])
        rows.append(row)
    table = pd.DataFrame(rows)
    return table.sort_values("throughput_swing", ascending=False).reset_index(drop=True)


def wip_sweep(project: Project, run: RunFunction, limits: range | None = None,
              replications: int = 100, seed: int = 1,
              min_gain: float = 0.05) -> tuple[pd.DataFrame, int]:
    """Throughput and cycle time as the WIP limit grows, and where more stops paying.

    Returns the table and the knee: the smallest limit after which one more experiment in
    flight adds less than ``min_gain`` (relative) to throughput. By Little's law, past the knee
    more work in progress only lengthens the cycle.
    """
    limits = limits or range(1, max(2 * (project.wip_limit or 4), 8) + 1)
    rows = []
    for limit in limits:
        result = run(Timeline.constant(replace(project, wip_limit=limit)), replications, seed)
        wip = float(np.mean([s.wip_daily.mean() for s in result.summaries]))
        rows.append({"wip_limit": limit,
                     "experiments_per_month": _experiments_per_month(result),
                     "cycle_time_days": _cycle_time(result),
                     "mean_wip": wip})
    table = pd.DataFrame(rows)
    rate = table["experiments_per_month"].to_numpy()
    knee = int(table["wip_limit"].iloc[-1])
    for index in range(len(rate) - 1):
        if rate[index] > 0 and (rate[index + 1] - rate[index]) / rate[index] < min_gain:
            knee = int(table["wip_limit"].iloc[index])
            break
    table["little_cycle_time_days"] = table["mean_wip"] / (table["experiments_per_month"] / 30)
    return table, knee


@dataclass(frozen=True)
class GoalSeekResult:
    parameter: str
    reached: bool
    value: float | None  # the smallest value that reaches the goal
    probability: float  # at that value, or at the upper bound when not reached
    tried: pd.DataFrame
    message: str


def goal_seek(project: Project, parameter: str, run: RunFunction, goal: Goal | None = None,
              probability: float = 0.8, upper: int | None = None, replications: int = 100,
              seed: int = 1) -> GoalSeekResult:
    """Find the smallest whole value of ``parameter`` that reaches ``goal`` with ``probability``.

    ``parameter`` is an intervention path to a whole-number setting, for example
    ``pools.gpus.capacity``, ``stages.review.review.slots`` or ``wip_limit``, or
    ``stages.NAME.review.meetings_per_week`` (meetings spread over Monday to Friday).
    Values from the current one up to ``upper`` (default: three times the current value, at
    least current + 6) are tried in order; the search stops at the first that reaches the goal.
    """
    goal = goal or project.goal
    current = _current_value(project, parameter)
    upper = upper or max(3 * current, current + 6)
    if parameter.endswith(MEETINGS_PER_WEEK):
        upper = min(upper, len(SPREAD_WEEKDAYS))
    rows = []
    for value in range(current, upper + 1):
        variant = _with_value(project, parameter, value)
        result = run(Timeline.constant(variant), replications, seed)
        chance = result.goal_outcome(goal).probability
        rows.append({"value": value, "goal_probability": chance})
        if chance >= probability:
            return GoalSeekResult(parameter, True, value, chance, pd.DataFrame(rows),
                                  f"{parameter} = {value} reaches the goal with probability "
                                  f"{chance:.0%} (from {current})")
    best = max(rows, key=lambda row: row["goal_probability"])
    return GoalSeekResult(
        parameter, False, None, best["goal_probability"], pd.DataFrame(rows),
        f"the goal cannot be reached with {probability:.0%} probability by {parameter} alone "
        f"within {current} to {upper}; the best is {best['goal_probability']:.0%} at "
        f"{best['value']}. Combine it with other changes or relax the goal.")


def _with_value(project: Project, parameter: str, value: int) -> Project:
    if parameter.endswith(MEETINGS_PER_WEEK):
        target = parameter[: -len("meetings_per_week")] + "weekdays"
        effect = Effect(target, "set", value=SPREAD_WEEKDAYS[value])
        return apply_effect(project, effect, 0.0, 1.0, "goal seeking")
    return apply_effect(project, Effect(parameter, "set", value, value, value), value, 1.0,
                        "goal seeking")


def _current_value(project: Project, parameter: str) -> int:
    if parameter.endswith(MEETINGS_PER_WEEK) and parameter.startswith("stages."):
        name = parameter[len("stages."): -len("." + MEETINGS_PER_WEEK)]
        try:
            stage = project.stages[project.stage_index(name)]
        except KeyError:
            raise InterventionError(f"goal seeking: unknown stage {name!r}") from None
        if stage.review is None:
            raise InterventionError(f"goal seeking: stage {name!r} has no review meetings")
        return len(stage.review.weekdays)
    probe = apply_effect(project, Effect(parameter, "add", 0, 0, 0), 0.0, 1.0, "goal seeking")
    if parameter == "wip_limit":
        return int(probe.wip_limit)
    head, _, rest = parameter.partition(".")
    name, _, field_name = rest.partition(".")
    if head == "pools" and field_name == "capacity":
        return probe.pool_named(name).capacity
    if head == "stages" and field_name == "review.slots":
        return probe.stages[probe.stage_index(name)].review.slots
    if head == "stages" and field_name == "units":
        return probe.stages[probe.stage_index(name)].units
    raise InterventionError(f"goal seeking needs a whole-number setting such as "
                            f"pools.NAME.capacity, stages.NAME.review.slots or wip_limit "
                            f"(got {parameter!r})")

