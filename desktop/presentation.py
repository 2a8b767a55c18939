"""Presentation mode: the plan's story as full-screen slides, in large type.

The slides are, in order: the baseline and its bottleneck, the interventions ranked, the
scenarios side by side, the roadmap with its milestones, and the chance of reaching the goal
by day 90. Right, Space and Page Down go forward, Left and Page Up back, Home and End to the
first and last slide, and Escape leaves. The window opens on the second screen when there is
one, or on the screen chosen in View > Present On.

The slides show what the main window already has: the last run's figures, the last ranking
and the last roadmap projection. A missing ranking is computed off the GUI thread when the
presentation starts, and its slide fills in when it arrives.
"""

from __future__ import annotations

import math

import pandas as pd
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeyEvent, QScreen
from PySide6.QtWidgets import (
    QGridLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop import palette
from desktop.figures import RunFigures, ScenarioFigures
from desktop.roadmap_view import RoadmapTimeline, milestone_lines
from simulation.roadmap import RoadmapReport
from simulation.scenarios import BASELINE

SLIDE_TITLES = ("Baseline and its bottleneck", "Interventions ranked", "Scenarios side by side",
                "The 90-day roadmap", "Reaching the goal by day 90")
BASE_POINT_SIZE = 20
TITLE_POINT_SIZE = 36
FIGURE_POINT_SIZE = 44
RANKED_ROWS = 8
FORWARD_KEYS = (Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_PageDown)
BACK_KEYS = (Qt.Key.Key_Left, Qt.Key.Key_PageUp, Qt.Key.Key_Backspace)


def default_screen(chosen: int | None = None) -> QScreen:
    """Return the screen to present on: ``chosen`` when it exists, else the second one."""
    screens = QGuiApplication.screens()
    if chosen is not None and 0 <= chosen < len(screens):
        return screens[chosen]
    return screens[1] if len(screens) > 1 else QGuiApplication.primaryScreen()


def _font(size: int, bold: bool = False) -> QFont:
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    return font


def _label(text: str, size: int = BASE_POINT_SIZE, bold: bool = False) -> QLabel:
    label = QLabel(text)
    label.setFont(_font(size, bold))
    label.setWordWrap(True)
    return label


def _number(value: float, digits: int = 1, prefix: str = "", suffix: str = "") -> str:
    """Format ``value`` with the sign before the prefix: -$1,257 rather than $-1,257."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}{prefix}{abs(value):,.{digits}f}{suffix}"


def goal_text(goal) -> str:
    """Return the project's goal in words, or an empty string when it sets none."""
    parts = []
    if goal is None:
        return ""
    if goal.experiments_per_month is not None:
        parts.append(f"{goal.experiments_per_month:g} experiments a month")
    if goal.cycle_time_p85_days is not None:
        parts.append(f"cycle time p85 at most {goal.cycle_time_p85_days:g} days")
    return "Goal: " + " and ".join(parts) + " over the 30 days before day 90" if parts else ""


def _percent(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "no goal set"
    return f"{value:.0%}"


class Slide(QWidget):
    """A slide: a title, a body the subclass fills, and a footer with its number."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.title = _label(title, TITLE_POINT_SIZE, bold=True)
        self.body = QVBoxLayout()
        self.footer = _label("", BASE_POINT_SIZE - 6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(60, 40, 60, 30)
        layout.addWidget(self.title)
        layout.addSpacing(20)
        layout.addLayout(self.body, 1)
        layout.addWidget(self.footer)


class BaselineSlide(Slide):
    def __init__(self):
        super().__init__(SLIDE_TITLES[0])
        self.figures = QGridLayout()
        self.bottleneck = _label("", BASE_POINT_SIZE + 4)
        self.body.addLayout(self.figures)
        self.body.addSpacing(30)
        self.body.addWidget(self.bottleneck)
        self.body.addStretch(1)

    def show_figures(self, figures: ScenarioFigures | None) -> None:
        while self.figures.count():
            self.figures.takeAt(0).widget().deleteLater()
        if figures is None:
            self.bottleneck.setText("No run yet: the figures appear after the first run.")
            return
        cells = [("Experiments per month", _number(figures.experiments_per_month)),
                 ("Cycle time p50 / p85", f"{_number(figures.cycle_time_p50_days)} / "
                                          f"{_number(figures.cycle_time_p85_days)} days"),
                 ("Cost per experiment", _number(figures.cost_per_experiment, 0, "$")),
                 ("Chance of reaching the goal", _percent(figures.goal_probability))]
        for column, (name, value) in enumerate(cells):
            self.figures.addWidget(_label(value, FIGURE_POINT_SIZE, bold=True), 0, column)
            self.figures.addWidget(_label(name), 1, column)
        self.bottleneck.setText(self._bottleneck_text(figures))

    @staticmethod
    def _bottleneck_text(figures: ScenarioFigures) -> str:
        if figures.bottleneck is None:
            return "No stage adds noticeable waiting: there is no bottleneck."
        index = figures.stage_names.index(figures.bottleneck)
        return (f"Bottleneck: {figures.bottleneck}. An experiment waits "
                f"{figures.stage_waiting_days[index]:.1f} days there on average, for "
                f"{figures.stage_active_days[index]:.1f} days of work, with "
                f"{figures.stage_queue_length[index]:.1f} experiments queued.")


class TableSlide(Slide):
    """A slide whose body is a read-only table in large type."""

    def __init__(self, title: str):
        super().__init__(title)
        self.table = QTableWidget()
        self.table.setFont(_font(BASE_POINT_SIZE))
        self.table.horizontalHeader().setFont(_font(BASE_POINT_SIZE, bold=True))
        self.table.verticalHeader().setFont(_font(BASE_POINT_SIZE, bold=True))
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.note = _label("", BASE_POINT_SIZE - 2)
        self.body.addWidget(self.table, 1)
        self.body.addWidget(self.note)

    def fill(self, header: list[str], rows: list[list[str]],
             row_header: list[str] | None = None) -> None:
        self.table.clear()
        self.table.setColumnCount(len(header))
        self.table.setRowCount(len(rows))
        self.table.setHorizontalHeaderLabels(header)
        self.table.verticalHeader().setVisible(row_header is not None)
        if row_header is not None:
            self.table.setVerticalHeaderLabels(row_header)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                alignment = Qt.AlignmentFlag.AlignVCenter | (
                    Qt.AlignmentFlag.AlignLeft if column == 0 and row_header is None
                    else Qt.AlignmentFlag.AlignRight)
                item.setTextAlignment(alignment)
                self.table.setItem(row, column, item)


class RankingSlide(TableSlide):
    def __init__(self):
        super().__init__(SLIDE_TITLES[1])
        self.note.setText("Ranking the interventions...")

    def show_ranking(self, ranking: pd.DataFrame | None, replications: int = 0) -> None:
        if ranking is None:
            self.fill([], [])
            self.note.setText("Ranking the interventions...")
            return
        usable = ranking[ranking["not_applicable"].fillna("") == ""].head(RANKED_ROWS)
        rows = [[str(row.name), _number(row.experiments_per_month_gain, 1, "+" if
                                        row.experiments_per_month_gain >= 0 else ""),
                 _number(row.cycle_time_saved_days), _number(row.cost_per_experiment_change, 0,
                                                             "$"),
                 _number(row.score, 2)]
                for row in usable.itertuples()]
        self.fill(["Intervention", "Experiments a month", "Days saved",
                   "Cost per experiment", "Score"], rows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.note.setText(f"Each intervention alone from week 1 against the baseline, "
                          f"{replications} replications each. Changes are per experiment; the "
                          "score adds the relative gains in throughput, cycle time and cost.")


class ScenariosSlide(TableSlide):
    def __init__(self):
        super().__init__(SLIDE_TITLES[2])

    def show_figures(self, figures: RunFigures | None) -> None:
        if figures is None:
            self.fill([], [])
            self.note.setText("No run yet.")
            return
        names = list(figures.scenarios)
        metrics = [("Experiments per month", lambda f: _number(f.experiments_per_month)),
                   ("Cycle time p50 (days)", lambda f: _number(f.cycle_time_p50_days)),
                   ("Cycle time p85 (days)", lambda f: _number(f.cycle_time_p85_days)),
                   ("Cost per experiment", lambda f: _number(f.cost_per_experiment, 0, "$")),
                   ("Chance of reaching the goal", lambda f: _percent(f.goal_probability))]
        rows = [[show(figures.scenarios[name]) for name in names] for _, show in metrics]
        self.fill(names, rows, [title for title, _ in metrics])
        for column in range(len(names)):
            self.table.horizontalHeaderItem(column).setForeground(
                palette.with_alpha(palette.scenario_colour(column), 255))
        self.note.setText(f"{figures.replications} replications per scenario, seed "
                          f"{figures.seed}, the same random draws for every scenario.")


class RoadmapSlide(Slide):
    def __init__(self):
        super().__init__(SLIDE_TITLES[3])
        self.timeline = RoadmapTimeline(scale=1.6)
        self.timeline.setFont(_font(BASE_POINT_SIZE - 4))
        self.timeline.editable = False
        self.note = _label("", BASE_POINT_SIZE - 2)
        self.body.addWidget(self.timeline)
        self.body.addWidget(self.note)
        self.body.addStretch(1)

    def show_roadmap(self, source: RoadmapTimeline, report: RoadmapReport | None) -> None:
        self.timeline.set_roadmap(source.bars, source.weeks, source.horizon_days,
                                  source.colour.name())
        if report is None:
            self.timeline.set_milestones({})
            self.note.setText("No roadmap yet: propose one or pick a scenario on the "
                              "Roadmap tab.")
            return
        self.timeline.set_milestones(milestone_lines(report.milestones(), report.roadmap.name))
        self.note.setText(f"{report.roadmap.name}: each bar starts in its start week; the pale "
                          "part is the ramp-up to full effect.")


class GoalSlide(Slide):
    def __init__(self):
        super().__init__(SLIDE_TITLES[4])
        self.figure = _label("", FIGURE_POINT_SIZE * 2, bold=True)
        self.figure.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.detail = _label("", BASE_POINT_SIZE + 4)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.body.addStretch(1)
        self.body.addWidget(self.figure)
        self.body.addWidget(self.detail)
        self.body.addStretch(1)

    def show_goal(self, figures: RunFigures | None, report: RoadmapReport | None) -> None:
        if report is not None:
            table = report.milestones()
            at_90 = table[table["day"] == 90]
            by_name = dict(zip(at_90["scenario"], at_90["goal_probability"]))
            chance = by_name.get(report.roadmap.name)
            self.figure.setText(_percent(chance))
            self.detail.setText(f"with {report.roadmap.name}, against "
                                f"{_percent(by_name.get(BASELINE))} for the "
                                f"baseline\n{goal_text(report.project.goal)}")
        elif figures is not None:
            self.figure.setText(_percent(figures.baseline_figures.goal_probability))
            self.detail.setText("for the baseline over the horizon; no roadmap yet")
        else:
            self.figure.setText("n/a")
            self.detail.setText("No run yet.")


class PresentationWindow(QWidget):
    """The slides in a frameless full-screen window, navigated with the keyboard."""

    slide_changed = Signal(int)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.setWindowTitle("Presentation")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.baseline = BaselineSlide()
        self.ranking = RankingSlide()
        self.scenarios = ScenariosSlide()
        self.roadmap = RoadmapSlide()
        self.goal = GoalSlide()
        self.stack = QStackedWidget()
        for slide in (self.baseline, self.ranking, self.scenarios, self.roadmap, self.goal):
            self.stack.addWidget(slide)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._number_slides()

    @property
    def count(self) -> int:
        return self.stack.count()

    @property
    def current(self) -> int:
        return self.stack.currentIndex()

    def _number_slides(self) -> None:
        for index in range(self.count):
            self.stack.widget(index).footer.setText(
                f"{index + 1} / {self.count}    Right or Space: next    Left: back    "
                "Escape: leave")

    def show_on(self, screen: QScreen) -> None:
        """Show full screen on ``screen``."""
        self.setScreen(screen)
        self.setGeometry(screen.geometry())
        self.showFullScreen()
        self.activateWindow()
        self.setFocus()

    def go_to(self, index: int) -> None:
        index = max(0, min(self.count - 1, index))
        if index != self.current:
            self.stack.setCurrentIndex(index)
        self.slide_changed.emit(index)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key in FORWARD_KEYS:
            self.go_to(self.current + 1)
        elif key in BACK_KEYS:
            self.go_to(self.current - 1)
        elif key == Qt.Key.Key_Home:
            self.go_to(0)
        elif key == Qt.Key.Key_End:
            self.go_to(self.count - 1)
        elif key == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self.closed.emit()
        super().closeEvent(event)
