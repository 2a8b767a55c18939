"""Static charts for exported reports, drawn with Matplotlib's object API.

The figures are built with ``matplotlib.figure.Figure`` and the Agg canvas, never through
``pyplot``, so no GUI backend (and no Qt) is ever selected from the engine package.
Each ``draw_*`` function plots one table of ``simulation.chart_data``; ``colours`` maps every
scenario name to its colour, so a scenario keeps one colour across all charts.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulation.chart_data import (
    cumulative_table,
    weekly_throughput_table,
)
from simulation.results import SimulationResult

# One colour per scenario, in order; the baseline is always the first.
SCENARIO_COLOURS = ("#5b6770", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
FIGURE_SIZE = (7.5, 3.4)
BAND_ALPHA = 0.18
PERCENTILE_STYLES = {50: "-", 70: "-.", 85: "--", 95: ":"}
# Cost components share their scenario's colour and differ by shade and hatching.
COMPONENT_STYLES = ((1.0, None), (0.55, "//"), (0.25, ".."))
Colours = Mapping[str, str]


def scenario_colour(index: int) -> str:
    return SCENARIO_COLOURS[index % len(SCENARIO_COLOURS)]


def scenario_colours(names: Iterable[str]) -> dict[str, str]:
    """Map scenario names, in order with the baseline first, to their colours."""
    return {name: scenario_colour(index) for index, name in enumerate(names)}


def _new_figure(height: float = FIGURE_SIZE[1]) -> Figure:
    figure = Figure(figsize=(FIGURE_SIZE[0], height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _scenarios(table: pd.DataFrame, colours: Colours) -> list[str]:
    """Scenario names of ``table`` in colour order."""
    present = set(table["scenario"]) if "scenario" in table else set()
    return [name for name in colours if name in present]


def _no_data(axes, message: str = "No experiments completed in the horizon") -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", transform=axes.transAxes,
              color="#555555")


# -- over time -----------------------------------------------------------------------------


def draw_cumulative(table: pd.DataFrame, colours: Colours) -> Figure:
    """Draw cumulative experiments per scenario with the 90% band and the goal line."""
    figure = _new_figure()
    axes = figure.add_subplot()
    for name in _scenarios(table, colours):
        rows = table[table["scenario"] == name]
        colour = colours[name]
        axes.fill_between(rows["day"], rows["low"], rows["high"], color=colour,
                          alpha=BAND_ALPHA, linewidth=0)
        axes.plot(rows["day"], rows["mean"], color=colour, label=name)
    goal = table.drop_duplicates("day")
    if len(goal) and goal["goal"].notna().any():
        per_month = goal["goal"].iloc[-1] * 30 / goal["day"].iloc[-1]
        axes.plot(goal["day"], goal["goal"], color="black", linestyle="--", linewidth=1,
                  label=f"Goal: {per_month:g} a month")
    axes.set_xlabel("Day")
    axes.set_ylabel("Experiments completed")
    axes.set_title("Cumulative experiments (mean and 90% band)")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def draw_weekly_throughput(table: pd.DataFrame, colours: Colours) -> Figure:
    """Draw weekly completions per scenario with the 90% band."""
    figure = _new_figure()
    axes = figure.add_subplot()
    for name in _scenarios(table, colours):
        rows = table[table["scenario"] == name]
        colour = colours[name]
        axes.fill_between(rows["week"], rows["low"], rows["high"], color=colour,
                          alpha=BAND_ALPHA, linewidth=0)
        axes.plot(rows["week"], rows["mean"], color=colour, marker="o", markersize=3,
                  label=name)
    axes.set_xlabel("Week")
    axes.set_ylabel("Experiments completed")
    axes.set_title("Weekly throughput (mean and 90% band)")
    axes.legend(loc="upper left", fontsize="small")
    axes.grid(alpha=0.3)
    return figure


def cumulative_chart(results: Mapping[str, SimulationResult], goal_per_month: float | None,
                     ) -> Figure:
    """Draw cumulative experiments of ``results`` with the 90% band and the goal line."""
    return draw_cumulative(cumulative_table(results, goal_per_month), scenario_colours(results))


def weekly_throughput_chart(results: Mapping[str, SimulationResult]) -> Figure:
    """Draw weekly completions of ``results`` with the 90% band."""
    return draw_weekly_throughput(weekly_throughput_table(results), scenario_colours(results))


# -- distributions and breakdowns ----------------------------------------------------------


def draw_cycle_time(histogram: pd.DataFrame, percentiles: pd.DataFrame,
                    colours: Colours) -> Figure:
    """Draw the cycle-time distribution per scenario with its p50, p70, p85 and p95 lines."""
    figure = _new_figure()
    axes = figure.add_subplot()
    names = _scenarios(histogram, colours)
    handles = []
    for name in names:
        rows = histogram[histogram["scenario"] == name]
        colour = colours[name]
        edges = np.append(rows["from_days"].to_numpy(), rows["to_days"].iloc[-1])
        axes.stairs(rows["share"].to_numpy() * 100, edges, color=colour, fill=True,
                    alpha=0.12 if len(names) > 1 else 0.4)
        axes.stairs(rows["share"].to_numpy() * 100, edges, color=colour, linewidth=1.2)
        lines = percentiles[percentiles["scenario"] == name]
        for row in lines.itertuples():
            axes.axvline(row.days, color=colour, linewidth=1.2,
                         linestyle=PERCENTILE_STYLES.get(int(row.percentile), "-"))
        values = ", ".join(f"p{int(row.percentile)} {row.days:.1f}" for row in
                           lines.itertuples())
        handles.append(Patch(color=colour, alpha=0.6, label=f"{name}: {values} days"))
    if not names:
        _no_data(axes)
    handles += [Line2D([], [], color="black", linewidth=1.2, linestyle=style, label=f"p{p}")
                for p, style in PERCENTILE_STYLES.items()]
    # Below the axes, because the legend would hide the bars anywhere inside them.
    figure.legend(handles=handles, loc="outside lower center", fontsize="x-small", ncols=2)
    axes.set_xlabel("Cycle time, start of work to decision (days)")
    axes.set_ylabel("Share of experiments (%)")
    axes.set_title("Cycle-time distribution with percentiles")
    axes.grid(alpha=0.3)
    return figure


def draw_stage_time(table: pd.DataFrame, colours: Colours) -> Figure:
    """Draw the days per experiment in each stage: active (solid) and waiting (light, hatched)."""
    names = _scenarios(table, colours)
    stages = list(dict.fromkeys(table["stage"]))
    figure = _new_figure(max(FIGURE_SIZE[1], 0.14 * len(stages) * max(len(names), 1) + 1.2))
    axes = figure.add_subplot()
    height = 0.8 / max(len(names), 1)
    for offset, name in enumerate(names):
        rows = table[table["scenario"] == name].set_index("stage").reindex(stages)
        positions = np.arange(len(stages)) + offset * height - 0.4 + height / 2
        colour = colours[name]
        active = rows["active_days"].fillna(0).to_numpy()
        waiting = rows["waiting_days"].fillna(0).to_numpy()
        axes.barh(positions, active, height=height, color=colour)
        axes.barh(positions, waiting, height=height, left=active, color=colour, alpha=0.35,
                  hatch="//", edgecolor=colour, linewidth=0)
    axes.set_yticks(np.arange(len(stages)), stages, fontsize="small")
    axes.invert_yaxis()
    handles = [Patch(color=colours[name], label=name) for name in names]
    handles += [Patch(facecolor="#888888", label="active"),
                Patch(facecolor="#888888", alpha=0.35, hatch="//", label="waiting")]
    axes.legend(handles=handles, loc="lower right", fontsize="x-small")
    axes.set_xlabel("Days per completed experiment")
    axes.set_title("Time per stage: active and waiting")
    axes.grid(alpha=0.3, axis="x")
    return figure


def draw_cost(table: pd.DataFrame, colours: Colours) -> Figure:
    """Draw the cost per experiment per scenario, stacked by component (compute, people, fixed)."""
    figure = _new_figure()
    axes = figure.add_subplot()
    names = _scenarios(table, colours)
    components = list(dict.fromkeys(table["component"]))
    for position, name in enumerate(names):
        rows = table[table["scenario"] == name].set_index("component").reindex(components)
        bottom = 0.0
        for component, (alpha, hatch) in zip(components, COMPONENT_STYLES):
            value = float(np.nan_to_num(rows.loc[component, "mean"]))
            axes.bar(position, value, bottom=bottom, color=colours[name], alpha=alpha,
                     hatch=hatch, edgecolor=colours[name], linewidth=0.8, width=0.6)
            bottom += value
        axes.annotate(f"${bottom:,.0f}", (position, bottom), ha="center", va="bottom",
                      fontsize="small", xytext=(0, 2), textcoords="offset points")
    axes.set_xticks(range(len(names)), names, fontsize="small")
    handles = [Patch(facecolor="#555555", alpha=alpha, hatch=hatch, label=component)
               for component, (alpha, hatch) in zip(components, COMPONENT_STYLES)]
    axes.legend(handles=handles, loc="upper right", fontsize="x-small")
    axes.set_ylabel("Dollars per completed experiment")
    axes.set_title("Cost per experiment by component (mean)")
    axes.margins(y=0.15)
    axes.grid(alpha=0.3, axis="y")
    return figure


def draw_pool_utilisation(table: pd.DataFrame, colours: Colours) -> Figure:
    """Draw the busy share of each pool per scenario, with the 90% band as error bars."""
    names = _scenarios(table, colours)
    pools = list(dict.fromkeys(table["pool"]))
    figure = _new_figure(max(FIGURE_SIZE[1], 0.14 * len(pools) * max(len(names), 1) + 1.2))
    axes = figure.add_subplot()
    height = 0.8 / max(len(names), 1)
    for offset, name in enumerate(names):
        rows = table[table["scenario"] == name].set_index("pool").reindex(pools)
        positions = np.arange(len(pools)) + offset * height - 0.4 + height / 2
        mean = rows["mean"].to_numpy(dtype=float) * 100
        below = np.clip(mean - rows["low"].to_numpy(dtype=float) * 100, 0, None)
        above = np.clip(rows["high"].to_numpy(dtype=float) * 100 - mean, 0, None)
        axes.barh(positions, np.nan_to_num(mean), height=height, color=colours[name],
                  label=name, xerr=[np.nan_to_num(below), np.nan_to_num(above)],
                  error_kw={"elinewidth": 0.8, "capsize": 2, "ecolor": "#333333"})
    axes.set_yticks(np.arange(len(pools)), pools, fontsize="small")
    axes.invert_yaxis()
    axes.set_xlim(0, 105)
    axes.set_xlabel("Busy share of capacity over the horizon (%)")
    axes.set_title("Pool utilisation (mean and 90% band)")
    axes.legend(loc="lower right", fontsize="x-small")
    axes.grid(alpha=0.3, axis="x")
    return figure


# -- roadmap -------------------------------------------------------------------------------


def roadmap_timeline_chart(items: list[tuple[str, int, int]], weeks: int = 13,
                           colour: str = SCENARIO_COLOURS[1]) -> Figure:
    """Draw a Gantt-style chart from (name, start week, ramp-up weeks) per intervention."""
    figure = Figure(figsize=(FIGURE_SIZE[0], 0.45 * max(len(items), 1) + 1.2), dpi=100,
                    layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for row, (_, start_week, ramp_weeks) in enumerate(items):
        ramp = max(ramp_weeks, 0)
        axes.barh(row, ramp + 0.001, left=start_week - 1, color=colour, alpha=0.4)
        axes.barh(row, weeks - (start_week - 1) - ramp, left=start_week - 1 + ramp,
                  color=colour)
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


def draw_roadmap_timeline(table: pd.DataFrame, weeks: int, colour: str) -> Figure:
    """Draw the roadmap chart from ``chart_data.roadmap_timeline_table``."""
    items = [(row.intervention, int(row.start_week), int(row.full_effect_week - row.start_week))
             for row in table.itertuples()]
    return roadmap_timeline_chart(items, weeks, colour)


# -- files ---------------------------------------------------------------------------------


def figure_png(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def figure_svg(figure: Figure) -> bytes:
    # Text stays text (not outlines), so names can be searched and edited in the SVG. A fixed
    # hash salt and no date keep the element ids and the file stable for equal charts.
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "velocity-planner", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()
