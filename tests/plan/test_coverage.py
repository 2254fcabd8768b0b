"""Coverage over open ground against closed forms, and the network's combination of
independent sensors against brute-force enumeration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely
from scipy import integrate

from skywarden.city import Buildings
from skywarden.model import Sensor, SensorType
from skywarden.plan.coverage import Footprint, NetworkCoverage, footprint, planning_signature
from skywarden.plan.grid import Grid
from skywarden.plan.viewshed import HeightRaster

LAT, LON = 60.17, 24.94
PFA = 1e-4
"""The EO model's default false-alarm probability (``sensing.DEFAULTS``)."""


def open_ground_grid(half_km: float, res: float, bands: tuple[float, ...]) -> Grid:
    dlat = half_km * 1000 / 111_320
    dlon = dlat / math.cos(math.radians(LAT))
    return Grid.over(shapely.box(LON - dlon, LAT - dlat, LON + dlon, LAT + dlat), res, bands)


def camera(pd: float, ref_range_m: float, max_range_m: float, alt_m: float) -> Sensor:
    return Sensor(
        "eo-1", SensorType.EO, LAT, LON, alt_m, max_range_m=max_range_m, pd=pd,
        params={"ref_range_m": ref_range_m},
    )


def swerling_pd(slant_m: np.ndarray, pd_ref: float, ref_m: float) -> np.ndarray:
    """Closed form of a camera's Pd: SNR falls with range squared from the reference."""
    snr_ref = math.log(PFA) / math.log(pd_ref) - 1.0
    return PFA ** (1.0 / (1.0 + snr_ref * (ref_m / slant_m) ** 2))


def test_single_camera_disc_on_open_ground() -> None:
    res = 25.0
    grid = open_ground_grid(2.0, res, (60.0,))
    raster = HeightRaster.of(Buildings.empty(), grid.frame, 0.0, (grid.x0, grid.y0,
                             grid.x0 + grid.nx * res, grid.y0 + grid.ny * res), res)
    sensor = camera(pd=0.5, ref_range_m=1000.0, max_range_m=1500.0, alt_m=10.0)
    fp = footprint(grid, raster, sensor, planning_signature("multirotor"))
    network = NetworkCoverage.of(grid.cells, [fp])
    # Pd = 0.5 exactly at 1000 m slant: the covered disc's radius on the 60 m band.
    dz = 60.0 - 10.0
    radius = math.sqrt(1000.0**2 - dz**2)
    covered_km2 = float(np.sum(network.p_any >= 0.5)) * grid.cell_area_km2
    assert covered_km2 == pytest.approx(math.pi * radius**2 / 1e6, rel=0.01)
    # Expected detected area: the integral of the closed-form Pd out to the maximum
    # range's horizontal reach.
    reach = math.sqrt(1500.0**2 - dz**2)
    expected, _ = integrate.quad(
        lambda r: swerling_pd(np.hypot(r, dz), 0.5, 1000.0) * 2 * math.pi * r, 0.0, reach
    )
    assert float(network.p_any.sum()) * res**2 == pytest.approx(expected, rel=0.01)
    # Nothing beyond the maximum range.
    assert float(np.hypot(grid.x[fp.index], grid.y[fp.index]).max()) <= reach


def test_footprint_of_a_sector_camera_stays_in_its_sector() -> None:
    res = 25.0
    grid = open_ground_grid(1.5, res, (30.0,))
    raster = HeightRaster.of(Buildings.empty(), grid.frame, 0.0, (grid.x0, grid.y0,
                             grid.x0 + grid.nx * res, grid.y0 + grid.ny * res), res)
    east_facing = Sensor("eo-e", SensorType.EO, LAT, LON, 10.0, max_range_m=1000.0,
                         params={"az_center_deg": 90.0, "fov_az_deg": 60.0})
    fp = footprint(grid, raster, east_facing, planning_signature())
    bearing = np.degrees(np.arctan2(grid.x[fp.index], grid.y[fp.index]))
    assert len(fp.index) > 100
    assert np.all(np.abs(bearing - 90.0) <= 30.0 + 2.0)


def test_network_probabilities_match_enumeration() -> None:
    rng = np.random.default_rng(11)
    size = 40
    kinds = [SensorType.RADAR, SensorType.RF, SensorType.EO]
    prints = []
    for i, kind in enumerate(kinds):
        index = np.sort(rng.choice(size, 25, replace=False))
        prints.append(Footprint(Sensor(f"s{i}", kind, LAT, LON, 0.0), index,
                                rng.uniform(0.1, 0.9, 25)))
    network = NetworkCoverage.of(size, prints)
    dense = np.zeros((3, size))
    for i, fp in enumerate(prints):
        dense[i, fp.index] = fp.pd
    none = np.zeros(size)
    exactly_one = np.zeros(size)
    for outcome in itertools.product((0, 1), repeat=3):
        chance = np.prod([dense[i] if hit else 1 - dense[i] for i, hit in enumerate(outcome)],
                         axis=0)
        if sum(outcome) == 0:
            none += chance
        elif sum(outcome) == 1:
            exactly_one += chance
    np.testing.assert_allclose(network.p_any, 1 - none)
    np.testing.assert_allclose(network.p_two, 1 - none - exactly_one, atol=1e-12)
    # The RF finder does not count for a dark drone.
    np.testing.assert_allclose(network.p_non_emission, 1 - (1 - dense[0]) * (1 - dense[2]))
    np.testing.assert_allclose(network.p_type(SensorType.RF), dense[1])
    assert not network.p_type(SensorType.ACOUSTIC).any()


def test_planning_drone_emits_but_does_not_broadcast_remote_id() -> None:
    drone = planning_signature("fixed_wing")
    assert drone.emitting and not drone.remote_id
    with pytest.raises(ValueError, match="unknown drone model"):
        planning_signature("zeppelin")
