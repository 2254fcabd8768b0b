"""Calibration of class confidence: temperature fitting and reliability tables.

A confidence is calibrated when, of all tracks reported with confidence near 0.8,
about 80 % are really of the reported class. Temperature scaling (one parameter
dividing the scores) keeps the ranking of classes and fixes over- or
under-confidence; it is fitted by minimising the negative log-likelihood of labelled
examples (simulated scenarios with truth), and checked with a reliability table and
its expected calibration error (ECE).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp


def negative_log_likelihood(scores: ArrayLike, labels: ArrayLike, temperature: float) -> float:
    """Mean negative log-likelihood of class indices ``labels`` under ``scores / T``."""
    s = np.asarray(scores, dtype=np.float64) / temperature
    y = np.asarray(labels, dtype=np.int64)
    log_norm = logsumexp(s, axis=1)
    return float(np.mean(log_norm - s[np.arange(len(y)), y]))


def fit_temperature(scores: ArrayLike, labels: ArrayLike) -> float:
    """The temperature in [0.05, 20] that minimises the negative log-likelihood."""
    s = np.asarray(scores, dtype=np.float64)
    if len(s) == 0:
        raise ValueError("no labelled examples to fit a temperature on")
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(s, labels, float(np.exp(log_t))),
        bounds=(np.log(0.05), np.log(20.0)),
        method="bounded",
    )
    return float(np.exp(result.x))


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """One confidence bin: its bounds, how many predictions fell in it, their mean
    confidence and the fraction that were right."""

    low: float
    high: float
    count: int
    mean_conf: float
    accuracy: float


def reliability(
    conf: ArrayLike, correct: ArrayLike, n_bins: int = 10
) -> tuple[list[ReliabilityBin], float]:
    """Reliability table over equal-width confidence bins, and the expected calibration
    error (count-weighted mean of ``|accuracy - confidence|``)."""
    c = np.asarray(conf, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.digitize(c, edges[1:-1]), 0, n_bins - 1)
    bins: list[ReliabilityBin] = []
    ece = 0.0
    for b in range(n_bins):
        mask = index == b
        count = int(mask.sum())
        if count == 0:
            continue
        mean_conf = float(c[mask].mean())
        accuracy = float(ok[mask].mean())
        bins.append(ReliabilityBin(edges[b], edges[b + 1], count, mean_conf, accuracy))
        ece += count * abs(accuracy - mean_conf)
    return bins, ece / max(len(c), 1)
