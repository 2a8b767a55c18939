"""Reading an MLflow file store (an ``mlruns/`` folder) without MLflow installed.

Layout, as MLflow 1.x and 2.x write it: ``mlruns/<experiment id>/meta.yaml`` describes an
experiment and ``mlruns/<experiment id>/<run id>/meta.yaml`` a run, with one file per tag and
param under ``tags/`` and ``params/``. Deleting an experiment moves its folder to
``mlruns/.trash/``, and its ``meta.yaml`` may still contain ``lifecycle_stage: active``, so
the location is what marks it deleted. Deleting a run leaves it in place with
``lifecycle_stage: deleted``. The run status is MLflow's RunStatus number (1 RUNNING,
2 SCHEDULED, 3 FINISHED, 4 FAILED, 5 KILLED); times are epoch milliseconds.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pandas as pd
import yaml

from simulation.history.errors import HistoryError
from simulation.history.records import (
    MLFLOW_STATUS_CODES,
    STATUSES,
    History,
    ImportReport,
    empty_runs,
    history_from_runs,
    inflect,
    is_gpu_key,
    plural,
)

logger = logging.getLogger(__name__)

TRASH = ".trash"
MAX_META_BYTES = 1024 * 1024
MAX_TAG_BYTES = 64 * 1024
PARENT_TAG = "mlflow.parentRunId"
RUN_NAME_TAG = "mlflow.runName"
# Epoch milliseconds between 1973 and 5138; a truncated number falls outside.
EPOCH_MS_RANGE = (1e11, 1e14)
NOT_EXPERIMENT_FOLDERS = {"models", TRASH}
# The loader of yaml.safe_load, in C when PyYAML was built with libyaml: it constructs only
# plain types, as safe_load does, and reads a store of 5,000 runs about four times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def is_file_store(path: Path) -> bool:
    """Tell whether ``path`` looks like an ``mlruns`` folder or contains one."""
    root = _store_root(path)
    if (root / TRASH).is_dir() or (root / "0" / "meta.yaml").is_file():
        return True
    if (root / "meta.yaml").is_file():
        return True
    try:
        return any((entry / "meta.yaml").is_file() for entry in root.iterdir() if entry.is_dir())
    except OSError:
        return False


def _store_root(path: Path) -> Path:
    nested = path / "mlruns"
    return nested if nested.is_dir() else path


def read_file_store(path: Path, include_deleted: bool = False) -> History:
    """Read every experiment and run of a file store, including those in ``.trash``."""
    root = _store_root(Path(path))
    report = ImportReport(str(path), "MLflow file store")
    folders = _experiment_folders(root, report)
    if not folders:
        raise HistoryError("no MLflow experiments found (no <experiment id>/meta.yaml)",
                           file=str(path),
                           fix="Pass the mlruns folder that MLflow wrote, or its parent")
    rows, empty_experiments, experiments_read = [], 0, 0
    for folder, in_trash in folders:
        experiment = _read_experiment(folder, in_trash, root, report)
        if experiment is None:
            continue
        experiments_read += 1
        runs = _read_runs(folder, experiment, root, report)
        empty_experiments += not runs
        rows += runs
    report.count("MLflow experiment folder{s}", experiments_read)
    if empty_experiments:
        report.note(f"{plural(empty_experiments, 'MLflow experiment')} without runs")
    in_trash = sum(1 for folder, trashed in folders if trashed)
    if in_trash:
        report.note(f"{plural(in_trash, 'MLflow experiment')} in {TRASH}: deleted, so "
                    f"{inflect('{its}', in_trash)} runs count as deleted")
    runs = pd.DataFrame(rows) if rows else empty_runs()
    return history_from_runs(runs, report, include_deleted)


def _experiment_folders(root: Path, report: ImportReport) -> list[tuple[Path, bool]]:
    if (root / "meta.yaml").is_file() and not (root / TRASH).exists():
        return [(root, False)]  # the path is one experiment's folder
    folders = []
    for base, in_trash in ((root, False), (root / TRASH, True)):
        if not base.is_dir():
            continue
        for entry in sorted(_subfolders(base), key=lambda p: p.name):
            if not in_trash and entry.name in NOT_EXPERIMENT_FOLDERS:
                continue
            if not (entry / "meta.yaml").is_file():
                report.skip("folder{s} without a meta.yaml, so not MLflow experiments",
                            detail=f"{_relative(entry, root)}: no meta.yaml")
                continue
            folders.append((entry, in_trash))
    return folders


def _subfolders(folder: Path) -> list[Path]:
    try:
        with os.scandir(folder) as entries:
            return [Path(entry.path) for entry in entries if entry.is_dir(follow_symlinks=False)]
    except OSError as error:
        raise HistoryError(f"cannot list the folder: {error.strerror}", file=str(folder)) from None


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _read_experiment(folder: Path, in_trash: bool, root: Path,
                     report: ImportReport) -> dict | None:
    try:
        meta = read_meta_yaml(folder / "meta.yaml")
    except HistoryError as error:
        report.skip("MLflow experiment{s} with an unreadable meta.yaml (and {its} runs)",
                    detail=str(error))
        return None
    return {
        "id": str(meta.get("experiment_id", folder.name)),
        "name": str(meta.get("name") or folder.name),
        "deleted": in_trash or meta.get("lifecycle_stage") == "deleted",
    }


def _read_runs(folder: Path, experiment: dict, root: Path, report: ImportReport) -> list[dict]:
    runs = []
    for entry in sorted(_subfolders(folder), key=lambda p: p.name):
        meta_path = entry / "meta.yaml"
        if not meta_path.is_file():
            report.skip("folder{s} inside MLflow experiments without a meta.yaml, so not runs",
                        detail=f"{_relative(entry, root)}: not a run (no meta.yaml)")
            continue
        try:
            run = _read_run(entry, meta_path, experiment)
        except HistoryError as error:
            report.skip("run{s} with an unreadable or incomplete meta.yaml", detail=str(error))
            continue
        runs.append(run)
    return runs


def read_meta_yaml(path: Path) -> dict:
    """Parse one ``meta.yaml`` safely (plain types only); raise ``HistoryError`` naming the line."""
    try:
        size = path.stat().st_size
        if size > MAX_META_BYTES:
            raise HistoryError(f"the file is {size:,} bytes, too large for an MLflow meta.yaml",
                               file=str(path), fix="Check that this is an MLflow mlruns folder")
        raw = path.read_bytes()
    except OSError as error:
        raise HistoryError(f"cannot read the file: {error.strerror}", file=str(path)) from None
    if not raw.strip():
        raise HistoryError("the file is empty", file=str(path),
                           fix="Restore the file from a backup, or remove the run's folder")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise HistoryError(f"not UTF-8 text (invalid byte at offset {error.start})",
                           file=str(path), fix="Restore the file from a backup") from None
    try:
        doc = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise HistoryError(f"malformed YAML: {problem}", file=str(path),
                           line=mark.line + 1 if mark else None,
                           column=mark.column + 1 if mark else None,
                           fix="The file may be truncated; restore it or remove the run's "
                               "folder") from None
    if not isinstance(doc, dict):
        raise HistoryError(f"expected a mapping of fields, got {type(doc).__name__}",
                           file=str(path), fix="The file may be truncated; restore it")
    return doc


def _read_run(folder: Path, meta_path: Path, experiment: dict) -> dict:
    meta = read_meta_yaml(meta_path)
    run_id = meta.get("run_id") or meta.get("run_uuid")
    if not run_id:
        raise HistoryError("missing run_id and run_uuid", file=str(meta_path),
                           fix="The file may be truncated; restore it")
    for key in ("start_time", "status"):
        if key not in meta:
            raise HistoryError(f"missing {key}", file=str(meta_path),
                               fix="The file may be truncated; restore it")
    started_at = _epoch_ms(meta, "start_time", meta_path)
    ended_at = _epoch_ms(meta, "end_time", meta_path)
    tags = _read_values(folder / "tags", lambda name: name in (PARENT_TAG, RUN_NAME_TAG)
                        or is_gpu_key(name))
    params = _read_values(folder / "params", is_gpu_key)
    return {
        "run_id": str(run_id),
        "parent_id": tags.get(PARENT_TAG),
        "name": tags.get(RUN_NAME_TAG) or meta.get("run_name") or meta.get("name") or "",
        "group": experiment["name"],
        "status": _status(meta.get("status"), meta_path),
        "deleted": experiment["deleted"] or meta.get("lifecycle_stage") == "deleted",
        "started_at": started_at,
        "ended_at": ended_at,
        "gpus": _gpu_count(params, tags),
    }


def _epoch_ms(meta: dict, key: str, path: Path) -> pd.Timestamp | None:
    value = meta.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not EPOCH_MS_RANGE[0] <= value < EPOCH_MS_RANGE[1]:
        raise HistoryError(f"{key} is {value!r}, not a time in epoch milliseconds",
                           file=str(path), fix="The file may be truncated; restore it")
    return pd.Timestamp(int(value), unit="ms", tz="UTC")


def _status(value, path: Path) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value in MLFLOW_STATUS_CODES:
        return MLFLOW_STATUS_CODES[value]
    if isinstance(value, str) and value.strip().upper() in STATUSES:
        return value.strip().upper()
    raise HistoryError(f"status {value!r} is not an MLflow run status", file=str(path),
                       fix="Use 1 to 5 (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)")


def _read_values(folder: Path, accept) -> dict[str, str]:
    """Read the tag or param files whose names ``accept`` returns true for.

    An unreadable file is logged and left out.
    """
    values = {}
    if not folder.is_dir():
        return values
    try:
        names = [name for name in os.listdir(folder) if accept(name)]
    except OSError:
        return values
    for name in names:
        path = folder / name
        try:
            if path.stat().st_size <= MAX_TAG_BYTES:
                values[name] = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            logger.warning("cannot read %s: %s", path, error)
    return values


def _gpu_count(params: dict[str, str], tags: dict[str, str]) -> float | None:
    for values in (params, tags):
        for name, text in values.items():
            if is_gpu_key(name):
                try:
                    return float(text)
                except ValueError:
                    logger.warning("GPU count %r of %s is not a number", text, name)
    return None
