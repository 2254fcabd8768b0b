"""Sums over a sliding window: identity evidence of the last half-minute only."""

from __future__ import annotations

import pytest

from skywarden.track.recent import KEPT_ITEMS, RecentSums


def test_weights_are_summed_per_key_within_the_window_only() -> None:
    window: RecentSums[str] = RecentSums(30.0)
    for t in range(60):
        window.add(float(t), "drone" if t < 40 else "bird", 0.5)
    assert window.by_key(59.0) == {"drone": pytest.approx(5.5), "bird": pytest.approx(10.0)}
    assert window.total(100.0) == (pytest.approx(0.0), 0)
    assert window.by_key(100.0) == {}


def test_a_window_absorbs_another_in_time_order() -> None:
    mine: RecentSums[None] = RecentSums(30.0)
    theirs: RecentSums[None] = RecentSums(30.0)
    for t in range(0, 20, 2):
        mine.add(float(t), None, -18.0)
        theirs.add(float(t + 1), None, -28.0)
    mine.absorb(theirs)
    assert mine.total(19.0) == (pytest.approx(-460.0), 20)
    assert mine.total(48.0) == (pytest.approx(-46.0), 2)


def test_a_window_keeps_a_bounded_number_of_items() -> None:
    window: RecentSums[None] = RecentSums(1e9)
    for t in range(KEPT_ITEMS + 10):
        window.add(float(t), None)
    assert window.total(float(KEPT_ITEMS + 10)) == (pytest.approx(KEPT_ITEMS), KEPT_ITEMS)
