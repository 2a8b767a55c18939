"""Reading CSV and XLSX exports: encodings, delimiters, escapes and broken files."""

import tempfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulation.history import tables
from simulation.history.errors import HistoryError
from simulation.history.measure import measure_baseline
from simulation.history.sources import read_history
from simulation.history.tables import parse_numbers, read_table


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_utf8_with_bom(tmp_path):
    path = write(tmp_path / "a.csv", "\ufeffid,name\n1,Zoë\n".encode())
    table = read_table(path)
    assert table.columns == ["id", "name"]
    assert table.frame["name"].tolist() == ["Zoë"]
    assert table.encoding == "UTF-8 with BOM"


def test_windows_1252(tmp_path):
    path = write(tmp_path / "a.csv", "id;name\n1;Café – test\n".encode("cp1252"))
    table = read_table(path)
    assert table.frame["name"].tolist() == ["Café – test"]
    assert table.encoding == "Windows-1252"


def test_utf16_with_bom(tmp_path):
    path = write(tmp_path / "a.csv", "id\tname\n1\tx\n".encode("utf-16"))
    table = read_table(path)
    assert table.columns == ["id", "name"]
    assert table.delimiter == "\t"


def test_semicolon_sniffed_with_decimal_comma(tmp_path):
    path = write(tmp_path / "a.csv", b"id;gpus;note\n1;0,5;a, b\n2;4;c\n")
    table = read_table(path)
    assert table.delimiter == ";"
    assert table.decimal_comma
    assert parse_numbers(table.frame["gpus"], table.decimal_comma).tolist() == [0.5, 4.0]
    assert table.frame["note"].tolist() == ["a, b", "c"]


def test_formula_escape_removed(tmp_path):
    path = write(tmp_path / "a.csv",
                 b'"id","loss","name"\n"1","\'-0.5","\'=x"\n"2","0.25","plain\'"\n')
    table = read_table(path)
    assert table.frame["loss"].tolist() == ["-0.5", "0.25"]
    assert table.frame["name"].tolist() == ["=x", "plain'"]


def test_row_numbers_skip_blank_lines(tmp_path):
    path = write(tmp_path / "a.csv", b"id,x\n\n1,a\n2,b\n")
    table = read_table(path)
    assert table.rows.tolist() == [3, 4]


def test_trailing_delimiter_and_short_rows(tmp_path):
    path = write(tmp_path / "a.csv", b"id,x,y,\n1,a,b,\n2,c\n")
    table = read_table(path)
    assert table.columns == ["id", "x", "y"]
    assert table.frame["y"].tolist() == ["b", ""]


def test_duplicate_and_empty_header_names(tmp_path):
    path = write(tmp_path / "a.csv", b",loss,loss\n0,1,2\n")
    assert read_table(path).columns == ["column 1", "loss", "loss (2)"]


def test_empty_file(tmp_path):
    for content in (b"", b"  \n\n"):
        with pytest.raises(HistoryError) as error:
            read_table(write(tmp_path / "empty.csv", content))
        assert "empty.csv" in str(error.value)
        assert "empty" in str(error.value)


def test_binary_file(tmp_path):
    path = write(tmp_path / "model.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(HistoryError) as error:
        read_table(path)
    assert "model.csv" in str(error.value)
    assert "binary" in str(error.value)


def test_sqlite_passed_as_csv(tmp_path):
    path = write(tmp_path / "runs.csv", b"SQLite format 3\x00" + b"\x00" * 100)
    with pytest.raises(HistoryError, match="SQLite database"):
        read_table(path)


def test_huge_file_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(tables, "MAX_TEXT_BYTES", 1000)
    path = write(tmp_path / "big.csv", b"id,x\n" + b"1,a\n" * 500)
    with pytest.raises(HistoryError) as error:
        read_table(path)
    assert "big.csv" in str(error.value)
    assert "MB" in str(error.value)


def test_row_with_another_delimiter(tmp_path):
    path = write(tmp_path / "mixed.csv", b"id,created,finished\n1,2024-01-01,2024-01-03\n"
                                         b"2;2024-01-02;2024-01-05\n")
    with pytest.raises(HistoryError) as error:
        read_table(path)
    assert error.value.row == 3
    assert "mixed.csv, row 3" in str(error.value)
    assert "delimiter" in str(error.value)


def test_row_with_too_many_cells(tmp_path):
    path = write(tmp_path / "wide.csv", b"id,x\n1,a\n2,b,c\n")
    with pytest.raises(HistoryError) as error:
        read_table(path)
    assert error.value.row == 3
    assert "3 cells but the header has 2" in str(error.value)


def test_unclosed_quote(tmp_path):
    path = write(tmp_path / "quote.csv", b'id,x\n1,"abc\n')
    with pytest.raises(HistoryError, match="quote.csv"):
        read_table(path)


def test_xlsx_cells_become_text(tmp_path):
    import datetime

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "created", "gpus"])
    sheet.append([1, datetime.datetime(2024, 3, 5, 14, 30), 2])
    sheet.append([None, None, None])
    sheet.append([2, datetime.datetime(2024, 3, 6), 0.5])
    path = tmp_path / "runs.xlsx"
    workbook.save(path)
    table = read_table(path)
    assert table.columns == ["id", "created", "gpus"]
    assert table.frame["created"].tolist() == ["2024-03-05T14:30:00", "2024-03-06T00:00:00"]
    assert table.frame["gpus"].tolist() == ["2", "0.5"]
    assert table.rows.tolist() == [2, 4]


def test_xlsx_missing_sheet(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["id"])
    path = tmp_path / "runs.xlsx"
    workbook.save(path)
    with pytest.raises(HistoryError, match="no sheet named 'Runs'"):
        read_table(path, sheet="Runs")


def test_broken_xlsx(tmp_path):
    path = write(tmp_path / "runs.xlsx", b"PK\x03\x04 not really a workbook")
    with pytest.raises(HistoryError) as error:
        read_table(path)
    assert "runs.xlsx" in str(error.value)
    assert "XLSX" in str(error.value)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(
    st.binary(max_size=400),
    st.text(alphabet=st.sampled_from(list("ab,;\t\"'\n0123456789-:/ TZ.é")), max_size=400)
    .map(lambda text: text.encode("utf-8")),
))
def test_any_bytes_import_or_fail_cleanly(data):
    """Property: whatever a file holds, the import returns a history or a HistoryError."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.csv"
        path.write_bytes(data)
        try:
            measure_baseline(read_history(path))
        except HistoryError as error:
            assert "export.csv" in str(error)
