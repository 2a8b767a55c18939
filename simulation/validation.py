"""Reading a project document into the model, with every problem named by its field path.

A project is validated once here; the engine then trusts it. ``parse_project`` collects all
problems it can find before raising, so a user fixes a file in one pass.
"""

from __future__ import annotations

import datetime
import difflib
import math
from collections.abc import Callable
from typing import Any

from simulation.model import (
    SCHEMA_VERSION,
    Calendar,
    Demand,
    Distribution,
    EarlyStopping,
    Goal,
    InitialWork,
    Pool,
    Project,
    ReviewMeetings,
    Rework,
    Stage,
)

DISTRIBUTION_FIELDS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "uniform": ("min", "max"),
    "triangular": ("min", "likely", "max"),
    "pert": ("min", "likely", "max"),
    "lognormal": ("median", "p90"),
    "exponential": ("mean",),
    "empirical": ("samples",),
}
MAX_EMPIRICAL_SAMPLES = 100_000
MAX_HORIZON_DAYS = 36_500  # a hundred years: long enough for steady-state checks
TOP_LEVEL_FIELDS = (
    "schema_version", "name", "description", "horizon_days", "calendar", "demand", "wip_limit",
    "initial_work", "pools", "stages", "actionable_probability", "fixed_cost_per_experiment",
    "goal", "interventions", "scenarios",
)


class ProjectError(ValueError):
    """A project document that cannot be used; ``problems`` lists one message per field."""

    def __init__(self, problems: list[str], source: str | None = None):
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "invalid project:\n  " + "\n  ".join(problems))


