"""The import command, run as a user runs it: a subprocess with real files."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

from simulation.project_io import load_project

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "history"


def run_import(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simulation", "import", *arguments],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def test_generic_import_writes_project(tmp_path):
    out = tmp_path / "team.json"
    tables = tmp_path / "tables"
    done = run_import(str(DATA / "stages.csv"), "--mapping", str(DATA / "stages_mapping.json"),
                      "--out", str(out), "--reps", "20", "--workers", "1", "--tables",
                      str(tables))
    assert done.returncode == 0, done.stderr
    for heading in ("Imported", "Baseline:", "Beside mature teams", "Fit per stage",
                    "Backtest over the imported period", "Proposed project written to"):
        assert heading in done.stdout
    assert "DEFAULT actionable_probability" in done.stdout
    project = load_project(out)
    assert [stage.name for stage in project.stages][:2] == ["data_preparation",
                                                             "waiting_for_training"]
    document = json.loads(out.read_text())
    assert document["history_import"]["kind"] == "generic table"
    weekly = pd.read_csv(tables / "backtest_weekly.csv")
    assert {"week", "actual", "simulated", "low", "high", "inside"} <= set(weekly.columns)
    assert (tables / "baseline_stages.csv").is_file()
    assert (tables / "fit.csv").is_file()


def test_runs_export_without_backtest(tmp_path):
    out = tmp_path / "runs.json"
    done = run_import(str(DATA / "search_runs.csv"), "--out", str(out), "--reps", "0")
    assert done.returncode == 0, done.stderr
    assert "Backtest: skipped (--reps 0)" in done.stdout
    assert "nested child runs, folded into their parent run" in done.stdout
    assert load_project(out).stages[0].name == "training"


def test_short_history_explains_missing_backtest(tmp_path):
    done = run_import(str(DATA / "wandb_runs.csv"), "--out", str(tmp_path / "w.json"))
    assert done.returncode == 0, done.stderr
    assert "Backtest: not run, because the history spans less than a week" in done.stdout


def test_invalid_inputs_exit_2_without_traceback(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    binary = tmp_path / "blob.csv"
    binary.write_bytes(bytes(range(256)) * 4)
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("id,created,finished\n1,2024-01-01,2024-01-02\n2,02/01/2024,2024-01-05\n")
    bad_mapping = tmp_path / "mapping.json"
    bad_mapping.write_text('{"arrival": "created", "stages": [}')
    cases = [
        ([str(tmp_path / "missing.csv")], "no such file"),
        ([str(empty)], "empty"),
        ([str(binary)], "binary"),
        ([str(mixed)], "row 3, column 'created'"),
        ([str(DATA / "stages.csv"), "--mapping", str(bad_mapping)], "malformed JSON"),
    ]
    for arguments, expected in cases:
        done = run_import(*arguments, "--out", str(tmp_path / "out.json"))
        assert done.returncode == 2, (arguments, done.stderr)
        assert done.stderr.startswith("error: "), done.stderr
        assert expected in done.stderr
        assert "Traceback" not in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_help_lists_options():
    done = run_import("--help")
    assert done.returncode == 0
    for option in ("--mapping", "--include-deleted", "--out", "--reps", "--tables"):
        assert option in done.stdout
