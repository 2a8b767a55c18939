"""Helpers for editing duration distributions in days: parameter names and kind changes."""

from __future__ import annotations

import statistics
from typing import Any

from simulation.validation import DISTRIBUTION_FIELDS

KINDS = tuple(DISTRIBUTION_FIELDS)
KIND_TITLES = {
    "fixed": "Fixed",
    "uniform": "Uniform",
    "triangular": "Triangular",
    "pert": "PERT",
    "lognormal": "Lognormal",
    "exponential": "Exponential",
    "empirical": "Empirical",
}
PARAMETER_TITLES = {"value": "value", "min": "min", "likely": "likely", "max": "max",
                    "median": "median", "p90": "p90", "mean": "mean"}


def parameter_names(kind: Any) -> tuple[str, ...]:
    """Return the numeric parameters of a distribution kind; none for empirical or unknown."""
    if kind == "empirical":
        return ()
    return DISTRIBUTION_FIELDS.get(kind, ())


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def typical_range(doc: dict) -> tuple[float, float, float]:
    """Return (low, typical, high) days of a distribution document, as far as it is readable.

    Unreadable parameters fall back to one day, so a kind change always yields numbers.
    """
    get = {key: _number(doc.get(key)) for key in ("value", "min", "likely", "max", "median",
                                                  "p90", "mean")}
    kind = doc.get("kind")
    if kind == "fixed" and get["value"] is not None:
        return get["value"], get["value"], get["value"]
    if kind == "uniform" and None not in (get["min"], get["max"]):
        return get["min"], (get["min"] + get["max"]) / 2, get["max"]
    if kind in ("triangular", "pert") and None not in (get["min"], get["likely"], get["max"]):
        return get["min"], get["likely"], get["max"]
    if kind == "lognormal" and None not in (get["median"], get["p90"]):
        return get["median"] / 2, get["median"], get["p90"]
    if kind == "exponential" and get["mean"] is not None:
        return 0.0, get["mean"], 3 * get["mean"]
    samples = [float(s) for s in doc.get("samples", []) if _number(s) is not None]
    if kind == "empirical" and samples:
        return min(samples), statistics.median(samples), max(samples)
    return 0.5, 1.0, 2.0


def convert_duration(doc: dict, kind: str) -> dict:
    """Return a distribution of ``kind`` with about the same typical value and spread."""
    low, typical, high = typical_range(doc)
    if high <= low:
        low, high = typical * 0.75, typical * 1.5
    if typical <= 0:
        typical, low, high = 1.0, 0.5, 2.0
    low, typical, high = (round(x, 3) for x in (low, typical, high))
    if kind == "fixed":
        return {"kind": kind, "value": typical}
    if kind == "uniform":
        return {"kind": kind, "min": low, "max": high}
    if kind in ("triangular", "pert"):
        return {"kind": kind, "min": low, "likely": typical, "max": high}
    if kind == "lognormal":
        return {"kind": kind, "median": typical, "p90": max(high, round(typical * 1.5, 3))}
    if kind == "exponential":
        return {"kind": kind, "mean": typical}
    if kind == "empirical":
        return {"kind": kind, "samples": [low, typical, high]}
    raise ValueError(f"unknown distribution kind {kind!r}; use one of: {', '.join(KINDS)}")


def parse_number(text: str) -> Any:
    """Read a typed number; return the text itself when it is not one, for validation to name.

    Empty text becomes ``None``. Integral text stays an ``int`` so that whole-number fields
    such as units and capacity accept it.
    """
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return int(stripped)
    except ValueError:
        pass
    try:
        return float(stripped)
    except ValueError:
        return stripped


def format_number(value: Any) -> str:
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e6 else f"{value:.6g}"
    return str(value)
