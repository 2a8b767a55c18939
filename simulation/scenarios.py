"""Scenarios: the baseline plus interventions with their start weeks, and their comparison.

All scenarios of a comparison run with the same seed. Replication ``r`` of every scenario then
gets the same arrivals and the same draws for the same piece of work (common random numbers),
so the difference between two scenarios is measured replication by replication (paired).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulation.interventions import Intervention, InterventionError, apply_effect
from simulation.model import Project
from simulation.results import SimulationResult
from simulation.streams import STREAM_INTERVENTIONS, generator
from simulation.timeline import Phase, PoolHold, Timeline
from simulation.validation import ProjectError, check_references

DAYS_PER_WEEK = 7.0
BASELINE = "Baseline"
COMPARED_METRICS = {
    "experiments_per_month": "Experiments per month",
    "cycle_time_mean_days": "Mean cycle time (days)",
    "cost_per_experiment": "Cost per experiment ($)",
}


@dataclass(frozen=True)
class ScheduledIntervention:
    """An intervention from the catalog, starting at the beginning of ``start_week`` (1 = day 0)."""

    intervention_id: str
    start_week: int = 1

    @property
    def start_at(self) -> float:
        return (self.start_week - 1) * DAYS_PER_WEEK


@dataclass(frozen=True)
class Scenario:
    name: str
    interventions: tuple[ScheduledIntervention, ...] = ()

    def with_intervention(self, intervention_id: str, start_week: int = 1) -> Scenario:
        added = ScheduledIntervention(intervention_id, start_week)
        return Scenario(self.name, self.interventions + (added,))


@dataclass(frozen=True)
class ScenarioPlan:
    """A scenario bound to a project and the catalog: it draws a timeline per replication."""

    baseline: Project
    scenario: Scenario
    catalog: Mapping[str, Intervention] = field(hash=False, compare=False)

    def check_structure(self) -> None:
        check_scenario(self.baseline, self.scenario, self.catalog)

    def for_replication(self, seed: int, replication: int) -> Timeline:
        sizes = {}
        for item in self.scenario.interventions:
            intervention = self.catalog[item.intervention_id]
            rng = generator(seed, replication, STREAM_INTERVENTIONS, intervention.stream_key())
            uniforms = rng.random(len(intervention.effects))
            sizes[item.intervention_id] = [effect.draw(u) if effect.value is None else 0.0
                                           for effect, u in zip(intervention.effects, uniforms)]
        return build_timeline(self.baseline, self.scenario, self.catalog, sizes)

    def likely_timeline(self) -> Timeline:
        """Build the timeline with every effect at its likely value."""
        sizes = {item.intervention_id: [effect.likely or 0.0 for effect in
                                        self.catalog[item.intervention_id].effects]
                 for item in self.scenario.interventions}
        return build_timeline(self.baseline, self.scenario, self.catalog, sizes)


def _ramp_steps(intervention: Intervention, start_at: float) -> list[tuple[float, float]]:
    """(day, fraction in force) steps: the effect phases in weekly over the ramp-up."""
    weeks = intervention.ramp_up_weeks
    if weeks <= 0:
        return [(start_at, 1.0)]
    return [(start_at + step * DAYS_PER_WEEK, (step + 1) / (weeks + 1))
            for step in range(weeks)] + [(start_at + weeks * DAYS_PER_WEEK, 1.0)]


def build_timeline(project: Project, scenario: Scenario, catalog: Mapping[str, Intervention],
                   sizes: Mapping[str, list[float]]) -> Timeline:
    """Lay out the scenario's interventions as phases of the project over the horizon."""
    fractions: dict[str, float] = {}
    changes: list[tuple[float, str, float]] = []
    for item in scenario.interventions:
        intervention = catalog[item.intervention_id]
        for day, fraction in _ramp_steps(intervention, item.start_at):
            if day < project.horizon_days:
                changes.append((day, item.intervention_id, fraction))
    changes.sort(key=lambda change: change[0])
    phases = [Phase(0.0, project)]
    for day, ident, fraction in changes:
        fractions[ident] = fraction
        variant = _apply_all(project, scenario, catalog, sizes, fractions)
        if day == phases[-1].start_at:
            phases[-1] = Phase(day, variant)
        else:
            phases.append(Phase(day, variant))
    return Timeline(phases=tuple(phases), holds=tuple(_rollout_holds(project, scenario, catalog)))


def _apply_all(project: Project, scenario: Scenario, catalog: Mapping[str, Intervention],
               sizes: Mapping[str, list[float]], fractions: Mapping[str, float]) -> Project:
    """Apply, in scenario order, every intervention at the fraction it has reached."""
    for item in scenario.interventions:
        fraction = fractions.get(item.intervention_id, 0.0)
        if fraction <= 0:
            continue
        intervention = catalog[item.intervention_id]
        for effect, size in zip(intervention.effects, sizes[item.intervention_id]):
            project = apply_effect(project, effect, size, fraction, intervention.name)
    return project


def _rollout_holds(project: Project, scenario: Scenario,
                   catalog: Mapping[str, Intervention]) -> list[PoolHold]:
    holds = []
    for item in scenario.interventions:
        intervention = catalog[item.intervention_id]
        if intervention.rollout_person_days > 0 and intervention.rollout_pool:
            if item.start_at < project.horizon_days:
                holds.append(PoolHold(pool=intervention.rollout_pool, units=1,
                                      start_at=item.start_at,
                                      work_days=intervention.rollout_person_days,
                                      label=intervention.name))
    return holds


