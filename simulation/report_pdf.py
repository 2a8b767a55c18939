"""The PDF report, laid out with ReportLab's platypus (paragraphs, tables and chart images).

Project text (project, stage, pool, scenario and intervention names) reaches the page only
through ``_text``, which escapes ReportLab's paragraph mini-markup, so a name such as
``<b>R&D</b>`` prints as written. The text font is DejaVu Sans, which Matplotlib ships, because
ReportLab's built-in fonts cover Latin-1 only.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import matplotlib
import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    CondPageBreak,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from simulation.atomic_write import write_bytes_atomically
from simulation.export_formats import DEFAULT_DPI
from simulation.report_charts import figure_png
from simulation.report_model import (
    ReportChart,
    ReportStory,
    comparison_unit,
    format_interval,
    format_signed,
    format_value,
    printable,
)
from simulation.roadmap import WEEKLY_KPIS
from simulation.scenarios import BASELINE

logger = logging.getLogger(__name__)

MARGIN = 1.8 * cm
FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
ITALIC = "DejaVuSans-Oblique"
SECTIONS = ("1. Assumptions", "2. Baseline and bottleneck", "3. Scenario comparison",
            "4. Roadmap and milestones", "5. Method")
# A section starts on a new page unless this much of the current page is still free.
SECTION_ROOM = 9 * cm
HEADER_BACKGROUND = colors.HexColor("#e8ecef")
GRID = colors.HexColor("#b8c0c6")


@functools.cache
def _register_fonts() -> None:
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name in (FONT, BOLD, ITALIC):
        pdfmetrics.registerFont(TTFont(name, str(folder / f"{name}.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


@functools.cache
def _styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    sample = getSampleStyleSheet()
    body = ParagraphStyle("body", parent=sample["BodyText"], fontName=FONT, fontSize=9.5,
                          leading=13, spaceAfter=5)
    cell = ParagraphStyle("cell", parent=body, fontSize=8, leading=10, spaceAfter=0)
    head = ParagraphStyle("head", parent=cell, fontName=BOLD)
    return {
        "title": ParagraphStyle("title", parent=sample["Title"], fontName=BOLD, fontSize=26,
                                leading=32, alignment=TA_CENTER, spaceAfter=14),
        "subtitle": ParagraphStyle("subtitle", parent=body, fontSize=14, leading=19,
                                   alignment=TA_CENTER, spaceAfter=8),
        "heading": ParagraphStyle("heading", parent=sample["Heading1"], fontName=BOLD,
                                  fontSize=16, leading=20, spaceBefore=14, spaceAfter=8),
        "subheading": ParagraphStyle("subheading", parent=sample["Heading2"], fontName=BOLD,
                                     fontSize=11.5, leading=15, spaceBefore=8, spaceAfter=4),
        "body": body,
        "key": ParagraphStyle("key", parent=body, fontName=BOLD),
        "cell": cell,
        "cell_right": ParagraphStyle("cell_right", parent=cell, alignment=TA_RIGHT),
        "head": head,
        "head_right": ParagraphStyle("head_right", parent=head, alignment=TA_RIGHT),
        "caption": ParagraphStyle("caption", parent=body, fontSize=8, leading=10,
                                  textColor=colors.HexColor("#555555"), alignment=TA_CENTER),
    }


def _text(value: object) -> str:
    """Escape project text for ReportLab's paragraph markup."""
    return escape(printable(value))


def _paragraph(text: str, style: str = "body") -> Paragraph:
    """Build a paragraph of report markup; callers escape project text in it with ``_text``."""
    return Paragraph(text, _styles()[style])


# -- building blocks -----------------------------------------------------------------------


