"""Interventions: named, documented changes to a project that start at a chosen week.

An effect edits one parameter, addressed by a path:

- ``stages.NAME.FIELD``: one stage; ``stages@people.FIELD`` or ``stages@machine.FIELD``: every
  stage served by a people or machine pool. FIELD is ``duration``, ``units``,
  ``review.slots``, ``review.weekdays``, ``rework.probability``, ``early_stopping.share`` or
  ``early_stopping.at_fraction``.
- ``pools.NAME.FIELD``, ``pools@people.FIELD`` or ``pools@machine.FIELD``: FIELD is
  ``capacity`` or ``cost_per_hour``.
- ``wip_limit``, ``fixed_cost_per_experiment``, ``actionable_probability``, ``demand.per_week``.

``scale`` multiplies, ``add`` adds and ``set`` replaces. On a duration, ``add`` and ``set``
act on the mean in days and the distribution keeps its shape. Each numeric effect has a
low, likely and high value: every replication draws its own value from a triangular
distribution over them, so the uncertainty of the intervention is simulated too.
"""

from __future__ import annotations

import dataclasses
import json
import math
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from simulation.distributions import mean_days
from simulation.model import EarlyStopping, Project, Stage
from simulation.resources import resources_dir

Operation = Literal["scale", "add", "set"]
OPERATIONS = ("scale", "add", "set")
STAGE_FIELDS = ("duration", "units", "review.slots", "review.weekdays", "rework.probability",
                "early_stopping.share", "early_stopping.at_fraction")
POOL_FIELDS = ("capacity", "cost_per_hour")
PROJECT_FIELDS = ("wip_limit", "fixed_cost_per_experiment", "actionable_probability",
                  "demand.per_week")
INTEGER_FIELDS = ("units", "review.slots", "capacity", "wip_limit")
DEFAULT_AT_FRACTION = 0.25


class InterventionError(ValueError):
    """An intervention that cannot be applied; the message names it and the fix."""


@dataclass(frozen=True)
class Effect:
    """One parameter edit. ``value`` is for a ``set`` of a list, such as review weekdays."""

    target: str
    operation: Operation
    low: float | None = None
    likely: float | None = None
    high: float | None = None
    value: tuple[int, ...] | None = None

    def draw(self, u: float) -> float:
        """Return the effect size at probability ``u`` of its triangular distribution."""
        low, likely, high = self.low, self.likely, self.high
        if high == low:
            return likely
        split = (likely - low) / (high - low)
        if u < split:
            return low + math.sqrt(u * (high - low) * (likely - low))
        return high - math.sqrt((1 - u) * (high - low) * (high - likely))


@dataclass(frozen=True)
class Intervention:
    """A change the team can make, with what it costs and how long it takes to roll out."""

    id: str
    name: str
    effects: tuple[Effect, ...]
    description: str = ""
    source: str = ""
    ramp_up_weeks: int = 0
    one_time_cost: float = 0.0
    monthly_cost: float = 0.0
    rollout_person_days: float = 0.0
    rollout_pool: str | None = None
    category: str = ""

    def stream_key(self) -> int:
        """Return a stable number, derived from the id, for this intervention's random stream."""
        return zlib.crc32(self.id.encode("utf-8"))

    def cost_over(self, days_active: float) -> float:
        """Return the one-time cost plus the monthly cost over ``days_active`` days."""
        return self.one_time_cost + self.monthly_cost * max(0.0, days_active) / 30.0


# -- reading interventions --------------------------------------------------------------


