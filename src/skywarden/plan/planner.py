"""A coverage plan from start to end: grid, city raster, footprints, network, placement.

``plan_coverage`` is what ``skywarden plan`` runs; it returns every intermediate the
reports and maps need. The planning weights are ``background_weight`` for every cell of
every band plus each protected zone's ``weight`` (site-file key, default
``DEFAULT_ZONE_WEIGHT``) where the cell centre is in the zone's polygon and the band's
altitude between its floor and ceiling.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from numpy.typing import NDArray

from skywarden.city import Buildings, load_buildings
from skywarden.geo import LocalFrame
from skywarden.model import Sensor, Site, Zone
from skywarden.plan.area import Candidate
from skywarden.plan.coverage import (
    NON_EMISSION_TYPES,
    Footprint,
    NetworkCoverage,
    empty_footprint,
    footprint,
    planning_signature,
)
from skywarden.plan.grid import Grid
from skywarden.plan.placement import Placement, greedy_placement
from skywarden.plan.viewshed import HeightRaster
from skywarden.sensing import param

FloatArray = NDArray[np.float64]

DEFAULT_ZONE_WEIGHT = 10.0
"""Weight of a protected zone's cell relative to an ordinary cell (weight 1)."""
RASTER_MARGIN_M = 10_000.0
"""Sensors farther than this outside the area see it over open ground (the city
raster does not stretch out to them)."""
OBJECTIVES = ("any", "non-rf")
"""What placement maximises: detection by any sensor, or by a non-RF sensor."""

CityInput = Path | Callable[[LocalFrame, float], Buildings] | None
"""A city file, a function building the city in the grid's frame, or open ground."""


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: grid, drone, threshold, weights and the placement limits."""

    resolution_m: float = 25.0
    bands_m: tuple[float, ...] = (30.0, 60.0, 120.0, 300.0)
    drone: str = "multirotor"
    threshold: float = 0.5
    """A cell counts as covered when its detection probability reaches this."""
    background_weight: float = 1.0
    objective: str = "any"
    budget: float | None = None
    count: int | None = None
    ground_alt_m: float = 0.0


@dataclass(frozen=True)
class StepCoverage:
    """Coverage of the network after one placement step (step 0: installed only)."""

    step: int
    site: str | None
    objective: float
    """Weighted expected coverage as a fraction of its maximum."""
    any_fraction: float
    two_fraction: float
    non_emission_fraction: float


@dataclass
class PlanResult:
    """Everything a plan computed, for reports and maps."""

    options: PlanOptions
    site: Site
    grid: Grid
    buildings: Buildings
    installed: list[Footprint]
    candidates: list[Candidate]
    candidate_prints: list[Footprint]
    network: NetworkCoverage
    """Installed sensors plus the chosen candidates."""
    installed_network: NetworkCoverage
    weights: FloatArray
    zone_masks: dict[str, NDArray[np.bool_]]
    """Flat ``band * cells + cell`` mask of each zone's cells."""
    placement: Placement | None = None
    steps: list[StepCoverage] = field(default_factory=list)

    @property
    def chosen(self) -> list[Candidate]:
        """Candidates chosen, in the order chosen."""
        return [] if self.placement is None else [self.candidates[i] for i in self.placement.chosen]

    def band_view(self, values: FloatArray) -> FloatArray:
        """Flat per-cell values as ``(bands, cells)``."""
        return values.reshape(len(self.grid.bands_m), self.grid.cells)


