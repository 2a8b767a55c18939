"""The 90-day roadmap: a scenario laid out over 13 weeks, with milestones and weekly metrics.

A proposed roadmap takes the greedy ranking's sequence and schedules it within the budget.
Quick wins (small rollout effort and cost) start in the first two weeks. The rest follow one
after another as the team's rollout capacity, in person-days a week, frees up.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.interventions import Intervention
from simulation.model import Project
from simulation.ranking import EQUAL_WEIGHTS, ScoreWeights, SequenceStep, greedy_sequence
from simulation.results import SimulationResult
from simulation.scenarios import (
    BASELINE,
    Scenario,
    ScenarioPlan,
    ScheduledIntervention,
    compare,
)
from simulation.timeline import Timeline

RunFunction = Callable[[object, int, int], SimulationResult]
MILESTONE_DAYS = (30, 60, 90)
QUICK_WIN_MAX_PERSON_DAYS = 3.0
QUICK_WIN_MAX_ONE_TIME_COST = 2_000.0
QUICK_WIN_WEEKS = 2
DEFAULT_ROLLOUT_DAYS_PER_WEEK = 5.0
WEEKLY_KPIS = (
    ("Experiments completed", "count of experiments concluded in the week"),
    ("Cycle time p85 (days)", "85th percentile, start of work to decision, of the week's "
                              "completions"),
    ("Experiments in flight", "work in progress at the end of the week"),
    ("Review queue", "experiments waiting for the stakeholder review"),
    ("GPU utilisation", "busy GPU-hours over available GPU-hours"),
    ("Cost per experiment", "compute, people and fixed cost of the week's completions"),
)


@dataclass(frozen=True)
class RoadmapItem:
    intervention_id: str
    start_week: int
    quick_win: bool = False


@dataclass(frozen=True)
class Roadmap:
    name: str
    items: tuple[RoadmapItem, ...]

    def scenario(self) -> Scenario:
        return Scenario(self.name, tuple(ScheduledIntervention(item.intervention_id,
                                                               item.start_week)
                                         for item in self.items))

    def moved(self, intervention_id: str, start_week: int) -> Roadmap:
        """Return the roadmap with one intervention moved to another start week."""
        items = tuple(RoadmapItem(item.intervention_id, start_week, item.quick_win)
                      if item.intervention_id == intervention_id else item
                      for item in self.items)
        return Roadmap(self.name, items)


def roadmap_from_scenario(scenario: Scenario, catalog: Mapping[str, Intervention]) -> Roadmap:
    """Lay out a saved scenario as a roadmap, marking its quick wins."""
    items = []
    for item in scenario.interventions:
        known = catalog.get(item.intervention_id)
        quick = (known is not None and is_quick_win(known)
                 and item.start_week <= QUICK_WIN_WEEKS)
        items.append(RoadmapItem(item.intervention_id, item.start_week, quick))
    return Roadmap(scenario.name, tuple(items))


def is_quick_win(intervention: Intervention) -> bool:
    return (intervention.rollout_person_days <= QUICK_WIN_MAX_PERSON_DAYS
            and intervention.one_time_cost <= QUICK_WIN_MAX_ONE_TIME_COST)


def schedule(sequence: list[SequenceStep], catalog: Mapping[str, Intervention],
             rollout_days_per_week: float = DEFAULT_ROLLOUT_DAYS_PER_WEEK,
             name: str = "Proposed roadmap") -> Roadmap:
    """Give each step of a sequence a start week under the team's rollout capacity."""
    if not rollout_days_per_week > 0:
        raise ValueError("rollout capacity must be > 0 person-days a week "
                         f"(got {rollout_days_per_week})")
    items = []
    used_by_week: dict[int, float] = {}
    for step in sequence:
        intervention = catalog[step.intervention_id]
        quick = is_quick_win(intervention)
        week = _first_week_with_capacity(used_by_week, intervention.rollout_person_days,
                                         rollout_days_per_week)
        if quick:
            week = min(week, QUICK_WIN_WEEKS)
        _book(used_by_week, week, intervention.rollout_person_days, rollout_days_per_week)
        items.append(RoadmapItem(step.intervention_id, week, quick))
    items.sort(key=lambda item: item.start_week)
    return Roadmap(name, tuple(items))


def _first_week_with_capacity(used: dict[int, float], effort: float, per_week: float) -> int:
    week = 1
    while used.get(week, 0.0) + min(effort, per_week) > per_week + 1e-9:
        week += 1
    return week


def _book(used: dict[int, float], week: int, effort: float, per_week: float) -> None:
    remaining = effort
    while remaining > 1e-9:
        free = max(0.0, per_week - used.get(week, 0.0))
        take = min(free, remaining) if free > 0 else 0.0
        used[week] = used.get(week, 0.0) + take
        remaining -= take
        week += 1


