"""Command-line jobs on scenarios: ``roadmap``, ``rank`` and ``analyse``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.cli import (
    EXIT_INVALID_INPUT,
    EXIT_OK,
    command,
    positive_float,
    positive_int,
    probability,
    seed_int,
)
from simulation.interventions import InterventionError
from simulation.project_io import load_project
from simulation.runner import ReplicationRunner
from simulation.scenario_io import load_planning

# The analysis and export modules load SciPy and Matplotlib, so the commands import them when
# they run: a plain start of the command line stays fast.
ROADMAP_FORMATS = (".md", ".html", ".csv", ".xlsx")

AUTO = "auto"


def _roadmap_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="project file (JSON)")
    parser.add_argument("--scenario", default=AUTO,
                        help="name of a scenario saved in the project, or 'auto' (default) to "
                             "propose one from the greedy ranking")
    parser.add_argument("--out", type=Path, required=True,
                        help="output file; its extension sets the format "
                             f"({', '.join(ROADMAP_FORMATS)})")
    parser.add_argument("--reps", type=positive_int, default=300,
                        help="replications for the roadmap's projection (default 300)")
    parser.add_argument("--seed", type=seed_int, default=1, help="random seed (default 1)")
    parser.add_argument("--budget", type=positive_float, default=None,
                        help="most dollars the proposed interventions may cost over the horizon")
    parser.add_argument("--rollout-days-per-week", type=positive_float, default=5.0,
                        help="person-days a week the team can spend rolling out improvements "
                             "(default 5)")
    parser.add_argument("--workers", type=positive_int, default=None, help="worker processes")


@command("roadmap", _roadmap_arguments,
         "Build a 90-day roadmap for a project and export it (Markdown, HTML, CSV or XLSX).")
def roadmap_command(args: argparse.Namespace) -> int:
    from simulation.roadmap import project_roadmap, propose_roadmap
    from simulation.roadmap_export import ExportError, export_roadmap

    if args.out.suffix.lower() not in ROADMAP_FORMATS:
        print(f"error: {args.out.name}: unknown export format; use one of "
              f"{', '.join(ROADMAP_FORMATS)}", file=sys.stderr)
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
                roadmap = _saved_roadmap(scenarios, args.scenario, catalog)
            report = project_roadmap(project, roadmap, catalog, runner.run, args.reps,
                                     args.seed)
        written = export_roadmap(report, args.out)
    except (InterventionError, ExportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _saved_roadmap(scenarios, name: str, catalog):
    from simulation.roadmap import roadmap_from_scenario

    for scenario in scenarios:
        if scenario.name == name:
            return roadmap_from_scenario(scenario, catalog)
    known = ", ".join(repr(s.name) for s in scenarios) or "none saved"
    raise InterventionError(f"no scenario named {name!r} in the project (scenarios: {known}); "
                            "use --scenario auto to propose one")


def _rank_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="project file (JSON)")
    parser.add_argument("--steps", type=positive_int, default=5,
                        help="length of the prioritised list (default 5)")
    parser.add_argument("--reps", type=positive_int, default=100,
                        help="replications per candidate (default 100)")
    parser.add_argument("--seed", type=seed_int, default=1, help="random seed (default 1)")
    parser.add_argument("--workers", type=positive_int, default=None, help="worker processes")


@command("rank", _rank_arguments,
         "Rank the interventions alone, then list the best next ones in order.")
def rank_command(args: argparse.Namespace) -> int:
    from simulation.ranking import greedy_sequence, rank_interventions

    try:
        project, catalog, _ = load_planning(args.project)
    except InterventionError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    with ReplicationRunner(args.workers) as runner:
        ranking = rank_interventions(project, catalog, runner.run, args.reps, args.seed)
        sequence = greedy_sequence(project, catalog, runner.run, steps=args.steps,
                                   replications=args.reps, seed=args.seed)
    print("Each intervention alone, from week 1, against the baseline. Ranked by a score that "
          "adds the relative gains in\nexperiments per month, mean cycle time and cost per "
          "experiment; cost per experiment leaves out the\nintervention's own cost, shown "
          "separately over the horizon.")
    print(f"{'':3}{'intervention':<52}{'exp/month':>10}{'cycle d':>9}{'cost/exp $':>11}"
          f"{'own cost $':>11}")
    for row in ranking.itertuples():
        if row.not_applicable:
            print(f"   {row.name:<52} not applicable: {row.not_applicable}")
            continue
        print(f"{int(row.rank):>2} {row.name:<52}{row.experiments_per_month_gain:>+10.1f}"
              f"{-row.cycle_time_saved_days:>+9.1f}{row.cost_per_experiment_change:>+11,.0f}"
              f"{row.own_cost:>11,.0f}")
    print("\nPrioritised list (each step given the ones before it):")
    for number, step in enumerate(sequence, start=1):
        outcome = step.outcome
        own = catalog[step.intervention_id]
        print(f"{number}. {step.name}: {outcome.experiments_per_month:.1f} experiments a month, "
              f"cycle {outcome.cycle_time_days:.1f} days, ${outcome.cost_per_experiment:,.0f} "
              f"an experiment; costs ${own.one_time_cost:,.0f} once + "
              f"${own.monthly_cost:,.0f} a month, {own.rollout_person_days:g} person-days")
    return EXIT_OK


def _analyse_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="project file (JSON)")
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--tornado", action="store_true",
                      help="move each parameter by -/+20%% and show what the forecast depends on")
    what.add_argument("--wip-sweep", action="store_true",
                      help="throughput and cycle time for each work-in-progress limit")
    what.add_argument("--goal-seek", metavar="PARAMETER",
                      help="smallest value of a whole-number setting that reaches the goal, "
                           "e.g. pools.gpus.capacity, wip_limit or "
                           "stages.stakeholder_review.review.meetings_per_week")
    parser.add_argument("--probability", type=probability, default=0.8,
                        help="with --goal-seek: required chance of reaching the goal "
                             "(default 0.8)")
    parser.add_argument("--reps", type=positive_int, default=100,
                        help="replications per variant (default 100)")
    parser.add_argument("--seed", type=seed_int, default=1, help="random seed (default 1)")
    parser.add_argument("--workers", type=positive_int, default=None, help="worker processes")
    parser.add_argument("--out", type=Path, default=None, help="also write the table as CSV")


@command("analyse", _analyse_arguments,
         "Sensitivity (tornado), work-in-progress sweep or goal seeking for a project.")
def analyse_command(args: argparse.Namespace) -> int:
    from simulation.sensitivity import goal_seek, tornado, wip_sweep

    project = load_project(args.project)
    if args.out is not None and (args.out.is_dir() or not args.out.parent.exists()):
        print(f"error: --out {args.out}: not a file in an existing folder; give a CSV file "
              "name in a folder that exists", file=sys.stderr)
        return EXIT_INVALID_INPUT
    try:
        with ReplicationRunner(args.workers) as runner:
            if args.tornado:
                table = tornado(project, runner.run, args.reps, args.seed)
            elif args.wip_sweep:
                table, knee = wip_sweep(project, runner.run, replications=args.reps,
                                        seed=args.seed)
                print(f"More parallel experiments stop paying after a limit of {knee}.")
            else:
                outcome = goal_seek(project, args.goal_seek, runner.run,
                                    probability=args.probability, replications=args.reps,
                                    seed=args.seed)
                table = outcome.tried
                print(outcome.message)
    except InterventionError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    print(table.to_string(index=False, float_format=lambda value: f"{value:.2f}"))
    if args.out is not None:
        table.to_csv(args.out, index=False)
    return EXIT_OK
