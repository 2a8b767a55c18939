"""The slide deck (PowerPoint, python-pptx): the report's story, one idea per slide.

Charts are native PowerPoint charts built from the same tables as the PNG charts, so a
reader can restyle them or read their data in PowerPoint; tables are native tables.
python-pptx stores each chart's data in an embedded workbook and writes text that starts
with ``=`` there as a formula, so every name that goes into a chart is neutralised first.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.text import PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from simulation.atomic_write import write_bytes_atomically
from simulation.chart_data import COST_COMPONENTS
from simulation.report_model import (
    NOTICEABLE_WAITING_DAYS,
    ReportChart,
    ReportStory,
    comparison_unit,
    format_interval,
    format_signed,
    format_value,
    printable,
)
from simulation.roadmap import WEEKLY_KPIS
from simulation.roadmap_export import neutralise_formula

logger = logging.getLogger(__name__)

SLIDE_WIDTH, SLIDE_HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
BODY_TOP = Inches(1.35)
NOTE_HEIGHT = Inches(0.5)
TABLE_ROWS_PER_SLIDE = 12
TITLE_ONLY_LAYOUT, TITLE_LAYOUT = 5, 0
GOAL_COLOUR = "000000"
# Shades of a scenario's colour for the cost components, darkest first (share of white mixed in).
COMPONENT_TINTS = (0.0, 0.45, 0.75)


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _tinted(colour: str, tint: float) -> RGBColor:
    channels = [int(colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]
    mixed = [round(value + (255 - value) * tint) for value in channels]
    return RGBColor(*mixed)


def _label(text: object) -> str:
    """Return a name safe for a chart's embedded workbook and for XML."""
    return neutralise_formula(printable(text))


def _number(value) -> float | None:
    """Return ``value`` as a float, or None (an empty point) for a missing value."""
    if value is None or pd.isna(value):
        return None
    return float(value)


# -- slide scaffolding ---------------------------------------------------------------------


