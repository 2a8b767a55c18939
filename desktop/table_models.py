"""Thin table models over lists in the project document: stages, pools and initial work.

A model reads rows straight from the ``ProjectDocument`` and turns every edit into an undo
command; it keeps no copy of the data. Cells with a validation problem show a warning icon
and the problem as their tooltip.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QApplication, QComboBox, QStyle, QStyledItemDelegate, QWidget

from desktop import commands
from desktop.document import Path_, ProjectDocument
from desktop.durations import (
    KIND_TITLES,
    KINDS,
    convert_duration,
    format_number,
    parameter_names,
    parse_number,
)

NO_POOL = "(no pool)"
Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()


@dataclass(frozen=True)
class Column:
    """One column: where its value lives in a row document and how it is edited.

    ``field`` returns the path inside the row, or ``None`` when the row has no such cell (a
    third parameter of a two-parameter distribution). ``choices`` returns (label, value)
    pairs for a drop-down. ``setter`` replaces the plain ``SetValueCommand`` for edits that
    change more than one value.
    """

    title: str
    field: Callable[[dict], Path_ | None]
    kind: str = "text"  # text, number or choice
    choices: Callable[[ProjectDocument], list[tuple[str, Any]]] | None = None
    setter: Callable[[ProjectDocument, int, Any], None] | None = None
    label: Callable[[dict], str] | None = None  # a prefix naming the value, such as "min"
    tooltip: str = ""
    read_only_text: Callable[[dict], str | None] | None = None


def _fixed(*path: Any) -> Callable[[dict], Path_]:
    return lambda _row: tuple(path)


class ListTableModel(QAbstractTableModel):
    """A table over the list at ``list_path``, one row per item."""

    def __init__(self, document: ProjectDocument, list_path: Path_, columns: list[Column],
                 new_item: Callable[[ProjectDocument], dict], item_title: str, parent=None):
        super().__init__(parent)
        self.document = document
        self.list_path = tuple(list_path)
        self.columns = columns
        self.new_item = new_item
        self.item_title = item_title
        document.reset.connect(self._on_reset)
        document.list_changed.connect(self._on_list_changed)
        document.value_changed.connect(self._on_value_changed)
        document.validated.connect(self._on_validated)

    # -- shape -----------------------------------------------------------------------------

    def rows(self) -> list[dict]:
        items = self.document.value(self.list_path, [])
        return items if isinstance(items, list) else []

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows())

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            column = self.columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.tooltip or None
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return str(section + 1)
        if role == Qt.ItemDataRole.DecorationRole and self._row_problems(section):
            return _warning_icon()
        if role == Qt.ItemDataRole.ToolTipRole:
            return "\n".join(p.text() for p in self._row_problems(section)) or None
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self._cell_path(index.row(), index.column()) is not None:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    # -- cells -----------------------------------------------------------------------------

    def _cell_path(self, row: int, column: int) -> Path_ | None:
        row_doc = self.rows()[row]
        if not isinstance(row_doc, dict):
            return None
        relative = self.columns[column].field(row_doc)
        return None if relative is None else (*self.list_path, row, *relative)

    def _row_problems(self, row: int):
        return self.document.problems_at((*self.list_path, row))

    def cell_problems(self, row: int, column: int) -> list[str]:
        path = self._cell_path(row, column)
        if path is None:
            return []
        return [problem.message for problem in self.document.problems_at(path)]

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row_doc = self.rows()[index.row()]
        column = self.columns[index.column()]
        path = self._cell_path(index.row(), index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display_text(row_doc, column, path)
        if role == Qt.ItemDataRole.EditRole:
            return None if path is None else self._edit_value(column, path)
        if role == Qt.ItemDataRole.ToolTipRole:
            problems = self.cell_problems(index.row(), index.column())
            return "\n".join(problems) if problems else (column.tooltip or None)
        if role == Qt.ItemDataRole.DecorationRole:
            return _warning_icon() if self.cell_problems(index.row(), index.column()) else None
        return None

    def _display_text(self, row_doc: dict, column: Column, path: Path_ | None) -> str:
        if column.read_only_text is not None:
            text = column.read_only_text(row_doc)
            if text is not None:
                return text
        if path is None:
            return ""
        value = self.document.value(path)
        if column.kind == "choice" and column.choices is not None:
            for label, choice in column.choices(self.document):
                if choice == value:
                    return label
        text = format_number(value) if not isinstance(value, str) else value
        prefix = column.label(row_doc) if column.label else ""
        return f"{prefix} {text}".strip()

    def _edit_value(self, column: Column, path: Path_) -> Any:
        value = self.document.value(path)
        if column.kind == "choice":
            return value
        if isinstance(value, float):
            return repr(value)
        return "" if value is None else str(value)

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        path = self._cell_path(index.row(), index.column())
        if path is None:
            return False
        column = self.columns[index.column()]
        if column.kind == "number" and isinstance(value, str):
            value = parse_number(value)
        elif column.kind == "text" and isinstance(value, str):
            value = value.strip()
        if column.setter is not None:
            column.setter(self.document, index.row(), value)
        else:
            commands.edit_value(self.document, path, value)
        return True

    # -- rows ------------------------------------------------------------------------------

    def insert_row(self, row: int) -> None:
        item = self.new_item(self.document)
        command = commands.InsertItemCommand(self.document, self.list_path, row, item,
                                             f"Add {self.item_title}")
        self.document.undo_stack.push(command)

    def remove_row(self, row: int) -> None:
        name = self.rows()[row].get("name") or self.rows()[row].get("stage") or row + 1
        command = commands.RemoveItemCommand(self.document, self.list_path, row,
                                             f"Remove {self.item_title} {name!r}")
        self.document.undo_stack.push(command)

    def move_row(self, row: int, target: int) -> None:
        if not 0 <= target < len(self.rows()) or target == row:
            return
        command = commands.MoveItemCommand(self.document, self.list_path, row, target,
                                           f"Move {self.item_title}")
        self.document.undo_stack.push(command)

    # -- document signals ------------------------------------------------------------------

    def _on_reset(self) -> None:
        self.beginResetModel()
        self.endResetModel()

    def _on_list_changed(self, path: Path_) -> None:
        if path == self.list_path:
            self.beginResetModel()
            self.endResetModel()

    def _on_value_changed(self, path: Path_) -> None:
        size = len(self.list_path)
        if path[:size] != self.list_path:
            # Choice labels may name other lists' items, such as pool names.
            self._refresh_all()
            return
        if len(path) == size:
            self.beginResetModel()
            self.endResetModel()
            return
        row = path[size]
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def _on_validated(self) -> None:
        self._refresh_all()
        if self.rowCount():
            self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, self.rowCount() - 1)

    def _refresh_all(self) -> None:
        if self.rowCount():
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(self.rowCount() - 1, self.columnCount() - 1))


def _warning_icon():
    return QApplication.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)


class ChoiceDelegate(QStyledItemDelegate):
    """A drop-down editor for the model's choice columns; other columns edit as text."""

    def __init__(self, model: ListTableModel, parent=None):
        super().__init__(parent)
        self.model = model

    def createEditor(self, parent: QWidget, option, index: Index) -> QWidget:
        column = self.model.columns[index.column()]
        if column.kind != "choice" or column.choices is None:
            return super().createEditor(parent, option, index)
        editor = QComboBox(parent)
        for label, value in column.choices(self.model.document):
            editor.addItem(label, value)
        editor.activated.connect(lambda _index: self.commitData.emit(editor))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QComboBox):
            position = editor.findData(index.data(Qt.ItemDataRole.EditRole))
            editor.setCurrentIndex(max(position, 0))
        else:
            super().setEditorData(editor, index)

    def setModelData(self, editor: QWidget, model, index: Index) -> None:
        if isinstance(editor, QComboBox):
            model.setData(index, editor.currentData(), Qt.ItemDataRole.EditRole)
        else:
            super().setModelData(editor, model, index)


