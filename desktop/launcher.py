"""The ``velocity-planner`` entry point: the window without a subcommand, else the command line.

Qt is imported only when the window opens, so headless commands start fast and need no display.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections.abc import Sequence

from simulation.cli import main as command_line_main

WINDOW_OPTIONS = ("--demo",)
SELF_CHECK_OPTION = "--self-check"


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments == [SELF_CHECK_OPTION]:
        from desktop.self_check import run_self_check

        return run_self_check()
    opens_window = not arguments or (arguments[0].startswith("--")
                                     and arguments[0] in WINDOW_OPTIONS) or (
        len(arguments) == 1 and arguments[0].endswith(".json"))
    if opens_window:
        if not _has_display():
            print("velocity-planner: no display to open the window on (DISPLAY and "
                  "WAYLAND_DISPLAY are unset). Run it on a desktop, or use a subcommand, for "
                  "example: velocity-planner simulate resources/examples/recsys_team.json",
                  file=sys.stderr)
            return 2
        from desktop.app import run_application

        return run_application(arguments)
    return command_line_main(arguments)


def _has_display() -> bool:
    """Tell whether Qt can open a window: on Linux without X11 or Wayland it would abort."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


if __name__ == "__main__":
    # In a PyInstaller bundle the runner's spawned workers start this executable again;
    # freeze_support() turns such a start into a worker. Outside a bundle it does nothing.
    multiprocessing.freeze_support()
    sys.exit(main())
