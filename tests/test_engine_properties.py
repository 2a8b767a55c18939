"""Property tests (Hypothesis): invariants of one replication that hold for any valid project.

Projects are generated as documents and go through ``parse_project``, so every example is a
project a user could load. Example counts are small to keep the file to a few seconds.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.engine import IN_PROGRESS, simulate_replication
from simulation.metrics import (
    EXPERIMENT,
    FINISHED_AT,
    POOL,
    QUEUED_AT,
    STARTED_AT,
    UNITS,
    summarize,
)
from simulation.timeline import Timeline
from simulation.validation import parse_project

EXAMPLES = 25
# Sums of floating-point durations may differ from a difference of clock times in the last bits.
TIME_TOLERANCE = 1e-9
MAX_UNITS = 4
SETTINGS = settings(max_examples=EXAMPLES, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

days = st.floats(min_value=0.05, max_value=3.0, allow_nan=False)
capacities = st.integers(1, 6)


@st.composite
def durations(draw) -> dict:
    kind = draw(st.sampled_from(["fixed", "uniform", "triangular", "exponential", "lognormal"]))
    if kind == "fixed":
        return {"kind": "fixed", "value": draw(days)}
    if kind == "exponential":
        return {"kind": "exponential", "mean": draw(days)}
    if kind == "lognormal":
        median = draw(days)
        return {"kind": "lognormal", "median": median, "p90": median * draw(st.floats(1.1, 4.0))}
    low, likely, high = sorted(draw(st.lists(days, min_size=3, max_size=3)))
    if kind == "uniform":
        return {"kind": "uniform", "min": low, "max": high}
    return {"kind": "triangular", "min": low, "likely": likely, "max": high + 0.1}


@st.composite
def stage_documents(draw, index: int, pools: list[dict], with_reviews: bool) -> dict:
    stage = {"name": f"stage{index}", "duration": draw(durations())}
    if pools and draw(st.booleans()):
        pool = draw(st.sampled_from(pools))
        stage["pool"] = pool["name"]
        stage["units"] = draw(st.integers(1, min(MAX_UNITS, pool["capacity"])))
    if draw(st.integers(0, 3)) == 0:
        stage["rework"] = {"probability": draw(st.floats(0.0, 0.5)),
                           "to_stage": f"stage{draw(st.integers(0, index))}"}
    if draw(st.integers(0, 3)) == 0:
        stage["early_stopping"] = {"share": draw(st.floats(0.0, 1.0)),
                                   "at_fraction": draw(st.floats(0.0, 1.0))}
    if with_reviews and draw(st.integers(0, 3)) == 0:
        stage["review"] = {"weekdays": draw(st.lists(st.integers(0, 6), min_size=1,
                                                     max_size=3, unique=True)),
                           "slots": draw(st.integers(1, 3)),
                           "hour": draw(st.floats(0.0, 23.5))}
    return stage


@st.composite
def project_documents(draw, capacity: st.SearchStrategy[int] = capacities,
                      with_reviews: bool = True) -> dict:
    pools = [{"name": f"pool{index}", "capacity": draw(capacity),
              "kind": draw(st.sampled_from(["people", "machine"])),
              "cost_per_hour": draw(st.floats(0.0, 100.0))}
             for index in range(draw(st.integers(0, 3)))]
    stage_count = draw(st.integers(1, 4))
    stages = [draw(stage_documents(index, pools, with_reviews)) for index in range(stage_count)]
    document = {
        "schema_version": 1,
        "name": "generated",
        "horizon_days": draw(st.floats(5.0, 60.0)),
        "calendar": {"enabled": draw(st.booleans()),
                     "start_date": draw(st.sampled_from(["2027-01-04", "2027-01-07",
                                                         "2027-01-09"])),
                     "working_days_per_week": draw(st.integers(4, 7))},
        "pools": pools,
        "stages": stages,
        "fixed_cost_per_experiment": draw(st.floats(0.0, 500.0)),
    }
    if draw(st.booleans()):
        document["demand"] = {"kind": "backlog"}
        document["wip_limit"] = draw(st.integers(1, 6))
    else:
        document["demand"] = {"kind": "poisson", "per_week": draw(st.floats(0.5, 20.0))}
        document["wip_limit"] = draw(st.one_of(st.none(), st.integers(1, 6)))
    limit = document["wip_limit"] or 3
    count = draw(st.integers(0, limit))
    if count:
        stage = draw(st.integers(0, stage_count - 1))
        document["initial_work"] = [{"stage": f"stage{stage}", "count": count}]
    return document


def simulate(document: dict, seed: int):
    timeline = Timeline.constant(parse_project(document))
    return timeline, simulate_replication(timeline, seed, 0)


def peak_concurrent(begins: np.ndarray, ends: np.ndarray, weights: np.ndarray) -> float:
    """Return the peak of the summed weights of intervals [begin, end) active at once."""
    if len(begins) == 0:
        return 0.0
    times = np.concatenate([begins, ends])
    changes = np.concatenate([weights, -weights])
    # At equal times releases come first: a unit freed at t can be taken again at t.
    order = np.lexsort((changes, times))
    return float(np.cumsum(changes[order]).max())


seeds = st.integers(0, 2**32 - 1)
AMPLE_CAPACITY = 1000 * MAX_UNITS


@SETTINGS
@given(document=project_documents(capacity=st.just(AMPLE_CAPACITY), with_reviews=False),
       seed=seeds)
def test_ample_pools_mean_no_waiting(document, seed):
    # Room for 1000 experiments at once is far more than a 60-day horizon with at most 20
    # arrivals a week produces. Waiting could then only come from the WIP limit, and that
    # delays an experiment before its first stage is queued.
    _, log = simulate(document, seed)

    np.testing.assert_array_equal(log.visits[:, STARTED_AT], log.visits[:, QUEUED_AT])
    assert len(log.waiting) == 0


@SETTINGS
@given(document=project_documents(), seed=seeds)
def test_completions_never_exceed_arrivals(document, seed):
    timeline, log = simulate(document, seed)
    summary = summarize(log, timeline, 0)
    initial = sum(work["count"] for work in document.get("initial_work", []))

    assert int(log.is_initial.sum()) == initial
    assert summary.completed <= len(log.outcome)
    assert summary.completed == int((log.outcome != IN_PROGRESS).sum())
    started = ~np.isnan(log.started_at)
    finished = ~np.isnan(log.finished_at)
    assert np.all(started[finished])
    assert np.all(log.finished_at[finished] >= log.started_at[finished])


@SETTINGS
@given(document=project_documents(), seed=seeds)
def test_cycle_time_covers_active_time(document, seed):
    _, log = simulate(document, seed)
    visits = log.visits
    experiments = visits[:, EXPERIMENT].astype(np.int64)
    count = len(log.outcome)
    active = np.bincount(experiments, visits[:, FINISHED_AT] - visits[:, STARTED_AT], count)
    in_stages = np.bincount(experiments, visits[:, FINISHED_AT] - visits[:, QUEUED_AT], count)
    done = (log.outcome != IN_PROGRESS) & ~log.is_initial
    cycle_times = log.finished_at[done] - log.started_at[done]

    assert np.all(cycle_times >= active[done] - TIME_TOLERANCE)
    # Visits follow each other without gaps, so the cycle is their waiting plus active time.
    np.testing.assert_allclose(cycle_times, in_stages[done], atol=1e-6)


@SETTINGS
@given(document=project_documents(), seed=seeds)
def test_visit_times_are_ordered(document, seed):
    _, log = simulate(document, seed)
    visits = log.visits

    assert np.all(visits[:, STARTED_AT] >= visits[:, QUEUED_AT])
    assert np.all(visits[:, FINISHED_AT] >= visits[:, STARTED_AT])
    assert np.all(visits[:, QUEUED_AT] <= log.horizon_days)
    assert np.all(log.waiting[:, 2] <= log.horizon_days)


@SETTINGS
@given(document=project_documents(), seed=seeds)
def test_utilisation_within_unit_interval(document, seed):
    timeline, log = simulate(document, seed)

    utilisation = summarize(log, timeline, 0).pool_utilisation

    assert np.all(utilisation >= 0.0)
    assert np.all(utilisation <= 1.0 + TIME_TOLERANCE)


@SETTINGS
@given(document=project_documents(), seed=seeds)
def test_pools_never_exceed_capacity(document, seed):
    _, log = simulate(document, seed)
    visits = log.visits

    for index, pool in enumerate(document["pools"]):
        uses = visits[visits[:, POOL] == index]
        peak = peak_concurrent(uses[:, STARTED_AT], uses[:, FINISHED_AT], uses[:, UNITS])
        assert peak <= pool["capacity"]


@SETTINGS
@given(document=project_documents(), seed=seeds)
def test_wip_never_exceeds_limit(document, seed):
    _, log = simulate(document, seed)
    limit = document["wip_limit"]
    started = ~np.isnan(log.started_at)
    ends = np.where(np.isnan(log.finished_at), np.inf, log.finished_at)[started]

    peak = peak_concurrent(log.started_at[started], ends, np.ones(int(started.sum())))

    if limit is not None:
        assert peak <= limit
