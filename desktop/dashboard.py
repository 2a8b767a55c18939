"""The results dashboard: headline cards compared with the baseline, and the charts."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop import charts, palette
from desktop.figures import RunFigures, ScenarioFigures


@dataclass(frozen=True)
class CardSpec:
    key: str  # a key of ``ScenarioFigures.headline``
    title: str
    format: Callable[[float], str]
    format_change: Callable[[float, float], str]  # (value, baseline value)
    tooltip: str


def _number(digits: int, suffix: str = "") -> Callable[[float], str]:
    return lambda value: f"{value:,.{digits}f}{suffix}" if math.isfinite(value) else "n/a"


def _relative_change(digits: int) -> Callable[[float, float], str]:
    def change(value: float, baseline: float) -> str:
        if not (math.isfinite(value) and math.isfinite(baseline)):
            return ""
        text = f"{value - baseline:+,.{digits}f}"
        if baseline:
            text += f" ({(value - baseline) / abs(baseline):+.0%})"
        return text

    return change


def _points_change(value: float, baseline: float) -> str:
    if not (math.isfinite(value) and math.isfinite(baseline)):
        return ""
    return f"{100 * (value - baseline):+.0f} points"


CARDS = (
    CardSpec("experiments_per_month", "Experiments per month", _number(1),
             _relative_change(1), "Completed experiments per 30 days over the horizon, mean "
                                  "over replications"),
    CardSpec("cycle_time_p50_days", "Cycle time p50", _number(1, " d"), _relative_change(1),
             "Median days from start to conclusion, over all replications"),
    CardSpec("cycle_time_p85_days", "Cycle time p85", _number(1, " d"), _relative_change(1),
             "85% of experiments conclude within this many days"),
    CardSpec("cost_per_experiment", "Cost per experiment", _number(0), _relative_change(0),
             "People, compute and fixed cost per completed experiment, mean over "
             "replications"),
    CardSpec("goal_probability", "Chance of reaching the goal",
             lambda value: f"{value:.0%}" if math.isfinite(value) else "no goal",
             _points_change, "Share of replications that meet the goal in the last 30 days "
                             "of the horizon"),
)


def card_detail(key: str, figures: ScenarioFigures) -> str:
    """Return the small print under a card's figure: its spread or the goal it is held to."""
    goal_count = figures.goal_experiments_per_month
    goal_p85 = figures.goal_cycle_time_p85_days
    if key == "experiments_per_month":
        text = (f"90%: {figures.experiments_per_month_low:.1f} to "
                f"{figures.experiments_per_month_high:.1f}")
        return text + (f"; goal {goal_count:g}" if goal_count is not None else "")
    if key == "cycle_time_p50_days":
        return "half of the experiments conclude within"
    if key == "cycle_time_p85_days":
        return f"goal {goal_p85:g} d" if goal_p85 is not None else "85% conclude within"
    if key == "cost_per_experiment":
        return (f"90%: {figures.cost_per_experiment_low:,.0f} to "
                f"{figures.cost_per_experiment_high:,.0f}")
    parts = []
    if goal_count is not None:
        parts.append(f"{goal_count:g} a month")
    if goal_p85 is not None:
        parts.append(f"p85 within {goal_p85:g} d")
    return "goal: " + ", ".join(parts) + " (last 30 days)" if parts else "no goal set"


def _swatch(colour: str) -> QLabel:
    label = QLabel()
    label.setPixmap(palette.swatch(colour))
    label.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
    return label


