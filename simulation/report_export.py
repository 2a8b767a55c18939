"""Exporting a report story in the format its file extension names.

``.pdf`` is the report, ``.pptx`` the slide deck, ``.png`` and ``.svg`` one image per chart,
``.csv`` one table per chart and ``.xlsx`` one workbook with every chart's data. The
``export`` command calls ``export_report``, and the window can call it the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from simulation.chart_export import export_charts
from simulation.export_formats import DEFAULT_DPI, MAX_DPI, MIN_DPI, ExportError, check_target
from simulation.report_deck import export_deck
from simulation.report_model import ReportStory
from simulation.report_pdf import export_pdf


def export_report(story: ReportStory, path: Path, dpi: int = DEFAULT_DPI,
                  chart_names: Sequence[str] = ()) -> list[Path]:
    """Write ``story`` in the format of ``path``; return the files written.

    ``chart_names`` limits chart and data exports to those charts; empty means all.
    """
    check_target(path, chart_names)
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise ExportError(f"resolution {dpi} dpi is out of range; use {MIN_DPI} to {MAX_DPI}")
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return [export_pdf(story, path, dpi)]
    if suffix == ".pptx":
        return [export_deck(story, path)]
    charts = story.charts()
    if chart_names:
        missing = [name for name in chart_names if name not in {c.name for c in charts}]
        if missing:
            raise ExportError(f"chart {missing[0]!r} is not in this report; the roadmap chart "
                              "needs a roadmap (--roadmap auto or --roadmap NAME)")
        charts = [chart for chart in charts if chart.name in chart_names]
    about = [("project", story.project.name), ("run", story.run_description),
             ("scenarios", ", ".join(story.results)),
             ("exported on", story.created_on.isoformat())]
    return export_charts(charts, path, dpi, about)
