"""Turning timestamp cells into UTC times, with the reading stated and ambiguity caught.

Recognised forms, one per column:

- ISO 8601 and year-first dates: ``2024-03-05``, ``2024-03-05 14:30``,
  ``2024-03-05T14:30:00.123Z``, ``2024-03-05 14:30:00+01:00``, ``2024/03/05``.
- Numeric dates with the day or the month first: ``05/03/2024``, ``5.3.24 14:30``,
  ``03/05/2024 2:30 PM``. Which of the two is meant is read from the data: a first number
  above 12 means day first, a second number above 12 means month first. When every value in
  every date column of the file fits both readings, the caller must say which (``date_order``).
- Dates with an English month name: ``05/Mar/24 2:30 PM`` (the Jira export), ``5 March 2024``,
  ``Mar 5, 2024``.
- Epoch numbers: seconds, milliseconds, microseconds or nanoseconds, distinguished by size.
- In XLSX workbooks only: Excel serial day numbers (days since 1899-12-30), also mixed with
  dates in one column, because a workbook stores dates as serial numbers and only a cell's
  format shows them as dates.

Times without a zone are read as UTC. Two-digit years 69-99 are 1969-1999 and 00-68 are
2000-2068, as POSIX ``strptime`` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from simulation.history.errors import HistoryError

DateOrder = Literal["auto", "day_first", "month_first"]
DATE_ORDERS = ("auto", "day_first", "month_first")

_TIME = (r"(?:[ T,]+(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})"
         r"(?:[.,](?P<fraction>\d{1,9}))?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?)?")
_ZONE = r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?"
PATTERNS = {
    "ISO 8601": re.compile(
        r"^(?P<year>\d{4})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})" + _TIME + _ZONE + "$"),
    "numeric day and month": re.compile(
        r"^(?P<first>\d{1,2})[-/.](?P<second_number>\d{1,2})[-/.](?P<year>\d{4}|\d{2})"
        + _TIME + _ZONE + "$"),
    "day, month name, year": re.compile(
        r"^(?P<day>\d{1,2})[-/. ]+(?P<month_name>[A-Za-z]{3,9})\.?[-/. ]+(?P<year>\d{4}|\d{2})"
        + _TIME + _ZONE + "$"),
    "month name, day, year": re.compile(
        r"^(?P<month_name>[A-Za-z]{3,9})\.? +(?P<day>\d{1,2}),? +(?P<year>\d{4})"
        + _TIME + _ZONE + "$"),
    "number": re.compile(r"^[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$"),
}
MONTHS = {name: index + 1 for index, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
    ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
    ("oct", "october"), ("nov", "november"), ("dec", "december"))) for name in names}
# Epoch units by size: each covers the years 1973 to about 5138.
EPOCH_UNITS = ((1e8, 1e11, "s", "epoch seconds"), (1e11, 1e14, "ms", "epoch milliseconds"),
               (1e14, 1e17, "us", "epoch microseconds"), (1e17, 1e20, "ns", "epoch nanoseconds"))
EXCEL_EPOCH = pd.Timestamp("1899-12-30", tz="UTC")
EXCEL_MIXED = "dates and Excel serial days"
SUPPORTED = ("Use ISO 8601 (2024-03-05 14:30), day/month/year or month/day/year with the "
             "order set in the mapping, a month name (05/Mar/24), or epoch seconds or "
             "milliseconds")


@dataclass(frozen=True)
class DateReading:
    """The form in which one column's timestamps were read."""

    column: str
    form: str  # "ISO 8601", "day first", "month first", "epoch milliseconds", ...
    values: int
    order_from: str = ""  # for day/month dates: "the data" or "the mapping"

    def describe(self) -> str:
        text = f"{self.column!r}: {self.form}"
        if self.order_from:
            text += f" (order taken from {self.order_from})"
        return text


@dataclass(frozen=True)
class Cells:
    """One column's cells with the spreadsheet row number of each."""

    column: str
    values: pd.Series  # text
    rows: np.ndarray


def parse_timestamp_columns(columns: list[Cells], file: str, date_order: DateOrder = "auto",
                            excel_serials: bool = False,
                            ) -> tuple[dict[str, pd.Series], list[DateReading]]:
    """Parse several timestamp columns of one file, sharing the day/month order between them.

    Returns the parsed columns (UTC, NaT for empty cells) by name and how each was read.
    """
    if date_order not in DATE_ORDERS:
        raise HistoryError(f"unknown date_order {date_order!r}", file=file,
                           fix=f"Use one of: {', '.join(DATE_ORDERS)}")
    classified = [_classify(cells, file, excel_serials) for cells in columns]
    order, order_from = _resolve_order(classified, file, date_order)
    parsed, readings = {}, []
    for cells, (form, text, mask) in zip(columns, classified):
        times, reading = _parse_column(cells, form, text, mask, file, order, order_from,
                                       excel_serials)
        parsed[cells.column] = times
        readings.append(reading)
    return parsed, readings


