"""Experiment Velocity Planner's engine: model, simulate and analyse an ML experiment pipeline.

This package never imports Qt; the desktop application and the command line both use it.
"""

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
from simulation.project_io import load_project, project_to_dict, save_project
from simulation.runner import ReplicationRunner, RunCancelled, run_simulation
from simulation.timeline import Phase, PoolHold, Timeline
from simulation.validation import ProjectError, parse_project


def __getattr__(name: str):
    # SimulationResult loads pandas, which worker processes never need (PEP 562).
    if name == "SimulationResult":
        from simulation.results import SimulationResult

        return SimulationResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SCHEMA_VERSION",
    "Calendar",
    "Demand",
    "Distribution",
    "EarlyStopping",
    "Goal",
    "InitialWork",
    "Phase",
    "Pool",
    "PoolHold",
    "Project",
    "ProjectError",
    "ReplicationRunner",
    "ReviewMeetings",
    "Rework",
    "RunCancelled",
    "SimulationResult",
    "Stage",
    "Timeline",
    "load_project",
    "parse_project",
    "project_to_dict",
    "run_simulation",
    "save_project",
]
