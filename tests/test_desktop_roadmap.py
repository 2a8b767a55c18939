"""The roadmap dock in the real window: dragging bars, undo, projection and proposals."""

import math

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox

from desktop import roadmap_view
from desktop.commands import InsertItemCommand
from desktop.roadmap_view import PROPOSAL, RoadmapTimeline, milestone_lines, roadmap_of
from desktop.run_controller import FULL
from desktop.testing import dialogs, make_window, no_leaks, wait_until_idle

__all__ = ["dialogs", "make_window", "no_leaks"]  # fixtures used by name

TIMEOUT_MS = 60_000
PLAN = {"name": "Plan", "baseline": False,
        "interventions": [{"id": "frequent_review_meetings", "start_week": 2},
                          {"id": "automated_data_pipelines", "start_week": 1}]}


def open_example(qtbot, window) -> None:
    with qtbot.waitSignal(window.figures_shown, timeout=TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        window.new_from_example()
    wait_until_idle(qtbot, window)


def add_plan(qtbot, window):
    """Add ``PLAN`` as a scenario and wait for its first projection."""
    panel = window.planning.roadmap
    document = window.document
    with qtbot.waitSignal(panel.projected, timeout=TIMEOUT_MS):
        document.undo_stack.push(InsertItemCommand(document, ("scenarios",), 1, PLAN,
                                                   "Add plan"))
    return panel


def day_90(report, scenario: str) -> dict:
    table = report.milestones()
    return table[(table["day"] == 90) & (table["scenario"] == scenario)].iloc[0].to_dict()


def test_roadmap_of_scenario_document():
    roadmap = roadmap_of(PLAN)
    assert roadmap.name == "Plan"
    assert [(item.intervention_id, item.start_week) for item in roadmap.items] == [
        ("frequent_review_meetings", 2), ("automated_data_pipelines", 1)]


def test_timeline_snaps_drop_to_whole_week(qtbot):
    timeline = RoadmapTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(1200, 300)
    timeline.set_roadmap([roadmap_view.Bar("a", "A", 3, 1, False)], 13, 91.0, "#E69F00")
    moves = []
    timeline.move_requested.connect(lambda ident, week: moves.append((ident, week)))
    rect = timeline.bar_rect("a")
    grab = QPoint(int(rect.left()) + 5, int(rect.center().y()))
    # 2.4 weeks to the right snaps to 2 weeks later.
    drop = QPoint(int(rect.left() + 2.4 * timeline._week_width()) + 5, grab.y())
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=grab)
    qtbot.mouseMove(timeline, drop)
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=drop)
    assert moves == [("a", 5)]


def test_timeline_drop_on_same_week_moves_nothing(qtbot):
    timeline = RoadmapTimeline()
    qtbot.addWidget(timeline)
    timeline.resize(1200, 300)
    timeline.set_roadmap([roadmap_view.Bar("a", "A", 3, 1, False)], 13, 91.0, "#E69F00")
    moves = []
    timeline.move_requested.connect(lambda ident, week: moves.append((ident, week)))
    rect = timeline.bar_rect("a")
    point = QPoint(int(rect.left()) + 5, int(rect.center().y()))
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=point)
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=point)
    assert moves == []


