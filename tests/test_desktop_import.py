"""File > Import History in the window: mapping, result page, accept, broken files, cancel.

The history files are written by the tests, so the expected counts and stage names come from
the rows written here.
"""

import csv
from datetime import datetime, timedelta

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from desktop import commands
from desktop.import_dialog import MAPPING_PAGE, RESULT_PAGE, STAGE_END, ImportDialog
from desktop.settings import RunSettings
from desktop.testing import dialogs, make_window, no_leaks, wait_until_idle

__all__ = ["dialogs", "make_window", "no_leaks"]  # fixtures used by name

TINY_RUNS = RunSettings(preview_replications=2, full_replications=3, workers=1, debounce_ms=10)
START = datetime(2024, 1, 1, 9, 0)
HEADER = ["key", "created", "data ready", "training finished", "reviewed", "status"]
COMPLETE_ROWS = 36


def write_generic_csv(path):
    """Write 36 finished experiments, 31 hours apart, and one row without a created time."""
    rows = []
    for index in range(COMPLETE_ROWS):
        created = START + timedelta(hours=31 * index)
        data_ready = created + timedelta(hours=20 + 7 * (index % 4))
        trained = data_ready + timedelta(hours=30 + 11 * (index % 5))
        reviewed = trained + timedelta(hours=15 + 9 * (index % 3))
        rows.append([f"EXP-{index + 1}", *(t.strftime("%Y-%m-%d %H:%M") for t in
                                           (created, data_ready, trained, reviewed)), "Done"])
    rows.append(["EXP-X", "", "", "", "", "Open"])
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_mlruns(root):
    """Write an MLflow file store with one experiment and eight finished runs, a day apart."""
    start_ms = 1_700_000_000_000
    hour_ms = 3_600_000
    experiment = root / "mlruns" / "1"
    experiment.mkdir(parents=True)
    (experiment / "meta.yaml").write_text(
        f"artifact_location: file:///tmp/mlruns/1\ncreation_time: {start_ms}\n"
        f"experiment_id: '1'\nlast_update_time: {start_ms}\nlifecycle_stage: active\n"
        "name: ranking\n")
    for index in range(8):
        run = experiment / f"run{index}"
        (run / "tags").mkdir(parents=True)
        begin = start_ms + index * 24 * hour_ms
        (run / "meta.yaml").write_text(
            f"artifact_uri: file:///tmp/mlruns/1/run{index}/artifacts\n"
            f"end_time: {begin + (3 + index % 3) * hour_ms}\nentry_point_name: ''\n"
            f"experiment_id: '1'\nlifecycle_stage: active\nrun_id: run{index}\n"
            f"run_name: trial{index}\nrun_uuid: run{index}\nsource_name: ''\nsource_type: 4\n"
            f"source_version: ''\nstart_time: {begin}\nstatus: 3\ntags: []\nuser_id: alice\n")
        (run / "tags" / "mlflow.runName").write_text(f"trial{index}")
    return root / "mlruns"


def open_dialog(window) -> ImportDialog:
    window.actions_by_key["import_history"].trigger()
    dialog = window.findChild(ImportDialog)
    assert dialog is not None
    dialog.replications = 20
    return dialog


def choose(qtbot, dialog: ImportDialog, path) -> None:
    dialog.source_page.path_edit.setText(str(path))
    dialog.go_next()
    qtbot.waitUntil(lambda: not dialog.is_busy, timeout=30_000)


def import_generic(qtbot, dialog: ImportDialog, path) -> None:
    choose(qtbot, dialog, path)
    assert dialog.pages.currentIndex() == MAPPING_PAGE
    dialog.go_next()
    qtbot.waitUntil(lambda: not dialog.is_busy, timeout=60_000)


def test_mapping_prefilled_from_header(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)
    choose(qtbot, dialog, write_generic_csv(tmp_path / "history.csv"))

    page = dialog.mapping_page
    assert dialog.pages.currentIndex() == MAPPING_PAGE
    assert page.header == HEADER
    assert page.role_of("created") == "arrival (created)"
    assert page.role_of("data ready") == STAGE_END
    assert page.role_of("reviewed") == STAGE_END
    assert page.role_of("key") == "experiment id"
    assert page.role_of("status") == "status"
    assert page.problems.text() == ""
    dialog.close()


