"""File > Export: the report as PDF or PowerPoint, its charts as PNG or SVG, their data.

The export uses the same headless modules as the ``velocity-planner export`` command
(``simulation.report_model.build_story`` and ``simulation.report_export.export_report``).
It simulates the baseline, the document's scenarios and, if chosen, the roadmap shown on
the Roadmap tab with one seed. The file extension sets the format. The work runs off the
GUI thread. Every file is rendered in memory and then renamed into place,
so a failed or cancelled export leaves no half-written file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from simulation.export_formats import DEFAULT_DPI, MAX_DPI, MIN_DPI, ExportError, check_target
from simulation.interventions import Intervention
from simulation.model import Project
from simulation.roadmap import Roadmap
from simulation.scenarios import Scenario

EXPORT = "export"
DEFAULT_REPLICATIONS = 300  # as the export command
FORMAT_CHOICES = (
    (".pdf", "PDF report"),
    (".pptx", "PowerPoint deck"),
    (".png", "Charts as PNG images"),
    (".svg", "Charts as SVG images"),
    (".csv", "Chart data as CSV files"),
    (".xlsx", "Chart data as an Excel workbook"),
)


@dataclass(frozen=True)
class ExportRequest:
    """An export's file, resolution, replications and model, as plain data for the job thread."""

    path: Path
    dpi: int
    replications: int
    seed: int
    project: Project
    catalog: dict[str, Intervention]
    scenarios: tuple[Scenario, ...]  # besides the baseline
    roadmap: Roadmap | None


def export_job(request: ExportRequest):
    """Return a planning job that simulates and writes ``request``; it returns the files."""

    def job(run, report):
        # Imported here: the PDF, slide and chart libraries take a while to load.
        from simulation.report_export import export_report
        from simulation.report_model import build_story

        check_target(request.path)
        report(0, "simulating")
        story = build_story(request.project, request.catalog, list(request.scenarios), run,
                            request.replications, request.seed, request.roadmap)
        report(0, "writing")
        try:
            return export_report(story, request.path, request.dpi)
        except OSError as error:
            raise ExportError(f"cannot write {error.filename or request.path}: "
                              f"{error.strerror}; choose another file or folder") from None

    return job


class ExportDialog(QDialog):
    """Choose the format, file, resolution, replications and whether to add the roadmap."""

    def __init__(self, start_path: Path, roadmap_name: str | None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.format_box = QComboBox()
        for suffix, title in FORMAT_CHOICES:
            self.format_box.addItem(f"{title} ({suffix})", suffix)
        self.path_edit = QLineEdit(str(start_path))
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.dpi_box = QSpinBox()
        self.dpi_box.setRange(MIN_DPI, MAX_DPI)
        self.dpi_box.setValue(DEFAULT_DPI)
        self.dpi_box.setSuffix(" dpi")
        self.dpi_box.setToolTip("Resolution of PNG charts and of the charts in the PDF")
        self.replications_box = QSpinBox()
        self.replications_box.setRange(10, 5000)
        self.replications_box.setValue(DEFAULT_REPLICATIONS)
        self.replications_box.setToolTip("Replications per scenario for the exported figures")
        self.roadmap_box = QCheckBox(f"Add the roadmap {roadmap_name!r}" if roadmap_name
                                     else "Add the roadmap (none shown on the Roadmap tab)")
        self.roadmap_box.setChecked(roadmap_name is not None)
        self.roadmap_box.setEnabled(roadmap_name is not None)
        self.note = QLabel("PNG, SVG and CSV write one file per chart beside the chosen "
                           "name, such as report-cumulative.png.")
        self.note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        form.addRow("Format", self.format_box)
        form.addRow("File", path_row)
        form.addRow("Resolution", self.dpi_box)
        form.addRow("Replications", self.replications_box)
        form.addRow("", self.roadmap_box)
        form.addRow(self.note)
        form.addRow(buttons)
        self.format_box.currentIndexChanged.connect(self._on_format_changed)
        self._on_format_changed()

    def suffix(self) -> str:
        return self.format_box.currentData()

    def path(self) -> Path:
        """Return the chosen file with the extension of the chosen format."""
        return Path(self.path_edit.text().strip()).with_suffix(self.suffix())

    def _on_format_changed(self) -> None:
        self.dpi_box.setEnabled(self.suffix() in (".png", ".pdf"))
        text = self.path_edit.text().strip()
        if text:
            self.path_edit.setText(str(Path(text).with_suffix(self.suffix())))

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export to", str(self.path()),
                                              f"{self.format_box.currentText()}")
        if name:
            self.path_edit.setText(name)
            self._on_format_changed()
