"""A plan's files: the coverage grid and sites as GeoJSON, a PNG map per band, and a
JSON summary.

- ``coverage.geojson``: one square polygon per cell, with ``any_<band>``,
  ``two_<band>`` and ``nonrf_<band>`` detection probabilities for every band.
- ``sites.geojson``: the installed sensors and every candidate, the chosen ones with
  the step at which they were chosen.
- ``coverage-<band>m.png``: three maps of the band (any sensor, two or more, non-RF)
  with the buildings, sensors, chosen sites, zones and the area's outline.
- ``summary.json``: the options and every summary table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from numpy.typing import NDArray

from skywarden.model import Sensor, SensorType
from skywarden.plan.planner import PlanResult
from skywarden.plan.report import Table

TYPE_COLOURS: dict[SensorType, str] = {
    SensorType.RADAR: "#e41a1c",
    SensorType.RF: "#377eb8",
    SensorType.ACOUSTIC: "#4daf4a",
    SensorType.EO: "#ff7f00",
    SensorType.REMOTEID: "#984ea3",
    SensorType.ADSB: "#a65628",
}
"""Marker colour of each sensor type on the maps."""


def write_outputs(
    result: PlanResult, out_dir: Path, tables: Sequence[Table], *, grid_geojson: bool = True
) -> list[Path]:
    """Write every output file of a plan into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    if grid_geojson:
        written.append(_write_json(out_dir / "coverage.geojson", coverage_geojson(result)))
    written.append(_write_json(out_dir / "sites.geojson", sites_geojson(result)))
    summary = {
        "options": asdict(result.options),
        "cells": result.grid.cells,
        "resolution_m": result.grid.resolution_m,
        "buildings": len(result.buildings),
        "tables": [t.to_dict() for t in tables],
    }
    written.append(_write_json(out_dir / "summary.json", summary))
    for b, band in enumerate(result.grid.bands_m):
        path = out_dir / f"coverage-{band:g}m.png"
        draw_band_map(result, b, path)
        written.append(path)
    return written


def coverage_geojson(result: PlanResult) -> dict[str, Any]:
    """The coverage grid as WGS84 cell polygons with per-band probabilities."""
    grid = result.grid
    half = grid.resolution_m / 2.0
    x, y = grid.x, grid.y
    corners_e = np.stack([x - half, x + half, x + half, x - half, x - half], axis=1)
    corners_n = np.stack([y - half, y - half, y + half, y + half, y - half], axis=1)
    enu = np.stack([corners_e, corners_n, np.zeros_like(corners_e)], axis=-1)
    lat, lon, _ = grid.frame.enu_to_geodetic(enu)
    lon = np.round(lon, 6)
    lat = np.round(lat, 6)
    values: dict[str, NDArray[np.float64]] = {}
    for name, flat in (
        ("any", result.network.p_any),
        ("two", result.network.p_two),
        ("nonrf", result.network.p_non_emission),
    ):
        per_band = np.round(result.band_view(flat), 3)
        for b, band in enumerate(grid.bands_m):
            values[f"{name}_{band:g}"] = per_band[b]
    keys = list(values)
    columns = np.stack([values[k] for k in keys], axis=1)
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [np.column_stack([lon[i], lat[i]]).tolist()],
            },
            "properties": dict(zip(keys, columns[i].tolist(), strict=True)),
        }
        for i in range(grid.cells)
    ]
    return {"type": "FeatureCollection", "features": features}


def sites_geojson(result: PlanResult) -> dict[str, Any]:
    """Installed sensors and candidate sites as WGS84 points."""
    features = [_site_feature(s, {"role": "installed"}) for s in result.site.sensors]
    step_of = {} if result.placement is None else {
        c.candidate: (step, c) for step, c in enumerate(result.placement.choices, start=1)
    }
    for index, candidate in enumerate(result.candidates):
        props: dict[str, Any] = {"role": "candidate", "cost": candidate.cost}
        if index in step_of:
            step, choice = step_of[index]
            props.update(role="chosen", step=step, gain=round(choice.gain, 3))
        features.append(_site_feature(candidate.sensor, props))
    return {"type": "FeatureCollection", "features": features}


