"""Autosave of unsaved changes to a recovery file, offered back after a crash.

The file exists only while the window holds unsaved changes: saving, discarding or closing
cleanly removes it. Finding it at start-up therefore means the last session ended without
a clean close. It stores the raw document, which may not validate yet, so nothing the user
typed is lost.
"""

from __future__ import annotations

import datetime
import json
import logging
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QStandardPaths

from simulation.project_io import write_json_atomically

logger = logging.getLogger(__name__)

RECOVERY_FILE_NAME = "recovery.json"
RECOVERY_FORMAT = 1


@dataclass(frozen=True)
class Recovered:
    project: dict
    scenarios: list[dict]
    interventions: list[dict]
    file_path: Path | None  # the file the changes belong to, if it had been saved
    saved_at: str  # ISO time of the autosave


def default_directory() -> Path:
    location = QStandardPaths.writableLocation(
        QStandardPaths.StandardLocation.AppDataLocation)
    return Path(location)


class RecoveryStore:
    def __init__(self, directory: Path | None = None):
        self.directory = directory if directory is not None else default_directory()
        self.path = self.directory / RECOVERY_FILE_NAME

    def save(self, project: dict, scenarios: list[dict], interventions: list[dict],
             file_path: Path | None) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        doc = {"format": RECOVERY_FORMAT,
               "saved_at": datetime.datetime.now().isoformat(timespec="seconds"),
               "file_path": str(file_path) if file_path else None,
               "project": project, "scenarios": scenarios, "interventions": interventions}
        write_json_atomically(doc, self.path)
        logger.debug("autosaved unsaved changes to %s", self.path)

    def load(self) -> Recovered | None:
        """Return the recovered changes, or ``None`` if there are none or they are unreadable."""
        if not self.path.exists():
            return None
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("format") != RECOVERY_FORMAT or not isinstance(doc.get("project"), dict):
                raise ValueError(f"unknown recovery format {doc.get('format')!r}")
            file_path = doc.get("file_path")
            return Recovered(project=doc["project"], scenarios=list(doc.get("scenarios") or []),
                             interventions=list(doc.get("interventions") or []),
                             file_path=Path(file_path) if file_path else None,
                             saved_at=str(doc.get("saved_at", "")))
        except (OSError, ValueError, AttributeError) as error:
            logger.error("ignoring the unreadable recovery file %s: %s", self.path, error)
            return None

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
