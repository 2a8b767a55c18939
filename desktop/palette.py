"""Scenario colours: one colour per scenario, the same in every card, chart and list.

The colours are the Okabe-Ito palette (Okabe and Ito, "Color Universal Design", 2008), which
stays distinguishable for the common forms of colour blindness and reads on light and dark
backgrounds. Everything else in the window takes its colours from the Qt palette roles.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette, QPixmap
from PySide6.QtWidgets import QApplication

SCENARIO_COLOURS = (
    "#0072B2",  # blue: the first scenario, normally the baseline
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermilion
    "#56B4E9",  # sky blue
)
# Transparency of the 90% bands and of the waiting part of stage bars, 0 to 255.
BAND_ALPHA = 60
WAITING_ALPHA = 110


def scenario_colour(index: int) -> str:
    """Return the colour of the scenario at ``index`` in the scenario list."""
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def with_alpha(colour: str | QColor, alpha: int) -> QColor:
    result = QColor(colour)
    result.setAlpha(alpha)
    return result


def role_colour(role: QPalette.ColorRole, group=QPalette.ColorGroup.Active) -> QColor:
    """Return a colour of the application's current palette, for light and dark themes."""
    return QApplication.palette().color(group, role)


def is_dark() -> bool:
    return role_colour(QPalette.ColorRole.Window).lightness() < 128


def swatch(colour: str, size: int = 10) -> QPixmap:
    """Return a square of ``colour``, ``size`` logical pixels wide, sharp at high DPI."""
    ratio = QApplication.instance().devicePixelRatio()
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(colour))
    return pixmap
