"""Reading a CSV or XLSX export into a table of text cells, whatever its encoding and delimiter.

Every cell comes back as a Python ``str`` (an empty cell as ``""``), so the readers of each
export format decide what a cell means. Row numbers follow what a spreadsheet shows: the
header is row 1 and the first record row 2, counting records rather than physical lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from simulation.history.errors import HistoryError

logger = logging.getLogger(__name__)

# Exports larger than these are refused before anything is parsed. A runs table of 100,000
# experiments with a few dozen columns is about 30 MB as CSV.
MAX_TEXT_BYTES = 100 * 1024 * 1024
MAX_XLSX_BYTES = 50 * 1024 * 1024
CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
# Spreadsheet programs and the MLflow UI put an apostrophe before a cell that starts with
# = + - or @, so that the cell is not run as a formula: '-0.5 means -0.5.
_FORMULA_ESCAPE = re.compile(r"^'(?=[=+\-@])")
_DECIMAL_COMMA = re.compile(r"^([+-]?\d+),(\d+)$")


@dataclass
class Table:
    """The cells of one export, all as text, with how the file was decoded."""

    path: Path
    frame: pd.DataFrame
    rows: np.ndarray  # the spreadsheet row number of each record in ``frame``
    encoding: str
    delimiter: str | None  # None for XLSX
    decimal_comma: bool
    is_spreadsheet: bool = False

    @property
    def columns(self) -> list[str]:
        return list(self.frame.columns)

    def row_of(self, position: int) -> int:
        """Return the spreadsheet row number of the record at ``position`` in the frame."""
        return int(self.rows[position])

    def describe(self) -> str:
        if self.is_spreadsheet:
            return f"XLSX, {len(self.frame):,} rows, {len(self.columns)} columns"
        delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}[self.delimiter]
        return (f"{self.encoding}, {delimiter}-delimited, {len(self.frame):,} rows, "
                f"{len(self.columns)} columns")


def read_table(path: Path, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX export; raise ``HistoryError`` for anything that is not a table."""
    path = Path(path)
    head = _read_head(path)
    if head.startswith(ZIP_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        return read_xlsx(path, sheet)
    return read_csv(path)


def _read_head(path: Path) -> bytes:
    try:
        with path.open("rb") as stream:
            return stream.read(64)
    except OSError as error:
        raise HistoryError(f"cannot read the file: {error.strerror}", file=str(path),
                           fix="Check the path and the file's permissions") from None


def read_csv(path: Path) -> Table:
    raw = _read_bytes(path, MAX_TEXT_BYTES, "a CSV export")
    text, encoding = decode_text(raw, path)
    if not text.strip():
        raise HistoryError("the file is empty", file=str(path),
                           fix="Export the runs table again; the file has no header and no rows")
    delimiter = sniff_delimiter(text, path)
    records = _parse_records(text, delimiter, path)
    header, body, rows = _split_header(records, delimiter, path)
    frame = pd.DataFrame(body, columns=header, dtype=object) if body else \
        pd.DataFrame({name: pd.Series([], dtype=object) for name in header})
    frame = _unescape_formulas(frame)
    table = Table(path=path, frame=frame, rows=np.asarray(rows, dtype=np.int64),
                  encoding=encoding, delimiter=delimiter, decimal_comma=delimiter == ";")
    logger.info("read %s: %s", path, table.describe())
    return table


def _read_bytes(path: Path, limit: int, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > limit:
            raise HistoryError(
                f"the file is {size / 1e6:,.1f} MB; {what} is read up to {limit / 1e6:.0f} MB",
                file=str(path), fix="Export a shorter period, or fewer columns, and import that")
        return path.read_bytes()
    except OSError as error:
        raise HistoryError(f"cannot read the file: {error.strerror}", file=str(path),
                           fix="Check the path and the file's permissions") from None


def decode_text(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode UTF-8 (with or without a byte-order mark), UTF-16 with a mark, or Windows-1252."""
    if raw.startswith(SQLITE_MAGIC):
        raise HistoryError("this is an SQLite database, not a CSV file", file=str(path),
                           fix="Import it as an MLflow tracking database (mlflow.db)")
    if raw.startswith(codecs.BOM_UTF8):
        return _decode(raw[len(codecs.BOM_UTF8):], "utf-8", path), "UTF-8 with BOM"
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(raw, "utf-16", path), "UTF-16"
    if b"\x00" in raw[:65536]:
        raise HistoryError("the file is binary (it contains NUL bytes), not a CSV export",
                           file=str(path),
                           fix="Export the runs table as CSV, or pass an XLSX workbook")
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    return _decode(raw, "cp1252", path), "Windows-1252"


def _decode(raw: bytes, encoding: str, path: Path) -> str:
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise HistoryError(f"not {encoding} text: invalid byte 0x{raw[error.start]:02x} at "
                           f"offset {error.start}", file=str(path),
                           fix="Save the export as UTF-8 CSV and import it again") from None
    control = sum(1 for ch in text[:65536] if ord(ch) < 32 and ch not in "\r\n\t")
    if control > 0.01 * min(len(text), 65536) + 2:
        raise HistoryError("the file is binary (it is full of control characters), not a CSV "
                           "export", file=str(path),
                           fix="Export the runs table as CSV, or pass an XLSX workbook")
    return text


def sniff_delimiter(text: str, path: Path) -> str:
    """Pick the delimiter that splits the header into the most columns and fits most rows."""
    sample = "\n".join(text.splitlines()[:200])
    best, best_fields = ",", 1
    for delimiter in CANDIDATE_DELIMITERS:
        try:
            records = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter) if r]
        except csv.Error:
            continue
        if not records:
            continue
        fields = len(records[0])
        body = records[1:-1] or records[1:]  # the last sampled line may be cut short
        consistent = sum(len(r) == fields for r in body)
        if fields > best_fields and (not body or consistent >= 0.9 * len(body)):
            best, best_fields = delimiter, fields
    return best


def _parse_records(text: str, delimiter: str, path: Path) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        raise HistoryError(f"malformed CSV: {error}", file=str(path),
                           fix="Check for an unclosed quote; export the file again") from None


def _split_header(records: list[list[str]], delimiter: str,
                  path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    numbered = [(index + 1, record) for index, record in enumerate(records)
                if any(cell.strip() for cell in record)]
    if not numbered:
        raise HistoryError("the file has no header row", file=str(path),
                           fix="Export the runs table again with its header")
    _, header = numbered[0]
    header = unique_names([cell.strip() for cell in header])
    while len(header) > 1 and header[-1].startswith("column ") and header[-1][7:].isdigit():
        header.pop()  # a trailing delimiter on the header line makes an empty last column
    width = len(header)
    body, rows = [], []
    for row, record in numbered[1:]:
        if len(record) > width:
            extra = record[width:]
            if any(cell.strip() for cell in extra):
                raise HistoryError(
                    f"the row has {len(record)} cells but the header has {width}",
                    file=str(path), row=row,
                    fix=f"Quote cells that contain the delimiter {delimiter!r}, or check that "
                        "every row uses the same delimiter as the header")
            record = record[:width]
        elif len(record) < width:
            if len(record) == 1 and width > 1 and _uses_other_delimiter(record[0], delimiter):
                raise HistoryError(
                    f"the row is one cell {record[0][:60]!r}, but the header is split by "
                    f"{delimiter!r} into {width} columns", file=str(path), row=row,
                    fix="Use one delimiter throughout the file")
            record = record + [""] * (width - len(record))
        body.append(record)
        rows.append(row)
    return header, body, rows


def _uses_other_delimiter(cell: str, delimiter: str) -> bool:
    return any(other in cell for other in CANDIDATE_DELIMITERS if other != delimiter)


def unique_names(names: list[str]) -> list[str]:
    """Name empty header cells ``column N`` and number repeated names ``name (2)``."""
    seen: dict[str, int] = {}
    result = []
    for index, name in enumerate(names):
        name = name or f"column {index + 1}"
        count = seen.get(name, 0) + 1
        seen[name] = count
        result.append(name if count == 1 else f"{name} ({count})")
    return result


def _unescape_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        values = frame[column]
        escaped = values.str.startswith("'", na=False)
        if escaped.any():
            frame[column] = values.str.replace(_FORMULA_ESCAPE, "", regex=True)
    return frame


def read_xlsx(path: Path, sheet: str | None = None) -> Table:
    _read_bytes_size_only(path, MAX_XLSX_BYTES, "an XLSX workbook")
    try:
        frame = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, header=None,
                              dtype=object, engine="openpyxl")
    except (zipfile.BadZipFile, OSError, KeyError, ValueError, TypeError, EOFError) as error:
        if sheet is not None and "not found" in str(error):
            raise HistoryError(f"the workbook has no sheet named {sheet!r}", file=str(path),
                               fix="Name an existing sheet in the mapping's \"sheet\"") from None
        raise HistoryError(f"not a readable XLSX workbook ({type(error).__name__}: {error})",
                           file=str(path),
                           fix="Open it in a spreadsheet program and save it as .xlsx or CSV"
                           ) from None
    cells = frame.map(_cell_text)
    filled = cells.apply(lambda row: any(value.strip() for value in row), axis=1).to_numpy()
    rows = np.flatnonzero(filled) + 1
    if len(rows) == 0:
        raise HistoryError("the sheet is empty", file=str(path),
                           fix="Choose the sheet with the runs table in the mapping's \"sheet\"")
    header = unique_names([value.strip() for value in cells.iloc[rows[0] - 1]])
    body = cells.iloc[rows[1:] - 1].copy()
    body.columns = header
    body = body.reset_index(drop=True)
    table = Table(path=path, frame=body, rows=rows[1:], encoding="XLSX", delimiter=None,
                  decimal_comma=False, is_spreadsheet=True)
    logger.info("read %s: %s", path, table.describe())
    return table


def _read_bytes_size_only(path: Path, limit: int, what: str) -> None:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise HistoryError(f"cannot read the file: {error.strerror}", file=str(path)) from None
    if size > limit:
        raise HistoryError(
            f"the file is {size / 1e6:,.1f} MB; {what} is read up to {limit / 1e6:.0f} MB",
            file=str(path), fix="Save the sheet as CSV, which is read up to "
                                f"{MAX_TEXT_BYTES / 1e6:.0f} MB")


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp) or hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_numbers(values: pd.Series, decimal_comma: bool) -> pd.Series:
    """Convert text cells to floats; empty and non-numeric cells become NaN."""
    text = values.astype(str).str.strip()
    if decimal_comma:
        text = text.str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
    return pd.to_numeric(text.where(text != "", None), errors="coerce").astype(float)
