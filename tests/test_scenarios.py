"""Scenarios with common random numbers, and the paired comparisons built on them."""

from dataclasses import replace

import numpy as np
import pytest

from simulation import parse_project
from simulation.engine import simulate_replication
from simulation.interventions import Effect, Intervention, InterventionError
from simulation.metrics import QUEUED_AT, STAGE, STARTED_AT, summarize
from simulation.runner import ReplicationRunner
from simulation.scenarios import (
    BASELINE,
    Scenario,
    ScenarioPlan,
    ScheduledIntervention,
    check_scenario,
    compare,
    run_scenarios,
)
from simulation.timeline import Phase, Timeline

SEED = 20261204


def gpu_bound_project():
    """Poisson arrivals into design (ample people) then training on a busy GPU pool."""
    return parse_project({
        "schema_version": 1, "name": "GPU-bound team", "horizon_days": 120,
        "calendar": {"enabled": False},
        "demand": {"kind": "poisson", "per_week": 10},
        "pools": [{"name": "scientists", "capacity": 20, "cost_per_hour": 80},
                  {"name": "gpus", "capacity": 2, "cost_per_hour": 3, "kind": "machine"}],
        "stages": [
            {"name": "design", "pool": "scientists",
             "duration": {"kind": "triangular", "min": 0.5, "likely": 1, "max": 2}},
            {"name": "training", "pool": "gpus",
             "duration": {"kind": "exponential", "mean": 0.3}},
            {"name": "evaluation", "pool": "scientists",
             "duration": {"kind": "uniform", "min": 0.5, "max": 1.5}},
        ],
    })


CATALOG = {
    "more_gpus": Intervention(
        id="more_gpus", name="Two more GPUs",
        effects=(Effect("pools.gpus.capacity", "add", 2, 2, 2),)),
    "faster_evaluation": Intervention(
        id="faster_evaluation", name="Faster evaluation",
        effects=(Effect("stages.evaluation.duration", "scale", 0.4, 0.5, 0.6),)),
}


def gpu_waits(log) -> dict[int, float]:
    """Waiting days at the training stage per experiment, first visits only."""
    visits = log.visits[log.visits[:, STAGE] == 1]
    return {int(row[0]): row[STARTED_AT] - row[QUEUED_AT] for row in visits}


def test_more_gpus_never_lengthen_gpu_wait():
    project = gpu_bound_project()
    plan = ScenarioPlan(project, Scenario("GPUs", (ScheduledIntervention("more_gpus"),)),
                        CATALOG)
    for replication in range(20):
        before = gpu_waits(simulate_replication(Timeline.constant(project), SEED, replication))
        after = gpu_waits(simulate_replication(plan.for_replication(SEED, replication), SEED,
                                               replication))
        assert np.mean(list(after.values())) <= np.mean(list(before.values())) + 1e-12
        for experiment, wait in after.items():
            if experiment in before:
                assert wait <= before[experiment] + 1e-9, (replication, experiment)


def test_late_intervention_leaves_early_weeks_identical():
    project = gpu_bound_project()
    scenario = Scenario("Week 6", (ScheduledIntervention("faster_evaluation", start_week=6),))
    plan = ScenarioPlan(project, scenario, CATALOG)
    for replication in range(10):
        base_timeline = Timeline.constant(project)
        base = simulate_replication(base_timeline, SEED, replication)
        drawn = plan.for_replication(SEED, replication)
        assert drawn.phases[1].start_at == 35.0
        changed = simulate_replication(drawn, SEED, replication)
        early_base = base.visits[base.visits[:, STARTED_AT] < 35.0]
        early_changed = changed.visits[changed.visits[:, STARTED_AT] < 35.0]
        np.testing.assert_array_equal(early_base, early_changed)
        weeks_base = summarize(base, base_timeline, replication).weekly_completions
        weeks_changed = summarize(changed, drawn, replication).weekly_completions
        np.testing.assert_array_equal(weeks_base[:5], weeks_changed[:5])
        assert weeks_changed[5:].sum() >= 0


def test_paired_interval_narrower_than_independent():
    project = gpu_bound_project()
    scenario = Scenario("Faster evaluation", (ScheduledIntervention("faster_evaluation"),))
    with ReplicationRunner(1) as runner:
        results = run_scenarios(project, [scenario], CATALOG, runner.run, 60, SEED)
    table = compare(results).set_index("metric")
    for metric in ("Mean cycle time (days)", "Cost per experiment ($)"):
        row = table.loc[metric]
        assert (row.ci_high - row.ci_low) / 2 < row.independent_ci_half_width, metric
    cycle = table.loc["Mean cycle time (days)"]
    assert cycle.ci_high < 0, "halving evaluation must shorten the cycle"