class DeckBuilder:
    """A 16:9 presentation on python-pptx's default template, and the slides added to it."""

    def __init__(self) -> None:
        self.presentation = Presentation()
        self.presentation.slide_width = SLIDE_WIDTH
        self.presentation.slide_height = SLIDE_HEIGHT
        self.body_width = SLIDE_WIDTH - 2 * MARGIN

    def title_slide(self, title: str, subtitle: str) -> None:
        slide = self.presentation.slides.add_slide(
            self.presentation.slide_layouts[TITLE_LAYOUT])
        slide.shapes.title.text = printable(title)
        slide.placeholders[1].text = printable(subtitle)
        for shape in (slide.shapes.title, slide.placeholders[1]):
            shape.left, shape.width = MARGIN, self.body_width
        slide.shapes.title.top = Inches(2.0)
        slide.placeholders[1].top = Inches(4.0)

    def slide(self, title: str, note: str = ""):
        """Add a slide with a title and an optional note line at the bottom."""
        slide = self.presentation.slides.add_slide(
            self.presentation.slide_layouts[TITLE_ONLY_LAYOUT])
        heading = slide.shapes.title
        heading.left, heading.top = MARGIN, Inches(0.3)
        heading.width, heading.height = self.body_width, Inches(0.95)
        heading.text = printable(title)
        paragraph = heading.text_frame.paragraphs[0]
        paragraph.alignment = PP_ALIGN.LEFT
        paragraph.font.size = Pt(28)
        if note:
            self.text(slide, [note], SLIDE_HEIGHT - MARGIN - NOTE_HEIGHT, NOTE_HEIGHT,
                      size_pt=12)
        return slide

    def text(self, slide, lines: Sequence[str], top: Emu, height: Emu,
             size_pt: float = 16) -> None:
        box = slide.shapes.add_textbox(MARGIN, top, self.body_width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for index, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.text = printable(line)
            paragraph.font.size = Pt(size_pt)
            paragraph.space_after = Pt(6)

    def body_height(self, with_note: bool = True) -> Emu:
        bottom = SLIDE_HEIGHT - MARGIN - (NOTE_HEIGHT if with_note else 0)
        return Emu(bottom - BODY_TOP)

    def table(self, slide, header: Sequence[str], rows: Sequence[Sequence[object]],
              widths: Sequence[float], top: Emu = BODY_TOP, left: Emu = MARGIN,
              width: Emu | None = None, align_right: Sequence[int] = (),
              size_pt: float = 12) -> None:
        """Add a native table; ``widths`` are shares of ``width``."""
        width = width or self.body_width
        row_height = Pt(size_pt * 2.1)
        shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width,
                                       Emu(row_height * (len(rows) + 1)))
        table = shape.table
        for column, share in enumerate(widths):
            table.columns[column].width = Emu(int(width * share))
        for row_index, row in enumerate([header, *rows]):
            table.rows[row_index].height = Emu(row_height)
            for column, value in enumerate(row):
                cell = table.cell(row_index, column)
                cell.text = printable(value)
                paragraph = cell.text_frame.paragraphs[0]
                paragraph.font.size = Pt(size_pt)
                if column in align_right:
                    paragraph.alignment = PP_ALIGN.RIGHT

    def paged_table(self, title: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                    widths: Sequence[float], note: str = "", align_right: Sequence[int] = (),
                    ) -> None:
        """Add as many slides as the rows need, ``TABLE_ROWS_PER_SLIDE`` rows on each."""
        pages = [rows[start:start + TABLE_ROWS_PER_SLIDE]
                 for start in range(0, max(len(rows), 1), TABLE_ROWS_PER_SLIDE)]
        for number, page in enumerate(pages, start=1):
            heading = title if len(pages) == 1 else f"{title} ({number} of {len(pages)})"
            slide = self.slide(heading, note)
            self.table(slide, header, page, widths, align_right=align_right)

    def chart(self, slide, chart_type, data, top: Emu = BODY_TOP, height: Emu | None = None):
        frame = slide.shapes.add_chart(chart_type, MARGIN, top, self.body_width,
                                       height or self.body_height(), data)
        chart = frame.chart
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        chart.font.size = Pt(12)
        return chart

    def save(self) -> bytes:
        buffer = io.BytesIO()
        self.presentation.save(buffer)
        return buffer.getvalue()


# -- charts --------------------------------------------------------------------------------


def _colour_series(chart, colours: Sequence[str], line: bool) -> None:
    for series, colour in zip(chart.plots[0].series, colours):
        if line:
            series.format.line.color.rgb = _rgb(colour)
            series.format.line.width = Pt(2.25)
            series.smooth = False
        else:
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(colour)


def _top_down(chart) -> None:
    """List a bar chart's categories from the top, with the value axis kept at the bottom."""
    chart.category_axis.reverse_order = True
    # The value axis sits where it crosses the category axis. python-pptx 1.0 sets only the
    # crossing of the category axis, so the value axis's c:crosses is written directly.
    chart.value_axis._element.find(qn("c:crosses")).set("val", "max")


def _axis_titles(chart, category: str, value: str) -> None:
    for axis, title in ((chart.category_axis, category), (chart.value_axis, value)):
        axis.has_title = True
        axis.axis_title.text_frame.text = title
        axis.axis_title.text_frame.paragraphs[0].font.size = Pt(12)


