"""Form fields bound to paths in the project document, each with its validation message.

A field pushes an undo command as the user types, and shows the document's value when the
document changes, with the editor's signals blocked so that the value does not write back.
Below each editor a label shows the validation problems of its path, so the reason sits
next to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop import commands
from desktop.document import MISSING, Path_, ProjectDocument
from desktop.durations import format_number, parse_number

WEEKDAY_TITLES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class ProblemLabel(QLabel):
    """The validation message shown under a field; hidden while the field is valid."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWordWrap(True)
        self.setObjectName("problemLabel")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.font()
        font.setItalic(True)
        self.setFont(font)
        self.hide()

    def show_problems(self, messages: list[str]) -> None:
        self.setText("\n".join(f"\u26a0 {message}" for message in messages))
        self.setVisible(bool(messages))


class Field(QWidget):
    """An editor for the value at ``base + relative_path``, with its problem label."""

    def __init__(self, relative_path: Path_, editor: QWidget, tooltip: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.relative_path = tuple(relative_path)
        self.editor = editor
        self.problem_label = ProblemLabel(self)
        self.binder: FormBinder | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(editor)
        layout.addWidget(self.problem_label)
        if tooltip:
            editor.setToolTip(tooltip)

    def show_value(self, value: Any) -> None:
        raise NotImplementedError

    def commit(self, value: Any, typing: bool = False) -> None:
        if self.binder is not None:
            self.binder.commit(self, value, typing)


class LineField(Field):
    """A line edit for text or a number; numbers that do not parse are kept as typed."""

    def __init__(self, relative_path: Path_, numeric: bool = True, tooltip: str = "",
                 placeholder: str = ""):
        super().__init__(relative_path, QLineEdit(), tooltip)
        self.numeric = numeric
        self.editor.setPlaceholderText(placeholder)
        self.editor.textEdited.connect(lambda text: self.commit(self.parse(text), typing=True))

    def parse(self, text: str) -> Any:
        return parse_number(text) if self.numeric else text

    def show_value(self, value: Any) -> None:
        if value is MISSING:
            value = None
        # Keep what the user typed ("1." or "0.50") while it means the stored value.
        if self.parse(self.editor.text()) == value:
            return
        text = format_number(value) if self.numeric and not isinstance(value, str) else value
        self.editor.setText("" if text is None else str(text))


class CheckField(Field):
    def __init__(self, relative_path: Path_, title: str, tooltip: str = ""):
        super().__init__(relative_path, QCheckBox(title), tooltip)
        self.editor.toggled.connect(lambda checked: self.commit(bool(checked)))

    def show_value(self, value: Any) -> None:
        self.editor.setChecked(bool(value) if value is not MISSING else False)


class ChoiceField(Field):
    """A drop-down of (label, value) pairs; ``choices`` may depend on the document."""

    def __init__(self, relative_path: Path_,
                 choices: Callable[[ProjectDocument], list[tuple[str, Any]]], tooltip: str = ""):
        super().__init__(relative_path, QComboBox(), tooltip)
        self.choices = choices
        self.editor.activated.connect(lambda index: self.commit(self.editor.itemData(index)))

    def show_value(self, value: Any) -> None:
        pairs = self.choices(self.binder.document) if self.binder else []
        if value not in [choice for _, choice in pairs] and value not in (None, MISSING):
            pairs = [*pairs, (str(value), value)]
        self.editor.clear()
        for label, choice in pairs:
            self.editor.addItem(label, choice)
        self.editor.setCurrentIndex(max(self.editor.findData(value), 0))


class WeekdaysField(Field):
    """Seven toggle buttons for a list of weekdays, 0 (Monday) to 6 (Sunday)."""

    def __init__(self, relative_path: Path_, tooltip: str = ""):
        container = QWidget()
        row = QHBoxLayout(container)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        self.boxes = []
        for title in WEEKDAY_TITLES:
            box = QToolButton()
            box.setText(title)
            box.setCheckable(True)
            box.setAutoRaise(False)
            self.boxes.append(box)
            row.addWidget(box)
            box.toggled.connect(lambda _checked: self.commit(self._checked_days()))
        row.addStretch()
        super().__init__(relative_path, container, tooltip)

    def _checked_days(self) -> list[int]:
        return [day for day, box in enumerate(self.boxes) if box.isChecked()]

    def show_value(self, value: Any) -> None:
        days = value if isinstance(value, list) else []
        for day, box in enumerate(self.boxes):
            box.blockSignals(True)
            box.setChecked(day in days)
            box.blockSignals(False)


class OptionalGroup(QGroupBox):
    """A checkable group for an optional object: ticking it adds ``default``, clearing removes.

    ``absent`` is what the path holds when the option is off: ``MISSING`` removes the key,
    ``None`` keeps it as null (for fields the file format always writes).
    """

    def __init__(self, title: str, relative_path: Path_, default: Callable[[], Any],
                 absent: Any = MISSING, tooltip: str = ""):
        super().__init__(title)
        self.setCheckable(True)
        self.relative_path = tuple(relative_path)
        self.default = default
        self.absent = absent
        self.binder: FormBinder | None = None
        if tooltip:
            self.setToolTip(tooltip)
        self.toggled.connect(self._on_toggled)

    def _on_toggled(self, checked: bool) -> None:
        if self.binder is not None:
            self.binder.commit(self, self.default() if checked else self.absent)

    def show_value(self, value: Any) -> None:
        self.setChecked(value not in (None, MISSING))


class FormBinder:
    """Connects fields to document paths under ``base``, which may change (the current stage)."""

    def __init__(self, document: ProjectDocument, base: Path_ = ("project",)):
        self.document = document
        self.base = tuple(base)
        self.fields: list[Field | OptionalGroup] = []
        document.reset.connect(self.refresh)
        document.value_changed.connect(self._on_value_changed)
        document.list_changed.connect(lambda _path: self.refresh())
        document.validated.connect(self.show_problems)

    def add(self, field: Field | OptionalGroup) -> Field | OptionalGroup:
        field.binder = self
        self.fields.append(field)
        return field

    def path_of(self, field: Field | OptionalGroup) -> Path_:
        return (*self.base, *field.relative_path)

    def set_base(self, base: Path_) -> None:
        self.base = tuple(base)
        self.refresh()
        self.show_problems()

    def commit(self, field: Field | OptionalGroup, value: Any, typing: bool = False) -> None:
        commands.edit_value(self.document, self.path_of(field), value, typing=typing)

    def refresh(self) -> None:
        for field in self.fields:
            self._show(field)

    def _show(self, field: Field | OptionalGroup) -> None:
        widget = field if isinstance(field, OptionalGroup) else field.editor
        blocked = widget.blockSignals(True)
        try:
            field.show_value(self.document.value(self.path_of(field), MISSING))
        finally:
            widget.blockSignals(blocked)

    def _on_value_changed(self, path: Path_) -> None:
        for field in self.fields:
            field_path = self.path_of(field)
            # A change above the field (a whole stage replaced) or below it (one weekday).
            if path[:len(field_path)] == field_path or field_path[:len(path)] == path:
                self._show(field)
            elif isinstance(field, ChoiceField):
                self._show(field)  # its choices may list names that just changed

    def show_problems(self) -> None:
        for field in self.fields:
            if isinstance(field, Field):
                problems = self.document.problems_at(self.path_of(field))
                field.problem_label.show_problems([problem.message for problem in problems])
