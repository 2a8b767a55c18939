"""Importing a team's experiment history: read an export, measure, fit, propose, backtest.

Typical use, as the ``import`` command does it::

    history = read_history("mlruns")
    baseline = measure_baseline(history)
    fits = fit_stages(baseline)
    proposal = propose_project(baseline, fits)
    backtest = run_backtest(proposal.project, baseline)

See docs/importing-history.md for the supported exports and what each figure means.
"""

import importlib

# Names and the module that defines each. They load on first use (PEP 562), because the
# modules import pandas and SciPy, and the command line imports this package at start-up.
_SOURCES = {
    "Backtest": "backtest", "can_backtest": "backtest", "run_backtest": "backtest",
    "HistoryError": "errors", "StageFit": "fit", "fit_stages": "fit",
    "ColumnMapping": "mapping", "MappingGuess": "mapping", "StageColumn": "mapping",
    "guess_mapping": "mapping", "load_mapping": "mapping", "mapping_from_dict": "mapping",
    "mapping_to_dict": "mapping", "validate_mapping": "mapping",
    "Baseline": "measure", "measure_baseline": "measure",
    "Proposal": "propose", "ProposalItem": "propose", "propose_project": "propose",
    "History": "records", "ImportReport": "records", "read_history": "sources",
    "read_table": "tables",
}


def __getattr__(name: str):
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = [
    "Backtest", "Baseline", "ColumnMapping", "History", "HistoryError", "ImportReport",
    "MappingGuess", "Proposal", "ProposalItem", "StageColumn", "StageFit", "can_backtest",
    "fit_stages", "guess_mapping", "load_mapping", "mapping_from_dict", "mapping_to_dict",
    "measure_baseline", "propose_project", "read_history", "read_table", "run_backtest",
    "validate_mapping",
]
