"""Charts, cards and the flow diagram drawn from real results, without the main window."""

import dataclasses
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPalette

from desktop import palette, theme
from desktop.charts import (
    CostChart,
    CumulativeChart,
    CycleTimeChart,
    StageTimeChart,
    ThroughputChart,
    UtilisationChart,
)
from desktop.dashboard import Dashboard
from desktop.document import ProjectDocument
from desktop.figures import RunFigures, scenario_figures
from desktop.flow_diagram import FlowDiagram
from desktop.resources import EXAMPLE_PROJECT
from simulation.project_io import load_project
from simulation.runner import run_simulation

REPLICATIONS = 30


@pytest.fixture(scope="module")
def figures():
    project = load_project(EXAMPLE_PROJECT)
    result = run_simulation(project, replications=REPLICATIONS, seed=4)
    return RunFigures(phase="full", scenarios={"Baseline": scenario_figures("Baseline", result)},
                      baseline="Baseline", replications=REPLICATIONS, seed=4)


@pytest.fixture
def two_scenarios(figures):
    baseline = figures.baseline_figures
    other = dataclasses.replace(baseline, name="Other",
                                experiments_per_month=baseline.experiments_per_month + 1.5)
    return RunFigures(phase="full", scenarios={"Baseline": baseline, "Other": other},
                      baseline="Baseline", replications=REPLICATIONS, seed=4)


def colours_of(figures):
    return {name: palette.scenario_colour(index) for index, name in enumerate(figures.scenarios)}


def test_figures_match_result(figures):
    baseline = figures.baseline_figures
    assert baseline.replications == REPLICATIONS
    assert baseline.bottleneck == "stakeholder_review"
    assert baseline.stage_names[0] == "hypothesis_design"
    assert len(baseline.weekly_throughput.x) == 13
    assert baseline.cycle_time_percentiles[50] <= baseline.cycle_time_percentiles[95]
    assert set(baseline.cost_components) == {"Compute", "People", "Fixed"}
    assert baseline.cost_components["Fixed"] == 300


def test_throughput_hover_shows_week_values(qtbot, figures):
    chart = ThroughputChart()
    qtbot.addWidget(chart)
    chart.show_figures(figures, colours_of(figures))
    band = figures.baseline_figures.weekly_throughput

    text = chart.hover_at(3.2, 0.0)

    assert text.splitlines()[0] == "Week 3"
    assert text.splitlines()[1] == (
        f"Baseline: {band.mean[2]:.1f} experiments (90%: {band.low[2]:.1f} to "
        f"{band.high[2]:.1f})")


def test_cumulative_chart_draws_goal_pace(qtbot, figures):
    chart = CumulativeChart()
    qtbot.addWidget(chart)
    chart.show_figures(figures, colours_of(figures))
    goal_lines = [item for item in chart.getPlotItem().listDataItems()
                  if item.opts["pen"].style().name == "DashLine"]
    assert len(goal_lines) == 1
    assert goal_lines[0].yData[-1] == pytest.approx(20 * 90 / 30)
    assert "goal pace: 10.0 experiments" in chart.hover_at(15, 0)


def test_cycle_time_chart_marks_percentiles(qtbot, figures):
    chart = CycleTimeChart()
    qtbot.addWidget(chart)
    chart.show_figures(figures, colours_of(figures))
    lines = [item for item in chart.getPlotItem().items if hasattr(item, "label")
             and item.label is not None]
    assert sorted(line.label.format for line in lines) == ["p50", "p70", "p85", "p95"]
    assert chart.shares["Baseline"].sum() == pytest.approx(100)
    p85 = figures.baseline_figures.cycle_time_percentiles[85]
    assert f"p85 {p85:.1f}" in chart.hover_at(p85, 1)


def test_stage_chart_hover_names_bottleneck(qtbot, figures):
    chart = StageTimeChart()
    qtbot.addWidget(chart)
    chart.show_figures(figures, colours_of(figures))
    row = figures.baseline_figures.stage_names.index("stakeholder_review")
    text = chart.hover_at(1.0, row)
    assert text.startswith("stakeholder_review (bottleneck), Baseline")
    assert chart.hover_at(1.0, row + 0.45) == ""  # between two bars


