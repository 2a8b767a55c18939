"""Real exports beside the repository, checked against the figures documented with them.

The folder ../shared/data/real holds an MLflow 1.x file store with deleted experiments and
nested runs (packt-hpt-trash) and a Jira issue export with stage dates (agile-jira-cycle-times).
These tests skip when it is absent.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulation.history.fit import fit_stages
from simulation.history.measure import measure_baseline
from simulation.history.propose import propose_project
from simulation.history.sources import read_history

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
PACKT = REAL / "packt-hpt-trash" / "mlruns"
JIRA = REAL / "agile-jira-cycle-times" / "data" / "jira.csv"

needs_packt = pytest.mark.skipif(not PACKT.is_dir(), reason="real MLflow store not present")
needs_jira = pytest.mark.skipif(not JIRA.is_file(), reason="real Jira export not present")


def run_hours(history) -> np.ndarray:
    runs = history.runs.dropna(subset=["ended_at"])
    return ((runs["ended_at"] - runs["started_at"]) / pd.Timedelta(hours=1)).to_numpy()


@needs_packt
def test_packt_active_view():
    history = read_history(PACKT)
    report = history.report
    assert report.read["run{s}"] == 19
    assert report.read["run{s} shown"] == 2
    assert "17 deleted runs not shown" in "\n".join(report.lines())
    assert history.size == 1  # one top-level experiment; its nested child is folded in
    assert history.experiments["experiment_id"].iloc[0] == "a3112407148b4966b929bc9f8784a3d3"
    assert history.runs["status"].tolist() == ["FINISHED", "FINISHED"]
    assert np.median(run_hours(history)) == pytest.approx(0.000147, abs=5e-7)
    assert history.runs["started_at"].min() == pd.Timestamp("2022-07-05T04:21:21.395Z")
    assert history.runs["started_at"].max() == pd.Timestamp("2022-07-05T04:21:21.842Z")


@needs_packt
def test_packt_all_run_folders():
    history = read_history(PACKT, include_deleted=True)
    runs = history.runs
    assert len(runs) == 19
    assert runs["status"].value_counts().to_dict() == {"FINISHED": 18, "RUNNING": 1}
    assert int(runs["ended_at"].isna().sum()) == 1
    assert int(runs["parent_id"].notna().sum()) == 6
    assert history.size == 13
    hours = run_hours(history)
    assert len(hours) == 18
    assert np.median(hours) == pytest.approx(0.000155, abs=5e-7)
    assert runs["started_at"].min() == pd.Timestamp("2022-06-30T02:41:47.475Z")


@needs_packt
def test_packt_running_deleted_run_is_not_work_in_progress():
    baseline = measure_baseline(read_history(PACKT, include_deleted=True))
    run = baseline.experiments.set_index("experiment_id").loc["bb55f3cea2cd4a61bfaa09714f19f792"]
    assert run["status"] == "RUNNING"
    assert not run["in_flight_at_end"]
    assert not run["concluded"]
    assert np.isnan(run["cycle_days"])
    assert baseline.figures["in_flight_at_end"] == 0
    # The last timestamp of the store ends the data, not the clock at import time.
    assert baseline.period_start + pd.Timedelta(days=baseline.figures["data_days"]) == \
        pd.Timestamp("2022-07-05T04:21:22.161Z")


@needs_packt
def test_packt_stray_files_and_empty_experiment():
    lines = "\n".join(read_history(PACKT).report.lines())
    assert ".trash/5/.ipynb_checkpoints" in lines
    assert "1 MLflow experiment without runs" in lines


@needs_jira
def test_jira_rows_and_projects():
    history = read_history(JIRA)
    assert history.size == 4123
    assert history.experiments["group"].value_counts().to_dict() == {"0": 2427, "1": 1696}
    created = history.milestones["arrived"]
    assert created.min() == pd.Timestamp("2012-04-25", tz="UTC")
    assert created.max() == pd.Timestamp("2018-02-26", tz="UTC")
    assert history.milestones["work"].max() == pd.Timestamp("2019-08-08", tz="UTC")


@needs_jira
def test_jira_negative_cycles_excluded_not_clamped():
    baseline = measure_baseline(read_history(JIRA))
    assert baseline.excluded_negative == 1662
    assert baseline.figures["experiments"] == 2461
    cycle = baseline.experiments["cycle_days"]
    assert cycle.min() == 1  # no row of the export has a 0-day cycle, so none was clamped
    assert cycle.median() == 5
    assert cycle.mean() == pytest.approx(16.889, abs=5e-4)
    assert any("1,662 experiments" in note and "not clamped" in note for note in baseline.notes)


@needs_jira
def test_jira_durations_agree_with_cycle_time_column():
    raw = pd.read_csv(JIRA)
    history = read_history(JIRA)
    measured = (history.milestones["work"] - history.milestones["arrived"]) / \
        pd.Timedelta(days=1)
    assert (measured.to_numpy() == raw["cycle_time_days"].to_numpy()).all()


@needs_jira
def test_jira_proposal():
    baseline = measure_baseline(read_history(JIRA))
    proposal = propose_project(baseline, fit_stages(baseline))
    stage = proposal.project.stages[0]
    assert stage.name == "work"
    assert stage.duration.kind == "empirical"
    assert np.median(stage.duration.samples) == pytest.approx(5, abs=0.5)
    assert proposal.project.demand.kind == "poisson"
