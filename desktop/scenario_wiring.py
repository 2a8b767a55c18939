"""The one place where the window meets the scenario engine (``simulation.scenarios``).

A scenario is a name plus a list of interventions from the catalog, each with the week it
starts (week 1 starts at day 0); exactly one scenario is the baseline that the cards compare
the others with. In a document and in the project file (top-level key ``scenarios``, the
format of ``simulation.scenario_io``) a scenario reads::

    {"name": "Faster reviews", "baseline": false,
     "interventions": [{"id": "frequent_review_meetings", "start_week": 4}]}

``baseline`` is the window's addition; files without it get a baseline named "Baseline"
without interventions, which is what the command line compares against. A project file may
also carry its own ``interventions``, which join the bundled catalog and are kept on save.

Every scenario of a run uses the same seed, so replication r of each scenario sees the same
random draws (common random numbers) and the differences come from the interventions.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

from simulation.interventions import Intervention, InterventionError, load_catalog
from simulation.model import Project
from simulation.scenario_io import project_catalog
from simulation.scenarios import (
    BASELINE,
    DAYS_PER_WEEK,
    Scenario,
    ScenarioPlan,
    ScheduledIntervention,
    check_scenario,
)
from simulation.timeline import Timeline

BASELINE_NAME = BASELINE
SCENARIOS_KEY = "scenarios"
INTERVENTIONS_KEY = "interventions"


@dataclass(frozen=True)
class CatalogEntry:
    """An intervention a scenario can include, as the scenario panel lists it."""

    id: str
    name: str
    description: str = ""
    category: str = ""


def default_scenarios() -> list[dict]:
    return [{"name": BASELINE_NAME, "baseline": True, "interventions": []}]


@functools.lru_cache(maxsize=1)
def bundled_catalog() -> dict[str, Intervention]:
    return load_catalog()


def full_catalog(custom: list[dict]) -> dict[str, Intervention]:
    """Return the bundled catalog plus the project's own interventions (these win on ids)."""
    return project_catalog({INTERVENTIONS_KEY: custom}, base=bundled_catalog())


def catalog_entries(custom: list[dict]) -> list[CatalogEntry]:
    """Return the interventions a scenario can include, ordered by category and name."""
    try:
        catalog = full_catalog(custom)
    except InterventionError:
        catalog = bundled_catalog()
    entries = [CatalogEntry(item.id, item.name, item.description, item.category)
               for item in catalog.values()]
    return sorted(entries, key=lambda entry: (entry.category, entry.name.lower()))


def horizon_weeks(project: Project) -> int:
    return max(1, math.ceil(project.horizon_days / DAYS_PER_WEEK))


def baseline_name(scenarios: list[dict]) -> str:
    for scenario in scenarios:
        if scenario.get("baseline"):
            return str(scenario.get("name", "")).strip()
    return BASELINE_NAME


# -- files ----------------------------------------------------------------------------------


def scenarios_from_file(doc: Any) -> list[dict]:
    """Return the scenario documents of a project file, with exactly one baseline flagged.

    The list is returned as stored apart from the flag, so ``check_scenarios`` can name the
    problems of a broken one.
    """
    stored = doc.get(SCENARIOS_KEY) if isinstance(doc, dict) else None
    if stored is None:
        return default_scenarios()
    if not isinstance(stored, list):
        return stored
    scenarios = [dict(item) if isinstance(item, dict) else item for item in stored]
    flagged = [item for item in scenarios if isinstance(item, dict) and item.get("baseline")]
    if flagged:
        return scenarios
    for item in scenarios:
        if isinstance(item, dict) and item.get("name") == BASELINE_NAME:
            item["baseline"] = True
            return scenarios
    return default_scenarios() + scenarios


def custom_interventions_from_file(doc: Any) -> list[dict]:
    items = doc.get(INTERVENTIONS_KEY, []) if isinstance(doc, dict) else []
    return items if isinstance(items, list) else []


def file_extra(scenarios: list[dict], custom: list[dict]) -> dict:
    """Return the top-level keys a saved project file stores besides the project."""
    extra: dict[str, Any] = {SCENARIOS_KEY: scenarios}
    if custom:
        extra[INTERVENTIONS_KEY] = custom
    return extra


