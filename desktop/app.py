"""Start the desktop application: ``velocity-planner [--demo | PROJECT.json]``.

Without a file the window reopens the most recent project, or on first start (no recent
files) the bundled example, and runs it at once so that a new user sees a working model.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop import settings as settings_module
from desktop import theme

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Options:
    demo: bool
    project: Path | None


def parse_arguments(arguments: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="velocity-planner",
        description="Open the Experiment Velocity Planner window.")
    parser.add_argument("--demo", action="store_true",
                        help="open and run the bundled example team")
    parser.add_argument("project", nargs="?", type=Path, help="project file (JSON) to open")
    namespace = parser.parse_args(list(arguments))
    return Options(demo=namespace.demo, project=namespace.project)


def create_application(arguments: Sequence[str] = ()) -> QApplication:
    app = QApplication.instance() or QApplication([sys.argv[0], *arguments])
    app.setOrganizationName(settings_module.ORGANIZATION)
    app.setApplicationName(settings_module.APPLICATION)
    return app


def build_window(settings: settings_module.Settings, recovery=None):
    """Create the runner, the run controller and the main window; start the workers.

    The simulation and chart modules are imported here rather than at the top, so that
    ``velocity-planner --help`` and argument errors return without loading them.
    """
    from desktop.main_window import MainWindow
    from desktop.recovery import RecoveryStore
    from desktop.run_controller import RunController
    from simulation.runner import ReplicationRunner

    run_settings = settings.run_settings()
    runner = ReplicationRunner(run_settings.workers)
    controller = RunController(runner, run_settings)
    controller.start_workers()
    window = MainWindow(settings, controller, recovery or RecoveryStore())
    controller.setParent(window)
    return window


def open_initial_project(window, options: Options) -> None:
    """Recover a crashed session, or open the given file, the last file or the example."""
    if window.offer_recovery():
        return
    if options.project is not None:
        if window.open_path(options.project):
            return
    elif not options.demo:
        recent = window.settings.recent_files()
        if recent and recent[0].exists() and window.open_path(recent[0]):
            return
    window.new_from_example()


def run_application(arguments: list[str]) -> int:
    """Open the window and run the event loop; return the exit status."""
    options = parse_arguments(arguments)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s "
                                                   "%(message)s")
    app = create_application()
    settings = settings_module.Settings()
    theme.apply(settings.theme())
    window = build_window(settings)
    window.show()
    QTimer.singleShot(0, lambda: open_initial_project(window, options))
    watchdog = close_on_termination(window)
    status = app.exec()
    watchdog.stop()
    window.controller.shutdown()
    return status


def close_on_termination(window) -> QTimer:
    """Close the window cleanly at SIGINT or SIGTERM, so the worker processes stop too.

    Python runs signal handlers only between bytecodes, so a timer hands it control while
    Qt's event loop waits. The returned timer must live as long as the loop.
    """

    def handle(signal_number: int, _frame) -> None:
        logger.info("closing at signal %d", signal_number)
        QTimer.singleShot(0, window.close_without_asking)

    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, handle)
    timer = QTimer()
    timer.timeout.connect(lambda: None)
    timer.start(250)
    return timer
