"""File > Import History: read a team's history, show the baseline, fit and backtest, accept.

The dialog has three pages. The source page takes a file or folder (chosen or dropped). A
generic CSV or XLSX then gets the mapping page, where each column of the header gets a role;
MLflow stores and known runs exports skip it. The result page runs the import off the GUI
thread and shows the import report, the baseline beside mature teams, each stage's fit and the
backtest. Accept replaces the current project through the window's New path.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.backtest_chart import BacktestChart
from desktop.import_worker import (
    GENERIC_TABLE,
    ImportOutcome,
    ImportRequest,
    SourceProbe,
    TaskThread,
    probe_source,
    run_import,
)

logger = logging.getLogger(__name__)

SOURCE_PAGE, MAPPING_PAGE, RESULT_PAGE = range(3)
FILE_FILTER = "History exports (*.csv *.tsv *.txt *.xlsx *.db);;All files (*)"

# Roles a column can play, as shown in the mapping table, and the mapping field each sets.
IGNORED = "(not used)"
ARRIVAL = "arrival (created)"
STAGE_END = "end of a stage"
OPTIONAL_ROLES = {"experiment id": "id", "name": "name", "group": "group", "status": "status",
                  "GPUs per run": "gpus", "rework flag": "rework"}
ROLES = (IGNORED, ARRIVAL, STAGE_END, *OPTIONAL_ROLES)
DATE_ORDER_CHOICES = (("auto (from the values)", "auto"), ("day first (31/01/2024)", "day_first"),
                      ("month first (01/31/2024)", "month_first"))
COLUMN, ROLE, STAGE_NAME = range(3)


class SourcePage(QWidget):
    """A path, chosen with the file or folder buttons, typed, or dropped onto the page."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        intro = QLabel("Import a team's experiment history: an MLflow <b>mlruns</b> folder, "
                       "an <b>mlflow.db</b> tracking database, a runs CSV exported from MLflow "
                       "or Weights &amp; Biases, or a CSV/XLSX table with one row per "
                       "experiment and a timestamp per stage. You can also drop the file or "
                       "folder here.")
        intro.setWordWrap(True)
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("File or folder to import")
        self.file_button = QPushButton("File...")
        self.folder_button = QPushButton("Folder...")
        self.file_button.clicked.connect(self._choose_file)
        self.folder_button.clicked.connect(self._choose_folder)
        self.include_deleted = QCheckBox("Include deleted runs (MLflow only)")
        self.include_deleted.setToolTip("Runs and experiments in the MLflow trash are left out "
                                        "unless this is checked")
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.file_button)
        row.addWidget(self.folder_button)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.include_deleted)
        layout.addStretch(1)

    def path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text) if text else None

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Import history from a file", "",
                                              FILE_FILTER)
        if name:
            self.path_edit.setText(name)

    def _choose_folder(self) -> None:
        name = QFileDialog.getExistingDirectory(self, "Import history from an mlruns folder")
        if name:
            self.path_edit.setText(name)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if _dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = _dropped_path(event)
        if path is not None:
            self.path_edit.setText(str(path))
            event.acceptProposedAction()


def _dropped_path(event: QDragEnterEvent | QDropEvent) -> Path | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    local = [url.toLocalFile() for url in urls if url.isLocalFile()]
    return Path(local[0]) if len(local) == 1 else None


