"""The ranking and the proposed roadmap on the bundled example, and their exports read back."""

import html.parser
from pathlib import Path

import pandas as pd
import pytest

from simulation import load_project
from simulation.interventions import Effect, Intervention, load_catalog
from simulation.ranking import rank_interventions
from simulation.roadmap import Roadmap, RoadmapItem, project_roadmap, propose_roadmap
from simulation.roadmap_export import ExportError, export_roadmap, neutralise_formula
from simulation.runner import ReplicationRunner

EXAMPLE = Path(__file__).resolve().parents[1] / "resources" / "examples" / "recsys_team.json"
SEED = 3


@pytest.fixture(scope="module")
def runner():
    with ReplicationRunner(2) as pool:
        yield pool


@pytest.fixture(scope="module")
def example():
    return load_project(EXAMPLE)


def test_ranking_puts_bottleneck_fixes_first(example, runner):
    """The example's cycle goes mostly to data preparation (about 4 days of work) and to
    waiting for the weekly review (about 5 days), so the interventions aimed at those lead."""
    ranking = rank_interventions(example, load_catalog(), runner.run, replications=60,
                                 seed=SEED)
    top_three = ranking.dropna(subset=["rank"]).head(3)["intervention_id"].tolist()
    assert "automated_data_pipelines" in top_three
    assert "frequent_review_meetings" in top_three


def test_ranking_lists_inapplicable_interventions(example, runner):
    ranking = rank_interventions(example, load_catalog(), runner.run, replications=10,
                                 seed=SEED)
    skipped = ranking.set_index("intervention_id").loc["more_hypotheses"]
    assert "needs Poisson demand" in skipped["not_applicable"]


def test_proposed_roadmap_reaches_twenty_in_last_month(example, runner):
    """Assumes the catalog's likely effects hold: automated data pipelines cut preparation
    to hours, reviews twice a week, two more experiments in flight, early stopping. The team
    keeps its backlog of ideas, so shorter cycles become more completions."""
    catalog = load_catalog()
    roadmap = propose_roadmap(example, catalog, runner.run, replications=40, seed=SEED)
    report = project_roadmap(example, roadmap, catalog, runner.run, replications=200,
                             seed=SEED)
    last_month = report.result.per_replication["last_month_completed"]
    assert last_month.median() >= 20
    milestones = report.milestones().set_index(["day", "scenario"])
    assert milestones.loc[(90, roadmap.name), "experiments_per_month_p50"] >= 20
    assert all(item.start_week <= 13 for item in roadmap.items)


# -- exports ------------------------------------------------------------------------------


HOSTILE_NAME = '<script>alert("x")</script> & co'
FORMULA_NAME = "=HYPERLINK(\"http://127.0.0.1\",\"click\")"


@pytest.fixture(scope="module")
def report(example, runner):
    catalog = dict(load_catalog())
    catalog["formula"] = Intervention(
        id="formula", name=FORMULA_NAME, description="-2+3",
        effects=(Effect("stages.evaluation.duration", "scale", 0.8, 0.9, 1.0),))
    roadmap = Roadmap(HOSTILE_NAME, (RoadmapItem("frequent_review_meetings", 1, True),
                                     RoadmapItem("formula", 3)))
    return project_roadmap(example, roadmap, catalog, runner.run, replications=30, seed=SEED)


class _PageParser(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables = 0
        self.images = []
        self.scripts = 0
        self.headings = []
        self._in_heading = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables += 1
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        if tag == "script":
            self.scripts += 1
        self._in_heading = tag in ("h1", "h2")

    def handle_data(self, data):
        if self._in_heading:
            self.headings.append(data)
            self._in_heading = False


def test_html_export_is_self_contained_and_escaped(report, tmp_path):
    path = tmp_path / "roadmap.html"
    export_roadmap(report, path)
    text = path.read_text(encoding="utf-8")
    page = _PageParser()
    page.feed(text)
    assert page.tables >= 4
    assert len(page.images) == 3
    assert all(src.startswith("data:image/png;base64,") for src in page.images)
    assert page.scripts == 0
    assert "&lt;script&gt;" in text
    assert "Milestones" in page.headings


def test_markdown_export_sections(report, tmp_path):
    path = tmp_path / "roadmap.md"
    export_roadmap(report, path)
    text = path.read_text(encoding="utf-8")
    for section in ("## Interventions by start week", "## Quick wins (weeks 1 and 2)",
                    "## Milestones", "## Weekly metrics to track"):
        assert section in text
    assert "<script>" not in text


def test_xlsx_export_reads_back(report, tmp_path):
    path = tmp_path / "roadmap.xlsx"
    export_roadmap(report, path)
    sheets = pd.read_excel(path, sheet_name=None)
    assert set(sheets) == {"roadmap", "milestones", "comparison", "weekly", "kpis"}
    roadmap = sheets["roadmap"]
    assert list(roadmap["start_week"]) == [1, 3]
    assert roadmap.loc[1, "intervention"] == "'" + FORMULA_NAME
    assert roadmap.loc[1, "description"] == "'-2+3"
    assert set(sheets["milestones"]["day"]) == {30, 60, 90}


def test_csv_export_neutralises_formulas(report, tmp_path):
    path = tmp_path / "roadmap.csv"
    written = export_roadmap(report, path)
    assert path in written
    assert tmp_path / "roadmap-milestones.csv" in written
    table = pd.read_csv(path)
    assert table.loc[1, "intervention"] == "'" + FORMULA_NAME
    assert not any(str(cell).startswith("=") for cell in table.to_numpy().ravel())


def test_unknown_export_format(report, tmp_path):
    with pytest.raises(ExportError, match="unknown export format '.pdf'"):
        export_roadmap(report, tmp_path / "roadmap.pdf")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1"])
def test_formula_prefixes_neutralised(value):
    assert neutralise_formula(value) == "'" + value


def test_plain_text_and_numbers_untouched():
    assert neutralise_formula("Faster reviews") == "Faster reviews"
    assert neutralise_formula(-1.5) == -1.5