def check_scenario(project: Project, scenario: Scenario,
                   catalog: Mapping[str, Intervention]) -> None:
    """Raise ``InterventionError`` naming every problem of the scenario against the project.

    Each intervention is applied at the low and the high end of its effects, so an effect
    that could make a duration negative or a capacity zero is caught before any run.
    """
    problems = []
    weeks = math.ceil(project.horizon_days / DAYS_PER_WEEK)
    seen = set()
    for index, item in enumerate(scenario.interventions):
        where = f"scenario {scenario.name!r}, interventions[{index}]"
        intervention = catalog.get(item.intervention_id)
        if intervention is None:
            problems.append(f"{where}: unknown intervention {item.intervention_id!r}; add it "
                            "to the project's interventions or pick one from the catalog")
            continue
        if item.intervention_id in seen:
            problems.append(f"{where}: {intervention.name!r} is scheduled twice")
        seen.add(item.intervention_id)
        if not 1 <= item.start_week <= weeks:
            problems.append(f"{where}: start week {item.start_week} of {intervention.name!r} "
                            f"lies outside the horizon (weeks 1 to {weeks})")
        pools = {pool.name for pool in project.pools}
        if intervention.rollout_pool and intervention.rollout_pool not in pools:
            problems.append(f"{where}: rollout pool {intervention.rollout_pool!r} of "
                            f"{intervention.name!r} is not a pool of this project")
        problems += _check_extremes(project, intervention, where)
    if problems:
        raise InterventionError("\n".join(problems))


def _check_extremes(project: Project, intervention: Intervention, where: str) -> list[str]:
    problems = []
    for end in ("low", "high"):
        variant = project
        try:
            for effect in intervention.effects:
                size = getattr(effect, end) if effect.value is None else 0.0
                variant = apply_effect(variant, effect, size, 1.0, intervention.name)
            check_references(variant)
        except InterventionError as error:
            problems.append(f"{where}: {error}")
            break
        except ProjectError as error:
            problems.append(f"{where}: {intervention.name!r} at its {end} effect makes the "
                            f"project invalid: {'; '.join(error.problems)}")
            break
    return problems


# -- running and comparing ---------------------------------------------------------------


RunFunction = Callable[[object, int, int], SimulationResult]


def run_scenarios(project: Project, scenarios: Iterable[Scenario],
                  catalog: Mapping[str, Intervention], run: RunFunction,
                  replications: int, seed: int) -> dict[str, SimulationResult]:
    """Run the baseline and each scenario with the same seed; keyed by scenario name.

    ``run(model, replications, seed)`` runs one model, for example ``ReplicationRunner.run``.
    """
    results = {BASELINE: run(Timeline.constant(project), replications, seed)}
    for scenario in scenarios:
        if scenario.name == BASELINE:
            continue
        plan = ScenarioPlan(project, scenario, catalog)
        plan.check_structure()
        results[scenario.name] = run(plan, replications, seed)
    return results


@dataclass(frozen=True)
class PairedDifference:
    """Scenario minus baseline: mean, 95% confidence interval, and the independent interval."""

    metric: str
    baseline_mean: float
    scenario_mean: float
    difference: float
    low: float
    high: float
    independent_half_width: float

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2


def paired_difference(baseline: np.ndarray, scenario: np.ndarray, metric: str,
                      confidence: float = 0.95) -> PairedDifference:
    """Compare per-replication values of two runs that share their random numbers."""
    from scipy import stats  # imported here: it adds about a second to every CLI start

    mask = ~(np.isnan(baseline) | np.isnan(scenario))
    baseline, scenario = baseline[mask], scenario[mask]
    count = len(baseline)
    differences = scenario - baseline
    quantile = stats.t.ppf(0.5 + confidence / 2, count - 1) if count > 1 else math.nan
    half = quantile * differences.std(ddof=1) / math.sqrt(count) if count > 1 else math.nan
    independent = (quantile * math.sqrt(baseline.var(ddof=1) / count +
                                        scenario.var(ddof=1) / count)) if count > 1 else math.nan
    mean = float(differences.mean()) if count else math.nan
    return PairedDifference(metric=metric, baseline_mean=float(baseline.mean()),
                            scenario_mean=float(scenario.mean()), difference=mean,
                            low=mean - half, high=mean + half,
                            independent_half_width=independent)


def compare(results: Mapping[str, SimulationResult]) -> pd.DataFrame:
    """Tabulate the paired difference against the baseline, one row per scenario and metric."""
    baseline = results[BASELINE].per_replication
    rows = []
    for name, result in results.items():
        if name == BASELINE:
            continue
        table = result.per_replication
        for column, label in COMPARED_METRICS.items():
            diff = paired_difference(baseline[column].to_numpy(float),
                                     table[column].to_numpy(float), label)
            rows.append({"scenario": name, "metric": label,
                         "baseline": diff.baseline_mean, "scenario_value": diff.scenario_mean,
                         "difference": diff.difference, "ci_low": diff.low,
                         "ci_high": diff.high,
                         "independent_ci_half_width": diff.independent_half_width})
    return pd.DataFrame(rows)


__all__ = [
    "BASELINE", "InterventionError", "PairedDifference", "Scenario", "ScenarioPlan",
    "ScheduledIntervention", "build_timeline", "check_scenario", "compare",
    "paired_difference", "run_scenarios",
]
