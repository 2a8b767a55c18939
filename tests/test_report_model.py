"""The report's story: assumptions in words, headline figures, bottleneck, comparison, charts.

``hostile_story`` is shared with the other report tests: the example project under a name
with markup and formula characters, two scenarios (one named like a spreadsheet formula, one
like HTML) and a roadmap, simulated with few replications in this process.
"""

import dataclasses
import datetime
import math
from pathlib import Path

import pandas as pd
import pytest

from simulation.chart_data import COST_COMPONENTS
from simulation.export_formats import CHART_NAMES
from simulation.model import Distribution
from simulation.report_model import (
    build_story,
    describe_duration,
    format_signed,
    format_value,
    printable,
)
from simulation.roadmap import Roadmap, RoadmapItem
from simulation.runner import ReplicationRunner
from simulation.scenario_io import load_planning
from simulation.scenarios import BASELINE, Scenario, ScheduledIntervention

EXAMPLE = Path(__file__).resolve().parents[1] / "resources" / "examples" / "recsys_team.json"
PROJECT_NAME = 'R&D <Team> "recs" =1+1'
FORMULA_SCENARIO = '=HYPERLINK("http://127.0.0.1","x")'
MARKUP_SCENARIO = "<b>Reviews</b> & more"
ROADMAP_NAME = "Roadmap <Q1> & co"
REPLICATIONS = 20
SEED = 5
REPORT_DATE = datetime.date(2027, 1, 4)


def hostile_story(with_scenarios: bool = True, with_roadmap: bool = True,
                  empty_roadmap: bool = False):
    project, catalog, _ = load_planning(EXAMPLE)
    project = dataclasses.replace(project, name=PROJECT_NAME)
    scenarios = []
    if with_scenarios:
        scenarios = [
            Scenario(FORMULA_SCENARIO, (ScheduledIntervention("frequent_review_meetings", 1),)),
            Scenario(MARKUP_SCENARIO, (ScheduledIntervention("automated_data_pipelines", 2),)),
        ]
    roadmap = Roadmap(ROADMAP_NAME, ()) if empty_roadmap else None
    if with_roadmap and not empty_roadmap:
        roadmap = Roadmap(ROADMAP_NAME, (RoadmapItem("frequent_review_meetings", 1, True),
                                         RoadmapItem("automated_data_pipelines", 3)))
    with ReplicationRunner(1) as runner:
        return build_story(project, catalog, scenarios, runner.run, REPLICATIONS, SEED, roadmap,
                           created_on=REPORT_DATE)


@pytest.fixture(scope="module")
def story():
    return hostile_story()


def test_story_orders_baseline_first(story):
    assert list(story.results) == [BASELINE, FORMULA_SCENARIO, MARKUP_SCENARIO, ROADMAP_NAME]
    assert story.scenario_names == [FORMULA_SCENARIO, MARKUP_SCENARIO, ROADMAP_NAME]


def test_story_gives_each_scenario_a_colour(story):
    colours = story.colours
    assert list(colours) == list(story.results)
    assert len(set(colours.values())) == len(colours)


def test_story_shares_seed_and_replications(story):
    seeds = {result.seed for result in story.results.values()}
    counts = {result.replications for result in story.results.values()}
    assert seeds == {SEED}
    assert counts == {REPLICATIONS}


def test_roadmap_matching_a_scenario_reuses_its_run():
    project, catalog, _ = load_planning(EXAMPLE)
    scenario = Scenario("Reviews", (ScheduledIntervention("frequent_review_meetings", 1),))
    roadmap = Roadmap("Proposed roadmap", (RoadmapItem("frequent_review_meetings", 1),))
    with ReplicationRunner(1) as runner:
        story = build_story(project, catalog, [scenario], runner.run, 5, SEED, roadmap)
    assert list(story.results) == [BASELINE, "Reviews"]
    assert story.roadmap.roadmap.name == "Reviews"
    assert story.roadmap.result is story.results["Reviews"]


def test_stage_assumptions_describe_the_example(story):
    stages = story.stage_assumptions().set_index("stage")
    assert stages.loc["training", "served_by"] == "4 of gpus"
    assert stages.loc["training", "clock"] == "around the clock"
    assert stages.loc["data_preparation", "clock"] == "working days"
    assert stages.loc["stakeholder_review", "served_by"] == "no pool"
    assert "Wednesday at 14:00, 2 slots" in stages.loc["stakeholder_review", "rules"]
    assert stages.loc["evaluation", "rules"] == "15% go back to training"


def test_settings_cover_every_model_wide_assumption(story):
    settings = dict(story.settings())
    assert list(settings) == ["Horizon", "Demand", "Work-in-progress limit", "Calendar",
                              "Review meetings", "Rework", "Early stopping",
                              "Work in progress at day 0", "Actionable share", "Fixed cost",
                              "Goal"]
    assert settings["Work-in-progress limit"] == "At most 3 experiments in flight."
    assert settings["Early stopping"] == "None."
    assert settings["Fixed cost"] == "$300 per experiment."
    assert "20 experiments a month" in settings["Goal"]
    assert "at most 5 days" in settings["Goal"]


