"""Undo commands: the only way the window changes a ``ProjectDocument``."""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from desktop.document import MISSING, Path_, ProjectDocument, format_path

SET_VALUE_ID = 1


class SetValueCommand(QUndoCommand):
    """Replace the value at a path; ``MISSING`` as a value removes the key.

    Consecutive commands on the same path with ``typing=True`` merge into one, so the
    keystrokes of one field undo in a single step.
    """

    def __init__(self, document: ProjectDocument, path: Path_, value: Any,
                 text: str | None = None, typing: bool = False):
        super().__init__(text or f"Change {format_path(path)}")
        self.document = document
        self.path = tuple(path)
        self.old_value = copy.deepcopy(document.value(self.path, MISSING))
        self.new_value = copy.deepcopy(value)
        self.typing = typing

    def redo(self) -> None:
        self.document.set_value(self.path, self.new_value, typing=self.typing)

    def undo(self) -> None:
        self.document.set_value(self.path, self.old_value)

    def id(self) -> int:
        return SET_VALUE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not (isinstance(other, SetValueCommand) and self.typing and other.typing
                and other.path == self.path):
            return False
        self.new_value = other.new_value
        return True


class InsertItemCommand(QUndoCommand):
    def __init__(self, document: ProjectDocument, list_path: Path_, index: int, item: Any,
                 text: str):
        super().__init__(text)
        self.document, self.list_path, self.index = document, tuple(list_path), index
        self.item = copy.deepcopy(item)

    def redo(self) -> None:
        self.document.insert_item(self.list_path, self.index, self.item)

    def undo(self) -> None:
        self.document.remove_item(self.list_path, self.index)


class RemoveItemCommand(QUndoCommand):
    def __init__(self, document: ProjectDocument, list_path: Path_, index: int, text: str):
        super().__init__(text)
        self.document, self.list_path, self.index = document, tuple(list_path), index
        self.item = copy.deepcopy(document.value((*self.list_path, index)))

    def redo(self) -> None:
        self.document.remove_item(self.list_path, self.index)

    def undo(self) -> None:
        self.document.insert_item(self.list_path, self.index, self.item)


class MoveItemCommand(QUndoCommand):
    def __init__(self, document: ProjectDocument, list_path: Path_, source: int, target: int,
                 text: str):
        super().__init__(text)
        self.document, self.list_path = document, tuple(list_path)
        self.source, self.target = source, target

    def redo(self) -> None:
        self.document.move_item(self.list_path, self.source, self.target)

    def undo(self) -> None:
        self.document.move_item(self.list_path, self.target, self.source)


def edit_value(document: ProjectDocument, path: Path_, value: Any, text: str | None = None,
               typing: bool = False) -> bool:
    """Push a ``SetValueCommand`` unless the value is unchanged; return whether it pushed."""
    if document.value(tuple(path), MISSING) == value:
        return False
    document.undo_stack.push(SetValueCommand(document, path, value, text, typing))
    return True


def rename_stage(document: ProjectDocument, index: int, new_name: Any) -> None:
    """Rename a stage and every reference to it (rework targets, initial work) in one step."""
    old_name = document.value(("project", "stages", index, "name"))
    if old_name == new_name:
        return
    stack = document.undo_stack
    stack.beginMacro(f"Rename stage {old_name!r}")
    edit_value(document, ("project", "stages", index, "name"), new_name)
    if isinstance(new_name, str) and new_name.strip():
        for row, stage in enumerate(document.value(("project", "stages"), [])):
            rework = stage.get("rework")
            if isinstance(rework, dict) and rework.get("to_stage") == old_name:
                edit_value(document, ("project", "stages", row, "rework", "to_stage"), new_name)
        for row, work in enumerate(document.value(("project", "initial_work"), [])):
            if isinstance(work, dict) and work.get("stage") == old_name:
                edit_value(document, ("project", "initial_work", row, "stage"), new_name)
    stack.endMacro()


def rename_pool(document: ProjectDocument, index: int, new_name: Any) -> None:
    """Rename a pool and the stages it serves in one undo step."""
    old_name = document.value(("project", "pools", index, "name"))
    if old_name == new_name:
        return
    stack = document.undo_stack
    stack.beginMacro(f"Rename pool {old_name!r}")
    edit_value(document, ("project", "pools", index, "name"), new_name)
    if isinstance(new_name, str) and new_name.strip():
        for row, stage in enumerate(document.value(("project", "stages"), [])):
            if stage.get("pool") == old_name:
                edit_value(document, ("project", "stages", row, "pool"), new_name)
    stack.endMacro()
