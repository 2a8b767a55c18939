"""Random streams of one replication, tied to the experiment and stage (common random numbers).

Replication ``r`` of a run with seed ``s`` draws from ``SeedSequence(s, spawn_key=(r, ...))``,
so its numbers do not depend on how replications are spread over worker processes. Within a
replication, experiment ``e`` visiting stage ``j`` for the ``k``-th time always reads the same
uniforms, whatever the other experiments do, so variants of a model are compared pairwise.
"""

from __future__ import annotations

import numpy as np

EXPERIMENTS_PER_BLOCK = 64
MAX_VISITS = 4
# Uniforms drawn per experiment, stage and visit; the column of each use:
DRAW_DURATION, DRAW_REWORK, DRAW_EARLY_STOP, DRAW_ACTIONABLE = range(4)
DRAWS_PER_VISIT = 4

STREAM_ARRIVALS = 0
STREAM_EXPERIMENTS = 1
STREAM_OVERFLOW = 2
STREAM_INTERVENTIONS = 3
ARRIVAL_CHUNK = 256


def generator(seed: int, replication: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(seed, spawn_key=(replication, *key))))


class ReplicationStreams:
    """Uniforms for the experiments of one replication, generated lazily in blocks."""

    def __init__(self, seed: int, replication: int, stage_count: int):
        self.seed = seed
        self.replication = replication
        self.stage_count = stage_count
        self._blocks: dict[int, np.ndarray] = {}
        self._arrivals = generator(seed, replication, STREAM_ARRIVALS)
        self._gaps = np.empty(0)
        self._next_gap = 0

    def block(self, block: int) -> np.ndarray:
        """Return uniforms shaped (experiment in block, stage, visit, draw)."""
        uniforms = self._blocks.get(block)
        if uniforms is None:
            rng = generator(self.seed, self.replication, STREAM_EXPERIMENTS, block)
            shape = (EXPERIMENTS_PER_BLOCK, self.stage_count, MAX_VISITS, DRAWS_PER_VISIT)
            uniforms = rng.random(shape)
            self._blocks[block] = uniforms
        return uniforms

    def uniform(self, experiment: int, stage: int, visit: int, draw: int) -> float:
        if visit < MAX_VISITS:
            block, row = divmod(experiment, EXPERIMENTS_PER_BLOCK)
            return float(self.block(block)[row, stage, visit, draw])
        # Rare: an experiment reworked more often than the block holds.
        rng = generator(self.seed, self.replication, STREAM_OVERFLOW,
                        experiment, stage, visit)
        return float(rng.random(DRAWS_PER_VISIT)[draw])

    def next_arrival_gap(self) -> float:
        """Return the next gap of a unit-rate Poisson process; scale it by the mean gap."""
        if self._next_gap >= len(self._gaps):
            self._gaps = self._arrivals.exponential(1.0, ARRIVAL_CHUNK)
            self._next_gap = 0
        gap = self._gaps[self._next_gap]
        self._next_gap += 1
        return float(gap)
