"""Light and dark themes: the Fusion style with a light or a dark palette.

Widgets and charts read their colours from the palette roles, so this module is the only
place that names interface colours; the scenario colours live in ``desktop.palette``.
``QStyleHints.setColorScheme`` is asked first, but platforms without a theme service (X11
without a desktop, the offscreen platform) ignore it, so the dark palette is also set here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

THEMES = ("system", "light", "dark")
STYLE = "Fusion"

_DARK_ROLES = {
    QPalette.ColorRole.Window: "#2b2b2b",
    QPalette.ColorRole.WindowText: "#e6e6e6",
    QPalette.ColorRole.Base: "#1f1f1f",
    QPalette.ColorRole.AlternateBase: "#2f2f2f",
    QPalette.ColorRole.ToolTipBase: "#3a3a3a",
    QPalette.ColorRole.ToolTipText: "#f0f0f0",
    QPalette.ColorRole.PlaceholderText: "#9a9a9a",
    QPalette.ColorRole.Text: "#e6e6e6",
    QPalette.ColorRole.Button: "#353535",
    QPalette.ColorRole.ButtonText: "#e6e6e6",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Light: "#505050",
    QPalette.ColorRole.Midlight: "#424242",
    QPalette.ColorRole.Mid: "#6a6a6a",
    QPalette.ColorRole.Dark: "#1a1a1a",
    QPalette.ColorRole.Shadow: "#000000",
    QPalette.ColorRole.Highlight: "#3d8ee6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#6fb3ff",
    QPalette.ColorRole.LinkVisited: "#b58cff",
}
_DARK_DISABLED_TEXT = "#7a7a7a"


def dark_palette() -> QPalette:
    result = QPalette()
    for role, colour in _DARK_ROLES.items():
        result.setColor(role, QColor(colour))
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text,
                 QPalette.ColorRole.ButtonText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(_DARK_DISABLED_TEXT))
    return result


def apply(name: str) -> None:
    """Switch the running application to the ``system``, ``light`` or ``dark`` theme."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; use one of: {', '.join(THEMES)}")
    app = QApplication.instance()
    app.setStyle(STYLE)
    hints = app.styleHints()
    if name == "system":
        hints.unsetColorScheme()
    else:
        hints.setColorScheme(Qt.ColorScheme.Dark if name == "dark" else Qt.ColorScheme.Light)
    if name == "dark" or (name == "system" and hints.colorScheme() == Qt.ColorScheme.Dark):
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())
