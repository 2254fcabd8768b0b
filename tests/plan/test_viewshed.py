"""Line of sight over the city raster: hand-computable walls, and agreement with the
exact segment test on the real Helsinki extract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from skywarden.city import Buildings, load_buildings
from skywarden.geo import LocalFrame
from skywarden.plan.grid import Grid
from skywarden.plan.viewshed import HeightRaster, visible_from

FRAME = LocalFrame(60.17, 24.94, 0.0)
RES = 10.0


def raster_of(buildings: Buildings, half_m: float = 500.0) -> HeightRaster:
    return HeightRaster.of(buildings, FRAME, 0.0, (-half_m, -half_m, half_m, half_m), RES)


def test_open_ground_raster_is_the_curved_ground() -> None:
    raster = raster_of(Buildings.empty())
    ny, nx = raster.shape
    assert (ny, nx) == (100, 100)
    # The tangent plane leaves the ground d^2 / 2R below it: 0.039 m at 705 m.
    assert raster.top_up.max() == pytest.approx(0.0, abs=1e-3)
    assert raster.top_up.min() == pytest.approx(-(695.0**2) / (2 * 6_383_000), abs=5e-3)


def test_wall_shadow_matches_the_hand_computed_slope() -> None:
    # A wall 20 m tall, 20 m thick, from east 100 to 120, across the whole raster.
    wall = Buildings.from_enu([[(100, -500), (120, -500), (120, 500), (100, 500)]], [20.0], FRAME)
    raster = raster_of(wall)
    sensor = np.array([5.0, 5.0, 10.0])
    east = np.array([55.0, 155.0, 255.0, 455.0, 455.0, 105.0, -305.0])
    north = np.full(len(east), 5.0)
    # Behind the wall, the target clears it when its slope from the sensor beats that
    # of the wall's near face: (20 - 10) / (100 - 5).
    near_face_slope = 10.0 / 95.0
    hidden_below = 10.0 + near_face_slope * (east - 5.0)
    targets_up = np.stack([hidden_below - 1.5, hidden_below + 1.5])
    targets_up[:, -1] = 5.0  # behind the sensor, low over open ground
    seen = visible_from(raster, sensor, east, north, targets_up)
    # In front of the wall (55) and behind the sensor (-305) everything is seen; the
    # target cell on top of the wall (105) is seen only above the 20 m roof.
    assert seen[0].tolist() == [True, False, False, False, False, False, True]
    assert seen[1].tolist() == [True, True, True, True, True, True, True]


def test_sensor_on_its_own_roof_is_not_blinded_by_it() -> None:
    block = Buildings.from_enu([[(-3, -3), (3, -3), (3, 3), (-3, 3)]], [30.0], FRAME)
    raster = raster_of(block)
    east = np.array([50.0, 200.0])
    north = np.zeros(2)
    seen = visible_from(raster, np.array([0.0, 0.0, 31.0]), east, north, np.array([[5.0, 5.0]]))
    assert seen.all()


def test_raster_agrees_with_exact_segments_over_helsinki(shared_data: Path) -> None:
    area = shapely.box(24.938, 60.166, 24.950, 60.176)
    grid = Grid.over(area, RES, (30.0, 60.0), ground_alt_m=0.0)
    buildings = load_buildings(shared_data / "city" / "helsinki.osm.pbf", grid.frame)
    raster = HeightRaster.of(
        buildings, grid.frame, 0.0,
        (grid.x0, grid.y0, grid.x0 + grid.nx * RES, grid.y0 + grid.ny * RES), RES,
    )
    rng = np.random.default_rng(3)
    sample = rng.choice(grid.cells, 1500, replace=False)
    sensor = np.array([0.0, 0.0, 25.0])
    fast = visible_from(
        raster, sensor, grid.x[sample], grid.y[sample], grid.targets_enu[:, sample, 2]
    )
    exact = np.stack([buildings.visible(sensor, grid.targets_enu[b, sample]) for b in range(2)])
    # Rasterising at 10 m moves building edges by up to half a cell: the two agree on
    # all but a thin fringe of shadow boundaries.
    assert (fast == exact).mean() > 0.97
    assert 0.3 < exact[0].mean() < 0.95  # the city really hides part of the 30 m band
