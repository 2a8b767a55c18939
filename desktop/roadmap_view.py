"""The roadmap tab: a scenario's interventions over the 13 weeks, with the milestone figures.

Each intervention is a bar from its start week: pale over its ramp-up weeks, solid from
full effect to the end of the horizon. Dragging a bar to another week (snapped to whole
weeks) changes the scenario's ``start_week`` through an undo command, so the live runs rerun
and undo moves it back. After every change the roadmap is projected again off the GUI thread
(``simulation.roadmap.project_roadmap`` with ``PROJECTION_REPLICATIONS``), and the figures
at days 30, 60 and 90 appear under the milestone lines.

The roadmap shown is one of the document's scenarios: the one picked in the drop-down, or
the one that Propose Roadmap adds (``simulation.roadmap.propose_roadmap``).
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import pandas as pd
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import palette, scenario_wiring
from desktop.commands import InsertItemCommand, edit_value
from desktop.document import ProjectDocument
from desktop.planning_jobs import PlanningJobs
from simulation.roadmap import (
    MILESTONE_DAYS,
    Roadmap,
    RoadmapItem,
    RoadmapReport,
    is_quick_win,
    project_roadmap,
    propose_roadmap,
)

logger = logging.getLogger(__name__)

PROJECTION = "roadmap projection"
PROPOSAL = "roadmap proposal"
PROJECTION_REPLICATIONS = 40
PROPOSAL_REPLICATIONS = 40  # per candidate; about 20 s for the example (one run, one core)
PROPOSAL_STEPS = 5
PROJECTION_DELAY_MS = 100  # after the last change, so a burst of edits projects once
PROPOSED_NAME = "Proposed roadmap"


@dataclass(frozen=True)
class Bar:
    """One intervention as the timeline draws it."""

    intervention_id: str
    name: str
    start_week: int
    ramp_up_weeks: int
    quick_win: bool


def roadmap_of(scenario: dict) -> Roadmap:
    """Return a scenario document laid out as a roadmap."""
    items = tuple(RoadmapItem(str(item["id"]), int(item.get("start_week", 1)))
                  for item in scenario.get("interventions", []))
    return Roadmap(str(scenario.get("name", "")), items)


def milestone_lines(milestones: pd.DataFrame, scenario: str) -> dict[float, list[str]]:
    """Return the text under each milestone line: the roadmap's projected figures."""
    lines: dict[float, list[str]] = {}
    for row in milestones[milestones["scenario"] == scenario].itertuples():
        cycle = row.cycle_time_mean_days
        goal = row.goal_probability
        lines[float(row.day)] = [
            f"{row.experiments_per_month_p50:.0f} / {row.experiments_per_month_p85:.0f} "
            "experiments a month",
            "(p50 / p85)",
            "cycle time " + ("n/a" if math.isnan(cycle) else f"{cycle:.1f} days"),
            f"${row.cost_per_experiment:,.0f} per experiment",
            "goal " + ("not set" if goal is None or math.isnan(goal) else f"{goal:.0%} likely"),
        ]
    return lines


