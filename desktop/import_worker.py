"""The history import off the GUI thread: probe a source, then read, measure, fit and backtest.

The steps are those of the ``import`` command (``simulation/history/commands.py``). A
``TaskThread`` runs one of them in a ``QThread`` and reports back with signals, so the dialog
never blocks and never touches a widget from the worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal

logger = logging.getLogger(__name__)

BACKTEST_REPLICATIONS = 100
BACKTEST_SEED = 1

# What a probe found: a table that needs a column mapping, or a source read as it is.
GENERIC_TABLE = "generic table"
MLFLOW_STORE = "MLflow tracking store"
RUNS_EXPORT = "runs export"


class ImportCancelled(Exception):
    """The user cancelled the import between two steps."""


@dataclass
class SourceProbe:
    """What kind of export a path holds and, for a generic table, its header and a guess."""

    path: Path
    kind: str
    header: list[str] = field(default_factory=list)
    guess: Any = None  # a MappingGuess for a generic table


@dataclass
class ImportRequest:
    path: Path
    mapping: Any = None  # a ColumnMapping, for a generic table
    include_deleted: bool = False
    replications: int = BACKTEST_REPLICATIONS
    seed: int = BACKTEST_SEED


@dataclass
class ImportOutcome:
    """Everything the result page shows; ``backtest`` is None when ``backtest_skipped`` says why."""

    history: Any
    baseline: Any
    fits: list
    proposal: Any
    backtest: Any = None
    backtest_skipped: str | None = None


def probe_source(path: Path) -> SourceProbe:
    """Tell a generic table (which needs a mapping) from a source the importers read as it is."""
    from simulation.history.csv_exports import GENERIC, detect_kind
    from simulation.history.errors import HistoryError
    from simulation.history.mapping import guess_mapping
    from simulation.history.mlflow_sqlite import is_sqlite_file
    from simulation.history.tables import read_table

    path = Path(path)
    if not path.exists():
        raise HistoryError("no such file or folder", file=str(path),
                           fix="Choose an mlruns folder, an mlflow.db, or a CSV or XLSX file")
    if path.is_dir() or is_sqlite_file(path) or path.name == "meta.yaml":
        return SourceProbe(path, MLFLOW_STORE)
    table = read_table(path)
    if detect_kind(table.columns) != GENERIC:
        return SourceProbe(path, RUNS_EXPORT)
    return SourceProbe(path, GENERIC_TABLE, list(table.columns), guess_mapping(table.columns))


def run_import(request: ImportRequest, step: Callable[[str], None],
               progress: Callable[[int, int], None], cancel: threading.Event) -> ImportOutcome:
    """Read, measure, fit, propose and backtest; raise ``ImportCancelled`` if cancelled."""
    from simulation.history.backtest import can_backtest, run_backtest
    from simulation.history.fit import fit_stages
    from simulation.history.measure import measure_baseline
    from simulation.history.propose import propose_project
    from simulation.history.sources import read_history
    from simulation.runner import RunCancelled

    def check(next_step: str) -> None:
        if cancel.is_set():
            raise ImportCancelled()
        step(next_step)

    check(f"Reading {request.path.name}...")
    history = read_history(request.path, mapping=request.mapping,
                           include_deleted=request.include_deleted)
    check("Measuring the baseline...")
    baseline = measure_baseline(history)
    check("Fitting each stage...")
    fits = fit_stages(baseline)
    proposal = propose_project(baseline, fits)
    outcome = ImportOutcome(history, baseline, fits, proposal)
    outcome.backtest_skipped = can_backtest(baseline)
    if outcome.backtest_skipped is None:
        check(f"Backtesting: {request.replications} replications over the imported period...")
        # NOTE: one worker, in this thread, so that closing the dialog leaves no process behind;
        # a backtest of a small team's year takes seconds this way.
        try:
            outcome.backtest = run_backtest(proposal.project, baseline, request.replications,
                                            request.seed, workers=1, progress=progress,
                                            cancel=cancel)
        except RunCancelled:
            raise ImportCancelled() from None
    return outcome


class TaskThread(QThread):
    """Runs ``task(step, progress, cancel)`` once and emits how it ended, then ``finished``.

    ``failed`` carries the message of a ``HistoryError`` (which names the file, row and
    column) or of an unexpected error, which is also logged with its traceback.
    """

    step_changed = Signal(str)
    progress_changed = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, task: Callable[..., Any], parent: QObject | None = None):
        super().__init__(parent)
        self._task = task
        self.cancel_event = threading.Event()

    def cancel(self) -> None:
        self.cancel_event.set()

    def run(self) -> None:
        from simulation.history.errors import HistoryError

        try:
            result = self._task(self.step_changed.emit, self.progress_changed.emit,
                                self.cancel_event)
        except ImportCancelled:
            self.cancelled.emit()
        except HistoryError as error:
            logger.info("import failed: %s", error)
            self.failed.emit(str(error))
        except Exception as error:  # noqa: BLE001 - shown to the user, logged with its trace
            logger.exception("import failed unexpectedly")
            self.failed.emit(f"The import failed unexpectedly: {type(error).__name__}: {error}")
        else:
            if self.cancel_event.is_set():
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