# -- the three tables ---------------------------------------------------------------------


def _pool_choices(document: ProjectDocument) -> list[tuple[str, Any]]:
    return [(NO_POOL, None)] + [(name, name) for name in document.pool_names()]


def _stage_choices(document: ProjectDocument) -> list[tuple[str, Any]]:
    return [(name, name) for name in document.stage_names()]


def _parameter(position: int) -> Column:
    def field(row: dict) -> Path_ | None:
        names = parameter_names(_duration(row).get("kind"))
        return ("duration", names[position]) if position < len(names) else None

    def label(row: dict) -> str:
        names = parameter_names(_duration(row).get("kind"))
        return names[position] if position < len(names) else ""

    def empirical_text(row: dict) -> str | None:
        duration = _duration(row)
        if duration.get("kind") == "empirical" and position == 0:
            return f"{len(duration.get('samples', []))} samples"
        return None

    title = "Duration" if position == 0 else ""
    return Column(title, field, kind="number", label=label, read_only_text=empirical_text,
                  tooltip="Duration parameters in days; which ones depends on the distribution")


def _duration(row: dict) -> dict:
    duration = row.get("duration")
    return duration if isinstance(duration, dict) else {}


def _set_kind(document: ProjectDocument, row: int, kind: Any) -> None:
    path = ("project", "stages", row, "duration")
    current = document.value(path) or {}
    if current.get("kind") == kind:
        return
    commands.edit_value(document, path, convert_duration(current, kind),
                        text=f"Change the distribution of stage {row + 1} to {kind}")


