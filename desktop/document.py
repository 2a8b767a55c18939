"""The edited project: a JSON document, its validation state, its file and its undo stack.

The window edits the project's JSON document rather than the frozen ``Project``, because a
half-typed model (a maximum below its minimum, a letter in a number) must be kept and shown
with its problem until the user fixes it. Every change to the document goes through an undo
command (``desktop.commands``), and after every change the document is parsed again with
``simulation.validation.parse_project``: ``project`` is the parsed model, or ``None`` while
``problems`` is not empty.

Values are addressed by paths, tuples of keys and list indexes from the root, which has three
parts: ``("project", ...)`` is the project document, ``("scenarios", ...)`` the scenario list
and ``("interventions", ...)`` the project's own interventions, for example
``("project", "stages", 2, "duration", "max")``.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from desktop import scenario_wiring
from simulation.model import Project
from simulation.project_io import project_to_dict, read_project_document, save_project
from simulation.validation import ProjectError, parse_project

logger = logging.getLogger(__name__)

Path_ = tuple[Any, ...]
_INDEX = re.compile(r"^(?P<key>[A-Za-z_]\w*)\[(?P<index>\d+)\]$")


@dataclass(frozen=True)
class Problem:
    """One validation message; ``path`` is ``None`` when no single field is to blame.

    ``full_text`` is the message as the validation wrote it, with its field path.
    """

    path: Path_ | None
    message: str
    full_text: str = ""

    def text(self) -> str:
        return self.full_text or self.message


def parse_problem(text: str) -> Problem:
    """Split ``stages[2].duration.max: must be ...`` into a document path and a message."""
    field, separator, message = text.partition(": ")
    if not separator or " " in field:
        return Problem(None, text, text)
    parts: list[Any] = []
    for part in field.split("."):
        match = _INDEX.match(part)
        if match:
            parts += [match["key"], int(match["index"])]
        else:
            parts.append(part)
    root = "scenarios" if parts[0] == "scenarios" else "project"
    if parts[0] == "project":
        parts = parts[1:]
    if root == "scenarios":
        return Problem(tuple(parts), message, text)
    return Problem(("project", *parts), message, text)


def format_path(path: Path_) -> str:
    """Return the dotted form that validation messages use, without the ``project`` root."""
    parts = list(path[1:] if path and path[0] == "project" else path)
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "project"


def normalized_project_document(project: Project) -> dict:
    """Return the project's document with every field present, as the editor expects it."""
    return project_to_dict(project)


