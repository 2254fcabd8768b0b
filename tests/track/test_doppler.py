"""Range rates against the range they should move: movers and leaking fixed returns."""

from __future__ import annotations

import numpy as np
import pytest

from skywarden.model import RadarReport
from skywarden.track.doppler import range_motion
from tests.track.helpers import T0

SIGMAS = (10.0, 1.0)
"""The radar's range and range-rate sigmas; the plots below bring their own."""


def _plots(ranges: list[float], rates: list[float | None]) -> list[RadarReport]:
    return [RadarReport(t=T0 + k, sensor="radar-a", range_m=r, az_deg=30.0, el_deg=2.0,
                        rr_mps=rate, sigma={"range_m": 5.0, "rr_mps": 0.5})
            for k, (r, rate) in enumerate(zip(ranges, rates, strict=True))]


def test_a_mover_s_range_moves_as_its_range_rates_say() -> None:
    rng = np.random.default_rng(3)
    ranges = [1500.0 - 6.0 * k + float(rng.normal(0.0, 5.0)) for k in range(8)]
    motion = range_motion(_plots(ranges, [-6.0] * 8), *SIGMAS)
    assert motion is not None
    assert motion.mean_rr_mps == pytest.approx(-6.0)
    assert abs(motion.slope_mps - motion.mean_rr_mps) < 2.0 * motion.sigma_mps


def test_a_leaking_fixed_return_s_range_stands_still_whatever_its_doppler() -> None:
    rng = np.random.default_rng(4)
    ranges = [2432.0 + float(rng.normal(0.0, 5.0)) for _ in range(8)]
    motion = range_motion(_plots(ranges, [1.8, 2.2, 1.6, 2.5, 1.9, 2.0, 1.7, 2.1]), *SIGMAS)
    assert motion is not None
    assert abs(motion.slope_mps) < 2.0 * motion.sigma_mps
    assert abs(motion.slope_mps - motion.mean_rr_mps) > 2.0 * motion.sigma_mps


@pytest.mark.parametrize("plots", [
    _plots([1000.0, 1001.0], [1.0, 1.0]),
    _plots([1000.0, 1001.0, 1002.0, 1003.0], [None, None, 1.0, 1.0]),
])
def test_too_few_plots_with_a_range_rate_tell_nothing(plots: list[RadarReport]) -> None:
    assert range_motion(plots, *SIGMAS) is None
