"""Runs the simulation off the GUI thread: a quick preview, then the full run.

One ``ReplicationRunner`` with its worker processes lives as long as the window. Runs go
to one ``QThread`` that handles one request at a time, so at most one run uses the runner.
A newer request sets the older run's cancel event, so the older run ends with
``RunCancelled`` within one runner poll (50 ms) and the newer one starts. The run thread
never touches a widget: it emits signals, which Qt delivers in the GUI thread.

NOTE: a ``QThread`` with a worker object rather than ``QThreadPool`` runnables, because a
runnable that Qt deletes after its run leaves a stale Python wrapper behind in PySide6, and
a later object at the same address then comes back to Python with the runnable's type.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from desktop import scenario_wiring
from desktop.figures import RunFigures, scenario_figures
from desktop.settings import RunSettings
from simulation.model import Project
from simulation.runner import ReplicationRunner, RunCancelled

logger = logging.getLogger(__name__)

PREVIEW, FULL = "preview", "full"


@dataclass(frozen=True)
class RunRequest:
    """The project and scenarios to simulate, all with the same seed."""

    project: Project
    scenarios: list[dict]
    interventions: list[dict]  # the project's own, beside the bundled catalog
    seed: int


class _RunWorker(QObject):
    """The run thread's worker: runs the phases of one request at a time, emitting signals.

    Requests arrive as queued calls, so they run one after another. Each carries its own
    cancel event, which the GUI thread sets when a newer request supersedes it.
    """

    phase_started = Signal(int, str, int)  # run id, phase, replications in total
    progress = Signal(int, int, int)  # run id, replications done, in total
    figures_ready = Signal(int, object)  # run id, RunFigures
    cancelled = Signal(int)
    failed = Signal(int, str)
    finished = Signal(int)

    def __init__(self, runner: ReplicationRunner):
        super().__init__()
        self.runner = runner

    @Slot()
    def start_runner(self) -> None:
        try:
            started = time.perf_counter()
            self.runner.start()
            logger.info("started %d worker processes in %.2f s", self.runner.workers,
                        time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - the first run reports the failure again
            logger.exception("could not start the worker processes")

    @Slot(int, object, object, object)
    def run(self, run_id: int, request: RunRequest, phases: list[tuple[str, int]],
            cancel: threading.Event) -> None:
        try:
            for phase, replications in phases:
                if cancel.is_set():
                    raise RunCancelled()
                self._run_phase(run_id, request, phase, replications, cancel)
        except RunCancelled:
            self.cancelled.emit(run_id)
        except Exception as error:  # noqa: BLE001 - every failure must reach the user
            logger.exception("run %d failed", run_id)
            self.failed.emit(run_id, f"{type(error).__name__}: {error}")
        finally:
            self.finished.emit(run_id)

    def _run_phase(self, run_id: int, request: RunRequest, phase: str, replications: int,
                   cancel: threading.Event) -> None:
        models = scenario_wiring.run_models(request.project, request.scenarios,
                                            request.interventions)
        total = replications * len(models)
        self.phase_started.emit(run_id, phase, total)
        started = time.perf_counter()
        figures = {}
        for number, (name, model) in enumerate(models.items()):
            done_before = number * replications

            def progress(done: int, _total: int, before: int = done_before) -> None:
                self.progress.emit(run_id, before + done, total)

            result = self.runner.run(model, replications, request.seed, progress=progress,
                                     cancel=cancel)
            figures[name] = scenario_figures(name, result)
        logger.info("%s run %d: %d scenarios x %d replications in %.2f s", phase, run_id,
                    len(models), replications, time.perf_counter() - started)
        run_figures = RunFigures(phase=phase, scenarios=figures,
                                 baseline=scenario_wiring.baseline_name(request.scenarios),
                                 replications=replications, seed=request.seed)
        self.figures_ready.emit(run_id, run_figures)


class RunController(QObject):
    """Debounces edits into runs, runs them in the background and reports in signals."""

    busy_changed = Signal(bool)
    phase_started = Signal(str, int)  # phase, replications in total over all scenarios
    progress = Signal(int, int)
    figures_ready = Signal(object)  # RunFigures of the newest run
    run_failed = Signal(str)
    run_cancelled = Signal()
    _run_requested = Signal(int, object, object, object)  # to the worker: id, request, ...
    _start_requested = Signal()

    def __init__(self, runner: ReplicationRunner, settings: RunSettings,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.thread = QThread(self)
        self.thread.setObjectName("simulation runs")
        self._worker = _RunWorker(runner)
        self._worker.moveToThread(self.thread)
        self._run_requested.connect(self._worker.run)
        self._start_requested.connect(self._worker.start_runner)
        self._worker.phase_started.connect(self._on_phase_started)
        self._worker.progress.connect(self._on_progress)
        self._worker.figures_ready.connect(self._on_figures_ready)
        self._worker.cancelled.connect(self._on_cancelled)
        self._worker.failed.connect(self._on_failed)
        self._worker.finished.connect(self._on_finished)
        self.thread.start()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.timeout.connect(self._start_pending)
        self._pending: RunRequest | None = None
        self._next_id = 0
        self._current_id = -1
        self._cancel: threading.Event | None = None
        self._active: set[int] = set()  # runs sent to the worker and not finished yet
        self._user_cancelled_id = -1
        self._closed = False

    @property
    def pause_ms(self) -> int | None:
        """Return the pause before the pending run starts, or ``None`` if none is pending."""
        return self._debounce.interval() if self._debounce.isActive() else None

    @property
    def is_busy(self) -> bool:
        return bool(self._active) or self._debounce.isActive()

    def start_workers(self) -> None:
        """Start the worker processes in the background, ahead of the first run."""
        self._start_requested.emit()

    def request(self, request: RunRequest, typing: bool = False) -> None:
        """Run ``request`` after a pause; a newer request replaces it and restarts the pause.

        The pause is ``debounce_ms`` after a keystroke (``typing``), so that typing a
        number runs once, and the shorter ``commit_delay_ms`` after any other edit.
        """
        self._cancel_current()
        self._pending = request
        delay = self.settings.debounce_ms if typing else self.settings.commit_delay_ms
        self._debounce.start(delay)
        self.busy_changed.emit(True)

    def run_now(self, request: RunRequest) -> None:
        self._cancel_current()
        self._pending = request
        self._debounce.stop()
        self._start_pending()

    def cancel(self, notify: bool = True) -> None:
        """Stop the current run and drop a pending one; the shown figures stay.

        ``run_cancelled`` follows only with ``notify``, so that the window can drop an
        outdated run without reporting it as the user's cancel.
        """
        had_work = self.is_busy
        self._debounce.stop()
        self._pending = None
        self._user_cancelled_id = self._current_id if notify else -1
        self._cancel_current()
        if had_work and not self._active:
            self.busy_changed.emit(False)
            if notify:
                self.run_cancelled.emit()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything, wait for the worker thread, and stop the worker processes."""
        if self._closed:
            return True
        self._closed = True
        self._debounce.stop()
        self._pending = None
        self._cancel_current()
        self.thread.quit()  # after the current run, which the cancel ends within 50 ms
        finished = self.thread.wait(timeout_ms)
        self.runner.close()
        logger.info("run controller shut down")
        return finished

    def _cancel_current(self) -> None:
        """Cancel the running task; its late signals no longer reach the window."""
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
        self._current_id = -1

    def _start_pending(self) -> None:
        request, self._pending = self._pending, None
        if request is None or self._closed:
            return
        self._next_id += 1
        run_id = self._current_id = self._next_id
        self._cancel = threading.Event()
        self._active.add(run_id)
        phases = [(PREVIEW, self.settings.preview_replications),
                  (FULL, self.settings.full_replications)]
        if phases[0][1] >= phases[1][1]:
            phases = phases[1:]
        self.busy_changed.emit(True)
        self._run_requested.emit(run_id, request, phases, self._cancel)

    # -- signals from the worker thread, delivered in the GUI thread ------------------------

    def _on_phase_started(self, run_id: int, phase: str, total: int) -> None:
        if run_id == self._current_id:
            self.phase_started.emit(phase, total)

    def _on_progress(self, run_id: int, done: int, total: int) -> None:
        if run_id == self._current_id:
            self.progress.emit(done, total)

    def _on_figures_ready(self, run_id: int, figures: RunFigures) -> None:
        if run_id == self._current_id:
            self.figures_ready.emit(figures)

    def _on_cancelled(self, run_id: int) -> None:
        logger.info("run %d cancelled", run_id)
        if run_id == self._user_cancelled_id:
            self.run_cancelled.emit()

    def _on_failed(self, run_id: int, message: str) -> None:
        if run_id == self._current_id:
            self.run_failed.emit(message)

    def _on_finished(self, run_id: int) -> None:
        self._active.discard(run_id)
        if not self._active and not self._debounce.isActive() and self._pending is None:
            self.busy_changed.emit(False)