@pytest.mark.parametrize(("distribution", "text"), [
    (Distribution("fixed", value=0.1), "always 0.1 days"),
    (Distribution("uniform", min=1, max=3), "uniform from 1 to 3 days (mean 2.00)"),
    (Distribution("triangular", min=0.2, likely=0.4, max=0.8),
     "triangular from 0.2 to 0.8 days, most likely 0.4 (mean 0.47)"),
    (Distribution("pert", min=1, likely=2, max=9), "PERT from 1 to 9 days, most likely 2 "
                                                   "(mean 3.00)"),
    (Distribution("exponential", mean=2.5), "exponential with mean 2.5 days"),
    (Distribution("empirical", samples=(1.0, 2.0, 6.0)),
     "empirical: 3 observed durations from 1 to 6 days (mean 3.00)"),
])
def test_duration_in_words(distribution, text):
    assert describe_duration(distribution) == text


def test_headline_matches_the_baseline_run(story):
    headline = story.headline().set_index("figure")
    per_month = story.baseline.experiments_per_month()
    assert headline.loc["Experiments per month", "value"] == pytest.approx(per_month["mean"])
    assert headline.loc["Experiments per month", "low"] == pytest.approx(per_month["low"])
    assert headline.loc["Cost per experiment ($)", "unit"] == "dollars"
    assert math.isnan(headline.loc["Cycle time p85 (days)", "low"])


def test_bottleneck_is_the_weekly_review(story):
    """The example waits about 4.5 days per experiment for the Wednesday review; no other
    stage makes experiments wait more than a fraction of a day."""
    bottleneck = story.bottleneck()
    assert bottleneck.stage == "stakeholder_review"
    assert bottleneck.waiting_days > 3
    assert 0 < bottleneck.share_of_cycle < 1
    assert bottleneck.sentence.startswith("The bottleneck is stakeholder_review")


def test_comparison_has_a_row_per_scenario_and_metric(story):
    comparison = story.comparison()
    assert len(comparison) == 3 * 3
    assert set(comparison["scenario"]) == {FORMULA_SCENARIO, MARKUP_SCENARIO, ROADMAP_NAME}
    assert (comparison["ci_low"] <= comparison["difference"]).all()
    assert (comparison["difference"] <= comparison["ci_high"]).all()


def test_baseline_only_story_has_empty_comparison():
    story = hostile_story(with_scenarios=False, with_roadmap=False)
    assert story.scenario_names == []
    assert story.comparison().empty
    assert story.milestones() is None
    assert [chart.name for chart in story.charts()] == list(CHART_NAMES[:-1])


def test_scenario_definitions_name_the_interventions(story):
    definitions = story.scenario_definitions()
    rows = definitions[definitions["scenario"] == MARKUP_SCENARIO]
    assert rows["intervention"].tolist() == ["Automated data pipelines"]
    assert rows["start_week"].tolist() == [2]


def test_charts_follow_the_export_names(story):
    assert [chart.name for chart in story.charts()] == list(CHART_NAMES)


def test_chart_tables_list_every_scenario(story):
    for chart in story.charts():
        for name, table in chart.tables.items():
            if "scenario" in table:
                assert list(dict.fromkeys(table["scenario"])) == list(story.results), name


def test_cost_table_adds_up_to_cost_per_experiment(story):
    cost = next(chart for chart in story.charts() if chart.name == "cost").tables["cost"]
    for name, result in story.results.items():
        rows = cost[cost["scenario"] == name]
        assert rows["component"].tolist() == list(COST_COMPONENTS.values())
        total = result.cost_per_experiment()["mean"]
        assert rows["mean"].sum() == pytest.approx(total, rel=1e-3)


def test_cumulative_table_ends_at_completed_count(story):
    table = next(chart for chart in story.charts()
                 if chart.name == "cumulative").tables["cumulative"]
    baseline = table[table["scenario"] == BASELINE]
    completed = story.baseline.per_replication["completed"].mean()
    assert baseline["mean"].iloc[-1] == pytest.approx(completed)
    assert baseline["goal"].iloc[-1] == pytest.approx(20 * 90 / 30)


def test_cycle_time_histogram_shares_sum_to_one(story):
    table = next(chart for chart in story.charts()
                 if chart.name == "cycle_time").tables["cycle_time"]
    sums = table.groupby("scenario")["share"].sum()
    assert sums.to_numpy() == pytest.approx([1.0] * len(story.results))


@pytest.mark.parametrize(("value", "unit", "text"), [
    (3135.7, "dollars", "$3,136"), (0.456, "share", "46%"), (7.54, "count", "7.5"),
    (math.nan, "days", "n/a"), (None, "count", "n/a"),
])
def test_format_value(value, unit, text):
    assert format_value(value, unit) == text


def test_format_signed_shows_the_sign():
    assert format_signed(-310.4, "dollars") == "-$310"
    assert format_signed(2.54) == "+2.5"
    assert format_signed(0.0) == "0.0"


def test_printable_drops_xml_control_characters():
    assert printable("a\x00b\x1fc\td<&>") == "a\ufffdb\ufffdc\td<&>"


def test_milestones_cover_days_30_60_90(story):
    milestones = story.milestones()
    assert sorted(set(milestones["day"])) == [30, 60, 90]
    assert set(milestones["scenario"]) == {ROADMAP_NAME, BASELINE}
    assert isinstance(milestones, pd.DataFrame)
