"""The main window: editor, flow diagram and dashboard, with files, undo and live runs."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QToolBar,
    QToolButton,
)

from desktop import resources, theme
from desktop.actions import build_actions
from desktop.dashboard import Dashboard
from desktop.document import ProjectDocument, normalized_project_document, read_project_file
from desktop.editor import EditorPanel
from desktop.errors import ErrorReporter
from desktop.figures import RunFigures
from desktop.flow_diagram import FlowDiagram
from desktop.planning_features import PlanningFeatures
from desktop.recovery import RecoveryStore
from desktop.run_controller import FULL, RunController, RunRequest
from desktop.settings import APPLICATION, Settings
from simulation.validation import ProjectError

logger = logging.getLogger(__name__)

AUTOSAVE_DELAY_MS = 2000  # after the last edit, so typing does not write on every key
FILE_FILTER = "Project files (*.json);;All files (*)"


class MainWindow(QMainWindow):
    figures_shown = Signal(object)  # RunFigures, after the dashboard has drawn them

    def __init__(self, settings: Settings, controller: RunController,
                 recovery: RecoveryStore, parent=None):
        super().__init__(parent)
        self.settings = settings
        self.controller = controller
        self.recovery = recovery
        self.reporter = ErrorReporter(self)
        self.document = ProjectDocument(self)
        self._reset_pending = False
        self._closing = False
        self._keep_recovery = False
        self.setAcceptDrops(True)
        self.setObjectName("mainWindow")

        self._build_layout()
        self._build_status_bar()
        self._build_actions()
        self._connect()
        self.planning = PlanningFeatures(self)
        self._restore_window()
        self._update_title()

    # -- construction ----------------------------------------------------------------------

    def _build_layout(self) -> None:
        self.flow = FlowDiagram(self.document)
        self.editor = EditorPanel(self.document)
        self.dashboard = Dashboard()
        self.horizontal_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.horizontal_splitter.setObjectName("editorResultsSplitter")
        self.horizontal_splitter.addWidget(self.editor)
        self.horizontal_splitter.addWidget(self.dashboard)
        self.horizontal_splitter.setStretchFactor(0, 2)
        self.horizontal_splitter.setStretchFactor(1, 3)
        self.vertical_splitter = QSplitter(Qt.Orientation.Vertical)
        self.vertical_splitter.setObjectName("flowSplitter")
        self.vertical_splitter.addWidget(self.flow)
        self.vertical_splitter.addWidget(self.horizontal_splitter)
        self.vertical_splitter.setStretchFactor(0, 0)
        self.vertical_splitter.setStretchFactor(1, 1)
        self.vertical_splitter.setSizes([140, 660])
        self.horizontal_splitter.setSizes([610, 830])
        self.setCentralWidget(self.vertical_splitter)
        self.resize(1440, 900)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.status_label = QLabel()
        self.replications_label = QLabel("No figures yet")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(200)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.cancel_button = QToolButton()
        status.addWidget(self.status_label, 1)
        status.addPermanentWidget(self.replications_label)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)

    def _build_actions(self) -> None:
        self.toolbar = QToolBar("Main")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(self.toolbar)
        self.actions_by_key: dict[str, QAction] = build_actions(self, self.toolbar)
        self.cancel_button.setDefaultAction(self.actions_by_key["cancel_run"])
        self.actions_by_key["cancel_run"].setEnabled(False)

        file_menu = self.actions_by_key["open"].associatedObjects()[0]
        self.recent_menu = QMenu("Open &Recent", self)
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.insertMenu(self.actions_by_key["save"], self.recent_menu)

        group = QActionGroup(self)
        for name in theme.THEMES:
            action = self.actions_by_key[f"theme_{name}"]
            action.setCheckable(True)
            action.setChecked(name == self.settings.theme())
            group.addAction(action)

        stack = self.document.undo_stack
        undo, redo = self.actions_by_key["undo"], self.actions_by_key["redo"]
        undo.setEnabled(False)
        redo.setEnabled(False)
        stack.canUndoChanged.connect(undo.setEnabled)
        stack.canRedoChanged.connect(redo.setEnabled)
        stack.undoTextChanged.connect(lambda text: undo.setStatusTip(f"Undo: {text}"))
        stack.redoTextChanged.connect(lambda text: redo.setStatusTip(f"Redo: {text}"))

    def _connect(self) -> None:
        document = self.document
        document.reset.connect(self._on_reset)
        document.validated.connect(self._on_validated)
        document.file_changed.connect(self._update_title)
        document.undo_stack.indexChanged.connect(self._on_undo_index_changed)
        document.undo_stack.cleanChanged.connect(self._on_clean_changed)

        self.autosave_timer = QTimer(self)
        self.autosave_timer.setSingleShot(True)
        self.autosave_timer.setInterval(AUTOSAVE_DELAY_MS)
        self.autosave_timer.timeout.connect(self.autosave)

        controller = self.controller
        controller.busy_changed.connect(self._on_busy_changed)
        controller.phase_started.connect(self._on_phase_started)
        controller.progress.connect(self._on_progress)
        controller.figures_ready.connect(self._on_figures_ready)
        controller.run_failed.connect(
            lambda message: self.reporter.report(f"The simulation failed: {message}"))
        controller.run_cancelled.connect(self._on_run_cancelled)
        self.reporter.message_reported.connect(self.dashboard.banner.show_message)

    def _restore_window(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None:
            self.restoreState(state)

    # -- title and status ------------------------------------------------------------------

    def _update_title(self) -> None:
        name = self.document.value(("project", "name")) or "Untitled project"
        self.setWindowTitle(f"{name} - {self.document.display_name()}[*] - {APPLICATION}")
        self.setWindowModified(self.document.is_modified)

    def show_status(self, text: str) -> None:
        self.status_label.setText(text)

    # -- runs ------------------------------------------------------------------------------

    def run_request(self) -> RunRequest | None:
        if not self.document.is_runnable:
            return None
        return RunRequest(self.document.project, self.document.scenario_documents(),
                          self.document.custom_interventions(), self.controller.settings.seed)

    def _on_reset(self) -> None:
        self._reset_pending = True

    def _on_validated(self) -> None:
        self._update_title()
        immediately, self._reset_pending = self._reset_pending, False
        request = self.run_request()
        if request is None:
            self.controller.cancel(notify=False)  # the run would show an outdated model
            count = len(self.document.problems)
            first = self.document.problems[0].text() if count else ""
            reason = (f"Not run: the model has {count} problem{'s' if count != 1 else ''} "
                      f"({first}).")
            self.show_status(reason)
            self.dashboard.set_stale("These figures are from the last model that ran. "
                                     + reason + " Fix the fields marked in the editor.")
            return
        if immediately:
            self.controller.run_now(request)
        else:
            self.controller.request(request, typing=self.document.last_edit_was_typing)
            self.show_status("Edited: the simulation reruns after a short pause.")

    def run_now(self) -> None:
        request = self.run_request()
        if request is None:
            self.show_status("Not run: fix the problems listed in the editor first.")
            return
        self.controller.run_now(request)

    def cancel_run(self) -> None:
        self.controller.cancel()

    def _on_busy_changed(self, busy: bool) -> None:
        self.actions_by_key["cancel_run"].setEnabled(busy)
        self.progress.setVisible(busy)
        if busy:
            self.progress.setRange(0, 0)

    def _on_phase_started(self, phase: str, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        if phase == FULL:
            self.show_status(f"Refining: running {total} replications...")
        else:
            self.show_status(f"Preview: running {total} replications...")

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def _on_figures_ready(self, figures: RunFigures) -> None:
        self.dashboard.set_stale(None)
        self.dashboard.banner.hide()
        count = len(figures.scenarios)
        scope = f"{count} scenarios" if count > 1 else "1 scenario"
        kind = "preview" if figures.phase != FULL else "full run"
        self.replications_label.setText(
            f"Figures from {figures.replications} replications per scenario ({kind}, "
            f"{scope}, seed {figures.seed})")
        if figures.phase == FULL:
            self.show_status("Up to date.")
        self.flow.show_figures(figures)
        self.dashboard.show_figures(figures)
        self.figures_shown.emit(figures)

    def _on_run_cancelled(self) -> None:
        self.show_status("Run cancelled; the figures shown are from the previous run.")

    # -- files -----------------------------------------------------------------------------

    def maybe_keep_changes(self) -> bool:
        """Ask about unsaved changes; return False if the user cancels what they were doing."""
        if not self.document.is_modified:
            return True
        answer = QMessageBox.question(
            self, "Unsaved changes",
            f"Save the changes to {self.document.display_name()} before closing it?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.recovery.clear()
            return True
        return False

    def open_path(self, path: Path) -> bool:
        """Open a project file; on failure show why and keep the current project."""
        path = Path(path)
        if not self.maybe_keep_changes():
            return False
        try:
            self.document.open_file(path)
        except ProjectError as error:
            problems = "\n".join(f"- {problem}" for problem in error.problems[:12])
            more = len(error.problems) - 12
            if more > 0:
                problems += f"\n... and {more} more"
            self.reporter.report_with_dialog(
                self, f"Cannot open {path.name}",
                f"{path} is not a valid project file:\n{problems}\n\n"
                "The current project stays open.")
            return False
        self.settings.add_recent_file(path)
        self.show_status(f"Opened {path}.")
        return True

    def new_from_file(self, path: Path, ask: bool = True) -> bool:
        """Start an untitled project with the contents of a bundled file."""
        if ask and not self.maybe_keep_changes():
            return False
        try:
            contents = read_project_file(path)
        except ProjectError as error:
            self.reporter.report_with_dialog(self, "Cannot create the project", str(error))
            return False
        self.document.replace(normalized_project_document(contents.project), contents.scenarios,
                              None, contents.interventions)
        return True

    def new_from_example(self) -> bool:
        return self.new_from_file(resources.EXAMPLE_PROJECT)

    def new_from_template(self) -> bool:
        return self.new_from_file(resources.TEMPLATE_PROJECT)

    def open_dialog(self) -> None:
        start = str(self.document.file_path.parent) if self.document.file_path else ""
        name, _ = QFileDialog.getOpenFileName(self, "Open project", start, FILE_FILTER)
        if name:
            self.open_path(Path(name))

    def import_history(self) -> None:
        from desktop.import_dialog import import_history

        import_history(self)

    def save(self) -> bool:
        if self.document.file_path is None:
            return self.save_as()
        return self.save_to(self.document.file_path)

    def save_as(self) -> bool:
        start = str(self.document.file_path or Path.home() / "project.json")
        name, _ = QFileDialog.getSaveFileName(self, "Save project as", start, FILE_FILTER)
        if not name:
            return False
        path = Path(name)
        if not path.suffix:
            path = path.with_suffix(".json")
        return self.save_to(path)

    def save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
        except ProjectError as error:
            self.reporter.report_with_dialog(self, f"Cannot save {path.name}",
                                             "\n".join(error.problems))
            return False
        except OSError as error:
            self.reporter.report_with_dialog(self, f"Cannot save {path.name}",
                                             f"Writing {path} failed: {error.strerror}.")
            return False
        self.recovery.clear()
        self.settings.add_recent_file(path)
        self.show_status(f"Saved {path}.")
        return True

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_files()
        if not recent:
            self.recent_menu.addAction("No recent files").setEnabled(False)
        for path in recent:
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))

    # -- autosave --------------------------------------------------------------------------

    def _on_undo_index_changed(self, _index: int) -> None:
        if self.document.is_modified:
            self.autosave_timer.start()

    def _on_clean_changed(self, clean: bool) -> None:
        if clean:
            self.autosave_timer.stop()
            self.recovery.clear()

    def autosave(self) -> None:
        if not self.document.is_modified:
            return
        try:
            self.recovery.save(self.document.project_document(),
                               self.document.scenario_documents(),
                               self.document.custom_interventions(), self.document.file_path)
        except OSError as error:
            self.reporter.report(f"Autosave to {self.recovery.path} failed: {error.strerror}")

    def offer_recovery(self) -> bool:
        """Offer unsaved changes from a session that did not close cleanly; True if restored."""
        recovered = self.recovery.load()
        if recovered is None:
            return False
        name = recovered.file_path.name if recovered.file_path else "an untitled project"
        answer = QMessageBox.question(
            self, "Recover unsaved changes",
            f"The planner did not close cleanly. Restore the unsaved changes to {name} "
            f"from {recovered.saved_at}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes)
        if answer != QMessageBox.StandardButton.Yes:
            self.recovery.clear()
            return False
        self.document.replace(recovered.project, recovered.scenarios or [], recovered.file_path,
                              recovered.interventions)
        self.document.undo_stack.resetClean()  # restored changes are unsaved changes
        self._update_title()
        logger.info("restored unsaved changes from %s", self.recovery.path)
        return True

    # -- edit handlers ---------------------------------------------------------------------

    def undo(self) -> None:
        self.document.undo_stack.undo()

    def redo(self) -> None:
        self.document.undo_stack.redo()

    def add_stage(self) -> None:
        self.editor.tabs.setCurrentIndex(0)
        self.editor.stages.add_row()

    def remove_stage(self) -> None:
        self.editor.tabs.setCurrentIndex(0)
        self.editor.stages.remove_row()

    # -- view ------------------------------------------------------------------------------

    def use_system_theme(self) -> None:
        self._use_theme("system")

    def use_light_theme(self) -> None:
        self._use_theme("light")

    def use_dark_theme(self) -> None:
        self._use_theme("dark")

    def _use_theme(self, name: str) -> None:
        theme.apply(name)
        self.settings.set_theme(name)

    def show_about(self) -> None:
        QMessageBox.about(self, f"About {APPLICATION}",
                          f"{APPLICATION} models a machine-learning team's experiment "
                          "pipeline and simulates it (Monte-Carlo discrete-event "
                          "simulation) to plan throughput, cycle time, cost and goals.")

    # -- roadmap, presentation and export (desktop/planning_features.py) -------------------

    def export_dialog(self) -> None:
        self.planning.export_dialog()

    def propose_roadmap(self) -> None:
        self.planning.propose_roadmap()

    def show_roadmap(self) -> None:
        self.planning.show_roadmap()

    def present(self) -> None:
        self.planning.present()

    # -- window events ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_project(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_project(event)
        if path is not None:
            event.acceptProposedAction()
            QTimer.singleShot(0, lambda: self.open_path(path))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing and not self.maybe_keep_changes():
            event.ignore()
            return
        self._closing = True
        self.autosave_timer.stop()
        self.settings.save_window(self.saveGeometry(), self.saveState())
        self.controller.shutdown()
        if not self._keep_recovery:
            self.recovery.clear()
        event.accept()
        logger.info("window closed")

    def close_without_asking(self) -> None:
        """Close at a termination signal: unsaved changes stay in the recovery file."""
        self._closing = True
        self._keep_recovery = self.document.is_modified
        if self._keep_recovery:
            self.autosave()
        self.close()


def _dropped_project(event: QDragEnterEvent | QDropEvent) -> Path | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    if len(urls) != 1 or not urls[0].isLocalFile():
        return None
    path = Path(urls[0].toLocalFile())
    return path if path.suffix.lower() == ".json" else None