def _cumulative_slide(deck: DeckBuilder, chart: ReportChart, story: ReportStory) -> None:
    table = chart.tables["cumulative"]
    data = XyChartData()
    colours = []
    for name, colour in story.colours.items():
        rows = table[table["scenario"] == name]
        series = data.add_series(_label(name))
        for row in rows.itertuples():
            series.add_data_point(float(row.day), _number(row.mean))
        colours.append(colour)
    goal = table.drop_duplicates("day")
    has_goal = goal["goal"].notna().any()
    if has_goal:
        series = data.add_series("Goal")
        for row in goal.itertuples():
            series.add_data_point(float(row.day), _number(row.goal))
    slide = deck.slide("Cumulative experiments by scenario",
                       "Mean over replications; dashed: the pace of the goal. The 90% bands "
                       "are in the PDF report and the chart files.")
    native = deck.chart(slide, XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS, data)
    _colour_series(native, colours + [GOAL_COLOUR], line=True)
    if has_goal:
        goal_line = native.plots[0].series[len(colours)].format.line
        goal_line.dash_style = MSO_LINE_DASH_STYLE.DASH
        goal_line.width = Pt(1.5)
    native.category_axis.minimum_scale = 0
    native.category_axis.maximum_scale = float(story.project.horizon_days)
    _axis_titles(native, "Day", "Experiments completed")


def _weekly_slide(deck: DeckBuilder, chart: ReportChart, story: ReportStory) -> None:
    table = chart.tables["weekly_throughput"]
    data = CategoryChartData(number_format="0.0")
    data.categories = [int(week) for week in dict.fromkeys(table["week"])]
    colours = []
    for name, colour in story.colours.items():
        rows = table[table["scenario"] == name]
        data.add_series(_label(name), [_number(value) for value in rows["mean"]])
        colours.append(colour)
    slide = deck.slide("Weekly throughput by scenario", chart.note)
    native = deck.chart(slide, XL_CHART_TYPE.LINE_MARKERS, data)
    _colour_series(native, colours, line=True)
    for series, colour in zip(native.plots[0].series, colours):
        series.marker.style = XL_MARKER_STYLE.CIRCLE
        series.marker.format.fill.solid()
        series.marker.format.fill.fore_color.rgb = _rgb(colour)
    _axis_titles(native, "Week", "Experiments completed")


def _stage_slide(deck: DeckBuilder, chart: ReportChart, story: ReportStory) -> None:
    table = chart.tables["stage_time"]
    baseline = table[table["scenario"] == next(iter(story.colours))]
    data = CategoryChartData(number_format="0.0")
    data.categories = [_label(stage) for stage in baseline["stage"]]
    data.add_series("Active", [_number(value) for value in baseline["active_days"]])
    data.add_series("Waiting", [_number(value) for value in baseline["waiting_days"]])
    bottleneck = story.bottleneck()
    if bottleneck.waiting_days >= NOTICEABLE_WAITING_DAYS:
        title = f"The bottleneck: {bottleneck.stage}"
    else:
        title = f"No queue to speak of: the longest stage is {bottleneck.stage}"
    slide = deck.slide(title, bottleneck.sentence)
    native = deck.chart(slide, XL_CHART_TYPE.BAR_STACKED, data)
    baseline_colour = next(iter(story.colours.values()))
    _colour_series(native, [baseline_colour], line=False)
    waiting = native.plots[0].series[1].format.fill
    waiting.solid()
    waiting.fore_color.rgb = _tinted(baseline_colour, 0.6)
    _top_down(native)
    _axis_titles(native, "Stage", "Days per completed experiment (baseline)")


def _waiting_by_scenario_slide(deck: DeckBuilder, chart: ReportChart,
                               story: ReportStory) -> None:
    table = chart.tables["stage_time"]
    stages = list(dict.fromkeys(table["stage"]))
    data = CategoryChartData(number_format="0.0")
    data.categories = [_label(stage) for stage in stages]
    for name in story.colours:
        rows = table[table["scenario"] == name].set_index("stage").reindex(stages)
        data.add_series(_label(name), [_number(value) for value in rows["waiting_days"]])
    slide = deck.slide("Waiting per stage by scenario",
                       "Days per completed experiment spent waiting for a pool or a meeting.")
    native = deck.chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, data)
    _colour_series(native, list(story.colours.values()), line=False)
    _top_down(native)
    _axis_titles(native, "Stage", "Waiting days per completed experiment")


