"""Pytest fixtures for the window's tests (``tests/test_desktop_*.py`` import them).

``no_leaks`` fails a test that leaves a window open, a run controller with a running task,
or a worker process alive. ``dialogs`` replaces the modal message boxes and file dialogs,
which would otherwise block a test forever, with recorders that return the buttons and file
names a test sets.
``make_window`` builds the real main window with a temporary settings file and recovery
folder, and small, fast run settings unless a test asks for others; it closes its windows
after the test, and fails the test if one of them was still running a simulation.
"""

from __future__ import annotations

import multiprocessing
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from desktop import app as app_module
from desktop import run_controller
from desktop.recovery import RecoveryStore
from desktop.settings import RunSettings, Settings

# Few replications, in-process, and a short pause after edits, so a test runs in seconds.
FAST_RUNS = RunSettings(preview_replications=6, full_replications=30, workers=1, seed=3,
                        debounce_ms=30, commit_delay_ms=10)


@dataclass
class DialogRecorder:
    """The messages the replaced dialogs received, and the replies they return."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answers: list[QMessageBox.StandardButton] = field(default_factory=list)
    default_answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Discard
    open_names: list[str] = field(default_factory=list)
    save_names: list[str] = field(default_factory=list)

    def critical(self, _parent, title, text, *_args, **_kwargs):
        self.errors.append((title, text))
        return QMessageBox.StandardButton.Ok

    def question(self, _parent, _title, text, *_args, **_kwargs):
        self.questions.append(text)
        return self.answers.pop(0) if self.answers else self.default_answer

    def get_open_file_name(self, *_args, **_kwargs):
        return (self.open_names.pop(0) if self.open_names else "", "")

    def get_save_file_name(self, *_args, **_kwargs):
        return (self.save_names.pop(0) if self.save_names else "", "")


@pytest.fixture
def dialogs(monkeypatch) -> DialogRecorder:
    recorder = DialogRecorder()
    monkeypatch.setattr(QMessageBox, "critical", recorder.critical)
    monkeypatch.setattr(QMessageBox, "warning", recorder.critical)
    monkeypatch.setattr(QMessageBox, "question", recorder.question)
    monkeypatch.setattr(QMessageBox, "about", lambda *args, **kwargs: None)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", recorder.get_open_file_name)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", recorder.get_save_file_name)
    return recorder


@pytest.fixture
def no_leaks(qapp, monkeypatch):
    """Fail the test if it leaves a window open, a run going or a worker process alive."""
    controllers: list[run_controller.RunController] = []
    original_init = run_controller.RunController.__init__

    def recording_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        controllers.append(self)

    monkeypatch.setattr(run_controller.RunController, "__init__", recording_init)
    yield
    qapp.processEvents()
    open_windows = [widget.windowTitle() or type(widget).__name__
                    for widget in QApplication.topLevelWidgets() if widget.isVisible()]
    running = [controller for controller in controllers
               if controller.is_busy or controller.thread.isRunning()]
    workers = multiprocessing.active_children()
    for controller in controllers:  # clean up before failing, so one leak fails one test
        controller.shutdown()
    for widget in QApplication.topLevelWidgets():
        widget.close()
    assert open_windows == [], f"the test left windows open: {open_windows}"
    assert running == [], f"the test left {len(running)} run thread(s) going"
    assert workers == [], f"the test left worker processes alive: {workers}"


@pytest.fixture
def make_window(qapp, qtbot, tmp_path: Path, no_leaks, dialogs):
    """Return a factory of main windows; each is closed after the test if still open."""
    windows = []

    def factory(run_settings: RunSettings = FAST_RUNS, show: bool = True):
        store = QSettings(str(tmp_path / f"settings-{len(windows)}.ini"),
                          QSettings.Format.IniFormat)
        settings = Settings(store)
        settings.set_run_settings(run_settings)
        window = app_module.build_window(settings, RecoveryStore(tmp_path / "recovery"))
        windows.append(window)
        if show:
            window.show()
            qtbot.waitExposed(window)
        return window

    yield factory
    still_running = [window.windowTitle() for window in windows if window.controller.is_busy]
    for window in windows:
        if window.isVisible():
            window.close()
        window.controller.shutdown()
    assert still_running == [], ("the test ended while a run was going; wait for it or cancel "
                                 f"it: {still_running}")


def wait_until_idle(qtbot, window, timeout_ms: int = 30_000) -> None:
    """Wait until the window has no run pending or going."""
    qtbot.waitUntil(lambda: not window.controller.is_busy, timeout=timeout_ms)
