"""The engine stays free of Qt, and its public API stays what the window and CLI use."""

import ast
from pathlib import Path

import simulation

SIMULATION = Path(__file__).resolve().parents[1] / "simulation"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "shiboken6", "pyqtgraph", "desktop")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_simulation_never_imports_qt():
    offenders = []
    for path in SIMULATION.rglob("*.py"):
        for name in imported_modules(path):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(SIMULATION.parent)} imports {name}")
    assert offenders == []


def test_public_api_is_pinned():
    assert sorted(simulation.__all__) == sorted([
        "SCHEMA_VERSION", "Calendar", "Demand", "Distribution", "EarlyStopping", "Goal",
        "InitialWork", "Phase", "Pool", "PoolHold", "Project", "ProjectError",
        "ReplicationRunner", "ReviewMeetings", "Rework", "RunCancelled", "SimulationResult",
        "Stage", "Timeline", "load_project", "parse_project", "project_to_dict",
        "run_simulation", "save_project",
    ])
