"""The bundle's build spec, the resource lookup inside a bundle, and the headless self-check.

Building the bundle takes minutes, so these tests check its inputs; scripts/build_bundle.sh
builds it and runs the self-check inside it.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import launcher, self_check
from simulation import interventions, resources
from simulation.cli import COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "build.spec"


@pytest.fixture(scope="module")
def spec_text():
    return SPEC.read_text(encoding="utf-8")


def spec_call(spec_text: str, name: str) -> ast.Call:
    for node in ast.walk(ast.parse(spec_text)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
            return node
    raise AssertionError(f"build.spec calls no {name}()")


def keyword(call: ast.Call, name: str) -> ast.expr:
    for item in call.keywords:
        if item.arg == name:
            return item.value
    raise AssertionError(f"{name}= is missing")


def test_spec_enters_through_the_launcher(spec_text):
    analysis = spec_call(spec_text, "Analysis")
    assert ast.unparse(analysis.args[0]) == "[str(ROOT / 'desktop' / 'launcher.py')]"


def test_spec_bundles_the_resources_folder(spec_text):
    assert 'datas = [(str(ROOT / "resources"), "resources")]' in spec_text
    assert "datas=datas" in ast.unparse(spec_call(spec_text, "Analysis"))


def test_spec_collects_every_command_module(spec_text):
    """The CLI imports its subcommand modules by name, which the import analysis misses."""
    assert 'collect_submodules("simulation")' in spec_text
    assert 'collect_submodules("desktop")' in spec_text
    assert all(module.startswith("simulation.") for module in COMMAND_MODULES)


def test_spec_keeps_matplotlib_to_agg(spec_text):
    hooks = ast.literal_eval(keyword(spec_call(spec_text, "Analysis"), "hooksconfig"))
    assert hooks == {"matplotlib": {"backends": ["Agg"]}}


def test_spec_excludes_what_is_not_used(spec_text):
    tree = ast.parse(spec_text)
    excludes = next(ast.literal_eval(node.value) for node in ast.walk(tree)
                    if isinstance(node, ast.Assign)
                    and getattr(node.targets[0], "id", None) == "excludes")
    for module in ("tkinter", "pytest", "PyQt5", "PySide6.QtWebEngineCore", "botocore"):
        assert module in excludes
    for needed in ("PySide6.QtWidgets", "pyqtgraph", "matplotlib", "reportlab", "pptx"):
        assert needed not in excludes


def test_spec_builds_one_folder_console_app(spec_text):
    exe = spec_call(spec_text, "EXE")
    assert ast.literal_eval(keyword(exe, "exclude_binaries")) is True
    assert ast.literal_eval(keyword(exe, "console")) is True
    collect = spec_call(spec_text, "COLLECT")
    assert ast.unparse(keyword(collect, "name")) == "NAME"
    assert 'NAME = "velocity-planner"' in spec_text


def test_build_script_runs_the_self_check_offscreen():
    script = (ROOT / "scripts" / "build_bundle.sh").read_text(encoding="utf-8")
    assert "PyInstaller" in script
    assert "build.spec" in script
    assert 'QT_QPA_PLATFORM=offscreen "$bundle/velocity-planner" --self-check' in script


def test_resources_found_in_source_tree():
    assert resources.resources_dir() == ROOT / "resources"
    assert resources.example_project_path().is_file()
    assert interventions.default_catalog_path() == ROOT / "resources" / "interventions.json"


def test_resources_found_inside_a_bundle(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resources_dir() == tmp_path / "resources"
    assert resources.example_project_path() == tmp_path / "resources" / "examples" / \
        "recsys_team.json"
    assert interventions.default_catalog_path() == tmp_path / "resources" / "interventions.json"


def test_launcher_dispatches_self_check(monkeypatch):
    monkeypatch.setattr(self_check, "run_self_check", lambda: 7)
    assert launcher.main(["--self-check"]) == 7


def test_self_check_names_the_failed_step(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(resources, "example_project_path", lambda: tmp_path / "missing.json")
    assert self_check.run_self_check() == 1
    error = capsys.readouterr().err
    assert error.startswith("self-check failed: load the example:")
    assert "missing.json" in error


def test_self_check_passes_headless():
    """The same check the bundle runs, here from the source tree in a fresh process."""
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run([sys.executable, str(ROOT / "desktop" / "launcher.py"),
                             "--self-check"], cwd=ROOT, env=environment, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("self-check passed: 'Recommendation system team' simulated")
    assert "Qt offscreen chart OK" in lines[0]
