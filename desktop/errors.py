"""One place for the errors the user must see: logged, then shown in the window.

Failures while running go to the banner above the results; failures of a user's command,
such as opening a broken file, also open a dialog, because the user waits for an answer.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

logger = logging.getLogger(__name__)


class ErrorReporter(QObject):
    message_reported = Signal(str)  # for the banner

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.last_message = ""

    def report(self, message: str) -> None:
        """Show a failure in the banner, for errors that interrupt no user command."""
        logger.error("%s", message)
        self.last_message = message
        self.message_reported.emit(message)

    def report_with_dialog(self, parent: QWidget | None, title: str, message: str) -> None:
        """Show a failure of the user's command in a dialog, and in the banner."""
        self.report(f"{title}: {message}")
        QMessageBox.critical(parent, title, message)
