"""The scenario panel: scenarios side by side, one baseline, interventions with start weeks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import commands, palette, scenario_wiring
from desktop.document import Path_, ProjectDocument
from desktop.forms import FormBinder, LineField


class ScenarioPanel(QWidget):
    def __init__(self, document: ProjectDocument, parent=None):
        super().__init__(parent)
        self.document = document
        self.catalog = scenario_wiring.catalog_entries(document.custom_interventions())
        self._committing = False
        self.list = QListWidget()
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.currentRowChanged.connect(self._on_current_changed)

        self.add_button = QPushButton("Add scenario")
        self.duplicate_button = QPushButton("Duplicate")
        self.remove_button = QPushButton("Remove")
        self.baseline_button = QPushButton("Make baseline")
        self.add_button.clicked.connect(self.add_scenario)
        self.duplicate_button.clicked.connect(self.duplicate_scenario)
        self.remove_button.clicked.connect(self.remove_scenario)
        self.baseline_button.clicked.connect(self.make_baseline)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.duplicate_button, self.remove_button,
                       self.baseline_button):
            buttons.addWidget(button)
        buttons.addStretch()

        self.binder = FormBinder(document, ("scenarios", 0))
        self.name_field = self.binder.add(LineField(("name",), numeric=False))
        form = QFormLayout()
        form.addRow("Scenario name", self.name_field)

        self.interventions = QTableWidget(0, 3)
        self.interventions.setHorizontalHeaderLabels(["Intervention", "Kind", "Starts in"])
        self.interventions.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.Stretch)
        self.interventions.verticalHeader().hide()
        self.interventions.itemChanged.connect(self._on_intervention_ticked)
        self.note = QLabel()
        self.note.setWordWrap(True)

        intro = QLabel("All scenarios run together with the same seed; the cards compare each "
                       "with the baseline.")
        intro.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        self.list.setMinimumHeight(70)
        layout.addLayout(buttons)
        layout.addLayout(form)
        layout.addWidget(self.note)
        layout.addWidget(self.interventions, 4)

        document.reset.connect(self.refresh)
        document.list_changed.connect(self._on_list_changed)
        document.value_changed.connect(self._on_value_changed)
        self.refresh()

    # -- showing the document --------------------------------------------------------------

    def scenarios(self) -> list[dict]:
        return self.document.value(("scenarios",), [])

    def current_row(self) -> int:
        return max(self.list.currentRow(), 0)

    def refresh(self) -> None:
        self.catalog = scenario_wiring.catalog_entries(self.document.custom_interventions())
        self._refresh_list()
        self._on_current_changed(self.list.currentRow())

    def _refresh_list(self) -> None:
        row = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for index, scenario in enumerate(self.scenarios()):
            name = str(scenario.get("name", ""))
            label = f"{name} (baseline)" if scenario.get("baseline") else name
            item = QListWidgetItem(label)
            item.setIcon(palette.swatch(palette.scenario_colour(index), 12))
            self.list.addItem(item)
        self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1))
        self.list.blockSignals(False)

    def _on_list_changed(self, path: Path_) -> None:
        if path[0] == "scenarios":
            self.refresh()

    def _on_value_changed(self, path: Path_) -> None:
        if path[0] != "scenarios":
            return
        self._refresh_list()
        self._update_buttons()
        # The panel's own edits leave its widgets as they are: rebuilding the intervention
        # table would delete the spin box whose signal is being handled.
        if not self._committing:
            self._show_interventions(self.current_row())

    def _on_current_changed(self, row: int) -> None:
        row = max(row, 0)
        self.binder.set_base(("scenarios", row))
        self._show_interventions(row)
        self._update_buttons()

    def _update_buttons(self) -> None:
        available = bool(self.catalog)
        reason = "" if available else "The intervention catalog is empty"
        for button in (self.add_button, self.duplicate_button):
            button.setEnabled(available)
            button.setToolTip(reason)
        current = self.scenarios()[self.current_row()] if self.scenarios() else {}
        self.remove_button.setEnabled(len(self.scenarios()) > 1 and not current.get("baseline"))
        self.baseline_button.setEnabled(bool(current) and not current.get("baseline"))

    def _show_interventions(self, row: int) -> None:
        scenarios = self.scenarios()
        chosen = {}
        if 0 <= row < len(scenarios):
            for item in scenarios[row].get("interventions", []):
                if isinstance(item, dict):
                    chosen[item.get("id")] = item.get("start_week", 0)
        self.note.setText("Tick the interventions of this scenario and the week each starts "
                          "(week 1 starts on day 0). Hover over one for its description."
                          if self.catalog else "The intervention catalog is empty, so the "
                                               "baseline is the only scenario.")
        weeks = self._horizon_weeks()
        self.interventions.blockSignals(True)
        self.interventions.setRowCount(len(self.catalog))
        for index, entry in enumerate(self.catalog):
            item = QTableWidgetItem(entry.name)
            item.setData(Qt.ItemDataRole.UserRole, entry.id)
            item.setToolTip(entry.description)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if entry.id in chosen
                               else Qt.CheckState.Unchecked)
            self.interventions.setItem(index, 0, item)
            kind = QTableWidgetItem(entry.category)
            kind.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.interventions.setItem(index, 1, kind)
            week = QSpinBox()
            week.setRange(1, max(weeks, int(chosen.get(entry.id, 1) or 1)))
            week.setPrefix("week ")
            week.setValue(int(chosen.get(entry.id, 1) or 1))
            week.setEnabled(entry.id in chosen)
            week.valueChanged.connect(
                lambda value, ident=entry.id: self._set_start_week(ident, value))
            self.interventions.setCellWidget(index, 2, week)
        self.interventions.blockSignals(False)

    # -- edits -----------------------------------------------------------------------------

    def _horizon_weeks(self) -> int:
        project = self.document.project
        return scenario_wiring.horizon_weeks(project) if project is not None else 13

    def _interventions_path(self) -> Path_:
        return ("scenarios", self.current_row(), "interventions")

    def _on_intervention_ticked(self, item: QTableWidgetItem) -> None:
        ident = item.data(Qt.ItemDataRole.UserRole)
        current = list(self.document.value(self._interventions_path(), []))
        current = [entry for entry in current if entry.get("id") != ident]
        if item.checkState() == Qt.CheckState.Checked:
            week = self.interventions.cellWidget(item.row(), 2).value()
            current.append({"id": ident, "start_week": week})
        self._commit(current, f"Change the interventions of scenario {self.current_row() + 1}")
        self.interventions.cellWidget(item.row(), 2).setEnabled(
            item.checkState() == Qt.CheckState.Checked)

    def _set_start_week(self, ident: str, week: int) -> None:
        current = [dict(entry) for entry in self.document.value(self._interventions_path(), [])]
        for entry in current:
            if entry.get("id") == ident:
                entry["start_week"] = week
        self._commit(current, f"Change the start week of {ident}")

    def _commit(self, interventions: list[dict], text: str) -> None:
        self._committing = True
        try:
            commands.edit_value(self.document, self._interventions_path(), interventions,
                                text=text)
        finally:
            self._committing = False

    def _unique_name(self, base: str) -> str:
        names = {str(s.get("name")) for s in self.scenarios()}
        name, number = base, 2
        while name in names:
            name = f"{base} {number}"
            number += 1
        return name

    def add_scenario(self) -> None:
        scenario = {"name": self._unique_name("Scenario"), "baseline": False, "interventions": []}
        self._insert(scenario, "Add scenario")

    def duplicate_scenario(self) -> None:
        source = dict(self.scenarios()[self.current_row()])
        scenario = {"name": self._unique_name(f"{source.get('name', 'Scenario')} copy"),
                    "baseline": False, "interventions": list(source.get("interventions", []))}
        self._insert(scenario, "Duplicate scenario")

    def _insert(self, scenario: dict, text: str) -> None:
        row = len(self.scenarios())
        self.document.undo_stack.push(
            commands.InsertItemCommand(self.document, ("scenarios",), row, scenario, text))
        self.list.setCurrentRow(row)

    def remove_scenario(self) -> None:
        row = self.current_row()
        if self.scenarios()[row].get("baseline") or len(self.scenarios()) < 2:
            return
        self.document.undo_stack.push(commands.RemoveItemCommand(
            self.document, ("scenarios",), row, "Remove scenario"))

    def make_baseline(self) -> None:
        row = self.current_row()
        stack = self.document.undo_stack
        stack.beginMacro("Change the baseline scenario")
        for index in range(len(self.scenarios())):
            commands.edit_value(self.document, ("scenarios", index, "baseline"), index == row)
        stack.endMacro()
