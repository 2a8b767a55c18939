"""Seeded regression of the bundled example against the team it describes.

This is a calibration check, not a validation against theory: the example must reproduce the
figures of its description (8 experiments a month, a 12-day mean cycle, about 4 days of data
preparation, about 5 days waiting for the stakeholder review, about $3K an experiment) within
15%, averaged over 400 replications at a fixed seed.
"""

from pathlib import Path

import pytest

from simulation import load_project, run_simulation

EXAMPLE = Path(__file__).resolve().parents[1] / "resources" / "examples" / "recsys_team.json"
TOLERANCE = 0.15


@pytest.fixture(scope="module")
def example_result():
    return run_simulation(load_project(EXAMPLE), replications=400, seed=11, workers=2)


def test_example_throughput(example_result):
    figure = example_result.experiments_per_month()["mean"]
    assert figure == pytest.approx(8, rel=TOLERANCE)


def test_example_cycle_time(example_result):
    figure = example_result.cycle_time_days()["mean"]
    assert figure == pytest.approx(12, rel=TOLERANCE)


def test_example_data_preparation_days(example_result):
    stages = example_result.stage_table().set_index("stage")
    days = stages.loc["data_preparation", "active_days"] + \
        stages.loc["data_preparation", "waiting_days"]
    assert days == pytest.approx(4, rel=TOLERANCE)


def test_example_review_waiting_days(example_result):
    stages = example_result.stage_table().set_index("stage")
    assert stages.loc["stakeholder_review", "waiting_days"] == pytest.approx(5, rel=TOLERANCE)


def test_example_cost_per_experiment(example_result):
    figure = example_result.cost_per_experiment()["mean"]
    assert figure == pytest.approx(3000, rel=TOLERANCE)


def test_example_bottleneck_is_review(example_result):
    assert example_result.summary()["bottlenecks"][0] == "stakeholder_review"
