"""Chart exports read back: PNG sizes, SVG parsed as XML, CSV and XLSX data, formula safety."""

import os
import struct
import xml.etree.ElementTree as ElementTree

import openpyxl
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from test_report_model import FORMULA_SCENARIO, MARKUP_SCENARIO, PROJECT_NAME, hostile_story

from simulation import atomic_write
from simulation.chart_export import export_charts
from simulation.export_formats import CHART_NAMES, ExportError
from simulation.report_charts import FIGURE_SIZE, draw_cumulative, figure_svg
from simulation.report_export import export_report
from simulation.scenarios import BASELINE

DPI = 60
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def story():
    return hostile_story()


@pytest.fixture(scope="module")
def charts(story):
    return story.charts()


def png_size(path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_png_export_writes_one_file_per_chart(charts, tmp_path):
    written = export_charts(charts, tmp_path / "report.png", dpi=DPI)
    assert [path.name for path in written] == [f"report-{name}.png" for name in CHART_NAMES]
    for chart, path in zip(charts, written):
        width, height = png_size(path)
        inches = chart.figure().get_size_inches()
        assert width == round(FIGURE_SIZE[0] * DPI)
        assert abs(height - inches[1] * DPI) <= 1
        assert height >= 100


def test_png_resolution_follows_dpi(charts, tmp_path):
    cumulative = [chart for chart in charts if chart.name == "cumulative"]
    low = export_charts(cumulative, tmp_path / "low.png", dpi=50)[0]
    high = export_charts(cumulative, tmp_path / "high.png", dpi=100)[0]
    assert png_size(low) == (375, 170)
    assert png_size(high) == (750, 340)


def test_svg_export_parses_and_keeps_names_as_text(charts, tmp_path):
    written = export_charts(charts, tmp_path / "charts.svg")
    assert len(written) == len(CHART_NAMES)
    cumulative = ElementTree.parse(tmp_path / "charts-cumulative.svg").getroot()
    assert cumulative.tag == f"{SVG}svg"
    texts = {"".join(node.itertext()) for node in cumulative.iter(f"{SVG}text")}
    assert BASELINE in texts
    assert MARKUP_SCENARIO in texts
    assert FORMULA_SCENARIO in texts


def test_svg_is_stable_for_equal_charts(charts):
    first = figure_svg(charts[0].figure())
    second = figure_svg(charts[0].figure())
    assert first == second


def test_csv_export_writes_every_table(charts, tmp_path):
    written = export_charts(charts, tmp_path / "data.csv")
    names = [name for chart in charts for name in chart.tables]
    assert [path.name for path in written] == [f"data-{name}.csv" for name in names]
    stage_time = pd.read_csv(tmp_path / "data-stage_time.csv")
    expected = next(chart for chart in charts if chart.name == "stage_time").tables["stage_time"]
    assert stage_time["active_days"].to_numpy() == pytest.approx(
        expected["active_days"].to_numpy())


def test_csv_export_neutralises_formula_names(charts, tmp_path):
    export_charts(charts, tmp_path / "data.csv")
    cost = pd.read_csv(tmp_path / "data-cost.csv")
    assert "'" + FORMULA_SCENARIO in set(cost["scenario"])
    assert FORMULA_SCENARIO not in set(cost["scenario"])
    assert MARKUP_SCENARIO in set(cost["scenario"])


def test_xlsx_export_has_a_sheet_per_table(story, tmp_path):
    target = tmp_path / "data.xlsx"
    export_report(story, target)
    sheets = pd.read_excel(target, sheet_name=None)
    tables = [name for chart in story.charts() for name in chart.tables]
    assert list(sheets) == ["about", "contents", *tables]
    about = dict(zip(sheets["about"]["item"], sheets["about"]["value"]))
    assert about["project"] == PROJECT_NAME
    assert sheets["contents"]["sheet"].tolist() == tables
    weekly = sheets["weekly_throughput"]
    assert weekly.columns.tolist() == ["scenario", "week", "mean", "low", "high"]
    assert len(weekly) == 13 * len(story.results)


def test_xlsx_export_contains_no_formulas(story, tmp_path):
    target = tmp_path / "data.xlsx"
    export_report(story, target)
    workbook = openpyxl.load_workbook(target)
    formulas = [f"{sheet.title}!{cell.coordinate}" for sheet in workbook
                for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    assert formulas == []
    values = {cell.value for row in workbook["cost"].iter_rows() for cell in row}
    assert "'" + FORMULA_SCENARIO in values


def test_chart_selection_limits_the_files(story, tmp_path):
    written = export_report(story, tmp_path / "pick.png", dpi=DPI,
                            chart_names=["cost", "roadmap"])
    assert [path.name for path in written] == ["pick-cost.png", "pick-roadmap.png"]


def test_roadmap_chart_needs_a_roadmap(tmp_path):
    story = hostile_story(with_scenarios=False, with_roadmap=False)
    with pytest.raises(ExportError, match="roadmap"):
        export_report(story, tmp_path / "pick.png", chart_names=["roadmap"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "message"), [
    ("report.doc", "unknown export format"),
    ("missing/report.pdf", "folder not found"),
])
def test_invalid_target_is_rejected(story, tmp_path, name, message):
    with pytest.raises(ExportError, match=message):
        export_report(story, tmp_path / name)


def test_scenario_keeps_its_colour_in_charts(story, charts):
    table = next(chart for chart in charts if chart.name == "cumulative").tables["cumulative"]
    figure = draw_cumulative(table, story.colours)
    lines = {line.get_label(): to_hex(line.get_color()) for line in figure.axes[0].get_lines()}
    for name, colour in story.colours.items():
        assert lines[name] == colour


def test_failed_write_leaves_target_unchanged(tmp_path, monkeypatch):
    target = tmp_path / "report.pdf"
    target.write_bytes(b"old report")

    def fail(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        atomic_write.write_bytes_atomically(b"new report", target)
    assert target.read_bytes() == b"old report"
    assert [path.name for path in tmp_path.iterdir()] == ["report.pdf"]


def test_atomic_write_gives_the_default_mode(tmp_path):
    target = tmp_path / "chart.png"
    atomic_write.write_bytes_atomically(b"data", target)
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
