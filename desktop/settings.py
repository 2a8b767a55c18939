"""The application's persistent settings, typed and with their defaults, over ``QSettings``.

Keys: ``window/geometry`` and ``window/state`` (saved on close), ``files/recent`` (newest
first), ``view/theme`` (system, light or dark) and the ``run/...`` values of ``RunSettings``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "ExperimentVelocityPlanner"
APPLICATION = "Experiment Velocity Planner"
MAX_RECENT_FILES = 8
DELAYS = ("debounce_ms", "commit_delay_ms")
THEMES = ("system", "light", "dark")


@dataclass(frozen=True)
class RunSettings:
    """The window's run settings: replications of the preview and the full run, and more."""

    preview_replications: int = 40
    full_replications: int = 1000
    workers: int = 2  # spawned worker processes; 1 runs in the GUI process's worker thread
    seed: int = 1
    debounce_ms: int = 300  # pause after the last keystroke in a typed field before a run
    # Pause after a committed edit (a table cell, a toggle, a choice, undo or redo) before a
    # run. It is short because it only makes a burst of such edits end in one run.
    commit_delay_ms: int = 50


class Settings:
    """Typed access to ``QSettings``; pass a ``QSettings`` to keep tests off the user's."""

    def __init__(self, store: QSettings | None = None):
        self.store = store if store is not None else QSettings(ORGANIZATION, APPLICATION)

    # -- window ----------------------------------------------------------------------------

    def window_geometry(self) -> QByteArray | None:
        value = self.store.value("window/geometry")
        return value if isinstance(value, QByteArray) else None

    def window_state(self) -> QByteArray | None:
        value = self.store.value("window/state")
        return value if isinstance(value, QByteArray) else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.store.setValue("window/geometry", geometry)
        self.store.setValue("window/state", state)

    def theme(self) -> str:
        value = str(self.store.value("view/theme", "system"))
        return value if value in THEMES else "system"

    def set_theme(self, theme: str) -> None:
        if theme not in THEMES:
            raise ValueError(f"unknown theme {theme!r}; use one of: {', '.join(THEMES)}")
        self.store.setValue("view/theme", theme)

    # -- recent files ----------------------------------------------------------------------

    def recent_files(self) -> list[Path]:
        value = self.store.value("files/recent", [])
        if isinstance(value, str):  # QSettings returns a single-item list as a string
            value = [value]
        return [Path(item) for item in value or [] if item]

    def add_recent_file(self, path: Path) -> None:
        path = path.resolve()
        recent = [item for item in self.recent_files() if item != path]
        recent.insert(0, path)
        self.store.setValue("files/recent", [str(item) for item in recent[:MAX_RECENT_FILES]])

    def remove_recent_file(self, path: Path) -> None:
        recent = [item for item in self.recent_files() if item != path]
        self.store.setValue("files/recent", [str(item) for item in recent])

    # -- runs ------------------------------------------------------------------------------

    def run_settings(self) -> RunSettings:
        defaults = RunSettings()
        values = {}
        for field in fields(RunSettings):
            raw = self.store.value(f"run/{field.name}", getattr(defaults, field.name))
            try:
                values[field.name] = max(int(raw), 0 if field.name in DELAYS else 1)
            except (TypeError, ValueError):
                values[field.name] = getattr(defaults, field.name)
        return RunSettings(**values)

    def set_run_settings(self, settings: RunSettings) -> None:
        for field in fields(RunSettings):
            self.store.setValue(f"run/{field.name}", getattr(settings, field.name))

    def sync(self) -> None:
        self.store.sync()
