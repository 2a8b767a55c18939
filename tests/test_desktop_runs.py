"""Live runs in the real window: edits rerun, cancel keeps the old figures, close stops all.

Most tests run replications in the window's own worker thread (``FAST_RUNS``, workers=1);
``test_close_during_run_stops_workers`` uses the real pool of spawned worker processes.
"""

import multiprocessing

import numpy as np
from PySide6.QtCore import Qt

from desktop.charts import ThroughputChart
from desktop.run_controller import FULL, PREVIEW
from desktop.settings import RunSettings
from desktop.testing import FAST_RUNS, dialogs, make_window, no_leaks, wait_until_idle

__all__ = ["dialogs", "make_window", "no_leaks"]  # fixtures used by name

MAX_COLUMN = 6  # stage table: name, pool, units, distribution, min, likely, max
RUN_TIMEOUT_MS = 60_000


def record_figures(window) -> list:
    shown = []
    window.figures_shown.connect(shown.append)
    return shown


def open_example_and_wait(qtbot, window) -> list:
    shown = record_figures(window)
    with qtbot.waitSignal(window.figures_shown, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        window.new_from_example()
    wait_until_idle(qtbot, window)
    return shown


def plotted_mean(window, scenario: str = "Baseline") -> np.ndarray:
    """Return the weekly-throughput curve of ``scenario`` as drawn on the chart."""
    chart = window.dashboard.chart(ThroughputChart)
    for item in chart.getPlotItem().listDataItems():
        if item.name() == scenario:
            return np.array(item.yData, dtype=float)
    raise AssertionError(f"no throughput curve named {scenario!r}")


def test_example_runs_preview_then_full(qtbot, make_window):
    window = make_window()
    shown = open_example_and_wait(qtbot, window)
    assert [figures.phase for figures in shown] == [PREVIEW, FULL]
    assert [figures.replications for figures in shown] == [
        FAST_RUNS.preview_replications, FAST_RUNS.full_replications]
    assert window.dashboard.figures is shown[-1]
    assert window.replications_label.text() == (
        "Figures from 30 replications per scenario (full run, 1 scenario, seed 3)")
    assert window.status_label.text() == "Up to date."


def test_duration_edit_reruns_and_changes_throughput(qtbot, make_window):
    window = make_window()
    open_example_and_wait(qtbot, window)
    before = plotted_mean(window)
    model = window.editor.stages.model
    row = window.document.stage_names().index("hypothesis_design")

    with qtbot.waitSignal(window.figures_shown, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        model.setData(model.index(row, MAX_COLUMN), "20", Qt.ItemDataRole.EditRole)
    wait_until_idle(qtbot, window)

    after = plotted_mean(window)
    # A hypothesis now takes about 7 days instead of 0.5, with 3 experiments in flight.
    assert after.sum() < 0.8 * before.sum()
    assert window.dashboard.figures.baseline_figures.experiments_per_month < 6


def test_edits_in_quick_succession_run_once(qtbot, make_window):
    window = make_window(RunSettings(preview_replications=4, full_replications=8, workers=1,
                                     debounce_ms=200, commit_delay_ms=200))
    open_example_and_wait(qtbot, window)
    started = []
    window.controller.phase_started.connect(lambda phase, _total: started.append(phase))
    model = window.editor.stages.model
    for text in ("0.9", "1.0", "1.1"):
        model.setData(model.index(0, MAX_COLUMN), text, Qt.ItemDataRole.EditRole)
    with qtbot.waitSignal(window.figures_shown, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        pass
    wait_until_idle(qtbot, window)
    assert started == [PREVIEW, FULL]


def test_typing_waits_longer_than_a_cell_edit(qtbot, make_window):
    window = make_window(RunSettings(preview_replications=4, full_replications=8, workers=1,
                                     debounce_ms=250, commit_delay_ms=20))
    open_example_and_wait(qtbot, window)
    cost = next(field for field in window.editor.project_settings.binder.fields
                if field.relative_path == ("fixed_cost_per_experiment",))

    qtbot.keyClicks(cost.editor, "5")
    assert window.controller.pause_ms == 250
    model = window.editor.stages.model
    model.setData(model.index(0, MAX_COLUMN), "0.9", Qt.ItemDataRole.EditRole)
    assert window.controller.pause_ms == 20
    wait_until_idle(qtbot, window)
    assert window.dashboard.figures.baseline_figures.cost_per_experiment > 3000


def test_cancel_keeps_previous_figures(qtbot, make_window):
    window = make_window(RunSettings(preview_replications=20, full_replications=200,
                                     workers=1, debounce_ms=30))
    open_example_and_wait(qtbot, window)
    shown_before = window.dashboard.figures
    curve_before = plotted_mean(window)
    window.controller.phase_started.connect(lambda _phase, _total: window.cancel_run())

    with qtbot.waitSignal(window.controller.run_cancelled, timeout=RUN_TIMEOUT_MS):
        model = window.editor.stages.model
        model.setData(model.index(0, MAX_COLUMN), "5", Qt.ItemDataRole.EditRole)
    wait_until_idle(qtbot, window)

    assert window.dashboard.figures is shown_before
    np.testing.assert_array_equal(plotted_mean(window), curve_before)
    assert window.status_label.text() == (
        "Run cancelled; the figures shown are from the previous run.")
    assert not window.actions_by_key["cancel_run"].isEnabled()


def test_newer_edit_supersedes_running_run(qtbot, make_window):
    window = make_window(RunSettings(preview_replications=10, full_replications=60,
                                     workers=1, debounce_ms=30))
    open_example_and_wait(qtbot, window)
    shown = record_figures(window)
    model = window.editor.stages.model
    row = window.document.stage_names().index("hypothesis_design")
    edits = iter(["20", "0.8"])

    def edit_again(phase, _total):
        value = next(edits, None)
        if value is not None and phase == PREVIEW:
            model.setData(model.index(row, MAX_COLUMN), value, Qt.ItemDataRole.EditRole)

    window.controller.phase_started.connect(edit_again)
    with qtbot.waitSignal(window.figures_shown, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda figures: figures.phase == FULL):
        model.setData(model.index(row, MAX_COLUMN), "10", Qt.ItemDataRole.EditRole)
    wait_until_idle(qtbot, window)

    # Only the last edit (max back to 0.8 days) reaches the charts.
    assert window.document.value(("project", "stages", row, "duration", "max")) == 0.8
    assert shown[-1].baseline_figures.experiments_per_month > 6


def test_invalid_model_is_not_run(qtbot, make_window):
    window = make_window(RunSettings(preview_replications=10, full_replications=300,
                                     workers=1, debounce_ms=30, commit_delay_ms=10))
    open_example_and_wait(qtbot, window)
    shown = record_figures(window)
    model = window.editor.stages.model
    with qtbot.waitSignal(window.controller.phase_started, timeout=RUN_TIMEOUT_MS):
        model.setData(model.index(0, MAX_COLUMN), "0.9", Qt.ItemDataRole.EditRole)
    # An invalid edit while that run goes: the run stops before its full run.
    model.setData(model.index(0, MAX_COLUMN), "0.1", Qt.ItemDataRole.EditRole)

    wait_until_idle(qtbot, window)
    assert window.status_label.text() == (
        "Not run: the model has 1 problem "
        "(stages[0].duration.max: must be >= likely (got 0.1 < 0.4)).")
    assert window.dashboard.stale_notice.isVisible()
    window.run_now()
    assert not window.controller.is_busy
    assert [figures.phase for figures in shown if figures.phase == FULL] == []


def test_close_during_run_stops_workers(qtbot, make_window):
    window = make_window(RunSettings(preview_replications=10, full_replications=2000,
                                     workers=2, debounce_ms=30))
    with qtbot.waitSignal(window.controller.phase_started, timeout=RUN_TIMEOUT_MS,
                          check_params_cb=lambda phase, _total: phase == FULL):
        window.new_from_example()
    assert len(multiprocessing.active_children()) == 2

    assert window.close()

    assert multiprocessing.active_children() == []
    assert window.controller.thread.isFinished()
    assert not window.isVisible()
