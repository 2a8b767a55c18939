"""Importing a team's experiment history: read an export, measure, fit, propose, backtest.

Typical use, as the ``import`` command does it::

    history = read_history("mlruns")
    baseline = measure_baseline(history)
    fits = fit_stages(baseline)
    proposal = propose_project(baseline, fits)
    backtest = run_backtest(proposal.project, baseline)

See docs/importing-history.md for the supported exports and what each figure means.
"""

from simulation.history.backtest import Backtest, can_backtest, run_backtest
from simulation.history.errors import HistoryError
from simulation.history.fit import StageFit, fit_stages
from simulation.history.mapping import (
    ColumnMapping,
    MappingGuess,
    StageColumn,
    guess_mapping,
    load_mapping,
    mapping_from_dict,
    mapping_to_dict,
    validate_mapping,
)
from simulation.history.measure import Baseline, measure_baseline
from simulation.history.propose import Proposal, ProposalItem, propose_project
from simulation.history.records import History, ImportReport
from simulation.history.sources import read_history
from simulation.history.tables import read_table

__all__ = [
    "Backtest", "Baseline", "ColumnMapping", "History", "HistoryError", "ImportReport",
    "MappingGuess", "Proposal", "ProposalItem", "StageColumn", "StageFit", "can_backtest",
    "fit_stages", "guess_mapping", "load_mapping", "mapping_from_dict", "mapping_to_dict",
    "measure_baseline", "propose_project", "read_history", "read_table", "run_backtest",
    "validate_mapping",
]