class RoadmapTimeline(QWidget):
    """A Gantt chart of the roadmap's weeks; bars can be dragged to another start week."""

    move_requested = Signal(str, int)  # intervention id, new start week

    LABEL_WIDTH = 230
    HEADER_HEIGHT = 26
    ROW_HEIGHT = 30
    BAR_MARGIN = 5
    FOOTER_LINES = 6

    def __init__(self, parent: QWidget | None = None, scale: float = 1.0):
        super().__init__(parent)
        self.scale = scale
        self.weeks = 13
        self.horizon_days = 91.0
        self.bars: list[Bar] = []
        self.colour = QColor(palette.scenario_colour(1))
        self.milestone_text: dict[float, list[str]] = {}
        self.editable = True
        self._drag: tuple[str, float] | None = None  # intervention id, grab offset in weeks
        self._drag_week: int | None = None
        self.setMouseTracking(True)
        self.setMinimumHeight(self._height_for(4))

    # -- content ---------------------------------------------------------------------------

    def set_roadmap(self, bars: list[Bar], weeks: int, horizon_days: float,
                    colour: str) -> None:
        self.bars = list(bars)
        self.weeks = max(1, weeks)
        self.horizon_days = horizon_days
        self.colour = QColor(colour)
        self.setMinimumHeight(self._height_for(len(self.bars)))
        self.update()

    def set_milestones(self, text: dict[float, list[str]]) -> None:
        self.milestone_text = text
        self.update()

    # -- geometry --------------------------------------------------------------------------

    def _px(self, value: float) -> float:
        return value * self.scale

    def _height_for(self, rows: int) -> int:
        line = self.fontMetrics().height() + 2
        return int(self._px(self.HEADER_HEIGHT) + rows * self._px(self.ROW_HEIGHT)
                   + self.FOOTER_LINES * line + self._px(16))

    def _week_width(self) -> float:
        return max(1.0, (self.width() - self._px(self.LABEL_WIDTH) - self._px(12)) / self.weeks)

    def week_x(self, week: float) -> float:
        """Return the x of the start of ``week`` (1 = day 0); fractions are allowed."""
        return self._px(self.LABEL_WIDTH) + (week - 1) * self._week_width()

    def week_at(self, x: float) -> float:
        return (x - self._px(self.LABEL_WIDTH)) / self._week_width() + 1

    def bar_rect(self, intervention_id: str) -> QRectF:
        """Return the rectangle of an intervention's bar, from its start to the horizon."""
        for row, bar in enumerate(self.bars):
            if bar.intervention_id == intervention_id:
                return self._row_rect(row, bar.start_week)
        raise KeyError(f"no bar for intervention {intervention_id!r} in the roadmap")

    def _row_rect(self, row: int, start_week: float) -> QRectF:
        top = self._px(self.HEADER_HEIGHT) + row * self._px(self.ROW_HEIGHT)
        left = self.week_x(start_week)
        right = self.week_x(self.weeks + 1)
        margin = self._px(self.BAR_MARGIN)
        return QRectF(left, top + margin, max(2.0, right - left),
                      self._px(self.ROW_HEIGHT) - 2 * margin)

    def _bar_at(self, point: QPointF) -> Bar | None:
        for row, bar in enumerate(self.bars):
            if self._row_rect(row, bar.start_week).contains(point):
                return bar
        return None

    # -- dragging --------------------------------------------------------------------------

    def mousePressEvent(self, event: QMouseEvent) -> None:
        bar = self._bar_at(event.position())
        if not self.editable or bar is None or event.button() != Qt.MouseButton.LeftButton:
            super().mousePressEvent(event)
            return
        offset = self.week_at(event.position().x()) - bar.start_week
        self._drag = (bar.intervention_id, offset)
        self._drag_week = bar.start_week
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            over_bar = self.editable and self._bar_at(event.position()) is not None
            self.setCursor(Qt.CursorShape.OpenHandCursor if over_bar
                           else Qt.CursorShape.ArrowCursor)
            return
        self._drag_week = self._snapped_week(event.position().x())
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            super().mouseReleaseEvent(event)
            return
        intervention_id = self._drag[0]
        week = self._snapped_week(event.position().x())
        self._drag = None
        self._drag_week = None
        self.setCursor(Qt.CursorShape.OpenHandCursor)
        self.update()
        self.drop_bar(intervention_id, week)

    def _snapped_week(self, x: float) -> int:
        offset = self._drag[1] if self._drag else 0.0
        return min(self.weeks, max(1, round(self.week_at(x) - offset)))

    def drop_bar(self, intervention_id: str, week: int) -> None:
        """End a drag: ask for the move when the bar lands on another week."""
        current = next((bar.start_week for bar in self.bars
                        if bar.intervention_id == intervention_id), None)
        if current is not None and week != current:
            self.move_requested.emit(intervention_id, week)

    # -- painting --------------------------------------------------------------------------

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = palette.role_colour(self.palette().ColorRole.WindowText)
        grid = QColor(text)
        grid.setAlpha(40)
        self._paint_weeks(painter, text, grid)
        for row, bar in enumerate(self.bars):
            self._paint_bar(painter, row, bar, text)
        self._paint_milestones(painter, text)
        painter.end()

    def _paint_weeks(self, painter: QPainter, text: QColor, grid: QColor) -> None:
        header = self._px(self.HEADER_HEIGHT)
        bottom = header + len(self.bars) * self._px(self.ROW_HEIGHT)
        painter.setPen(text)
        painter.drawText(QRectF(0, 0, self._px(self.LABEL_WIDTH), header),
                         Qt.AlignmentFlag.AlignVCenter, "Week")
        for week in range(1, self.weeks + 2):
            x = self.week_x(week)
            painter.setPen(QPen(grid, 1))
            painter.drawLine(QPointF(x, header), QPointF(x, bottom))
            if week <= self.weeks:
                painter.setPen(text)
                painter.drawText(QRectF(x, 0, self._week_width(), header),
                                 Qt.AlignmentFlag.AlignCenter, str(week))

    def _paint_bar(self, painter: QPainter, row: int, bar: Bar, text: QColor) -> None:
        top = self._px(self.HEADER_HEIGHT) + row * self._px(self.ROW_HEIGHT)
        label = bar.name + ("  (quick win)" if bar.quick_win else "")
        painter.setPen(text)
        painter.drawText(QRectF(self._px(4), top, self._px(self.LABEL_WIDTH) - self._px(8),
                                self._px(self.ROW_HEIGHT)),
                         Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                         self.fontMetrics().elidedText(
                             label, Qt.TextElideMode.ElideRight,
                             int(self._px(self.LABEL_WIDTH) - self._px(8))))
        dragging = self._drag is not None and self._drag[0] == bar.intervention_id
        start = self._drag_week if dragging and self._drag_week else bar.start_week
        whole = self._row_rect(row, start)
        full_from = min(self.weeks + 1, start + bar.ramp_up_weeks)
        ramp = QRectF(whole.left(), whole.top(), self.week_x(full_from) - whole.left(),
                      whole.height())
        solid = QRectF(ramp.right(), whole.top(), whole.right() - ramp.right(), whole.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(palette.with_alpha(self.colour, 90))
        painter.drawRect(ramp)
        painter.setBrush(self.colour)
        painter.drawRect(solid)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(QPen(self.colour.darker(130), 2 if dragging else 1))
        painter.drawRect(whole)

    def _paint_milestones(self, painter: QPainter, text: QColor) -> None:
        header = self._px(self.HEADER_HEIGHT)
        bottom = header + len(self.bars) * self._px(self.ROW_HEIGHT)
        line_height = self.fontMetrics().height() + 2
        pen = QPen(QColor("#D55E00"), 2, Qt.PenStyle.DashLine)
        bold = QFont(self.font())
        bold.setBold(True)
        days = [day for day in MILESTONE_DAYS if day <= self.horizon_days + 1e-9]
        blocks = [[f"Day {day}"] + self.milestone_text.get(float(day), ["projecting..."])
                  for day in days]
        centres = [self.week_x(1 + day / 7) for day in days]
        lefts = self._block_lefts(blocks, centres)
        for centre, left, lines in zip(centres, lefts, blocks):
            painter.setPen(pen)
            painter.drawLine(QPointF(centre, header - self._px(4)),
                             QPointF(centre, bottom + self._px(6)))
            width = self._block_width(lines)
            for index, line in enumerate(lines):
                painter.setFont(bold if index == 0 else self.font())
                painter.setPen(text)
                painter.drawText(QRectF(left, bottom + self._px(8) + index * line_height, width,
                                        line_height), Qt.AlignmentFlag.AlignCenter, line)
            painter.setFont(self.font())

    def _block_width(self, lines: list[str]) -> float:
        return max(self.fontMetrics().horizontalAdvance(line) for line in lines) + 8

    def _block_lefts(self, blocks: list[list[str]], centres: list[float]) -> list[float]:
        """Place the text blocks under their lines, shifted so that none overlaps another."""
        gap = 10.0
        widths = [self._block_width(lines) for lines in blocks]
        lefts: list[float] = []
        for centre, width in zip(centres, widths):
            left = centre - width / 2
            if lefts:
                left = max(left, lefts[-1] + widths[len(lefts) - 1] + gap)
            lefts.append(left)
        limit = self.width() - 2.0
        for index in range(len(lefts) - 1, -1, -1):
            lefts[index] = min(lefts[index], limit - widths[index])
            limit = lefts[index] - gap
        return lefts


class RoadmapPanel(QWidget):
    """The roadmap tab: scenario choice, Propose Roadmap, the timeline and its projection."""

    projected = Signal(object)  # RoadmapReport of the shown roadmap
    proposed = Signal(str)  # name of the scenario a proposal added

    def __init__(self, document: ProjectDocument, jobs: PlanningJobs, seed: int = 1,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.jobs = jobs
        self.seed = seed
        self.report: RoadmapReport | None = None
        self._scenario_name: str | None = None

        self.scenario_box = QComboBox()
        self.scenario_box.setMinimumContentsLength(18)
        self.propose_button = QPushButton("Propose Roadmap")
        self.propose_button.setToolTip(
            "Rank the catalog's interventions and schedule the best sequence over the weeks "
            f"({PROPOSAL_REPLICATIONS} replications per candidate); adds a scenario")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.timeline = RoadmapTimeline()

        top = QHBoxLayout()
        top.addWidget(QLabel("Roadmap of scenario:"))
        top.addWidget(self.scenario_box)
        top.addWidget(self.propose_button)
        top.addWidget(self.cancel_button)
        top.addWidget(self.progress)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.timeline)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self._projection_timer = QTimer(self)
        self._projection_timer.setSingleShot(True)
        self._projection_timer.setInterval(PROJECTION_DELAY_MS)
        self._projection_timer.timeout.connect(self.project)

        self.scenario_box.currentTextChanged.connect(self._on_scenario_chosen)
        self.propose_button.clicked.connect(self.propose)
        self.cancel_button.clicked.connect(lambda: self.jobs.cancel(PROPOSAL))
        self.timeline.move_requested.connect(self.move_intervention)
        document.validated.connect(self.refresh)
        jobs.finished.connect(self._on_job_finished)
        jobs.failed.connect(self._on_job_failed)
        jobs.cancelled.connect(self._on_job_cancelled)
        jobs.progress.connect(self._on_job_progress)
        self.refresh()

    # -- the shown scenario ----------------------------------------------------------------

    def roadmap_scenarios(self) -> list[str]:
        """Return the names of the scenarios with interventions, which can be roadmaps."""
        return [str(doc.get("name")) for doc in self.document.scenario_documents()
                if not doc.get("baseline") and doc.get("interventions")]

    def scenario_index(self) -> int | None:
        for index, doc in enumerate(self.document.scenario_documents()):
            if doc.get("name") == self._scenario_name:
                return index
        return None

    def roadmap(self) -> Roadmap | None:
        index = self.scenario_index()
        if index is None:
            return None
        return roadmap_of(self.document.scenario_documents()[index])

    def show_scenario(self, name: str) -> None:
        self.scenario_box.setCurrentText(name)

    def refresh(self) -> None:
        """Bring the drop-down and the timeline up to date with the document."""
        names = self.roadmap_scenarios()
        self.scenario_box.blockSignals(True)
        self.scenario_box.clear()
        self.scenario_box.addItems(names)
        if self._scenario_name in names:
            self.scenario_box.setCurrentText(self._scenario_name)
        elif names:
            self._scenario_name = names[-1]
            self.scenario_box.setCurrentText(self._scenario_name)
        else:
            self._scenario_name = None
        self.scenario_box.blockSignals(False)
        self._show_roadmap()

    def _on_scenario_chosen(self, name: str) -> None:
        if name and name != self._scenario_name:
            self._scenario_name = name
            self._show_roadmap()

    def _show_roadmap(self) -> None:
        project = self.document.project
        roadmap = self.roadmap()
        if project is None or roadmap is None or not self.document.is_runnable:
            self.timeline.set_roadmap([], 13, 91.0, palette.scenario_colour(1))
            self.timeline.set_milestones({})
            self.status.setText("No roadmap yet: pick interventions for a scenario on the "
                                "Scenarios tab, or press Propose Roadmap."
                                if project is not None else
                                "Fix the model's problems to see the roadmap.")
            return
        catalog = scenario_wiring.full_catalog(self.document.custom_interventions())
        bars = [Bar(item.intervention_id, catalog[item.intervention_id].name, item.start_week,
                    catalog[item.intervention_id].ramp_up_weeks,
                    is_quick_win(catalog[item.intervention_id]))
                for item in roadmap.items]
        colour = palette.scenario_colour(self.scenario_index() or 0)
        self.timeline.set_roadmap(bars, scenario_wiring.horizon_weeks(project),
                                  project.horizon_days, colour)
        self.timeline.set_milestones({})
        self.status.setText(f"Projecting {roadmap.name!r} with {PROJECTION_REPLICATIONS} "
                            "replications...")
        self._projection_timer.start()

    # -- edits -----------------------------------------------------------------------------

    def move_intervention(self, intervention_id: str, start_week: int) -> bool:
        """Move an intervention of the shown roadmap to ``start_week`` as one undo step."""
        index = self.scenario_index()
        if index is None:
            return False
        items = self.document.value(("scenarios", index, "interventions"), [])
        for position, item in enumerate(items):
            if item.get("id") == intervention_id:
                path = ("scenarios", index, "interventions", position, "start_week")
                text = f"Move {intervention_id} to week {start_week}"
                return edit_value(self.document, path, int(start_week), text)
        return False

    def propose(self) -> None:
        """Start a roadmap proposal off the GUI thread; the result is added as a scenario."""
        project = self.document.project
        if project is None or not self.document.is_runnable:
            self.status.setText("Not proposed: fix the model's problems first.")
            return
        catalog = scenario_wiring.full_catalog(self.document.custom_interventions())
        seed = self.seed

        def job(run, _report):
            return propose_roadmap(project, catalog, run, steps=PROPOSAL_STEPS,
                                   replications=PROPOSAL_REPLICATIONS, seed=seed)

        self.jobs.submit(PROPOSAL, job)
        self.propose_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.show()
        self.status.setText("Proposing a roadmap: ranking the interventions step by step...")

    def _add_proposal(self, roadmap: Roadmap) -> None:
        if not roadmap.items:
            self.status.setText("No intervention improves the model, so the proposal is "
                                "empty; no scenario was added.")
            return
        taken = {doc.get("name") for doc in self.document.scenario_documents()}
        name, number = PROPOSED_NAME, 1
        while name in taken:
            number += 1
            name = f"{PROPOSED_NAME} {number}"
        scenario = {"name": name, "baseline": False,
                    "interventions": [{"id": item.intervention_id,
                                       "start_week": item.start_week}
                                      for item in roadmap.items]}
        self._scenario_name = name
        count = len(self.document.scenario_documents())
        self.document.undo_stack.push(InsertItemCommand(self.document, ("scenarios",), count,
                                                        scenario, f"Propose roadmap {name!r}"))
        logger.info("added proposed roadmap %r with %d interventions", name,
                    len(roadmap.items))
        self.proposed.emit(name)

    # -- projection ------------------------------------------------------------------------

    def stop_projection(self) -> None:
        """Drop a projection that waits for its pause, as the window closes."""
        self._projection_timer.stop()

    def project(self) -> None:
        project = self.document.project
        roadmap = self.roadmap()
        if project is None or roadmap is None or not self.document.is_runnable:
            return
        catalog = scenario_wiring.full_catalog(self.document.custom_interventions())
        seed = self.seed

        def job(run, _report):
            return project_roadmap(project, roadmap, catalog, run,
                                   replications=PROJECTION_REPLICATIONS, seed=seed)

        self.jobs.submit(PROJECTION, job)

    def _on_job_finished(self, kind: str, result: object) -> None:
        if kind == PROPOSAL:
            self._end_proposal()
            self._add_proposal(result)
        elif kind == PROJECTION and result.roadmap == self.roadmap():
            self.report = result
            self.timeline.set_milestones(milestone_lines(result.milestones(),
                                                         result.roadmap.name))
            self.status.setText(f"Figures under the milestone lines: the 30 days before each "
                                f"day, from {PROJECTION_REPLICATIONS} replications, seed "
                                f"{self.seed}. Drag a bar to move an intervention; the pale "
                                "part is its ramp-up.")
            self.projected.emit(result)

    def _on_job_failed(self, kind: str, message: str) -> None:
        if kind == PROPOSAL:
            self._end_proposal()
            self.status.setText(f"The roadmap proposal failed: {message}")
        elif kind == PROJECTION:
            self.status.setText(f"The roadmap projection failed: {message}")

    def _on_job_cancelled(self, kind: str) -> None:
        if kind == PROPOSAL:
            self._end_proposal()
            self.status.setText("Roadmap proposal cancelled.")

    def _on_job_progress(self, kind: str, done: int, _message: str) -> None:
        if kind == PROPOSAL:
            self.progress.setFormat(f"{done} runs")
            self.status.setText(f"Proposing a roadmap: {done} candidate runs done...")

    def _end_proposal(self) -> None:
        self.propose_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
