"""Settings persist with their defaults; the installed Qt keeps signal emission safe."""

import sys

import pytest
from PySide6.QtCore import QObject, QSettings, Signal

from desktop.settings import MAX_RECENT_FILES, RunSettings, Settings


@pytest.fixture
def settings(tmp_path):
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


def test_run_settings_default(settings):
    assert settings.run_settings() == RunSettings(preview_replications=40,
                                                  full_replications=1000, workers=2, seed=1,
                                                  debounce_ms=300, commit_delay_ms=50)


def test_run_settings_round_trip(settings):
    chosen = RunSettings(preview_replications=10, full_replications=200, workers=1, seed=9,
                         debounce_ms=0, commit_delay_ms=0)
    settings.set_run_settings(chosen)
    assert settings.run_settings() == chosen


def test_unreadable_run_setting_falls_back(settings):
    settings.store.setValue("run/workers", "many")
    settings.store.setValue("run/full_replications", -5)
    run = settings.run_settings()
    assert run.workers == 2
    assert run.full_replications == 1


def test_recent_files_newest_first_and_capped(settings, tmp_path):
    paths = [tmp_path / f"p{number}.json" for number in range(MAX_RECENT_FILES + 2)]
    for path in paths:
        settings.add_recent_file(path)
    settings.add_recent_file(paths[3])
    recent = settings.recent_files()
    assert len(recent) == MAX_RECENT_FILES
    assert recent[0] == paths[3]
    assert recent[1] == paths[-1]
    assert recent.count(paths[3]) == 1


def test_unknown_theme_rejected(settings):
    with pytest.raises(ValueError, match="unknown theme 'blue'"):
        settings.set_theme("blue")
    settings.store.setValue("view/theme", "blue")
    assert settings.theme() == "system"


class _Emitter(QObject):
    changed = Signal(int)


def test_signal_emit_keeps_true_alive():
    # PySide6 6.12.0 drops a reference to True on every emit() from Python. On Python
    # before 3.12, where True is not immortal, a long session then aborts the interpreter.
    emitter = _Emitter()
    emitter.changed.connect(lambda _value: None)
    before = sys.getrefcount(True)
    for value in range(200):
        emitter.changed.emit(value)
    assert sys.getrefcount(True) >= before - 5
