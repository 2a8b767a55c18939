"""Fitting each stage's measured durations: a lognormal, or the samples themselves.

With at least ``EMPIRICAL_MIN_SAMPLES`` durations a stage gets an empirical distribution (the
measured durations, thinned to at most ``MAX_STORED_SAMPLES`` evenly spaced quantiles), which
keeps skew, ties and several modes that a lognormal would smooth away. With fewer, it gets a
lognormal fitted by maximum likelihood to the positive durations, given by its median and
90th percentile as the project model takes it. The lognormal fit and its Kolmogorov-Smirnov
test are reported either way.

NOTE: the Kolmogorov-Smirnov p-value assumes parameters fixed in advance. Because the lognormal
is fitted to the same data, the p-value is too optimistic (a Lilliefors correction would lower
it). Durations recorded to whole days also have ties that the test does not expect, so read
the p-value as a rough guide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from simulation.distributions import Z_90
from simulation.history.measure import Baseline, StageSamples
from simulation.model import Distribution, EarlyStopping

EMPIRICAL_MIN_SAMPLES = 50
MAX_STORED_SAMPLES = 1000
DEFAULT_STAGE_DAYS = 1.0


@dataclass(frozen=True)
class StageFit:
    """The proposed duration of one stage and how well a lognormal describes the data."""

    stage: str
    samples: int
    distribution: Distribution
    choice: str  # "empirical", "lognormal", "fixed" or "default"
    lognormal_median_days: float | None
    lognormal_p90_days: float | None
    ks_statistic: float | None
    ks_pvalue: float | None
    zero_durations: int
    early_stopping: EarlyStopping | None
    note: str = ""

    def to_row(self) -> dict:
        return {"stage": self.stage, "samples": self.samples, "choice": self.choice,
                "lognormal_median_days": self.lognormal_median_days,
                "lognormal_p90_days": self.lognormal_p90_days,
                "ks_statistic": self.ks_statistic, "ks_pvalue": self.ks_pvalue,
                "zero_durations": self.zero_durations,
                "stopped_share": self.early_stopping.share if self.early_stopping else 0.0,
                "note": self.note}


def fit_stages(baseline: Baseline) -> list[StageFit]:
    return [fit_stage(samples) for samples in baseline.stages]


def fit_stage(samples: StageSamples) -> StageFit:
    durations = np.asarray(samples.durations_days, dtype=float)
    count = len(durations)
    positive = durations[durations > 0]
    zeros = count - len(positive)
    lognormal = fit_lognormal(positive)
    early = fit_early_stopping(durations, samples.stopped_days)
    notes = []
    if zeros:
        notes.append(f"{zeros} zero durations left out of the lognormal fit")
    if count == 0:
        return StageFit(samples.stage, 0, Distribution(kind="fixed", value=DEFAULT_STAGE_DAYS),
                        "default", None, None, None, None, 0, early,
                        f"no measured duration; default {DEFAULT_STAGE_DAYS:g} day")
    median, p90, statistic, pvalue = lognormal if lognormal else (None, None, None, None)
    if count >= EMPIRICAL_MIN_SAMPLES:
        distribution = Distribution(kind="empirical", samples=thin_samples(durations))
        choice = "empirical"
    elif lognormal is not None:
        distribution = Distribution(kind="lognormal", median=median, p90=p90)
        choice = "lognormal"
    else:
        value = float(np.median(durations))
        distribution = Distribution(kind="fixed", value=_round(value))
        choice = "fixed"
        notes.append("the median, because a lognormal needs two different positive durations")
    return StageFit(samples.stage, count, distribution, choice, median, p90, statistic, pvalue,
                    zeros, early, "; ".join(notes))


def fit_lognormal(positive: np.ndarray) -> tuple[float, float, float, float] | None:
    """Return median, 90th percentile, KS statistic and p-value, or None if it cannot be fitted.

    Maximum likelihood: mu and sigma are the mean and (population) standard deviation of the
    log durations.
    """
    if len(positive) < 2:
        return None
    logs = np.log(positive)
    mu, sigma = float(logs.mean()), float(logs.std())
    if not sigma > 1e-4:  # narrower spreads round to p90 == median
        return None
    median = math.exp(mu)
    p90 = math.exp(mu + Z_90 * sigma)
    test = stats.kstest(positive, "lognorm", args=(sigma, 0, median))
    return _round(median), _round(p90), float(test.statistic), float(test.pvalue)


def fit_early_stopping(durations: np.ndarray, stopped: np.ndarray) -> EarlyStopping | None:
    """Model failed and killed runs as stopped early: their share, and how far in they stopped.

    ``at_fraction`` is the median stopped duration over the median normal duration, at most 1.
    """
    stopped = np.asarray(stopped, dtype=float)
    if len(stopped) == 0 or len(durations) == 0:
        return None
    share = len(stopped) / (len(stopped) + len(durations))
    normal_median = float(np.median(durations))
    fraction = float(np.median(stopped)) / normal_median if normal_median > 0 else 1.0
    return EarlyStopping(share=round(share, 4), at_fraction=round(min(max(fraction, 0.0), 1.0), 4))


def thin_samples(durations: np.ndarray) -> tuple[float, ...]:
    """Keep at most ``MAX_STORED_SAMPLES`` values: all of them, or evenly spaced quantiles."""
    values = np.sort(np.asarray(durations, dtype=float))
    if len(values) > MAX_STORED_SAMPLES:
        probabilities = (np.arange(MAX_STORED_SAMPLES) + 0.5) / MAX_STORED_SAMPLES
        values = np.quantile(values, probabilities)
    return tuple(_round(float(value)) for value in values)


def _round(value: float) -> float:
    """Round to 6 significant digits, keeping project files readable and tiny values nonzero."""
    return float(f"{value:.6g}")