def _table(header: Sequence[str], rows: Sequence[Sequence[object]], widths: Sequence[float],
           width: float, align_right: Sequence[int] = ()) -> Table:
    """Build a table whose cells wrap; ``widths`` are shares of ``width``, and the columns in
    ``align_right`` are right-aligned."""
    def style(kind: str, column: int) -> str:
        return f"{kind}_right" if column in align_right else kind

    cells = [[_paragraph(_text(label), style("head", column))
              for column, label in enumerate(header)]]
    cells += [[_paragraph(_text(value), style("cell", column)) for column, value in enumerate(row)]
              for row in rows]
    table = Table(cells, colWidths=[share * width for share in widths], repeatRows=1)
    grid = [
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    table.setStyle(TableStyle(grid))
    return table


def _chart(chart: ReportChart, width: float, dpi: int) -> KeepTogether:
    figure = chart.figure()
    figure_width, figure_height = figure.get_size_inches()
    image = Image(io.BytesIO(figure_png(figure, dpi)), width=width,
                  height=width * figure_height / figure_width)
    return KeepTogether([image, _paragraph(_text(chart.note), "caption"), Spacer(1, 8)])


def _charts(story: ReportStory, section: str, width: float, dpi: int) -> list:
    return [_chart(chart, width, dpi) for chart in story.charts() if chart.section == section]


# -- sections ------------------------------------------------------------------------------


def _title_page(story: ReportStory) -> list:
    project = story.project
    flow = [Spacer(1, 5 * cm),
            _paragraph(_text(project.name), "title"),
            _paragraph("Experiment velocity report", "subtitle"),
            _paragraph(story.created_on.isoformat(), "subtitle"),
            Spacer(1, 1.2 * cm)]
    if project.description:
        flow.append(_paragraph(_text(project.description)))
    flow.append(_paragraph(f"Simulated with {_text(story.run_description)}."))
    compared = ", ".join(_text(name) for name in story.scenario_names)
    flow.append(_paragraph(f"Scenarios compared with the baseline: {compared or 'none'}."))
    if story.roadmap is not None:
        flow.append(_paragraph(f"Roadmap: {_text(story.roadmap.roadmap.name)}."))
    flow += [Spacer(1, 0.6 * cm), _paragraph("Contents", "subheading")]
    flow += [_paragraph(section) for section in SECTIONS]
    flow.append(PageBreak())
    return flow


def _assumptions(story: ReportStory, width: float) -> list:
    stages = story.stage_assumptions()
    pools = story.pool_assumptions()
    flow = [_paragraph(SECTIONS[0], "heading"),
            _paragraph(_clock_sentence(story)),
            _paragraph("Stages, in pipeline order", "subheading"),
            _table(["Stage", "Served by", "Duration (days)", "Clock", "Rules"],
                   stages[["stage", "served_by", "duration", "clock", "rules"]].to_numpy(),
                   [0.21, 0.15, 0.31, 0.11, 0.22], width),
            _paragraph("Pools", "subheading"),
            _table(["Pool", "Kind", "Capacity", "Cost per hour", "Stages served"],
                   [[row.pool, row.kind, row.capacity, format_value(row.cost_per_hour,
                                                                    "dollars"), row.stages]
                    for row in pools.itertuples()],
                   [0.2, 0.12, 0.12, 0.14, 0.42], width, align_right=(2, 3)),
            _paragraph("Demand, limits, calendar and goal", "subheading"),
            _table(["Setting", "Assumption"], story.settings(), [0.25, 0.75], width)]
    return flow


def _clock_sentence(story: ReportStory) -> str:
    if not story.project.calendar.enabled:
        return ("The model below is what the simulation assumes. The calendar is off, so "
                "every duration is in calendar days.")
    return ("The model below is what the simulation assumes. Durations are working days for "
            "stages served by people (or by no pool) and calendar days for stages served by "
            "machines, which run around the clock.")


def _baseline(story: ReportStory, width: float, dpi: int) -> list:
    headline = story.headline()
    stages = story.stage_table()
    bottleneck = story.bottleneck()
    flow = [CondPageBreak(SECTION_ROOM), _paragraph(SECTIONS[1], "heading"),
            _paragraph(f"<b>{_text(bottleneck.sentence)}</b>"),
            _paragraph(_text(story.busiest_pool_sentence())),
            _paragraph(_text(story.forecast_sentence())),
            _paragraph("Headline figures of the baseline", "subheading"),
            _table(["Figure", "Value", "90% interval"],
                   [[row.figure, format_value(row.value, row.unit),
                     format_interval(row.low, row.high, row.unit)]
                    for row in headline.itertuples()],
                   [0.5, 0.2, 0.3], width, align_right=(1, 2)),
            _paragraph("Values are means over replications, except the percentiles, which "
                       "pool every replication's experiments. The 90% interval is the range "
                       "90% of replications fall in.", "caption"),
            _paragraph("Time per stage (days per completed experiment)", "subheading"),
            _table(["Stage", "Active", "Waiting", "Flow efficiency", "Queue length",
                    "Bottleneck rank"],
                   [[row.stage, format_value(row.active_days), format_value(row.waiting_days),
                     format_value(row.flow_efficiency, "share"),
                     format_value(row.queue_length), row.bottleneck_rank]
                    for row in stages.itertuples()],
                   [0.3, 0.12, 0.12, 0.16, 0.14, 0.16], width, align_right=(1, 2, 3, 4, 5)),
            Spacer(1, 8)]
    return flow + _charts(story, "baseline", width, dpi)


def _comparison(story: ReportStory, width: float, dpi: int) -> list:
    flow = [CondPageBreak(SECTION_ROOM), _paragraph(SECTIONS[2], "heading")]
    if not story.scenario_names:
        flow.append(_paragraph("No scenario was compared with the baseline. Save scenarios in "
                               "the project file, or pass <b>--scenario NAME</b> to the export "
                               "command."))
        return flow + _charts(story, "scenarios", width, dpi)
    flow.append(_paragraph(
        "Every scenario ran with the same seed as the baseline, so replication <i>r</i> of "
        "each saw the same arrivals and the same draws for the same piece of work. The "
        "differences are taken replication by replication (paired); the 95% confidence "
        "interval is that of the mean difference. An interval that excludes zero is a "
        "difference the runs resolve."))
    definitions = story.scenario_definitions()
    flow += [_paragraph("Scenarios", "subheading"),
             _table(["Scenario", "Intervention", "Start week"], definitions.to_numpy(),
                    [0.3, 0.55, 0.15], width, align_right=(2,))]
    comparison = story.comparison()
    rows = []
    for row in comparison.itertuples():
        unit = comparison_unit(row.metric)
        rows.append([row.scenario, row.metric, format_value(row.baseline, unit),
                     format_value(row.scenario_value, unit), format_signed(row.difference, unit),
                     f"{format_signed(row.ci_low, unit)} to {format_signed(row.ci_high, unit)}"])
    flow += [_paragraph("Differences against the baseline (scenario minus baseline)",
                        "subheading"),
             _table(["Scenario", "Metric", "Baseline", "Scenario", "Difference", "95% CI"],
                    rows, [0.2, 0.24, 0.12, 0.12, 0.12, 0.2], width,
                    align_right=(2, 3, 4, 5)),
             Spacer(1, 8)]
    return flow + _charts(story, "scenarios", width, dpi)


def _roadmap(story: ReportStory, width: float, dpi: int) -> list:
    flow = [CondPageBreak(SECTION_ROOM), _paragraph(SECTIONS[3], "heading")]
    if story.roadmap is None:
        flow.append(_paragraph("This report has no roadmap. Pass <b>--roadmap auto</b> to "
                               "propose one from the ranking of interventions, or "
                               "<b>--roadmap NAME</b> to lay out a saved scenario."))
        return flow
    name = _text(story.roadmap.roadmap.name)
    items = story.roadmap_items()
    if items.empty:
        flow.append(_paragraph(f"Roadmap <b>{name}</b> schedules no intervention, so its "
                               "milestones are the baseline's."))
    else:
        flow += [_paragraph(f"Roadmap <b>{name}</b>: each intervention starts at the beginning "
                            "of its week; its effect phases in over the ramp-up weeks."),
                 _roadmap_table(items, width),
                 Spacer(1, 10)]
        flow += _charts(story, "roadmap", width, dpi)
    flow += [_paragraph("Milestones (the 30 days before each day)", "subheading"),
             _milestone_table(story.milestones(), width),
             _paragraph("Cost per experiment is over the whole horizon; the run keeps no cost "
                        "per completion date.", "caption"),
             KeepTogether([_paragraph("Weekly metrics to track", "subheading"),
                           _table(["Metric", "Definition"], WEEKLY_KPIS, [0.3, 0.7], width)])]
    return flow


def _roadmap_table(items: pd.DataFrame, width: float) -> Table:
    rows = [[row.start_week, row.intervention, "yes" if row.quick_win else "no",
             row.full_effect_week, format_value(row.rollout_person_days),
             format_value(row.one_time_cost, "dollars"), format_value(row.monthly_cost, "dollars")]
            for row in items.itertuples()]
    return _table(["Week", "Intervention", "Quick win", "Full effect from week",
                   "Rollout effort (person-days)", "One-time cost", "Monthly cost"],
                  rows, [0.08, 0.32, 0.08, 0.11, 0.17, 0.12, 0.12], width,
                  align_right=(0, 3, 4, 5, 6))


def _milestone_table(milestones: pd.DataFrame, width: float) -> Table:
    rows = [[int(row.day), row.scenario, format_value(row.experiments_per_month_p50),
             format_value(row.experiments_per_month_p85),
             format_value(row.cycle_time_p85_days),
             format_value(row.cost_per_experiment, "dollars"),
             format_value(row.goal_probability, "share")]
            for row in milestones.itertuples()]
    return _table(["Day", "Scenario", "Experiments a month p50", "p85",
                   "Cycle time p85 (days)", "Cost per experiment", "Goal probability"],
                  rows, [0.07, 0.27, 0.14, 0.1, 0.14, 0.14, 0.14], width,
                  align_right=(0, 2, 3, 4, 5, 6))


def _method(story: ReportStory) -> list:
    result = story.baseline
    return [CondPageBreak(SECTION_ROOM), _paragraph(SECTIONS[4], "heading"),
            _paragraph(f"Each scenario is a discrete-event simulation of the pipeline, run "
                       f"{result.replications} times (replications) with seed {result.seed}. "
                       "Every replication draws its own durations, rework and review outcomes; "
                       "the figures are means over replications."),
            _paragraph("A 90% interval is the range between the 5th and 95th percentiles "
                       "across replications: the spread of what the team may see, not the "
                       "uncertainty of the mean. A 95% confidence interval of a difference is "
                       "the uncertainty of the mean paired difference against the baseline."),
            _paragraph("Cycle time runs from the start of work on an experiment to its "
                       "decision; experiments already in progress at day 0 are left out of "
                       f"it. Percentiles pool the experiments of all replications. The "
                       f"{_text(BASELINE)} is the project as it is, without interventions.")]


# -- the document --------------------------------------------------------------------------


def render_pdf(story: ReportStory, dpi: int = DEFAULT_DPI) -> bytes:
    """Return the report as PDF bytes; charts are embedded as PNG at ``dpi``."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=printable(f"{story.project.name}: experiment velocity report"),
        author="Experiment Velocity Planner", subject="Experiment velocity report")
    width = document.width
    flow = _title_page(story)
    flow += _assumptions(story, width)
    flow += _baseline(story, width, dpi)
    flow += _comparison(story, width, dpi)
    flow += _roadmap(story, width, dpi)
    flow += _method(story)
    footer = functools.partial(_draw_footer, printable(story.project.name),
                               story.created_on.isoformat())
    document.build(flow, onLaterPages=footer)
    return buffer.getvalue()


def _draw_footer(project_name: str, date_text: str, canvas, document) -> None:
    canvas.saveState()
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(colors.HexColor("#666666"))
    y = MARGIN / 2
    canvas.drawString(MARGIN, y, f"{project_name[:90]} · {date_text}")
    canvas.drawRightString(A4[0] - MARGIN, y, f"Page {document.page}")
    canvas.restoreState()


def export_pdf(story: ReportStory, path: Path, dpi: int = DEFAULT_DPI) -> Path:
    """Write the PDF report to ``path`` atomically."""
    write_bytes_atomically(render_pdf(story, dpi), path)
    logger.info("exported the PDF report of %r to %s", story.project.name, path)
    return path


__all__ = ["DEFAULT_DPI", "SECTIONS", "export_pdf", "render_pdf"]
