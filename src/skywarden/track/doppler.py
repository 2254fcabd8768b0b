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

from skywarden.model import RadarReport, RangeMotion

MIN_PLOTS = 3
MIN_SPAN_S = 2.0
"""Plots of one radar, and the time they span, needed to measure a range slope."""
MANOEUVRE_MPS = 0.5
"""Allowance for a mover whose range rate changed over the plots (the slope is their
time average only for evenly spaced plots)."""


def range_motion(plots: Sequence[RadarReport], range_sigma_m: float,
                 rate_sigma_mps: float) -> RangeMotion | None:
    """The range slope and mean range rate of one radar's plots that carry a range
    rate, or None when there are too few, or over too short a time, to tell. The
    sigmas are the radar's, for plots that bring none of their own. (Plain
    arithmetic: a handful of plots per track and snapshot, where NumPy's call overhead
    would dominate.)"""
    times: list[float] = []
    ranges: list[float] = []
    rate_sum = range_var = rate_var = 0.0
    for plot in plots:
        if plot.rr_mps is None:
            continue
        times.append(plot.t)
        ranges.append(plot.range_m)
        rate_sum += plot.rr_mps
        own = plot.sigma or {}
        range_var += own.get("range_m", range_sigma_m) ** 2
        rate_var += own.get("rr_mps", rate_sigma_mps) ** 2
    n = len(times)
    if n < MIN_PLOTS or max(times) - min(times) < MIN_SPAN_S:
        return None
    t_mean = sum(times) / n
    r_mean = sum(ranges) / n
    sxx = sxy = 0.0
    for t, r in zip(times, ranges, strict=True):
        sxx += (t - t_mean) ** 2
        sxy += (t - t_mean) * (r - r_mean)
    sigma = math.sqrt(range_var / n / sxx + rate_var / n / n + MANOEUVRE_MPS**2)
    return RangeMotion(sxy / sxx, rate_sum / n, sigma)