def draw_band_map(result: PlanResult, band_index: int, path: Path) -> None:
    """Three coverage maps of one band side by side, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    grid = result.grid
    band = grid.bands_m[band_index]
    km = 1000.0
    extent = (
        grid.x0 / km, (grid.x0 + grid.nx * grid.resolution_m) / km,
        grid.y0 / km, (grid.y0 + grid.ny * grid.resolution_m) / km,
    )
    layers = (
        ("detected by any sensor", result.network.p_any),
        ("by two or more (triangulation)", result.network.p_two),
        ("by a non-RF sensor (dark drone)", result.network.p_non_emission),
    )
    aspect = (extent[3] - extent[2]) / max(extent[1] - extent[0], 1e-9)
    panel_w = 4.6
    panel_h = min(max(panel_w * aspect, 2.5), 7.0)
    fig, axes = plt.subplots(
        1, 3, figsize=(3 * panel_w + 1.2, panel_h + 1.3), sharex=True, sharey=True, dpi=72,
        layout="constrained",
    )
    building_rings = [np.asarray(f.exterior.coords) / km for f in result.buildings.footprints]
    chosen = result.chosen
    image = None
    for ax, (title, flat) in zip(axes, layers, strict=True):
        values = result.band_view(flat)[band_index]
        image = ax.imshow(
            grid.to_image(values), origin="lower", extent=extent, vmin=0.0, vmax=1.0,
            cmap="viridis", interpolation="nearest",
        )
        if building_rings:
            ax.add_collection(
                PolyCollection(building_rings, facecolors="#555555", edgecolors="none", alpha=0.5)
            )
        _outline(ax, grid.area_enu, km, "black")
        for zone in result.site.zones:
            lon = np.array([p[0] for p in zone.polygon])
            lat = np.array([p[1] for p in zone.polygon])
            enu = grid.frame.geodetic_to_enu(lat, lon, grid.ground_alt_m) / km
            ax.fill(enu[:, 0], enu[:, 1], fill=False, edgecolor="red", linewidth=1.5)
        _sensors(ax, result, list(result.site.sensors), "o", km)
        _sensors(ax, result, [c.sensor for c in chosen], "*", km, size=140)
        ax.set_title(title, fontsize=11)
        ax.set_xlabel("east, km")
        ax.set_xlim(extent[0], extent[1])
        ax.set_ylim(extent[2], extent[3])
        ax.set_aspect("equal")
    axes[0].set_ylabel("north, km")
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=colour, label=kind.value)
        for kind, colour in TYPE_COLOURS.items()
        if any(s.type is kind for s in result.network.sensors)
    ]
    if chosen:
        handles.append(plt.Line2D([], [], marker="*", linestyle="", color="white",
                                  markeredgecolor="black", markersize=12, label="chosen site"))
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.8, label="detection probability")
    fig.legend(
        handles=handles, loc="outside lower center", ncol=max(1, len(handles)), frameon=False
    )
    fig.suptitle(f"{result.site.name}: small-drone coverage at {band:g} m above ground")
    fig.savefig(path, dpi=72)
    plt.close(fig)


def _sensors(
    ax: Any, result: PlanResult, sensors: Sequence[Sensor], marker: str, km: float,
    size: float = 40.0,
) -> None:
    if not sensors:
        return
    enu = np.stack([result.grid.sensor_enu(s.lat, s.lon, s.alt_m) for s in sensors]) / km
    colours = [TYPE_COLOURS[s.type] for s in sensors]
    ax.scatter(enu[:, 0], enu[:, 1], c=colours, marker=marker, s=size, edgecolors="black",
               linewidths=0.7, zorder=5)


def _outline(ax: Any, polygon: Any, km: float, colour: str) -> None:
    import shapely

    for part in shapely.get_parts(polygon):
        xy = np.asarray(part.exterior.coords) / km
        ax.plot(xy[:, 0], xy[:, 1], color=colour, linewidth=1.0)


def _site_feature(sensor: Sensor, props: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [sensor.lon, sensor.lat]},
        "properties": {"id": sensor.id, "type": sensor.type.value, "alt_m": sensor.alt_m,
                       **props},
    }


def _write_json(path: Path, obj: Any) -> Path:
    path.write_bytes(orjson.dumps(obj, option=orjson.OPT_SERIALIZE_NUMPY))
    return path
