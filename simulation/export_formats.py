"""The export formats, chart names and resolution limits, and the check of an output path.

This module imports nothing heavy, so the command line can describe and check an export
before it loads the PDF, slide and chart libraries.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path


class ExportError(ValueError):
    """An export that cannot be written; the message says why and what to do."""


REPORT_FORMATS = (".pdf", ".pptx")
CHART_FORMATS = (".png", ".svg", ".csv", ".xlsx")
FORMATS = REPORT_FORMATS + CHART_FORMATS
# The charts of a report, by the name their files carry; "roadmap" only with a roadmap.
CHART_NAMES = ("cumulative", "stage_time", "pool_utilisation", "cycle_time", "weekly_throughput",
               "cost", "roadmap")
DEFAULT_DPI = 150
MIN_DPI, MAX_DPI = 50, 600


def check_target(path: Path, chart_names: Sequence[str] = ()) -> None:
    """Raise ``ExportError`` unless ``path`` can take an export; run this before simulating."""
    suffix = path.suffix.lower()
    if path.is_dir():
        raise ExportError(f"{path}: is a folder; give a file name such as "
                          f"{path / 'report.pdf'}")
    if suffix not in FORMATS:
        raise ExportError(f"{path.name}: unknown export format {suffix or '(no extension)'!r}; "
                          f"use one of {', '.join(FORMATS)}")
    folder = path.parent
    if not folder.is_dir():
        raise ExportError(f"{folder}: folder not found; create it or choose another --out")
    if not os.access(folder, os.W_OK):
        raise ExportError(f"{folder}: folder is not writable; choose another --out")
    if chart_names and suffix in REPORT_FORMATS:
        raise ExportError(f"--chart selects chart files; it does not apply to {suffix} "
                          "exports, which contain every chart")
    unknown = [name for name in chart_names if name not in CHART_NAMES]
    if unknown:
        raise ExportError(f"unknown chart {unknown[0]!r}; the charts are "
                          f"{', '.join(CHART_NAMES)}")
