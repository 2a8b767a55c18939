"""The model editor: stages, pools, demand and goal, each bound to the project document."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.document import ProjectDocument
from desktop.forms import (
    CheckField,
    ChoiceField,
    FormBinder,
    LineField,
    OptionalGroup,
    ProblemLabel,
    WeekdaysField,
)
from desktop.scenario_panel import ScenarioPanel
from desktop.table_models import (
    ChoiceDelegate,
    ListTableModel,
    make_initial_work_model,
    make_pool_model,
    make_stage_model,
)

# Pixels for name, pool, units, distribution and the first two duration parameters; the
# last column stretches. They fit the editor at its share of a 1280-pixel-wide window.
STAGE_COLUMN_WIDTHS = (112, 100, 40, 82, 78, 78)


class ListEditor(QWidget):
    """A table over a document list with add, remove and move buttons."""

    current_row_changed = Signal(int)

    def __init__(self, model: ListTableModel, movable: bool = False,
                 column_widths: tuple[int, ...] = (), parent=None):
        super().__init__(parent)
        self.model = model
        self.view = QTableView()
        self.view.setModel(model)
        self.view.setItemDelegate(ChoiceDelegate(model, self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                  | QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate(column_widths):
            self.view.setColumnWidth(column, width)
        self.view.selectionModel().currentRowChanged.connect(
            lambda current, _previous: self.current_row_changed.emit(current.row()))
        model.modelReset.connect(self._restore_selection)
        self._remembered_row = 0

        buttons = QHBoxLayout()
        title = model.item_title
        self.add_button = QPushButton(f"Add {title}")
        self.remove_button = QPushButton(f"Remove {title}")
        self.add_button.clicked.connect(self.add_row)
        self.remove_button.clicked.connect(self.remove_row)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        if movable:
            self.up_button = QPushButton("Move up")
            self.down_button = QPushButton("Move down")
            self.up_button.clicked.connect(lambda: self.move_row(-1))
            self.down_button.clicked.connect(lambda: self.move_row(+1))
            buttons.addWidget(self.up_button)
            buttons.addWidget(self.down_button)
        buttons.addStretch()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.view)
        layout.addLayout(buttons)

    def current_row(self) -> int:
        return self.view.currentIndex().row()

    def select_row(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            self.view.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)

    def add_row(self) -> None:
        row = self.current_row() + 1 if self.current_row() >= 0 else self.model.rowCount()
        self._remembered_row = row
        self.model.insert_row(row)
        self.select_row(row)

    def remove_row(self) -> None:
        row = self.current_row()
        if row >= 0:
            self._remembered_row = max(0, row - 1)
            self.model.remove_row(row)

    def move_row(self, step: int) -> None:
        row = self.current_row()
        if row >= 0 and 0 <= row + step < self.model.rowCount():
            self._remembered_row = row + step
            self.model.move_row(row, row + step)

    def _restore_selection(self) -> None:
        self.select_row(min(self._remembered_row, self.model.rowCount() - 1))


def _review_default() -> dict:
    return {"weekdays": [0], "slots": 1, "hour": 10.0}


def _early_stopping_default() -> dict:
    return {"share": 0.2, "at_fraction": 0.5}


class StageDetails(QWidget):
    """Review meetings, rework and early stopping of the current stage."""

    def __init__(self, document: ProjectDocument, parent=None):
        super().__init__(parent)
        self.document = document
        self.binder = FormBinder(document, ("project", "stages", 0))
        self.title = QLabel()
        self.title.setObjectName("stageDetailsTitle")

        self.review = self._group("Review meetings", ("review",), _review_default,
                                  "Served only at meetings: each meeting on these weekdays "
                                  "takes up to 'slots' experiments")
        review_form = QGridLayout(self.review)
        review_form.addWidget(QLabel("Weekdays"), 0, 0)
        review_form.addWidget(self.binder.add(WeekdaysField(("review", "weekdays"))), 0, 1, 1, 3)
        self._add_pair(review_form, 1, "Slots per meeting", LineField(("review", "slots")),
                       "Hour of day", LineField(("review", "hour"),
                                                tooltip="Meeting time, 0 to 24 hours"))

        self.rework = self._group("Rework", ("rework",), self._rework_default,
                                  "After the stage, an experiment goes back with this "
                                  "probability")
        self._add_pair(QGridLayout(self.rework), 0, "Probability",
                       LineField(("rework", "probability"), tooltip="0 <= p < 1"),
                       "Back to stage", ChoiceField(
                           ("rework", "to_stage"),
                           lambda document: [(name, name) for name in document.stage_names()]))

        self.early = self._group("Early stopping", ("early_stopping",), _early_stopping_default,
                                 "A share of runs is stopped as unpromising part-way through "
                                 "the stage; a stopped experiment ends there")
        self._add_pair(QGridLayout(self.early), 0, "Share stopped",
                       LineField(("early_stopping", "share"), tooltip="Share of experiments, "
                                                                      "0 to 1"),
                       "At fraction", LineField(("early_stopping", "at_fraction"),
                                                tooltip="0 to 1 of the stage's duration"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.review)
        layout.addWidget(self.rework)
        layout.addWidget(self.early)
        layout.addStretch()
        self.set_stage(0)

    def _add_pair(self, grid: QGridLayout, row: int, first_title: str, first,
                  second_title: str, second) -> None:
        """Put two labelled fields side by side on one row of ``grid``."""
        grid.addWidget(QLabel(first_title), row, 0, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.binder.add(first), row, 1)
        grid.addWidget(QLabel(second_title), row, 2, Qt.AlignmentFlag.AlignTop)
        grid.addWidget(self.binder.add(second), row, 3)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def _group(self, title, path, default, tooltip) -> OptionalGroup:
        return self.binder.add(OptionalGroup(title, path, default, tooltip=tooltip))

    def _rework_default(self) -> dict:
        names = self.document.stage_names()
        row = self.binder.base[-1]
        return {"probability": 0.1, "to_stage": names[row] if row < len(names) else ""}

    def set_stage(self, row: int) -> None:
        names = self.document.stage_names()
        valid = 0 <= row < len(names)
        self.setEnabled(valid)
        self.title.setText(f"Stage {row + 1}: {names[row]}" if valid else "No stage selected")
        self.binder.set_base(("project", "stages", max(row, 0)))


class ProjectSettings(QWidget):
    """Demand, work-in-progress limit, horizon, calendar, costs, goal and initial work."""

    def __init__(self, document: ProjectDocument, parent=None):
        super().__init__(parent)
        binder = self.binder = FormBinder(document)
        left = QFormLayout()
        left.addRow("Project name", binder.add(LineField(("name",), numeric=False)))
        left.addRow("Horizon (days)", binder.add(LineField(
            ("horizon_days",), tooltip="Length of the simulated period in calendar days")))
        left.addRow("Demand", binder.add(ChoiceField(
            ("demand", "kind"),
            lambda _document: [("Backlog: always a next hypothesis", "backlog"),
                               ("Poisson arrivals", "poisson")])))
        left.addRow("Arrivals per week", binder.add(LineField(
            ("demand", "per_week"), tooltip="Mean new hypotheses per week (Poisson demand)")))
        wip = binder.add(OptionalGroup("Work-in-progress limit", ("wip_limit",), lambda: 6,
                                       absent=None, tooltip="At most this many experiments "
                                                            "in flight"))
        wip_form = QFormLayout(wip)
        wip_form.addRow("Experiments in flight", binder.add(LineField(("wip_limit",))))
        left.addRow(wip)
        left.addRow("Actionable share", binder.add(LineField(
            ("actionable_probability",),
            tooltip="Probability that a concluded experiment leads to a decision, 0 to 1")))
        left.addRow("Fixed cost per experiment", binder.add(LineField(
            ("fixed_cost_per_experiment",))))
        left.addRow("Goal: experiments per month", binder.add(LineField(
            ("goal", "experiments_per_month"), placeholder="no goal",
            tooltip="Completions in the last 30 days of the horizon; empty for no goal")))
        left.addRow("Goal: cycle time p85 (days)", binder.add(LineField(
            ("goal", "cycle_time_p85_days"), placeholder="no goal",
            tooltip="85th percentile of cycle time in the last 30 days; empty for no goal")))

        right = QFormLayout()
        right.addRow(binder.add(CheckField(("calendar", "enabled"), "Working calendar",
                                           tooltip="People work only on working days")))
        right.addRow("Start date", binder.add(LineField(
            ("calendar", "start_date"), numeric=False, placeholder="2027-01-04")))
        right.addRow("Working days per week", binder.add(LineField(
            ("calendar", "working_days_per_week"))))
        right.addRow("Hours per day", binder.add(LineField(("calendar", "hours_per_day"))))
        self.initial_work = ListEditor(make_initial_work_model(document))
        self.initial_work.view.setMinimumHeight(90)
        right.addRow(QLabel("Experiments in progress at day 0"))
        right.addRow(self.initial_work)
        self.initial_work_problems = ProblemLabel()
        right.addRow(self.initial_work_problems)
        document.validated.connect(lambda: self.initial_work_problems.show_problems(
            [p.message for p in document.problems if p.path == ("project", "initial_work")]))

        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 1)


class EditorPanel(QWidget):
    """The tabs of the model editor with a summary of the problems that block a run."""

    def __init__(self, document: ProjectDocument, parent=None):
        super().__init__(parent)
        self.document = document
        self.problem_summary = ProblemLabel()
        self.problem_summary.setObjectName("problemSummary")

        self.stages = ListEditor(make_stage_model(document), movable=True,
                                 column_widths=STAGE_COLUMN_WIDTHS)
        self.stage_details = StageDetails(document)
        self.stages.current_row_changed.connect(self.stage_details.set_stage)
        stages_tab = QWidget()
        stages_layout = QVBoxLayout(stages_tab)
        stages_layout.addWidget(self.stages, 1)
        stages_layout.addWidget(_scrolling(self.stage_details), 1)

        self.pools = ListEditor(make_pool_model(document), column_widths=(140, 90, 80))
        self.project_settings = ProjectSettings(document)
        self.scenarios = ScenarioPanel(document)

        self.tabs = QTabWidget()
        self.tabs.addTab(stages_tab, "Stages")
        self.tabs.addTab(self.pools, "Pools")
        self.tabs.addTab(_scrolling(self.project_settings), "Project")
        self.tabs.addTab(self.scenarios, "Scenarios")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.problem_summary)
        layout.addWidget(self.tabs)
        document.validated.connect(self._show_problem_summary)
        document.reset.connect(lambda: self.stages.select_row(0))

    def _show_problem_summary(self) -> None:
        problems = self.document.problems
        if not problems:
            self.problem_summary.show_problems([])
            return
        count = len(problems)
        head = f"The model cannot run: {count} problem{'s' if count != 1 else ''}"
        lines = [p.text() for p in problems[:4]]
        if count > 4:
            lines.append(f"... and {count - 4} more")
        self.problem_summary.show_problems([head, *lines])


def _scrolling(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    return area
