"""Whether a radar's range rates of a track are borne out by how its range moves.

A radar measures two things about an object's radial motion: the range rate, from
the Doppler shift, and the range itself, plot after plot. For a real mover the two
agree: the range grows as fast as the range rate says. A fixed return leaking
through the moving-target filter (a tree in the wind, traffic on a road) comes back
with a range rate of a metre or two a second, of either sign, while its range stands
still. When the signs happen to agree for a few scans, only the range gives it away.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from skywarden.model import RadarReport, RangeMotion
from skywarden.track.measure import SensorGeometry

MIN_PLOTS = 3
MIN_SPAN_S = 2.0
"""Plots of one radar, and the time they span, needed to measure a range slope."""
MANOEUVRE_MPS = 0.5
"""Allowance for a mover whose range rate changed over the plots (the slope is their
time average only for evenly spaced plots)."""


def range_motion(plots: Sequence[RadarReport], geometry: SensorGeometry) -> RangeMotion | None:
    """The range slope and mean range rate of one radar's plots that carry a range
    rate, or None when there are too few, or over too short a time, to tell."""
    with_rate = [p for p in plots if p.rr_mps is not None]
    if len(with_rate) < MIN_PLOTS:
        return None
    t = np.array([p.t for p in with_rate])
    if float(t.max() - t.min()) < MIN_SPAN_S:
        return None
    ranges = np.array([p.range_m for p in with_rate])
    rates = np.array([p.rr_mps for p in with_rate], dtype=np.float64)
    dt = t - t.mean()
    sxx = float(dt @ dt)
    slope = float(dt @ (ranges - ranges.mean())) / sxx
    range_var = float(np.mean([geometry.sigma("range_m", p.sigma) ** 2 for p in with_rate]))
    rate_var = float(np.mean([geometry.sigma("rr_mps", p.sigma) ** 2 for p in with_rate]))
    sigma = math.sqrt(range_var / sxx + rate_var / len(with_rate) + MANOEUVRE_MPS**2)
    return RangeMotion(slope, float(rates.mean()), sigma)