def _cycle_time_slide(deck: DeckBuilder, chart: ReportChart, story: ReportStory) -> None:
    table = chart.tables["cycle_time_percentiles"]
    percentiles = [int(p) for p in dict.fromkeys(table["percentile"])]
    data = CategoryChartData(number_format="0.0")
    data.categories = [f"p{p}" for p in percentiles]
    for name in story.colours:
        rows = table[table["scenario"] == name].set_index("percentile").reindex(percentiles)
        data.add_series(_label(name), [_number(value) for value in rows["days"]])
    slide = deck.slide("Cycle time percentiles by scenario",
                       "Days from the start of work to the decision; p85 means 85% of "
                       "experiments take at most that long.")
    native = deck.chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data)
    _colour_series(native, list(story.colours.values()), line=False)
    plot = native.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format = "0.0"
    plot.data_labels.number_format_is_linked = False
    plot.data_labels.font.size = Pt(10)
    _axis_titles(native, "Percentile", "Cycle time (days)")


def _cost_slide(deck: DeckBuilder, chart: ReportChart, story: ReportStory) -> None:
    table = chart.tables["cost"]
    names = list(story.colours)
    data = CategoryChartData(number_format='"$"#,##0')
    data.categories = [_label(name) for name in names]
    for component in COST_COMPONENTS.values():
        rows = table[table["component"] == component].set_index("scenario").reindex(names)
        data.add_series(component, [_number(value) for value in rows["mean"]])
    slide = deck.slide("Cost per experiment by component", chart.note)
    native = deck.chart(slide, XL_CHART_TYPE.COLUMN_STACKED, data)
    # Each bar keeps its scenario's colour; the components are shades of it.
    for series, tint in zip(native.plots[0].series, COMPONENT_TINTS):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _tinted("#555555", tint)
        for index, name in enumerate(names):
            point = series.points[index].format.fill
            point.solid()
            point.fore_color.rgb = _tinted(story.colours[name], tint)
    native.plots[0].gap_width = 80
    _axis_titles(native, "Scenario", "Dollars per completed experiment")


def _pool_slide(deck: DeckBuilder, chart: ReportChart, story: ReportStory) -> None:
    table = chart.tables["pool_utilisation"]
    pools = list(dict.fromkeys(table["pool"]))
    data = CategoryChartData(number_format="0%")
    data.categories = [_label(pool) for pool in pools]
    for name in story.colours:
        rows = table[table["scenario"] == name].set_index("pool").reindex(pools)
        data.add_series(_label(name), [_number(value) for value in rows["mean"]])
    baseline = table[table["scenario"] == next(iter(story.colours))].dropna(subset=["mean"])
    title = "Pool utilisation by scenario"
    if not baseline.empty:
        top = baseline.sort_values("mean", ascending=False).iloc[0]
        title = f"Busiest pool: {top['pool']}, {top['mean']:.0%} of its capacity"
    slide = deck.slide(title, story.busiest_pool_sentence() + " Bars: mean over replications.")
    native = deck.chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, data)
    _colour_series(native, list(story.colours.values()), line=False)
    _top_down(native)
    native.value_axis.maximum_scale = 1.0
    native.value_axis.minimum_scale = 0.0
    native.value_axis.tick_labels.number_format = "0%"
    native.value_axis.tick_labels.number_format_is_linked = False
    _axis_titles(native, "Pool", "Busy share of capacity")