class ProjectDocument(QObject):
    """The project and scenarios being edited, with their validation state and undo stack."""

    value_changed = Signal(tuple)  # the path whose value was replaced
    list_changed = Signal(tuple)  # the path of a list whose items were inserted, removed, moved
    reset = Signal()  # everything was replaced: a new or opened project
    validated = Signal()  # ``project`` and ``problems`` are up to date
    file_changed = Signal()  # ``file_path`` or the modified state changed

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._root: dict[str, Any] = {"project": {}, "scenarios": [], "interventions": []}
        self.file_path: Path | None = None
        self.project: Project | None = None
        self.problems: list[Problem] = []
        self.last_edit_was_typing = False  # the newest change came from a keystroke

    def _on_clean_changed(self, _clean: bool) -> None:
        self.file_changed.emit()

    # -- reading ---------------------------------------------------------------------------

    def value(self, path: Path_, default: Any = None) -> Any:
        node: Any = self._root
        for key in path:
            try:
                node = node[key]
            except (KeyError, IndexError, TypeError):
                return default
        return node

    def project_document(self) -> dict:
        return copy.deepcopy(self._root["project"])

    def scenario_documents(self) -> list[dict]:
        return copy.deepcopy(self._root["scenarios"])

    def custom_interventions(self) -> list[dict]:
        return copy.deepcopy(self._root["interventions"])

    def stage_names(self) -> list[str]:
        return [str(stage.get("name", "")) for stage in self.value(("project", "stages"), [])]

    def pool_names(self) -> list[str]:
        return [str(pool.get("name", "")) for pool in self.value(("project", "pools"), [])]

    @property
    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def display_name(self) -> str:
        return self.file_path.name if self.file_path else "Untitled"

    def problems_at(self, path: Path_) -> list[Problem]:
        """Return the problems of ``path`` and of the fields below it."""
        size = len(path)
        return [problem for problem in self.problems
                if problem.path is not None and problem.path[:size] == path]

    # -- writing: only undo commands call these -------------------------------------------

    def set_value(self, path: Path_, value: Any, typing: bool = False) -> None:
        self.last_edit_was_typing = typing
        parent = self.value(path[:-1])
        if isinstance(parent, dict) and value is _MISSING:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = copy.deepcopy(value)
        self.value_changed.emit(path)
        self.revalidate()

    def insert_item(self, list_path: Path_, index: int, item: Any) -> None:
        self.last_edit_was_typing = False
        self.value(list_path).insert(index, copy.deepcopy(item))
        self.list_changed.emit(list_path)
        self.revalidate()

    def remove_item(self, list_path: Path_, index: int) -> Any:
        self.last_edit_was_typing = False
        item = self.value(list_path).pop(index)
        self.list_changed.emit(list_path)
        self.revalidate()
        return item

    def move_item(self, list_path: Path_, source: int, target: int) -> None:
        self.last_edit_was_typing = False
        items = self.value(list_path)
        items.insert(target, items.pop(source))
        self.list_changed.emit(list_path)
        self.revalidate()

    # -- whole documents -------------------------------------------------------------------

    def replace(self, project_doc: dict, scenarios: list[dict], file_path: Path | None,
                interventions: list[dict] | None = None) -> None:
        """Replace everything (a new or opened project); the undo history starts again."""
        self._root = {"project": copy.deepcopy(project_doc),
                      "scenarios": copy.deepcopy(scenarios),
                      "interventions": copy.deepcopy(interventions or [])}
        self.file_path = file_path
        self.last_edit_was_typing = False
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self.reset.emit()
        self.revalidate()
        self.file_changed.emit()

    def open_file(self, path: Path) -> None:
        """Load a project file; raise ``ProjectError`` naming the file and leave this unchanged."""
        opened = read_project_file(path)
        self.replace(normalized_project_document(opened.project), opened.scenarios, path,
                     opened.interventions)
        logger.info("opened project %r from %s", opened.project.name, path)

    def save(self, path: Path) -> None:
        """Write the project and scenarios to ``path`` atomically; raise if it does not validate."""
        if self.project is None:
            count = len(self.problems)
            raise ProjectError([f"the model has {count} problem{'s' if count != 1 else ''}; "
                                "fix them before saving"] + [p.text() for p in self.problems],
                               source=str(path))
        extra = scenario_wiring.file_extra(self.scenario_documents(), self.custom_interventions())
        save_project(self.project, path, extra=extra)
        self.file_path = path
        self.undo_stack.setClean()
        self.file_changed.emit()

    # -- validation ------------------------------------------------------------------------

    def revalidate(self) -> None:
        problems: list[Problem] = []
        try:
            self.project = parse_project(self._root["project"])
        except ProjectError as error:
            self.project = None
            problems += [parse_problem(text) for text in error.problems]
        for text in scenario_wiring.check_scenarios(self._root["scenarios"], self.project,
                                                    self._root["interventions"]):
            problems.append(parse_problem(text))
        self.problems = problems
        self.validated.emit()

    @property
    def is_runnable(self) -> bool:
        return self.project is not None and not self.problems


class _Missing:
    """Marks a key that a command removes from an object rather than setting to a value."""

    def __repr__(self) -> str:
        return "<missing>"

    def __deepcopy__(self, _memo) -> _Missing:
        return self  # a singleton: commands compare it with ``is``


_MISSING = _Missing()
MISSING = _MISSING


@dataclass(frozen=True)
class ProjectFile:
    """A project file's contents: the model, its scenarios and its own interventions."""

    project: Project
    scenarios: list[dict]
    interventions: list[dict]


def read_project_file(path: Path) -> ProjectFile:
    """Read and validate a project file with its scenarios; raise ``ProjectError`` if broken."""
    doc = read_project_document(path)
    problems: list[str] = []
    project = None
    try:
        project = parse_project(doc)
    except ProjectError as error:
        problems += error.problems
    scenarios = scenario_wiring.scenarios_from_file(doc)
    interventions = scenario_wiring.custom_interventions_from_file(doc)
    problems += scenario_wiring.check_scenarios(scenarios, project, interventions)
    if problems:
        raise ProjectError(problems, source=str(path))
    return ProjectFile(project, scenarios, interventions)
