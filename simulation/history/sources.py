"""One entry point that recognises an export and reads it with the right importer."""

from __future__ import annotations

import logging
from pathlib import Path

from simulation.history.csv_exports import GENERIC, detect_kind, read_runs_export
from simulation.history.errors import HistoryError
from simulation.history.generic import read_generic
from simulation.history.mapping import ColumnMapping, guess_mapping, mapping_to_dict
from simulation.history.mlflow_files import is_file_store, read_file_store
from simulation.history.mlflow_sqlite import is_sqlite_file, read_tracking_db
from simulation.history.records import History
from simulation.history.tables import read_table

logger = logging.getLogger(__name__)

SOURCES_HELP = ("an MLflow tracking database (mlflow.db), an MLflow mlruns folder, a runs CSV "
                "from the MLflow UI, mlflow.search_runs or Weights & Biases, or a CSV/XLSX "
                "with one row per experiment and a timestamp per stage")


def read_history(path: str | Path, mapping: ColumnMapping | None = None,
                 include_deleted: bool = False) -> History:
    """Read any supported export; ``mapping`` forces a generic table read through it."""
    path = Path(path)
    if not path.exists():
        raise HistoryError("no such file or folder", file=str(path),
                           fix=f"Pass {SOURCES_HELP}")
    if path.is_dir():
        history = _read_folder(path, include_deleted)
    elif is_sqlite_file(path):
        history = read_tracking_db(path, include_deleted)
    elif path.name == "meta.yaml":
        raise HistoryError("this is one MLflow meta.yaml", file=str(path),
                           fix="Pass the mlruns folder that contains it")
    else:
        history = _read_table_file(path, mapping, include_deleted)
    logger.info("imported %d experiments from %s", history.size, path)
    return history


def _read_folder(path: Path, include_deleted: bool) -> History:
    database = path / "mlflow.db"
    if database.is_file() and not (path / "mlruns").is_dir():
        return read_tracking_db(database, include_deleted)
    if is_file_store(path):
        return read_file_store(path, include_deleted)
    raise HistoryError("the folder is not an MLflow mlruns folder (no <experiment>/meta.yaml) "
                       "and holds no mlflow.db", file=str(path), fix=f"Pass {SOURCES_HELP}")


def _read_table_file(path: Path, mapping: ColumnMapping | None,
                     include_deleted: bool) -> History:
    table = read_table(path, sheet=mapping.sheet if mapping else None)
    if mapping is not None:
        return read_generic(table, mapping)
    kind = detect_kind(table.columns)
    if kind != GENERIC:
        return read_runs_export(table, kind, include_deleted)
    guess = guess_mapping(table.columns)
    if guess.mapping is None:
        header = ", ".join(repr(column) for column in table.columns[:20])
        raise HistoryError(
            "the file is not a known runs export and its columns could not be mapped: " +
            "; ".join(guess.notes) + f". The header is {header}", file=str(path),
            fix="Write a mapping file and pass it with --mapping (see "
                "docs/importing-history.md)")
    history = read_generic(table, guess.mapping, guessed=True)
    history.report.note(f"guessed mapping: {mapping_to_dict(guess.mapping)}")
    for note in guess.notes:
        history.report.note(note)
    if include_deleted:
        history.report.note("--include-deleted has no effect: a generic table marks no row "
                            "deleted")
    return history
