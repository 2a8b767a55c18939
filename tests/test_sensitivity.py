"""Tornado, work-in-progress sweep and goal seeking on small models with known results."""

import pytest

from simulation import parse_project
from simulation.interventions import InterventionError
from simulation.model import Goal
from simulation.runner import ReplicationRunner
from simulation.sensitivity import goal_seek, tornado, wip_sweep

SEED = 8


def backlog_project(gpus: int = 2, wip: int = 3):
    """A backlog team whose throughput is capped by the GPU pool (one day per training run)."""
    return parse_project({
        "schema_version": 1, "name": "Backlog team", "horizon_days": 60,
        "calendar": {"enabled": False},
        "demand": {"kind": "backlog"}, "wip_limit": wip,
        "pools": [{"name": "scientists", "capacity": 10},
                  {"name": "gpus", "capacity": gpus, "kind": "machine"}],
        "stages": [
            {"name": "design", "pool": "scientists",
             "duration": {"kind": "uniform", "min": 0.5, "max": 1.5}},
            {"name": "training", "pool": "gpus",
             "duration": {"kind": "exponential", "mean": 1.0}},
        ],
        "goal": {"experiments_per_month": 70, "cycle_time_p85_days": None},
    })


@pytest.fixture(scope="module")
def run():
    with ReplicationRunner(1) as runner:
        yield runner.run


def test_tornado_ranks_gpu_capacity_above_design_time(run):
    table = tornado(backlog_project(gpus=5, wip=12), run, replications=30, seed=SEED)
    order = table["parameter"].tolist()
    assert order.index("pools.gpus.capacity") < order.index("stages.design.duration")
    gpus = table.set_index("parameter").loc["stages.training.duration"]
    assert gpus["low_experiments_per_month"] > gpus["high_experiments_per_month"]


def test_wip_sweep_finds_knee_at_saturation(run):
    table, knee = wip_sweep(backlog_project(gpus=2), run, limits=range(1, 9), replications=30,
                            seed=SEED)
    rates = table["experiments_per_month"].tolist()
    assert rates[1] > rates[0] * 1.3, "a second experiment in flight must pay"
    assert 2 <= knee <= 6
    assert table["cycle_time_days"].iloc[-1] > table["cycle_time_days"].iloc[knee - 1]
    # Little's law on the sweep's own output: cycle time = WIP / throughput, within 10%.
    for row in table.itertuples():
        assert row.little_cycle_time_days == pytest.approx(row.cycle_time_days, rel=0.10)


def test_goal_seek_finds_smallest_gpu_count(run):
    outcome = goal_seek(backlog_project(gpus=1, wip=8), "pools.gpus.capacity", run,
                        probability=0.8, replications=30, seed=SEED)
    assert outcome.reached
    assert outcome.value == outcome.tried["value"].iloc[-1]
    assert outcome.tried["goal_probability"].iloc[:-1].max() < 0.8
    assert "pools.gpus.capacity =" in outcome.message


def test_goal_seek_reports_unreachable_goal(run):
    impossible = Goal(experiments_per_month=10_000, cycle_time_p85_days=None)
    outcome = goal_seek(backlog_project(), "wip_limit", run, goal=impossible, upper=5,
                        replications=10, seed=SEED)
    assert not outcome.reached
    assert outcome.message.startswith("the goal cannot be reached with 80% probability by "
                                      "wip_limit alone within 3 to 5")


def test_goal_seek_rejects_non_integer_setting(run):
    with pytest.raises(InterventionError, match="needs a whole-number setting"):
        goal_seek(backlog_project(), "stages.design.duration", run, replications=5)


def test_goal_seek_meetings_per_week(run):
    project = parse_project({
        "schema_version": 1, "name": "Review-bound team", "horizon_days": 90,
        "calendar": {"enabled": False},
        "demand": {"kind": "backlog"}, "wip_limit": 6,
        "pools": [{"name": "scientists", "capacity": 10}],
        "stages": [
            {"name": "design", "pool": "scientists",
             "duration": {"kind": "uniform", "min": 0.5, "max": 1.5}},
            {"name": "review", "duration": {"kind": "fixed", "value": 0.05},
             "review": {"weekdays": [2], "slots": 2}},
        ],
        "goal": {"experiments_per_month": 20, "cycle_time_p85_days": None},
    })
    outcome = goal_seek(project, "stages.review.review.meetings_per_week", run,
                        replications=10, seed=SEED)
    # Two slots a meeting: about 8.6 a month per weekly meeting, so three meetings are needed.
    assert outcome.reached
    assert outcome.value == 3
    assert outcome.tried["value"].tolist() == [1, 2, 3]


def test_tornado_moves_small_whole_numbers_by_one(run):
    project = backlog_project(gpus=2, wip=6)
    table = tornado(project, run, replications=10, seed=SEED).set_index("parameter")
    gpus = table.loc["pools.gpus.capacity"]
    assert gpus["low_experiments_per_month"] < gpus["high_experiments_per_month"]