class MappingPage(QWidget):
    """One row per column of the file, each with a role; stages end in the header's order."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.header: list[str] = []
        intro = QLabel("Give each column its role. Each stage lasts from the previous "
                       "milestone (the arrival, or the end of the stage before) to the time in "
                       "its own column, so map the stage ends in pipeline order.")
        intro.setWordWrap(True)
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels(["Column in the file", "Role", "Stage name"])
        self.table.horizontalHeader().setSectionResizeMode(COLUMN, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(ROLE,
                                                           QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(STAGE_NAME,
                                                           QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.itemChanged.connect(lambda _item: self.changed.emit())
        self.date_order = QComboBox()
        for text, value in DATE_ORDER_CHOICES:
            self.date_order.addItem(text, value)
        self.date_order.setToolTip("How to read a date such as 03/04/2024 when no value in the "
                                   "file settles it")
        self.problems = QLabel()
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet("color: #C0392B")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow("Date order:", self.date_order)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.notes)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.problems)

    def set_probe(self, probe: SourceProbe) -> None:
        """Fill the table from the file's header, pre-set to the guessed mapping."""
        from simulation.history.mapping import normalise_name

        self.header = list(probe.header)
        guess = probe.guess.mapping if probe.guess is not None else None
        roles: dict[str, tuple[str, str]] = {}
        if guess is not None:
            roles[guess.arrival] = (ARRIVAL, "")
            for stage in guess.stages:
                roles[stage.ends_at] = (STAGE_END, stage.name)
            for role, key in OPTIONAL_ROLES.items():
                column = getattr(guess, key)
                if column is not None:
                    roles[column] = (role, "")
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.header))
        for row, column in enumerate(self.header):
            name_item = QTableWidgetItem(column)
            name_item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.table.setItem(row, COLUMN, name_item)
            role, stage_name = roles.get(column, (IGNORED, ""))
            combo = QComboBox()
            combo.addItems(ROLES)
            combo.setCurrentText(role)
            combo.currentTextChanged.connect(lambda text, r=row: self._on_role_changed(r, text))
            self.table.setCellWidget(row, ROLE, combo)
            self.table.setItem(row, STAGE_NAME, QTableWidgetItem(
                stage_name or (normalise_name(column) if role == STAGE_END else "")))
            self._enable_stage_name(row, role == STAGE_END)
        self.table.blockSignals(False)
        self.table.resizeRowsToContents()
        notes = probe.guess.notes if probe.guess is not None else []
        self.notes.setText("Guessed from the header: " + "; ".join(notes) if notes else
                           "The roles below are guessed from the header; check them.")
        self.date_order.setCurrentIndex(0)
        self.show_problems([])

    def role_of(self, column: str) -> str:
        return self.table.cellWidget(self.header.index(column), ROLE).currentText()

    def set_role(self, column: str, role: str, stage_name: str | None = None) -> None:
        row = self.header.index(column)
        self.table.cellWidget(row, ROLE).setCurrentText(role)
        if stage_name is not None:
            self.table.item(row, STAGE_NAME).setText(stage_name)

    def _on_role_changed(self, row: int, role: str) -> None:
        from simulation.history.mapping import normalise_name

        item = self.table.item(row, STAGE_NAME)
        if role == STAGE_END and not item.text().strip():
            item.setText(normalise_name(self.header[row]))
        self._enable_stage_name(row, role == STAGE_END)
        self.changed.emit()

    def _enable_stage_name(self, row: int, enabled: bool) -> None:
        item = self.table.item(row, STAGE_NAME)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsEditable | \
            Qt.ItemFlag.ItemIsSelectable
        item.setFlags(flags if enabled else Qt.ItemFlag.NoItemFlags)

    # TODO: stages follow the header's column order; a column cannot be moved to another
    # place in the pipeline here, only in a mapping file given to the import command.
    def mapping_and_problems(self):
        """Return the mapping the table describes and ``validate_mapping``'s problems with it."""
        from simulation.history.mapping import ColumnMapping, StageColumn, validate_mapping

        arrival, stages, optional, problems = None, [], {}, []
        for row, column in enumerate(self.header):
            role = self.table.cellWidget(row, ROLE).currentText()
            if role == ARRIVAL:
                if arrival is not None:
                    problems.append(f"arrival: both {arrival!r} and {column!r} are marked as "
                                    "the arrival; keep one")
                arrival = arrival or column
            elif role == STAGE_END:
                stages.append(StageColumn(self.table.item(row, STAGE_NAME).text().strip(),
                                          column))
            elif role in OPTIONAL_ROLES:
                key = OPTIONAL_ROLES[role]
                if key in optional:
                    problems.append(f"{key}: both {optional[key]!r} and {column!r} are marked "
                                    f"as {role}; keep one")
                optional.setdefault(key, column)
        if arrival is None:
            problems.append("arrival: no column is marked as the arrival; mark the column "
                            "with the time each experiment was created")
            return None, problems
        mapping = ColumnMapping(arrival=arrival, stages=tuple(stages),
                                date_order=self.date_order.currentData(), **optional)
        problems += validate_mapping(mapping, self.header)
        return mapping, problems

    def show_problems(self, problems: list[str]) -> None:
        self.problems.setText("\n".join(f"- {problem}" for problem in problems))
        self.problems.setVisible(bool(problems))


