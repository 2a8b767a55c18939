"""The slide deck read back with python-pptx: slides, native charts, tables and their data."""

import io

import openpyxl
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.util import Inches
from test_report_model import (
    FORMULA_SCENARIO,
    MARKUP_SCENARIO,
    PROJECT_NAME,
    ROADMAP_NAME,
    hostile_story,
)

from simulation.report_deck import export_deck, render_deck
from simulation.scenarios import BASELINE


@pytest.fixture(scope="module")
def story():
    return hostile_story()


@pytest.fixture(scope="module")
def deck(story, tmp_path_factory):
    path = tmp_path_factory.mktemp("deck") / "report.pptx"
    export_deck(story, path)
    return Presentation(str(path))


def slide_titles(deck) -> list[str]:
    return [slide.shapes.title.text if slide.shapes.title is not None else ""
            for slide in deck.slides]


def charts_of(deck) -> dict[str, object]:
    """Return the native chart of each slide that has one, by slide title."""
    found = {}
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_chart:
                found[slide.shapes.title.text] = shape.chart
    return found


def test_deck_is_widescreen(deck):
    assert deck.slide_width == Inches(13.333)
    assert deck.slide_height == Inches(7.5)


def test_title_slide_names_project_and_date(deck):
    first = deck.slides[0]
    assert first.shapes.title.text == PROJECT_NAME
    assert "2027-01-04" in first.placeholders[1].text


def test_deck_tells_the_story_in_order(deck):
    titles = slide_titles(deck)
    expected = ["The pipeline the model assumes", "People and machines",
                "Demand, limits, calendar and goal", "The bottleneck: stakeholder_review",
                "Cumulative experiments by scenario", "Scenarios against the baseline",
                f"Roadmap: {ROADMAP_NAME}", "Milestones at days 30, 60 and 90"]
    positions = [titles.index(title) for title in expected]
    assert positions == sorted(positions)
    assert titles[-1] == "How to read these numbers"


def test_deck_uses_native_charts(deck):
    charts = charts_of(deck)
    assert len(charts) >= 8
    assert charts["Cumulative experiments by scenario"].chart_type == \
        XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS
    assert charts["The bottleneck: stakeholder_review"].chart_type == XL_CHART_TYPE.BAR_STACKED
    assert charts["Cost per experiment by component"].chart_type == \
        XL_CHART_TYPE.COLUMN_STACKED
    assert charts[f"Roadmap: {ROADMAP_NAME}"].chart_type == XL_CHART_TYPE.BAR_STACKED


def test_deck_has_no_pictures(deck):
    pictures = [shape.name for slide in deck.slides for shape in slide.shapes
                if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert pictures == []


def test_cumulative_chart_has_a_series_per_scenario(deck, story):
    chart = charts_of(deck)["Cumulative experiments by scenario"]
    names = [series.name for series in chart.plots[0].series]
    assert names == [BASELINE, "'" + FORMULA_SCENARIO, MARKUP_SCENARIO, ROADMAP_NAME, "Goal"]
    baseline = chart.plots[0].series[0]
    completed = story.baseline.per_replication["completed"].mean()
    assert baseline.values[-1] == pytest.approx(completed)


def test_series_keep_scenario_colours(deck, story):
    chart = charts_of(deck)["Weekly throughput by scenario"]
    colours = [str(series.format.line.color.rgb) for series in chart.plots[0].series]
    assert colours == [colour.lstrip("#").upper() for colour in story.colours.values()]


def test_bottleneck_chart_splits_active_and_waiting(deck, story):
    chart = charts_of(deck)["The bottleneck: stakeholder_review"]
    categories = list(chart.plots[0].categories)
    assert categories == [stage.name for stage in story.project.stages]
    waiting = dict(zip(categories, chart.plots[0].series[1].values))
    assert waiting["stakeholder_review"] == pytest.approx(story.bottleneck().waiting_days,
                                                          rel=1e-6)


def test_chart_workbooks_contain_no_formulas(deck):
    for title, chart in charts_of(deck).items():
        workbook = openpyxl.load_workbook(io.BytesIO(chart.part.chart_workbook.xlsx_part.blob))
        formulas = [cell.coordinate for sheet in workbook for row in sheet.iter_rows()
                    for cell in row if cell.data_type == "f"]
        assert formulas == [], title


def test_tables_are_native(deck):
    tables = {slide.shapes.title.text: shape.table for slide in deck.slides
              for shape in slide.shapes if shape.has_table}
    pipeline = tables["The pipeline the model assumes"]
    stages = [pipeline.cell(row, 0).text for row in range(1, len(pipeline.rows))]
    assert stages[0] == "hypothesis_design"
    assert "stakeholder_review" in stages
    comparison = tables["Scenarios against the baseline"]
    scenarios = {comparison.cell(row, 0).text for row in range(1, len(comparison.rows))}
    assert scenarios == {FORMULA_SCENARIO, MARKUP_SCENARIO, ROADMAP_NAME}


def test_long_tables_continue_on_more_slides():
    story = hostile_story(with_roadmap=False)
    for number in range(3):
        story.results[f"Copy {number}"] = story.results[MARKUP_SCENARIO]
    deck = Presentation(io.BytesIO(render_deck(story)))
    titles = slide_titles(deck)
    assert "Scenarios against the baseline (1 of 2)" in titles
    assert "Scenarios against the baseline (2 of 2)" in titles


def test_deck_without_scenarios_or_roadmap(tmp_path):
    story = hostile_story(with_scenarios=False, with_roadmap=False)
    deck = Presentation(io.BytesIO(render_deck(story)))
    titles = slide_titles(deck)
    assert "No scenarios compared" in titles
    assert not any(title.startswith("Roadmap") for title in titles)
    assert "Waiting per stage by scenario" not in titles


def test_deck_with_empty_roadmap_says_so():
    story = hostile_story(with_scenarios=False, empty_roadmap=True)
    deck = Presentation(io.BytesIO(render_deck(story)))
    charts = charts_of(deck)
    assert f"Roadmap: {ROADMAP_NAME}" in slide_titles(deck)
    assert f"Roadmap: {ROADMAP_NAME}" not in charts
    assert "Milestones at days 30, 60 and 90" in slide_titles(deck)
