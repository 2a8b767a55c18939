"""Planning jobs off the GUI thread: roadmap proposals and projections, rankings, exports.

These jobs call the engine's planning functions (``propose_roadmap``, ``project_roadmap``,
``rank_interventions``, ``build_story``), which take a ``run(model, replications, seed)``
function. The jobs get one that runs the replications in this job thread, on a runner of
their own, so they do not queue behind the live runs of ``RunController``. Both share the
CPU, so a job slows a live run down while it works. One job
runs at a time; a newer job of the same kind cancels the older one, and every job can be
cancelled between two chunks of replications.

NOTE: a ``QThread`` with a worker object, as in ``run_controller``, rather than
``QThreadPool`` runnables, for the same PySide6 reason given there.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from simulation.runner import ReplicationRunner, RunCancelled

logger = logging.getLogger(__name__)

# A job receives the run function and a progress callback (simulations done, message).
Job = Callable[[Callable, Callable[[int, str], None]], Any]


class _JobWorker(QObject):
    started = Signal(int, str)  # job id, kind
    progress = Signal(int, int, str)  # job id, simulations done, message
    finished = Signal(int, str, object)  # job id, kind, result
    failed = Signal(int, str, str)  # job id, kind, message
    cancelled = Signal(int, str)

    def __init__(self):
        super().__init__()
        self.runner = ReplicationRunner(1)  # in this thread: no worker processes to stop

    @Slot(int, str, object, object)
    def run(self, job_id: int, kind: str, job: Job, cancel: threading.Event) -> None:
        done = 0

        def run(model, replications: int, seed: int):
            nonlocal done
            if cancel.is_set():
                raise RunCancelled()
            result = self.runner.run(model, replications, seed, cancel=cancel)
            done += 1
            self.progress.emit(job_id, done, "")
            return result

        def report(count: int, message: str) -> None:
            self.progress.emit(job_id, count, message)

        self.started.emit(job_id, kind)
        try:
            result = job(run, report)
        except RunCancelled:
            logger.info("%s job %d cancelled", kind, job_id)
            self.cancelled.emit(job_id, kind)
            return
        except Exception as error:  # noqa: BLE001 - every failure goes to the error banner
            logger.error("%s job %d failed:\n%s", kind, job_id, traceback.format_exc())
            self.failed.emit(job_id, kind, str(error) or type(error).__name__)
            return
        self.finished.emit(job_id, kind, result)


class PlanningJobs(QObject):
    """One thread that runs planning jobs one after another and reports through signals."""

    busy_changed = Signal(bool)
    progress = Signal(str, int, str)  # kind, simulations done, message
    finished = Signal(str, object)  # kind, result
    failed = Signal(str, str)  # kind, message
    cancelled = Signal(str)
    _submit = Signal(int, str, object, object)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.thread = QThread(self)
        self.thread.setObjectName("planning jobs")
        self._worker = _JobWorker()
        self._worker.moveToThread(self.thread)
        self._submit.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._next_id = 0
        self._kinds: dict[int, str] = {}  # job id -> kind, for jobs sent and not ended
        self._cancels: dict[int, threading.Event] = {}
        self._latest: dict[str, int] = {}  # kind -> newest job id; older results are dropped

    @property
    def is_busy(self) -> bool:
        return bool(self._kinds)

    def is_running(self, kind: str) -> bool:
        return kind in self._kinds.values()

    def submit(self, kind: str, job: Job) -> None:
        """Run ``job`` after the jobs already sent; cancel an older job of the same kind."""
        self.cancel(kind)
        if not self.thread.isRunning():
            self.thread.start()
        self._next_id += 1
        job_id = self._next_id
        self._kinds[job_id] = kind
        self._cancels[job_id] = threading.Event()
        self._latest[kind] = job_id
        if len(self._kinds) == 1:
            self.busy_changed.emit(True)
        self._submit.emit(job_id, kind, job, self._cancels[job_id])

    def cancel(self, kind: str | None = None) -> None:
        """Cancel the jobs of ``kind``, or every job when ``kind`` is ``None``."""
        for job_id, job_kind in list(self._kinds.items()):
            if kind is None or job_kind == kind:
                self._cancels[job_id].set()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel every job and stop the thread; return whether it stopped in time.

        A later ``submit`` starts the thread again, for a window whose close was cancelled.
        """
        self.cancel()
        self.thread.quit()
        stopped = self.thread.wait(timeout_ms)
        self._worker.runner.close()
        return stopped

    def _end(self, job_id: int) -> bool:
        """Forget the job; return whether it is the newest of its kind."""
        kind = self._kinds.pop(job_id, None)
        self._cancels.pop(job_id, None)
        if not self._kinds:
            self.busy_changed.emit(False)
        return kind is not None and self._latest.get(kind) == job_id

    def _on_progress(self, job_id: int, done: int, message: str) -> None:
        kind = self._kinds.get(job_id)
        if kind is not None and self._latest.get(kind) == job_id:
            self.progress.emit(kind, done, message)

    def _on_finished(self, job_id: int, kind: str, result: object) -> None:
        if self._end(job_id):
            self.finished.emit(kind, result)

    def _on_failed(self, job_id: int, kind: str, message: str) -> None:
        if self._end(job_id):
            self.failed.emit(kind, message)

    def _on_cancelled(self, job_id: int, kind: str) -> None:
        if self._end(job_id):
            self.cancelled.emit(kind)
