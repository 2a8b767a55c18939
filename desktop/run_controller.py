"""Runs the simulation off the GUI thread: a quick preview, then the full run.

One ``ReplicationRunner`` with its worker processes lives as long as the window. Runs go
through a ``QThreadPool`` with a single thread, so at most one run uses the runner at a time;
a newer request sets the older run's cancel event, and the older run ends with
``RunCancelled`` within one runner poll (50 ms) before the newer one starts. The worker
thread never touches a widget: it emits signals, which Qt delivers in the GUI thread.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal

from desktop import scenario_wiring
from desktop.figures import RunFigures, scenario_figures
from desktop.settings import RunSettings
from simulation.model import Project
from simulation.runner import ReplicationRunner, RunCancelled

logger = logging.getLogger(__name__)

PREVIEW, FULL = "preview", "full"


@dataclass(frozen=True)
class RunRequest:
    """What to simulate: the project and its scenarios, all with the same seed."""

    project: Project
    scenarios: list[dict]
    interventions: list[dict]  # the project's own, beside the bundled catalog
    seed: int


class _RunSignals(QObject):
    """Signals of one run, emitted from the worker thread and received in the GUI thread."""

    phase_started = Signal(int, str, int)  # run id, phase, replications in total
    progress = Signal(int, int, int)  # run id, replications done, in total
    figures_ready = Signal(int, object)  # run id, RunFigures
    cancelled = Signal(int)
    failed = Signal(int, str)
    finished = Signal(int)


class _RunTask(QRunnable):
    """Runs the preview and then the full run of one request in a pool thread."""

    def __init__(self, run_id: int, request: RunRequest, phases: list[tuple[str, int]],
                 runner: ReplicationRunner, cancel: threading.Event, signals: _RunSignals):
        super().__init__()
        self.setAutoDelete(True)
        self.run_id, self.request, self.phases = run_id, request, phases
        self.runner, self.cancel, self.signals = runner, cancel, signals

    def run(self) -> None:
        try:
            for phase, replications in self.phases:
                if self.cancel.is_set():
                    raise RunCancelled()
                self._run_phase(phase, replications)
        except RunCancelled:
            self.signals.cancelled.emit(self.run_id)
        except Exception as error:  # noqa: BLE001 - every failure must reach the user
            logger.exception("run %d failed", self.run_id)
            self.signals.failed.emit(self.run_id, f"{type(error).__name__}: {error}")
        finally:
            self.signals.finished.emit(self.run_id)

    def _run_phase(self, phase: str, replications: int) -> None:
        request = self.request
        models = scenario_wiring.run_models(request.project, request.scenarios,
                                            request.interventions)
        total = replications * len(models)
        self.signals.phase_started.emit(self.run_id, phase, total)
        started = time.perf_counter()
        figures = {}
        for number, (name, model) in enumerate(models.items()):
            done_before = number * replications

            def progress(done: int, _total: int, before: int = done_before) -> None:
                self.signals.progress.emit(self.run_id, before + done, total)

            result = self.runner.run(model, replications, request.seed, progress=progress,
                                     cancel=self.cancel)
            figures[name] = scenario_figures(name, result)
        logger.info("%s run %d: %d scenarios x %d replications in %.2f s", phase, self.run_id,
                    len(models), replications, time.perf_counter() - started)
        run_figures = RunFigures(phase=phase, scenarios=figures,
                                 baseline=scenario_wiring.baseline_name(request.scenarios),
                                 replications=replications, seed=request.seed)
        self.signals.figures_ready.emit(self.run_id, run_figures)


class RunController(QObject):
    """Debounces edits into runs, runs them in the background and reports in signals."""

    busy_changed = Signal(bool)
    phase_started = Signal(str, int)  # phase, replications in total over all scenarios
    progress = Signal(int, int)
    figures_ready = Signal(object)  # RunFigures of the newest run
    run_failed = Signal(str)
    run_cancelled = Signal()

    def __init__(self, runner: ReplicationRunner, settings: RunSettings,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.runner = runner
        self.settings = settings
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(settings.debounce_ms)
        self._debounce.timeout.connect(self._start_pending)
        self._pending: RunRequest | None = None
        self._next_id = 0
        self._current_id = -1
        self._cancel: threading.Event | None = None
        self._signals: dict[int, _RunSignals] = {}
        self._user_cancelled_id = -1
        self._closed = False

    @property
    def is_busy(self) -> bool:
        return bool(self._signals) or self._debounce.isActive()

    def start_workers(self) -> None:
        """Start the worker processes in the background, ahead of the first run."""
        task = QRunnable.create(self._start_runner)
        self.pool.start(task)

    def _start_runner(self) -> None:
        try:
            started = time.perf_counter()
            self.runner.start()
            logger.info("started %d worker processes in %.2f s", self.runner.workers,
                        time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - the first run reports the failure again
            logger.exception("could not start the worker processes")

    def request(self, request: RunRequest) -> None:
        """Run ``request`` after the debounce pause; a newer request replaces it."""
        self._cancel_current()
        self._pending = request
        self._debounce.start()
        self.busy_changed.emit(True)

    def run_now(self, request: RunRequest) -> None:
        self._cancel_current()
        self._pending = request
        self._debounce.stop()
        self._start_pending()

    def cancel(self) -> None:
        """Stop the current run and drop a pending one; the shown figures stay."""
        had_work = self.is_busy
        self._debounce.stop()
        self._pending = None
        self._user_cancelled_id = self._current_id
        self._cancel_current()
        if had_work and not self._signals:
            self.busy_changed.emit(False)
            self.run_cancelled.emit()

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Cancel everything, wait for the worker thread, and stop the worker processes."""
        if self._closed:
            return True
        self._closed = True
        self._debounce.stop()
        self._pending = None
        self._cancel_current()
        finished = self.pool.waitForDone(timeout_ms)
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
        signals = _RunSignals()
        signals.phase_started.connect(self._on_phase_started)
        signals.progress.connect(self._on_progress)
        signals.figures_ready.connect(self._on_figures_ready)
        signals.cancelled.connect(self._on_cancelled)
        signals.failed.connect(self._on_failed)
        signals.finished.connect(self._on_finished)
        self._signals[run_id] = signals
        phases = [(PREVIEW, self.settings.preview_replications),
                  (FULL, self.settings.full_replications)]
        if phases[0][1] >= phases[1][1]:
            phases = phases[1:]
        self.busy_changed.emit(True)
        self.pool.start(_RunTask(run_id, request, phases, self.runner, self._cancel, signals))

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
        self._signals.pop(run_id, None)
        if not self._signals and not self._debounce.isActive() and self._pending is None:
            self.busy_changed.emit(False)
