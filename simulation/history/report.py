"""Plain-text sections of the import report that the command line prints."""

from __future__ import annotations

import math
from pathlib import Path

from simulation.history.backtest import Backtest
from simulation.history.fit import EMPIRICAL_MIN_SAMPLES, StageFit
from simulation.history.measure import Baseline, format_days
from simulation.history.propose import DEFAULT, Proposal
from simulation.history.records import plural


def _value(value: float, digits: int = 1, suffix: str = "") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:,.{digits}f}{suffix}"


def _days(value: float) -> str:
    if value is None or math.isnan(value):
        return "n/a"
    return format_days(value) if value < 2 else f"{value:,.1f} d"


def _share(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.0%}"


def _verdict(meets: bool | None) -> str:
    if meets is None:
        return "n/a"
    return "meets" if meets else "misses"


def format_baseline(baseline: Baseline) -> str:
    f = baseline.figures
    start = baseline.period_start.strftime("%Y-%m-%d %H:%M")
    end = baseline.period_end.strftime("%Y-%m-%d %H:%M")
    lines = [
        f"Baseline: {plural(f['experiments'], 'experiment')}, arrivals from {start} to {end} UTC "
        f"({format_days(f['period_days'])})",
        f"  concluded {f['concluded']:,}, in flight at the end {f['in_flight_at_end']:,}, "
        f"no end on record {f['no_end_recorded']:,}",
        f"  arrivals per week        {_value(f['arrivals_per_week'], 2)}",
        f"  throughput per week      {_value(f['throughput_per_week'], 2)}",
        f"  failed {_share(f['failed_share'])}, killed {_share(f['killed_share'])}, "
        f"rework {_share(f['rework_share'])} of experiments",
        f"  in flight at once: peak {f['peak_in_flight']}, time average "
        f"{_value(f['mean_in_flight'], 1)}",
    ]
    if f["experiments_with_gpus"]:
        lines.append(f"  GPU hours {_value(f['gpu_hours'], 1)} over "
                     f"{f['experiments_with_gpus']} experiments (median "
                     f"{_value(f['gpus_per_experiment_median'], 1)} GPUs per run)")
    else:
        lines.append("  GPU hours: no GPU counts logged")
    lines += ["", "  Beside mature teams                 baseline   mature teams"]
    for row in baseline.targets_table().itertuples():
        shown = _value(row.baseline, 1) if "month" in row.measure else _days(row.baseline)
        lines.append(f"  {row.measure:<34}{shown:>10}   {row.mature_team:<6} "
                     f"{_verdict(row.meets)}")
    lines += ["", "  Stage                      measured     median        p90   stopped   "
                  "peak at once"]
    for row in baseline.stage_table().itertuples():
        lines.append(f"  {row.stage:<26}{row.measured:>9,} {_days(row.median_days):>10} "
                     f"{_days(row.p90_days):>10} {row.stopped:>9,} {row.peak_concurrent:>14,}")
    lines += [f"  note: {note}" for note in baseline.notes]
    return "\n".join(lines)


def format_fits(fits: list[StageFit]) -> str:
    lines = [f"Fit per stage (empirical from {EMPIRICAL_MIN_SAMPLES} durations up, lognormal "
             "below; the lognormal's Kolmogorov-Smirnov test either way)",
             "  Stage                      choice      lognormal median / p90      KS D   "
             "p-value"]
    for fit in fits:
        lognormal = "n/a" if fit.lognormal_median_days is None else \
            f"{_days(fit.lognormal_median_days)} / {_days(fit.lognormal_p90_days)}"
        statistic = "n/a" if fit.ks_statistic is None else f"{fit.ks_statistic:.3f}"
        pvalue = "n/a" if fit.ks_pvalue is None else f"{fit.ks_pvalue:.2g}"
        lines.append(f"  {fit.stage:<26} {fit.choice:<11} {lognormal:<26} {statistic:>6} "
                     f"{pvalue:>9}")
        if fit.note:
            lines.append(f"    {fit.note}")
    lines.append("  note: the p-value is optimistic, because the lognormal is fitted to the same "
                 "data it is tested on")
    return "\n".join(lines)


def format_backtest(backtest: Backtest) -> str:
    s = backtest.summary()
    done = s["simulated_completed"]
    lines = [
        f"Backtest over the imported period: {s['replications']} replications, seed {s['seed']}",
        f"  weekly throughput: mean absolute percentage error {_value(s['mape_percent'], 0)}% "
        f"over {s['weeks_in_mape']} weeks with completions; "
        f"{_share(s['share_inside_band'])} of {len(backtest.weekly)} weeks inside the "
        "simulated 90% band",
        f"  completed in the period: actual {s['actual_completed']:,}, simulated "
        f"{_value(done['mean'], 0)} (90%: {_value(done['low'], 0)} to "
        f"{_value(done['high'], 0)})",
        "  Cycle time   actual      simulated   90% band",
    ]
    for row in backtest.cycle_times.itertuples():
        lines.append(f"  p{row.percentile:<11}{_days(row.actual_days):<12}"
                     f"{_days(row.simulated_days):<12}{_days(row.low_days)} to "
                     f"{_days(row.high_days)}")
    return "\n".join(lines)


def format_proposal(proposal: Proposal, path: Path) -> str:
    lines = [f"Proposed project written to {path}"]
    for item in proposal.items:
        mark = "DEFAULT " if item.source == DEFAULT else ""
        lines.append(f"  {mark}{item.field} = {item.value} ({item.source}: {item.reason})")
    defaults = len(proposal.defaults())
    if defaults:
        lines.append(f"  {defaults} values are defaults, not measured: review them before "
                     "planning with this project")
    return "\n".join(lines)
