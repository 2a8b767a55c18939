"""Editing in the window: forms validate as typed, undo, stage details and scenarios."""

from PySide6.QtCore import Qt

from desktop import palette
from desktop.charts import ThroughputChart
from desktop.forms import LineField, OptionalGroup
from desktop.run_controller import FULL
from desktop.settings import RunSettings
from desktop.testing import dialogs, make_window, no_leaks, wait_until_idle

__all__ = ["dialogs", "make_window", "no_leaks"]  # fixtures used by name

RUNS = RunSettings(preview_replications=4, full_replications=24, workers=1, seed=5,
                   debounce_ms=20)
RUN_TIMEOUT_MS = 60_000


def field_at(binder, relative_path):
    for field in binder.fields:
        if field.relative_path == relative_path and not isinstance(field, OptionalGroup):
            return field
    raise AssertionError(f"no field for {relative_path}")


def group_at(binder, relative_path):
    for field in binder.fields:
        if field.relative_path == relative_path and isinstance(field, OptionalGroup):
            return field
    raise AssertionError(f"no group for {relative_path}")


def example_window(make_window, qtbot):
    window = make_window(RUNS)
    with qtbot.waitSignal(window.figures_shown, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        window.new_from_example()
    wait_until_idle(qtbot, window)
    return window


def retype(qtbot, field: LineField, text: str) -> None:
    field.editor.selectAll()
    qtbot.keyClick(field.editor, Qt.Key.Key_Backspace)
    qtbot.keyClicks(field.editor, text)


def test_form_field_shows_problem_as_typed(qtbot, make_window):
    window = example_window(make_window, qtbot)
    horizon = field_at(window.editor.project_settings.binder, ("horizon_days",))

    retype(qtbot, horizon, "-5")

    assert window.document.value(("project", "horizon_days")) == -5
    assert not horizon.problem_label.isHidden()
    assert horizon.problem_label.text() == "\u26a0 must be > 0 (got -5)"
    assert not window.document.is_runnable
    retype(qtbot, horizon, "60")
    assert horizon.problem_label.isHidden()
    wait_until_idle(qtbot, window)
    assert window.dashboard.figures.baseline_figures.cumulative.x[-1] == 60


def test_typing_is_kept_and_undone_in_one_step(qtbot, make_window):
    window = example_window(make_window, qtbot)
    cost = field_at(window.editor.project_settings.binder, ("fixed_cost_per_experiment",))
    steps_before = window.document.undo_stack.count()

    retype(qtbot, cost, "450.")

    assert cost.editor.text() == "450."
    assert window.document.value(("project", "fixed_cost_per_experiment")) == 450.0
    assert window.document.undo_stack.count() == steps_before + 1
    window.actions_by_key["undo"].trigger()
    assert window.document.value(("project", "fixed_cost_per_experiment")) == 300
    assert cost.editor.text() == "300"
    assert window.document.undo_stack.count() == steps_before + 1  # no write-back command
    wait_until_idle(qtbot, window)


def test_undo_action_returns_previous_table_value(qtbot, make_window):
    window = example_window(make_window, qtbot)
    model = window.editor.stages.model
    index = model.index(2, 2)  # training units
    model.setData(index, "8", Qt.ItemDataRole.EditRole)
    assert index.data() == "8"
    assert window.isWindowModified()

    window.actions_by_key["undo"].trigger()

    assert index.data() == "4"
    assert not window.isWindowModified()
    assert window.actions_by_key["redo"].isEnabled()
    wait_until_idle(qtbot, window)


def test_backlog_without_wip_limit_is_named(qtbot, make_window):
    window = example_window(make_window, qtbot)
    binder = window.editor.project_settings.binder
    group = group_at(binder, ("wip_limit",))

    group.setChecked(False)

    assert window.document.value(("project", "wip_limit")) is None
    label = field_at(binder, ("wip_limit",)).problem_label
    assert "a backlog demand needs a work-in-progress limit" in label.text()
    assert "The model cannot run: 1 problem" in window.editor.problem_summary.text()
    group.setChecked(True)
    assert window.document.value(("project", "wip_limit")) == 6
    wait_until_idle(qtbot, window)


def test_stage_details_follow_selection(qtbot, make_window):
    window = example_window(make_window, qtbot)
    details = window.editor.stage_details
    window.editor.stages.select_row(window.document.stage_names().index("evaluation"))

    assert details.rework.isChecked()
    assert field_at(details.binder, ("rework", "probability")).editor.text() == "0.15"
    assert not details.review.isChecked()

    details.review.setChecked(True)
    row = window.document.stage_names().index("evaluation")
    assert window.document.value(("project", "stages", row, "review")) == {
        "weekdays": [0], "slots": 1, "hour": 10.0}
    window.document.undo_stack.undo()
    assert "review" not in window.document.value(("project", "stages", row))
    assert not details.review.isChecked()
    wait_until_idle(qtbot, window)


def test_add_stage_action_inserts_after_selection(qtbot, make_window):
    window = example_window(make_window, qtbot)
    window.editor.stages.select_row(0)
    window.actions_by_key["add_stage"].trigger()
    assert window.document.stage_names()[1] == "stage_7"
    assert window.editor.stages.current_row() == 1
    assert window.document.is_runnable
    wait_until_idle(qtbot, window)


def test_scenario_with_intervention_runs_beside_baseline(qtbot, make_window):
    window = example_window(make_window, qtbot)
    panel = window.editor.scenarios
    panel.add_scenario()
    assert panel.list.currentRow() == 1
    table = panel.interventions
    row = next(r for r in range(table.rowCount())
               if table.item(r, 0).data(Qt.ItemDataRole.UserRole) == "frequent_review_meetings")

    with qtbot.waitSignal(window.figures_shown, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        table.item(row, 0).setCheckState(Qt.CheckState.Checked)
    wait_until_idle(qtbot, window)

    assert window.document.value(("scenarios", 1, "interventions")) == [
        {"id": "frequent_review_meetings", "start_week": 1}]
    figures = window.dashboard.figures
    assert list(figures.scenarios) == ["Baseline", "Scenario"]
    assert figures.baseline == "Baseline"
    faster = figures.scenarios["Scenario"].experiments_per_month
    assert faster > figures.baseline_figures.experiments_per_month
    chart = window.dashboard.chart(ThroughputChart)
    pens = {item.name(): item.opts["pen"].color().name().upper()
            for item in chart.getPlotItem().listDataItems() if item.name()}
    assert pens == {"Baseline": palette.scenario_colour(0), "Scenario": palette.scenario_colour(1)}
    card = window.dashboard.cards["experiments_per_month"]
    [row] = card.row_texts()
    assert row.startswith(f"{faster:.1f}  +")


def test_start_week_edit_is_undoable(qtbot, make_window):
    window = example_window(make_window, qtbot)
    panel = window.editor.scenarios
    panel.add_scenario()
    panel.interventions.item(0, 0).setCheckState(Qt.CheckState.Checked)
    week = panel.interventions.cellWidget(0, 2)
    week.setValue(5)
    assert window.document.value(("scenarios", 1, "interventions"))[0]["start_week"] == 5
    window.document.undo_stack.undo()
    assert window.document.value(("scenarios", 1, "interventions"))[0]["start_week"] == 1
    assert panel.interventions.cellWidget(0, 2).value() == 1
    wait_until_idle(qtbot, window)


def test_make_baseline_moves_flag(qtbot, make_window):
    window = example_window(make_window, qtbot)
    panel = window.editor.scenarios
    panel.add_scenario()
    panel.make_baseline()
    flags = [s["baseline"] for s in window.document.value(("scenarios",))]
    assert flags == [False, True]
    assert window.document.undo_stack.undoText() == "Change the baseline scenario"
    window.document.undo_stack.undo()
    assert [s["baseline"] for s in window.document.value(("scenarios",))] == [True, False]
    wait_until_idle(qtbot, window)