class SummaryCard(QFrame):
    """One headline figure per scenario, with its change against the baseline."""

    def __init__(self, spec: CardSpec, parent=None):
        super().__init__(parent)
        self.spec = spec
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setToolTip(spec.tooltip)
        self.setObjectName(f"card_{spec.key}")
        self.title = QLabel(spec.title)
        self.title.setWordWrap(True)
        self.value = QLabel("...")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.value.setFont(font)
        self.detail = QLabel("waiting for the first run")
        self.detail.setWordWrap(True)
        self.rows = QGridLayout()
        self.rows.setHorizontalSpacing(4)
        self.rows.setVerticalSpacing(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addWidget(self.title)
        layout.addWidget(self.value)
        layout.addWidget(self.detail)
        layout.addLayout(self.rows)
        layout.addStretch()

    def show_figures(self, figures: RunFigures, colours: dict[str, str]) -> None:
        baseline = figures.baseline_figures.headline[self.spec.key]
        self.value.setText(self.spec.format(baseline))
        detail = card_detail(self.spec.key, figures.baseline_figures)
        if len(figures.scenarios) > 1:
            detail = f"{figures.baseline}: {detail}"
        self.detail.setText(detail)
        while self.rows.count():
            widget = self.rows.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        others = [(name, s) for name, s in figures.scenarios.items() if name != figures.baseline]
        for row, (name, scenario) in enumerate(others):
            value = scenario.headline[self.spec.key]
            change = self.spec.format_change(value, baseline)
            self.rows.addWidget(_swatch(colours.get(name, "#888888")), row, 0,
                                Qt.AlignmentFlag.AlignTop)
            # The swatch names the scenario, as in the charts' legend and the scenario list.
            # The name itself is in the tooltip, so long names do not widen the window.
            text = QLabel(f"{self.spec.format(value)}  {change}")
            text.setWordWrap(True)
            text.setToolTip(f"{name}: {self.spec.format(value)}, {change} against "
                            f"{figures.baseline}")
            self.rows.addWidget(text, row, 1)
        self.rows.setColumnStretch(1, 1)

    def row_texts(self) -> list[str]:
        """Return the text of each compared scenario's row, in order."""
        return [self.rows.itemAtPosition(row, 1).widget().text()
                for row in range(self.rows.rowCount())
                if self.rows.itemAtPosition(row, 1) is not None]

    def value_text(self) -> str:
        return self.value.text()


class MessageBanner(QFrame):
    """A dismissable message above the results: run failures and why figures are stale."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.icon = QLabel()
        self.icon.setPixmap(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MessageBoxWarning).pixmap(16, 16))
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.addWidget(self.icon)
        layout.addWidget(self.text, 1)
        layout.addWidget(close)
        self.hide()

    def show_message(self, text: str) -> None:
        self.text.setText(text)
        self.show()


class Dashboard(QWidget):
    """Cards above a grid of charts; ``show_figures`` redraws everything from one run."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.figures: RunFigures | None = None
        self.banner = MessageBanner()
        self.stale_notice = QLabel()
        self.stale_notice.setWordWrap(True)
        self.stale_notice.hide()
        self.cards = {spec.key: SummaryCard(spec) for spec in CARDS}
        card_row = QHBoxLayout()
        card_row.setSpacing(6)
        for card in self.cards.values():
            card_row.addWidget(card, 1)
        self.charts = {chart_type.__name__: chart_type() for chart_type in charts.CHART_TYPES}
        grid = QGridLayout()
        grid.setSpacing(6)
        for index, chart in enumerate(self.charts.values()):
            grid.addWidget(chart, index // 3, index % 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.stale_notice)
        layout.addLayout(card_row)
        layout.addLayout(grid, 1)

    def chart(self, chart_type: type) -> charts.Chart:
        return self.charts[chart_type.__name__]

    def show_figures(self, figures: RunFigures) -> None:
        self.figures = figures
        colours = {name: palette.scenario_colour(index)
                   for index, name in enumerate(figures.scenarios)}
        for card in self.cards.values():
            card.show_figures(figures, colours)
        for chart in self.charts.values():
            chart.show_figures(figures, colours)

    def set_stale(self, reason: str | None) -> None:
        """Say why the shown figures do not match the model, or hide the notice."""
        self.stale_notice.setText(reason or "")
        self.stale_notice.setVisible(bool(reason) and self.figures is not None)