# -- checks ---------------------------------------------------------------------------------


def check_scenarios(scenarios: Any, project: Project | None, custom: list[dict]) -> list[str]:
    """Return one message per problem, with paths like ``scenarios[1].interventions[0]``.

    Interventions are checked against ``project`` only when it is valid, because a broken
    project already has its own messages.
    """
    if not isinstance(scenarios, list) or not scenarios:
        return [f"{SCENARIOS_KEY}: must be a non-empty list of scenarios (got {scenarios!r})"]
    try:
        catalog = full_catalog(custom)
    except InterventionError as error:
        return [f"{INTERVENTIONS_KEY}: {line}" for line in str(error).splitlines()]
    problems: list[str] = []
    seen: set[str] = set()
    baselines = 0
    for index, scenario in enumerate(scenarios):
        path = f"{SCENARIOS_KEY}[{index}]"
        if not isinstance(scenario, dict):
            problems.append(f"{path}: must be an object with a name (got {scenario!r})")
            continue
        name = scenario.get("name")
        if not isinstance(name, str) or not name.strip():
            problems.append(f"{path}.name: missing; give the scenario a name")
        elif name.strip() in seen:
            problems.append(f"{path}.name: duplicate name {name!r}; scenario names must be "
                            "unique")
        else:
            seen.add(name.strip())
        baselines += bool(scenario.get("baseline"))
        problems += _check_interventions(scenario, path, project, catalog)
    if baselines != 1:
        problems.append(f"{SCENARIOS_KEY}: exactly one scenario must be the baseline "
                        f"(got {baselines})")
    return problems


def _check_interventions(scenario: dict, path: str, project: Project | None,
                         catalog: dict[str, Intervention]) -> list[str]:
    items = scenario.get("interventions", [])
    if not isinstance(items, list):
        return [f"{path}.interventions: must be a list (got {items!r})"]
    problems = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        item_path = f"{path}.interventions[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{item_path}: must be an object with an id and a start_week")
            continue
        ident, week = item.get("id"), item.get("start_week", 1)
        if ident not in catalog:
            problems.append(f"{item_path}.id: unknown intervention {ident!r}; pick one from "
                            "the catalog")
            continue
        if ident in seen:
            problems.append(f"{item_path}.id: {ident!r} is scheduled twice in this scenario")
        seen.add(ident)
        if isinstance(week, bool) or not isinstance(week, int):
            problems.append(f"{item_path}.start_week: must be a whole week number (got "
                            f"{week!r})")
            continue
        if project is not None:
            single = Scenario(str(scenario.get("name")), (ScheduledIntervention(ident, week),))
            try:
                check_scenario(project, single, catalog)
            except InterventionError as error:
                for line in str(error).splitlines():
                    # Drop the engine's "scenario 'X', interventions[0]: " prefix.
                    problems.append(f"{item_path}: {line.split(': ', 1)[-1]}")
    return problems


# -- runs -----------------------------------------------------------------------------------


def to_scenario(doc: dict) -> Scenario:
    items = tuple(ScheduledIntervention(str(item["id"]), int(item.get("start_week", 1)))
                  for item in doc.get("interventions", []))
    return Scenario(str(doc["name"]).strip(), items)


def run_models(project: Project, scenarios: list[dict],
               custom: list[dict]) -> dict[str, Timeline | ScenarioPlan]:
    """Return what ``ReplicationRunner.run`` simulates for each scenario, by scenario name.

    The order is the scenario list's, which sets each scenario's colour. A scenario without
    interventions runs the project unchanged; the others run a ``ScenarioPlan``, which draws
    each replication's intervention effects.
    """
    catalog = full_catalog(custom)
    models: dict[str, Timeline | ScenarioPlan] = {}
    for doc in scenarios:
        scenario = to_scenario(doc)
        if scenario.interventions:
            models[scenario.name] = ScenarioPlan(project, scenario, catalog)
        else:
            models[scenario.name] = Timeline.constant(project)
    return models
