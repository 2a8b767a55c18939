"""File > Export in the real window: files written off the GUI thread and read back."""

import subprocess
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import openpyxl

from desktop.commands import InsertItemCommand
from desktop.export_dialog import ExportDialog
from desktop.run_controller import FULL
from desktop.testing import dialogs, make_window, no_leaks, wait_until_idle

__all__ = ["dialogs", "make_window", "no_leaks"]  # fixtures used by name

TIMEOUT_MS = 120_000
REPLICATIONS = 10
PLAN = {"name": "Plan", "baseline": False,
        "interventions": [{"id": "frequent_review_meetings", "start_week": 2}]}


def open_example_with_plan(qtbot, window) -> None:
    with qtbot.waitSignal(window.figures_shown, timeout=TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        window.new_from_example()
    wait_until_idle(qtbot, window)
    document = window.document
    with qtbot.waitSignal(window.planning.roadmap.projected, timeout=TIMEOUT_MS):
        document.undo_stack.push(InsertItemCommand(document, ("scenarios",), 1, PLAN,
                                                   "Add plan"))
    wait_until_idle(qtbot, window)


def export(qtbot, window, path: Path, dpi: int = 100) -> list[Path]:
    with qtbot.waitSignal(window.planning.exported, timeout=TIMEOUT_MS) as written:
        window.planning.start_export(path, dpi, REPLICATIONS)
        assert window.planning.export_progress.isVisible()
    assert not window.planning.export_progress.isVisible()
    return written.args[0]


def test_pdf_export_reads_back(qtbot, make_window, tmp_path):
    window = make_window()
    open_example_with_plan(qtbot, window)
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "report.pdf"
    assert export(qtbot, window, path) == [path]
    assert path.read_bytes()[:5] == b"%PDF-"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(next(line.split()[-1] for line in info.stdout.splitlines()
                     if line.startswith("Pages:")))
    assert pages >= 3
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Plan" in text
    assert window.status_label.text().startswith("Exported 1 file(s)")
    assert list(folder.iterdir()) == [path]  # no temporary file left behind


def test_png_export_at_chosen_dpi(qtbot, make_window, tmp_path):
    window = make_window()
    open_example_with_plan(qtbot, window)
    small = export(qtbot, window, tmp_path / "charts.png", dpi=60)
    names = sorted(path.name for path in small)
    assert "charts-cumulative.png" in names
    assert "charts-roadmap.png" in names
    for path in small:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (tmp_path / "big").mkdir()
    big = export(qtbot, window, tmp_path / "big" / "charts.png", dpi=120)
    first_small = (tmp_path / "charts-cumulative.png").stat().st_size
    first_big = (tmp_path / "big" / "charts-cumulative.png").stat().st_size
    assert len(big) == len(small)
    assert first_big > first_small


def test_svg_export_parses(qtbot, make_window, tmp_path):
    window = make_window()
    open_example_with_plan(qtbot, window)
    written = export(qtbot, window, tmp_path / "charts.svg")
    assert len(written) >= 6
    for path in written:
        root = ElementTree.parse(path).getroot()
        assert root.tag == "{http://www.w3.org/2000/svg}svg"


def test_xlsx_and_csv_exports(qtbot, make_window, tmp_path):
    window = make_window()
    open_example_with_plan(qtbot, window)
    [workbook_path] = export(qtbot, window, tmp_path / "data.xlsx")
    workbook = openpyxl.load_workbook(workbook_path, read_only=True)
    assert workbook.sheetnames[:2] == ["about", "contents"]
    assert len(workbook.sheetnames) > 4
    csv_files = export(qtbot, window, tmp_path / "data.csv")
    assert len(csv_files) >= 6
    assert all(path.read_text().count("\n") >= 2 for path in csv_files)


def test_failed_export_is_reported(qtbot, make_window, dialogs, tmp_path):
    window = make_window()
    open_example_with_plan(qtbot, window)
    target = tmp_path / "missing-folder" / "report.pdf"
    with qtbot.waitSignal(window.planning.jobs.failed, timeout=TIMEOUT_MS):
        window.planning.start_export(target, 100, REPLICATIONS)
    assert len(dialogs.errors) == 1
    title, message = dialogs.errors[0]
    assert title == "The export failed"
    assert "folder not found" in message
    assert window.reporter.last_message.startswith("The export failed:")
    assert not target.parent.exists()


def test_dialog_sets_extension_and_options(qtbot, tmp_path):
    dialog = ExportDialog(tmp_path / "report.pdf", "Plan")
    qtbot.addWidget(dialog)
    assert dialog.path() == tmp_path / "report.pdf"
    assert dialog.roadmap_box.isChecked()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(".svg"))
    assert dialog.path_edit.text() == str(tmp_path / "report.svg")
    assert not dialog.dpi_box.isEnabled()
    dialog.format_box.setCurrentIndex(dialog.format_box.findData(".png"))
    assert dialog.dpi_box.isEnabled()
    assert dialog.path() == tmp_path / "report.png"


def test_dialog_without_roadmap_disables_choice(qtbot, tmp_path):
    dialog = ExportDialog(tmp_path / "report.pdf", None)
    qtbot.addWidget(dialog)
    assert not dialog.roadmap_box.isChecked()
    assert not dialog.roadmap_box.isEnabled()


def test_cancelled_export_writes_nothing(qtbot, make_window, tmp_path):
    window = make_window()
    open_example_with_plan(qtbot, window)
    folder = tmp_path / "out"
    folder.mkdir()
    planning = window.planning
    with qtbot.waitSignal(planning.jobs.cancelled, timeout=TIMEOUT_MS) as cancelled:
        planning.start_export(folder / "report.pdf", 100, 2000)
        assert planning.export_cancel.isVisible()
        planning.export_cancel.click()
    assert cancelled.args == ["export"]
    assert not planning.export_cancel.isVisible()
    assert window.status_label.text() == "Export cancelled; no file was written."
    assert list(folder.iterdir()) == []
