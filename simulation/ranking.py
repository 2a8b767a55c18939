"""Ranking interventions: each alone against the baseline, and a greedy best-next sequence.

The score of a change is the sum of three relative improvements, each against the model it
starts from: more experiments in the last month of the horizon, a shorter mean cycle time,
and a lower cost per experiment. Equal weights by default; a product manager who only cares
about throughput can set the other two weights to zero.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulation.interventions import Intervention, InterventionError
from simulation.model import Project
from simulation.results import SimulationResult
from simulation.scenarios import Scenario, ScenarioPlan, ScheduledIntervention
from simulation.timeline import Timeline

logger = logging.getLogger(__name__)

RunFunction = Callable[[object, int, int], SimulationResult]
DAYS_PER_MONTH = 30.0


@dataclass(frozen=True)
class ScoreWeights:
    throughput: float = 1.0
    cycle_time: float = 1.0
    cost: float = 1.0


EQUAL_WEIGHTS = ScoreWeights()


@dataclass(frozen=True)
class Outcome:
    """The figures a ranking compares, as medians or means across replications."""

    last_month_experiments: float  # median completions in the last 30 days
    experiments_per_month: float
    cycle_time_days: float
    cost_per_experiment: float

    @classmethod
    def of(cls, result: SimulationResult) -> Outcome:
        table = result.per_replication
        return cls(
            last_month_experiments=float(table["last_month_completed"].median()),
            experiments_per_month=float(table["experiments_per_month"].mean()),
            cycle_time_days=float(np.nanmean(table["cycle_time_mean_days"])),
            cost_per_experiment=float(np.nanmean(table["cost_per_experiment"])),
        )

    def score_against(self, before: Outcome, weights: ScoreWeights) -> float:
        throughput = _relative(self.experiments_per_month - before.experiments_per_month,
                               before.experiments_per_month)
        cycle = _relative(before.cycle_time_days - self.cycle_time_days, before.cycle_time_days)
        cost = _relative(before.cost_per_experiment - self.cost_per_experiment,
                         before.cost_per_experiment)
        return weights.throughput * throughput + weights.cycle_time * cycle + weights.cost * cost


def _relative(change: float, base: float) -> float:
    if not base or math.isnan(base) or math.isnan(change):
        return 0.0
    return change / base


def _applicable(project: Project, catalog: Mapping[str, Intervention],
                chosen: tuple[str, ...]) -> tuple[list[str], dict[str, str]]:
    """Split the catalog into interventions that apply to the project and those that do not."""
    usable, skipped = [], {}
    for ident in catalog:
        if ident in chosen:
            continue
        scenario = Scenario(ident, tuple(ScheduledIntervention(i) for i in (*chosen, ident)))
        try:
            ScenarioPlan(project, scenario, catalog).check_structure()
        except InterventionError as error:
            skipped[ident] = str(error).split(": ", 2)[-1]
            continue
        usable.append(ident)
    return usable, skipped


def rank_interventions(project: Project, catalog: Mapping[str, Intervention], run: RunFunction,
                       replications: int = 100, seed: int = 1,
                       weights: ScoreWeights = EQUAL_WEIGHTS) -> pd.DataFrame:
    """Rank each intervention alone, from week 1, against the baseline, best score first.

    Interventions that do not apply to the project (a stage or pool it lacks) are listed
    last with the reason in ``not_applicable``.
    """
    baseline = Outcome.of(run(Timeline.constant(project), replications, seed))
    usable, skipped = _applicable(project, catalog, ())
    rows = []
    for ident in usable:
        plan = ScenarioPlan(project, Scenario(ident, (ScheduledIntervention(ident),)), catalog)
        outcome = Outcome.of(run(plan, replications, seed))
        rows.append(_ranking_row(catalog[ident], baseline, outcome, project, weights))
    table = pd.DataFrame(rows)
    if not table.empty:
        table = table.sort_values("score", ascending=False).reset_index(drop=True)
        table.insert(0, "rank", range(1, len(table) + 1))
    for ident, reason in skipped.items():
        extra = {"intervention_id": ident, "name": catalog[ident].name, "not_applicable": reason}
        table = pd.concat([table, pd.DataFrame([extra])], ignore_index=True)
    return table


def _ranking_row(intervention: Intervention, before: Outcome, after: Outcome, project: Project,
                 weights: ScoreWeights) -> dict:
    own_cost = intervention.cost_over(project.horizon_days)
    gain = after.experiments_per_month - before.experiments_per_month
    return {
        "intervention_id": intervention.id,
        "name": intervention.name,
        "experiments_per_month_gain": gain,
        "last_month_experiments": after.last_month_experiments,
        "cycle_time_saved_days": before.cycle_time_days - after.cycle_time_days,
        "cost_per_experiment_change": after.cost_per_experiment - before.cost_per_experiment,
        "own_cost": own_cost,
        "gain_per_1000_dollars": gain / own_cost * 1000 if own_cost > 0 else math.inf,
        "rollout_person_days": intervention.rollout_person_days,
        "score": after.score_against(before, weights),
        "not_applicable": "",
    }


@dataclass(frozen=True)
class SequenceStep:
    intervention_id: str
    name: str
    score: float  # against the model with the earlier steps
    outcome: Outcome


def greedy_sequence(project: Project, catalog: Mapping[str, Intervention], run: RunFunction,
                    steps: int = 5, replications: int = 100, seed: int = 1,
                    weights: ScoreWeights = EQUAL_WEIGHTS,
                    allowed: Callable[[tuple[str, ...], str], bool] | None = None,
                    ) -> list[SequenceStep]:
    """Choose, step by step, the intervention that adds most given those already chosen.

    Every candidate starts in week 1 here; scheduling comes later, in the roadmap. Stops early
    when no candidate improves the score. ``allowed(chosen, candidate)`` can veto a candidate,
    for example one over budget.
    """
    chosen: tuple[str, ...] = ()
    current = Outcome.of(run(Timeline.constant(project), replications, seed))
    sequence = []
    for _ in range(steps):
        usable, _ = _applicable(project, catalog, chosen)
        if allowed is not None:
            usable = [ident for ident in usable if allowed(chosen, ident)]
        best = None
        for ident in usable:
            scenario = Scenario("candidate",
                                tuple(ScheduledIntervention(i) for i in (*chosen, ident)))
            outcome = Outcome.of(run(ScenarioPlan(project, scenario, catalog), replications,
                                     seed))
            score = outcome.score_against(current, weights)
            if best is None or score > best[1]:
                best = (ident, score, outcome)
        if best is None or best[1] <= 0:
            break
        ident, score, outcome = best
        logger.info("greedy step %d: %s (score %.3f)", len(sequence) + 1, ident, score)
        sequence.append(SequenceStep(ident, catalog[ident].name, score, outcome))
        chosen += (ident,)
        current = outcome
    return sequence
