"""The radar clutter map: fixed returns withheld, and the spots where they leak named."""

from __future__ import annotations

import numpy as np

from skywarden.geo import LocalFrame
from skywarden.model import RadarReport, SensorType
from skywarden.track.clutter import ClutterMap
from skywarden.track.measure import SensorGeometry, build_batch
from tests.track.helpers import ORIGIN, T0, sensor

RADAR = sensor("radar-a", SensorType.RADAR, 0.0, 0.0)
FRAME = LocalFrame(ORIGIN["lat"], ORIGIN["lon"], ORIGIN["alt_m"])
GEOMETRY = SensorGeometry.of(RADAR, FRAME)

CORNER_RANGE_M = 1940.0
"""On the edge between two range cells (20 m wide at the test radar's 5 m sigma)."""
CORNER_AZ_DEG = 345.0
"""On the edge between two azimuth cells (1.5 degrees wide)."""


def _plot(rng: np.random.Generator, t: float, range_m: float, az_deg: float,
          rr_mps: float, az_sigma_deg: float = 0.4) -> RadarReport:
    return RadarReport(t=t, sensor=RADAR.id, range_m=float(range_m + rng.normal(0.0, 5.0)),
                       az_deg=float(az_deg + rng.normal(0.0, az_sigma_deg)),
                       el_deg=float(1.0 + rng.normal(0.0, 0.6)), rr_mps=rr_mps)


def _leak(rng: np.random.Generator, t: float, sign: float) -> RadarReport:
    """A plot of a fixed return on a cell corner, wandering over a couple of degrees
    (a tree's crown, multipath), its Doppler of the given sign."""
    return _plot(rng, t, CORNER_RANGE_M, CORNER_AZ_DEG,
                 sign * (1.5 + rng.exponential(1.5)), 0.8)


def _screen(clutter: ClutterMap, plots: list[RadarReport]) -> tuple[bool, bool] | None:
    """(kept, on a leak spot) of the last of one scan's plots."""
    batch = build_batch(plots, GEOMETRY, FRAME)
    keep = clutter.screen(batch)
    if not keep[-1]:
        return None
    return True, bool(clutter.leak_spots(batch.subset(keep))[-1])


def test_a_fixed_return_on_a_cell_corner_leaks_through_onto_a_leak_spot() -> None:
    """Noise scatters a fixed return sitting on the corner of cells over six of them,
    none of which fills up: most of its plots get through. Once it has leaked for a
    while, they land on a leak spot. A drone flying elsewhere does not."""
    rng = np.random.default_rng(5)
    clutter = ClutterMap()
    early: list[bool] = []
    late: list[bool] = []
    leaks = 0
    for k in range(60):
        t = T0 + k
        if rng.random() < 0.4:
            leaks += 1
            result = _screen(clutter, [_leak(rng, t, (-1.0) ** leaks)])
            if result is not None:
                (late if k >= 30 else early).append(result[1])
        drone = _screen(clutter, [_plot(rng, t + 0.3, 900.0 + 6.0 * k, 120.0, 6.0)])
        assert drone == (True, False)
    assert len(early) + len(late) > 0.6 * leaks
    assert not early[0]
    assert len(late) >= 5 and all(late)


def test_drones_streaming_through_one_place_are_no_leak_spot() -> None:
    """A formation passing one place, all receding: many plots over many scans, but a
    steady Doppler sign, as no leaking fixed return has."""
    rng = np.random.default_rng(6)
    clutter = ClutterMap()
    spots = []
    for k in range(30):
        t = T0 + k
        plots = [_plot(rng, t + 0.01 * j, CORNER_RANGE_M - 30.0 + 3.0 * ((k + 7 * j) % 20),
                       CORNER_AZ_DEG, 3.0 + rng.normal(0.0, 0.3)) for j in range(3)]
        batch = build_batch(plots, GEOMETRY, FRAME)
        keep = clutter.screen(batch)
        assert keep.all()
        spots.extend(clutter.leak_spots(batch).tolist())
    assert not any(spots)
