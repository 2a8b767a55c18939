"""Measure the window's responsiveness on the bundled example.

    python benchmarks/desktop_latency.py [--edits 5] [--platform offscreen|xcb]

Start-up: a fresh process opens the window as ``--demo`` does. The times run from just
before the process is created to the main window's first paint, to the first preview on the
charts and to the first full run.

Edit latency, in the same window: a stage duration changed in the stage table (a committed
edit, which runs after ``commit_delay_ms``), and the fixed cost per experiment typed into
its field key by key (which runs ``debounce_ms`` after the last key). The times are from the
edit (the last key) to the updated preview on the charts and to the refined figures of the
full run, so they include that pause.

The window uses the settings a user gets by default (preview and full replications,
workers, debounce), read from ``desktop.settings.RunSettings``, but a temporary settings
file and recovery folder, so the user's own are not touched.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CHILD_FLAG = "--child"
TARGETS_S = {"edit_to_preview": 0.5, "edit_to_full": 3.0, "start_to_first_paint": 3.0}


def run_child(edits: int, settings_dir: str) -> None:
    """Inside the measured process: open the window, then edit and time the reruns."""
    from pathlib import Path

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QSettings, Qt, QTimer
    from PySide6.QtTest import QTest

    from desktop import app as app_module
    from desktop import theme
    from desktop.recovery import RecoveryStore
    from desktop.settings import Settings

    events: dict[str, float] = {}
    app = app_module.create_application()
    settings = Settings(QSettings(str(Path(settings_dir) / "settings.ini"),
                                  QSettings.Format.IniFormat))
    theme.apply("light")
    window = app_module.build_window(settings, RecoveryStore(Path(settings_dir) / "recovery"))

    class FirstPaint(QObject):
        def eventFilter(self, watched, event) -> bool:
            if event.type() == QEvent.Type.Paint and "first_paint" not in events:
                events["first_paint"] = time.time()
            return False

    painter_watch = FirstPaint()
    window.installEventFilter(painter_watch)
    shown: list[tuple[str, float]] = []
    window.figures_shown.connect(lambda figures: shown.append((figures.phase, time.time())))
    window.show()
    QTimer.singleShot(0, lambda: app_module.open_initial_project(
        window, app_module.Options(demo=True, project=None)))

    def wait_for(phase: str, after: float, timeout_s: float = 60.0) -> float:
        """Block in an event loop (not a busy loop, which would take a core) until shown."""
        def seen() -> float | None:
            return next((at for seen_phase, at in shown
                         if seen_phase == phase and at >= after), None)

        loop = QEventLoop()
        window.figures_shown.connect(loop.quit)
        QTimer.singleShot(int(timeout_s * 1000), loop.quit)
        deadline = time.time() + timeout_s
        while seen() is None and time.time() < deadline:
            loop.exec()
        window.figures_shown.disconnect(loop.quit)
        if seen() is None:
            raise TimeoutError(f"no {phase} figures within {timeout_s:.0f} s")
        return seen()

    events["first_preview"] = wait_for("preview", 0.0)
    events["first_full"] = wait_for("full", 0.0)

    model = window.editor.stages.model
    row = window.document.stage_names().index("data_preparation")
    column = 5  # the second duration parameter: "likely" of a PERT distribution
    original = float(model.data(model.index(row, column), Qt.ItemDataRole.EditRole))
    cost = next(field for field in window.editor.project_settings.binder.fields
                if field.relative_path == ("fixed_cost_per_experiment",))
    samples = []
    for number in range(edits):
        value = original * (0.8 if number % 2 == 0 else 1.0)
        edited_at = time.time()
        model.setData(model.index(row, column), repr(value), Qt.ItemDataRole.EditRole)
        preview_at = wait_for("preview", edited_at)
        full_at = wait_for("full", edited_at)
        cost.editor.selectAll()
        QTest.keyClicks(cost.editor, "350" if number % 2 == 0 else "300")
        typed_at = time.time()
        typed_preview_at = wait_for("preview", typed_at)
        typed_full_at = wait_for("full", typed_at)
        samples.append({"edit_to_preview": preview_at - edited_at,
                        "edit_to_full": full_at - edited_at,
                        "typing_to_preview": typed_preview_at - typed_at,
                        "typing_to_full": typed_full_at - typed_at})
    window.document.undo_stack.setClean()  # close without the unsaved-changes question
    window.close()
    app.processEvents()
    print(json.dumps({"events": events, "edits": samples,
                      "run_settings": vars(settings.run_settings())}), flush=True)


def measure(edits: int, platform: str) -> dict:
    environment = dict(os.environ, QT_QPA_PLATFORM=platform)
    with tempfile.TemporaryDirectory() as settings_dir:
        started = time.time()
        completed = subprocess.run(
            [sys.executable, __file__, CHILD_FLAG, str(edits), settings_dir],
            env=environment, capture_output=True, text=True, timeout=600, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"the measured window failed (exit {completed.returncode}):\n"
                           f"{completed.stderr[-3000:]}")
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    report["startup"] = {f"start_to_{name}": at - started
                         for name, at in report.pop("events").items()}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=5, help="edits to time (default 5)")
    parser.add_argument("--platform", default="offscreen",
                        help="Qt platform: offscreen (default) or xcb under a display")
    parser.add_argument("--repeat", type=int, default=3,
                        help="fresh processes to start, for the start-up times (default 3)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (other processes on this machine)")
    reports = [measure(args.edits, args.platform) for _ in range(args.repeat)]
    print(f"settings: {reports[0]['run_settings']}; {os.cpu_count()} cores; "
          f"platform {args.platform}")
    for key in ("start_to_first_paint", "start_to_first_preview", "start_to_first_full"):
        values = [report["startup"][key] for report in reports]
        print(f"{key:24} median {statistics.median(values):5.2f} s  "
              f"(runs: {', '.join(f'{v:.2f}' for v in values)})")
    for key in ("edit_to_preview", "edit_to_full", "typing_to_preview", "typing_to_full"):
        values = [sample[key] for report in reports for sample in report["edits"]]
        print(f"{key:24} median {statistics.median(values):5.2f} s  max {max(values):5.2f} s "
              f"over {len(values)} edits")
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    print("targets: " + ", ".join(f"{key} < {value:g} s" for key, value in TARGETS_S.items()))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == CHILD_FLAG:
        run_child(int(sys.argv[2]), sys.argv[3])
    else:
        main()