def _classify(cells: Cells, file: str, excel_serials: bool) -> tuple[str | None, pd.Series,
                                                                     np.ndarray]:
    """Return the column's one form, its stripped text and the mask of non-empty cells."""
    text = cells.values.astype(str).str.strip()
    mask = (text != "").to_numpy() & (text.str.lower() != "nan").to_numpy()
    if not mask.any():
        return None, text, mask
    forms = pd.Series(np.full(len(text), "", dtype=object), index=text.index)
    for form, pattern in PATTERNS.items():
        unclaimed = mask & (forms == "").to_numpy()
        if unclaimed.any():
            matches = text[unclaimed].str.match(pattern)
            forms[matches[matches].index] = form
    unknown = np.flatnonzero(mask & (forms == "").to_numpy())
    if len(unknown):
        position = unknown[0]
        raise HistoryError(f"{text.iloc[position]!r} is not a date or time that can be read",
                           file=file, row=int(cells.rows[position]), column=cells.column,
                           fix=SUPPORTED)
    present = forms[mask]
    counts = present.value_counts()
    if excel_serials and set(counts.index) == {"ISO 8601", "number"}:
        return EXCEL_MIXED, text, mask
    if len(counts) > 1:
        main, other = counts.index[0], counts.index[1]
        first_main = np.flatnonzero(mask & (forms == main).to_numpy())[0]
        first_other = np.flatnonzero(mask & (forms == other).to_numpy())[0]
        raise HistoryError(
            f"the column mixes date formats: row {cells.rows[first_main]} is "
            f"{text.iloc[first_main]!r} ({main}) but this row is {text.iloc[first_other]!r} "
            f"({other})", file=file, row=int(cells.rows[first_other]), column=cells.column,
            fix="Export all dates of a column in one format, preferably ISO 8601 "
                "(2024-03-05 14:30)")
    return counts.index[0], text, mask


def _resolve_order(classified, file: str, date_order: DateOrder) -> tuple[str | None, str]:
    """Decide between day first and month first from the evidence of every numeric column."""
    day_first_row = month_first_row = None
    any_numeric = False
    for form, text, mask in classified:
        if form != "numeric day and month":
            continue
        any_numeric = True
        parts = text[mask].str.extract(PATTERNS[form])
        first = parts["first"].astype(int).to_numpy()
        second = parts["second_number"].astype(int).to_numpy()
        if day_first_row is None and (first > 12).any():
            day_first_row = text[mask].iloc[int(np.argmax(first > 12))]
        if month_first_row is None and (second > 12).any():
            month_first_row = text[mask].iloc[int(np.argmax(second > 12))]
    if not any_numeric:
        return None, ""
    if day_first_row is not None and month_first_row is not None:
        raise HistoryError(
            f"the dates contradict each other: {day_first_row!r} only fits day/month/year but "
            f"{month_first_row!r} only fits month/day/year", file=file,
            fix="Export all dates in one format, preferably ISO 8601 (2024-03-05 14:30)")
    evidence = "day_first" if day_first_row is not None else \
        "month_first" if month_first_row is not None else None
    if evidence and date_order not in ("auto", evidence):
        sample = day_first_row if evidence == "day_first" else month_first_row
        raise HistoryError(
            f"the mapping sets date_order {date_order!r} but {sample!r} can only be read as "
            f"{evidence.replace('_', ' ')}", file=file,
            fix=f"Set \"date_order\" to \"{evidence}\" or \"auto\" in the mapping")
    if evidence:
        return evidence, "the data"
    if date_order == "auto":
        raise HistoryError(
            "every date fits both day/month/year and month/day/year (no day is above 12), so "
            "the order cannot be read from the data", file=file,
            fix="Set \"date_order\": \"day_first\" or \"month_first\" in the mapping")
    return date_order, "the mapping"


