"""Projects in the window: new, open, save, broken files, recovery, recent files and drops."""

import json

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMessageBox

from desktop import app as app_module
from desktop import commands
from desktop.recovery import RecoveryStore
from desktop.resources import EXAMPLE_PROJECT, TEMPLATE_PROJECT
from desktop.settings import RunSettings
from desktop.testing import dialogs, make_window, no_leaks, wait_until_idle
from simulation.project_io import load_project

__all__ = ["dialogs", "make_window", "no_leaks"]  # fixtures used by name

# Files tests do not look at figures; the smallest runs keep them quick.
TINY_RUNS = RunSettings(preview_replications=2, full_replications=3, workers=1, debounce_ms=10)


def test_save_then_open_gives_equal_project(qtbot, make_window, dialogs, tmp_path):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    commands.edit_value(window.document, ("project", "wip_limit"), 4)
    path = tmp_path / "team.json"
    dialogs.save_names.append(str(tmp_path / "team"))  # the extension is added

    assert window.save()

    assert path.exists()
    assert not window.document.is_modified
    assert window.windowTitle() == (
        "Recommendation system team - team.json[*] - Experiment Velocity Planner")
    saved = window.document.project
    window.new_from_template()
    dialogs.open_names.append(str(path))
    window.open_dialog()
    assert window.document.project == saved
    assert load_project(path) == saved
    assert window.document.file_path == path
    assert window.settings.recent_files()[0] == path.resolve()
    wait_until_idle(qtbot, window)


def test_broken_file_shows_error_and_keeps_project(qtbot, make_window, dialogs, tmp_path):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    current = window.document.project
    broken = tmp_path / "broken.json"
    doc = json.loads(EXAMPLE_PROJECT.read_text(encoding="utf-8"))
    doc["stages"][1]["duration"]["max"] = 1.0
    doc["pools"][0]["capacity"] = "three"
    broken.write_text(json.dumps(doc), encoding="utf-8")

    assert not window.open_path(broken)

    assert len(dialogs.errors) == 1
    title, text = dialogs.errors[0]
    assert title == "Cannot open broken.json"
    assert str(broken) in text
    assert "- pools[0].capacity: must be a whole number (got 'three')" in text
    assert "- stages[1].duration.max: must be >= likely (got 1 < 2.5)" in text
    assert text.endswith("The current project stays open.")
    assert window.document.project == current
    assert window.document.file_path is None
    assert window.dashboard.banner.isVisible()
    wait_until_idle(qtbot, window)


def test_malformed_json_names_line(qtbot, make_window, dialogs, tmp_path):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    broken = tmp_path / "cut.json"
    broken.write_text('{"schema_version": 1,\n "stages": [', encoding="utf-8")
    assert not window.open_path(broken)
    assert "malformed JSON at line 2" in dialogs.errors[0][1]
    wait_until_idle(qtbot, window)


def test_unsaved_changes_prompt_cancel_keeps_project(qtbot, make_window, dialogs):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    commands.edit_value(window.document, ("project", "wip_limit"), 5)
    dialogs.answers.append(QMessageBox.StandardButton.Cancel)

    assert not window.new_from_template()

    assert len(dialogs.questions) == 1
    assert window.document.value(("project", "wip_limit")) == 5
    assert window.document.is_modified
    wait_until_idle(qtbot, window)


def test_close_prompt_cancel_keeps_window_open(qtbot, make_window, dialogs):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    commands.edit_value(window.document, ("project", "wip_limit"), 5)
    dialogs.answers.append(QMessageBox.StandardButton.Cancel)
    assert not window.close()
    assert window.isVisible()
    wait_until_idle(qtbot, window)


def test_new_from_template_is_untitled(qtbot, make_window):
    window = make_window(TINY_RUNS)
    window.new_from_template()
    assert window.document.project == load_project(TEMPLATE_PROJECT)
    assert window.document.file_path is None
    assert window.windowTitle().startswith("Standard experiment pipeline - Untitled")
    wait_until_idle(qtbot, window)


def test_autosave_writes_recovery_file(qtbot, make_window):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    assert not window.recovery.path.exists()
    commands.edit_value(window.document, ("project", "horizon_days"), "ninety")
    qtbot.waitUntil(window.recovery.path.exists, timeout=10_000)
    recovered = window.recovery.load()
    assert recovered.project["horizon_days"] == "ninety"
    window.document.undo_stack.undo()
    assert not window.recovery.path.exists()
    wait_until_idle(qtbot, window)


def test_recovery_is_offered_after_crash(qtbot, make_window, dialogs, tmp_path):
    project = json.loads(EXAMPLE_PROJECT.read_text(encoding="utf-8"))
    project["wip_limit"] = 5
    RecoveryStore(tmp_path / "recovery").save(project, [], [], tmp_path / "team.json")
    window = make_window(TINY_RUNS)
    dialogs.answers.append(QMessageBox.StandardButton.Yes)

    assert window.offer_recovery()

    assert "team.json" in dialogs.questions[0]
    assert window.document.value(("project", "wip_limit")) == 5
    assert window.document.is_modified
    assert window.document.file_path == tmp_path / "team.json"
    wait_until_idle(qtbot, window)


def test_declined_recovery_is_removed(qtbot, make_window, dialogs, tmp_path):
    store = RecoveryStore(tmp_path / "recovery")
    store.save({"schema_version": 1}, [], [], None)
    window = make_window(TINY_RUNS)
    dialogs.answers.append(QMessageBox.StandardButton.No)
    assert not window.offer_recovery()
    assert not store.path.exists()


def test_drop_opens_project(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    path = tmp_path / "dropped.json"
    path.write_text(TEMPLATE_PROJECT.read_text(encoding="utf-8"), encoding="utf-8")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)

    window.dropEvent(event)

    qtbot.waitUntil(lambda: window.document.file_path == path)
    assert window.document.project.name == "Standard experiment pipeline"
    wait_until_idle(qtbot, window)


def test_recent_files_are_kept_newest_first(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    paths = []
    for name in ("a.json", "b.json"):
        path = tmp_path / name
        path.write_text(EXAMPLE_PROJECT.read_text(encoding="utf-8"), encoding="utf-8")
        window.open_path(path)
        paths.append(path.resolve())
    window.open_path(paths[0])
    assert window.settings.recent_files()[:2] == [paths[0], paths[1]]
    window._fill_recent_menu()
    titles = [action.text() for action in window.recent_menu.actions()]
    assert titles[:2] == [str(paths[0]), str(paths[1])]
    wait_until_idle(qtbot, window)


def test_window_state_persists(qtbot, make_window, tmp_path):
    window = make_window(TINY_RUNS)
    window.toolbar.hide()
    window.close()
    assert window.settings.window_geometry() is not None
    reopened = app_module.build_window(window.settings, RecoveryStore(tmp_path / "other"))
    try:
        assert reopened.toolbar.isHidden()
    finally:
        reopened.close()


def test_termination_keeps_unsaved_changes(qtbot, make_window, dialogs):
    window = make_window(TINY_RUNS)
    window.new_from_example()
    wait_until_idle(qtbot, window)
    commands.edit_value(window.document, ("project", "wip_limit"), 4)

    window.close_without_asking()

    assert dialogs.questions == []
    assert not window.isVisible()
    assert window.recovery.load().project["wip_limit"] == 4
