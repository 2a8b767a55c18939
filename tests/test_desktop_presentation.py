"""Presentation mode in the real window: slides, keyboard navigation, the ranking job."""

from PySide6.QtCore import Qt

from desktop import planning_features
from desktop.commands import InsertItemCommand
from desktop.presentation import SLIDE_TITLES, PresentationWindow, default_screen
from desktop.run_controller import FULL
from desktop.testing import dialogs, make_window, no_leaks, wait_until_idle

__all__ = ["dialogs", "make_window", "no_leaks"]  # fixtures used by name

TIMEOUT_MS = 60_000
PLAN = {"name": "Plan", "baseline": False,
        "interventions": [{"id": "frequent_review_meetings", "start_week": 1}]}


def open_example_with_plan(qtbot, window) -> None:
    with qtbot.waitSignal(window.figures_shown, timeout=TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        window.new_from_example()
    wait_until_idle(qtbot, window)
    document = window.document
    with qtbot.waitSignal(window.planning.roadmap.projected, timeout=TIMEOUT_MS):
        document.undo_stack.push(InsertItemCommand(document, ("scenarios",), 1, PLAN,
                                                   "Add plan"))

    def plan_shown() -> bool:
        figures = window.dashboard.figures
        return (not window.controller.is_busy and figures.phase == FULL
                and "Plan" in figures.scenarios)

    qtbot.waitUntil(plan_shown, timeout=TIMEOUT_MS)


def test_keys_step_through_every_slide(qtbot):
    presentation = PresentationWindow()
    qtbot.addWidget(presentation)
    presentation.show()
    qtbot.waitExposed(presentation)
    assert presentation.count == len(SLIDE_TITLES)
    seen = [presentation.current]
    for key in (Qt.Key.Key_Right, Qt.Key.Key_Space, Qt.Key.Key_PageDown, Qt.Key.Key_Right):
        qtbot.keyClick(presentation, key)
        seen.append(presentation.current)
    assert seen == [0, 1, 2, 3, 4]
    qtbot.keyClick(presentation, Qt.Key.Key_Right)
    assert presentation.current == 4  # the last slide stays
    qtbot.keyClick(presentation, Qt.Key.Key_Left)
    assert presentation.current == 3
    qtbot.keyClick(presentation, Qt.Key.Key_PageUp)
    assert presentation.current == 2
    qtbot.keyClick(presentation, Qt.Key.Key_Home)
    assert presentation.current == 0
    qtbot.keyClick(presentation, Qt.Key.Key_Left)
    assert presentation.current == 0
    qtbot.keyClick(presentation, Qt.Key.Key_End)
    assert presentation.current == 4


def test_slide_titles_in_order(qtbot):
    presentation = PresentationWindow()
    qtbot.addWidget(presentation)
    titles = [presentation.stack.widget(i).title.text() for i in range(presentation.count)]
    assert titles == list(SLIDE_TITLES)
    assert presentation.stack.widget(0).footer.text().startswith("1 / 5")


def test_default_screen_is_primary_with_one_screen(qapp):
    assert default_screen() is qapp.primaryScreen()
    assert default_screen(0) is qapp.screens()[0]
    assert default_screen(7) is qapp.primaryScreen()


def test_presentation_shows_window_figures(qtbot, make_window, monkeypatch):
    monkeypatch.setattr(planning_features, "RANKING_REPLICATIONS", 5)
    window = make_window()
    open_example_with_plan(qtbot, window)
    with qtbot.waitSignal(window.planning.ranking_ready, timeout=TIMEOUT_MS):
        presentation = window.planning.present()
        assert presentation.isFullScreen()
        assert presentation.ranking.note.text() == "Ranking the interventions..."

    figures = window.dashboard.figures
    baseline = presentation.baseline
    assert baseline.figures.itemAtPosition(0, 0).widget().text() == (
        f"{figures.baseline_figures.experiments_per_month:,.1f}")
    assert baseline.bottleneck.text().startswith(
        f"Bottleneck: {figures.baseline_figures.bottleneck}.")

    ranking = presentation.ranking.table
    assert ranking.rowCount() >= 3
    best = window.planning.ranking.iloc[0]
    assert ranking.item(0, 0).text() == best["name"]

    scenarios = presentation.scenarios.table
    assert [scenarios.horizontalHeaderItem(c).text() for c in range(2)] == ["Baseline", "Plan"]
    assert scenarios.item(0, 1).text() == f"{figures.scenarios['Plan'].experiments_per_month:,.1f}"

    roadmap = presentation.roadmap.timeline
    assert [bar.intervention_id for bar in roadmap.bars] == ["frequent_review_meetings"]
    assert sorted(roadmap.milestone_text) == [30.0, 60.0, 90.0]
    assert not roadmap.editable

    report = window.planning.roadmap.report
    table = report.milestones()
    chance = table[(table["day"] == 90) & (table["scenario"] == "Plan")]["goal_probability"]
    assert presentation.goal.figure.text() == f"{chance.iloc[0]:.0%}"


def test_navigation_in_window_and_escape_closes(qtbot, make_window, monkeypatch):
    monkeypatch.setattr(planning_features, "RANKING_REPLICATIONS", 5)
    window = make_window()
    open_example_with_plan(qtbot, window)
    with qtbot.waitSignal(window.planning.ranking_ready, timeout=TIMEOUT_MS):
        presentation = window.planning.present()
    qtbot.waitExposed(presentation)
    visited = [presentation.current]
    for _ in range(presentation.count - 1):
        qtbot.keyClick(presentation, Qt.Key.Key_Right)
        visited.append(presentation.current)
    for _ in range(presentation.count - 1):
        qtbot.keyClick(presentation, Qt.Key.Key_Left)
        visited.append(presentation.current)
    assert visited == [0, 1, 2, 3, 4, 3, 2, 1, 0]

    with qtbot.waitSignal(presentation.closed, timeout=5_000):
        qtbot.keyClick(presentation, Qt.Key.Key_Escape)
    assert window.planning.presentation is None
    wait_until_idle(qtbot, window)
