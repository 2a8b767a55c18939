"""Scenarios and custom interventions stored in a project file beside the model.

A project document may carry ``"interventions"`` (the team's own, added to the catalog) and
``"scenarios"``: ``[{"name": ..., "interventions": [{"id": ..., "start_week": ...}]}]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulation.interventions import (
    Intervention,
    InterventionError,
    intervention_to_dict,
    load_catalog,
    parse_intervention,
)
from simulation.model import Project
from simulation.project_io import load_project, read_project_document
from simulation.scenarios import Scenario, ScheduledIntervention


def parse_scenarios(doc: Any) -> list[Scenario]:
    items = doc.get("scenarios", []) if isinstance(doc, dict) else []
    if not isinstance(items, list):
        raise InterventionError("scenarios: must be a list of scenarios")
    scenarios = []
    for index, item in enumerate(items):
        path = f"scenarios[{index}]"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InterventionError(f"{path}: must be an object with a 'name'")
        scheduled = []
        for position, entry in enumerate(item.get("interventions", [])):
            where = f"{path}.interventions[{position}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
                raise InterventionError(f"{where}: must be an object with an 'id'")
            week = entry.get("start_week", 1)
            if isinstance(week, bool) or not isinstance(week, int):
                raise InterventionError(f"{where}.start_week: must be a whole week number "
                                        f"(got {week!r})")
            scheduled.append(ScheduledIntervention(entry["id"], week))
        scenarios.append(Scenario(item["name"], tuple(scheduled)))
    return scenarios


def scenarios_to_doc(scenarios: list[Scenario]) -> list[dict]:
    return [{"name": scenario.name,
             "interventions": [{"id": item.intervention_id, "start_week": item.start_week}
                               for item in scenario.interventions]}
            for scenario in scenarios]


def project_catalog(doc: Any, base: dict[str, Intervention] | None = None,
                    ) -> dict[str, Intervention]:
    """Merge the project's own interventions into the bundled catalog, replacing equal ids."""
    catalog = dict(load_catalog() if base is None else base)
    items = doc.get("interventions", []) if isinstance(doc, dict) else []
    if not isinstance(items, list):
        raise InterventionError("interventions: must be a list of interventions")
    for index, item in enumerate(items):
        intervention = parse_intervention(item, f"interventions[{index}]")
        catalog[intervention.id] = intervention
    return catalog


def custom_interventions_doc(catalog: dict[str, Intervention],
                             bundled: dict[str, Intervention]) -> list[dict]:
    """List, for saving, the interventions of ``catalog`` that differ from the bundled ones."""
    return [intervention_to_dict(item) for ident, item in catalog.items()
            if bundled.get(ident) != item]


def load_planning(path: str | Path) -> tuple[Project, dict[str, Intervention], list[Scenario]]:
    """Read a project file with its catalog and scenarios; errors name the file."""
    path = Path(path)
    project = load_project(path)
    doc = read_project_document(path)
    try:
        return project, project_catalog(doc), parse_scenarios(doc)
    except InterventionError as error:
        raise InterventionError(f"{path}: {error}") from None
