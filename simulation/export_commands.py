"""The ``export`` command: the report as PDF or PowerPoint, the charts as images or data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simulation.cli import (
    EXIT_INVALID_INPUT,
    EXIT_OK,
    command,
    positive_float,
    positive_int,
    seed_int,
)
from simulation.export_formats import (
    CHART_NAMES,
    DEFAULT_DPI,
    FORMATS,
    MAX_DPI,
    MIN_DPI,
    ExportError,
    check_target,
)
from simulation.interventions import InterventionError
from simulation.runner import ReplicationRunner
from simulation.scenario_io import load_planning

AUTO = "auto"
DEFAULT_REPLICATIONS = 300
# Replications per candidate when --roadmap auto ranks the interventions.
PROPOSAL_REPLICATIONS = 60

EPILOG = f"""\
formats, chosen by the extension of --out:
  .pdf    the report: assumptions, baseline and bottleneck, scenario comparison,
          roadmap and milestones, with every chart
  .pptx   the same story as a slide deck with native charts and tables
  .png    one image per chart, written beside FILE as STEM-CHART.png
          (report.png gives report-cumulative.png, report-stage_time.png, ...)
  .svg    the same as .png, as vector images
  .csv    the data behind each chart, one table per file as STEM-TABLE.csv
  .xlsx   the data behind every chart in one workbook, one sheet per table

charts (for --chart): {', '.join(CHART_NAMES[:4])},
  {', '.join(CHART_NAMES[4:])} (roadmap only with --roadmap)

Existing files are replaced. Each file is written to a temporary file first and renamed,
so an interrupted export leaves no half-written file.

example:
  velocity-planner export resources/examples/recsys_team.json --roadmap auto --out report.pdf
"""


def _whole_number(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number (got {text!r})") from None


def _dpi(text: str) -> int:
    value = _whole_number(text)
    if not MIN_DPI <= value <= MAX_DPI:
        raise argparse.ArgumentTypeError(f"must be between {MIN_DPI} and {MAX_DPI} (got {value})")
    return value


def _export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("project", type=Path, help="project file (JSON)")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE",
                        help=f"output file; its extension sets the format ({', '.join(FORMATS)})")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--scenario", action="append", default=None, metavar="NAME",
                       help="a scenario saved in the project to compare with the baseline; "
                            "repeat for more (default: every saved scenario)")
    which.add_argument("--baseline-only", action="store_true",
                       help="compare no scenarios, report the baseline alone")
    parser.add_argument("--roadmap", metavar="auto|NAME", default=None,
                        help="add a 90-day roadmap: 'auto' proposes one from the ranking of "
                             "interventions, NAME lays out a saved scenario (default: none)")
    parser.add_argument("--chart", action="append", default=[], metavar="CHART",
                        help="with .png, .svg, .csv or .xlsx: export only this chart; repeat "
                             "for more (default: all)")
    parser.add_argument("--reps", type=positive_int, default=DEFAULT_REPLICATIONS,
                        help=f"replications per scenario (default {DEFAULT_REPLICATIONS})")
    parser.add_argument("--seed", type=seed_int, default=1, help="random seed (default 1)")
    parser.add_argument("--dpi", type=_dpi, default=DEFAULT_DPI,
                        help=f"resolution of PNG charts and of the charts in the PDF, in dots "
                             f"per inch (default {DEFAULT_DPI})")
    parser.add_argument("--budget", type=positive_float, default=None,
                        help="with --roadmap auto: maximum dollars the proposed interventions "
                             "may cost over the horizon")
    parser.add_argument("--rollout-days-per-week", type=positive_float, default=5.0,
                        help="with --roadmap auto: person-days a week the team can spend "
                             "rolling out improvements (default 5)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="worker processes (default: one per core)")


def _chosen_scenarios(saved: list, names: list[str] | None, baseline_only: bool) -> list:
    if baseline_only:
        return []
    if names is None:
        return saved
    by_name = {scenario.name: scenario for scenario in saved}
    for name in names:
        if name not in by_name:
            known = ", ".join(repr(n) for n in by_name) or "none saved"
            raise InterventionError(f"--scenario: no scenario named {name!r} in the project "
                                    f"(scenarios: {known}); check the spelling or leave out "
                                    "--scenario to compare every saved scenario")
    return [by_name[name] for name in dict.fromkeys(names)]


def _saved_roadmap(saved: list, name: str, catalog):
    from simulation.roadmap import roadmap_from_scenario

    for scenario in saved:
        if scenario.name == name:
            return roadmap_from_scenario(scenario, catalog)
    known = ", ".join(repr(s.name) for s in saved) or "none saved"
    raise InterventionError(f"--roadmap: no scenario named {name!r} in the project (scenarios: "
                            f"{known}); use --roadmap auto to propose one")


@command("export", _export_arguments,
         "Export the report (PDF, PowerPoint) or its charts (PNG, SVG) and their data "
         "(CSV, XLSX).")
def export_command(args: argparse.Namespace) -> int:
    # Imported here: SciPy and the PDF, slide and chart libraries take a while to load, and
    # the other commands do not need them.
    from simulation.report_model import build_story
    from simulation.roadmap import propose_roadmap

    try:
        check_target(args.out, args.chart)
        if "roadmap" in args.chart and args.roadmap is None:
            raise ExportError("the roadmap chart needs a roadmap; add --roadmap auto or "
                              "--roadmap NAME")
        project, catalog, saved = load_planning(args.project)
        scenarios = _chosen_scenarios(saved, args.scenario, args.baseline_only)
        roadmap = None
        if args.roadmap is not None and args.roadmap != AUTO:
            roadmap = _saved_roadmap(saved, args.roadmap, catalog)
        with ReplicationRunner(args.workers) as runner:
            if args.roadmap == AUTO:
                print("proposing a roadmap from the ranking of interventions...",
                      file=sys.stderr)
                roadmap = propose_roadmap(project, catalog, runner.run, budget=args.budget,
                                          rollout_days_per_week=args.rollout_days_per_week,
                                          replications=PROPOSAL_REPLICATIONS, seed=args.seed)
            count = len(scenarios) + (roadmap is not None)
            others = "" if count == 0 else f" and {count} scenario{'s' if count > 1 else ''}"
            print(f"simulating the baseline{others}, {args.reps} replications each...",
                  file=sys.stderr)
            story = build_story(project, catalog, scenarios, runner.run, args.reps, args.seed,
                                roadmap)
        written = _write(story, args)
    except (InterventionError, ExportError) as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_INVALID_INPUT
    for path in written:
        print(f"wrote {path}")
    return EXIT_OK


def _write(story, args: argparse.Namespace) -> list[Path]:
    from simulation.report_export import export_report

    try:
        return export_report(story, args.out, args.dpi, args.chart)
    except OSError as error:
        raise ExportError(f"cannot write {error.filename or args.out}: {error.strerror}; "
                          "choose another --out") from None
