"""Deterministic unit tests of tiny models: every stage visit checked at its exact time.

Durations are fixed and chosen as binary fractions of a day (0.125, 0.375, ...) so that every
time below is exact in floating point and compared with ``==``. Day 0 is 00:00 on the
calendar's start date; 0.375 days is 09:00.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas.testing
import pytest

from simulation.engine import ACTIONABLE, IN_PROGRESS, STOPPED_EARLY, simulate_replication
from simulation.metrics import summarize
from simulation.model import Project
from simulation.project_io import load_project
from simulation.runner import ReplicationRunner
from simulation.streams import DRAW_REWORK, ReplicationStreams
from simulation.timeline import Phase, Timeline
from simulation.validation import parse_project

EXAMPLE = Path(__file__).resolve().parent.parent / "resources" / "examples" / "recsys_team.json"
MONDAY = "2027-01-04"
THURSDAY = "2027-01-07"
NINE_AM = 0.375


def fixed(days: float) -> dict:
    return {"kind": "fixed", "value": days}


def tiny_project(stages: list[dict], pools: list[dict] = (), **fields) -> Project:
    """Build a project from a document: a backlog with one experiment at a time, calendar off."""
    document = {
        "schema_version": 1,
        "name": "tiny",
        "horizon_days": 10.0,
        "calendar": {"enabled": False},
        "demand": {"kind": "backlog"},
        "wip_limit": 1,
        "pools": list(pools),
        "stages": stages,
    }
    document.update(fields)
    return parse_project(document)


def working_calendar(start_date: str) -> dict:
    return {"enabled": True, "start_date": start_date, "working_days_per_week": 5,
            "hours_per_day": 8}


def run(project: Project | Timeline, seed: int = 1):
    timeline = project if isinstance(project, Timeline) else Timeline.constant(project)
    return simulate_replication(timeline, seed, 0)


def visit_log(log, project: Project) -> list[tuple]:
    """Return the visits as (experiment, stage name, queued_at, started_at, finished_at)."""
    names = [stage.name for stage in project.stages]
    return [(int(experiment), names[int(stage)], queued_at, started_at, finished_at)
            for experiment, stage, queued_at, started_at, finished_at, *_ in log.visits.tolist()]


def waiting_log(log, project: Project) -> list[tuple]:
    names = [stage.name for stage in project.stages]
    return [(int(experiment), names[int(stage)], queued_at)
            for experiment, stage, queued_at in log.waiting.tolist()]


# -- the working calendar -----------------------------------------------------------------


def test_people_task_from_thursday_midnight_skips_weekend():
    project = tiny_project(
        [{"name": "analysis", "pool": "scientists", "duration": fixed(3.0)}],
        [{"name": "scientists", "capacity": 1}],
        calendar=working_calendar(THURSDAY), horizon_days=6.0)

    log = run(project)

    # Thursday, Friday and Monday are the three working days: the task ends at the end of
    # Monday (day 5, Tuesday 00:00). The next one works Tuesday to Thursday, ending day 8.
    assert visit_log(log, project) == [
        (0, "analysis", 0.0, 0.0, 5.0),
        (1, "analysis", 5.0, 5.0, 8.0),
    ]


@pytest.mark.parametrize(("work_days", "finished_at"), [
    (2.0, 4.375),  # Thursday 09:00 to Monday 09:00
    (3.0, 5.375),  # Thursday 09:00 to Tuesday 09:00
])
def test_people_task_from_thursday_morning(work_days, finished_at):
    # A 9-hour machine stage first moves the start of the people stage to Thursday 09:00.
    project = tiny_project(
        [{"name": "setup", "pool": "gpus", "duration": fixed(NINE_AM)},
         {"name": "analysis", "pool": "scientists", "duration": fixed(work_days)}],
        [{"name": "gpus", "capacity": 1, "kind": "machine"},
         {"name": "scientists", "capacity": 1}],
        calendar=working_calendar(THURSDAY), horizon_days=4.0)

    log = run(project)

    assert visit_log(log, project)[:2] == [
        (0, "setup", 0.0, 0.0, NINE_AM),
        (0, "analysis", NINE_AM, NINE_AM, finished_at),
    ]


def test_work_ending_friday_night_ends_then():
    project = tiny_project(
        [{"name": "analysis", "duration": fixed(2.0)}],
        calendar=working_calendar(THURSDAY), horizon_days=2.5)

    log = run(project)

    # Two working days from Thursday 00:00 end on Saturday 00:00, not on Monday.
    assert visit_log(log, project)[0] == (0, "analysis", 0.0, 0.0, 2.0)
    assert log.finished_at[0] == 2.0


def test_machine_stage_runs_through_weekend():
    project = tiny_project(
        [{"name": "training", "pool": "gpus", "duration": fixed(3.0)},
         {"name": "report", "pool": "scientists", "duration": fixed(1.0)}],
        [{"name": "gpus", "capacity": 8, "kind": "machine"},
         {"name": "scientists", "capacity": 1}],
        calendar=working_calendar(THURSDAY), horizon_days=6.0)

    log = run(project)

    # Training runs Thursday to Sunday 00:00; the report, queued on Sunday, needs Monday.
    assert visit_log(log, project)[:2] == [
        (0, "training", 0.0, 0.0, 3.0),
        (0, "report", 3.0, 3.0, 5.0),
    ]


# -- review meetings ----------------------------------------------------------------------


def review_project(weekdays: list[int], slots: int, wip_limit: int, horizon_days: float):
    return tiny_project(
        [{"name": "prep", "duration": fixed(2.0)},
         {"name": "review", "duration": fixed(0.125),
          "review": {"weekdays": weekdays, "slots": slots, "hour": 9}}],
        calendar=working_calendar(MONDAY), wip_limit=wip_limit, horizon_days=horizon_days)


def test_review_waits_for_meeting_with_free_slot():
    project = review_project(weekdays=[0], slots=1, wip_limit=2, horizon_days=22.0)

    log = run(project)

    # Both first experiments reach the review on Wednesday (day 2). The Monday 09:00 meeting
    # has one slot, so the second waits a further week. Each finished review lets a new
    # experiment start, and it queues behind the ones already waiting.
    assert visit_log(log, project) == [
        (0, "prep", 0.0, 0.0, 2.0),
        (1, "prep", 0.0, 0.0, 2.0),
        (0, "review", 2.0, 7.375, 7.5),
        (2, "prep", 7.5, 7.5, 9.5),
        (1, "review", 2.0, 14.375, 14.5),
        (3, "prep", 14.5, 14.5, 16.5),
        (2, "review", 9.5, 21.375, 21.5),
        (4, "prep", 21.5, 21.5, 23.5),
    ]
    assert waiting_log(log, project) == [(3, "review", 16.5)]


def test_review_slots_limit_each_meeting():
    project = review_project(weekdays=[0, 3], slots=2, wip_limit=3, horizon_days=8.0)

    log = run(project)

    # Three experiments wait from Wednesday; Thursday's meeting takes two, Monday's the third.
    assert visit_log(log, project) == [
        (0, "prep", 0.0, 0.0, 2.0),
        (1, "prep", 0.0, 0.0, 2.0),
        (2, "prep", 0.0, 0.0, 2.0),
        (0, "review", 2.0, 3.375, 3.5),
        (1, "review", 2.0, 3.375, 3.5),
        (3, "prep", 3.5, 3.5, 7.5),
        (4, "prep", 3.5, 3.5, 7.5),
        (2, "review", 2.0, 7.375, 7.5),
        (5, "prep", 7.5, 7.5, 9.5),
    ]
    # Experiments 3 and 4 reach the review at Monday 12:00, after that day's meeting.
    assert waiting_log(log, project) == [(3, "review", 7.5), (4, "review", 7.5)]


# -- work in progress, pools, rework, early stopping, initial work ------------------------


def test_wip_limit_caps_experiments_in_flight():
    project = tiny_project([{"name": "work", "duration": fixed(1.0)}],
                           wip_limit=2, horizon_days=3.5)

    log = run(project)

    np.testing.assert_array_equal(log.started_at, [0, 0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(log.finished_at, [1, 1, 2, 2, 3, 3, np.nan, np.nan])
    assert log.outcome.tolist() == [ACTIONABLE] * 6 + [IN_PROGRESS] * 2


def test_stage_takes_several_units_of_pool():
    project = tiny_project(
        [{"name": "training", "pool": "gpus", "units": 4, "duration": fixed(1.0)}],
        [{"name": "gpus", "capacity": 8, "kind": "machine"}],
        wip_limit=3, horizon_days=2.5)
    timeline = Timeline.constant(project)

    log = run(timeline)

    # 8 GPUs fit two 4-GPU runs: the third experiment waits for one to end.
    assert visit_log(log, project) == [
        (0, "training", 0.0, 0.0, 1.0),
        (1, "training", 0.0, 0.0, 1.0),
        (2, "training", 0.0, 1.0, 2.0),
        (3, "training", 1.0, 1.0, 2.0),
        (4, "training", 1.0, 2.0, 3.0),
        (5, "training", 2.0, 2.0, 3.0),
    ]
    assert waiting_log(log, project) == [(6, "training", 2.0)]
    assert log.visits[:, 6].tolist() == [4.0] * 6
    # Busy 20 GPU-days out of 8 GPUs x 2.5 days.
    assert summarize(log, timeline, 0).pool_utilisation.tolist() == [1.0]


def test_rework_returns_to_named_stage():
    project = tiny_project([
        {"name": "a", "duration": fixed(1.0)},
        {"name": "b", "duration": fixed(1.0), "rework": {"probability": 0.5, "to_stage": "a"}},
        {"name": "c", "duration": fixed(1.0)},
    ], horizon_days=5.5)
    seed = 2
    # Seed 2 sends experiment 0 back after its first visit to b but not after its second.
    streams = ReplicationStreams(seed, 0, stage_count=3)
    assert streams.uniform(0, 1, 0, DRAW_REWORK) < 0.5
    assert streams.uniform(0, 1, 1, DRAW_REWORK) >= 0.5

    log = run(project, seed=seed)

    assert visit_log(log, project) == [
        (0, "a", 0.0, 0.0, 1.0),
        (0, "b", 1.0, 1.0, 2.0),
        (0, "a", 2.0, 2.0, 3.0),
        (0, "b", 3.0, 3.0, 4.0),
        (0, "c", 4.0, 4.0, 5.0),
        (1, "a", 5.0, 5.0, 6.0),
    ]


def test_early_stopping_ends_experiment_at_fraction():
    project = tiny_project(
        [{"name": "design", "duration": fixed(1.0)},
         {"name": "training", "pool": "gpus", "duration": fixed(4.0),
          "early_stopping": {"share": 1.0, "at_fraction": 0.25}},
         {"name": "report", "duration": fixed(1.0)}],
        [{"name": "gpus", "capacity": 1, "kind": "machine", "cost_per_hour": 2.0}],
        horizon_days=4.5)
    timeline = Timeline.constant(project)

    log = run(timeline)

    # Every run stops after a quarter of its 4 days and never reaches the report.
    assert visit_log(log, project) == [
        (0, "design", 0.0, 0.0, 1.0),
        (0, "training", 1.0, 1.0, 2.0),
        (1, "design", 2.0, 2.0, 3.0),
        (1, "training", 3.0, 3.0, 4.0),
        (2, "design", 4.0, 4.0, 5.0),
    ]
    assert log.outcome.tolist() == [STOPPED_EARLY, STOPPED_EARLY, IN_PROGRESS]
    # Only the day of GPU time used is paid: 1 day x 24 hours x $2.
    assert log.compute_cost.tolist() == [48.0, 48.0, 0.0]
    summary = summarize(log, timeline, 0)
    assert summary.completed == 2
    assert summary.stopped_early == 2
    assert summary.actionable == 0


def test_initial_work_starts_at_its_stage():
    project = tiny_project(
        [{"name": "a", "duration": fixed(1.0)},
         {"name": "b", "duration": fixed(1.0)},
         {"name": "c", "duration": fixed(1.0)}],
        wip_limit=3, horizon_days=3.5, initial_work=[{"stage": "b", "count": 2}])
    timeline = Timeline.constant(project)

    log = run(timeline)

    # Two experiments are at stage b on day 0 and take two of the three WIP places.
    assert visit_log(log, project) == [
        (0, "b", 0.0, 0.0, 1.0),
        (1, "b", 0.0, 0.0, 1.0),
        (2, "a", 0.0, 0.0, 1.0),
        (0, "c", 1.0, 1.0, 2.0),
        (1, "c", 1.0, 1.0, 2.0),
        (2, "b", 1.0, 1.0, 2.0),
        (2, "c", 2.0, 2.0, 3.0),
        (3, "a", 2.0, 2.0, 3.0),
        (4, "a", 2.0, 2.0, 3.0),
        (3, "b", 3.0, 3.0, 4.0),
        (4, "b", 3.0, 3.0, 4.0),
        (5, "a", 3.0, 3.0, 4.0),
    ]
    assert log.is_initial.tolist() == [True, True, False, False, False, False]
    summary = summarize(log, timeline, 0)
    assert summary.completed == 3
    # Work in progress at day 0 has no known start, so it has no cycle time.
    assert summary.cycle_times.tolist() == [3.0]


# -- phases: the model changing during the horizon ---------------------------------------


def test_visit_returns_units_it_took_after_phase_change():
    project = tiny_project(
        [{"name": "training", "pool": "gpus", "units": 4, "duration": fixed(1.0)}],
        [{"name": "gpus", "capacity": 8, "kind": "machine"}],
        wip_limit=4, horizon_days=3.5)
    fewer_units = replace(project, stages=(replace(project.stages[0], units=2),))
    timeline = Timeline(phases=(Phase(0.0, project), Phase(0.5, fewer_units)))

    log = run(timeline)

    # Experiments 2 and 3 requested 4 GPUs before the change to 2 at day 0.5: they get 4 at
    # day 1 and give 4 back at day 2, so from then on four 2-GPU runs fit at once.
    assert visit_log(log, project) == [
        (0, "training", 0.0, 0.0, 1.0),
        (1, "training", 0.0, 0.0, 1.0),
        (2, "training", 0.0, 1.0, 2.0),
        (3, "training", 0.0, 1.0, 2.0),
        (4, "training", 1.0, 2.0, 3.0),
        (5, "training", 1.0, 2.0, 3.0),
        (6, "training", 2.0, 2.0, 3.0),
        (7, "training", 2.0, 2.0, 3.0),
        (8, "training", 3.0, 3.0, 4.0),
        (9, "training", 3.0, 3.0, 4.0),
        (10, "training", 3.0, 3.0, 4.0),
        (11, "training", 3.0, 3.0, 4.0),
    ]
    assert log.visits[:, 6].tolist() == [4.0] * 4 + [2.0] * 8


def test_arrival_rate_follows_phases():
    project = tiny_project([{"name": "work", "duration": fixed(0.25)}],
                           demand={"kind": "poisson", "per_week": 7.0}, wip_limit=None,
                           horizon_days=60.0)
    doubled = replace(project, demand=replace(project.demand, per_week=14.0),
                      horizon_days=40.0)
    timeline = Timeline(phases=(Phase(0.0, replace(project, horizon_days=40.0)),
                                Phase(20.0, doubled)))

    constant_log, phased_log = run(project, seed=8), run(timeline, seed=8)

    # Both runs read the same unit-rate gaps. From day 20 they pass twice as fast, so an
    # arrival at day t > 20 of the constant run comes at 20 + (t - 20) / 2 instead.
    constant = constant_log.started_at
    expected = np.where(constant <= 20.0, constant, 20.0 + (constant - 20.0) / 2)
    expected = expected[expected < 40.0]
    assert len(expected) > 50
    np.testing.assert_allclose(phased_log.started_at, expected, rtol=1e-12)


# -- costs --------------------------------------------------------------------------------


def test_costs_use_working_days_and_machine_hours():
    project = tiny_project(
        [{"name": "design", "pool": "scientists", "units": 2, "duration": fixed(3.0)},
         {"name": "training", "pool": "gpus", "units": 4, "duration": fixed(0.5)},
         {"name": "review", "duration": fixed(0.25)}],
        [{"name": "scientists", "capacity": 2, "cost_per_hour": 50.0},
         {"name": "gpus", "capacity": 8, "kind": "machine", "cost_per_hour": 2.5}],
        calendar=working_calendar(THURSDAY), horizon_days=6.0,
        fixed_cost_per_experiment=300.0)
    timeline = Timeline.constant(project)

    log = run(timeline)

    # Design spans five calendar days (Thursday to Tuesday 00:00) but only three working days.
    assert visit_log(log, project)[:3] == [
        (0, "design", 0.0, 0.0, 5.0),
        (0, "training", 5.0, 5.0, 5.5),
        (0, "review", 5.5, 5.5, 5.75),
    ]
    people = 3.0 * 8 * 2 * 50.0  # working days x hours per day x units x cost per hour
    machine = 0.5 * 24 * 4 * 2.5  # days x 24 hours x units x cost per hour
    assert log.visits[:3, 7].tolist() == [people, machine, 0.0]
    assert log.people_cost[0] == people
    assert log.compute_cost[0] == machine
    assert log.fixed_cost[0] == 300.0
    summary = summarize(log, timeline, 0)
    assert summary.completed == 1
    assert summary.cost_per_experiment == people + machine + 300.0


# -- determinism and common random numbers -------------------------------------------------


def test_same_seed_same_numbers_with_any_workers():
    project = load_project(EXAMPLE)

    one = ReplicationRunner(workers=1).run(project, replications=12, seed=5)
    with ReplicationRunner(workers=2) as runner:
        two = runner.run(project, replications=12, seed=5)
        other_seed = runner.run(project, replications=12, seed=6)

    pandas.testing.assert_frame_equal(one.per_replication, two.per_replication)
    np.testing.assert_array_equal(one.cycle_times, two.cycle_times)
    for a, b in zip(one.summaries, two.summaries):
        np.testing.assert_array_equal(a.completion_days, b.completion_days)
        np.testing.assert_array_equal(a.stage_waiting_days, b.stage_waiting_days)
    assert not one.per_replication.equals(other_seed.per_replication)


def test_same_seed_same_event_log():
    timeline = Timeline.constant(load_project(EXAMPLE))

    first = simulate_replication(timeline, 9, 3)
    second = simulate_replication(timeline, 9, 3)

    np.testing.assert_array_equal(first.visits, second.visits)
    np.testing.assert_array_equal(first.finished_at, second.finished_at)


def crn_project(review: dict) -> Project:
    return tiny_project(
        [{"name": "design", "pool": "scientists",
          "duration": {"kind": "exponential", "mean": 0.5}},
         {"name": "training", "pool": "gpus", "units": 4,
          "duration": {"kind": "lognormal", "median": 0.6, "p90": 1.5}},
         {"name": "review", "duration": review}],
        [{"name": "scientists", "capacity": 2}, {"name": "gpus", "capacity": 8,
                                                 "kind": "machine"}],
        demand={"kind": "poisson", "per_week": 14.0}, wip_limit=4, horizon_days=60.0)


def stage_durations(log, stage: int) -> dict[int, float]:
    """Return the first visit's duration per experiment (calendar off: finish - start)."""
    durations = {}
    for experiment, visit_stage, _, started_at, finished_at, *_ in log.visits.tolist():
        if visit_stage == stage:
            durations.setdefault(int(experiment), finished_at - started_at)
    return durations


