"""The project model: a team's experiment pipeline as plain, immutable Python objects.

Units: every duration is in days. A stage served by a people pool (or by no pool) takes
working days when the calendar is on; a stage served by a machine pool runs around the clock.
Points on the simulation clock are days since the start of the horizon and end in ``_at``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

SCHEMA_VERSION = 1

DistributionKind = Literal[
    "fixed", "uniform", "triangular", "pert", "lognormal", "exponential", "empirical"
]
PoolKind = Literal["people", "machine"]


@dataclass(frozen=True)
class Distribution:
    """A stage duration distribution in days; which fields are used depends on ``kind``.

    fixed: ``value``; uniform: ``min``/``max``; triangular and pert: ``min``/``likely``/``max``;
    lognormal: ``median``/``p90``; exponential: ``mean``; empirical: ``samples``.
    """

    kind: DistributionKind
    value: float | None = None
    min: float | None = None
    likely: float | None = None
    max: float | None = None
    median: float | None = None
    p90: float | None = None
    mean: float | None = None
    samples: tuple[float, ...] = ()

    def scaled(self, factor: float) -> Distribution:
        """Return the same shape with every duration multiplied by ``factor``."""

        def times(x: float | None) -> float | None:
            return None if x is None else x * factor

        return replace(
            self,
            value=times(self.value),
            min=times(self.min),
            likely=times(self.likely),
            max=times(self.max),
            median=times(self.median),
            p90=times(self.p90),
            mean=times(self.mean),
            samples=tuple(s * factor for s in self.samples),
        )


@dataclass(frozen=True)
class Pool:
    """A resource pool: people (headcount) or machines (for example GPUs)."""

    name: str
    capacity: int
    cost_per_hour: float = 0.0
    kind: PoolKind = "people"


@dataclass(frozen=True)
class ReviewMeetings:
    """A stage served only at meetings; weekdays count from 0 (Monday) to 6 (Sunday)."""

    weekdays: tuple[int, ...]
    slots: int
    hour: float = 10.0


@dataclass(frozen=True)
class Rework:
    """After the stage, with ``probability`` the experiment goes back to ``to_stage``."""

    probability: float
    to_stage: str


@dataclass(frozen=True)
class EarlyStopping:
    """A ``share`` of runs is found unpromising and stopped after ``at_fraction`` of the stage.

    A stopped experiment ends there: it counts as concluded, not as actionable.
    """

    share: float
    at_fraction: float


@dataclass(frozen=True)
class Stage:
    name: str
    duration: Distribution
    pool: str | None = None
    units: int = 1
    review: ReviewMeetings | None = None
    rework: Rework | None = None
    early_stopping: EarlyStopping | None = None


@dataclass(frozen=True)
class Calendar:
    """Working calendar; ``start_date`` is an ISO date and day 0 of the horizon."""

    enabled: bool = True
    start_date: str = "2027-01-04"
    working_days_per_week: int = 5
    hours_per_day: float = 8.0


@dataclass(frozen=True)
class Demand:
    """The source of new experiments.

    ``backlog``: the team always has a next hypothesis, so one starts whenever the
    work-in-progress limit allows. ``poisson``: hypotheses arrive at ``per_week`` on average.
    """

    kind: Literal["backlog", "poisson"] = "backlog"
    per_week: float = 0.0


@dataclass(frozen=True)
class InitialWork:
    """Experiments already in progress at day 0, each starting at ``stage``."""

    stage: str
    count: int


@dataclass(frozen=True)
class Goal:
    """A target evaluated over the last 30 days of the horizon; ``None`` fields are ignored."""

    experiments_per_month: float | None = 25.0
    cycle_time_p85_days: float | None = 5.0


@dataclass(frozen=True)
class Project:
    name: str
    stages: tuple[Stage, ...]
    pools: tuple[Pool, ...]
    demand: Demand = field(default_factory=Demand)
    wip_limit: int | None = None
    horizon_days: float = 90.0
    calendar: Calendar = field(default_factory=Calendar)
    initial_work: tuple[InitialWork, ...] = ()
    actionable_probability: float = 1.0
    fixed_cost_per_experiment: float = 0.0
    goal: Goal = field(default_factory=Goal)
    description: str = ""

    def stage_index(self, name: str) -> int:
        for index, stage in enumerate(self.stages):
            if stage.name == name:
                return index
        raise KeyError(name)

    def pool_named(self, name: str) -> Pool:
        for pool in self.pools:
            if pool.name == name:
                return pool
        raise KeyError(name)
