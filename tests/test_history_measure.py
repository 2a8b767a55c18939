"""Measuring a baseline, fitting stage durations and proposing a project, on small histories
whose figures are worked out by hand in each test."""

import math

import numpy as np
import pandas as pd
import pytest

from simulation.distributions import Z_90
from simulation.history.errors import HistoryError
from simulation.history.fit import (
    EMPIRICAL_MIN_SAMPLES,
    MAX_STORED_SAMPLES,
    fit_early_stopping,
    fit_stage,
    fit_stages,
)
from simulation.history.mapping import ColumnMapping, StageColumn
from simulation.history.measure import StageSamples, measure_baseline
from simulation.history.propose import DEFAULT, propose_project
from simulation.history.sources import read_history
from simulation.validation import parse_project

START = pd.Timestamp("2024-01-01 00:00")  # a Monday
MAPPING = ColumnMapping(arrival="created",
                        stages=(StageColumn("data_preparation", "data_ready"),
                                StageColumn("training", "trained")),
                        id="id", status="status", gpus="gpus")


def write_history(tmp_path, rows):
    """Write rows of (id, status, created day, data ready day, trained day, gpus) as a CSV."""
    def stamp(day):
        return "" if day is None else (START + pd.Timedelta(days=day)).isoformat()

    lines = ["id,status,created,data_ready,trained,gpus"]
    for key, status, created, ready, trained, gpus in rows:
        lines.append(f"{key},{status},{stamp(created)},{stamp(ready)},{stamp(trained)},"
                     f"{'' if gpus is None else gpus}")
    path = tmp_path / "history.csv"
    path.write_text("\n".join(lines) + "\n")
    return read_history(path, mapping=MAPPING)


ROWS = [
    ("e1", "done", 0.0, 1.0, 2.0, 2),
    ("e2", "done", 1.5, 2.0, 4.5, 2),
    ("e3", "failed", 3.0, 4.0, 4.5, 4),
    ("e4", "done", 7.0, 9.0, 10.0, None),
    ("e5", "killed", 8.0, 8.5, None, None),
    ("e6", "in progress", 14.0, 15.0, None, None),
    ("e7", "done", 15.0, 16.0, 20.0, 1),
]


def test_weekly_arrivals_and_throughput(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS))
    weekly = baseline.weekly
    # Arrivals 0 to 15 days: weeks [0, 7), [7, 14), [14, 21).
    assert weekly["arrived"].tolist() == [3, 2, 2]
    # Completions up to the last arrival (day 15): e1 at 2, e3 at 4.5, e2 at 4.5, e5 at 8.5,
    # e4 at 10. e7 concludes at day 20, after the period.
    assert weekly["completed"].tolist() == [3, 2, 0]
    assert baseline.figures["arrivals_per_week"] == pytest.approx(6 / 15 * 7)
    assert baseline.figures["experiments_per_month"] == pytest.approx(5 / 15 * 30)
    assert baseline.period_days == pytest.approx(15)


def test_status_shares_and_stopped_stages(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS))
    figures = baseline.figures
    assert figures["concluded"] == 6
    assert figures["failed_share"] == pytest.approx(1 / 6)
    assert figures["killed_share"] == pytest.approx(1 / 6)
    stages = {stage.stage: stage for stage in baseline.stages}
    assert sorted(stages["training"].durations_days) == [1.0, 1.0, 2.5, 4.0]
    assert stages["training"].stopped_days.tolist() == [0.5]  # e3 failed in training
    assert stages["data_preparation"].stopped_days.tolist() == [0.5]  # e5 killed there
    assert sorted(stages["data_preparation"].durations_days) == [0.5, 1.0, 1.0, 1.0, 1.0, 2.0]


def test_cycle_times_and_targets(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS))
    cycles = sorted(baseline.experiments["cycle_days"].dropna())
    assert cycles == [0.5, 1.5, 2.0, 3.0, 3.0, 5.0]
    assert baseline.figures["cycle_time_p50_days"] == pytest.approx(np.median(cycles))
    targets = baseline.targets_table().set_index("measure")
    assert targets.loc["cycle time, median days", "meets"]
    assert not targets.loc["experiments per month", "meets"]


def test_concurrency_is_exact(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS))
    # In flight: e1 [0, 2), e2 [1.5, 4.5), e3 [3, 4.5), e4 [7, 10), e5 [8, 8.5), e6 [14, end),
    # e7 [15, 20). The export ends at day 20 (e7's last stage), so e6 counts until then.
    assert baseline.figures["peak_in_flight"] == 2
    busy = 2 + 3 + 1.5 + 3 + 0.5 + 6 + 5
    assert baseline.figures["mean_in_flight"] == pytest.approx(busy / 20)
    assert baseline.figures["in_flight_at_end"] == 1
    daily = baseline.daily_in_flight.set_index("day")["in_flight"]
    assert daily[0] == 1
    assert daily[2] == 1  # e1 ended at day 2, e2 still running
    assert daily[20] == 1  # e6 only, e7 ended at day 20
    stages = baseline.stage_table().set_index("stage")
    assert stages.loc["training", "peak_concurrent"] == 2  # e2 [2, 4.5) and e3 [4, 4.5)


