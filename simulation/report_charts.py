"""Static charts for exported reports, drawn with Matplotlib's object API.

The figures are built with ``matplotlib.figure.Figure`` and the Agg canvas, never through
``pyplot``, so no GUI backend (and no Qt) is ever selected from the engine package.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from simulation.results import SimulationResult

# One colour per scenario, in order; the baseline is always the first.
SCENARIO_COLOURS = ("#5b6770", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
FIGURE_SIZE = (7.5, 3.4)


def scenario_colour(index: int) -> str:
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def _new_figure() -> Figure:
    figure = Figure(figsize=FIGURE_SIZE, dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def cumulative_chart(results: Mapping[str, SimulationResult], goal_per_month: float | None,
                     ) -> Figure:
    """Cumulative experiments per scenario with the 90% band and the goal line."""
    figure = _new_figure()
    axes = figure.add_subplot()
    for index, (name, result) in enumerate(results.items()):
        table = result.cumulative_completions()
        colour = scenario_colour(index)
        axes.fill_between(table["day"], table["low"], table["high"], color=colour, alpha=0.18,
                          linewidth=0)
        axes.plot(table["day"], table["mean"], color=colour, label=name)
    if goal_per_month:
        horizon = next(iter(results.values())).horizon_days
        axes.plot([0, horizon], [0, goal_per_month * horizon / 30], color="black",
                  linestyle="--", linewidth=1, label=f"Goal: {goal_per_month:g} a month")
    axes.set_xlabel("Day")
    axes.set_ylabel("Experiments completed")
    axes.set_title("Cumulative experiments (mean and 90% band)")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def weekly_throughput_chart(results: Mapping[str, SimulationResult]) -> Figure:
    """Weekly completions per scenario with the 90% band."""
    figure = _new_figure()
    axes = figure.add_subplot()
    for index, (name, result) in enumerate(results.items()):
        table = result.weekly_throughput()
        colour = scenario_colour(index)
        axes.fill_between(table["week"], table["low"], table["high"], color=colour, alpha=0.18,
                          linewidth=0, step="mid")
        axes.plot(table["week"], table["mean"], color=colour, marker="o", markersize=3,
                  label=name)
    axes.set_xlabel("Week")
    axes.set_ylabel("Experiments completed")
    axes.set_title("Weekly throughput (mean and 90% band)")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def roadmap_timeline_chart(items: list[tuple[str, int, int]], weeks: int = 13) -> Figure:
    """A Gantt-style chart: (name, start week, ramp-up weeks) per intervention."""
    figure = Figure(figsize=(FIGURE_SIZE[0], 0.45 * max(len(items), 1) + 1.2), dpi=100,
                    layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for row, (_, start_week, ramp_weeks) in enumerate(items):
        ramp = max(ramp_weeks, 0)
        axes.barh(row, ramp + 0.001, left=start_week - 1, color=scenario_colour(1), alpha=0.4)
        axes.barh(row, weeks - (start_week - 1) - ramp, left=start_week - 1 + ramp,
                  color=scenario_colour(1))
    axes.set_yticks(range(len(items)), [name for name, _, _ in items], fontsize="small")
    axes.invert_yaxis()
    axes.set_xlim(0, weeks)
    # Week n spans [n - 1, n) on the axis, so its label sits in the middle of that span.
    axes.set_xticks([week - 0.5 for week in range(1, weeks + 1)],
                    [str(week) for week in range(1, weeks + 1)])
    for day in (30, 60, 90):
        axes.axvline(day / 7, color="black", linestyle=":", linewidth=1)
    axes.set_xlabel("Week (light: ramp-up; dotted: days 30, 60 and 90)")
    axes.set_title("Roadmap")
    return figure


def figure_png(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def figure_svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg")
    return buffer.getvalue()
