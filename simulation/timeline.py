"""A model that changes over the horizon: the baseline, then the variants that interventions
switch in at their start weeks, plus the pool time their rollout takes."""

from __future__ import annotations

from dataclasses import dataclass

from simulation.model import Project


@dataclass(frozen=True)
class Phase:
    """``project`` is in force from ``start_at`` (days) until the next phase starts."""

    start_at: float
    project: Project


@dataclass(frozen=True)
class PoolHold:
    """Pool time taken away from experiments, for example to roll out an intervention.

    ``work_days`` of effort by ``units`` members of ``pool`` starting at ``start_at``.
    """

    pool: str
    units: int
    start_at: float
    work_days: float
    label: str = ""


@dataclass(frozen=True)
class Timeline:
    phases: tuple[Phase, ...]
    holds: tuple[PoolHold, ...] = ()

    @classmethod
    def constant(cls, project: Project) -> Timeline:
        return cls(phases=(Phase(0.0, project),))

    def for_replication(self, seed: int, replication: int) -> Timeline:
        """Return the timeline a replication runs; a fixed timeline is the same for all."""
        return self

    @property
    def baseline(self) -> Project:
        return self.phases[0].project

    def check_structure(self) -> None:
        """Raise ``ValueError`` unless every phase has the same stages and pools in order."""
        first = self.baseline
        stage_names = [stage.name for stage in first.stages]
        pool_names = [pool.name for pool in first.pools]
        for phase in self.phases[1:]:
            if [stage.name for stage in phase.project.stages] != stage_names:
                raise ValueError(f"phase at day {phase.start_at:g} changes the stages")
            if [pool.name for pool in phase.project.pools] != pool_names:
                raise ValueError(f"phase at day {phase.start_at:g} changes the pools")
        starts = [phase.start_at for phase in self.phases]
        if starts[0] != 0 or starts != sorted(starts):
            raise ValueError("phases must start at day 0 and be in order")
