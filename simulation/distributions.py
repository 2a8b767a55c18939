"""Duration distributions sampled by inverse transform.

Every duration is drawn as ``quantile(u)`` from a uniform ``u`` that belongs to one experiment,
stage and visit. Two variants of a model run with the same seed therefore see the same ``u``
for the same piece of work, which is what makes their comparison paired (common random numbers).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import betaincinv, ndtri

from simulation.model import Distribution

# Standard normal quantile at 0.9, used to turn a lognormal's 90th percentile into sigma.
Z_90 = 1.2815515655446004


def quantile(distribution: Distribution, u: np.ndarray) -> np.ndarray:
    """Return the durations in days at probabilities ``u`` (each in [0, 1))."""
    kind = distribution.kind
    if kind == "fixed":
        return np.full_like(u, distribution.value)
    if kind == "uniform":
        return distribution.min + u * (distribution.max - distribution.min)
    if kind == "triangular":
        return _triangular_quantile(distribution, u)
    if kind == "pert":
        low, span = distribution.min, distribution.max - distribution.min
        alpha = 1 + 4 * (distribution.likely - low) / span
        beta = 1 + 4 * (distribution.max - distribution.likely) / span
        return low + span * betaincinv(alpha, beta, u)
    if kind == "lognormal":
        mu, sigma = lognormal_parameters(distribution)
        return np.exp(mu + sigma * ndtri(u))
    if kind == "exponential":
        return -distribution.mean * np.log1p(-u)
    if kind == "empirical":
        samples = np.sort(np.asarray(distribution.samples, dtype=float))
        index = np.minimum((u * len(samples)).astype(np.int64), len(samples) - 1)
        return samples[index]
    raise ValueError(f"unknown distribution kind {kind!r}")


def _triangular_quantile(distribution: Distribution, u: np.ndarray) -> np.ndarray:
    low, mode, high = distribution.min, distribution.likely, distribution.max
    span = high - low
    split = (mode - low) / span
    lower = low + np.sqrt(u * span * (mode - low))
    upper = high - np.sqrt((1 - u) * span * (high - mode))
    return np.where(u < split, lower, upper)


def lognormal_parameters(distribution: Distribution) -> tuple[float, float]:
    """Return (mu, sigma) of the underlying normal from the median and 90th percentile."""
    mu = math.log(distribution.median)
    sigma = (math.log(distribution.p90) - mu) / Z_90
    return mu, sigma


def mean_days(distribution: Distribution) -> float:
    """Return the analytic mean duration in days."""
    kind = distribution.kind
    if kind == "fixed":
        return distribution.value
    if kind == "uniform":
        return (distribution.min + distribution.max) / 2
    if kind == "triangular":
        return (distribution.min + distribution.likely + distribution.max) / 3
    if kind == "pert":
        return (distribution.min + 4 * distribution.likely + distribution.max) / 6
    if kind == "lognormal":
        mu, sigma = lognormal_parameters(distribution)
        return math.exp(mu + sigma**2 / 2)
    if kind == "exponential":
        return distribution.mean
    if kind == "empirical":
        return float(np.mean(distribution.samples))
    raise ValueError(f"unknown distribution kind {kind!r}")
