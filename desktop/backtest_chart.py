"""The backtest chart: weekly throughput the team achieved against the simulated 90% band."""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QPalette

from desktop import palette

SIMULATED_COLOUR = palette.scenario_colour(0)
ACTUAL_COLOUR = palette.scenario_colour(1)


class BacktestChart(pg.PlotWidget):
    """Actual weekly completions as points and a line, the simulated mean and its 90% band."""

    def __init__(self, parent=None):
        self._themed = False
        super().__init__(parent)
        self.weekly = None  # the backtest's weekly table, kept to redraw on a theme change
        self.setMinimumSize(360, 220)
        self.setMenuEnabled(False)
        self.getPlotItem().hideButtons()
        self.getPlotItem().layout.setContentsMargins(2, 2, 14, 2)
        self.getViewBox().setMouseEnabled(x=False, y=False)
        self._themed = True
        self.apply_theme()

    def apply_theme(self) -> None:
        self.setBackground(palette.role_colour(QPalette.ColorRole.Base))
        text = palette.role_colour(QPalette.ColorRole.WindowText)
        item = self.getPlotItem()
        for name in ("left", "bottom"):
            item.getAxis(name).setPen(pg.mkPen(text))
            item.getAxis(name).setTextPen(pg.mkPen(text))
        item.setTitle("Backtest: weekly throughput, actual against simulated",
                      color=text.name())
        item.setLabel("bottom", "week of the imported period", color=text.name())
        item.setLabel("left", "experiments completed", color=text.name())
        if self.weekly is not None:
            self.show_weekly(self.weekly)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if self._themed and event.type() in (QEvent.Type.PaletteChange,
                                             QEvent.Type.ApplicationPaletteChange):
            self.apply_theme()

    def show_weekly(self, weekly) -> None:
        """Draw a ``Backtest.weekly`` table (week, actual, simulated, low, high)."""
        self.weekly = weekly
        item = self.getPlotItem()
        item.clear()
        if item.legend is None:
            item.addLegend(offset=(10, 5), colCount=3)  # one row, above the data (see below)
        item.legend.setLabelTextColor(palette.role_colour(QPalette.ColorRole.WindowText))
        item.legend.clear()
        weeks = weekly["week"].to_numpy(dtype=float)
        if len(weeks) == 0:
            return
        band = QColor(SIMULATED_COLOUR)
        band.setAlpha(palette.BAND_ALPHA)
        # The edges need a pen: FillBetweenItem fills nothing between curves drawn without one.
        edge = pg.mkPen(band, width=1)
        low = pg.PlotDataItem(weeks, weekly["low"].to_numpy(dtype=float), pen=edge)
        high = pg.PlotDataItem(weeks, weekly["high"].to_numpy(dtype=float), pen=edge)
        # The band's edges go into the plot too: FillBetweenItem does not keep its curves
        # alive, and painting a band whose edge was garbage collected crashes.
        item.addItem(low)
        item.addItem(high)
        fill = pg.FillBetweenItem(low, high, brush=pg.mkBrush(band))
        item.addItem(fill)
        # The legend cannot draw a FillBetweenItem (it crashed when painted), so an empty curve
        # with the band's fill stands in for it.
        item.plot([], [], pen=None, fillLevel=0, fillBrush=pg.mkBrush(band),
                  name="simulated 90% band")
        item.plot(weeks, weekly["simulated"].to_numpy(dtype=float),
                  pen=pg.mkPen(SIMULATED_COLOUR, width=2), name="simulated mean")
        item.plot(weeks, weekly["actual"].to_numpy(dtype=float),
                  pen=pg.mkPen(ACTUAL_COLOUR, width=1.5, style=Qt.PenStyle.DashLine),
                  symbol="o", symbolSize=6, symbolBrush=ACTUAL_COLOUR,
                  symbolPen=pg.mkPen(ACTUAL_COLOUR), name="actual")
        top = float(np.nanmax(weekly[["actual", "high"]].to_numpy(dtype=float)))
        # Headroom of a fifth above the highest point keeps the legend row off the data.
        item.setYRange(0, max(1.0, top * 1.2) if math.isfinite(top) else 1.0)
        item.setXRange(weeks.min() - 0.5, weeks.max() + 0.5, padding=0)
