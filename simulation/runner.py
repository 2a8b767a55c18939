"""Monte-Carlo replications in worker processes, with progress and cancellation.

Workers are started with the ``spawn`` method, never ``fork``: forking a process that holds
Qt state (the desktop application) is unsafe, and spawn behaves the same on every platform.
Results are ordered by replication index, so a seed gives the same numbers with any number
of workers.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import TYPE_CHECKING

from simulation.engine import simulate_replication
from simulation.metrics import ReplicationSummary, summarize
from simulation.model import Project
from simulation.timeline import Timeline

if TYPE_CHECKING:
    from simulation.results import SimulationResult

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


class RunCancelled(Exception):
    """The run was cancelled before all replications finished."""


def run_chunk(timeline: Timeline, seed: int, first: int, count: int) -> list[ReplicationSummary]:
    """Run replications ``first`` to ``first + count - 1``; the unit of work of a worker.

    ``timeline`` may also be a scenario plan, which draws a timeline for each replication.
    """
    summaries = []
    for replication in range(first, first + count):
        drawn = timeline.for_replication(seed, replication)
        log = simulate_replication(drawn, seed, replication)
        summaries.append(summarize(log, drawn, replication))
    return summaries


def default_workers() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


class ReplicationRunner:
    """Runs replications, in this process (``workers=1``) or in a pool of spawned workers.

    The pool starts on first use and is kept for later runs, because starting a worker costs
    far more than a replication. Call ``close`` (or use ``with``) to stop the workers.
    """

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> ReplicationRunner:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=True, cancel_futures=True)
                self._executor = None

    def start(self) -> None:
        """Start the worker processes now rather than at the first run."""
        if self.workers > 1:
            executor = self._pool()
            for future in [executor.submit(os.getpid) for _ in range(self.workers)]:
                future.result()

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                context = multiprocessing.get_context("spawn")
                self._executor = ProcessPoolExecutor(self.workers, mp_context=context,
                                                     initializer=_watch_parent,
                                                     initargs=(os.getpid(),))
            return self._executor

    def run(self, model: Project | Timeline, replications: int, seed: int,
            progress: ProgressCallback | None = None,
            cancel: threading.Event | None = None) -> SimulationResult:
        """Run ``replications`` replications; raise ``RunCancelled`` if ``cancel`` gets set."""
        timeline = Timeline.constant(model) if isinstance(model, Project) else model
        timeline.check_structure()
        if replications < 1:
            raise ValueError(f"replications must be >= 1 (got {replications})")
        chunks = _chunks(replications, self.workers)
        if self.workers == 1:
            summaries = self._run_here(timeline, seed, chunks, progress, cancel)
        else:
            summaries = self._run_in_workers(timeline, seed, chunks, progress, cancel)
        summaries.sort(key=lambda summary: summary.replication)
        logger.info("ran %d replications of %r with seed %d on %d workers", replications,
                    timeline.baseline.name, seed, self.workers)
        # Imported here: workers run replications only, and pandas would cost each of them
        # a quarter of a second at start-up.
        from simulation.results import SimulationResult

        return SimulationResult(timeline, summaries, seed)

    def _run_here(self, timeline, seed, chunks, progress, cancel) -> list[ReplicationSummary]:
        summaries: list[ReplicationSummary] = []
        total = sum(count for _, count in chunks)
        for first, count in chunks:
            if cancel is not None and cancel.is_set():
                raise RunCancelled()
            summaries += run_chunk(timeline, seed, first, count)
            if progress:
                progress(len(summaries), total)
        return summaries

    def _run_in_workers(self, timeline, seed, chunks, progress, cancel) -> list[ReplicationSummary]:
        executor = self._pool()
        total = sum(count for _, count in chunks)
        pending: set[Future] = {executor.submit(run_chunk, timeline, seed, first, count)
                                for first, count in chunks}
        summaries: list[ReplicationSummary] = []
        try:
            while pending:
                finished, pending = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                for future in finished:
                    summaries += future.result()
                if finished and progress:
                    progress(len(summaries), total)
                if cancel is not None and cancel.is_set():
                    raise RunCancelled()
        finally:
            for future in pending:
                future.cancel()
        return summaries


def _watch_parent(parent_pid: int) -> None:
    """Start a thread that ends this worker once its parent process is gone.

    A parent killed outright (SIGKILL, out of memory) never shuts its pool down, and the
    workers would otherwise idle on forever, holding the parent's stdout open.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _chunks(replications: int, workers: int) -> list[tuple[int, int]]:
    """Split replications into chunks: several per worker, for progress and balance."""
    size = max(1, min(50, replications // (workers * 4) or 1))
    return [(first, min(size, replications - first)) for first in range(0, replications, size)]


def run_simulation(model: Project | Timeline, replications: int = 200, seed: int = 1,
                   workers: int = 1, progress: ProgressCallback | None = None,
                   cancel: threading.Event | None = None) -> SimulationResult:
    """Run a simulation once, starting and stopping workers as needed."""
    with ReplicationRunner(workers) as runner:
        return runner.run(model, replications, seed, progress=progress, cancel=cancel)
