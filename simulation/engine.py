"""One replication of the pipeline as a SimPy model.

Each experiment is a SimPy process that walks the stages in order. A pool is a
``UnitPool`` whose level is the number of free units, so a stage can take several units at
once (training on 4 GPUs); requests are served first come, first served. Waiting is never
entered by the user: it emerges from pools, review meetings and the work-in-progress limit.
Every stage visit is logged; the metrics derive from that log.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from dataclasses import dataclass

import numpy as np
import simpy
from simpy.events import PENDING

from simulation.calendar import DAYS_PER_WEEK, WorkingClock, start_weekday
from simulation.distributions import quantile
from simulation.model import Project
from simulation.streams import (
    DRAW_ACTIONABLE,
    DRAW_EARLY_STOP,
    DRAW_REWORK,
    EXPERIMENTS_PER_BLOCK,
    MAX_VISITS,
    ReplicationStreams,
)
from simulation.timeline import Timeline

HOURS_PER_DAY = 24.0

# Distributions whose durations are computed one visit column at a time, when first needed.
# PERT's quantile (an iterative inverse of the incomplete beta function) costs about ten
# times the others per value, and most of a block's values are never used. Each value is
# computed on its own, so a column gives the same numbers as the whole table would.
LAZY_KINDS = frozenset({"pert"})

# Experiment outcomes in the log.
IN_PROGRESS, ACTIONABLE, NOT_ACTIONABLE, STOPPED_EARLY = range(4)


class _UnitRequest(simpy.Event):
    """A request to take (or return) ``units`` of a ``UnitPool``."""

    def __init__(self, env: simpy.Environment, units: int, callback):
        # Inlined ``Event.__init__``, as SimPy itself does for ``Timeout``.
        self.env = env
        self.callbacks = [] if callback is None else [callback]
        self._value = PENDING
        self.units = units


class UnitPool:
    """Free units of a pool, or free work-in-progress places, taken first come, first served.

    It behaves as ``simpy.Container`` with whole units: ``get`` and ``put`` return events, a
    waiting request at the head of the queue blocks the ones behind it, and returned units
    are handed on when the put event is processed. It schedules the same events in the same
    order as ``Container``, so results are identical, but without SimPy's generic resource
    machinery: that machinery was about a fifth of a replication's time in a cProfile of
    the bundled example.

    Every visit returns the units it took, so a put can only wait for room when a phase
    lowered the capacity. ``capacity_varies`` is true when some phase does.
    """

    __slots__ = ("env", "capacity", "level", "_gets", "_puts", "_after_get")

    def __init__(self, env: simpy.Environment, capacity: int, level: int,
                 capacity_varies: bool = True):
        self.env = env
        self.capacity = capacity
        self.level = level
        self._gets: deque[_UnitRequest] = deque()
        self._puts: deque[_UnitRequest] = deque()
        # As with Container, a processed get retries the waiting puts, which only exist when
        # the capacity varies; without them the retry would do nothing.
        self._after_get = self._serve_puts if capacity_varies else None

    def get(self, units: int) -> simpy.Event:
        request = _UnitRequest(self.env, units, self._after_get)
        self._gets.append(request)
        self._serve_gets()
        return request

    def put(self, units: int) -> simpy.Event:
        request = _UnitRequest(self.env, units, self._serve_gets)
        if self._puts or units > self.capacity - self.level:
            self._puts.append(request)
            self._serve_puts()
        else:
            self.level += units
            request._ok = True
            request._value = None
            self.env.schedule(request)
        return request

    def _serve_gets(self, _processed: simpy.Event | None = None) -> None:
        gets = self._gets
        while gets and gets[0].units <= self.level:
            request = gets.popleft()
            self.level -= request.units
            request._ok = True
            request._value = None
            self.env.schedule(request)

    def _serve_puts(self, _processed: simpy.Event | None = None) -> None:
        puts = self._puts
        while puts and puts[0].units <= self.capacity - self.level:
            request = puts.popleft()
            self.level += request.units
            request._ok = True
            request._value = None
            self.env.schedule(request)


@dataclass(frozen=True)
class StageRule:
    """A stage of one phase, flattened for the hot path."""

    pool: int  # index into the pools, or -1 for a stage that needs no pool
    units: int
    on_working_clock: bool
    is_review: bool
    rework_probability: float
    rework_to: int
    early_share: float
    early_fraction: float
    cost_per_day: float  # of duration, for all units together
    is_compute: bool


@dataclass(frozen=True)
class PhaseRules:
    start_at: float
    stages: tuple[StageRule, ...]
    capacities: tuple[int, ...]
    wip_limit: int | None
    review_weekdays: tuple[tuple[int, ...], ...]
    review_slots: tuple[int, ...]
    review_hour: tuple[float, ...]
    actionable_probability: float
    fixed_cost: float


def compile_phase(start_at: float, project: Project) -> PhaseRules:
    pool_index = {pool.name: index for index, pool in enumerate(project.pools)}
    hours_per_work_day = project.calendar.hours_per_day
    rules = []
    for stage in project.stages:
        pool = project.pool_named(stage.pool) if stage.pool else None
        is_machine = pool is not None and pool.kind == "machine"
        hours = HOURS_PER_DAY if is_machine else hours_per_work_day
        rules.append(StageRule(
            pool=pool_index[stage.pool] if pool else -1,
            units=stage.units,
            on_working_clock=not is_machine,
            is_review=stage.review is not None,
            rework_probability=stage.rework.probability if stage.rework else 0.0,
            rework_to=project.stage_index(stage.rework.to_stage) if stage.rework else -1,
            early_share=stage.early_stopping.share if stage.early_stopping else 0.0,
            early_fraction=stage.early_stopping.at_fraction if stage.early_stopping else 1.0,
            cost_per_day=stage.units * hours * pool.cost_per_hour if pool else 0.0,
            is_compute=is_machine,
        ))
    return PhaseRules(
        start_at=start_at,
        stages=tuple(rules),
        capacities=tuple(pool.capacity for pool in project.pools),
        wip_limit=project.wip_limit,
        review_weekdays=tuple(s.review.weekdays if s.review else () for s in project.stages),
        review_slots=tuple(s.review.slots if s.review else 0 for s in project.stages),
        review_hour=tuple(s.review.hour if s.review else 0.0 for s in project.stages),
        actionable_probability=project.actionable_probability,
        fixed_cost=project.fixed_cost_per_experiment,
    )


@dataclass
class ReplicationLog:
    """What happened in one replication; times are days since the start of the horizon.

    ``visits`` has one row per started stage visit: experiment, stage, queued_at, started_at,
    finished_at, pool, units, cost. ``finished_at`` may lie beyond the horizon.
    ``waiting`` has one row per visit still waiting at the horizon: experiment, stage,
    queued_at. Per experiment: ``started_at``, ``finished_at`` (NaN while in progress),
    ``outcome``, ``is_initial`` (in progress at day 0), ``compute_cost``, ``people_cost``,
    ``fixed_cost``.
    """

    horizon_days: float
    visits: np.ndarray
    waiting: np.ndarray
    started_at: np.ndarray
    finished_at: np.ndarray
    outcome: np.ndarray
    is_initial: np.ndarray
    compute_cost: np.ndarray
    people_cost: np.ndarray
    fixed_cost: np.ndarray
    holds: np.ndarray  # pool, units, started_at, finished_at


class Replication:
    """Builds and runs one replication of a timeline."""

    def __init__(self, timeline: Timeline, seed: int, replication: int):
        self.timeline = timeline
        project = timeline.baseline
        self.horizon = project.horizon_days
        self.env = simpy.Environment()
        self.clock = WorkingClock(project.calendar)
        self.start_weekday = start_weekday(project.calendar)
        self.phases = [compile_phase(p.start_at, p.project) for p in timeline.phases]
        self.phase_index = 0
        self.rules = self.phases[0]
        self.stage_count = len(project.stages)
        self._phase_starts = [phase.start_at for phase in timeline.phases]
        # NOTE: the demand kind is the baseline's; later phases change only the Poisson rate.
        self._mean_gap_days = ([7.0 / _poisson_rate(phase.project, project)
                                for phase in timeline.phases]
                               if project.demand.kind == "poisson" else [])
        self.streams = ReplicationStreams(seed, replication, self.stage_count)
        self._duration_tables: dict[tuple[int, int], list[np.ndarray]] = {}
        self._quantile_cache: dict[tuple, np.ndarray] = {}
        self._init_pools()
        self._init_records()

    def _init_pools(self) -> None:
        env = self.env
        pool_count = len(self.rules.capacities)
        most = [max(phase.capacities[i] for phase in self.phases) for i in range(pool_count)]
        varies = [len({phase.capacities[i] for phase in self.phases}) > 1
                  for i in range(pool_count)]
        self.pools = [UnitPool(env, capacity=max(top, 1), level=first, capacity_varies=vary)
                      for top, first, vary in zip(most, self.rules.capacities, varies)]
        limits = [phase.wip_limit for phase in self.phases]
        if limits[0] is None:
            self.wip = None
        else:
            top = max(limit or 0 for limit in limits)
            self.wip = UnitPool(env, capacity=top, level=limits[0],
                                capacity_varies=len(set(limits)) > 1)
        self.review_queues = [deque() for _ in range(self.stage_count)]

    def _init_records(self) -> None:
        self.visits: list[tuple] = []
        self.waiting: dict[int, tuple[int, float]] = {}
        self.started_at: list[float] = []
        self.finished_at: list[float] = []
        self.outcome: list[int] = []
        self.is_initial: list[bool] = []
        self.costs: list[list[float]] = []
        self.hold_records: list[tuple] = []

    # -- running -------------------------------------------------------------------------

    def run(self) -> ReplicationLog:
        env = self.env
        for index in range(1, len(self.phases)):
            env.process(self._switch_phase(index))
        self.meeting_processes = {}
        for stage, weekdays in enumerate(self.rules.review_weekdays):
            if weekdays or any(phase.review_weekdays[stage] for phase in self.phases):
                self.meeting_processes[stage] = env.process(self._meetings(stage))
        for hold in self.timeline.holds:
            env.process(self._hold(hold))
        self._start_initial_work()
        if self.timeline.baseline.demand.kind == "poisson":
            env.process(self._poisson_arrivals())
        else:
            env.process(self._backlog())
        # NOTE: SimPy stops before the events at exactly the horizon, so an experiment that
        # finishes at that instant counts as in progress. It matters only for fixed durations.
        env.run(until=self.horizon)
        return self._log()

    def _new_experiment(self, is_initial: bool) -> int:
        self.started_at.append(np.nan)
        self.finished_at.append(np.nan)
        self.outcome.append(IN_PROGRESS)
        self.is_initial.append(is_initial)
        self.costs.append([0.0, 0.0, 0.0])
        return len(self.outcome) - 1

    def _start_initial_work(self) -> None:
        project = self.timeline.baseline
        for work in project.initial_work:
            first_stage = project.stage_index(work.stage)
            for _ in range(work.count):
                experiment = self._new_experiment(is_initial=True)
                if self.wip is not None:
                    self.wip.get(1)
                self.env.process(self._experiment(experiment, first_stage, holds_wip=True))

    def _poisson_arrivals(self):
        env = self.env
        while True:
            yield env.timeout(self._next_arrival_delay(env.now))
            experiment = self._new_experiment(is_initial=False)
            env.process(self._experiment(experiment, 0, holds_wip=False))

    def _next_arrival_delay(self, now: float) -> float:
        """Return the days to the next Poisson arrival, at the rate of each phase it spans.

        A gap of the unit-rate stream is spent at one phase's rate up to the next phase's
        start, and the rest at the next rate (a time change). The arrivals thus form a
        Poisson process whose rate steps at the phase starts.
        """
        gap = self.streams.next_arrival_gap()
        starts = self._phase_starts
        index = bisect_right(starts, now) - 1
        delay = gap * self._mean_gap_days[index]
        segment_start = now
        while index + 1 < len(starts) and now + delay > starts[index + 1]:
            boundary = starts[index + 1]
            gap -= (boundary - segment_start) / self._mean_gap_days[index]
            index += 1
            segment_start = boundary
            delay = boundary - now + gap * self._mean_gap_days[index]
        return delay

    def _backlog(self):
        while True:
            yield self.wip.get(1)
            experiment = self._new_experiment(is_initial=False)
            self.env.process(self._experiment(experiment, 0, holds_wip=True))

    def _experiment(self, experiment: int, stage: int, holds_wip: bool):
        env = self.env
        if not holds_wip and self.wip is not None:
            yield self.wip.get(1)
        self.started_at[experiment] = env.now
        stage_count = self.stage_count
        visits = [0] * stage_count
        costs = self.costs[experiment]
        # Bound once: this loop runs for every stage visit of every replication.
        waiting = self.waiting
        pools = self.pools
        streams = self.streams
        finish_at = self.clock.finish_at
        log_visit = self.visits.append
        outcome = None
        while stage < stage_count:
            visit = visits[stage]
            visits[stage] = visit + 1
            queued_at = env.now
            waiting[experiment] = (stage, queued_at)
            rule = self.rules.stages[stage]
            if rule.is_review:
                slot = env.event()
                self.review_queues[stage].append(slot)
                yield slot
                rule = self.rules.stages[stage]
            # A visit keeps the pool and units it requested even if a new phase starts while
            # it waits, so that it returns exactly what it took.
            pool, units = rule.pool, rule.units
            if pool >= 0:
                yield pools[pool].get(units)
                rule = self.rules.stages[stage]
            del waiting[experiment]
            started_at = env.now
            duration = self._duration(experiment, stage, visit)
            stopped = (rule.early_share > 0 and streams.uniform(
                experiment, stage, visit, DRAW_EARLY_STOP) < rule.early_share)
            if stopped:
                duration *= rule.early_fraction
            finished_at = (finish_at(started_at, duration) if rule.on_working_clock
                           else started_at + duration)
            cost_per_day = rule.cost_per_day
            if units != rule.units:
                cost_per_day = cost_per_day / rule.units * units
            cost = cost_per_day * duration
            costs[0 if rule.is_compute else 1] += cost
            log_visit((experiment, stage, queued_at, started_at, finished_at, pool, units, cost))
            if finished_at > started_at:
                yield env.timeout(finished_at - started_at)
            if pool >= 0:
                pools[pool].put(units)
            if stopped:
                outcome = STOPPED_EARLY
                break
            if rule.rework_probability > 0 and streams.uniform(
                    experiment, stage, visit, DRAW_REWORK) < rule.rework_probability:
                stage = rule.rework_to
            else:
                stage += 1
        self._finish(experiment, outcome)

    def _finish(self, experiment: int, outcome: int | None) -> None:
        rules = self.rules
        if outcome is None:
            u = self.streams.uniform(experiment, self.stage_count - 1, 0, DRAW_ACTIONABLE)
            outcome = ACTIONABLE if u < rules.actionable_probability else NOT_ACTIONABLE
        self.outcome[experiment] = outcome
        self.finished_at[experiment] = self.env.now
        self.costs[experiment][2] = rules.fixed_cost
        if self.wip is not None:
            self.wip.put(1)

    def _duration(self, experiment: int, stage: int, visit: int) -> float:
        if visit >= MAX_VISITS:
            u = np.array([self.streams.uniform(experiment, stage, visit, 0)])
            distribution = self.timeline.phases[self.phase_index].project.stages[stage].duration
            return float(quantile(distribution, u)[0])
        block, row = divmod(experiment, EXPERIMENTS_PER_BLOCK)
        table = self._duration_tables.get((self.phase_index, block))
        if table is None:
            table = self._build_duration_table(block)
        column = table[stage][visit]
        if column is None:
            column = self._fill_duration_column(table[stage], block, stage, visit)
        return float(column[row])

    def _build_duration_table(self, block: int) -> list[list[np.ndarray | None]]:
        """Durations of the current phase for a block of experiments.

        One list per stage holds one array per visit, indexed by the experiment's row in the
        block. ``None`` marks a column not computed yet.
        """
        uniforms = self.streams.block(block)
        project = self.timeline.phases[self.phase_index].project
        table = []
        for stage_index, stage in enumerate(project.stages):
            key = (stage_index, block, stage.duration)
            columns = self._quantile_cache.get(key)
            if columns is None:
                if stage.duration.kind in LAZY_KINDS:
                    columns = [None] * MAX_VISITS
                else:
                    durations = quantile(stage.duration, uniforms[:, stage_index, :, 0])
                    columns = [durations[:, visit] for visit in range(MAX_VISITS)]
                self._quantile_cache[key] = columns
            table.append(columns)
        self._duration_tables[(self.phase_index, block)] = table
        return table

    def _fill_duration_column(self, columns: list, block: int, stage: int,
                              visit: int) -> np.ndarray:
        distribution = self.timeline.phases[self.phase_index].project.stages[stage].duration
        uniforms = self.streams.block(block)
        column = quantile(distribution, uniforms[:, stage, visit, 0])
        columns[visit] = column
        return column

    # -- the model changing over time ------------------------------------------------------

    def _switch_phase(self, index: int):
        env = self.env
        new = self.phases[index]
        yield env.timeout(new.start_at)
        old = self.rules
        self.phase_index = index
        self.rules = new
        for pool, (before, after) in enumerate(zip(old.capacities, new.capacities)):
            self._change_level(self.pools[pool], after - before)
        if self.wip is not None:
            self._change_level(self.wip, (new.wip_limit or 0) - (old.wip_limit or 0))
        for stage, process in self.meeting_processes.items():
            moved = (old.review_weekdays[stage] != new.review_weekdays[stage]
                     or old.review_hour[stage] != new.review_hour[stage])
            if moved and process.is_alive:
                process.interrupt("meeting schedule changed")

    def _change_level(self, container: UnitPool, delta: int) -> None:
        if delta > 0:
            container.put(delta)
        elif delta < 0:
            # Fewer units: take them out as they become free, behind the requests waiting now.
            container.get(-delta)

    def _hold(self, hold):
        env = self.env
        pool = [p.name for p in self.timeline.baseline.pools].index(hold.pool)
        yield env.timeout(hold.start_at)
        yield self.pools[pool].get(hold.units)
        started_at = env.now
        finished_at = self.clock.finish_at(started_at, hold.work_days)
        yield env.timeout(finished_at - started_at)
        self.pools[pool].put(hold.units)
        self.hold_records.append((pool, hold.units, started_at, finished_at))

    def _meetings(self, stage: int):
        """Serve a review stage's queue at each meeting; a phase switch reschedules it."""
        env = self.env
        while True:
            next_at = self._next_meeting_at(stage, env.now)
            try:
                if next_at is None:
                    yield env.event()  # no meetings in this phase: wait for the next one
                else:
                    yield env.timeout(next_at - env.now)
            except simpy.Interrupt:
                continue
            queue = self.review_queues[stage]
            for _ in range(min(self.rules.review_slots[stage], len(queue))):
                queue.popleft().succeed()

    def _next_meeting_at(self, stage: int, now: float) -> float | None:
        weekdays = self.rules.review_weekdays[stage]
        if not weekdays:
            return None
        hour = self.rules.review_hour[stage] / HOURS_PER_DAY
        day = int(now)
        for offset in range(DAYS_PER_WEEK + 1):
            candidate = day + offset
            if (candidate + self.start_weekday) % DAYS_PER_WEEK in weekdays:
                at = candidate + hour
                if at > now:
                    return at
        return None

    # -- results --------------------------------------------------------------------------

    def _log(self) -> ReplicationLog:
        costs = np.asarray(self.costs, dtype=float).reshape(-1, 3)
        waiting = [(experiment, stage, queued_at)
                   for experiment, (stage, queued_at) in self.waiting.items()]
        return ReplicationLog(
            horizon_days=self.horizon,
            visits=np.asarray(self.visits, dtype=float).reshape(-1, 8),
            waiting=np.asarray(waiting, dtype=float).reshape(-1, 3),
            started_at=np.asarray(self.started_at, dtype=float),
            finished_at=np.asarray(self.finished_at, dtype=float),
            outcome=np.asarray(self.outcome, dtype=np.int8),
            is_initial=np.asarray(self.is_initial, dtype=bool),
            compute_cost=costs[:, 0],
            people_cost=costs[:, 1],
            fixed_cost=costs[:, 2],
            holds=np.asarray(self.hold_records, dtype=float).reshape(-1, 4),
        )


def _poisson_rate(project: Project, baseline: Project) -> float:
    """Return the arrivals per week of ``project``, or the baseline's if it has no Poisson rate."""
    if project.demand.kind == "poisson" and project.demand.per_week > 0:
        return project.demand.per_week
    return baseline.demand.per_week


def simulate_replication(timeline: Timeline, seed: int, replication: int) -> ReplicationLog:
    """Run replication number ``replication`` of ``timeline`` with the run's ``seed``."""
    return Replication(timeline, seed, replication).run()