def parse_intervention(doc: Any, path: str = "intervention") -> Intervention:
    """Build an ``Intervention`` from its JSON document, or raise ``InterventionError``."""
    if not isinstance(doc, dict):
        raise InterventionError(f"{path}: must be an object (got {doc!r})")
    problems: list[str] = []
    ident = doc.get("id")
    if not isinstance(ident, str) or not ident.strip():
        problems.append(f"{path}.id: missing; give a short identifier like 'faster_reviews'")
    effects_doc = doc.get("effects")
    effects = []
    if not isinstance(effects_doc, list) or not effects_doc:
        problems.append(f"{path}.effects: must be a non-empty list of effects")
    else:
        for index, effect_doc in enumerate(effects_doc):
            try:
                effects.append(_parse_effect(effect_doc, f"{path}.effects[{index}]"))
            except InterventionError as error:
                problems.append(str(error))
    numbers = {}
    for key in ("ramp_up_weeks", "one_time_cost", "monthly_cost", "rollout_person_days"):
        value = doc.get(key, 0)
        if not _is_number(value) or value < 0:
            problems.append(f"{path}.{key}: must be a number >= 0 (got {value!r})")
        else:
            numbers[key] = value
    if problems:
        raise InterventionError("\n".join(problems))
    return Intervention(
        id=ident.strip(), name=str(doc.get("name") or ident), effects=tuple(effects),
        description=str(doc.get("description", "")), source=str(doc.get("source", "")),
        ramp_up_weeks=int(numbers["ramp_up_weeks"]),
        one_time_cost=float(numbers["one_time_cost"]),
        monthly_cost=float(numbers["monthly_cost"]),
        rollout_person_days=float(numbers["rollout_person_days"]),
        rollout_pool=doc.get("rollout_pool"), category=str(doc.get("category", "")),
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _parse_effect(doc: Any, path: str) -> Effect:
    if not isinstance(doc, dict):
        raise InterventionError(f"{path}: must be an object (got {doc!r})")
    target, operation = doc.get("target"), doc.get("operation")
    if not isinstance(target, str):
        raise InterventionError(f"{path}.target: missing; give a parameter path such as "
                                "'stages.training.duration'")
    _check_target_syntax(target, f"{path}.target")
    if operation not in OPERATIONS:
        raise InterventionError(f"{path}.operation: must be one of {', '.join(OPERATIONS)} "
                                f"(got {operation!r})")
    if target.endswith("review.weekdays"):
        return _parse_weekdays_effect(doc, target, path)
    if "likely" in doc or "low" in doc or "high" in doc:
        values = [doc.get(key, doc.get("likely")) for key in ("low", "likely", "high")]
    else:
        values = [doc.get("value")] * 3
    if not all(_is_number(v) for v in values):
        raise InterventionError(f"{path}: give numbers for low, likely and high, or a single "
                                f"value (got {values!r})")
    low, likely, high = (float(v) for v in values)
    if not min(low, high) <= likely <= max(low, high):
        raise InterventionError(f"{path}.likely: must lie between low and high "
                                f"(got {low:g}, {likely:g}, {high:g})")
    low, high = min(low, high), max(low, high)
    return Effect(target=target, operation=operation, low=low, likely=likely, high=high)


def _parse_weekdays_effect(doc: dict, target: str, path: str) -> Effect:
    value = doc.get("value")
    valid = isinstance(value, list) and value and all(
        isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in value)
    if doc.get("operation") != "set" or not valid:
        raise InterventionError(f"{path}: review weekdays take operation 'set' and a value "
                                "such as [0, 3] (0 is Monday)")
    return Effect(target=target, operation="set", value=tuple(sorted(set(value))))


def _check_target_syntax(target: str, path: str) -> None:
    if target in PROJECT_FIELDS:
        return
    head, _, rest = target.partition(".")
    collection, _, kind = head.partition("@")
    if collection in ("stages", "pools"):
        fields = STAGE_FIELDS if collection == "stages" else POOL_FIELDS
        if kind:
            selector_ok, field_name = kind in ("people", "machine"), rest
        else:
            name, _, field_name = rest.partition(".")
            selector_ok = bool(name)
        if selector_ok and field_name in fields:
            return
    raise InterventionError(
        f"{path}: unknown parameter path {target!r}; use stages.NAME.FIELD or "
        f"stages@people.FIELD (FIELD: {', '.join(STAGE_FIELDS)}), pools.NAME.FIELD (FIELD: "
        f"{', '.join(POOL_FIELDS)}) or one of {', '.join(PROJECT_FIELDS)}")


def load_catalog(path: str | Path | None = None) -> dict[str, Intervention]:
    """Read the intervention catalog (the bundled one by default), keyed by id."""
    path = Path(path) if path else default_catalog_path()
    doc = json.loads(path.read_text(encoding="utf-8"))
    interventions = [parse_intervention(item, f"{path.name}: interventions[{index}]")
                     for index, item in enumerate(doc.get("interventions", []))]
    return {intervention.id: intervention for intervention in interventions}


def default_catalog_path() -> Path:
    return resources_dir() / "interventions.json"


def intervention_to_dict(intervention: Intervention) -> dict:
    doc = dataclasses.asdict(intervention)
    doc["effects"] = [{key: value for key, value in dataclasses.asdict(effect).items()
                       if value is not None} for effect in intervention.effects]
    for effect in doc["effects"]:
        if "value" in effect:
            effect["value"] = list(effect["value"])
    return doc


# -- applying effects -------------------------------------------------------------------


def apply_effect(project: Project, effect: Effect, size: float, fraction: float,
                 label: str) -> Project:
    """Return ``project`` with ``effect`` applied at ``size``, phased in to ``fraction``.

    ``fraction`` runs from 0 (no effect yet) to 1 (fully in force) over the ramp-up.
    """
    target = effect.target
    if target in PROJECT_FIELDS:
        return _apply_to_project_field(project, effect, size, fraction, label)
    head, _, rest = target.partition(".")
    collection, _, kind = head.partition("@")
    if kind:
        names, field_name = _names_of_kind(project, collection, kind), rest
        if not names:
            raise InterventionError(f"{label}: {target!r} matches no {collection[:-1]} served "
                                    f"by a {kind} pool in this project")
    else:
        name, _, field_name = rest.partition(".")
        names = [name]
    for name in names:
        if collection == "stages":
            project = _apply_to_stage(project, name, field_name, effect, size, fraction, label)
        else:
            project = _apply_to_pool(project, name, field_name, effect, size, fraction, label)
    return project


def _names_of_kind(project: Project, collection: str, kind: str) -> list[str]:
    kinds = {pool.name: pool.kind for pool in project.pools}
    if collection == "pools":
        return [pool.name for pool in project.pools if pool.kind == kind]
    return [stage.name for stage in project.stages
            if (kinds.get(stage.pool, "people") if stage.pool else "people") == kind]


def _edit_number(current: float, operation: str, size: float, fraction: float) -> float:
    if operation == "scale":
        return current * (1 + fraction * (size - 1))
    if operation == "add":
        return current + fraction * size
    return current + fraction * (size - current)


def _edit_field(current: float, field_name: str, effect: Effect, size: float,
                fraction: float, label: str) -> float | int:
    value = _edit_number(current, effect.operation, size, fraction)
    if field_name.split(".")[-1] in {f.split(".")[-1] for f in INTEGER_FIELDS}:
        value = int(round(value))
        if value < 1:
            raise InterventionError(f"{label}: {effect.target} would become {value}; it must "
                                    "stay >= 1")
        return value
    if value < 0:
        raise InterventionError(f"{label}: {effect.target} would become {value:g}; it must "
                                "stay >= 0")
    return value


def _apply_to_project_field(project: Project, effect: Effect, size: float, fraction: float,
                            label: str) -> Project:
    if effect.target == "demand.per_week":
        if project.demand.kind != "poisson":
            raise InterventionError(f"{label}: demand.per_week needs Poisson demand")
        rate = _edit_field(project.demand.per_week, "per_week", effect, size, fraction, label)
        return replace(project, demand=replace(project.demand, per_week=rate))
    current = getattr(project, effect.target)
    if current is None:
        raise InterventionError(f"{label}: this project has no {effect.target} to change")
    value = _edit_field(current, effect.target, effect, size, fraction, label)
    if effect.target == "actionable_probability":
        value = min(value, 1.0)
    return replace(project, **{effect.target: value})


def _apply_to_pool(project: Project, name: str, field_name: str, effect: Effect, size: float,
                   fraction: float, label: str) -> Project:
    pools = list(project.pools)
    index = next((i for i, pool in enumerate(pools) if pool.name == name), None)
    if index is None:
        known = ", ".join(pool.name for pool in pools)
        raise InterventionError(f"{label}: unknown pool {name!r} in {effect.target!r}; "
                                f"this project has: {known}")
    value = _edit_field(getattr(pools[index], field_name), field_name, effect, size, fraction,
                        label)
    pools[index] = replace(pools[index], **{field_name: value})
    return replace(project, pools=tuple(pools))


def _apply_to_stage(project: Project, name: str, field_name: str, effect: Effect, size: float,
                    fraction: float, label: str) -> Project:
    stages = list(project.stages)
    index = next((i for i, stage in enumerate(stages) if stage.name == name), None)
    if index is None:
        known = ", ".join(stage.name for stage in stages)
        raise InterventionError(f"{label}: unknown stage {name!r} in {effect.target!r}; "
                                f"this project has: {known}")
    stages[index] = _edit_stage(stages[index], field_name, effect, size, fraction, label)
    return replace(project, stages=tuple(stages))


def _edit_stage(stage: Stage, field_name: str, effect: Effect, size: float, fraction: float,
                label: str) -> Stage:
    if field_name == "duration":
        return replace(stage, duration=_edit_duration(stage, effect, size, fraction, label))
    if field_name == "units":
        return replace(stage, units=_edit_field(stage.units, "units", effect, size, fraction,
                                                label))
    group, _, leaf = field_name.partition(".")
    if group == "review":
        if stage.review is None:
            raise InterventionError(f"{label}: stage {stage.name!r} has no review meetings "
                                    f"to change ({effect.target})")
        if leaf == "weekdays":
            return replace(stage, review=replace(stage.review, weekdays=effect.value))
        slots = _edit_field(stage.review.slots, "slots", effect, size, fraction, label)
        return replace(stage, review=replace(stage.review, slots=slots))
    if group == "rework":
        if stage.rework is None:
            raise InterventionError(f"{label}: stage {stage.name!r} has no rework to change")
        value = min(_edit_field(stage.rework.probability, leaf, effect, size, fraction, label),
                    0.99)
        return replace(stage, rework=replace(stage.rework, probability=value))
    early = stage.early_stopping or EarlyStopping(share=0.0, at_fraction=DEFAULT_AT_FRACTION)
    value = min(_edit_field(getattr(early, leaf), leaf, effect, size, fraction, label), 1.0)
    return replace(stage, early_stopping=replace(early, **{leaf: value}))


def _edit_duration(stage: Stage, effect: Effect, size: float, fraction: float, label: str):
    mean = mean_days(stage.duration)
    if effect.operation == "scale":
        factor = 1 + fraction * (size - 1)
    elif mean <= 0:
        raise InterventionError(f"{label}: stage {stage.name!r} has a zero duration; use "
                                "'scale' or change the stage first")
    else:
        factor = _edit_number(mean, effect.operation, size, fraction) / mean
    if factor < 0:
        raise InterventionError(
            f"{label}: {effect.target} would make the mean duration of {stage.name!r} "
            f"negative ({mean * factor:.2f} days); use a smaller reduction")
    return stage.duration.scaled(factor)