def test_mapping_problems_shown_beside_fields(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)
    choose(qtbot, dialog, write_generic_csv(tmp_path / "history.csv"))
    page = dialog.mapping_page

    page.set_role("created", "(not used)")
    assert "arrival: no column is marked as the arrival" in page.problems.text()
    page.set_role("created", "arrival (created)")
    page.set_role("data ready", STAGE_END, "review")
    assert "duplicate stage name 'review'" in page.problems.text()

    dialog.go_next()
    assert dialog.pages.currentIndex() == MAPPING_PAGE  # not imported with problems
    assert dialog.worker is None or not dialog.worker.isRunning()
    dialog.close()


def test_good_csv_shows_counts_fit_and_backtest(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)
    import_generic(qtbot, dialog, write_generic_csv(tmp_path / "history.csv"))

    page = dialog.result_page
    assert dialog.outcome is not None, page.error.text()
    assert dialog.pages.currentIndex() == RESULT_PAGE
    report = page.report.toPlainText()
    assert f"read: {COMPLETE_ROWS + 1} rows" in report
    assert "left out: 1 " in report
    assert "Beside mature teams" in report
    assert "DEFAULT " in report
    assert page.targets.rowCount() == 3
    assert page.targets.item(0, 0).text() == "experiments per month"
    assert page.fits.rowCount() == 3
    assert [page.fits.item(row, 0).text() for row in range(3)] == [
        "data_preparation", "training", "review"]
    assert page.fits.item(0, 1).text() == str(COMPLETE_ROWS)
    weekly = page.chart.weekly
    assert weekly is not None and len(weekly) >= 6
    assert "Mean absolute percentage error" in page.errors_label.text()
    assert "inside the simulated 90% band" in page.errors_label.text()
    assert dialog.accept_button.isEnabled()
    dialog.close()


def test_accept_replaces_project_with_mapped_stages(qtbot, make_window, dialogs, tmp_path):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    wait_until_idle(qtbot, window)
    commands.edit_value(window.document, ("project", "wip_limit"), 4)  # unsaved change
    dialog = open_dialog(window)
    choose(qtbot, dialog, write_generic_csv(tmp_path / "history.csv"))
    dialog.mapping_page.set_role("training finished", STAGE_END, "modelling")
    dialog.go_next()
    qtbot.waitUntil(lambda: not dialog.is_busy, timeout=60_000)
    assert dialog.outcome is not None, dialog.result_page.error.text()
    dialogs.answers.append(QMessageBox.StandardButton.Discard)

    with qtbot.waitSignal(window.controller.figures_ready, timeout=30_000):
        dialog.accept_button.click()

    assert len(dialogs.questions) == 1  # asked about the unsaved change, as New does
    project = window.document.project
    assert [stage.name for stage in project.stages] == ["data_preparation", "modelling",
                                                        "review"]
    assert window.document.problems == []
    assert window.document.file_path is None
    assert window.findChild(ImportDialog) is None  # closed and deleted
    wait_until_idle(qtbot, window)


def test_cancel_at_save_question_keeps_project(qtbot, make_window, dialogs, tmp_path):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    wait_until_idle(qtbot, window)
    commands.edit_value(window.document, ("project", "wip_limit"), 4)
    current = window.document.project
    dialog = open_dialog(window)
    import_generic(qtbot, dialog, write_generic_csv(tmp_path / "history.csv"))
    dialogs.answers.append(QMessageBox.StandardButton.Cancel)

    dialog.accept_button.click()

    assert window.document.project == current
    assert dialog.isVisible()
    dialog.close()
    wait_until_idle(qtbot, window)