def _roadmap_slide(deck: DeckBuilder, chart: ReportChart, story: ReportStory) -> None:
    """Add the roadmap as a Gantt chart: a native stacked bar chart with an invisible first
    series that offsets each bar to its start week."""
    table = chart.tables["roadmap"]
    weeks = story.baseline.weekly_throughput()["week"].max()
    data = CategoryChartData(number_format="0")
    data.categories = [_label(name) for name in table["intervention"]]
    starts = [float(week - 1) for week in table["start_week"]]
    ramps = [float(full - start) for full, start in
             zip(table["full_effect_week"], table["start_week"])]
    full = [max(0.0, weeks - start - ramp) for start, ramp in zip(starts, ramps)]
    # The offset series has a blank name and no fill, so neither its bars nor its legend
    # entry show.
    data.add_series(" ", starts)
    data.add_series("Ramp-up", ramps)
    data.add_series("Full effect", full)
    roadmap = story.roadmap.roadmap
    slide = deck.slide(f"Roadmap: {roadmap.name}", chart.note)
    native = deck.chart(slide, XL_CHART_TYPE.BAR_STACKED, data,
                        height=min(deck.body_height(), Inches(0.6 * len(table) + 1.4)))
    colour = story.colours[roadmap.name]
    series = native.plots[0].series
    series[0].format.fill.background()
    for item, tint in ((series[1], 0.6), (series[2], 0.0)):
        item.format.fill.solid()
        item.format.fill.fore_color.rgb = _tinted(colour, tint)
    native.plots[0].gap_width = 60
    _top_down(native)
    native.value_axis.minimum_scale = 0
    native.value_axis.maximum_scale = float(weeks)
    native.value_axis.major_unit = 1
    _axis_titles(native, "Intervention", "Weeks from the start of the horizon")


# -- the story -----------------------------------------------------------------------------


def _headline_slide(deck: DeckBuilder, story: ReportStory) -> None:
    headline = story.headline()
    per_month = format_value(headline.iloc[0]["value"])
    cycle = format_value(headline.iloc[1]["value"])
    slide = deck.slide(f"Today: {per_month} experiments a month, {cycle}-day cycle",
                       story.forecast_sentence())
    deck.table(slide, ["Figure", "Value", "90% interval"],
               [[row.figure, format_value(row.value, row.unit),
                 format_interval(row.low, row.high, row.unit)]
                for row in headline.itertuples()],
               [0.5, 0.2, 0.3], align_right=(1, 2), size_pt=16)


def _assumption_slides(deck: DeckBuilder, story: ReportStory) -> None:
    stages = story.stage_assumptions()
    deck.paged_table("The pipeline the model assumes",
                     ["Stage", "Served by", "Duration (days)", "Clock", "Rules"],
                     stages[["stage", "served_by", "duration", "clock", "rules"]].to_numpy(),
                     [0.17, 0.14, 0.34, 0.12, 0.23])
    pools = story.pool_assumptions()
    deck.paged_table("People and machines",
                     ["Pool", "Kind", "Capacity", "Cost per hour", "Stages served"],
                     [[row.pool, row.kind, row.capacity,
                       format_value(row.cost_per_hour, "dollars"), row.stages]
                      for row in pools.itertuples()],
                     [0.2, 0.12, 0.12, 0.14, 0.42], align_right=(2, 3))
    deck.paged_table("Demand, limits, calendar and goal", ["Setting", "Assumption"],
                     story.settings(), [0.25, 0.75])


def _comparison_slides(deck: DeckBuilder, story: ReportStory) -> None:
    if not story.scenario_names:
        slide = deck.slide("No scenarios compared")
        deck.text(slide, ["Save scenarios in the project file, or pass --scenario NAME to "
                          "the export command, to compare them with the baseline."],
                  BODY_TOP, Inches(1.5))
        return
    rows = []
    for row in story.comparison().itertuples():
        unit = comparison_unit(row.metric)
        rows.append([row.scenario, row.metric, format_value(row.baseline, unit),
                     format_value(row.scenario_value, unit), format_signed(row.difference, unit),
                     f"{format_signed(row.ci_low, unit)} to {format_signed(row.ci_high, unit)}"])
    deck.paged_table("Scenarios against the baseline",
                     ["Scenario", "Metric", "Baseline", "Scenario", "Difference", "95% CI"],
                     rows, [0.2, 0.25, 0.12, 0.12, 0.12, 0.19],
                     note="Paired differences: every scenario ran with the baseline's random "
                          "numbers. An interval that excludes zero is a resolved difference.",
                     align_right=(2, 3, 4, 5))