def propose_roadmap(project: Project, catalog: Mapping[str, Intervention], run: RunFunction,
                    budget: float | None = None,
                    rollout_days_per_week: float = DEFAULT_ROLLOUT_DAYS_PER_WEEK,
                    steps: int = 5, replications: int = 100, seed: int = 1,
                    weights: ScoreWeights = EQUAL_WEIGHTS) -> Roadmap:
    """Propose a roadmap from the greedy ranking, within ``budget`` dollars over the horizon."""

    def within_budget(chosen: tuple[str, ...], candidate: str) -> bool:
        if budget is None:
            return True
        spent = sum(catalog[i].cost_over(project.horizon_days) for i in (*chosen, candidate))
        return spent <= budget

    sequence = greedy_sequence(project, catalog, run, steps=steps, replications=replications,
                               seed=seed, weights=weights, allowed=within_budget)
    return schedule(sequence, catalog, rollout_days_per_week)


# -- the roadmap's projection ------------------------------------------------------------


@dataclass
class RoadmapReport:
    """A roadmap with its simulated projection: everything the exports show."""

    project: Project
    roadmap: Roadmap
    catalog: Mapping[str, Intervention]
    baseline: SimulationResult
    result: SimulationResult

    def items_table(self) -> pd.DataFrame:
        rows = []
        for item in self.roadmap.items:
            intervention = self.catalog[item.intervention_id]
            active_days = self.project.horizon_days - (item.start_week - 1) * 7
            rows.append({
                "start_week": item.start_week,
                "intervention": intervention.name,
                "intervention_id": intervention.id,
                "quick_win": item.quick_win,
                "full_effect_week": item.start_week + intervention.ramp_up_weeks,
                "rollout_person_days": intervention.rollout_person_days,
                "rollout_pool": intervention.rollout_pool or "",
                "one_time_cost": intervention.one_time_cost,
                "monthly_cost": intervention.monthly_cost,
                "cost_over_horizon": intervention.cost_over(active_days),
                "description": intervention.description,
            })
        return pd.DataFrame(rows)

    def milestones(self) -> pd.DataFrame:
        """Projected figures over the 30 days before each milestone day."""
        rows = []
        for day in MILESTONE_DAYS:
            if day > self.project.horizon_days + 1e-9:
                continue
            rows.append(self._milestone(self.result, day, self.roadmap.name))
            rows.append(self._milestone(self.baseline, day, BASELINE))
        return pd.DataFrame(rows)

    def _milestone(self, result: SimulationResult, day: float, scenario: str) -> dict:
        counts = np.array([np.sum((s.completion_days > day - 30) & (s.completion_days <= day))
                           for s in result.summaries], dtype=float)
        cycles = result.cycle_times_between(day - 30, day)
        goal = result.goal_outcome(window_end=day)
        return {
            "day": day,
            "scenario": scenario,
            "experiments_per_month_p50": float(np.quantile(counts, 0.5)),
            "experiments_per_month_p85": float(np.quantile(counts, 0.85)),
            "cycle_time_mean_days": float(cycles.mean()) if len(cycles) else math.nan,
            "cycle_time_p85_days": float(np.percentile(cycles, 85)) if len(cycles) else math.nan,
            # NOTE: cost per experiment is over the whole horizon; the run keeps no cost
            # per completion date.
            "cost_per_experiment": result.cost_per_experiment()["mean"],
            "goal_probability": goal.probability,
        }

    def weekly_metrics(self) -> pd.DataFrame:
        roadmap = self.result.weekly_throughput().add_prefix("roadmap_")
        baseline = self.baseline.weekly_throughput().add_prefix("baseline_")
        table = pd.concat([roadmap, baseline], axis=1)
        table = table.rename(columns={"roadmap_week": "week"}).drop(columns="baseline_week")
        wip = self.result.wip_over_time().set_index("day")["mean"]
        ends = [min(int(week * 7), int(wip.index.max())) for week in table["week"]]
        table["roadmap_wip_end_of_week"] = wip.loc[ends].to_numpy()
        return table

    def comparison(self) -> pd.DataFrame:
        return compare({BASELINE: self.baseline, self.roadmap.name: self.result})

    def kpis(self) -> pd.DataFrame:
        return pd.DataFrame(WEEKLY_KPIS, columns=["metric", "definition"])


def project_roadmap(project: Project, roadmap: Roadmap, catalog: Mapping[str, Intervention],
                    run: RunFunction, replications: int = 300, seed: int = 1) -> RoadmapReport:
    """Simulate the roadmap and the baseline with the same seed."""
    plan = ScenarioPlan(project, roadmap.scenario(), catalog)
    plan.check_structure()
    baseline = run(Timeline.constant(project), replications, seed)
    result = run(plan, replications, seed)
    return RoadmapReport(project, roadmap, catalog, baseline, result)
