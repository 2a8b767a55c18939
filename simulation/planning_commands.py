"""Command-line jobs on scenarios: ``velocity-planner roadmap``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.cli import EXIT_INVALID_INPUT, EXIT_OK, command
from simulation.interventions import InterventionError
from simulation.roadmap import Roadmap, RoadmapItem, project_roadmap, propose_roadmap
from simulation.roadmap_export import FORMATS, ExportError, export_roadmap
from simulation.runner import ReplicationRunner
from simulation.scenario_io import load_planning

AUTO = "auto"


def _roadmap_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="project file (JSON)")
    parser.add_argument("--scenario", default=AUTO,
                        help="name of a scenario saved in the project, or 'auto' (default) to "
                             "propose one from the greedy ranking")
    parser.add_argument("--out", type=Path, required=True,
                        help=f"output file; its extension sets the format ({', '.join(FORMATS)})")
    parser.add_argument("--reps", type=int, default=300,
                        help="replications for the roadmap's projection (default 300)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--budget", type=float, default=None,
                        help="most dollars the proposed interventions may cost over the horizon")
    parser.add_argument("--rollout-days-per-week", type=float, default=5.0,
                        help="person-days a week the team can spend rolling out improvements "
                             "(default 5)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes")


@command("roadmap", _roadmap_arguments,
         "Build a 90-day roadmap for a project and export it (Markdown, HTML, CSV or XLSX).")
def roadmap_command(args: argparse.Namespace) -> int:
    if args.out.suffix.lower() not in FORMATS:
        print(f"error: {args.out.name}: unknown export format; use one of "
              f"{', '.join(FORMATS)}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    try:
        project, catalog, scenarios = load_planning(args.project)
        with ReplicationRunner(args.workers) as runner:
            if args.scenario == AUTO:
                print("proposing a roadmap from the greedy ranking...", file=sys.stderr)
                roadmap = propose_roadmap(project, catalog, runner.run, budget=args.budget,
                                          rollout_days_per_week=args.rollout_days_per_week,
                                          replications=60, seed=args.seed)
            else:
                roadmap = _saved_roadmap(scenarios, args.scenario)
            report = project_roadmap(project, roadmap, catalog, runner.run, args.reps,
                                     args.seed)
        written = export_roadmap(report, args.out)
    except (InterventionError, ExportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _saved_roadmap(scenarios, name: str) -> Roadmap:
    for scenario in scenarios:
        if scenario.name == name:
            return Roadmap(name, tuple(RoadmapItem(item.intervention_id, item.start_week)
                                       for item in scenario.interventions))
    known = ", ".join(repr(s.name) for s in scenarios) or "none saved"
    raise InterventionError(f"no scenario named {name!r} in the project (scenarios: {known}); "
                            "use --scenario auto to propose one")
