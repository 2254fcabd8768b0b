"""Temperature fitting and reliability tables."""

from __future__ import annotations

import numpy as np
import pytest

from skywarden.identify.calibration import fit_temperature, reliability


def _labelled(temperature: float, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores, and labels drawn from softmax(scores / temperature)."""
    rng = np.random.default_rng(seed)
    scores = rng.normal(0.0, 4.0, (n, 3))
    p = np.exp(scores / temperature)
    p /= p.sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in p])
    return scores, labels


@pytest.mark.parametrize("true_t", [0.5, 1.0, 3.0])
def test_the_fitted_temperature_is_the_one_the_labels_were_drawn_with(true_t: float) -> None:
    scores, labels = _labelled(true_t, 4000, seed=int(true_t * 10))
    assert fit_temperature(scores, labels) == pytest.approx(true_t, rel=0.1)


def test_calibrated_probabilities_have_a_small_error_and_overconfident_ones_not() -> None:
    scores, labels = _labelled(2.0, 4000, seed=1)
    for temperature, low, high in ((2.0, 0.0, 0.03), (0.5, 0.08, 1.0)):
        p = np.exp(scores / temperature)
        p /= p.sum(axis=1, keepdims=True)
        _, ece = reliability(p.max(axis=1), p.argmax(axis=1) == labels)
        assert low <= ece <= high


def test_reliability_bins_count_and_average_what_falls_in_them() -> None:
    bins, ece = reliability([0.95, 0.92, 0.55, 0.15], [True, False, True, False], n_bins=10)
    assert [(b.count, b.accuracy) for b in bins] == [(1, 0.0), (1, 1.0), (2, 0.5)]
    assert ece == pytest.approx((0.15 + 0.45 + 2 * abs(0.5 - 0.935)) / 4)


def test_no_examples_is_an_error() -> None:
    with pytest.raises(ValueError, match="no labelled examples"):
        fit_temperature(np.empty((0, 3)), np.empty(0))
