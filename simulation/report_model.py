"""The report's content, shared by the PDF report, the slide deck and the chart files.

A ``ReportStory`` contains a project, the runs of its baseline and scenarios (same seed, so
their differences are paired) and optionally a roadmap's projection. It turns them into the
report's parts: the model's assumptions in words, the baseline's headline figures and
bottleneck, the scenario comparison, the roadmap with its milestones, and the charts. The
renderers only lay these parts out; they compute nothing of their own.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from simulation import chart_data, report_charts
from simulation.distributions import mean_days
from simulation.interventions import Intervention
from simulation.model import Distribution, Project, Stage
from simulation.results import SimulationResult, weeks_in
from simulation.roadmap import Roadmap, RoadmapReport
from simulation.scenarios import BASELINE, Scenario, ScenarioPlan, compare, run_scenarios

RunFunction = Callable[[object, int, int], SimulationResult]
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Waiting below this many days per experiment does not make a stage a bottleneck.
NOTICEABLE_WAITING_DAYS = 0.05


@dataclass(frozen=True)
class ReportChart:
    """One chart: its file-name part, title, reading note, report section, tables, drawing."""

    name: str
    title: str
    note: str
    section: str
    tables: dict[str, pd.DataFrame]
    draw: Callable[[], Figure] = field(repr=False)

    def figure(self) -> Figure:
        return self.draw()


@dataclass(frozen=True)
class Bottleneck:
    stage: str
    waiting_days: float
    share_of_cycle: float
    sentence: str


@dataclass
class ReportStory:
    """Everything a report shows, computed once from the runs."""

    project: Project
    results: dict[str, SimulationResult]
    roadmap: RoadmapReport | None = None
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    catalog: Mapping[str, Intervention] = field(default_factory=dict)
    created_on: datetime.date = field(default_factory=datetime.date.today)

    def __post_init__(self) -> None:
        if next(iter(self.results), None) != BASELINE:
            raise ValueError(f"the first result must be the {BASELINE!r} run")

    @property
    def baseline(self) -> SimulationResult:
        return self.results[BASELINE]

    @property
    def scenario_names(self) -> list[str]:
        return [name for name in self.results if name != BASELINE]

    @property
    def colours(self) -> dict[str, str]:
        return report_charts.scenario_colours(self.results)

    @property
    def run_description(self) -> str:
        result = self.baseline
        return (f"{result.replications} replications, seed {result.seed}, "
                f"{result.horizon_days:g}-day horizon")

    # -- assumptions ---------------------------------------------------------------------

    def stage_assumptions(self) -> pd.DataFrame:
        """Return one row per stage: who serves it, its duration in words and its special rules."""
        rows = []
        for stage in self.project.stages:
            rows.append({"stage": stage.name, "served_by": self._served_by(stage),
                         "duration": describe_duration(stage.duration),
                         "clock": self._clock(stage), "rules": describe_rules(stage)})
        return pd.DataFrame(rows)

    def _served_by(self, stage: Stage) -> str:
        if stage.pool is None:
            return "no pool"
        return f"{stage.units} of {stage.pool}"

    def _clock(self, stage: Stage) -> str:
        if not self.project.calendar.enabled:
            return "calendar days"
        kind = self.project.pool_named(stage.pool).kind if stage.pool else "people"
        return "around the clock" if kind == "machine" else "working days"

    def pool_assumptions(self) -> pd.DataFrame:
        rows = []
        for pool in self.project.pools:
            users = [stage.name for stage in self.project.stages if stage.pool == pool.name]
            rows.append({"pool": pool.name, "kind": pool.kind, "capacity": pool.capacity,
                         "cost_per_hour": pool.cost_per_hour,
                         "stages": ", ".join(users) or "none"})
        return pd.DataFrame(rows)

    def settings(self) -> list[tuple[str, str]]:
        """Return (label, sentence) pairs for the model-wide assumptions."""
        return describe_settings(self.project)

    # -- baseline ------------------------------------------------------------------------

    def headline(self, name: str = BASELINE) -> pd.DataFrame:
        """Return the headline figures of one run: mean and 90% interval across replications."""
        result = self.results[name]
        per_month = result.experiments_per_month()
        cycle = result.cycle_time_days()
        cost = result.cost_per_experiment()
        rows = [
            ("Experiments per month", per_month["mean"], per_month["low"], per_month["high"],
             "count"),
            ("Mean cycle time (days)", cycle["mean"], cycle["low"], cycle["high"], "days"),
            ("Cycle time p50 (days)", cycle["p50"], None, None, "days"),
            ("Cycle time p85 (days)", cycle["p85"], None, None, "days"),
            ("Cost per experiment ($)", cost["mean"], cost["low"], cost["high"], "dollars"),
        ]
        goal = result.goal_outcome().probability
        rows.append(("Chance of reaching the goal", None if math.isnan(goal) else goal, None,
                     None, "share"))
        table = pd.DataFrame(rows, columns=["figure", "value", "low", "high", "unit"])
        return table.astype({"value": float, "low": float, "high": float})

    def forecast_sentence(self, name: str = BASELINE) -> str:
        result = self.results[name]
        count = result.forecast_how_many()
        return (f"With 85% confidence, at least {count} experiments are completed by day "
                f"{result.horizon_days:g}.")

    def stage_table(self, name: str = BASELINE) -> pd.DataFrame:
        """Return, per stage in pipeline order, active and waiting days, flow efficiency, rank."""
        return self.results[name].stage_table()

    def bottleneck(self, name: str = BASELINE) -> Bottleneck:
        table = self.stage_table(name)
        cycle = float((table["active_days"] + table["waiting_days"]).sum())
        top = table.sort_values("bottleneck_rank").iloc[0]
        waiting = float(top["waiting_days"])
        share = waiting / cycle if cycle > 0 else math.nan
        if not waiting >= NOTICEABLE_WAITING_DAYS:
            longest = table.sort_values("active_days", ascending=False).iloc[0]
            sentence = (f"No stage makes experiments wait noticeably; the longest stage is "
                        f"{longest['stage']} at {longest['active_days']:.1f} days of work.")
            return Bottleneck(str(longest["stage"]), waiting, share, sentence)
        sentence = (f"The bottleneck is {top['stage']}: experiments wait {waiting:.1f} days "
                    f"there on average, {share:.0%} of the time in the pipeline.")
        return Bottleneck(str(top["stage"]), waiting, share, sentence)

    def busiest_pool_sentence(self, name: str = BASELINE) -> str:
        table = self.results[name].pool_utilisation().dropna(subset=["mean"])
        if table.empty:
            return "No pool was used."
        top = table.sort_values("mean", ascending=False).iloc[0]
        return (f"The busiest pool is {top['pool']}, busy {top['mean']:.0%} of its capacity "
                f"(90% of runs: {top['low']:.0%} to {top['high']:.0%}).")

    # -- scenarios and roadmap -----------------------------------------------------------

    def scenario_definitions(self) -> pd.DataFrame:
        """Return one row per scenario and intervention, with its start week."""
        rows = []
        for name in self.scenario_names:
            scenario = self.scenarios.get(name)
            for item in scenario.interventions if scenario else ():
                intervention = self.catalog.get(item.intervention_id)
                rows.append({"scenario": name,
                             "intervention": intervention.name if intervention
                             else item.intervention_id,
                             "start_week": item.start_week})
        return pd.DataFrame(rows, columns=["scenario", "intervention", "start_week"])

    def comparison(self) -> pd.DataFrame:
        """Return the paired differences against the baseline with 95% confidence intervals."""
        if not self.scenario_names:
            return pd.DataFrame(columns=["scenario", "metric", "baseline", "scenario_value",
                                         "difference", "ci_low", "ci_high"])
        return compare(self.results)

    def milestones(self) -> pd.DataFrame | None:
        return None if self.roadmap is None else self.roadmap.milestones()

    def roadmap_items(self) -> pd.DataFrame | None:
        return None if self.roadmap is None else self.roadmap.items_table()

    # -- charts --------------------------------------------------------------------------

    def charts(self) -> list[ReportChart]:
        """Return every chart of the report, in the order the report shows them."""
        results, colours = self.results, self.colours
        goal = self.project.goal.experiments_per_month
        cumulative = chart_data.cumulative_table(results, goal)
        stages = chart_data.stage_time_table(results)
        pools = chart_data.pool_utilisation_table(results)
        histogram = chart_data.cycle_time_histogram(results)
        percentiles = chart_data.cycle_time_percentile_table(results)
        weekly = chart_data.weekly_throughput_table(results)
        cost = chart_data.cost_table(results)

        charts = [
            ReportChart("cumulative", "Cumulative experiments",
                        "Lines: mean over replications; shaded: the range 90% of replications "
                        "fall in; dashed: the pace of the goal.", "baseline",
                        {"cumulative": cumulative},
                        lambda: report_charts.draw_cumulative(cumulative, colours)),
            ReportChart("stage_time", "Time per stage",
                        "Days per completed experiment: solid bars are work, light hatched "
                        "bars are waiting for a pool or a meeting.", "baseline",
                        {"stage_time": stages},
                        lambda: report_charts.draw_stage_time(stages, colours)),
            ReportChart("pool_utilisation", "Pool utilisation",
                        "Busy share of each pool's capacity over the horizon; whiskers: the "
                        "range 90% of replications fall in.", "baseline",
                        {"pool_utilisation": pools},
                        lambda: report_charts.draw_pool_utilisation(pools, colours)),
            ReportChart("cycle_time", "Cycle-time distribution",
                        "Share of experiments by cycle time, pooled over replications; "
                        "vertical lines: 50th, 70th, 85th and 95th percentiles.", "baseline",
                        {"cycle_time": histogram, "cycle_time_percentiles": percentiles},
                        lambda: report_charts.draw_cycle_time(histogram, percentiles, colours)),
            ReportChart("weekly_throughput", "Weekly throughput",
                        "Experiments completed each week: mean and the range 90% of "
                        "replications fall in.", "scenarios",
                        {"weekly_throughput": weekly},
                        lambda: report_charts.draw_weekly_throughput(weekly, colours)),
            ReportChart("cost", "Cost per experiment",
                        "Mean cost per completed experiment, split into compute, people and "
                        "the fixed cost per experiment.", "scenarios", {"cost": cost},
                        lambda: report_charts.draw_cost(cost, colours)),
        ]

        if self.roadmap is not None:
            timeline = chart_data.roadmap_timeline_table(self.roadmap)
            weeks = weeks_in(self.project.horizon_days)
            colour = colours[self.roadmap.roadmap.name]
            charts.append(ReportChart(
                "roadmap", "Roadmap",
                "Each intervention from its start week; light: ramp-up, dark: full effect.",
                "roadmap", {"roadmap": timeline},
                lambda: report_charts.draw_roadmap_timeline(timeline, weeks, colour)))
        return charts


# -- numbers and text as the renderers print them ------------------------------------------


# Characters that XML 1.0 forbids; a PDF paragraph or a PPTX text run cannot carry them.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def printable(text: object) -> str:
    """Return ``text`` as a string without the control characters XML cannot carry."""
    return _XML_INVALID.sub("\ufffd", str(text))


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def format_value(value, unit: str = "count") -> str:
    """Format a figure for a table: days and counts with one decimal, dollars, shares."""
    if _missing(value):
        return "n/a"
    if unit == "dollars":
        return f"${value:,.0f}"
    if unit == "share":
        return f"{value:.0%}"
    return f"{value:,.1f}"


def format_interval(low, high, unit: str = "count") -> str:
    if _missing(low) or _missing(high):
        return ""
    return f"{format_value(low, unit)} to {format_value(high, unit)}"


def format_signed(value, unit: str = "count") -> str:
    """Format a difference with its sign, such as +2.5 or -$310."""
    if _missing(value):
        return "n/a"
    sign = "+" if value > 0 else "-" if value < 0 else ""
    return sign + format_value(abs(value), unit)


def comparison_unit(metric: str) -> str:
    """Return the unit of a row of ``compare``, read from its metric label."""
    if "$" in metric:
        return "dollars"
    return "days" if "days" in metric else "count"


# -- the model in words --------------------------------------------------------------------


def _days(value: float) -> str:
    return f"{value:g} day" if value == 1 else f"{value:g} days"


def describe_duration(distribution: Distribution) -> str:
    """Describe a duration distribution in words, with its mean, in days."""
    kind = distribution.kind
    mean = mean_days(distribution)
    if kind == "fixed":
        return f"always {_days(distribution.value)}"
    if kind == "uniform":
        text = f"uniform from {distribution.min:g} to {_days(distribution.max)}"
    elif kind in ("triangular", "pert"):
        label = "triangular" if kind == "triangular" else "PERT"
        text = (f"{label} from {distribution.min:g} to {_days(distribution.max)}, "
                f"most likely {distribution.likely:g}")
    elif kind == "lognormal":
        text = (f"lognormal with median {_days(distribution.median)} and 90th percentile "
                f"{distribution.p90:g}")
    elif kind == "exponential":
        return f"exponential with mean {_days(distribution.mean)}"
    else:
        samples = distribution.samples
        text = (f"empirical: {len(samples)} observed durations from {min(samples):g} to "
                f"{_days(max(samples))}")
    return f"{text} (mean {mean:.2f})"


def _clock_time(hour: float) -> str:
    minutes = int(round(hour * 60))
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _weekdays(days: Sequence[int]) -> str:
    names = [WEEKDAY_NAMES[day] for day in days]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe_rules(stage: Stage) -> str:
    """Describe the review meetings, rework and early stopping of a stage in words."""
    parts = []
    if stage.review is not None:
        review = stage.review
        parts.append(f"served at meetings on {_weekdays(review.weekdays)} at "
                     f"{_clock_time(review.hour)}, {review.slots} "
                     f"{'slot' if review.slots == 1 else 'slots'} each")
    if stage.rework is not None:
        parts.append(f"{stage.rework.probability:.0%} go back to {stage.rework.to_stage}")
    if stage.early_stopping is not None:
        early = stage.early_stopping
        parts.append(f"{early.share:.0%} stopped early after {early.at_fraction:.0%} of the "
                     "stage")
    return "; ".join(parts)


def describe_settings(project: Project) -> list[tuple[str, str]]:
    """Describe in (label, sentence) pairs the demand, limits, calendar, stage rules and goal."""
    demand = project.demand
    if demand.kind == "backlog":
        demand_text = ("The team always has a next hypothesis, so an experiment starts "
                       "whenever the work-in-progress limit allows.")
    else:
        demand_text = (f"New hypotheses arrive at random (Poisson), {demand.per_week:g} a "
                       "week on average.")
    wip = ("No limit on experiments in flight." if project.wip_limit is None
           else f"At most {project.wip_limit} experiments in flight.")
    calendar = project.calendar
    if calendar.enabled:
        calendar_text = (f"{calendar.working_days_per_week} working days a week and "
                         f"{calendar.hours_per_day:g} paid hours a day, from "
                         f"{calendar.start_date}. People work on working days only; "
                         "machines run around the clock.")
    else:
        calendar_text = (f"Off: every stage runs on calendar days, from "
                         f"{calendar.start_date}.")
    settings = [
        ("Horizon", f"{project.horizon_days:g} days."),
        ("Demand", demand_text),
        ("Work-in-progress limit", wip),
        ("Calendar", calendar_text),
        ("Review meetings", _stage_rule_summary(project, "review")),
        ("Rework", _stage_rule_summary(project, "rework")),
        ("Early stopping", _stage_rule_summary(project, "early_stopping")),
        ("Work in progress at day 0", ", ".join(
            f"{work.count} at {work.stage}" for work in project.initial_work) + "."
            if project.initial_work else "None."),
        ("Actionable share", f"{project.actionable_probability:.0%} of concluded experiments "
                             "lead to a change."),
        ("Fixed cost", f"${project.fixed_cost_per_experiment:,.0f} per experiment."),
        ("Goal", describe_goal(project)),
    ]
    return settings


def _stage_rule_summary(project: Project, rule: str) -> str:
    described = []
    for stage in project.stages:
        if getattr(stage, rule) is None:
            continue
        single = dataclasses.replace(stage, review=None, rework=None, early_stopping=None)
        single = dataclasses.replace(single, **{rule: getattr(stage, rule)})
        described.append(f"{stage.name}: {describe_rules(single)}")
    return "; ".join(described) + "." if described else "None."


def describe_goal(project: Project) -> str:
    goal = project.goal
    parts = []
    if goal.experiments_per_month is not None:
        parts.append(f"at least {goal.experiments_per_month:g} experiments a month")
    if goal.cycle_time_p85_days is not None:
        parts.append(f"85th percentile cycle time at most {_days(goal.cycle_time_p85_days)}")
    if not parts:
        return "None set."
    return " and ".join(parts).capitalize() + ", over the last 30 days of the horizon."


# -- building a story ----------------------------------------------------------------------


def build_story(project: Project, catalog: Mapping[str, Intervention],
                scenarios: Sequence[Scenario], run: RunFunction, replications: int,
                seed: int, roadmap: Roadmap | None = None,
                created_on: datetime.date | None = None) -> ReportStory:
    """Run the baseline, the scenarios and the roadmap with one seed and tell their story.

    A roadmap with the same interventions as one of the scenarios reuses that run.
    """
    results = run_scenarios(project, scenarios, catalog, run, replications, seed)
    definitions = {scenario.name: scenario for scenario in scenarios}
    report = None
    if roadmap is not None:
        same = next((s for s in scenarios if s.interventions == roadmap.scenario().interventions
                     and s.name in results), None)
        if same is not None:
            roadmap = dataclasses.replace(roadmap, name=same.name)
            result = results[same.name]
        else:
            roadmap = dataclasses.replace(roadmap, name=_free_name(roadmap.name, results))
            plan = ScenarioPlan(project, roadmap.scenario(), catalog)
            plan.check_structure()
            result = run(plan, replications, seed)
            results[roadmap.name] = result
            definitions[roadmap.name] = roadmap.scenario()
        report = RoadmapReport(project, roadmap, catalog, results[BASELINE], result)
    return ReportStory(project, results, report, definitions, catalog,
                       created_on or datetime.date.today())


def _free_name(name: str, taken: Mapping[str, object]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"
