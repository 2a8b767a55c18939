"""Where the bundled files are: the example project, the template and more.

``resources/`` sits beside the ``desktop`` package in the source tree, which an editable
install (``pip install -e .``) keeps in place.
"""

from __future__ import annotations

from pathlib import Path

# TODO: ship resources/ as package data so that a wheel install finds them too; today
# only a source checkout or an editable install has this folder.
RESOURCES = Path(__file__).resolve().parents[1] / "resources"
EXAMPLE_PROJECT = RESOURCES / "examples" / "recsys_team.json"
TEMPLATE_PROJECT = RESOURCES / "templates" / "standard_pipeline.json"