def test_drag_moves_intervention_and_undo_restores(qtbot, make_window):
    window = make_window()
    open_example(qtbot, window)
    window.show_roadmap()
    panel = add_plan(qtbot, window)
    assert panel.roadmap().name == "Plan"
    before = day_90(panel.report, "Plan")
    timeline = panel.timeline
    rect = timeline.bar_rect("automated_data_pipelines")
    grab = QPoint(int(rect.left()) + 4, int(rect.center().y()))
    drop = QPoint(int(timeline.week_x(9)) + 4, grab.y())

    with qtbot.waitSignal(panel.projected, timeout=TIMEOUT_MS):
        qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=grab)
        qtbot.mouseMove(timeline, drop)
        qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=drop)

    path = ("scenarios", 1, "interventions", 1, "start_week")
    assert window.document.value(path) == 9
    assert window.document.undo_stack.undoText() == "Move automated_data_pipelines to week 9"
    moved = day_90(panel.report, "Plan")
    # The data pipelines now work for 4 weeks instead of 12 before day 90.
    assert moved["experiments_per_month_p50"] != before["experiments_per_month_p50"] or (
        moved["cycle_time_mean_days"] != before["cycle_time_mean_days"])
    assert timeline.milestone_text[90.0] == milestone_lines(panel.report.milestones(),
                                                            "Plan")[90.0]

    with qtbot.waitSignal(panel.projected, timeout=TIMEOUT_MS):
        window.undo()
    assert window.document.value(path) == 1
    assert day_90(panel.report, "Plan") == before
    wait_until_idle(qtbot, window)


def test_milestone_lines_show_projected_figures(qtbot, make_window):
    window = make_window()
    open_example(qtbot, window)
    panel = add_plan(qtbot, window)
    lines = panel.timeline.milestone_text
    assert sorted(lines) == [30.0, 60.0, 90.0]
    assert lines[30.0][0].endswith(" experiments a month")
    assert lines[30.0][1] == "(p50 / p85)"
    assert lines[90.0][2].startswith("cycle time ")
    assert lines[90.0][3].endswith(" per experiment")
    figure = day_90(panel.report, "Plan")["goal_probability"]
    assert not math.isnan(figure)
    assert lines[90.0][4] == f"goal {figure:.0%} likely"
    wait_until_idle(qtbot, window)


def test_propose_adds_undoable_scenario(qtbot, make_window, monkeypatch):
    monkeypatch.setattr(roadmap_view, "PROPOSAL_REPLICATIONS", 5)
    monkeypatch.setattr(roadmap_view, "PROPOSAL_STEPS", 2)
    window = make_window()
    open_example(qtbot, window)
    panel = window.planning.roadmap
    with qtbot.waitSignal(panel.proposed, timeout=TIMEOUT_MS) as proposed:
        window.propose_roadmap()
        assert window.planning.jobs.is_running(PROPOSAL)
        assert not panel.propose_button.isEnabled()
    assert proposed.args == ["Proposed roadmap"]
    assert panel.propose_button.isEnabled()
    names = [doc["name"] for doc in window.document.scenario_documents()]
    assert names == ["Baseline", "Proposed roadmap"]
    assert panel.scenario_box.currentText() == "Proposed roadmap"
    assert 1 <= len(panel.roadmap().items) <= 2
    assert window.planning.dock.isVisible()

    window.undo()
    assert [doc["name"] for doc in window.document.scenario_documents()] == ["Baseline"]
    assert panel.roadmap() is None
    wait_until_idle(qtbot, window)


def test_propose_can_be_cancelled(qtbot, make_window):
    window = make_window()
    open_example(qtbot, window)
    panel = window.planning.roadmap
    with qtbot.waitSignal(window.planning.jobs.cancelled, timeout=TIMEOUT_MS):
        panel.propose()
        panel.cancel_button.click()
    assert panel.status.text() == "Roadmap proposal cancelled."
    assert [doc["name"] for doc in window.document.scenario_documents()] == ["Baseline"]
    wait_until_idle(qtbot, window)


def test_cancelled_close_keeps_projecting(qtbot, make_window, dialogs):
    window = make_window()
    open_example(qtbot, window)
    panel = add_plan(qtbot, window)
    dialogs.answers.append(QMessageBox.StandardButton.Cancel)
    window.close()
    assert window.isVisible()
    with qtbot.waitSignal(panel.projected, timeout=TIMEOUT_MS):
        assert panel.move_intervention("frequent_review_meetings", 5)
    assert panel.report.roadmap.items[0].start_week == 5
    wait_until_idle(qtbot, window)