def stage_columns() -> list[Column]:
    return [
        Column("Stage", _fixed("name"), setter=commands.rename_stage),
        Column("Pool", _fixed("pool"), kind="choice", choices=_pool_choices,
               tooltip="The resource pool that serves this stage"),
        Column("Units", _fixed("units"), kind="number",
               tooltip="Pool members or machines one experiment holds during the stage"),
        Column("Distribution", _fixed("duration", "kind"), kind="choice",
               choices=lambda _document: [(KIND_TITLES[kind], kind) for kind in KINDS],
               setter=_set_kind),
        _parameter(0),
        _parameter(1),
        _parameter(2),
    ]


def new_stage(document: ProjectDocument) -> dict:
    names = set(document.stage_names())
    number = len(names) + 1
    while f"stage_{number}" in names:
        number += 1
    pools = document.pool_names()
    return {"name": f"stage_{number}", "pool": pools[0] if pools else None, "units": 1,
            "duration": {"kind": "triangular", "min": 0.5, "likely": 1.0, "max": 2.0}}


def pool_columns() -> list[Column]:
    return [
        Column("Pool", _fixed("name"), setter=commands.rename_pool),
        Column("Kind", _fixed("kind"), kind="choice",
               choices=lambda _document: [("people", "people"), ("machine", "machine")],
               tooltip="People work on the calendar's working days; machines run around "
                       "the clock"),
        Column("Capacity", _fixed("capacity"), kind="number",
               tooltip="Headcount or number of machines"),
        Column("Cost per hour", _fixed("cost_per_hour"), kind="number",
               tooltip="Cost of one member or machine per hour of work"),
    ]


def new_pool(document: ProjectDocument) -> dict:
    names = set(document.pool_names())
    number = len(names) + 1
    while f"pool_{number}" in names:
        number += 1
    return {"name": f"pool_{number}", "capacity": 1, "cost_per_hour": 0.0, "kind": "people"}


def initial_work_columns() -> list[Column]:
    return [
        Column("Stage", _fixed("stage"), kind="choice", choices=_stage_choices),
        Column("Experiments", _fixed("count"), kind="number",
               tooltip="Experiments already waiting at or in this stage at day 0"),
    ]


def new_initial_work(document: ProjectDocument) -> dict:
    names = document.stage_names()
    return {"stage": names[0] if names else "", "count": 1}


def make_stage_model(document: ProjectDocument, parent=None) -> ListTableModel:
    return ListTableModel(document, ("project", "stages"), stage_columns(), new_stage, "stage",
                          parent)


def make_pool_model(document: ProjectDocument, parent=None) -> ListTableModel:
    return ListTableModel(document, ("project", "pools"), pool_columns(), new_pool, "pool",
                          parent)


def make_initial_work_model(document: ProjectDocument, parent=None) -> ListTableModel:
    return ListTableModel(document, ("project", "initial_work"), initial_work_columns(),
                          new_initial_work, "initial work", parent)
