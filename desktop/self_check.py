"""A headless self-check of an installation or a bundle: ``velocity-planner --self-check``.

It loads the bundled example with its intervention catalog, simulates it and one scenario in
worker processes, exports the PDF report into a temporary folder, and draws a pyqtgraph chart
on Qt's offscreen platform. No window is shown, so it runs on a build machine without a
display. It prints one line and returns 0, or names the step that failed and returns 1.
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPLICATIONS = 20
WORKERS = 2
SEED = 1
# A catalog intervention that the example can take; the scenario exercises the catalog.
CHECK_INTERVENTION = "frequent_review_meetings"


class SelfCheckError(Exception):
    """A step of the self-check failed; the message names the step."""


def _step(name: str, action: Callable[[], object]) -> object:
    try:
        return action()
    # Any failure of a step, whatever its type, is the result to report.
    except Exception as error:
        raise SelfCheckError(f"{name}: {type(error).__name__}: {error}") from error


def _simulate_and_export(folder: Path) -> tuple[str, float, int]:
    """Return the project name, its experiments a month and the PDF's size in bytes."""
    from simulation.report_model import build_story
    from simulation.report_pdf import export_pdf
    from simulation.resources import example_project_path
    from simulation.runner import ReplicationRunner
    from simulation.scenario_io import load_planning
    from simulation.scenarios import Scenario, ScheduledIntervention

    example = example_project_path()
    project, catalog, _ = _step("load the example", lambda: load_planning(example))
    if CHECK_INTERVENTION not in catalog:
        raise SelfCheckError(f"load the catalog: intervention {CHECK_INTERVENTION!r} is missing "
                             "from the bundled catalog")
    scenario = Scenario("Self-check scenario", (ScheduledIntervention(CHECK_INTERVENTION, 1),))
    with ReplicationRunner(WORKERS) as runner:
        story = _step("simulate", lambda: build_story(project, catalog, [scenario], runner.run,
                                                      REPLICATIONS, SEED))
    target = folder / "self-check.pdf"
    _step("export the PDF report", lambda: export_pdf(story, target, dpi=72))
    data = target.read_bytes()
    if not data.startswith(b"%PDF"):
        raise SelfCheckError(f"export the PDF report: {target.name} is not a PDF file")
    per_month = story.baseline.experiments_per_month()["mean"]
    return project.name, per_month, len(data)


def _draw_offscreen() -> None:
    """Draw a pyqtgraph chart into an image without showing a window."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import pyqtgraph
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([sys.argv[0]])
    widget = pyqtgraph.PlotWidget()
    widget.resize(320, 200)
    widget.plot([0, 1, 2, 3], [0, 2, 1, 3])
    image = widget.grab().toImage()
    widget.deleteLater()
    app.processEvents()
    if image.isNull() or image.width() == 0:
        raise RuntimeError("the chart rendered to an empty image")


def _import_window() -> str:
    """Import the window's modules without creating it; return what was found."""
    try:
        importlib.import_module("desktop.main_window")
    except ModuleNotFoundError as error:
        if error.name and error.name.startswith("desktop"):
            return "window not in this build"
        raise
    return "window modules OK"


def run_self_check() -> int:
    """Run every step; print one line; return 0 when all pass and 1 otherwise."""
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="velocity-planner-check-") as folder:
            name, per_month, size = _simulate_and_export(Path(folder))
        _step("draw a chart offscreen", _draw_offscreen)
        window = _step("import the window", _import_window)
    except SelfCheckError as error:
        print(f"self-check failed: {error}", file=sys.stderr)
        return 1
    seconds = time.monotonic() - started
    print(f"self-check passed: {name!r} simulated ({REPLICATIONS} replications, "
          f"{per_month:.1f} experiments a month), PDF report {size / 1024:.0f} KB, "
          f"Qt offscreen chart OK, {window}, {seconds:.1f} s")
    return 0


def main() -> int:
    return run_self_check()


if __name__ == "__main__":
    sys.exit(main())
