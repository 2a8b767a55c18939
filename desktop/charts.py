"""The dashboard's pyqtgraph charts, one class per chart, all drawn from ``RunFigures``.

Every chart colours a scenario by its place in the scenario list (``desktop.palette``) and
takes its background, axes and text from the Qt palette, so it follows light and dark
themes. Hovering over a chart shows the values under the cursor as a tooltip.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QCursor, QFont, QFontMetrics, QPalette, QPen
from PySide6.QtWidgets import QToolTip

from desktop import palette
from desktop.figures import COST_COMPONENTS, RunFigures, ScenarioFigures

HISTOGRAM_BINS = 30
PERCENTILE_STYLES = {50: Qt.PenStyle.SolidLine, 70: Qt.PenStyle.DashLine,
                     85: Qt.PenStyle.DashDotLine, 95: Qt.PenStyle.DotLine}
# Heights of the percentile labels, as a fraction of the plot, staggered so that close
# percentiles (a weekly review bunches cycle times) do not overlap.
LABEL_POSITIONS = {50: 0.95, 70: 0.83, 85: 0.71, 95: 0.59}

THEME_EVENTS = (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange)

pg.setConfigOptions(antialias=True)


def _format(value: float, digits: int = 1) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:,.{digits}f}"


class Chart(pg.PlotWidget):
    """A themed plot with a title, axis labels and a hover tooltip."""

    title = ""
    x_label = ""
    y_label = ""

    def __init__(self, parent=None):
        self._themed = False  # palette changes during construction come before the plot
        super().__init__(parent)
        self.figures: RunFigures | None = None
        self.colours: dict[str, str] = {}
        self.hover_text = ""  # the latest tooltip text, kept for tests
        self.setMinimumSize(180, 150)
        self.setMenuEnabled(False)
        self.getPlotItem().hideButtons()
        # Room on the right for the last tick label and labels of lines near the edge.
        self.getPlotItem().layout.setContentsMargins(2, 2, 14, 2)
        self.getViewBox().setMouseEnabled(x=False, y=False)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self._themed = True
        self.apply_theme()

    # -- theme -----------------------------------------------------------------------------

    def text_colour(self) -> QColor:
        return palette.role_colour(QPalette.ColorRole.WindowText)

    def apply_theme(self) -> None:
        self.setBackground(palette.role_colour(QPalette.ColorRole.Base))
        text = self.text_colour()
        item = self.getPlotItem()
        font = QFont(self.font())
        font.setPointSizeF(max(font.pointSizeF() - 1, 7))
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(text))
            axis.setTextPen(pg.mkPen(text))
            axis.setTickFont(font)
        item.setTitle(self.title, color=text.name(), size=f"{self.font().pointSizeF():.0f}pt")
        item.setLabel("bottom", self.x_label, color=text.name())
        item.setLabel("left", self.y_label, color=text.name())
        if self.figures is not None:
            self.show_figures(self.figures, self.colours)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self._themed and event.type() in THEME_EVENTS:
            self.apply_theme()

    # -- data ------------------------------------------------------------------------------

    def show_figures(self, figures: RunFigures, colours: dict[str, str]) -> None:
        self.figures, self.colours = figures, colours
        item = self.getPlotItem()
        item.clear()
        self.draw(figures)

    def draw(self, figures: RunFigures) -> None:
        raise NotImplementedError

    def scenario_pen(self, name: str, width: float = 2.0, style=Qt.PenStyle.SolidLine) -> QPen:
        pen = pg.mkPen(QColor(self.colours.get(name, "#888888")), width=width)
        pen.setStyle(style)
        return pen

    # -- hover -----------------------------------------------------------------------------

    def describe(self, x: float, y: float) -> str | None:
        """Return the text for the point (x, y) in data coordinates, or ``None``."""
        return None

    def hover_at(self, x: float, y: float) -> str:
        """Show the tooltip for data point (x, y); returns the text shown."""
        text = self.describe(x, y) if self.figures is not None else None
        self.hover_text = text or ""
        if text:
            QToolTip.showText(QCursor.pos(), text, self)
        else:
            QToolTip.hideText()
        return self.hover_text

    def _on_mouse_moved(self, scene_position: QPointF) -> None:
        view_box = self.getViewBox()
        if not view_box.sceneBoundingRect().contains(scene_position):
            return
        point = view_box.mapSceneToView(scene_position)
        self.hover_at(point.x(), point.y())


class _BandChart(Chart):
    """Lines with 90% bands, one per scenario, over a shared x axis."""

    unit = ""

    def band_of(self, scenario: ScenarioFigures):
        raise NotImplementedError

    def draw(self, figures: RunFigures) -> None:
        item = self.getPlotItem()
        for name, scenario in figures.scenarios.items():
            band = self.band_of(scenario)
            colour = self.colours.get(name, "#888888")
            low = pg.PlotDataItem(band.x, band.low, pen=pg.mkPen(None))
            high = pg.PlotDataItem(band.x, band.high, pen=pg.mkPen(None))
            brush = palette.with_alpha(colour, palette.BAND_ALPHA)
            fill = pg.FillBetweenItem(low, high, brush=brush)
            item.addItem(low)
            item.addItem(high)
            item.addItem(fill)
            item.addItem(pg.PlotDataItem(band.x, band.mean, pen=self.scenario_pen(name),
                                         name=name))
        highs = [np.nanmax(self.band_of(s).high) for s in figures.scenarios.values()
                 if len(self.band_of(s).high) and np.isfinite(self.band_of(s).high).any()]
        item.setYRange(0, max([*highs, 1.0]) * 1.08, padding=0)

    def describe(self, x: float, y: float) -> str | None:
        lines = []
        for name, scenario in self.figures.scenarios.items():
            band = self.band_of(scenario)
            if not len(band.x):
                continue
            index = int(np.argmin(np.abs(band.x - x)))
            if not lines:
                lines.append(self.x_title(band.x[index]))
            lines.append(f"{name}: {_format(band.mean[index])} {self.unit} "
                         f"(90%: {_format(band.low[index])} to {_format(band.high[index])})")
        return "\n".join(lines) or None

    def x_title(self, x: float) -> str:
        return f"{x:g}"


class ThroughputChart(_BandChart):
    title = "Weekly throughput"
    x_label = "week"
    y_label = "experiments"
    unit = "experiments"

    def band_of(self, scenario: ScenarioFigures):
        return scenario.weekly_throughput

    def x_title(self, x: float) -> str:
        return f"Week {x:g}"

    def draw(self, figures: RunFigures) -> None:
        if len(figures.scenarios) > 1:
            backdrop = palette.with_alpha(palette.role_colour(QPalette.ColorRole.Base), 210)
            self.getPlotItem().addLegend(offset=(5, 5), labelTextColor=self.text_colour(),
                                         brush=backdrop)
        super().draw(figures)


class CumulativeChart(_BandChart):
    title = "Cumulative experiments"
    x_label = "day"
    y_label = "experiments"
    unit = "experiments"

    def band_of(self, scenario: ScenarioFigures):
        return scenario.cumulative

    def x_title(self, x: float) -> str:
        return f"Day {x:g}"

    def draw(self, figures: RunFigures) -> None:
        super().draw(figures)
        goal = figures.baseline_figures.goal_experiments_per_month
        band = figures.baseline_figures.cumulative
        if goal and len(band.x):
            days = np.array([band.x[0], band.x[-1]])
            pen = pg.mkPen(self.text_colour(), width=1.5)
            pen.setStyle(Qt.PenStyle.DashLine)
            line = pg.PlotDataItem(days, days * goal / 30.0, pen=pen)
            self.getPlotItem().addItem(line)
            # Below the line's upper end, inside the plot at any width.
            label = pg.TextItem(f"goal pace {goal:g}/month", color=self.text_colour(),
                                anchor=(1, 0))
            end = days[-1] * 0.97
            label.setPos(end, end * goal / 30.0)
            self.getPlotItem().addItem(label)
            top = max(days[-1] * goal / 30.0, float(np.nanmax(band.high)))
            self.getPlotItem().setYRange(0, top * 1.05, padding=0)

    def describe(self, x: float, y: float) -> str | None:
        text = super().describe(x, y)
        goal = self.figures.baseline_figures.goal_experiments_per_month if self.figures else None
        if text and goal:
            text += f"\ngoal pace: {goal * max(x, 0) / 30.0:.1f} experiments"
        return text


class CycleTimeChart(Chart):
    """Histogram of cycle times per scenario, as the share of experiments in each bin."""

    title = "Cycle time"
    x_label = "days"
    y_label = "share of experiments (%)"

    def __init__(self, parent=None):
        self.edges = np.array([])
        self.shares: dict[str, np.ndarray] = {}
        super().__init__(parent)

    def draw(self, figures: RunFigures) -> None:
        item = self.getPlotItem()
        pooled = [s.cycle_times_days for s in figures.scenarios.values()
                  if len(s.cycle_times_days)]
        self.shares = {}
        if not pooled:
            self.edges = np.array([])
            return
        values = np.concatenate(pooled)
        upper = float(np.percentile(values, 99.5))
        self.edges = np.linspace(0.0, max(upper, 1e-9), HISTOGRAM_BINS + 1)
        for name, scenario in figures.scenarios.items():
            counts, _ = np.histogram(np.clip(scenario.cycle_times_days, 0, upper), self.edges)
            share = 100.0 * counts / max(counts.sum(), 1)
            self.shares[name] = share
            colour = self.colours.get(name, "#888888")
            item.addItem(pg.PlotDataItem(self.edges, share, stepMode="center",
                                         fillLevel=0, pen=self.scenario_pen(name, 1.5),
                                         brush=palette.with_alpha(colour, palette.BAND_ALPHA)))
        for index, (name, scenario) in enumerate(figures.scenarios.items()):
            for percentile, days in scenario.cycle_time_percentiles.items():
                if not math.isfinite(days):
                    continue
                label = f"p{percentile}" if index == 0 else None
                line = pg.InfiniteLine(
                    pos=days, angle=90, label=label,
                    pen=self.scenario_pen(name, 1.2, PERCENTILE_STYLES[percentile]),
                    labelOpts={"position": LABEL_POSITIONS[percentile],
                               "color": self.text_colour(), "anchors": [(1, 0.5), (1, 0.5)]})
                item.addItem(line)

    def describe(self, x: float, y: float) -> str | None:
        if len(self.edges) < 2 or not self.edges[0] <= x < self.edges[-1]:
            return None
        index = int(np.searchsorted(self.edges, x, side="right") - 1)
        lines = [f"{self.edges[index]:.1f} to {self.edges[index + 1]:.1f} days"]
        for name, share in self.shares.items():
            scenario = self.figures.scenarios[name]
            marks = ", ".join(f"p{p} {d:.1f}" for p, d in scenario.cycle_time_percentiles.items()
                              if math.isfinite(d))
            lines.append(f"{name}: {share[index]:.1f}% of experiments ({marks} days)")
        return "\n".join(lines)


class _GroupedBars(Chart):
    """Bars per category with one bar per scenario side by side.

    ``horizontal`` puts the categories on the y axis, for long names such as stages.
    """

    horizontal = False
    group_width = 0.8

    def categories(self, figures: RunFigures) -> list[str]:
        raise NotImplementedError

    def bar_slot(self, figures: RunFigures, category: int, scenario: int) -> tuple[float, float]:
        """Return the centre and thickness of a bar in category units."""
        count = len(figures.scenarios)
        thickness = self.group_width / count
        # Left to right, or top to bottom on the inverted axis of horizontal bars.
        return category - self.group_width / 2 + thickness * (scenario + 0.5), thickness

    def draw_category_axis(self, names: list[str]) -> None:
        axis = self.getPlotItem().getAxis("left" if self.horizontal else "bottom")
        axis.setTicks([[(index, name) for index, name in enumerate(names)]])
        if self.horizontal:
            self.getPlotItem().getViewBox().invertY(True)
            metrics = QFontMetrics(axis.style.get("tickFont") or self.font())
            widest = max((metrics.horizontalAdvance(name) for name in names), default=40)
            axis.setWidth(widest + 12)
        if self.horizontal:
            self.getPlotItem().setYRange(-0.5, len(names) - 0.5, padding=0)
        else:
            self.getPlotItem().setXRange(-0.5, len(names) - 0.5, padding=0)

    def bar(self, centre: float, thickness: float, start: float, end: float, **style):
        if self.horizontal:
            return pg.BarGraphItem(x0=[start], x1=[end], y=[centre], height=thickness, **style)
        return pg.BarGraphItem(x=[centre], y0=[start], y1=[end], width=thickness, **style)

    def slot_at(self, x: float, y: float) -> tuple[int, int] | None:
        """Return (category, scenario) of the bar slot under the point, if any."""
        figures = self.figures
        position = y if self.horizontal else x
        category = int(round(position))
        if not 0 <= category < len(self.categories(figures)):
            return None
        for scenario in range(len(figures.scenarios)):
            centre, thickness = self.bar_slot(figures, category, scenario)
            if abs(position - centre) <= thickness / 2:
                return category, scenario
        return None


class StageTimeChart(_GroupedBars):
    """Days per experiment in each stage: active work solid, waiting translucent."""

    title = "Time per stage"
    x_label = "days per experiment"
    horizontal = True

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setToolTip("Days per experiment in each stage: work solid, waiting pale")

    def categories(self, figures: RunFigures) -> list[str]:
        return list(figures.baseline_figures.stage_names)

    def draw(self, figures: RunFigures) -> None:
        item = self.getPlotItem()
        names = self.categories(figures)
        longest = 0.1
        for number, (name, scenario) in enumerate(figures.scenarios.items()):
            colour = QColor(self.colours.get(name, "#888888"))
            for index in range(min(len(names), len(scenario.stage_names))):
                centre, thickness = self.bar_slot(figures, index, number)
                active = _finite(scenario.stage_active_days[index])
                waiting = _finite(scenario.stage_waiting_days[index])
                item.addItem(self.bar(centre, thickness * 0.9, 0, active, brush=colour,
                                      pen=pg.mkPen(colour)))
                item.addItem(self.bar(centre, thickness * 0.9, active, active + waiting,
                                      brush=palette.with_alpha(colour, palette.WAITING_ALPHA),
                                      pen=pg.mkPen(colour)))
                longest = max(longest, active + waiting)
        item.setXRange(0, longest * 1.05, padding=0)
        self.draw_category_axis(names)

    def describe(self, x: float, y: float) -> str | None:
        slot = self.slot_at(x, y)
        if slot is None:
            return None
        category, number = slot
        name, scenario = list(self.figures.scenarios.items())[number]
        active = scenario.stage_active_days[category]
        waiting = scenario.stage_waiting_days[category]
        stage = scenario.stage_names[category]
        marker = " (bottleneck)" if stage == scenario.bottleneck else ""
        return (f"{stage}{marker}, {name}\nactive {_format(active, 2)} days, waiting "
                f"{_format(waiting, 2)} days per experiment\naverage queue "
                f"{_format(scenario.stage_queue_length[category], 2)} experiments")


class CostChart(_GroupedBars):
    title = "Cost per experiment"
    y_label = "cost"

    def categories(self, figures: RunFigures) -> list[str]:
        return [title for _key, title in COST_COMPONENTS]

    def draw(self, figures: RunFigures) -> None:
        item = self.getPlotItem()
        for number, (name, scenario) in enumerate(figures.scenarios.items()):
            colour = QColor(self.colours.get(name, "#888888"))
            for index, title in enumerate(self.categories(figures)):
                centre, thickness = self.bar_slot(figures, index, number)
                value = _finite(scenario.cost_components.get(title, math.nan))
                item.addItem(self.bar(centre, thickness * 0.9, 0, value, brush=colour,
                                      pen=pg.mkPen(colour)))
        self.draw_category_axis(self.categories(figures))

    def describe(self, x: float, y: float) -> str | None:
        slot = self.slot_at(x, y)
        if slot is None:
            return None
        category, number = slot
        name, scenario = list(self.figures.scenarios.items())[number]
        title = self.categories(self.figures)[category]
        total = scenario.cost_per_experiment
        return (f"{title} cost, {name}: {_format(scenario.cost_components[title], 0)} per "
                f"experiment\ntotal {_format(total, 0)} per experiment")


class UtilisationChart(_GroupedBars):
    title = "Pool utilisation"
    x_label = "% of capacity"
    horizontal = True

    def categories(self, figures: RunFigures) -> list[str]:
        return list(figures.baseline_figures.pool_names)

    def draw(self, figures: RunFigures) -> None:
        item = self.getPlotItem()
        names = self.categories(figures)
        for number, (name, scenario) in enumerate(figures.scenarios.items()):
            colour = QColor(self.colours.get(name, "#888888"))
            band = scenario.pool_utilisation
            for index in range(min(len(names), len(band.mean))):
                centre, thickness = self.bar_slot(figures, index, number)
                mean = 100 * _finite(band.mean[index])
                item.addItem(self.bar(centre, thickness * 0.9, 0, mean, brush=colour,
                                      pen=pg.mkPen(colour)))
                low, high = 100 * _finite(band.low[index]), 100 * _finite(band.high[index])
                item.addItem(pg.ErrorBarItem(x=np.array([mean]), y=np.array([centre]),
                                             left=np.array([mean - low]),
                                             right=np.array([high - mean]), beam=thickness * 0.3,
                                             pen=pg.mkPen(self.text_colour())))
        item.setXRange(0, 100, padding=0.02)
        self.draw_category_axis(names)

    def describe(self, x: float, y: float) -> str | None:
        slot = self.slot_at(x, y)
        if slot is None:
            return None
        category, number = slot
        name, scenario = list(self.figures.scenarios.items())[number]
        band = scenario.pool_utilisation
        return (f"{scenario.pool_names[category]}, {name}: {100 * band.mean[category]:.0f}% "
                f"busy (90%: {100 * band.low[category]:.0f}% to "
                f"{100 * band.high[category]:.0f}%)")


def _finite(value: float) -> float:
    value = float(value)
    return value if math.isfinite(value) else 0.0


CHART_TYPES = (ThroughputChart, CumulativeChart, CycleTimeChart, StageTimeChart, CostChart,
               UtilisationChart)
