"""What a plan found, as tables: coverage per band, per sensor type and per zone, the
largest gaps, and the placement step by step.

A cell "is covered" when its detection probability reaches the plan's threshold;
percentages are shares of the area's cells. Gaps are connected groups of uncovered
cells (8-neighbour), listed by area with their centre and extent, per band.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from skywarden.model import SensorType
from skywarden.plan.planner import PlanResult

GAPS_LISTED = 10
"""Largest gaps listed per plan."""


@dataclass(frozen=True)
class Table:
    """A titled table for ``console.print_table`` and for ``summary.json``."""

    title: str
    columns: tuple[str, ...]
    rows: list[list[Any]]

    def to_dict(self) -> dict[str, Any]:
        """Rows as objects keyed by column."""
        return {
            "title": self.title,
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
        }


@dataclass(frozen=True, slots=True)
class Gap:
    """A connected group of uncovered cells in one band."""

    band_m: float
    area_km2: float
    lat: float
    lon: float
    width_m: float
    height_m: float


def band_label(band_m: float) -> int | float:
    """A band's height as printed: whole metres without decimals."""
    return int(band_m) if float(band_m).is_integer() else band_m


def percent(mask: NDArray[np.bool_]) -> float:
    """Share of true values, in percent (0 for none)."""
    return round(100.0 * float(mask.mean()), 1) if mask.size else 0.0


def band_table(result: PlanResult) -> Table:
    """Coverage of the whole network per altitude band."""
    threshold = result.options.threshold
    any_ = result.band_view(result.network.p_any)
    two = result.band_view(result.network.p_two)
    dark = result.band_view(result.network.p_non_emission)
    rows = []
    for b, band in enumerate(result.grid.bands_m):
        uncovered = int(np.sum(any_[b] < threshold))
        rows.append([
            band_label(band), result.grid.cells, percent(any_[b] >= threshold),
            percent(two[b] >= threshold), percent(dark[b] >= threshold),
            round(float(any_[b].mean()), 3), round(uncovered * result.grid.cell_area_km2, 2),
        ])
    chosen = len(result.chosen)
    network = f"installed + {chosen} chosen" if chosen else "installed"
    return Table(
        f"Coverage per band ({network} sensors; covered: P >= {threshold:g})",
        ("band m", "cells", "any %", "two+ %", "non-RF %", "mean P", "gaps km2"),
        rows,
    )


def type_table(result: PlanResult) -> Table:
    """Coverage of each sensor type on its own, per band."""
    threshold = result.options.threshold
    counts: dict[SensorType, int] = {}
    for sensor in result.network.sensors:
        counts[sensor.type] = counts.get(sensor.type, 0) + 1
    rows = []
    for kind in SensorType:
        if kind not in counts:
            continue
        p = result.band_view(result.network.p_type(kind))
        covered = [percent(p[b] >= threshold) for b in range(len(p))]
        rows.append([kind.value, counts[kind], *covered])
    return Table(
        "Coverage per sensor type (% of cells)",
        ("type", "sensors", *(f"{band:g} m" for band in result.grid.bands_m)),
        rows,
    )


def zone_table(result: PlanResult) -> Table:
    """Coverage of each protected zone over the bands inside its floor and ceiling."""
    threshold = result.options.threshold
    rows = []
    for zone in result.site.zones:
        mask = result.zone_masks[zone.id]
        cells = int(mask.sum())
        rows.append([
            zone.id, zone.name, cells,
            percent(result.network.p_any[mask] >= threshold),
            percent(result.network.p_two[mask] >= threshold),
            percent(result.network.p_non_emission[mask] >= threshold),
        ])
    return Table(
        "Coverage per zone (% of zone cells, bands within the zone)",
        ("zone", "name", "cells", "any %", "two+ %", "non-RF %"),
        rows,
    )


def gaps(result: PlanResult) -> list[Gap]:
    """Uncovered regions of every band, largest first."""
    grid = result.grid
    any_ = result.band_view(result.network.p_any)
    found: list[Gap] = []
    structure = np.ones((3, 3), dtype=bool)
    for b, band in enumerate(grid.bands_m):
        image = grid.to_image((any_[b] < result.options.threshold).astype(float), fill=0.0)
        labels, count = ndimage.label(image > 0.5, structure=structure)
        if count == 0:
            continue
        ids = np.arange(1, count + 1)
        sizes = ndimage.sum_labels(np.ones_like(image), labels, ids)
        centres = ndimage.center_of_mass(np.ones_like(image), labels, ids)
        boxes = ndimage.find_objects(labels)
        for size, (row, col), box in zip(sizes, centres, boxes, strict=True):
            if box is None:
                continue
            east = grid.x0 + (col + 0.5) * grid.resolution_m
            north = grid.y0 + (row + 0.5) * grid.resolution_m
            lat, lon, _ = grid.frame.enu_to_geodetic(np.array([east, north, 0.0]))
            found.append(
                Gap(
                    band_m=band,
                    area_km2=float(size) * grid.cell_area_km2,
                    lat=float(lat),
                    lon=float(lon),
                    width_m=(box[1].stop - box[1].start) * grid.resolution_m,
                    height_m=(box[0].stop - box[0].start) * grid.resolution_m,
                )
            )
    found.sort(key=lambda g: (-g.area_km2, g.band_m))
    return found


def gap_table(result: PlanResult, listed: int = GAPS_LISTED) -> Table:
    """The largest gaps, where they are and how big."""
    rows = [
        [band_label(g.band_m), round(g.area_km2, 3), round(g.lat, 5), round(g.lon, 5),
         f"{g.width_m:.0f} x {g.height_m:.0f}"]
        for g in gaps(result)[:listed]
    ]
    return Table(
        f"Largest gaps (P(any) < {result.options.threshold:g})",
        ("band m", "area km2", "lat", "lon", "extent E x N m"),
        rows,
    )


def placement_table(result: PlanResult) -> Table:
    """Coverage of the installed sensors, then after each chosen site."""
    rows = []
    types = {c.sensor.id: c for c in result.candidates}
    for step in result.steps:
        candidate = types.get(step.site) if step.site else None
        rows.append([
            step.step,
            step.site or "(installed)",
            candidate.sensor.type.value if candidate else "-",
            candidate.cost if candidate else None,
            round(100.0 * step.objective, 2),
            round(100.0 * step.any_fraction, 1),
            round(100.0 * step.two_fraction, 1),
            round(100.0 * step.non_emission_fraction, 1),
        ])
    return Table(
        f"Placement (greedy on {result.options.objective!r} coverage; % of all band cells)",
        ("step", "site", "type", "cost", "objective %", "any %", "two+ %", "non-RF %"),
        rows,
    )


def tables(result: PlanResult) -> list[Table]:
    """Every summary table of a plan, in reading order."""
    out = [band_table(result), type_table(result)]
    if result.site.zones:
        out.append(zone_table(result))
    out.append(gap_table(result))
    if result.placement is not None:
        out.append(placement_table(result))
    return out
