"""Greedy placement: never loses coverage, matches full re-evaluation and exhaustive
search, and respects budgets and counts."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import shapely

from skywarden.city import Buildings
from skywarden.model import Sensor, SensorType
from skywarden.plan.coverage import Footprint, footprint, planning_signature
from skywarden.plan.grid import Grid
from skywarden.plan.placement import greedy_placement
from skywarden.plan.viewshed import HeightRaster

LAT, LON = 60.17, 24.94


def random_prints(rng: np.random.Generator, n: int, size: int) -> list[Footprint]:
    prints = []
    for i in range(n):
        index = np.sort(rng.choice(size, int(rng.integers(5, size // 2)), replace=False))
        sensor = Sensor(f"c{i}", SensorType.RADAR, LAT, LON, 0.0)
        prints.append(Footprint(sensor, index, rng.uniform(0.05, 0.95, len(index))))
    return prints


def objective(prints: list[Footprint], chosen: tuple[int, ...], weights: np.ndarray) -> float:
    miss = np.ones(len(weights))
    for i in chosen:
        miss[prints[i].index] *= 1.0 - prints[i].pd
    return float(np.dot(weights, 1.0 - miss))


def disc_instance() -> tuple[list[Footprint], np.ndarray]:
    """Acoustic arrays at six candidate places on a ring over open ground: each overlaps
    its neighbours, and the area's edges clip some more than others."""
    dlat = 700 / 111_320
    dlon = dlat / math.cos(math.radians(LAT))
    area = shapely.box(LON - dlon, LAT - dlat, LON + dlon, LAT + dlat)
    grid = Grid.over(area, 20.0, (30.0,))
    raster = HeightRaster.of(Buildings.empty(), grid.frame, 0.0, (grid.x0, grid.y0,
                             grid.x0 + grid.nx * 20, grid.y0 + grid.ny * 20), 20.0)
    offsets = [(-420, 0), (-210, 364), (210, 364), (420, 0), (210, -364), (-210, -364)]
    prints = []
    for i, (east, north) in enumerate(offsets):
        lat, lon, _ = grid.frame.enu_to_geodetic(np.array([east, north, 0.0]))
        sensor = Sensor(f"mic{i}", SensorType.ACOUSTIC, float(lat), float(lon), 5.0)
        prints.append(footprint(grid, raster, sensor, planning_signature()))
    return prints, np.ones(grid.cells)


def test_greedy_coverage_never_decreases_and_lazy_matches_full_evaluation() -> None:
    rng = np.random.default_rng(5)
    for _ in range(5):
        prints = random_prints(rng, 25, 200)
        weights = rng.uniform(0.5, 3.0, 200)
        costs = rng.uniform(1.0, 3.0, 25).tolist()
        lazy = greedy_placement(prints, costs, weights, np.ones(200), budget=12.0)
        full = greedy_placement(prints, costs, weights, np.ones(200), budget=12.0, lazy=False)
        assert lazy.chosen == full.chosen
        assert lazy.evaluations < full.evaluations
        values = [lazy.base_objective] + [c.objective for c in lazy.choices]
        assert all(b >= a for a, b in itertools.pairwise(values))
        assert lazy.choices[-1].spent <= 12.0
        assert lazy.choices[-1].objective == pytest.approx(
            objective(prints, tuple(lazy.chosen), weights)
        )


def test_greedy_equals_exhaustive_search_on_a_small_instance() -> None:
    prints, weights = disc_instance()
    costs = [1.0] * len(prints)
    for count in (1, 2):
        greedy = greedy_placement(prints, costs, weights, np.ones(len(weights)), count=count)
        best = max(
            objective(prints, subset, weights)
            for subset in itertools.combinations(range(len(prints)), count)
        )
        assert len(greedy.chosen) == count
        assert greedy.choices[-1].objective == pytest.approx(best)


def test_greedy_is_within_the_submodular_bound_of_the_optimum() -> None:
    rng = np.random.default_rng(8)
    for _ in range(10):
        prints = random_prints(rng, 9, 60)
        weights = rng.uniform(0.5, 2.0, 60)
        greedy = greedy_placement(prints, [1.0] * 9, weights, np.ones(60), count=3)
        best = max(objective(prints, s, weights) for s in itertools.combinations(range(9), 3))
        assert greedy.choices[-1].objective >= (1 - 1 / math.e) * best - 1e-9


def test_installed_sensors_lower_the_gain_of_the_same_coverage() -> None:
    prints, weights = disc_instance()
    installed = np.ones(len(weights))
    first = greedy_placement(prints, [1.0] * len(prints), weights, installed, count=1).chosen[0]
    installed[prints[first].index] *= 1.0 - prints[first].pd  # now already installed
    placement = greedy_placement(prints, [1.0] * len(prints), weights, installed, count=2)
    assert first not in placement.chosen
    assert placement.base_objective == pytest.approx(float(np.dot(weights, 1 - installed)))


def test_budget_and_costs() -> None:
    prints, weights = disc_instance()
    costs = [5.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    placement = greedy_placement(prints, costs, weights, np.ones(len(weights)), budget=2.5)
    assert len(placement.chosen) == 2 and 0 not in placement.chosen
    assert greedy_placement(prints, costs, weights, np.ones(len(weights)), budget=0.5).chosen == []
    with pytest.raises(ValueError, match="positive"):
        greedy_placement(prints, [0.0] * 6, weights, np.ones(len(weights)), count=1)