@pytest.mark.parametrize("name, content, expected", [
    ("binary.csv", bytes(range(256)) * 4, "the file is binary"),
    ("empty.csv", b"", "the file is empty"),
])
def test_unreadable_file_named_in_error(qtbot, make_window, tmp_path, name, content, expected):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    current = window.document.project
    path = tmp_path / name
    path.write_bytes(content)
    dialog = open_dialog(window)

    choose(qtbot, dialog, path)

    error = dialog.result_page.error
    assert error.isVisible()
    assert str(path) in error.text()
    assert expected in error.text()
    assert not dialog.accept_button.isEnabled()
    assert window.document.project == current
    dialog.close()
    wait_until_idle(qtbot, window)


def test_mixed_date_formats_name_row_and_column(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    current = window.document.project
    path = tmp_path / "mixed.csv"
    path.write_text("key,created,finished\n"
                    "A,2024-03-04 09:00,2024-03-05 09:00\n"
                    "B,2024-03-05 10:00,2024-03-07 10:00\n"
                    "C,04/03/2024,2024-03-08 10:00\n", encoding="utf-8")
    dialog = open_dialog(window)

    import_generic(qtbot, dialog, path)

    text = dialog.result_page.error.text()
    assert str(path) in text
    assert "row 4" in text
    assert "column 'created'" in text
    assert "mixes date formats" in text
    assert dialog.outcome is None
    assert window.document.project == current
    dialog.close()
    wait_until_idle(qtbot, window)


def test_mlruns_folder_skips_mapping(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)
    dialog.source_page.include_deleted.setChecked(True)

    choose(qtbot, dialog, write_mlruns(tmp_path))
    qtbot.waitUntil(lambda: not dialog.is_busy, timeout=60_000)

    assert dialog.pages.currentIndex() == RESULT_PAGE
    assert dialog.outcome is not None, dialog.result_page.error.text()
    assert dialog.outcome.history.size == 8
    assert "MLflow" in dialog.result_page.report.toPlainText()
    dialog.close()


def test_dropped_folder_fills_path(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)
    store = write_mlruns(tmp_path)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(store))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)

    dialog.source_page.dropEvent(event)

    assert dialog.source_page.path() == store
    assert dialog.next_button.isEnabled()
    dialog.close()


def test_cancel_leaves_no_worker_running(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)
    dialog.replications = 2000  # long enough to still be running when cancelled
    choose(qtbot, dialog, write_generic_csv(tmp_path / "history.csv"))
    dialog.go_next()
    qtbot.waitUntil(lambda: "Backtesting" in dialog.result_page.step.text(), timeout=30_000)
    worker = dialog.worker

    dialog.stop_button.click()

    assert not worker.isRunning()
    qtbot.waitUntil(lambda: "cancelled" in dialog.result_page.step.text())
    assert dialog.outcome is None
    assert not dialog.accept_button.isEnabled()
    dialog.close()


def test_closing_dialog_stops_worker(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)
    dialog.replications = 2000
    choose(qtbot, dialog, write_generic_csv(tmp_path / "history.csv"))
    dialog.go_next()
    worker = dialog.worker

    dialog.close_button.click()

    assert not worker.isRunning()
    assert not dialog.isVisible()


def test_ambiguous_dates_need_date_order(qtbot, make_window, tmp_path):
    path = tmp_path / "ambiguous.csv"
    rows = ["key,created,finished"]
    rows += [f"E{day},0{day}/03/2024 09:00,0{day}/04/2024 10:00" for day in range(1, 10)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    window = make_window(TINY_RUNS)
    dialog = open_dialog(window)

    import_generic(qtbot, dialog, path)

    assert "the order cannot be read from the data" in dialog.result_page.error.text()
    dialog.go_back()
    assert dialog.pages.currentIndex() == MAPPING_PAGE
    dialog.mapping_page.date_order.setCurrentIndex(
        dialog.mapping_page.date_order.findData("day_first"))
    dialog.go_next()
    qtbot.waitUntil(lambda: not dialog.is_busy, timeout=60_000)
    assert dialog.outcome is not None, dialog.result_page.error.text()
    assert dialog.outcome.history.size == 9
    arrivals = dialog.outcome.history.milestones["arrived"]
    assert arrivals.min().month == 3  # 01/03/2024 read as the 1st of March
    dialog.close()
