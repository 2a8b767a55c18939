"""The command line, run as a user runs it: a subprocess with real files."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "resources" / "examples" / "recsys_team.json"


def run_cli(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulation", *arguments], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_simulate_json_summary():
    done = run_cli("simulate", str(EXAMPLE), "--reps", "40", "--seed", "5", "--json",
                   "--workers", "1")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    for key in ("experiments_per_month", "cycle_time_days", "cost_per_experiment"):
        assert set(summary[key]) >= {"mean", "low", "high"}
        assert summary[key]["low"] <= summary[key]["mean"] <= summary[key]["high"]
    for percentile in ("p50", "p70", "p85", "p95"):
        assert summary["cycle_time_days"][percentile] > 0
    assert summary["replications"] == 40
    assert summary["seed"] == 5


def test_simulate_writes_tables(tmp_path):
    done = run_cli("simulate", str(EXAMPLE), "--reps", "20", "--out", str(tmp_path),
                   "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "Experiments per month" in done.stdout
    weekly = pd.read_csv(tmp_path / "weekly_throughput.csv")
    assert list(weekly.columns) == ["week", "mean", "low", "high"]
    assert len(weekly) == 13
    stages = pd.read_csv(tmp_path / "stages.csv")
    assert "stakeholder_review" in set(stages["stage"])


def test_invalid_project_exits_with_messages(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"schema_version": 1, "stages": [
        {"name": "a", "duration": {"kind": "triangular", "min": 1, "likely": 3, "max": 1.5}}]}))
    done = run_cli("simulate", str(path))
    assert done.returncode == 2
    assert "stages[0].duration.max: must be >= likely (got 1.5 < 3)" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_exits_cleanly(tmp_path):
    done = run_cli("simulate", str(tmp_path / "nowhere.json"))
    assert done.returncode == 2
    assert "cannot read the file" in done.stderr
    assert "Traceback" not in done.stderr


def project_with_scenario(tmp_path: Path) -> Path:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["scenarios"] = [{"name": "Faster reviews", "interventions": [
        {"id": "frequent_review_meetings", "start_week": 2}]}]
    path = tmp_path / "team.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_roadmap_of_saved_scenario(tmp_path):
    out = tmp_path / "roadmap.md"
    done = run_cli("roadmap", str(project_with_scenario(tmp_path)), "--scenario",
                   "Faster reviews", "--out", str(out), "--reps", "20", "--workers", "1")
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert "# 90-day roadmap: Faster reviews" in text
    assert "| 2 | Review meetings twice a week" in text


def test_roadmap_unknown_scenario(tmp_path):
    done = run_cli("roadmap", str(project_with_scenario(tmp_path)), "--scenario", "Nope",
                   "--out", str(tmp_path / "r.md"), "--workers", "1")
    assert done.returncode == 2
    assert "no scenario named 'Nope' in the project (scenarios: 'Faster reviews')" in done.stderr
    assert "Traceback" not in done.stderr


def test_analyse_wip_sweep(tmp_path):
    out = tmp_path / "sweep.csv"
    done = run_cli("analyse", str(EXAMPLE), "--wip-sweep", "--reps", "5", "--workers", "1",
                   "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "stop paying after a limit of" in done.stdout
    assert list(pd.read_csv(out)["wip_limit"])[:3] == [1, 2, 3]


def test_simulate_without_completions(tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["horizon_days"] = 2
    doc["initial_work"] = []
    path = tmp_path / "short.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    done = run_cli("simulate", str(path), "--reps", "5", "--workers", "1")
    assert done.returncode == 0, done.stderr
    assert "No experiment completed within the horizon" in done.stdout
    assert "Warning" not in done.stderr


def test_import_refuses_to_overwrite_source(tmp_path):
    source = tmp_path / "runs.csv"
    source.write_text("id,created,finished\nE1,2027-01-04,2027-01-06\n", encoding="utf-8")
    before = source.read_bytes()
    done = run_cli("import", str(source), "--out", str(source), "--reps", "0")
    assert done.returncode == 2
    assert "would destroy it" in done.stderr
    assert source.read_bytes() == before


def test_zero_rollout_capacity_rejected(tmp_path):
    done = run_cli("roadmap", str(EXAMPLE), "--out", str(tmp_path / "r.md"),
                   "--rollout-days-per-week", "0")
    assert done.returncode == 2
    assert "must be a number > 0 (got 0)" in done.stderr


def test_negative_seed_rejected():
    done = run_cli("simulate", str(EXAMPLE), "--seed", "-1")
    assert done.returncode == 2
    assert "must be >= 0 (got -1)" in done.stderr
    assert "Traceback" not in done.stderr


def test_horizon_beyond_a_century_rejected(tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["horizon_days"] = 1e9
    path = tmp_path / "long.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    done = run_cli("simulate", str(path))
    assert done.returncode == 2
    assert "horizon_days: must be <= 36500" in done.stderr