def test_results_keyed_by_scenario_name():
    project = gpu_bound_project()
    scenario = Scenario("GPUs", (ScheduledIntervention("more_gpus"),))
    with ReplicationRunner(1) as runner:
        results = run_scenarios(project, [scenario], CATALOG, runner.run, 5, SEED)
    assert list(results) == [BASELINE, "GPUs"]


def test_effect_draws_vary_by_replication_not_by_scenario():
    project = gpu_bound_project()
    alone = ScenarioPlan(project, Scenario("a", (ScheduledIntervention("faster_evaluation"),)),
                         CATALOG)
    both = ScenarioPlan(project, Scenario("b", (ScheduledIntervention("more_gpus"),
                                                ScheduledIntervention("faster_evaluation"))),
                        CATALOG)

    def evaluation_minimum(plan, replication):
        stage = plan.for_replication(SEED, replication).phases[-1].project.stages[2]
        return stage.duration.min

    draws = [evaluation_minimum(alone, r) for r in range(5)]
    assert len(set(draws)) == 5
    assert draws == [evaluation_minimum(both, r) for r in range(5)]


# -- invalid interventions --------------------------------------------------------------


def check(intervention: Intervention, start_week: int = 1) -> str:
    catalog = {intervention.id: intervention}
    scenario = Scenario("s", (ScheduledIntervention(intervention.id, start_week),))
    with pytest.raises(InterventionError) as caught:
        check_scenario(gpu_bound_project(), scenario, catalog)
    return str(caught.value)


def test_unknown_stage_in_path():
    message = check(Intervention("x", "Faster labelling",
                                 (Effect("stages.labelling.duration", "scale", 0.5, 0.5, 0.5),)))
    assert "unknown stage 'labelling'" in message
    assert "this project has: design, training, evaluation" in message


def test_unknown_parameter_path_rejected_when_parsed():
    from simulation.interventions import parse_intervention
    with pytest.raises(InterventionError, match="unknown parameter path 'stages.training.speed'"):
        parse_intervention({"id": "x", "effects": [
            {"target": "stages.training.speed", "operation": "scale", "value": 2}]})


def test_start_week_beyond_horizon():
    message = check(CATALOG["more_gpus"], start_week=30)
    assert "start week 30 of 'Two more GPUs' lies outside the horizon (weeks 1 to 18)" in message


def test_effect_making_duration_negative():
    message = check(Intervention("x", "Magic evaluation",
                                 (Effect("stages.evaluation.duration", "add", -3, -2, -1),)))
    assert "would make the mean duration of 'evaluation' negative" in message


def test_capacity_cut_to_zero():
    message = check(Intervention("x", "Sell the GPUs",
                                 (Effect("pools.gpus.capacity", "add", -2, -2, -2),)))
    assert "pools.gpus.capacity would become 0" in message


def test_unknown_intervention_id():
    scenario = Scenario("s", (ScheduledIntervention("teleportation"),))
    with pytest.raises(InterventionError, match="unknown intervention 'teleportation'"):
        check_scenario(gpu_bound_project(), scenario, CATALOG)


def test_ramp_up_phases_in_weekly():
    ramped = replace(CATALOG["faster_evaluation"], ramp_up_weeks=3)
    plan = ScenarioPlan(gpu_bound_project(),
                        Scenario("r", (ScheduledIntervention(ramped.id, 2),)),
                        {ramped.id: ramped})
    timeline = plan.likely_timeline()
    assert [phase.start_at for phase in timeline.phases] == [0, 7, 14, 21, 28]
    means = [phase.project.stages[2].duration.max for phase in timeline.phases]
    assert means == pytest.approx([1.5, 1.3125, 1.125, 0.9375, 0.75])


def test_meeting_schedule_follows_phase_switch():
    """Reviews move from Wednesdays to Mondays and Thursdays on day 14 (a Monday)."""
    project = parse_project({
        "schema_version": 1, "name": "Review team", "horizon_days": 28,
        "calendar": {"enabled": False, "start_date": "2027-01-04"},
        "demand": {"kind": "poisson", "per_week": 20},
        "stages": [{"name": "review", "duration": {"kind": "fixed", "value": 0.01},
                    "review": {"weekdays": [2], "slots": 50, "hour": 9}}],
    })
    stage = project.stages[0]
    moved = replace(project, stages=(replace(stage, review=replace(stage.review,
                                                                   weekdays=(0, 3))),))
    timeline = Timeline(phases=(Phase(0.0, project), Phase(14.0, moved)))
    log = simulate_replication(timeline, SEED, 0)
    meeting_days = sorted({int(row[STARTED_AT]) for row in log.visits})
    assert meeting_days == [2, 9, 14, 17, 21, 24]