def test_variants_share_draws_of_earlier_stages():
    base = crn_project({"kind": "triangular", "min": 0.2, "likely": 0.4, "max": 1.0})
    slower = crn_project({"kind": "triangular", "min": 0.4, "likely": 0.8, "max": 2.0})

    base_log, slower_log = run(base, seed=3), run(slower, seed=3)

    # The slower review keeps WIP places longer, so later experiments start at other times...
    base_starts = base_log.started_at[:len(slower_log.started_at)]
    assert np.any(base_starts != slower_log.started_at[:len(base_starts)])
    # ...but each experiment draws the same design and training durations in both variants,
    for stage in (0, 1):
        base_days = stage_durations(base_log, stage)
        slower_days = stage_durations(slower_log, stage)
        common = sorted(base_days.keys() & slower_days.keys())
        assert len(common) > 50
        np.testing.assert_allclose([base_days[e] for e in common],
                                   [slower_days[e] for e in common], rtol=1e-12)
    # ...and the doubled review reads the same uniforms, so its durations double exactly.
    base_days, slower_days = stage_durations(base_log, 2), stage_durations(slower_log, 2)
    common = sorted(base_days.keys() & slower_days.keys())
    np.testing.assert_allclose([2 * base_days[e] for e in common],
                               [slower_days[e] for e in common], rtol=1e-12)


def test_arrival_times_do_not_depend_on_stages():
    # Without a WIP limit an experiment starts when it arrives. Arrivals come from their own
    # stream, apart from the duration draws, so a slower stage leaves them unchanged.
    fast = tiny_project([{"name": "work", "duration": {"kind": "exponential", "mean": 0.2}}],
                        demand={"kind": "poisson", "per_week": 10.0}, wip_limit=None,
                        horizon_days=30.0)
    slow = tiny_project([{"name": "work", "duration": {"kind": "exponential", "mean": 3.0}}],
                        demand={"kind": "poisson", "per_week": 10.0}, wip_limit=None,
                        horizon_days=30.0)

    fast_log, slow_log = run(fast, seed=4), run(slow, seed=4)

    np.testing.assert_array_equal(fast_log.started_at, slow_log.started_at)
    assert len(fast_log.started_at) > 20
    assert not math.isnan(fast_log.started_at[-1])
