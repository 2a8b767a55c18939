"""Proposing a project from a measured baseline, with every value marked measured or default.

How each part is set:

- Stages: the measured stages in order, each with its fitted duration. Failed and killed
  experiments become early stopping on the stage where they stopped.
- Demand: Poisson at the measured arrival rate.
- Work-in-progress limit: the most experiments that were ever in flight at once. A lower
  limit would have held up work that the team in fact started at the same time.
- Pools: a stage whose name starts with "waiting" or "queue" uses no pool, another stage
  whose name contains "train" uses a ``gpus`` machine pool, and every other stage a ``team``
  people pool. A pool's capacity is the most visits of its stages that were in progress at once
  (times the GPUs per run for ``gpus``): the parallel work the team showed, not a headcount.
- Calendar off: measured durations are elapsed calendar days, weekends and waiting included.
- Horizon: the imported period (first arrival to last), so a backtest covers the same span.
- Goal: the targets of mature teams (more than 20 experiments a month, 85% of cycles under
  5 days).

Whatever the history does not show (costs, the share of actionable results, GPUs per run
when not logged) gets a stated default, listed as such.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulation.history.fit import StageFit
from simulation.history.measure import (
    MATURE_CYCLE_DAYS,
    MATURE_EXPERIMENTS_PER_MONTH,
    MIN_RATE_PERIOD_DAYS,
    Baseline,
)
from simulation.history.records import is_training_stage, is_waiting_stage, plural
from simulation.model import SCHEMA_VERSION, Distribution, Project
from simulation.project_io import project_to_dict
from simulation.validation import parse_project

MEASURED, FITTED, CHOSEN, DEFAULT = "measured", "fitted", "chosen", "default"
DEFAULT_PER_WEEK = 1.0
DEFAULT_HORIZON_DAYS = 90.0
GPU_POOL, TEAM_POOL = "gpus", "team"


@dataclass(frozen=True)
class ProposalItem:
    """One value of the proposed project: where it came from and why."""

    field: str
    value: Any
    source: str  # measured, fitted, chosen (a rule of this proposal) or default
    reason: str


@dataclass
class Proposal:
    project: Project
    items: list[ProposalItem] = field(default_factory=list)

    def defaults(self) -> list[ProposalItem]:
        return [item for item in self.items if item.source == DEFAULT]

    def document(self) -> dict:
        return project_to_dict(self.project)

    def file_extra(self, baseline: Baseline) -> dict:
        """Top-level keys saved beside the project: where it came from and what is assumed."""
        report = baseline.history.report
        return {"history_import": {
            "source": report.source, "kind": report.kind,
            "period_start": baseline.period_start.isoformat(),
            "period_end": baseline.period_end.isoformat(),
            "values": [{"field": i.field, "value": _plain(i.value), "source": i.source,
                        "reason": i.reason} for i in self.items],
        }}


def _plain(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def propose_project(baseline: Baseline, fits: list[StageFit], name: str | None = None) -> Proposal:
    """Build a valid project from the baseline; ``parse_project`` checks the result."""
    items: list[ProposalItem] = []
    figures = baseline.figures
    stage_docs, pools = _stages_and_pools(baseline, fits, items)
    demand = _demand(figures, items)

    wip_limit = max(1, figures["peak_in_flight"])
    items.append(ProposalItem("wip_limit", wip_limit, MEASURED,
                              "the most experiments in flight at once in the history"))
    horizon = _horizon(baseline, items)

    start_date = baseline.period_start.date().isoformat()
    items.append(ProposalItem("calendar.enabled", False, CHOSEN,
                              "measured durations are elapsed calendar days, weekends and "
                              "waiting included"))
    items.append(ProposalItem("goal", f"more than {MATURE_EXPERIMENTS_PER_MONTH:g} a month, 85% "
                              f"of cycles under {MATURE_CYCLE_DAYS:g} days", CHOSEN,
                              "the targets of mature teams"))
    items.append(ProposalItem("actionable_probability", 1.0, DEFAULT,
                              "the history does not record which results were actionable"))
    items.append(ProposalItem("fixed_cost_per_experiment", 0.0, DEFAULT,
                              "the history records no costs"))

    source = Path(baseline.history.report.source)
    title = name or f"{source.stem or source.name} baseline"
    doc = {
        "schema_version": SCHEMA_VERSION,
        "name": title,
        "description": _description(baseline),
        "horizon_days": horizon,
        "calendar": {"enabled": False, "start_date": start_date, "working_days_per_week": 5,
                     "hours_per_day": 8},
        "demand": demand,
        "wip_limit": wip_limit,
        "pools": pools,
        "stages": stage_docs,
        "actionable_probability": 1.0,
        "fixed_cost_per_experiment": 0.0,
        "goal": {"experiments_per_month": MATURE_EXPERIMENTS_PER_MONTH,
                 "cycle_time_p85_days": MATURE_CYCLE_DAYS},
    }
    return Proposal(project=parse_project(doc), items=items)


def _description(baseline: Baseline) -> str:
    report = baseline.history.report
    start = baseline.period_start.date().isoformat()
    end = baseline.period_end.date().isoformat()
    return (f"Proposed from {baseline.figures['experiments']:,} experiments imported from "
            f"{Path(report.source).name} ({report.kind}), {start} to {end}. Stage durations are "
            "measured elapsed calendar days, waiting included.")


def _demand(figures: dict, items: list[ProposalItem]) -> dict:
    rate = figures["arrivals_per_week"]
    if math.isnan(rate) or rate <= 0:
        items.append(ProposalItem("demand.per_week", DEFAULT_PER_WEEK, DEFAULT,
                                  "the arrival rate could not be measured: fewer than two "
                                  "arrivals, or arrivals spanning less than a week"))
        return {"kind": "poisson", "per_week": DEFAULT_PER_WEEK}
    rate = round(rate, 4)
    items.append(ProposalItem("demand.per_week", rate, MEASURED,
                              "Poisson arrivals at the measured rate: (arrivals - 1) over the "
                              "time from the first arrival to the last"))
    return {"kind": "poisson", "per_week": rate}


def _horizon(baseline: Baseline, items: list[ProposalItem]) -> float:
    if baseline.period_days < MIN_RATE_PERIOD_DAYS:
        items.append(ProposalItem("horizon_days", DEFAULT_HORIZON_DAYS, DEFAULT,
                                  "the history spans less than a week"))
        return DEFAULT_HORIZON_DAYS
    horizon = round(baseline.period_days, 4)
    items.append(ProposalItem("horizon_days", horizon, MEASURED,
                              "the imported period, from the first arrival to the last"))
    return horizon


def _stage_kind(name: str) -> str:
    if is_training_stage(name):
        return GPU_POOL
    if is_waiting_stage(name):
        return ""
    return TEAM_POOL


def _stages_and_pools(baseline: Baseline, fits: list[StageFit],
                      items: list[ProposalItem]) -> tuple[list[dict], list[dict]]:
    kinds = {fit.stage: _stage_kind(fit.stage) for fit in fits}
    units, units_source, units_reason = _gpu_units(baseline)
    stage_docs = []
    for index, fit in enumerate(fits):
        pool = kinds[fit.stage] or None
        doc: dict[str, Any] = {"name": fit.stage, "pool": pool,
                               "units": units if pool == GPU_POOL else 1,
                               "duration": distribution_to_dict(fit.distribution)}
        source = DEFAULT if fit.choice == "default" else FITTED
        items.append(ProposalItem(f"stages[{index}].duration", _describe(fit.distribution),
                                  source, _fit_reason(fit)))
        if pool == GPU_POOL:
            items.append(ProposalItem(f"stages[{index}].units", units, units_source,
                                      units_reason))
        if fit.early_stopping is not None:
            doc["early_stopping"] = {"share": fit.early_stopping.share,
                                     "at_fraction": fit.early_stopping.at_fraction}
            items.append(ProposalItem(
                f"stages[{index}].early_stopping",
                f"share {fit.early_stopping.share:.1%}, at {fit.early_stopping.at_fraction:.0%}",
                MEASURED, "failed and killed experiments stopped in this stage"))
        stage_docs.append(doc)
    pools = []
    for pool, kind in ((TEAM_POOL, "people"), (GPU_POOL, "machine")):
        stages = [name for name, pool_of in kinds.items() if pool_of == pool]
        if not stages:
            continue
        per_visit = units if pool == GPU_POOL else 1
        capacity = max(per_visit, baseline.peak_concurrent(stages) * per_visit)
        pools.append({"name": pool, "capacity": capacity, "cost_per_hour": 0.0, "kind": kind})
        reason = f"the most visits of {', '.join(stages)} in progress at once"
        if pool == GPU_POOL:
            reason += f", times {units} GPUs per run"
        items.append(ProposalItem(f"pools[{len(pools) - 1}].capacity", capacity, MEASURED,
                                  reason + ": parallel work the team showed, not a headcount"))
        items.append(ProposalItem(f"pools[{len(pools) - 1}].cost_per_hour", 0.0, DEFAULT,
                                  "the history records no costs"))
    return stage_docs, pools


def _gpu_units(baseline: Baseline) -> tuple[int, str, str]:
    median = baseline.figures["gpus_per_experiment_median"]
    if math.isnan(median) or median < 1:
        return 1, DEFAULT, "GPUs per run are not logged"
    return max(1, round(median)), MEASURED, "the median GPUs per run"


def _fit_reason(fit: StageFit) -> str:
    if fit.choice == "default":
        return fit.note
    reason = f"{fit.choice}, from {plural(fit.samples, 'measured duration')}"
    return reason + (f"; {fit.note}" if fit.note else "")


def distribution_to_dict(distribution: Distribution) -> dict:
    doc: dict[str, Any] = {"kind": distribution.kind}
    if distribution.kind == "empirical":
        doc["samples"] = list(distribution.samples)
        return doc
    for key in ("value", "min", "likely", "max", "median", "p90", "mean"):
        value = getattr(distribution, key)
        if value is not None:
            doc[key] = value
    return doc


def _describe(distribution: Distribution) -> str:
    if distribution.kind == "empirical":
        return f"empirical, {len(distribution.samples)} samples"
    if distribution.kind == "lognormal":
        return f"lognormal, median {distribution.median:.4g} d, p90 {distribution.p90:.4g} d"
    if distribution.kind == "fixed":
        return f"fixed {distribution.value:.4g} d"
    return distribution.kind
