"""Writing the report's charts as PNG or SVG files, and the data behind them as CSV or XLSX.

One output path names a set of files: ``charts.png`` becomes ``charts-cumulative.png``,
``charts-stage_time.png`` and so on, one per chart, and ``data.csv`` becomes one CSV per
table (``data-cumulative.csv``, ``data-cycle_time_percentiles.csv``, ...). An XLSX output is
a single workbook with an about sheet, a contents sheet and one sheet per table. Every file
is rendered in memory first and then written atomically, and text cells are neutralised
against formulas.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from simulation.atomic_write import write_bytes_atomically
from simulation.export_formats import CHART_FORMATS, DEFAULT_DPI
from simulation.report_charts import figure_png, figure_svg
from simulation.report_model import ReportChart
from simulation.roadmap_export import safe_table

logger = logging.getLogger(__name__)

About = Sequence[tuple[str, str]]
# Excel rejects sheet names longer than 31 characters.
MAX_SHEET_NAME = 31


def chart_files(charts: Sequence[ReportChart], path: Path, dpi: int = DEFAULT_DPI,
                about: About = ()) -> dict[Path, bytes]:
    """Render every file that ``path`` names, in memory, keyed by the path to write.

    ``about`` contains (item, value) rows for the workbook's first sheet, such as the project
    and the run.
    """
    suffix = path.suffix.lower()
    if suffix == ".png":
        return {_beside(path, chart.name): figure_png(chart.figure(), dpi) for chart in charts}
    if suffix == ".svg":
        return {_beside(path, chart.name): figure_svg(chart.figure()) for chart in charts}
    if suffix == ".csv":
        return {_beside(path, name): safe_table(table).to_csv(index=False).encode("utf-8")
                for chart in charts for name, table in chart.tables.items()}
    if suffix == ".xlsx":
        return {path: chart_workbook(charts, about)}
    raise ValueError(f"{path.name}: not a chart format; use one of {', '.join(CHART_FORMATS)}")


def _beside(path: Path, name: str) -> Path:
    return path.with_name(f"{path.stem}-{name}{path.suffix}")


def chart_workbook(charts: Sequence[ReportChart], about: About = ()) -> bytes:
    """Return an XLSX workbook: an about sheet, a contents sheet, one sheet per chart table."""
    contents = [{"sheet": name[:MAX_SHEET_NAME], "chart": chart.title,
                 "columns": ", ".join(map(str, table.columns))}
                for chart in charts for name, table in chart.tables.items()]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        if about:
            safe_table(pd.DataFrame(about, columns=["item", "value"])).to_excel(
                writer, sheet_name="about", index=False)
        safe_table(pd.DataFrame(contents)).to_excel(writer, sheet_name="contents", index=False)
        for chart in charts:
            for name, table in chart.tables.items():
                safe_table(table).to_excel(writer, sheet_name=name[:MAX_SHEET_NAME],
                                           index=False)
    return buffer.getvalue()


def export_charts(charts: Sequence[ReportChart], path: Path, dpi: int = DEFAULT_DPI,
                  about: About = ()) -> list[Path]:
    """Write the charts or their data in the format of ``path``; return the files written."""
    files = chart_files(charts, path, dpi, about)
    for target, data in files.items():
        write_bytes_atomically(data, target)
    logger.info("exported %d chart files to %s", len(files), path.parent)
    return list(files)
