"""Exporting a roadmap as Markdown, a self-contained HTML page, CSV or XLSX.

Text from the project (scenario and intervention names) is escaped in HTML and Markdown, and
spreadsheet cells that begin with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return get a
leading apostrophe, so a crafted name cannot run as a formula when the file is opened.
"""

from __future__ import annotations

import base64
import html
import logging
import math
from pathlib import Path

import pandas as pd

from simulation.project_io import write_text_atomically
from simulation.report_charts import (
    cumulative_chart,
    figure_png,
    roadmap_timeline_chart,
    weekly_throughput_chart,
)
from simulation.roadmap import RoadmapReport
from simulation.scenarios import BASELINE

logger = logging.getLogger(__name__)

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = (".md", ".html", ".csv", ".xlsx")
MILESTONE_COST_NOTE = ("Cost per experiment is over the whole horizon, so it is the same at "
                       "every milestone.")


class ExportError(ValueError):
    """An export that cannot be written; the message gives the reason and the fix."""


def neutralise_formula(value):
    """Return ``value`` with a leading apostrophe if a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """Return a copy whose text cells and column names cannot run as formulas."""
    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise_formula)
    safe.columns = [neutralise_formula(str(column)) for column in safe.columns]
    return safe


def report_tables(report: RoadmapReport) -> dict[str, pd.DataFrame]:
    return {
        "roadmap": report.items_table(),
        "milestones": report.milestones(),
        "comparison": report.comparison(),
        "weekly": report.weekly_metrics(),
        "kpis": report.kpis(),
    }


def export_roadmap(report: RoadmapReport, path: str | Path) -> list[Path]:
    """Write the roadmap in the format its extension names; return the files written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ExportError(f"{path.name}: unknown export format {suffix or '(none)'!r}; "
                          f"use one of {', '.join(FORMATS)}")
    if not path.parent.exists():
        raise ExportError(f"{path.parent}: folder not found; create it or choose another")
    if suffix == ".md":
        write_text_atomically(roadmap_markdown(report), path)
        written = [path]
    elif suffix == ".html":
        write_text_atomically(roadmap_html(report), path)
        written = [path]
    elif suffix == ".csv":
        written = _write_csv(report, path)
    else:
        _write_xlsx(report, path)
        written = [path]
    logger.info("exported roadmap %r to %s", report.roadmap.name, ", ".join(map(str, written)))
    return written


def _write_csv(report: RoadmapReport, path: Path) -> list[Path]:
    """Write the roadmap table to ``path`` and each other table beside it as ``stem-NAME.csv``."""
    written = []
    for name, table in report_tables(report).items():
        target = path if name == "roadmap" else path.with_name(f"{path.stem}-{name}.csv")
        write_text_atomically(safe_table(table).to_csv(index=False), target)
        written.append(target)
    return written


def _write_xlsx(report: RoadmapReport, path: Path) -> None:
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            for name, table in report_tables(report).items():
                safe_table(table).to_excel(writer, sheet_name=name, index=False)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


# -- Markdown ---------------------------------------------------------------------------


def _md_text(text: str) -> str:
    """Escape text for a Markdown table cell or line."""
    text = str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")
    for mark in ("*", "_", "`", "[", "]", "<", ">", "#"):
        text = text.replace(mark, "\\" + mark)
    return text


def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:,.{digits}f}"
    return _md_text(value)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def roadmap_markdown(report: RoadmapReport) -> str:
    project, roadmap = report.project, report.roadmap
    lines = [f"# 90-day roadmap: {_md_text(roadmap.name)}", "",
             f"Project: {_md_text(project.name)}. {report.result.replications} replications, "
             f"seed {report.result.seed}; figures are medians (p50) and 85th percentiles "
             "across replications.", ""]
    lines += ["## Interventions by start week", ""]
    items = report.items_table()
    lines += _md_table(
        ["Week", "Intervention", "Quick win", "Full effect from week", "Rollout (person-days)",
         "One-time cost ($)", "Monthly cost ($)"],
        [[str(row.start_week), _md_text(row.intervention), _fmt(row.quick_win),
          str(row.full_effect_week), _fmt(row.rollout_person_days),
          _fmt(row.one_time_cost, 0), _fmt(row.monthly_cost, 0)]
         for row in items.itertuples()])
    quick = items[items["quick_win"]]["intervention"].tolist() if len(items) else []
    lines += ["", "## Quick wins (weeks 1 and 2)", ""]
    lines += [f"- {_md_text(name)}" for name in quick] or ["- none in this roadmap"]
    lines += ["", "## Milestones", ""]
    lines += _md_table(
        ["Day", "Scenario", "Experiments/month p50", "p85", "Cycle time p85 (days)",
         "Cost per experiment ($)", "Goal probability"],
        [[str(int(row.day)), _md_text(row.scenario), _fmt(row.experiments_per_month_p50, 0),
          _fmt(row.experiments_per_month_p85, 0), _fmt(row.cycle_time_p85_days),
          _fmt(row.cost_per_experiment, 0), _percent(row.goal_probability)]
         for row in report.milestones().itertuples()])
    lines += ["", MILESTONE_COST_NOTE]
    lines += ["", "## Against the baseline (paired, 95% confidence interval)", ""]
    lines += _md_table(
        ["Metric", "Baseline", "Roadmap", "Difference", "95% CI"],
        [[_md_text(row.metric), _fmt(row.baseline), _fmt(row.scenario_value),
          _fmt(row.difference), f"{_fmt(row.ci_low)} to {_fmt(row.ci_high)}"]
         for row in report.comparison().itertuples()])
    lines += ["", "## Weekly metrics to track", ""]
    lines += [f"- **{_md_text(row.metric)}**: {_md_text(row.definition)}"
              for row in report.kpis().itertuples()]
    lines += ["", "## Projected weekly throughput", ""]
    lines += _md_table(
        ["Week", "Roadmap mean", "Roadmap 90% band", "Baseline mean"],
        [[str(int(row.week)), _fmt(row.roadmap_mean), f"{_fmt(row.roadmap_low)} to "
          f"{_fmt(row.roadmap_high)}", _fmt(row.baseline_mean)]
         for row in report.weekly_metrics().itertuples()])
    return "\n".join(lines) + "\n"


