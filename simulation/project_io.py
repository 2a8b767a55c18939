"""Loading and saving project files (JSON), never leaving a half-written file behind."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from simulation.model import SCHEMA_VERSION, Distribution, Project
from simulation.validation import ProjectError, parse_project

logger = logging.getLogger(__name__)

MAX_PROJECT_BYTES = 20 * 1024 * 1024


def load_project(path: str | os.PathLike) -> Project:
    """Read and validate a project file; raise ``ProjectError`` naming the file and the fields."""
    path = Path(path)
    doc = read_project_document(path)
    try:
        project = parse_project(doc)
    except ProjectError as error:
        raise ProjectError(error.problems, source=str(path)) from None
    logger.info("loaded project %r from %s", project.name, path)
    return project


def read_project_document(path: Path) -> Any:
    """Decode a project file's JSON; errors name the place where the file is broken."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ProjectError([f"cannot read the file: {error.strerror}"], source=str(path)) from None
    if size > MAX_PROJECT_BYTES:
        raise ProjectError([f"the file is {size / 1e6:.1f} MB; a project file is at most "
                            f"{MAX_PROJECT_BYTES / 1e6:.0f} MB. Is this the right file?"],
                           source=str(path))
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ProjectError([f"cannot read the file: {error.strerror}"], source=str(path)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProjectError([f"not UTF-8 text (invalid byte at offset {error.start}); "
                            "a project file is JSON saved as UTF-8"], source=str(path)) from None
    if not text.strip():
        raise ProjectError(["the file is empty; a project file is a JSON object"],
                           source=str(path))
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError([f"malformed JSON at line {error.lineno}, column {error.colno}: "
                            f"{error.msg}"], source=str(path)) from None
    except RecursionError:
        raise ProjectError(["malformed JSON: nested too deeply"], source=str(path)) from None


def _distribution_to_dict(distribution: Distribution) -> dict:
    doc: dict[str, Any] = {"kind": distribution.kind}
    if distribution.kind == "empirical":
        doc["samples"] = list(distribution.samples)
        return doc
    for name in ("value", "min", "likely", "max", "median", "p90", "mean"):
        value = getattr(distribution, name)
        if value is not None:
            doc[name] = value
    return doc


def project_to_dict(project: Project) -> dict:
    """Return the JSON document of a project, the inverse of ``parse_project``."""
    doc = dataclasses.asdict(project)
    doc = {"schema_version": SCHEMA_VERSION, **doc}
    doc["initial_work"] = [dataclasses.asdict(work) for work in project.initial_work]
    stages = []
    for stage in project.stages:
        stage_doc = {"name": stage.name, "pool": stage.pool, "units": stage.units,
                     "duration": _distribution_to_dict(stage.duration)}
        for key in ("review", "rework", "early_stopping"):
            value = getattr(stage, key)
            if value is not None:
                stage_doc[key] = dataclasses.asdict(value)
                if key == "review":
                    stage_doc[key]["weekdays"] = list(value.weekdays)
        stages.append(stage_doc)
    doc["stages"] = stages
    doc["pools"] = [dataclasses.asdict(pool) for pool in project.pools]
    return doc


def save_project(project: Project, path: str | os.PathLike, extra: dict | None = None) -> None:
    """Write a project atomically: a temporary file in the same folder replaces the target.

    ``extra`` adds top-level keys that other parts of the planner own (scenarios, roadmap).
    """
    doc = project_to_dict(project)
    if extra:
        doc.update(extra)
    write_json_atomically(doc, Path(path))
    logger.info("saved project %r to %s", project.name, path)


def write_json_atomically(doc: Any, path: Path) -> None:
    write_text_atomically(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", path)


def _default_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_text_atomically(text: str, path: Path) -> None:
    """Write ``text`` as UTF-8 through a temporary file in the same folder, then rename it."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                         dir=path.parent or ".")
    try:
        # mkstemp creates the file private (0600); give it the mode a plain open would.
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else _default_mode())
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
