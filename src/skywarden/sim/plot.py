"""Draw a scenario: buildings, sensors with their coverage, zones, the convoy route and
the true paths of a recording, in the site's east/north metres."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np
import orjson

from skywarden.model import SensorType
from skywarden.recording import TRUTH_FILE
from skywarden.sensing import param
from skywarden.sim.scenario import Scenario

SENSOR_STYLE = {
    SensorType.RADAR: ("^", "tab:red"),
    SensorType.RF: ("D", "tab:purple"),
    SensorType.ACOUSTIC: ("o", "tab:olive"),
    SensorType.EO: ("s", "tab:cyan"),
    SensorType.REMOTEID: ("P", "tab:green"),
    SensorType.ADSB: ("X", "tab:blue"),
}
"""Marker and colour of each sensor type."""
KIND_COLOUR = {"drone": "tab:red", "bird": "tab:brown", "aircraft": "tab:blue"}
COVERAGE_LIMIT_M = 8000.0
"""Coverage circles larger than this (ADS-B) are not drawn."""


def _truth_paths(recording: Path, scenario: Scenario) -> dict[str, tuple[str, np.ndarray]]:
    """Each truth object's kind and ENU path."""
    points: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    kinds: dict[str, str] = {}
    path = recording / TRUTH_FILE
    if path.is_file():
        with open(path, "rb") as stream:
            for raw in stream:
                obj = orjson.loads(raw)
                points[obj["id"]].append((obj["lat"], obj["lon"], obj["alt_m"]))
                kinds[obj["id"]] = obj["kind"]
    paths = {}
    for ident, rows in points.items():
        data = np.array(rows)
        enu = scenario.frame.geodetic_to_enu(data[:, 0], data[:, 1], data[:, 2])
        paths[ident] = (kinds[ident], enu)
    return paths


def plot_recording(scenario: Scenario, recording: Path, out_png: Path) -> None:
    """Draw the scenario and the true paths of its recording to a PNG file."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.collections import PatchCollection
    from matplotlib.patches import Circle, Polygon, Wedge

    frame = scenario.frame
    fig, ax = plt.subplots(figsize=(11, 11), dpi=110)
    buildings = scenario.buildings
    if len(buildings):
        patches = [Polygon(np.asarray(p.exterior.coords), closed=True)
                   for p in buildings.footprints]
        city = PatchCollection(patches, cmap="Greys", alpha=0.8, linewidths=0)
        city.set_array(buildings.heights_m)
        city.set_clim(0.0, float(buildings.heights_m.max()) * 1.3)
        ax.add_collection(city)
    for zone in scenario.site.zones:
        lon, lat = np.array(zone.polygon).T
        enu = frame.geodetic_to_enu(lat, lon, zone.floor_m)
        ax.add_patch(Polygon(enu[:, :2], closed=True, fill=True, alpha=0.2, color="red",
                             label=f"zone {zone.name}"))
    for asset in scenario.site.assets:
        lon, lat = np.array(asset.route).T
        enu = frame.geodetic_to_enu(lat, lon, 0.0)
        ax.plot(enu[:, 0], enu[:, 1], "--", color="navy", lw=2.5, label=f"route {asset.name}")
    for kind, path in _truth_paths(recording, scenario).values():
        ax.plot(path[:, 0], path[:, 1], "-", lw=0.8, alpha=0.8, color=KIND_COLOUR.get(kind, "k"))
    for sensor_type in SensorType:
        members = [s for s in scenario.site.sensors if s.type is sensor_type]
        if not members:
            continue
        marker, colour = SENSOR_STYLE[sensor_type]
        enu = frame.geodetic_to_enu([s.lat for s in members], [s.lon for s in members],
                                    [s.alt_m for s in members])
        ax.scatter(enu[:, 0], enu[:, 1], marker=marker, s=70, color=colour, edgecolor="k",
                   zorder=5, label=sensor_type.value)
        for sensor, (east, north, _) in zip(members, enu, strict=True):
            reach = param(sensor, "max_range_m")
            if reach > COVERAGE_LIMIT_M:
                continue
            fov = param(sensor, "fov_az_deg")
            if fov < 360.0:
                centre = 90.0 - param(sensor, "az_center_deg")
                ax.add_patch(Wedge((east, north), reach, centre - fov / 2, centre + fov / 2,
                                   fill=False, color=colour, alpha=0.5, lw=0.8))
            else:
                ax.add_patch(Circle((east, north), reach, fill=False, color=colour, alpha=0.4,
                                    lw=0.8))
    for kind, colour in KIND_COLOUR.items():
        ax.plot([], [], "-", color=colour, label=f"true path: {kind}")
    ax.set_aspect("equal")
    ax.set_xlim(-3500, 3500)
    ax.set_ylim(-3500, 3500)
    ax.set_xlabel("east (m)")
    ax.set_ylabel("north (m)")
    ax.set_title(f"{scenario.name}: {len(scenario.targets)} targets, "
                 f"{len(scenario.site.sensors)} sensors, {len(buildings)} buildings")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out_png)
    plt.close(fig)
