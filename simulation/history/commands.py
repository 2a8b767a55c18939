"""``velocity-planner import SOURCE --out PROJECT.json``: history in, proposed project out.

The history modules load pandas and scipy, so they are imported when the command runs and
not when the command line starts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.cli import EXIT_INVALID_INPUT, EXIT_OK, _StderrProgress, command

DEFAULT_REPLICATIONS = 100


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0 (got {value})")
    return value


def _workers(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (got {value})")
    return value


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("source", type=Path,
                        help="mlflow.db, an mlruns folder, a runs CSV from the MLflow UI, "
                             "mlflow.search_runs or Weights & Biases, or a CSV/XLSX with one "
                             "row per experiment and a timestamp per stage")
    parser.add_argument("--mapping", type=Path, default=None,
                        help="column mapping (JSON) for a generic CSV/XLSX; without it the "
                             "mapping is guessed from the header")
    parser.add_argument("--include-deleted", action="store_true",
                        help="include deleted MLflow runs (left out by default)")
    parser.add_argument("--out", type=Path, required=True,
                        help="where to write the proposed project (JSON)")
    parser.add_argument("--name", default=None, help="name of the proposed project")
    parser.add_argument("--reps", type=_count, default=DEFAULT_REPLICATIONS,
                        help=f"backtest replications (default {DEFAULT_REPLICATIONS}; 0 skips "
                             "the backtest)")
    parser.add_argument("--seed", type=int, default=1, help="backtest random seed (default 1)")
    parser.add_argument("--workers", type=_workers, default=None,
                        help="worker processes for the backtest (default one per core)")
    parser.add_argument("--tables", type=Path, default=None,
                        help="folder to write the baseline, fit and backtest tables into, as CSV")


@command("import", _import_arguments,
         "Import a team's experiment history, measure its baseline, fit and backtest a model, "
         "and write the proposed project.")
def import_command(args: argparse.Namespace) -> int:
    from simulation.history.errors import HistoryError

    try:
        return _run_import(args)
    except HistoryError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT


def _run_import(args: argparse.Namespace) -> int:
    from simulation.history.backtest import can_backtest, run_backtest
    from simulation.history.errors import HistoryError
    from simulation.history.fit import fit_stages
    from simulation.history.mapping import load_mapping
    from simulation.history.measure import measure_baseline
    from simulation.history.propose import propose_project
    from simulation.history.report import (
        format_backtest,
        format_baseline,
        format_fits,
        format_proposal,
    )
    from simulation.history.sources import read_history
    from simulation.project_io import save_project
    from simulation.runner import default_workers

    _check_output_path(args)
    mapping = load_mapping(args.mapping) if args.mapping is not None else None
    history = read_history(args.source, mapping=mapping, include_deleted=args.include_deleted)
    baseline = measure_baseline(history)
    fits = fit_stages(baseline)
    proposal = propose_project(baseline, fits, name=args.name)
    sections = ["\n".join(history.report.lines()), format_baseline(baseline), format_fits(fits)]
    backtest = None
    skipped = can_backtest(baseline)
    if args.reps == 0:
        sections.append("Backtest: skipped (--reps 0)")
    elif skipped is not None:
        sections.append(f"Backtest: not run, because {skipped}")
    else:
        backtest = run_backtest(proposal.project, baseline, args.reps, args.seed,
                                workers=args.workers or default_workers(),
                                progress=_StderrProgress())
        sections.append(format_backtest(backtest))
    try:
        save_project(proposal.project, args.out, extra=proposal.file_extra(baseline))
        if args.tables is not None:
            _write_tables(args.tables, baseline, fits, backtest)
    except OSError as error:
        raise HistoryError(f"cannot write: {error.strerror}", file=error.filename or
                           str(args.out), fix="Choose a folder you can write to") from None
    sections.append(format_proposal(proposal, args.out))
    print("\n\n".join(sections))
    return EXIT_OK


def _write_tables(folder: Path, baseline, fits, backtest) -> None:
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    tables = dict(baseline.tables())
    tables["fit"] = pd.DataFrame([fit.to_row() for fit in fits])
    if backtest is not None:
        tables.update(backtest.tables())
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False)


def _check_output_path(args: argparse.Namespace) -> None:
    """Reject an output that would overwrite the history or cannot be written, before any work."""
    from simulation.history.errors import HistoryError

    out = Path(args.out)
    if out.exists() and out.resolve() == Path(args.source).resolve():
        raise HistoryError("--out names the history being imported; writing the project there "
                           "would destroy it", str(out),
                           fix="Choose another file name for the project, such as team.json")
    if out.is_dir():
        raise HistoryError("--out is a folder", str(out),
                           fix="Give a file name for the project, such as team.json")
    if not out.parent.exists():
        raise HistoryError("--out: folder not found", str(out.parent),
                           fix="Create the folder or choose another one")