def plan_coverage(
    site: Site,
    area_lonlat: shapely.Polygon | shapely.MultiPolygon,
    city: CityInput = None,
    candidates: Sequence[Candidate] = (),
    options: PlanOptions | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> PlanResult:
    """Coverage of the site's sensors over an area and, given candidates, the greedy
    choice of new sites. ``progress(label, total)`` is called when a phase starts with
    its number of sensors and ``progress("", 0)`` after each sensor."""
    options = options or PlanOptions()
    if options.objective not in OBJECTIVES:
        raise ValueError(f"objective {options.objective!r} is not one of {OBJECTIVES}")
    if not 0.0 < options.threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    grid = Grid.over(area_lonlat, options.resolution_m, options.bands_m, options.ground_alt_m)
    buildings = _buildings(city, grid)
    all_sensors = [*site.sensors, *(c.sensor for c in candidates)]
    raster = HeightRaster.of(
        buildings, grid.frame, grid.ground_alt_m, _raster_bounds(grid, all_sensors),
        grid.resolution_m,
    )
    signature = planning_signature(options.drone)

    def run(label: str, sensors: Sequence[Sensor]) -> list[Footprint]:
        if progress is not None and sensors:
            progress(label, len(sensors))
        out = []
        for sensor in sensors:
            out.append(footprint(grid, raster, sensor, signature))
            if progress is not None:
                progress("", 0)
        return out

    size = len(grid.bands_m) * grid.cells
    installed = run("installed sensors", site.sensors)
    candidate_prints = run("candidate sites", [c.sensor for c in candidates])
    installed_network = NetworkCoverage.of(size, installed)
    weights, zone_masks = _weights(grid, site.zones, options.background_weight)
    result = PlanResult(
        options=options, site=site, grid=grid, buildings=buildings, installed=installed,
        candidates=list(candidates), candidate_prints=candidate_prints,
        network=installed_network, installed_network=installed_network,
        weights=weights, zone_masks=zone_masks,
    )
    result.steps.append(_step_coverage(0, None, installed_network, weights, options))
    if not candidates:
        return result
    objective_prints = candidate_prints
    base_miss = installed_network.miss
    if options.objective == "non-rf":
        objective_prints = [
            fp if fp.sensor.type in NON_EMISSION_TYPES else empty_footprint(fp.sensor)
            for fp in candidate_prints
        ]
        base_miss = installed_network.miss_non_emission
    # A count alone asks for the best N sites whatever they cost; a budget weighs
    # each site's gain against its cost.
    costs = [c.cost if options.budget is not None else 1.0 for c in candidates]
    placement = greedy_placement(
        objective_prints, costs, weights, base_miss,
        budget=options.budget, count=options.count,
    )
    network = NetworkCoverage.of(size, installed)
    for step, index in enumerate(placement.chosen, start=1):
        network.add(candidate_prints[index])
        result.steps.append(
            _step_coverage(step, candidates[index].sensor.id, network, weights, options)
        )
    result.placement = placement
    result.network = network
    return result


def _buildings(city: CityInput, grid: Grid) -> Buildings:
    if city is None:
        return Buildings.empty(grid.ground_alt_m)
    if isinstance(city, Path):
        return load_buildings(city, grid.frame, grid.ground_alt_m)
    return city(grid.frame, grid.ground_alt_m)


def _raster_bounds(grid: Grid, sensors: Sequence[Sensor]) -> tuple[float, float, float, float]:
    """The area's rectangle, stretched to take in the sensors that can reach it."""
    west, south = grid.x0, grid.y0
    east = west + grid.nx * grid.resolution_m
    north = south + grid.ny * grid.resolution_m
    box = shapely.box(west, south, east, north)
    for sensor in sensors:
        x, y, _ = grid.sensor_enu(sensor.lat, sensor.lon, sensor.alt_m)
        reach = min(param(sensor, "max_range_m"), RASTER_MARGIN_M)
        if shapely.distance(box, shapely.Point(x, y)) <= reach:
            west, south = min(west, x - 1.0), min(south, y - 1.0)
            east, north = max(east, x + 1.0), max(north, y + 1.0)
    # Keep the raster's cells aligned with the grid's.
    res = grid.resolution_m
    west = grid.x0 - math.ceil((grid.x0 - west) / res) * res
    south = grid.y0 - math.ceil((grid.y0 - south) / res) * res
    return west, south, east, north


def _weights(
    grid: Grid, zones: Sequence[Zone], background: float
) -> tuple[FloatArray, dict[str, NDArray[np.bool_]]]:
    bands = len(grid.bands_m)
    weights = np.full(bands * grid.cells, background, dtype=np.float64)
    masks: dict[str, NDArray[np.bool_]] = {}
    for zone in zones:
        lon = np.array([p[0] for p in zone.polygon])
        lat = np.array([p[1] for p in zone.polygon])
        enu = grid.frame.geodetic_to_enu(lat, lon, grid.ground_alt_m)
        polygon = shapely.Polygon(enu[:, :2])
        if not polygon.is_valid:
            polygon = shapely.make_valid(polygon)
        inside = shapely.contains_xy(polygon, grid.x, grid.y)
        mask = np.zeros((bands, grid.cells), dtype=bool)
        for b, band in enumerate(grid.bands_m):
            if zone.floor_m <= grid.ground_alt_m + band <= zone.ceiling_m:
                mask[b] = inside
        flat = mask.reshape(-1)
        weights[flat] += float(zone.params.get("weight", DEFAULT_ZONE_WEIGHT))
        masks[zone.id] = flat
    return weights, masks


def _step_coverage(
    step: int, site: str | None, network: NetworkCoverage, weights: FloatArray,
    options: PlanOptions,
) -> StepCoverage:
    total = float(weights.sum())
    covered = network.miss if options.objective == "any" else network.miss_non_emission
    return StepCoverage(
        step=step,
        site=site,
        objective=(total - float(np.dot(weights, covered))) / total if total > 0 else 0.0,
        any_fraction=float(np.mean(network.p_any >= options.threshold)),
        two_fraction=float(np.mean(network.p_two >= options.threshold)),
        non_emission_fraction=float(np.mean(network.p_non_emission >= options.threshold)),
    )