def test_cost_and_utilisation_hover(qtbot, figures):
    cost = CostChart()
    utilisation = UtilisationChart()
    for chart in (cost, utilisation):
        qtbot.addWidget(chart)
        chart.show_figures(figures, colours_of(figures))
    people = figures.baseline_figures.cost_components["People"]
    assert cost.hover_at(1.0, 10).startswith(f"People cost, Baseline: {people:,.0f} per")
    assert utilisation.hover_at(30, 1).startswith("data_engineers, Baseline: ")


def test_grouped_bars_use_scenario_colours(qtbot, two_scenarios):
    chart = CostChart()
    qtbot.addWidget(chart)
    chart.show_figures(two_scenarios, colours_of(two_scenarios))
    bars = [item for item in chart.getPlotItem().items if type(item).__name__ == "BarGraphItem"]
    colours = {QColor(bar.opts["brush"]).name().upper() for bar in bars}
    assert colours == {palette.scenario_colour(0), palette.scenario_colour(1)}
    assert chart.hover_at(0.2, 1).startswith("Compute cost, Other")


def test_cards_compare_with_baseline(qtbot, two_scenarios):
    dashboard = Dashboard()
    qtbot.addWidget(dashboard)
    dashboard.show_figures(two_scenarios)
    card = dashboard.cards["experiments_per_month"]
    baseline = two_scenarios.baseline_figures.experiments_per_month
    assert card.value_text() == f"{baseline:,.1f}"
    other = two_scenarios.scenarios["Other"].experiments_per_month
    assert card.row_texts() == [f"{other:.1f}  +1.5 (+{1.5 / baseline:.0%})"]
    goal = dashboard.cards["goal_probability"]
    assert goal.value_text() == "0%"
    assert goal.detail.text() == "Baseline: goal: 20 a month, p85 within 5 d (last 30 days)"


def test_flow_diagram_highlights_bottleneck(qtbot, figures):
    document = ProjectDocument()
    document.open_file(EXAMPLE_PROJECT)
    diagram = FlowDiagram(document)
    qtbot.addWidget(diagram)
    diagram.resize(1200, 150)
    diagram.show_figures(figures)
    names = document.stage_names()
    review = diagram.box_rects()[names.index("stakeholder_review")]

    text = diagram.tooltip_at(review.center())

    assert diagram.is_bottleneck("stakeholder_review")
    assert not diagram.is_bottleneck("training")
    assert "Bottleneck: this stage adds the most waiting." in text
    waiting = figures.baseline_figures.stage_waiting_days[names.index("stakeholder_review")]
    assert f"waiting {waiting:.2f} days per experiment" in text
    assert diagram.tooltip_at(QPointF(review.center().x(), 2)) is None
    diagram.grab()  # paints without errors


def test_dark_theme_restyles_charts(qtbot, figures):
    chart = ThroughputChart()
    qtbot.addWidget(chart)
    chart.show_figures(figures, colours_of(figures))
    try:
        theme.apply("dark")
        qtbot.waitUntil(lambda: chart.backgroundBrush().color() == palette.role_colour(
            QPalette.ColorRole.Base))
        assert palette.is_dark()
        axis_pen = chart.getPlotItem().getAxis("left").pen().color()
        assert axis_pen == palette.role_colour(QPalette.ColorRole.WindowText)
        assert len(chart.getPlotItem().listDataItems()) == 3  # redrawn after the change
    finally:
        theme.apply("light")
    assert not palette.is_dark()


def test_empty_cycle_times_draw_nothing(qtbot, figures):
    baseline = figures.baseline_figures
    empty = dataclasses.replace(baseline, cycle_times_days=np.array([]),
                                cycle_time_percentiles={p: math.nan for p in (50, 70, 85, 95)})
    chart = CycleTimeChart()
    qtbot.addWidget(chart)
    chart.show_figures(RunFigures("full", {"Baseline": empty}, "Baseline", 1, 1), {})
    assert chart.hover_at(3, 1) == ""