class _Problems:
    """Collects messages of the form ``path: rule (got value)``."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.messages.append(f"{path}: {message}")


def _check_keys(problems: _Problems, doc: dict, path: str, known: tuple[str, ...],
                typos_only: bool = False) -> None:
    """Report keys that are not fields of this object, suggesting the field meant.

    With ``typos_only`` a key is reported only when it is close to a known field, so other
    parts of the planner can keep their own keys there (scenarios, import notes).
    """
    for key in doc:
        if key in known or not isinstance(key, str):
            continue
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.75)
        if close:
            problems.add(f"{path}.{key}" if path else key,
                         f"unknown field; did you mean {close[0]!r}?")
        elif not typos_only:
            problems.add(f"{path}.{key}" if path else key,
                         f"unknown field; known fields: {', '.join(known)}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _number(problems: _Problems, doc: dict, key: str, path: str, default: Any = ...,
            minimum: float | None = None, strict: bool = False) -> Any:
    """Read a finite number; ``strict`` makes ``minimum`` exclusive."""
    if key not in doc or doc[key] is None:
        if default is ...:
            problems.add(f"{path}.{key}", "missing; give a number")
            return None
        return default
    value = doc[key]
    if not _is_number(value):
        problems.add(f"{path}.{key}", f"must be a number (got {value!r})")
        return None
    if minimum is not None:
        if strict and value <= minimum:
            problems.add(f"{path}.{key}", f"must be > {minimum:g} (got {value:g})")
            return None
        if not strict and value < minimum:
            problems.add(f"{path}.{key}", f"must be >= {minimum:g} (got {value:g})")
            return None
    return float(value)


def _integer(problems: _Problems, doc: dict, key: str, path: str, default: Any = ...,
             minimum: int = 0) -> Any:
    if key not in doc or doc[key] is None:
        if default is ...:
            problems.add(f"{path}.{key}", "missing; give a whole number")
            return None
        return default
    value = doc[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        problems.add(f"{path}.{key}", f"must be a whole number (got {value!r})")
        return None
    if value < minimum:
        problems.add(f"{path}.{key}", f"must be >= {minimum} (got {int(value)})")
        return None
    return int(value)


def _probability(problems: _Problems, doc: dict, key: str, path: str, default: Any = ...,
                 below_one: bool = False) -> Any:
    value = _number(problems, doc, key, path, default)
    if value is None or value is default:
        return value
    upper_ok = value < 1 if below_one else value <= 1
    if value < 0 or not upper_ok:
        bound = "0 <= p < 1" if below_one else "between 0 and 1"
        problems.add(f"{path}.{key}", f"must be a probability {bound} (got {value:g})")
        return None
    return value


def _text(problems: _Problems, doc: dict, key: str, path: str, default: Any = ...) -> Any:
    if key not in doc or doc[key] is None:
        if default is ...:
            problems.add(f"{path}.{key}", "missing; give a name")
            return None
        return default
    value = doc[key]
    if not isinstance(value, str) or not value.strip():
        problems.add(f"{path}.{key}", f"must be a non-empty text (got {value!r})")
        return None
    return value.strip()


def _object(problems: _Problems, doc: dict, key: str, path: str) -> dict | None:
    value = doc.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(f"{path}.{key}", f"must be an object (got {type(value).__name__})")
        return None
    return value


def _list_of_objects(problems: _Problems, doc: dict, key: str, path: str) -> list[dict]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        problems.add(f"{path}.{key}", f"must be a list (got {type(value).__name__})")
        return []
    items = []
    for index, item in enumerate(value):
        if isinstance(item, dict):
            items.append(item)
        else:
            problems.add(f"{path}.{key}[{index}]", f"must be an object (got {item!r})")
    return items


def parse_distribution(problems: _Problems, doc: Any, path: str) -> Distribution | None:
    if not isinstance(doc, dict):
        problems.add(path, f"must be an object with a 'kind' (got {doc!r})")
        return None
    kind = doc.get("kind")
    if kind not in DISTRIBUTION_FIELDS:
        known = ", ".join(DISTRIBUTION_FIELDS)
        problems.add(f"{path}.kind", f"unknown distribution {kind!r}; use one of: {known}")
        return None
    _check_keys(problems, doc, path, ("kind", *DISTRIBUTION_FIELDS[kind]))
    if kind == "empirical":
        return _parse_empirical(problems, doc, path)
    before = len(problems.messages)
    values = {name: _number(problems, doc, name, path, minimum=0.0)
              for name in DISTRIBUTION_FIELDS[kind]}
    if len(problems.messages) > before:
        return None
    if not _ordered_bounds(problems, kind, values, path):
        return None
    return Distribution(kind=kind, **values)


def _ordered_bounds(problems: _Problems, kind: str, values: dict, path: str) -> bool:
    checks = []
    if kind == "uniform":
        checks.append(("max", "min"))
    elif kind in ("triangular", "pert"):
        checks += [("likely", "min"), ("max", "likely")]
        if values["max"] == values["min"]:
            problems.add(f"{path}.max", f"must be > min (got {values['max']:g} = "
                                        f"{values['min']:g}); use a fixed duration for a constant")
            return False
    elif kind == "lognormal":
        if values["median"] <= 0:
            problems.add(f"{path}.median", f"must be > 0 (got {values['median']:g})")
            return False
        if values["p90"] <= values["median"]:
            problems.add(f"{path}.p90", f"must be > median (got {values['p90']:g} <= "
                                        f"{values['median']:g})")
            return False
    elif kind == "exponential" and values["mean"] <= 0:
        problems.add(f"{path}.mean", f"must be > 0 (got {values['mean']:g})")
        return False
    for upper, lower in checks:
        if values[upper] < values[lower]:
            problems.add(f"{path}.{upper}", f"must be >= {lower} "
                                            f"(got {values[upper]:g} < {values[lower]:g})")
            return False
    return True


def _parse_empirical(problems: _Problems, doc: dict, path: str) -> Distribution | None:
    samples = doc.get("samples")
    if not isinstance(samples, list) or not samples:
        problems.add(f"{path}.samples", "must be a non-empty list of durations in days")
        return None
    if len(samples) > MAX_EMPIRICAL_SAMPLES:
        problems.add(f"{path}.samples", f"has {len(samples)} values; keep at most "
                                        f"{MAX_EMPIRICAL_SAMPLES} (a random subset is enough)")
        return None
    for index, value in enumerate(samples):
        if not _is_number(value) or value < 0:
            problems.add(f"{path}.samples[{index}]", f"must be a duration >= 0 (got {value!r})")
            return None
    return Distribution(kind="empirical", samples=tuple(float(v) for v in samples))


def _parse_pool(problems: _Problems, doc: dict, path: str) -> Pool | None:
    before = len(problems.messages)
    _check_keys(problems, doc, path, ("name", "capacity", "cost_per_hour", "kind"))
    name = _text(problems, doc, "name", path)
    capacity = _integer(problems, doc, "capacity", path, minimum=0)
    cost = _number(problems, doc, "cost_per_hour", path, default=0.0, minimum=0.0)
    kind = doc.get("kind", "people")
    if kind not in ("people", "machine"):
        problems.add(f"{path}.kind", f"must be 'people' or 'machine' (got {kind!r})")
    if len(problems.messages) > before:
        return None
    return Pool(name=name, capacity=capacity, cost_per_hour=cost, kind=kind)


def _parse_review(problems: _Problems, doc: dict, path: str) -> ReviewMeetings | None:
    _check_keys(problems, doc, path, ("weekdays", "slots", "hour"))
    weekdays = doc.get("weekdays")
    if (not isinstance(weekdays, list) or not weekdays
            or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6
                       for d in weekdays)):
        problems.add(f"{path}.weekdays", "must be a non-empty list of weekdays, "
                                         f"0 (Monday) to 6 (Sunday) (got {weekdays!r})")
        return None
    slots = _integer(problems, doc, "slots", path, minimum=1)
    hour = _number(problems, doc, "hour", path, default=10.0, minimum=0.0)
    if hour is not None and hour >= 24:
        problems.add(f"{path}.hour", f"must be < 24 (got {hour:g})")
        return None
    if slots is None or hour is None:
        return None
    return ReviewMeetings(weekdays=tuple(sorted(set(weekdays))), slots=slots, hour=hour)


def _parse_stage(problems: _Problems, doc: dict, path: str) -> Stage | None:
    before = len(problems.messages)
    _check_keys(problems, doc, path, ("name", "duration", "pool", "units", "review", "rework",
                                      "early_stopping"))
    name = _text(problems, doc, "name", path)
    duration = parse_distribution(problems, doc.get("duration"), f"{path}.duration")
    pool = _text(problems, doc, "pool", path, default=None)
    units = _integer(problems, doc, "units", path, default=1, minimum=1)
    review = None
    if (review_doc := _object(problems, doc, "review", path)) is not None:
        review = _parse_review(problems, review_doc, f"{path}.review")
    rework = None
    if (rework_doc := _object(problems, doc, "rework", path)) is not None:
        _check_keys(problems, rework_doc, f"{path}.rework", ("probability", "to_stage"))
        probability = _probability(problems, rework_doc, "probability", f"{path}.rework",
                                   below_one=True)
        to_stage = _text(problems, rework_doc, "to_stage", f"{path}.rework")
        if probability is not None and to_stage is not None:
            rework = Rework(probability=probability, to_stage=to_stage)
    early = None
    if (early_doc := _object(problems, doc, "early_stopping", path)) is not None:
        _check_keys(problems, early_doc, f"{path}.early_stopping", ("share", "at_fraction"))
        share = _probability(problems, early_doc, "share", f"{path}.early_stopping")
        fraction = _probability(problems, early_doc, "at_fraction", f"{path}.early_stopping")
        if share is not None and fraction is not None:
            early = EarlyStopping(share=share, at_fraction=fraction)
    if len(problems.messages) > before:
        return None
    return Stage(name=name, duration=duration, pool=pool, units=units, review=review,
                 rework=rework, early_stopping=early)


def _parse_calendar(problems: _Problems, doc: dict | None) -> Calendar:
    if doc is None:
        return Calendar()
    path = "calendar"
    _check_keys(problems, doc, path, ("enabled", "start_date", "working_days_per_week",
                                      "hours_per_day"))
    enabled = doc.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.add(f"{path}.enabled", f"must be true or false (got {enabled!r})")
        enabled = True
    start = doc.get("start_date", Calendar.start_date)
    try:
        datetime.date.fromisoformat(str(start))
    except ValueError:
        problems.add(f"{path}.start_date", f"must be a date like 2027-01-04 (got {start!r})")
        start = Calendar.start_date
    days = _integer(problems, doc, "working_days_per_week", path, default=5, minimum=1)
    if days is not None and days > 7:
        problems.add(f"{path}.working_days_per_week", f"must be <= 7 (got {days})")
        days = None
    hours = _number(problems, doc, "hours_per_day", path, default=8.0, minimum=0.0, strict=True)
    if hours is not None and hours > 24:
        problems.add(f"{path}.hours_per_day", f"must be <= 24 (got {hours:g})")
        hours = None
    return Calendar(enabled=enabled, start_date=str(start), working_days_per_week=days or 5,
                    hours_per_day=hours or 8.0)


def _parse_demand(problems: _Problems, doc: dict | None) -> Demand:
    if doc is None:
        return Demand()
    _check_keys(problems, doc, "demand", ("kind", "per_week"))
    kind = doc.get("kind", "backlog")
    if kind == "backlog":
        return Demand(kind="backlog")
    if kind == "poisson":
        rate = _number(problems, doc, "per_week", "demand", minimum=0.0, strict=True)
        return Demand(kind="poisson", per_week=rate or 1.0)
    problems.add("demand.kind", f"must be 'backlog' or 'poisson' (got {kind!r})")
    return Demand()


def _parse_goal(problems: _Problems, doc: dict | None) -> Goal:
    if doc is None:
        return Goal()
    _check_keys(problems, doc, "goal", ("experiments_per_month", "cycle_time_p85_days"))
    per_month = _number(problems, doc, "experiments_per_month", "goal", default=None, minimum=0.0)
    cycle = _number(problems, doc, "cycle_time_p85_days", "goal", default=None, minimum=0.0,
                    strict=True)
    return Goal(experiments_per_month=per_month, cycle_time_p85_days=cycle)


def _check_schema_version(problems: _Problems, doc: dict) -> bool:
    version = doc.get("schema_version")
    if version is None:
        problems.add("schema_version", f"missing; this planner reads version {SCHEMA_VERSION}")
        return False
    if version != SCHEMA_VERSION:
        problems.add("schema_version", f"unknown version {version!r}; this planner reads "
                                       f"version {SCHEMA_VERSION}. Was the file written by a "
                                       "newer release?")
        return False
    return True


def parse_project(doc: Any) -> Project:
    """Build a ``Project`` from a decoded JSON document, or raise ``ProjectError``."""
    problems = _Problems()
    if not isinstance(doc, dict):
        raise ProjectError([f"the document must be a JSON object (got {type(doc).__name__})"])
    if not _check_schema_version(problems, doc):
        raise ProjectError(problems.messages)

    _check_keys(problems, doc, "", TOP_LEVEL_FIELDS, typos_only=True)
    name = _text(problems, doc, "name", "project", default="Untitled project")
    pools = _parse_all(problems, doc, "pools", _parse_pool)
    stages = _parse_all(problems, doc, "stages", _parse_stage)
    if not doc.get("stages"):
        problems.add("stages", "missing or empty; a pipeline needs at least one stage")
    horizon = _number(problems, doc, "horizon_days", "project", default=90.0, minimum=0.0,
                      strict=True)
    if horizon is not None and horizon > MAX_HORIZON_DAYS:
        problems.add("horizon_days", f"must be <= {MAX_HORIZON_DAYS} (a hundred years; got "
                                     f"{horizon:g}); a planning horizon is days or months")
        horizon = None
    wip_limit = _integer(problems, doc, "wip_limit", "project", default=None, minimum=1)
    calendar = _parse_calendar(problems, _object(problems, doc, "calendar", "project"))
    demand = _parse_demand(problems, _object(problems, doc, "demand", "project"))
    goal = _parse_goal(problems, _object(problems, doc, "goal", "project"))
    actionable = _probability(problems, doc, "actionable_probability", "project", default=1.0)
    fixed_cost = _number(problems, doc, "fixed_cost_per_experiment", "project", default=0.0,
                         minimum=0.0)
    initial = []
    for index, item in enumerate(_list_of_objects(problems, doc, "initial_work", "project")):
        path = f"initial_work[{index}]"
        stage = _text(problems, item, "stage", path)
        count = _integer(problems, item, "count", path, minimum=0)
        if stage is not None and count is not None:
            initial.append(InitialWork(stage=stage, count=count))
    description = doc.get("description", "")

    if problems.messages:
        raise ProjectError(problems.messages)
    project = Project(
        name=name, stages=tuple(stages), pools=tuple(pools), demand=demand,
        wip_limit=wip_limit, horizon_days=horizon, calendar=calendar,
        initial_work=tuple(initial), actionable_probability=actionable,
        fixed_cost_per_experiment=fixed_cost, goal=goal,
        description=description if isinstance(description, str) else "",
    )
    check_references(project)
    return project


def _parse_all(problems: _Problems, doc: dict, key: str,
               parse: Callable[[_Problems, dict, str], Any]) -> list:
    parsed = []
    for index, item in enumerate(_list_of_objects(problems, doc, key, "project")):
        value = parse(problems, item, f"{key}[{index}]")
        if value is not None:
            parsed.append(value)
    return parsed


def check_references(project: Project) -> None:
    """Check the links between stages and pools; raise ``ProjectError`` listing every problem."""
    problems = _Problems()
    _check_unique(problems, "pools", [pool.name for pool in project.pools])
    _check_unique(problems, "stages", [stage.name for stage in project.stages])
    pools = {pool.name: pool for pool in project.pools}
    stage_names = [stage.name for stage in project.stages]
    for index, stage in enumerate(project.stages):
        _check_stage_links(problems, stage, f"stages[{index}]", index, pools, stage_names)
    for index, work in enumerate(project.initial_work):
        if work.stage not in stage_names:
            problems.add(f"initial_work[{index}].stage",
                         f"unknown stage {work.stage!r}; use one of: {', '.join(stage_names)}")
    if project.demand.kind == "backlog" and project.wip_limit is None:
        problems.add("wip_limit", "missing; a backlog demand needs a work-in-progress limit, "
                                  "or set demand.kind to 'poisson'")
    in_progress = sum(work.count for work in project.initial_work)
    if project.wip_limit is not None and in_progress > project.wip_limit:
        problems.add("initial_work", f"{in_progress} experiments in progress exceed "
                                     f"wip_limit {project.wip_limit}")
    if problems.messages:
        raise ProjectError(problems.messages)


def _check_unique(problems: _Problems, key: str, names: list[str]) -> None:
    seen = set()
    for index, name in enumerate(names):
        if name in seen:
            problems.add(f"{key}[{index}].name", f"duplicate name {name!r}; names must be unique")
        seen.add(name)


def _check_stage_links(problems: _Problems, stage: Stage, path: str, index: int,
                       pools: dict[str, Pool], stage_names: list[str]) -> None:
    if stage.pool is not None:
        pool = pools.get(stage.pool)
        if pool is None:
            known = ", ".join(pools) or "none defined"
            problems.add(f"{path}.pool", f"unknown pool {stage.pool!r}; known pools: {known}")
        elif pool.capacity == 0:
            problems.add(f"{path}.pool", f"pool {pool.name!r} has capacity 0 but this stage "
                                         "needs it; raise its capacity or remove the pool")
        elif stage.units > pool.capacity:
            problems.add(f"{path}.units", f"needs {stage.units} units but pool {pool.name!r} "
                                          f"has capacity {pool.capacity}")
    if stage.rework is not None:
        target = stage.rework.to_stage
        if target not in stage_names:
            problems.add(f"{path}.rework.to_stage", f"unknown stage {target!r}")
        elif stage_names.index(target) > index:
            problems.add(f"{path}.rework.to_stage",
                         f"{target!r} comes after {stage.name!r}; rework must go back to "
                         "this or an earlier stage")