class ResultPage(QWidget):
    """Progress while the import runs, then what was read, measured, fitted and backtested."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.step = QLabel()
        self.progress = QProgressBar()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.error.setStyleSheet("color: #C0392B")
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.targets = _table(["Measure", "Baseline", "Mature teams", ""])
        self.fits = _table(["Stage", "Durations", "Choice", "Median", "p90", "KS D", "Value"])
        self.errors_label = QLabel()
        self.errors_label.setWordWrap(True)
        self.chart = BacktestChart()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>What was read</b>"))
        left_layout.addWidget(self.report, 2)
        left_layout.addWidget(QLabel("<b>Baseline beside mature teams</b>"))
        left_layout.addWidget(self.targets, 1)
        left_layout.addWidget(QLabel("<b>Fit per stage</b> (Kolmogorov-Smirnov D of the "
                                     "lognormal; lower fits better)"))
        left_layout.addWidget(self.fits, 2)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.chart, 1)
        right_layout.addWidget(self.errors_label)
        self.results = QSplitter(Qt.Orientation.Horizontal)
        self.results.addWidget(left)
        self.results.addWidget(right)
        self.results.setStretchFactor(0, 1)
        self.results.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.step)
        layout.addWidget(self.progress)
        layout.addWidget(self.error)
        layout.addWidget(self.results, 1)

    def start(self) -> None:
        self.step.setText("Starting...")
        self.progress.setRange(0, 0)
        self.progress.show()
        self.error.hide()
        self.results.hide()

    def show_progress(self, done: int, total: int) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)

    def show_error(self, message: str) -> None:
        self.progress.hide()
        self.results.hide()
        self.step.setText("The import failed. The current project is unchanged.")
        self.error.setText(message)
        self.error.show()

    def show_outcome(self, outcome: ImportOutcome) -> None:
        self.progress.hide()
        self.error.hide()
        defaults = len(outcome.proposal.defaults())
        self.step.setText(f"Proposed project: {len(outcome.proposal.project.stages)} stages, "
                          f"{defaults} values are defaults and not measured (see below). "
                          "Accept to replace the current project with it.")
        self.report.setPlainText("\n".join(self._report_lines(outcome)))
        self._fill_targets(outcome.baseline)
        self._fill_fits(outcome)
        self._show_backtest(outcome)
        self.results.show()

    @staticmethod
    def _report_lines(outcome: ImportOutcome) -> list[str]:
        from simulation.history.report import format_baseline

        lines = list(outcome.history.report.lines())
        lines += ["", format_baseline(outcome.baseline), "", "Values of the proposed project:"]
        for item in outcome.proposal.items:
            mark = "DEFAULT " if item.source == "default" else ""
            lines.append(f"  {mark}{item.field} = {item.value} ({item.source}: {item.reason})")
        return lines

    def _fill_targets(self, baseline) -> None:
        rows = []
        for row in baseline.targets_table().itertuples():
            verdict = {True: "meets", False: "misses", None: "n/a"}[row.meets]
            rows.append([row.measure, _number(row.baseline), row.mature_team, verdict])
        _fill(self.targets, rows)

    def _fill_fits(self, outcome: ImportOutcome) -> None:
        default_fields = {item.field for item in outcome.proposal.defaults()}
        rows = []
        for index, fit in enumerate(outcome.fits):
            stage_defaults = sorted(field.split(".", 1)[1] for field in default_fields
                                    if field.startswith(f"stages[{index}]."))
            value = "default " + ", ".join(stage_defaults) if stage_defaults else "measured"
            rows.append([fit.stage, str(fit.samples), fit.choice,
                         _days(fit.lognormal_median_days), _days(fit.lognormal_p90_days),
                         "n/a" if fit.ks_statistic is None else f"{fit.ks_statistic:.3f}",
                         value])
        _fill(self.fits, rows)

    def _show_backtest(self, outcome: ImportOutcome) -> None:
        backtest = outcome.backtest
        if backtest is None:
            self.chart.hide()
            self.errors_label.setText(f"Backtest not run, because {outcome.backtest_skipped}.")
            return
        self.chart.show()
        self.chart.show_weekly(backtest.weekly)
        summary = backtest.summary()
        done = summary["simulated_completed"]
        self.errors_label.setText(
            f"Mean absolute percentage error of weekly throughput: "
            f"{_number(summary['mape_percent'], 0)}% over {summary['weeks_in_mape']} weeks "
            f"with completions. Weeks inside the simulated 90% band: "
            f"{_share(summary['share_inside_band'])} of {len(backtest.weekly)} (a model that "
            f"describes the team puts about 90% inside). Completed in the period: actual "
            f"{summary['actual_completed']}, simulated {_number(done['mean'], 0)} "
            f"(90%: {_number(done['low'], 0)} to {_number(done['high'], 0)}). "
            f"{summary['replications']} replications, seed {summary['seed']}.")


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            table.setItem(row, column, QTableWidgetItem(value))
    table.resizeRowsToContents()


def _number(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}"


def _days(value) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:,.2f} d"


def _share(value) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.0%}"


class ImportDialog(QDialog):
    """The three pages, the buttons that move between them, and the worker thread."""

    proposal_accepted = Signal(object)  # the ImportOutcome whose proposal was accepted

    def __init__(self, parent: QWidget | None = None, replications: int | None = None,
                 seed: int | None = None):
        super().__init__(parent)
        self.setWindowTitle("Import History")
        self.resize(1200, 760)
        self.replications = replications
        self.seed = seed
        self.worker: TaskThread | None = None
        self.probe: SourceProbe | None = None
        self.outcome: ImportOutcome | None = None
        self.source_page = SourcePage()
        self.mapping_page = MappingPage()
        self.result_page = ResultPage()
        self.pages = QStackedWidget()
        for page in (self.source_page, self.mapping_page, self.result_page):
            self.pages.addWidget(page)
        self.back_button = QPushButton("< Back")
        self.next_button = QPushButton("Next >")
        self.stop_button = QPushButton("Stop")
        self.accept_button = QPushButton("Accept")
        self.close_button = QPushButton("Close")
        self.back_button.clicked.connect(self.go_back)
        self.next_button.clicked.connect(self.go_next)
        self.stop_button.clicked.connect(self.stop)
        self.accept_button.clicked.connect(self.accept_proposal)
        self.close_button.clicked.connect(self.reject)
        self.source_page.path_edit.textChanged.connect(self._update_buttons)
        self.mapping_page.changed.connect(self._check_mapping)
        self.mapping_page.date_order.currentIndexChanged.connect(self._check_mapping)
        self.accept_button.setToolTip("Replace the current project with the proposed one")
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        for button in (self.stop_button, self.next_button, self.accept_button,
                       self.close_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    # -- navigation ------------------------------------------------------------------------

    @property
    def is_busy(self) -> bool:
        """True from the start of a step until its thread's last signal has been handled."""
        return self.worker is not None

    def _update_buttons(self) -> None:
        page = self.pages.currentIndex()
        busy = self.is_busy
        self.back_button.setEnabled(page != SOURCE_PAGE and not busy)
        self.next_button.setVisible(page != RESULT_PAGE)
        self.next_button.setText("Import" if page == MAPPING_PAGE else "Next >")
        self.next_button.setEnabled(not busy and (page != SOURCE_PAGE or
                                                  self.source_page.path() is not None))
        self.stop_button.setVisible(busy)
        self.accept_button.setVisible(page == RESULT_PAGE)
        self.accept_button.setEnabled(page == RESULT_PAGE and not busy and
                                      self.outcome is not None)

    def go_back(self) -> None:
        if self.is_busy:
            return
        page = self.pages.currentIndex()
        needs_mapping = self.probe is not None and self.probe.kind == GENERIC_TABLE
        if page == RESULT_PAGE and needs_mapping:
            self.pages.setCurrentIndex(MAPPING_PAGE)
        else:
            self.pages.setCurrentIndex(SOURCE_PAGE)
        self._update_buttons()

    def go_next(self) -> None:
        page = self.pages.currentIndex()
        if page == SOURCE_PAGE:
            self.probe_path(self.source_page.path())
        elif page == MAPPING_PAGE:
            mapping, problems = self.mapping_page.mapping_and_problems()
            self.mapping_page.show_problems(problems)
            if not problems:
                self.start_import(mapping)

    def _check_mapping(self) -> None:
        if self.mapping_page.header:
            self.mapping_page.show_problems(self.mapping_page.mapping_and_problems()[1])

    # -- work ------------------------------------------------------------------------------

    def probe_path(self, path: Path | None) -> None:
        """Find out off the GUI thread what ``path`` holds; a generic table needs a mapping."""
        if path is None or self.is_busy:
            return
        self.outcome = None
        self.pages.setCurrentIndex(RESULT_PAGE)
        self.result_page.start()
        self.result_page.step.setText(f"Reading the header of {path.name}...")
        self._start(lambda _step, _progress, _cancel: probe_source(path), self._on_probed)

    def _on_probed(self, probe: SourceProbe) -> None:
        self.probe = probe
        if probe.kind == GENERIC_TABLE:
            self.mapping_page.set_probe(probe)
            self.pages.setCurrentIndex(MAPPING_PAGE)
            self._check_mapping()
            self._update_buttons()
        else:
            self.start_import(None)

    def start_import(self, mapping) -> None:
        """Read, measure, fit and backtest the chosen source with ``mapping`` (None: as it is)."""
        request = ImportRequest(self.probe.path, mapping,
                                self.source_page.include_deleted.isChecked())
        if self.replications is not None:
            request.replications = self.replications
        if self.seed is not None:
            request.seed = self.seed
        self.outcome = None
        self.pages.setCurrentIndex(RESULT_PAGE)
        self.result_page.start()
        self._start(lambda step, progress, cancel: run_import(request, step, progress, cancel),
                    self._on_imported)

    def _start(self, task, on_success) -> None:
        worker = TaskThread(task, self)
        worker.step_changed.connect(self.result_page.step.setText)
        worker.progress_changed.connect(self.result_page.show_progress)
        worker.succeeded.connect(on_success)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.finished.connect(lambda: self._on_worker_finished(worker))
        self.worker = worker
        worker.start()
        self._update_buttons()

    def _on_imported(self, outcome: ImportOutcome) -> None:
        self.outcome = outcome
        self.result_page.show_outcome(outcome)
        self._update_buttons()

    def _on_failed(self, message: str) -> None:
        self.result_page.show_error(message)
        self._update_buttons()

    def _on_cancelled(self) -> None:
        self.result_page.show_error("Cancelled. Nothing was imported.")
        self.result_page.step.setText("Import cancelled. The current project is unchanged.")
        self._update_buttons()

    def _on_worker_finished(self, worker: TaskThread) -> None:
        if worker is self.worker:  # the probe's worker ends after it started the import's
            self.worker = None
        worker.deleteLater()
        self._update_buttons()

    def stop(self) -> None:
        """Cancel the running step and wait for the worker thread to end."""
        if self.worker is None:
            return
        self.worker.cancel()
        self.worker.wait()
        QCoreApplication.sendPostedEvents(self)  # deliver its last signals now

    def accept_proposal(self) -> None:
        if self.outcome is None or self.is_busy:
            return
        self.proposal_accepted.emit(self.outcome)

    def done(self, result: int) -> None:
        self.stop()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.stop()
        super().closeEvent(event)


def import_history(window) -> ImportDialog:
    """Open the import dialog over ``window``; an accepted proposal replaces its project."""
    run_settings = window.settings.run_settings()
    dialog = ImportDialog(window, seed=run_settings.seed)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.proposal_accepted.connect(lambda outcome: _accept(window, dialog, outcome))
    dialog.show()
    return dialog


def _accept(window, dialog: ImportDialog, outcome: ImportOutcome) -> None:
    """Replace the window's project as New does: ask about unsaved changes first."""
    from desktop.document import normalized_project_document
    from desktop.scenario_wiring import default_scenarios

    if not window.maybe_keep_changes():
        return
    project = outcome.proposal.project
    # TODO: keep ``proposal.file_extra`` (where each value came from) in the document so that
    # Save writes it, as the import command does; the document has no slot for it yet.
    window.document.replace(normalized_project_document(project), default_scenarios(), None)
    window.show_status(f"Imported {outcome.history.report.source}: {project.name}, "
                       f"{len(project.stages)} stages. Save it to keep it.")
    logger.info("accepted the project proposed from %s", outcome.history.report.source)
    dialog.accept()
