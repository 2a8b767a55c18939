"""The export command end to end: formats, file naming, exit codes and messages."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulation.cli import EXIT_INVALID_INPUT, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "resources" / "examples" / "recsys_team.json"
FAST = ["--reps", "4", "--workers", "1", "--seed", "2"]


@pytest.fixture()
def project_with_scenarios(tmp_path):
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["scenarios"] = [
        {"name": "Reviews twice a week",
         "interventions": [{"id": "frequent_review_meetings", "start_week": 1}]},
        {"name": "Pipelines", "interventions": [{"id": "automated_data_pipelines",
                                                 "start_week": 2}]},
    ]
    path = tmp_path / "team.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_export_xlsx_compares_saved_scenarios(project_with_scenarios, tmp_path, capsys):
    out = tmp_path / "data.xlsx"
    status = main(["export", str(project_with_scenarios), "--out", str(out), *FAST])
    assert status == EXIT_OK
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    cost = pd.read_excel(out, sheet_name="cost")
    assert list(dict.fromkeys(cost["scenario"])) == ["Baseline", "Reviews twice a week",
                                                     "Pipelines"]


def test_export_picks_named_scenario(project_with_scenarios, tmp_path):
    out = tmp_path / "data.xlsx"
    status = main(["export", str(project_with_scenarios), "--out", str(out),
                   "--scenario", "Pipelines", *FAST])
    assert status == EXIT_OK
    cost = pd.read_excel(out, sheet_name="cost")
    assert list(dict.fromkeys(cost["scenario"])) == ["Baseline", "Pipelines"]


def test_export_png_names_files_after_charts(project_with_scenarios, tmp_path, capsys):
    out = tmp_path / "team.png"
    status = main(["export", str(project_with_scenarios), "--out", str(out), "--roadmap",
                   "Pipelines", "--chart", "roadmap", "--chart", "cost", "--dpi", "50", *FAST])
    assert status == EXIT_OK
    written = sorted(path.name for path in tmp_path.glob("team-*.png"))
    assert written == ["team-cost.png", "team-roadmap.png"]
    assert "wrote" in capsys.readouterr().out


def test_export_pptx_with_baseline_only(project_with_scenarios, tmp_path):
    out = tmp_path / "deck.pptx"
    status = main(["export", str(project_with_scenarios), "--out", str(out), "--baseline-only",
                   *FAST])
    assert status == EXIT_OK
    assert out.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize(("arguments", "message"), [
    (["--out", "{tmp}/report.docx"], "unknown export format '.docx'"),
    (["--out", "{tmp}/missing/report.pdf"], "folder not found"),
    (["--out", "{tmp}"], "is a folder"),
    (["--out", "{tmp}/report.pdf", "--chart", "cost"], "does not apply to .pdf"),
    (["--out", "{tmp}/c.png", "--chart", "gantt"], "unknown chart 'gantt'"),
    (["--out", "{tmp}/c.png", "--chart", "roadmap"], "the roadmap chart needs a roadmap"),
    (["--out", "{tmp}/report.pdf", "--scenario", "Nope"], "no scenario named 'Nope'"),
    (["--out", "{tmp}/report.pdf", "--roadmap", "Nope"], "--roadmap: no scenario named"),
])
def test_export_rejects_invalid_input(project_with_scenarios, tmp_path, capsys, arguments,
                                      message):
    arguments = [argument.replace("{tmp}", str(tmp_path)) for argument in arguments]
    status = main(["export", str(project_with_scenarios), *arguments, *FAST])
    error = capsys.readouterr().err
    assert status == EXIT_INVALID_INPUT
    assert message in error
    assert "Traceback" not in error
    assert sorted(path.name for path in tmp_path.iterdir()) == ["team.json"]


def test_export_rejects_invalid_project(tmp_path, capsys):
    broken = tmp_path / "broken.json"
    broken.write_text('{"name": "x", "stages": [', encoding="utf-8")
    status = main(["export", str(broken), "--out", str(tmp_path / "report.pdf"), *FAST])
    assert status == EXIT_INVALID_INPUT
    assert "malformed JSON" in capsys.readouterr().err
    assert not (tmp_path / "report.pdf").exists()


@pytest.mark.parametrize(("option", "value", "message"), [
    ("--dpi", "20", "must be between 50 and 600"),
    ("--dpi", "high", "must be a whole number"),
    ("--reps", "0", "must be >= 1"),
])
def test_export_rejects_invalid_numbers(tmp_path, capsys, option, value, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", str(EXAMPLE), "--out", str(tmp_path / "r.pdf"), option, value])
    assert exit_info.value.code == EXIT_INVALID_INPUT
    assert message in capsys.readouterr().err


def test_export_help_documents_file_naming(capsys):
    with pytest.raises(SystemExit):
        main(["export", "--help"])
    text = capsys.readouterr().out
    assert "STEM-CHART.png" in text
    assert "report-cumulative.png" in text
    assert "stage_time" in text


def test_export_runs_without_qt(tmp_path):
    """The export is headless: a PDF export loads neither Qt nor pyqtgraph."""
    out = tmp_path / "report.pdf"
    script = (
        "import sys\n"
        "from simulation.cli import main\n"
        f"status = main(['export', {str(EXAMPLE)!r}, '--out', {str(out)!r}, '--dpi', '50', "
        f"'--reps', '4', '--workers', '1'])\n"
        "loaded = [name for name in sys.modules if name.split('.')[0] in "
        "('PySide6', 'pyqtgraph', 'desktop')]\n"
        "print(status, loaded)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "0 []"
    assert out.read_bytes().startswith(b"%PDF-")
