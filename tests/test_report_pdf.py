"""The PDF report read back: pages rendered with pdftoppm, text extracted with pdftotext."""

import dataclasses
import shutil
import struct
import subprocess

import numpy as np
import pytest
from matplotlib.image import imread
from test_report_model import (
    FORMULA_SCENARIO,
    MARKUP_SCENARIO,
    PROJECT_NAME,
    ROADMAP_NAME,
    hostile_story,
)

from simulation.report_pdf import SECTIONS, export_pdf, render_pdf

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="pdftoppm and pdftotext (poppler-utils) are needed to read the PDF back")

DPI = 60
RENDER_DPI = 30
# A4 is 8.27 x 11.69 inches.
A4_PIXELS = (round(8.27 * RENDER_DPI), round(11.69 * RENDER_DPI))


@pytest.fixture(scope="module")
def story():
    return hostile_story()


@pytest.fixture(scope="module")
def report(story, tmp_path_factory):
    path = tmp_path_factory.mktemp("pdf") / "report.pdf"
    export_pdf(story, path, dpi=DPI)
    return path


def pdf_text(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def render_pages(path, folder) -> list:
    subprocess.run(["pdftoppm", "-r", str(RENDER_DPI), "-png", str(path), str(folder / "page")],
                   check=True)
    return sorted(folder.glob("page-*.png"))


def png_size(path) -> tuple[int, int]:
    return struct.unpack(">II", path.read_bytes()[16:24])


def test_pdf_starts_with_pdf_header(report):
    assert report.read_bytes().startswith(b"%PDF-")


def test_pdf_pages_render_at_a4(report, tmp_path):
    pages = render_pages(report, tmp_path)
    assert 5 <= len(pages) <= 14
    for page in pages:
        width, height = png_size(page)
        assert abs(width - A4_PIXELS[0]) <= 1
        assert abs(height - A4_PIXELS[1]) <= 1


def test_pdf_pages_are_not_blank(report, tmp_path):
    for page in render_pages(report, tmp_path):
        pixels = imread(page)[..., :3]
        inked = np.mean(pixels.min(axis=2) < 0.8)
        assert inked > 0.005, page.name


def test_pdf_chart_pages_carry_colour(report, tmp_path):
    """Charts are drawn in the scenario colours; a text-only page is black and white."""
    coloured = 0
    for page in render_pages(report, tmp_path):
        pixels = imread(page)[..., :3]
        spread = pixels.max(axis=2) - pixels.min(axis=2)
        coloured += np.mean(spread > 0.25) > 0.01
    assert coloured >= 3


def test_pdf_text_has_title_and_sections(report):
    text = pdf_text(report)
    assert PROJECT_NAME in text
    assert "Experiment velocity report" in text
    assert "2027-01-04" in text
    for section in SECTIONS:
        assert section in text


def test_pdf_text_escapes_hostile_names(report):
    """Names with <, & and = print as written, neither as markup nor dropped."""
    text = pdf_text(report)
    assert MARKUP_SCENARIO in text
    assert ROADMAP_NAME in text
    assert FORMULA_SCENARIO.split(",")[0] in text


def test_pdf_text_names_bottleneck_and_assumptions(report):
    text = pdf_text(report)
    assert "The bottleneck is stakeholder_review" in text
    assert "PERT from 1.75 to 4.5 days" in text
    assert "Wednesday at 14:00" in text
    assert "At most 3 experiments in flight." in text


def test_pdf_text_has_comparison_and_milestones(report):
    text = pdf_text(report)
    assert "95% CI" in text
    assert "Milestones" in text
    assert "Automated data pipelines" in text
    assert "Weekly metrics to track" in text


def test_pdf_without_scenarios_says_so(tmp_path):
    story = hostile_story(with_scenarios=False, with_roadmap=False)
    path = tmp_path / "baseline.pdf"
    export_pdf(story, path, dpi=DPI)
    text = pdf_text(path)
    assert "No scenario was compared with the baseline" in text
    assert "This report has no roadmap" in text


def test_pdf_takes_control_characters_in_names(story, tmp_path):
    project = dataclasses.replace(story.project, name="Team\x07 <one>")
    path = tmp_path / "control.pdf"
    path.write_bytes(render_pdf(dataclasses.replace(story, project=project), dpi=50))
    assert "Team\ufffd <one>" in pdf_text(path)


def test_pdf_with_empty_roadmap_says_so(tmp_path):
    story = hostile_story(with_scenarios=False, empty_roadmap=True)
    path = tmp_path / "empty.pdf"
    export_pdf(story, path, dpi=DPI)
    text = pdf_text(path)
    assert f"Roadmap {ROADMAP_NAME} schedules no intervention" in text
    assert "Milestones" in text