def _percent(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.0%}"


# -- HTML --------------------------------------------------------------------------------


def _html_table(table: pd.DataFrame, columns: dict[str, str]) -> str:
    head = "".join(f"<th>{html.escape(label)}</th>" for label in columns.values())
    body = []
    for _, row in table.iterrows():
        cells = "".join(f"<td>{html.escape(_plain(row[key]))}</td>" for key in columns)
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _readable_milestones(table: pd.DataFrame) -> pd.DataFrame:
    """Format the milestone table's money and probabilities the way the Markdown shows them."""
    readable = table.copy()
    readable["day"] = readable["day"].map(lambda day: f"{day:g}")
    for column in ("experiments_per_month_p50", "experiments_per_month_p85",
                   "cost_per_experiment"):
        readable[column] = readable[column].map(lambda value: _fmt(value, 0))
    readable["cycle_time_p85_days"] = readable["cycle_time_p85_days"].map(_fmt)
    readable["goal_probability"] = readable["goal_probability"].map(_percent)
    return readable


def _plain(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.2f}"
    return str(value)


def _img(figure, alt: str) -> str:
    data = base64.b64encode(figure_png(figure)).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def roadmap_html(report: RoadmapReport) -> str:
    """Render one HTML file with its charts embedded as PNG data, readable offline."""
    name, project = html.escape(report.roadmap.name), html.escape(report.project.name)
    items = report.items_table()
    timeline = [(row.intervention, row.start_week, row.full_effect_week - row.start_week)
                for row in items.itertuples()]
    results = {BASELINE: report.baseline, report.roadmap.name: report.result}
    goal = report.project.goal.experiments_per_month
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>90-day roadmap: {name}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;"
        "padding:.3em .6em;text-align:left}th{background:#eee}img{max-width:100%}</style>",
        "</head><body>",
        f"<h1>90-day roadmap: {name}</h1>",
        f"<p>Project: {project}. {report.result.replications} replications, seed "
        f"{report.result.seed}.</p>",
        "<h2>Interventions by start week</h2>",
        _img(roadmap_timeline_chart(timeline), "Roadmap timeline"),
        _html_table(items, {"start_week": "Week", "intervention": "Intervention",
                            "quick_win": "Quick win", "full_effect_week": "Full effect from week",
                            "rollout_person_days": "Rollout (person-days)",
                            "one_time_cost": "One-time cost ($)",
                            "monthly_cost": "Monthly cost ($)"}),
        "<h2>Milestones</h2>",
        _html_table(_readable_milestones(report.milestones()), {
            "day": "Day", "scenario": "Scenario",
            "experiments_per_month_p50": "Experiments/month p50",
            "experiments_per_month_p85": "p85", "cycle_time_p85_days": "Cycle time p85 (days)",
            "cost_per_experiment": "Cost per experiment ($)",
            "goal_probability": "Goal probability"}),
        f"<p>{html.escape(MILESTONE_COST_NOTE)}</p>",
        _img(cumulative_chart(results, goal), "Cumulative experiments"),
        _img(weekly_throughput_chart(results), "Weekly throughput"),
        "<h2>Against the baseline (paired, 95% confidence interval)</h2>",
        _html_table(report.comparison(), {
            "metric": "Metric", "baseline": "Baseline", "scenario_value": "Roadmap",
            "difference": "Difference", "ci_low": "CI low", "ci_high": "CI high"}),
        "<h2>Weekly metrics to track</h2>",
        _html_table(report.kpis(), {"metric": "Metric", "definition": "Definition"}),
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"