def test_gpu_hours_from_training_stage(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS))
    # e1 2 GPUs x 24 h, e2 2 x 60 h, e3 4 x 12 h, e7 1 x 96 h
    assert baseline.figures["gpu_hours"] == pytest.approx(48 + 120 + 48 + 96)
    assert baseline.figures["experiments_with_gpus"] == 4


def test_nothing_left_to_measure(tmp_path):
    path = tmp_path / "backwards.csv"
    path.write_text("id,created,finished\n1,2024-01-05,2024-01-04\n")
    with pytest.raises(HistoryError) as error:
        measure_baseline(read_history(path))
    assert "nothing to measure" in str(error.value)
    assert "backwards.csv" in str(error.value)


def test_short_history_has_no_rates(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS[:2]))
    assert math.isnan(baseline.figures["arrivals_per_week"])
    assert math.isnan(baseline.figures["experiments_per_month"])
    assert any("less than a week" in note for note in baseline.notes)


def test_lognormal_fit_below_threshold():
    rng = np.random.default_rng(11)
    durations = rng.lognormal(np.log(2.0), 0.6, EMPIRICAL_MIN_SAMPLES - 1)
    fit = fit_stage(StageSamples("training", durations, np.array([]), 1))
    assert fit.choice == "lognormal"
    logs = np.log(durations)
    assert fit.distribution.median == pytest.approx(np.exp(logs.mean()), rel=1e-5)
    assert fit.distribution.p90 == pytest.approx(np.exp(logs.mean() + Z_90 * logs.std()),
                                                 rel=1e-5)
    assert 0 < fit.ks_statistic < 0.2
    assert fit.ks_pvalue > 0.05


def test_empirical_fit_from_threshold():
    rng = np.random.default_rng(12)
    durations = rng.lognormal(0, 1, EMPIRICAL_MIN_SAMPLES)
    fit = fit_stage(StageSamples("training", durations, np.array([]), 1))
    assert fit.choice == "empirical"
    assert sorted(fit.distribution.samples) == pytest.approx(sorted(durations), rel=1e-5)
    assert fit.lognormal_median_days is not None


def test_empirical_samples_thinned():
    durations = np.arange(1, 5001, dtype=float)
    fit = fit_stage(StageSamples("review", durations, np.array([]), 1))
    assert len(fit.distribution.samples) == MAX_STORED_SAMPLES
    assert np.median(fit.distribution.samples) == pytest.approx(2500.5, rel=1e-3)


def test_zero_durations_kept_in_samples_only():
    durations = np.array([0.0] * 10 + [1.0, 2.0, 3.0, 4.0, 5.0] * 10)
    fit = fit_stage(StageSamples("work", durations, np.array([]), 1))
    assert fit.zero_durations == 10
    assert fit.distribution.samples.count(0.0) == 10
    assert "zero durations" in fit.note


def test_small_and_empty_stages():
    single = fit_stage(StageSamples("review", np.array([0.25]), np.array([]), 1))
    assert single.distribution.kind == "fixed"
    assert single.distribution.value == 0.25
    empty = fit_stage(StageSamples("review", np.array([]), np.array([]), 0))
    assert empty.choice == "default"


def test_early_stopping_share_and_fraction():
    early = fit_early_stopping(np.array([2.0, 4.0, 6.0]), np.array([1.0]))
    assert early.share == pytest.approx(0.25)
    assert early.at_fraction == pytest.approx(0.25)
    late = fit_early_stopping(np.array([1.0]), np.array([3.0]))
    assert late.at_fraction == 1.0
    assert fit_early_stopping(np.array([1.0]), np.array([])) is None


def test_proposal_is_valid_and_marks_defaults(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS))
    proposal = propose_project(baseline, fit_stages(baseline))
    project = proposal.project
    assert parse_project(proposal.document()) == project
    assert [stage.name for stage in project.stages] == ["data_preparation", "training"]
    assert project.stages[1].pool == "gpus"
    assert project.stages[1].units == 2  # median of 2, 2, 4, 1
    assert project.stages[0].pool == "team"
    assert project.demand.kind == "poisson"
    assert project.demand.per_week == pytest.approx(6 / 15 * 7, rel=1e-3)
    assert project.wip_limit == 2
    assert not project.calendar.enabled
    assert project.calendar.start_date == "2024-01-01"
    assert project.horizon_days == pytest.approx(15)
    assert project.stages[1].early_stopping.share == pytest.approx(0.2)
    pools = {pool.name: pool for pool in project.pools}
    assert pools["gpus"].capacity == 4  # two training visits at once, 2 GPUs each
    defaults = {item.field for item in proposal.defaults()}
    assert {"actionable_probability", "fixed_cost_per_experiment"} <= defaults
    assert all(item.source == DEFAULT for item in proposal.defaults())
    extra = proposal.file_extra(baseline)["history_import"]
    assert extra["source"].endswith("history.csv")


def test_proposal_with_defaults_only(tmp_path):
    baseline = measure_baseline(write_history(tmp_path, ROWS[3:4]))  # e4 logs no GPUs
    proposal = propose_project(baseline, fit_stages(baseline))
    fields = {item.field for item in proposal.defaults()}
    assert {"demand.per_week", "horizon_days", "stages[1].units"} <= fields
    assert proposal.project.demand.per_week == 1.0
