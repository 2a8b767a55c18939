"""Locations of the bundled files: the intervention catalog, examples and templates.

From a source checkout or an editable install, ``resources/`` sits beside the ``simulation``
package. In a PyInstaller bundle the build spec copies the folder into the bundle, and the
bootloader sets ``sys._MEIPASS`` to the folder the bundle unpacked its data into.
"""

from __future__ import annotations

import sys
from pathlib import Path

EXAMPLE_PROJECT_NAME = "recsys_team.json"


def resources_dir() -> Path:
    """Return the ``resources`` folder, in the source tree or inside a bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if getattr(sys, "frozen", False) and bundle:
        return Path(bundle) / "resources"
    # TODO: a wheel install has no resources/ folder, so ship it as package data to cover that.
    return Path(__file__).resolve().parents[1] / "resources"


def example_project_path() -> Path:
    """Return the bundled example project file."""
    return resources_dir() / "examples" / EXAMPLE_PROJECT_NAME
