"""Reading timestamp columns: every supported form, the day/month order and its ambiguity."""

import numpy as np
import pandas as pd
import pytest

from simulation.history.errors import HistoryError
from simulation.history.timestamps import Cells, parse_timestamp_columns


def cells(name, values):
    return Cells(name, pd.Series(values, dtype=object), np.arange(len(values)) + 2)


def parse(values, order="auto", excel=False):
    parsed, readings = parse_timestamp_columns([cells("at", values)], "export.csv", order, excel)
    return list(parsed["at"]), readings[0]


def utc(text):
    return pd.Timestamp(text, tz="UTC")


def test_iso_forms_with_zones():
    times, reading = parse(["2024-03-05", "2024-03-05 14:30", "2024-03-05T14:30:00.123Z",
                            "2024-03-05 14:30:00+01:00", "2023-01-01 12:00:00.123000+00:00",
                            "2024-03-05 14:30:00-05:30", "2024/3/5 2:30 pm", ""])
    assert times[:7] == [utc("2024-03-05"), utc("2024-03-05 14:30"),
                         utc("2024-03-05 14:30:00.123"), utc("2024-03-05 13:30"),
                         utc("2023-01-01 12:00:00.123"), utc("2024-03-05 20:00"),
                         utc("2024-03-05 14:30")]
    assert pd.isna(times[7])
    assert reading.form == "ISO 8601"
    assert reading.values == 7


def test_day_first_read_from_the_data():
    times, reading = parse(["05/03/2024", "31/12/2024 2:30 PM", "1.2.24"])
    assert times == [utc("2024-03-05"), utc("2024-12-31 14:30"), utc("2024-02-01")]
    assert reading.form.startswith("day first")
    assert reading.order_from == "the data"


def test_month_first_read_from_the_data():
    times, reading = parse(["05/03/2024", "12/31/2024"])
    assert times == [utc("2024-05-03"), utc("2024-12-31")]
    assert reading.form.startswith("month first")


def test_order_shared_between_columns():
    first = cells("created", ["05/03/2024"])
    second = cells("finished", ["31/03/2024"])
    parsed, readings = parse_timestamp_columns([first, second], "export.csv")
    assert parsed["created"].iloc[0] == utc("2024-03-05")
    assert all(r.form.startswith("day first") for r in readings)


def test_ambiguous_dates_need_an_order():
    with pytest.raises(HistoryError) as error:
        parse(["05/03/2024", "03/05/2024"])
    message = str(error.value)
    assert "export.csv" in message
    assert "day_first" in message
    assert "month_first" in message


def test_ambiguous_dates_use_the_mapping_order():
    times, reading = parse(["05/03/2024", "03/05/2024"], order="month_first")
    assert times == [utc("2024-05-03"), utc("2024-03-05")]
    assert reading.order_from == "the mapping"


def test_mapping_order_contradicted_by_data():
    with pytest.raises(HistoryError, match="can only be read as day first"):
        parse(["31/03/2024"], order="month_first")


def test_contradictory_day_and_month():
    with pytest.raises(HistoryError, match="contradict"):
        parse(["31/01/2024", "01/31/2024"])


def test_mixed_formats_name_row_and_column():
    with pytest.raises(HistoryError) as error:
        parse(["2024-03-05", "2024-03-06", "05/03/2024"])
    assert error.value.row == 4
    assert error.value.column == "at"
    assert "mixes date formats" in str(error.value)
    assert "row 4" in str(error.value)
    assert "'at'" in str(error.value)


def test_month_names_and_jira_format():
    times, _ = parse(["05/Feb/15 2:30 PM", "12/Feb/15 12:05 AM"])
    assert times == [utc("2015-02-05 14:30"), utc("2015-02-12 00:05")]
    times, _ = parse(["5 March 2024", "17 Sept 2024"])
    assert times == [utc("2024-03-05"), utc("2024-09-17")]
    times, _ = parse(["Mar 5, 2024 09:15"])
    assert times == [utc("2024-03-05 09:15")]


def test_epoch_seconds_and_milliseconds():
    times, reading = parse(["1656994881", "1656994882.5"])
    assert times == [utc("2022-07-05 04:21:21"), utc("2022-07-05 04:21:22.5")]
    assert reading.form == "epoch seconds"
    times, reading = parse(["1656994881395"])
    assert times == [utc("2022-07-05 04:21:21.395")]
    assert reading.form == "epoch milliseconds"


def test_epoch_units_mixed_in_a_column():
    with pytest.raises(HistoryError) as error:
        parse(["1656994881", "1656994881395"])
    assert error.value.row == 3
    assert "one unit" in str(error.value)


def test_small_numbers_are_not_epoch_times():
    with pytest.raises(HistoryError, match="not a plausible epoch time"):
        parse(["45000"])


def test_excel_serial_days_in_workbooks():
    times, reading = parse(["45000.5"], excel=True)
    assert times == [utc("2023-03-15 12:00")]
    assert reading.form == "Excel serial days"


def test_impossible_date_names_its_row():
    with pytest.raises(HistoryError) as error:
        parse(["2024-02-28", "2024-02-30"])
    assert error.value.row == 3
    assert "not a valid date" in str(error.value)


def test_text_that_is_no_date():
    with pytest.raises(HistoryError) as error:
        parse(["2024-02-28", "soon"])
    assert error.value.row == 3
    assert "ISO 8601" in str(error.value)


def test_two_digit_years_follow_posix():
    times, _ = parse(["31/12/68", "31/12/69"])
    assert times == [utc("2068-12-31"), utc("1969-12-31")]


def test_empty_column():
    times, reading = parse(["", " "])
    assert all(pd.isna(t) for t in times)
    assert reading.form == "empty"
