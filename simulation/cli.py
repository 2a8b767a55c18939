"""The command line: ``velocity-planner simulate PROJECT.json`` and the other headless jobs."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from simulation.project_io import load_project
from simulation.results import SimulationResult
from simulation.runner import ReplicationRunner, default_workers
from simulation.validation import ProjectError

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_INVALID_INPUT, EXIT_FAILED = 0, 2, 1
# Modules that register further subcommands with ``@command`` when imported.
COMMAND_MODULES: tuple[str, ...] = ("simulation.planning_commands", "simulation.history.commands",
                                     "simulation.export_commands")
Command = Callable[[argparse.Namespace], int]
_commands: dict[str, tuple[Callable[[argparse._SubParsersAction], None], Command]] = {}


def command(name: str, add_arguments: Callable[[argparse.ArgumentParser], None], help: str):
    """Register a subcommand; other modules add theirs the same way."""

    def register(run: Command) -> Command:
        def add(subparsers: argparse._SubParsersAction) -> None:
            parser = subparsers.add_parser(name, help=help, description=help)
            add_arguments(parser)

        _commands[name] = (add, run)
        return run

    return register


def _option_number(text: str, convert: type, accept, rule: str):
    """Convert an option's text with ``convert`` and check it with ``accept``.

    Raises ``argparse.ArgumentTypeError`` naming ``rule``, so argparse prints the option, the
    value and the rule, with no traceback.
    """
    kind = "a whole number" if convert is int else "a number"
    try:
        value = convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be {kind} (got {text!r})") from None
    if not accept(value):
        raise argparse.ArgumentTypeError(f"must be {rule} (got {text})")
    return value


def positive_int(text: str) -> int:
    """Parse a whole number >= 1 for an option (replications, workers, steps)."""
    return _option_number(text, int, lambda value: value >= 1, ">= 1")


def seed_int(text: str) -> int:
    """Parse a random seed: a whole number >= 0."""
    return _option_number(text, int, lambda value: value >= 0, ">= 0")


def positive_float(text: str) -> float:
    """Parse a finite number > 0 for an option (budgets, capacities)."""
    return _option_number(text, float, lambda value: 0 < value < float("inf"), "a number > 0")


def probability(text: str) -> float:
    """Parse a probability strictly between 0 and 1."""
    return _option_number(text, float, lambda value: 0 < value < 1, "between 0 and 1")


def _simulate_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", type=Path, help="project file (JSON)")
    parser.add_argument("--reps", type=positive_int, default=500,
                        help="number of Monte-Carlo replications (default 500)")
    parser.add_argument("--seed", type=seed_int, default=1, help="random seed (default 1)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help=f"worker processes (default {default_workers()}, one per core)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder to write the metrics tables into, as CSV")
    parser.add_argument("--json", action="store_true",
                        help="print a machine-readable summary on stdout")


class _StderrProgress:
    """Prints progress on stderr when a run takes longer than a second.

    On a terminal one line is rewritten; elsewhere (a log file) a line is printed per quarter.
    """

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.shown = False
        self.is_terminal = sys.stderr.isatty()
        self.next_quarter = 1

    def __call__(self, done: int, total: int) -> None:
        if time.monotonic() - self.started < 1.0 and done < total:
            return
        if not self.shown and done == total:
            return
        self.shown = True
        if self.is_terminal:
            end = "\n" if done == total else ""
            print(f"\rsimulating: {done}/{total} replications", end=end, file=sys.stderr,
                  flush=True)
        elif done * 4 >= self.next_quarter * total:
            self.next_quarter = done * 4 // total + 1
            print(f"simulating: {done}/{total} replications", file=sys.stderr, flush=True)


@command("simulate", _simulate_arguments, "Simulate a project and print its projected metrics.")
def simulate_command(args: argparse.Namespace) -> int:
    project = load_project(args.project)
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        print(f"error: --out {args.out}: is a file; --out takes a folder for the CSV tables",
              file=sys.stderr)
        return EXIT_INVALID_INPUT
    with ReplicationRunner(args.workers) as runner:
        result = runner.run(project, args.reps, args.seed, progress=_StderrProgress())
    if args.out is not None:
        write_tables(result, args.out)
    if args.json:
        print(json.dumps(result.summary(), indent=2))
    else:
        print(format_summary(result))
    return EXIT_OK


def write_tables(result: SimulationResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in result.tables().items():
        table.to_csv(folder / f"{name}.csv", index=False)
    logger.info("wrote %d tables to %s", len(result.tables()), folder)


def format_summary(result: SimulationResult) -> str:
    s = result.summary()
    per_month, cycle, cost = s["experiments_per_month"], s["cycle_time_days"], \
        s["cost_per_experiment"]
    goal, forecast = s["goal"], s["forecast"]
    lines = [
        f"{s['project']}: {s['replications']} replications, seed {s['seed']}, "
        f"{s['horizon_days']:g}-day horizon",
        "",
        f"Experiments per month  {_figure(per_month['mean'], '7.1f')}   (90% of runs: "
        f"{_figure(per_month['low'])} to {_figure(per_month['high'])})",
        f"Cycle time, days       {_figure(cycle['mean'], '7.1f')}   "
        f"p50 {_figure(cycle['p50'])}, p70 {_figure(cycle['p70'])}, "
        f"p85 {_figure(cycle['p85'])}, p95 {_figure(cycle['p95'])}",
        f"Cost per experiment  $ {_figure(cost['mean'], '7,.0f')}   "
        f"compute ${_figure(cost['compute_cost'], ',.0f')}, "
        f"people ${_figure(cost['people_cost'], ',.0f')}, "
        f"fixed ${_figure(cost['fixed_cost'], ',.0f')}",
        "",
        f"Goal ({goal['experiments_per_month']} a month, p85 cycle <= "
        f"{goal['cycle_time_p85_days']} days over the last 30 days): "
        f"{_percent(goal['probability'])} of runs reach it",
        f"Forecast: {forecast['confidence']:.0%} chance of at least "
        f"{forecast['at_least_by_horizon']} experiments by day {s['horizon_days']:g}",
        "",
        "Stage                      active d  waiting d  flow eff.",
    ]
    for row in result.stage_table().sort_values("bottleneck_rank").itertuples():
        lines.append(f"{row.stage:<26} {_figure(row.active_days, '8.2f')} "
                     f"{_figure(row.waiting_days, '10.2f')} "
                     f"{_figure(row.flow_efficiency, '10.0%')}")
    if result.per_replication["completed"].sum() == 0:
        lines.append("No experiment completed within the horizon: lengthen horizon_days or "
                     "check the stage durations.")
    else:
        lines.append(f"Bottleneck: {s['bottlenecks'][0]}")
    return "\n".join(lines)


def _figure(value: float | None, spec: str = ".1f") -> str:
    """Format a figure, or 'n/a' (right-aligned to the spec's width) when there is none."""
    if value is None or value != value:
        width = spec.split(".")[0].rstrip(",")
        return f"{'n/a':>{width}}" if width else "n/a"
    return format(value, spec)


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="velocity-planner",
        description="Model, simulate and plan a team's machine-learning experiment pipeline.")
    parser.add_argument("--verbose", action="store_true", help="log progress details to stderr")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMAND_MODULES:
        importlib.import_module(module)
    for add, _ in _commands.values():
        add(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    if args.command is None:
        parser.print_help()
        return EXIT_INVALID_INPUT
    _, run = _commands[args.command]
    try:
        return run(args)
    except ProjectError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader of stdout went away (for example `| head`); there is nobody to tell.
        sys.stderr.close()
        return EXIT_FAILED
