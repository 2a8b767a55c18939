"""Where the bundled files are: the example project, the template and more.

``simulation.resources`` finds the folder; a wheel install does not have it yet (see the TODO
there).
"""

from __future__ import annotations

from simulation.resources import example_project_path, resources_dir

# The same lookup as the engine's, so the window finds its files inside a PyInstaller bundle
# as well as in a source checkout or an editable install.
RESOURCES = resources_dir()
EXAMPLE_PROJECT = example_project_path()
TEMPLATE_PROJECT = RESOURCES / "templates" / "standard_pipeline.json"
