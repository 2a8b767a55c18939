"""Attaches the roadmap tab, presentation mode and File > Export to the main window.

One ``PlanningJobs`` thread serves all three. Failed jobs go to the window's error banner
(``ErrorReporter``), progress and results to its status bar.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMenu, QProgressBar, QToolButton

from desktop import scenario_wiring
from desktop.export_dialog import EXPORT, ExportDialog, ExportRequest, export_job
from desktop.planning_jobs import PlanningJobs
from desktop.presentation import PresentationWindow, default_screen
from desktop.roadmap_view import PROJECTION, RoadmapPanel
from simulation.ranking import rank_interventions

logger = logging.getLogger(__name__)

RANKING = "ranking"
RANKING_REPLICATIONS = 40


class PlanningFeatures(QObject):
    """The roadmap dock, the presentation and the exports of one main window."""

    exported = Signal(list)  # the paths written
    ranking_ready = Signal(object)  # DataFrame of ``rank_interventions``

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.jobs = PlanningJobs(self)
        self.ranking: pd.DataFrame | None = None
        self.presentation: PresentationWindow | None = None
        self.screen_choice: int | None = None  # None: the second screen when there is one
        seed = window.controller.settings.seed
        self.roadmap = RoadmapPanel(window.document, self.jobs, seed)
        self.dock = QDockWidget("Roadmap", window)
        self.dock.setObjectName("roadmapDock")
        self.dock.setWidget(self.roadmap)
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.dock)
        self.dock.hide()
        self.roadmap.proposed.connect(lambda _name: self.dock.show())
        self.export_progress = QProgressBar()
        self.export_progress.setRange(0, 0)  # busy: the export reports no fraction done
        self.export_progress.setMaximumWidth(140)
        self.export_progress.setFormat("Exporting")
        self.export_progress.hide()
        window.statusBar().addPermanentWidget(self.export_progress)
        self.export_cancel = QToolButton()
        self.export_cancel.setText("Cancel Export")
        self.export_cancel.setToolTip("Stop the export while it simulates; no file is written")
        self.export_cancel.clicked.connect(lambda: self.jobs.cancel(EXPORT))
        self.export_cancel.hide()
        window.statusBar().addPermanentWidget(self.export_cancel)
        self.jobs.failed.connect(self._on_failed)
        self.jobs.finished.connect(self._on_finished)
        self.jobs.cancelled.connect(self._on_cancelled)
        self.jobs.progress.connect(self._on_progress)
        window.document.undo_stack.indexChanged.connect(self._forget_ranking)
        window.document.reset.connect(self._forget_ranking)
        window.figures_shown.connect(self._fill_presentation)
        window.installEventFilter(self)
        view_menu = window.actions_by_key["present"].associatedObjects()[0]
        view_menu.addMenu(self.screen_menu())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            # The filter runs before the window decides; if the user cancels the close,
            # the roadmap projects again.
            if self.presentation is not None:
                self.presentation.close()
            self.roadmap.stop_projection()
            self.jobs.shutdown()
            QTimer.singleShot(0, self._after_close_event)
        return False

    def _after_close_event(self) -> None:
        if self.window.isVisible():
            self.roadmap.project()

    # -- menus -----------------------------------------------------------------------------

    def screen_menu(self) -> QMenu:
        """Return a menu that chooses the presentation's screen."""
        menu = QMenu("Present &On", self.window)
        group = QActionGroup(menu)
        automatic = QAction("Second Screen if Present", menu, checkable=True, checked=True)
        automatic.triggered.connect(lambda: setattr(self, "screen_choice", None))
        group.addAction(automatic)
        menu.addAction(automatic)
        for index, screen in enumerate(QGuiApplication.screens()):
            action = QAction(f"Screen {index + 1}: {screen.name()}", menu, checkable=True)
            action.triggered.connect(lambda _checked=False, i=index:
                                     setattr(self, "screen_choice", i))
            group.addAction(action)
            menu.addAction(action)
        return menu

    # -- roadmap ---------------------------------------------------------------------------

    def show_roadmap(self) -> None:
        self.dock.show()
        self.dock.raise_()

    def propose_roadmap(self) -> None:
        self.show_roadmap()
        self.roadmap.propose()

    # -- presentation ----------------------------------------------------------------------

    def present(self) -> PresentationWindow:
        """Open presentation mode on the chosen screen; start a ranking if none is known."""
        if self.presentation is not None:
            self.presentation.close()
        presentation = PresentationWindow()
        presentation.closed.connect(self._on_presentation_closed)
        self.presentation = presentation
        self._fill_presentation()
        if self.ranking is None:
            self.rank()
        presentation.show_on(default_screen(self.screen_choice))
        return presentation

    def _fill_presentation(self, *_args) -> None:
        presentation = self.presentation
        if presentation is None:
            return
        figures = self.window.dashboard.figures
        presentation.baseline.show_figures(figures.baseline_figures if figures else None)
        presentation.ranking.show_ranking(self.ranking, RANKING_REPLICATIONS)
        presentation.scenarios.show_figures(figures)
        presentation.roadmap.show_roadmap(self.roadmap.timeline, self.roadmap.report)
        presentation.goal.show_goal(figures, self.roadmap.report)

    def _on_presentation_closed(self) -> None:
        self.presentation = None

    def rank(self) -> None:
        project = self.window.document.project
        if project is None or not self.window.document.is_runnable:
            return
        catalog = scenario_wiring.full_catalog(self.window.document.custom_interventions())
        seed = self.window.controller.settings.seed

        def job(run, _report):
            return rank_interventions(project, catalog, run, replications=RANKING_REPLICATIONS,
                                      seed=seed)

        self.jobs.submit(RANKING, job)

    def _forget_ranking(self, *_args) -> None:
        """Drop the ranking after an edit, so the next presentation ranks the new model."""
        self.ranking = None

    # -- export ----------------------------------------------------------------------------

    def export_dialog(self) -> None:
        document = self.window.document
        if not document.is_runnable:
            self.window.reporter.report("Not exported: the model has problems; fix the fields "
                                        "marked in the editor first.")
            return
        folder = document.file_path.parent if document.file_path else Path.home()
        start = folder / "report.pdf"
        roadmap = self.roadmap.roadmap()
        dialog = ExportDialog(start, roadmap.name if roadmap else None, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.start_export(
            dialog.path(), dialog.dpi_box.value(), dialog.replications_box.value(),
            dialog.roadmap_box.isChecked()))
        dialog.open()

    def export_request(self, path: Path, dpi: int, replications: int,
                       with_roadmap: bool) -> ExportRequest:
        document = self.window.document
        scenarios = tuple(scenario_wiring.to_scenario(doc)
                          for doc in document.scenario_documents() if not doc.get("baseline"))
        # NOTE: the report's baseline is the project without interventions, as on the
        # command line; interventions ticked in the baseline scenario are not exported.
        return ExportRequest(Path(path), dpi, replications, self.window.controller.settings.seed,
                             document.project,
                             scenario_wiring.full_catalog(document.custom_interventions()),
                             scenarios, self.roadmap.roadmap() if with_roadmap else None)

    def start_export(self, path: Path, dpi: int, replications: int,
                     with_roadmap: bool = True) -> None:
        """Export off the GUI thread; the files written arrive with ``exported``."""
        if not self.window.document.is_runnable:
            self.window.reporter.report("Not exported: the model has problems.")
            return
        request = self.export_request(path, dpi, replications, with_roadmap)
        self.jobs.submit(EXPORT, export_job(request))
        self._show_export_busy(True)
        self.window.show_status(f"Exporting {request.path.name}: simulating {replications} "
                                "replications per scenario...")

    def _show_export_busy(self, busy: bool) -> None:
        self.export_progress.setVisible(busy)
        self.export_cancel.setVisible(busy)

    # -- job results -----------------------------------------------------------------------

    def _on_finished(self, kind: str, result: object) -> None:
        if kind == RANKING:
            self.ranking = result
            self.ranking_ready.emit(result)
            self._fill_presentation()
        elif kind == PROJECTION:
            self._fill_presentation()
        elif kind == EXPORT:
            self._show_export_busy(False)
            names = ", ".join(path.name for path in result[:4])
            more = f" and {len(result) - 4} more" if len(result) > 4 else ""
            self.window.show_status(f"Exported {len(result)} file(s) to "
                                    f"{result[0].parent}: {names}{more}.")
            logger.info("exported %d files to %s", len(result), result[0].parent)
            self.exported.emit(list(result))

    def _on_failed(self, kind: str, message: str) -> None:
        titles = {EXPORT: "The export failed", RANKING: "Ranking the interventions failed"}
        title = titles.get(kind, f"The {kind} failed")
        if kind == EXPORT:  # the user waits for this one
            self._show_export_busy(False)
            self.window.reporter.report_with_dialog(self.window, title, message)
        else:
            self.window.reporter.report(f"{title}: {message}")

    def _on_cancelled(self, kind: str) -> None:
        if kind == EXPORT:
            self._show_export_busy(False)
            self.window.show_status("Export cancelled; no file was written.")

    def _on_progress(self, kind: str, done: int, message: str) -> None:
        if kind == EXPORT and message == "writing":
            self.window.show_status("Exporting: writing the files...")