def _parse_column(cells: Cells, form: str | None, text: pd.Series, mask: np.ndarray, file: str,
                  order: str | None, order_from: str, excel_serials: bool,
                  ) -> tuple[pd.Series, DateReading]:
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns, UTC]")
    count = int(mask.sum())
    if form is None:
        return result, DateReading(cells.column, "empty", 0)
    present = text[mask]
    if form == EXCEL_MIXED:
        numeric = present.str.match(PATTERNS["number"]).to_numpy()
        dates = np.flatnonzero(mask)[~numeric]
        serials = np.flatnonzero(mask)[numeric]
        date_times, _ = _parse_column(cells, "ISO 8601", text, _only(mask, dates), file, order,
                                      order_from, excel_serials)
        serial_times, _ = _parse_column(cells, "number", text, _only(mask, serials), file,
                                        order, order_from, excel_serials)
        result = date_times.where(date_times.notna(), serial_times)
        return result, DateReading(cells.column, "dates and Excel serial days", count)
    if form == "number":
        times, label = _parse_numbers(present, cells, mask, file, excel_serials)
        result[mask] = times
        return result, DateReading(cells.column, label, count)
    parts = present.str.extract(PATTERNS[form])
    if form == "numeric day and month":
        day_column = "first" if order == "day_first" else "second_number"
        month_column = "second_number" if order == "day_first" else "first"
        parts["day"], parts["month"] = parts[day_column], parts[month_column]
        label = "day first (31/12/2024)" if order == "day_first" else "month first (12/31/2024)"
    elif "month_name" in parts:
        names = parts["month_name"].str.lower()
        parts["month"] = names.map(MONTHS)
        unknown = np.flatnonzero(parts["month"].isna().to_numpy())
        if len(unknown):
            position = np.flatnonzero(mask)[unknown[0]]
            raise HistoryError(f"{text.iloc[position]!r} has an unknown month name",
                               file=file, row=int(cells.rows[position]), column=cells.column,
                               fix="Use English month names (Jan to Dec) or ISO 8601 dates")
        label = form
    else:
        label = form
    times = _assemble(parts)
    invalid = np.flatnonzero(times.isna().to_numpy())
    if len(invalid):
        position = np.flatnonzero(mask)[invalid[0]]
        raise HistoryError(f"{text.iloc[position]!r} is not a valid date or time", file=file,
                           row=int(cells.rows[position]), column=cells.column,
                           fix="Correct the value, or clear the cell if the time is unknown")
    result[mask] = times.to_numpy()
    return result, DateReading(cells.column, label, count,
                               order_from if form == "numeric day and month" else "")


def _only(mask: np.ndarray, positions: np.ndarray) -> np.ndarray:
    subset = np.zeros_like(mask)
    subset[positions] = True
    return subset


def _assemble(parts: pd.DataFrame) -> pd.Series:
    """Build UTC times from text components; an impossible date becomes NaT."""
    year = parts["year"].astype(int)
    year = year.where(year >= 100, np.where(year < 69, 2000 + year, 1900 + year))
    hour = parts["hour"].fillna("0").astype(int)
    ampm = parts["ampm"].fillna("").str.lower().str[:1]
    hour = hour.where(ampm == "", np.where(ampm == "p", hour % 12 + 12, hour % 12))
    bad_hour = (ampm != "") & (parts["hour"].fillna("0").astype(int) > 12)
    fraction = parts["fraction"].fillna("0").str.ljust(9, "0").str[:9].astype(np.int64)
    components = pd.DataFrame({
        "year": year, "month": parts["month"].astype(int), "day": parts["day"].astype(int),
        "hour": hour, "minute": parts["minute"].fillna("0").astype(int),
        "second": parts["second"].fillna("0").astype(int), "ns": fraction,
    })
    times = pd.to_datetime(components, errors="coerce").dt.tz_localize("UTC")
    times = times - _zone_offsets(parts["zone"])
    times[bad_hour.to_numpy()] = pd.NaT
    return times


def _zone_offsets(zones: pd.Series) -> pd.Series:
    zone = zones.fillna("").str.upper().str.replace(":", "", regex=False)
    numeric = zone.str.match(r"^[+-]\d{2}")
    sign = np.where(zone.str[0] == "-", -1, 1)
    hours = pd.to_numeric(zone.str[1:3].where(numeric, "0"), errors="coerce").fillna(0)
    minutes = pd.to_numeric(zone.str[3:5].where(numeric & (zone.str.len() >= 5), "0"),
                            errors="coerce").fillna(0)
    return pd.to_timedelta(sign * (hours * 60 + minutes), unit="m")


def _parse_numbers(present: pd.Series, cells: Cells, mask: np.ndarray, file: str,
                   excel_serials: bool) -> tuple[np.ndarray, str]:
    numbers = present.astype(float).to_numpy()
    magnitude = np.abs(numbers)
    for low, high, unit, label in EPOCH_UNITS:
        inside = (magnitude >= low) & (magnitude < high)
        if inside.all():
            return pd.to_datetime(numbers, unit=unit, utc=True).to_numpy(), label
        if inside.any():
            outside = np.flatnonzero(~inside)[0]
            position = np.flatnonzero(mask)[outside]
            first = np.flatnonzero(inside)[0]
            raise HistoryError(
                f"{present.iloc[outside]!r} does not have the size of the other epoch times in "
                f"the column (row {cells.rows[np.flatnonzero(mask)[first]]} is "
                f"{present.iloc[first]!r}, {label})", file=file, row=int(cells.rows[position]),
                column=cells.column,
                fix="Export every time of a column in one unit (all seconds or all "
                    "milliseconds)")
    if excel_serials and ((magnitude >= 1) & (magnitude < 2958466)).all():
        return (EXCEL_EPOCH + pd.to_timedelta(numbers, unit="D")).to_numpy(), \
            "Excel serial days"
    position = np.flatnonzero(mask)[0]
    raise HistoryError(f"{present.iloc[0]!r} is a number but not a plausible epoch time "
                       "(seconds or milliseconds since 1970)", file=file,
                       row=int(cells.rows[position]), column=cells.column, fix=SUPPORTED)
