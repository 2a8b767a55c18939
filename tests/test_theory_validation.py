"""Validation of the engine against queueing theory (M/M/1 and M/M/c), not a regression test.

A one-stage project with Poisson demand, exponential service, one pool of ``c`` servers, no
work-in-progress limit and the calendar off is an M/M/c queue. Its mean wait in queue ``Wq``
and mean queue length ``Lq`` are known in closed form (Erlang C). Each scenario runs
independent replications on a long horizon, drops a warm-up period and takes one mean per
replication. The formula value must lie inside the Student t confidence interval built from
those means.

Eight intervals are checked (``Wq`` and ``Lq`` for four scenarios), so each is a Bonferroni
interval at level ``1 - 0.05 / 8``: the chance that any of the eight misses its true value
by chance is at most 5%. Seeds are fixed, so a run either always passes or always fails.
"""

from __future__ import annotations

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np
import pytest
from scipy import stats

from simulation.engine import simulate_replication
from simulation.metrics import FINISHED_AT, QUEUED_AT, STARTED_AT
from simulation.runner import ReplicationRunner
from simulation.timeline import Timeline
from simulation.validation import parse_project

pytestmark = pytest.mark.validation

FAMILY_CONFIDENCE = 0.95
CHECKED_INTERVALS = 8  # Wq and Lq for each of the four scenarios
INTERVAL_CONFIDENCE = 1 - (1 - FAMILY_CONFIDENCE) / CHECKED_INTERVALS
SERVICE_MEAN_DAYS = 1.0
# The relaxation time of an M/M/1 queue is 1 / (mu * (1 - sqrt(rho))^2), about 89 service
# times at rho = 0.8 and less for every other scenario here. Dropping the first 500 days
# (more than five relaxation times) makes the bias from starting empty negligible next to
# the interval width.
WARMUP_DAYS = 500.0
# Only experiments that arrive before ``horizon - TAIL_DAYS`` are measured, so that every one
# of them has started service by the horizon and no wait is cut short. P(Wq > 200 days) is
# below exp(-40) in every scenario.
TAIL_DAYS = 200.0
# Little's law is exact on a sample path except for the experiments present at the window's
# two edges. Pooled over every replication their share of the total queue time stayed
# below 0.05% in pilot runs at nine other seeds, so 1% leaves a wide margin.
LITTLE_RELATIVE_TOLERANCE = 0.01
# The intervals must also be narrow, or a passing check would prove little: a half-width
# above 15% of the formula value fails the test. Pilot runs at nine other seeds gave 3.5-8%.
MAX_RELATIVE_HALF_WIDTH = 0.15
WORKERS = 2


@dataclass(frozen=True)
class Scenario:
    name: str
    servers: int
    utilisation: float
    horizon_days: float
    replications: int
    seed: int

    @property
    def arrivals_per_day(self) -> float:
        return self.servers * self.utilisation / SERVICE_MEAN_DAYS


# Horizons are chosen so that every interval's half-width is about 4-8% of the formula value.
SCENARIOS = (
    Scenario("M/M/1 rho=0.5", 1, 0.5, 12_000.0, 20, 101),
    Scenario("M/M/1 rho=0.8", 1, 0.8, 24_000.0, 20, 102),
    Scenario("M/M/3 rho=0.5", 3, 0.5, 9_000.0, 20, 103),
    Scenario("M/M/3 rho=0.8", 3, 0.8, 10_000.0, 20, 104),
)


def erlang_c(servers: int, offered_load: float) -> float:
    """Return the probability that an arrival waits in an M/M/c queue (Erlang C).

    ``offered_load`` is lambda / mu and must be below ``servers``.
    """
    below = sum(offered_load**k / math.factorial(k) for k in range(servers))
    top = offered_load**servers / math.factorial(servers) * servers / (servers - offered_load)
    return top / (below + top)


def theoretical_wq_lq(scenario: Scenario) -> tuple[float, float]:
    """Return the M/M/c mean wait in queue (days) and mean number waiting."""
    mu = 1.0 / SERVICE_MEAN_DAYS
    lam = scenario.arrivals_per_day
    wq = erlang_c(scenario.servers, lam / mu) / (scenario.servers * mu - lam)
    return wq, lam * wq


def mmc_project(scenario: Scenario) -> Timeline:
    project = parse_project({
        "schema_version": 1,
        "name": scenario.name,
        "horizon_days": scenario.horizon_days,
        "calendar": {"enabled": False},
        "demand": {"kind": "poisson", "per_week": 7.0 * scenario.arrivals_per_day},
        "pools": [{"name": "servers", "capacity": scenario.servers}],
        "stages": [{
            "name": "service",
            "pool": "servers",
            "duration": {"kind": "exponential", "mean": SERVICE_MEAN_DAYS},
        }],
    })
    return Timeline.constant(project)


@dataclass(frozen=True)
class WindowStatistics:
    """What one replication shows between the warm-up cut and ``horizon - TAIL_DAYS``."""

    window_days: float
    arrivals: int
    total_wait_days: float  # summed over the arrivals in the window
    total_sojourn_days: float
    queue_area: float  # integral of the number waiting over the window
    system_area: float  # integral of the number waiting or in service over the window
    unstarted_in_window: int  # arrivals in the window still waiting at the horizon

    @property
    def mean_wait_days(self) -> float:
        return self.total_wait_days / self.arrivals

    @property
    def mean_queue_length(self) -> float:
        return self.queue_area / self.window_days