def _roadmap_slides(deck: DeckBuilder, story: ReportStory,
                    charts: dict[str, ReportChart]) -> None:
    if story.roadmap is None:
        return
    items = story.roadmap_items()
    if items.empty:
        slide = deck.slide(f"Roadmap: {story.roadmap.roadmap.name}")
        deck.text(slide, ["This roadmap schedules no intervention, so its milestones are the "
                          "baseline's."], BODY_TOP, Inches(1.5))
    else:
        _roadmap_slide(deck, charts["roadmap"], story)
        _roadmap_items_slides(deck, items)
    _milestone_slides(deck, story)


def _roadmap_items_slides(deck: DeckBuilder, items: pd.DataFrame) -> None:
    deck.paged_table("Roadmap: what starts when",
                     ["Week", "Intervention", "Quick win", "Full effect from week",
                      "Rollout (person-days)", "One-time cost", "Monthly cost"],
                     [[row.start_week, row.intervention, "yes" if row.quick_win else "no",
                       row.full_effect_week, format_value(row.rollout_person_days),
                       format_value(row.one_time_cost, "dollars"),
                       format_value(row.monthly_cost, "dollars")]
                      for row in items.itertuples()],
                     [0.07, 0.35, 0.09, 0.12, 0.13, 0.12, 0.12], align_right=(0, 3, 4, 5, 6))


def _milestone_slides(deck: DeckBuilder, story: ReportStory) -> None:
    milestones = story.milestones()
    deck.paged_table("Milestones at days 30, 60 and 90",
                     ["Day", "Scenario", "Experiments a month p50", "p85",
                      "Cycle time p85 (days)", "Cost per experiment", "Goal probability"],
                     [[int(row.day), row.scenario, format_value(row.experiments_per_month_p50),
                       format_value(row.experiments_per_month_p85),
                       format_value(row.cycle_time_p85_days),
                       format_value(row.cost_per_experiment, "dollars"),
                       format_value(row.goal_probability, "share")]
                      for row in milestones.itertuples()],
                     [0.07, 0.27, 0.14, 0.1, 0.14, 0.14, 0.14],
                     note="Figures over the 30 days before each day; cost per experiment is "
                          "over the whole horizon.", align_right=(0, 2, 3, 4, 5, 6))
    deck.paged_table("Weekly metrics to track", ["Metric", "Definition"], WEEKLY_KPIS,
                     [0.3, 0.7])


def render_deck(story: ReportStory) -> bytes:
    """Return the slide deck as PPTX bytes."""
    deck = DeckBuilder()
    deck.title_slide(story.project.name,
                     f"Experiment velocity report · {story.created_on.isoformat()}\n"
                     f"{story.run_description}")
    _assumption_slides(deck, story)
    _headline_slide(deck, story)
    charts = {chart.name: chart for chart in story.charts()}
    _stage_slide(deck, charts["stage_time"], story)
    _pool_slide(deck, charts["pool_utilisation"], story)
    _cumulative_slide(deck, charts["cumulative"], story)
    if story.scenario_names:
        _waiting_by_scenario_slide(deck, charts["stage_time"], story)
    _weekly_slide(deck, charts["weekly_throughput"], story)
    _cycle_time_slide(deck, charts["cycle_time"], story)
    _cost_slide(deck, charts["cost"], story)
    _comparison_slides(deck, story)
    _roadmap_slides(deck, story, charts)
    method = deck.slide("How to read these numbers")
    deck.text(method, [
        f"Simulated with {story.run_description}.",
        "Means are over replications. A 90% interval is the range 90% of replications "
        "fall in: the spread the team may see.",
        "Scenarios share the baseline's random numbers, so their differences are paired; "
        "a 95% confidence interval is the uncertainty of the mean difference.",
    ], BODY_TOP, deck.body_height(with_note=False))
    return deck.save()


def export_deck(story: ReportStory, path: Path) -> Path:
    """Write the slide deck to ``path`` atomically."""
    write_bytes_atomically(render_deck(story), path)
    logger.info("exported the slide deck of %r to %s", story.project.name, path)
    return path
