"""Coverage planning at city scale: a 10 km x 10 km area at 25 m, 4 altitude bands, the
``capital`` site's sensors and 100 candidate sites over a synthetic 10 km district.

Measured in the same run, on one core:

- the whole plan (grid, city raster, footprints, lazy greedy, tables), as
  ``skywarden plan`` runs it;
- line of sight: the radial viewshed over the raster against two exact per-segment
  peers on the same sensor and cells: ``Buildings.visible`` (NumPy edge crossings) and
  a straightforward shapely one (segment/footprint intersections), with the share of
  answers the viewshed agrees on;
- placement: lazy greedy against plain greedy that re-evaluates every candidate at every
  step (same choices), both choosing 10 sites.

Run: ``.venv/bin/python bench/plan_bench.py`` (sets one thread for NumPy's BLAS).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import shapely  # noqa: E402

from skywarden.city import Buildings  # noqa: E402
from skywarden.geo import LocalFrame  # noqa: E402
from skywarden.model import Sensor, SensorType  # noqa: E402
from skywarden.plan.area import Candidate  # noqa: E402
from skywarden.plan.placement import greedy_placement  # noqa: E402
from skywarden.plan.planner import PlanOptions, plan_coverage  # noqa: E402
from skywarden.plan.report import tables  # noqa: E402
from skywarden.plan.viewshed import HeightRaster, visible_from  # noqa: E402
from skywarden.sim.builtin import capital  # noqa: E402
from skywarden.sim.citygen import CityLayout, generate_city  # noqa: E402

SIDE_M = 10_000.0
CANDIDATES = 100
LOS_SAMPLE = 3000
"""Cells checked by the exact NumPy peer."""
SHAPELY_SAMPLE = 500
"""Targets checked by the shapely peer (the slowest)."""

CANDIDATE_TYPES = (
    (SensorType.RADAR, 35.0, 5.0),
    (SensorType.EO, 30.0, 2.0),
    (SensorType.RF, 25.0, 1.0),
    (SensorType.ACOUSTIC, 8.0, 0.5),
)
"""Type, mounting height above ground (m) and cost of the candidates, in turn."""


def shapely_visible(
    buildings: Buildings, sensor: np.ndarray, targets: np.ndarray
) -> np.ndarray:
    """Line of sight the straightforward way: intersect each sight line with the
    footprints it meets (STR-tree) in shapely, and compare the line's height at every
    point of the intersection with the roof."""
    seen = np.ones(len(targets), dtype=bool)
    lines = shapely.linestrings(
        np.stack([np.broadcast_to(sensor[:2], (len(targets), 2)), targets[:, :2]], axis=1)
    )
    tree = shapely.STRtree(buildings.footprints)
    line_index, building_index = tree.query(lines, predicate="intersects")
    pieces = shapely.intersection(lines[line_index], buildings.footprints[building_index])
    coords, piece = shapely.get_coordinates(pieces, return_index=True)
    line = line_index[piece]
    delta = targets[line, :2] - sensor[:2]
    along = np.einsum("ij,ij->i", coords - sensor[:2], delta) / np.einsum("ij,ij->i", delta,
                                                                          delta)
    height = sensor[2] + along * (targets[line, 2] - sensor[2])
    seen[line[height < buildings.roof_up_m[building_index[piece]] - 1e-6]] = False
    return seen


def main() -> None:
    scenario = capital()
    site, frame, ground = scenario.site, scenario.frame, scenario.ground_alt_m
    layout = CityLayout(seed=33, extent_m=SIDE_M, block_m=100, street_m=22, min_height_m=6,
                        max_height_m=48, park_fraction=0.07)
    city_in_site = generate_city(layout, frame, ground)
    city_geojson = city_in_site.to_geojson(frame)

    def city(grid_frame: LocalFrame, ground_alt_m: float) -> Buildings:
        return Buildings.from_geojson(city_geojson, grid_frame, ground_alt_m)

    half = SIDE_M / 2.0
    corners = frame.enu_to_geodetic(np.array([[-half, -half, 0.0], [half, half, 0.0]]))
    area = shapely.box(corners[1][0], corners[0][0], corners[1][1], corners[0][1])
    rng = np.random.default_rng(7)
    candidates = []
    for i in range(CANDIDATES):
        kind, height, cost = CANDIDATE_TYPES[i % len(CANDIDATE_TYPES)]
        east, north = rng.uniform(-half, half, 2)
        lat, lon, _ = frame.enu_to_geodetic(np.array([east, north, 0.0]))
        roof = float(city_in_site.roof_height_at(east, north))
        sensor = Sensor(f"cand-{i:03d}", kind, float(lat), float(lon), ground + roof + height)
        candidates.append(Candidate(sensor, cost))

    options = PlanOptions(resolution_m=25.0, bands_m=(30.0, 60.0, 120.0, 300.0), count=10,
                          ground_alt_m=ground)
    start = time.perf_counter()
    result = plan_coverage(site, area, city, candidates, options)
    tables(result)
    plan_s = time.perf_counter() - start
    cells = result.grid.cells
    sensors = len(site.sensors) + CANDIDATES
    print(f"plan: {SIDE_M / 1000:g} km x {SIDE_M / 1000:g} km at 25 m = {cells} cells x 4 bands, "
          f"{len(result.buildings)} buildings, {sensors} sensors "
          f"({len(site.sensors)} installed + {CANDIDATES} candidates), choose 10: "
          f"{plan_s:.1f} s on one core")

    # Line of sight: viewshed vs the exact per-segment test, one radar, same cells.
    grid = result.grid
    buildings = result.buildings
    res = grid.resolution_m
    radar = next(c.sensor for c in candidates if c.sensor.type is SensorType.RADAR)
    sensor_enu = grid.sensor_enu(radar.lat, radar.lon, radar.alt_m)
    near = np.flatnonzero(np.hypot(grid.x - sensor_enu[0], grid.y - sensor_enu[1]) <= 5000.0)
    raster = HeightRaster.of(buildings, grid.frame, ground,
                             (grid.x0, grid.y0, grid.x0 + grid.nx * res, grid.y0 + grid.ny * res),
                             res)
    start = time.perf_counter()
    fast = visible_from(raster, sensor_enu, grid.x[near], grid.y[near],
                        grid.targets_enu[:, near, 2])
    viewshed_s = time.perf_counter() - start
    sample = rng.choice(len(near), min(LOS_SAMPLE, len(near)), replace=False)
    start = time.perf_counter()
    exact = np.stack([buildings.visible(sensor_enu, grid.targets_enu[b, near[sample]])
                      for b in range(len(grid.bands_m))])
    exact_s = time.perf_counter() - start
    few = sample[:SHAPELY_SAMPLE]
    start = time.perf_counter()
    plain = shapely_visible(buildings, sensor_enu, grid.targets_enu[0, near[few]])
    plain_s = time.perf_counter() - start
    assert plain.tolist() == exact[0, :SHAPELY_SAMPLE].tolist()
    targets = near.size * len(grid.bands_m)
    per_target = {
        "radial viewshed over the raster": viewshed_s / targets,
        "exact NumPy edge crossings (peer)": exact_s / exact.size,
        "exact shapely intersections (peer)": plain_s / len(few),
    }
    agree = float(np.mean(fast[:, sample] == exact))
    print(f"line of sight, one radar, {targets} targets within 5 km:")
    for name, seconds in per_target.items():
        print(f"  {name:36s} {seconds * 1e6:9.2f} us/target -> {seconds * targets:7.1f} s "
              f"for this sensor, x{seconds / per_target['radial viewshed over the raster']:.0f}")
    print(f"  the viewshed agrees with the exact answer on {100 * agree:.2f} % of "
          f"{exact.size} sampled targets (the two exact ones agree everywhere)")

    # Placement: lazy greedy vs plain greedy on the same footprints.
    weights = result.weights
    base = result.installed_network.miss
    costs = [1.0] * len(candidates)
    timings = {}
    for lazy in (True, False):
        start = time.perf_counter()
        placed = greedy_placement(result.candidate_prints, costs, weights, base, count=10,
                                  lazy=lazy)
        timings[lazy] = (time.perf_counter() - start, placed)
    (lazy_s, lazy_p), (full_s, full_p) = timings[True], timings[False]
    assert lazy_p.chosen == full_p.chosen
    print(f"placement, 10 of {CANDIDATES}: lazy greedy {lazy_s * 1000:.0f} ms "
          f"({lazy_p.evaluations} gain evaluations), plain greedy (peer) {full_s * 1000:.0f} ms "
          f"({full_p.evaluations} evaluations), same choices")
    first, last = result.steps[0], result.steps[-1]
    print(f"coverage (P >= 0.5, all bands): installed {100 * first.any_fraction:.1f} % any, "
          f"{100 * first.non_emission_fraction:.1f} % non-RF -> with 10 chosen "
          f"{100 * last.any_fraction:.1f} % any, {100 * last.non_emission_fraction:.1f} % non-RF")
    print(f"(cells {cells}, raster {raster.shape}, {math.ceil(plan_s)} s < 60 s target)")


if __name__ == "__main__":
    main()