def _overlap(begin: np.ndarray, end: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.clip(np.minimum(end, high) - np.maximum(begin, low), 0.0, None)


def window_statistics(timeline: Timeline, seed: int, replication: int) -> WindowStatistics:
    """Run one replication and reduce its log to the window figures (runs in a worker)."""
    log = simulate_replication(timeline, seed, replication)
    low, high = WARMUP_DAYS, log.horizon_days - TAIL_DAYS
    queued = log.visits[:, QUEUED_AT]
    started = log.visits[:, STARTED_AT]
    finished = log.visits[:, FINISHED_AT]
    arrived = (queued >= low) & (queued < high)
    return WindowStatistics(
        window_days=high - low,
        arrivals=int(arrived.sum()),
        total_wait_days=float((started - queued)[arrived].sum()),
        total_sojourn_days=float((finished - queued)[arrived].sum()),
        queue_area=float(_overlap(queued, started, low, high).sum()),
        system_area=float(_overlap(queued, finished, low, high).sum()),
        unstarted_in_window=int((log.waiting[:, 2] < high).sum()),
    )


@pytest.fixture(scope="module")
def workers():
    # NOTE: spawned workers import this module by name to find ``window_statistics``. That
    # works with pytest's default import mode (prepend), not with ``--import-mode=importlib``.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(WORKERS, mp_context=context) as executor:
        yield executor


@pytest.fixture(scope="module")
def scenario_statistics(workers) -> dict[str, list[WindowStatistics]]:
    """Submit every replication of every scenario at once, so both workers stay busy."""
    futures = {}
    for scenario in SCENARIOS:
        timeline = mmc_project(scenario)
        futures[scenario.name] = [
            workers.submit(window_statistics, timeline, scenario.seed, replication)
            for replication in range(scenario.replications)
        ]
    return {name: [future.result() for future in pending] for name, pending in futures.items()}


def t_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Return the mean and half-width of a Student t interval for the mean of ``values``."""
    count = len(values)
    half_width = (stats.t.ppf(0.5 + confidence / 2, count - 1)
                  * values.std(ddof=1) / math.sqrt(count))
    return float(values.mean()), float(half_width)


def test_erlang_c_matches_textbook_values():
    # M/M/1: an arrival waits with probability rho.
    assert erlang_c(1, 0.8) == pytest.approx(0.8)
    # c = 2, a = 1: P(wait) = (1/2 * 2) / (1 + 1 + 1) = 1/3.
    assert erlang_c(2, 1.0) == pytest.approx(1 / 3)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_mean_wait_in_queue_matches_erlang_c(scenario, scenario_statistics):
    per_replication = scenario_statistics[scenario.name]
    assert all(s.unstarted_in_window == 0 for s in per_replication)
    waits = np.array([s.mean_wait_days for s in per_replication])
    wq, _ = theoretical_wq_lq(scenario)

    mean, half_width = t_interval(waits, INTERVAL_CONFIDENCE)

    assert mean - half_width <= wq <= mean + half_width, (
        f"{scenario.name}: Wq = {wq:.4f} days outside {mean:.4f} +/- {half_width:.4f}")
    assert half_width <= MAX_RELATIVE_HALF_WIDTH * wq


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_mean_queue_length_matches_erlang_c(scenario, scenario_statistics):
    per_replication = scenario_statistics[scenario.name]
    lengths = np.array([s.mean_queue_length for s in per_replication])
    _, lq = theoretical_wq_lq(scenario)

    mean, half_width = t_interval(lengths, INTERVAL_CONFIDENCE)

    assert mean - half_width <= lq <= mean + half_width, (
        f"{scenario.name}: Lq = {lq:.4f} outside {mean:.4f} +/- {half_width:.4f}")
    assert half_width <= MAX_RELATIVE_HALF_WIDTH * lq


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_littles_law_holds_on_output(scenario, scenario_statistics):
    per_replication = scenario_statistics[scenario.name]
    window_days = sum(s.window_days for s in per_replication)
    arrivals_per_day = sum(s.arrivals for s in per_replication) / window_days
    arrivals = sum(s.arrivals for s in per_replication)

    queue_length = sum(s.queue_area for s in per_replication) / window_days
    mean_wait = sum(s.total_wait_days for s in per_replication) / arrivals
    in_system = sum(s.system_area for s in per_replication) / window_days
    mean_sojourn = sum(s.total_sojourn_days for s in per_replication) / arrivals

    assert queue_length == pytest.approx(arrivals_per_day * mean_wait,
                                         rel=LITTLE_RELATIVE_TOLERANCE)
    assert in_system == pytest.approx(arrivals_per_day * mean_sojourn,
                                      rel=LITTLE_RELATIVE_TOLERANCE)


def test_fixed_durations_give_identical_replications():
    # A backlog with a work-in-progress limit of 1 and fixed durations has no randomness
    # left: experiment k finishes at exactly k * 0.75 days in every replication.
    project = parse_project({
        "schema_version": 1,
        "name": "deterministic line",
        "horizon_days": 10.1,
        "calendar": {"enabled": False},
        "demand": {"kind": "backlog"},
        "wip_limit": 1,
        "pools": [{"name": "gpus", "capacity": 8, "kind": "machine"}],
        "stages": [
            {"name": "design", "duration": {"kind": "fixed", "value": 0.5}},
            {"name": "training", "pool": "gpus", "units": 4,
             "duration": {"kind": "fixed", "value": 0.25}},
        ],
    })

    result = ReplicationRunner(workers=1).run(project, replications=20, seed=7)

    expected_days = np.arange(1, 14) * 0.75
    for summary in result.summaries:
        np.testing.assert_array_equal(summary.completion_days, expected_days)
        np.testing.assert_array_equal(summary.cycle_times, np.full(13, 0.75))
    assert result.per_replication["completed"].var() == 0.0
    assert result.per_replication["cycle_time_mean_days"].var() == 0.0
