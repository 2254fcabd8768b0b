"""Planning inputs: the area to cover and the candidate sensor sites.

The area is a GeoJSON polygon (a FeatureCollection, Feature or bare geometry; several
polygons are merged) or a bounding box ``"min_lon,min_lat,max_lon,max_lat"``. Candidate
sites are GeoJSON points: each names a sensor ``type`` or a ``template`` (the id of a
sensor of the site whose parameters it copies), its mounting height above ground
(``height_m``, or an absolute ``alt_m`` above the ellipsoid) and its ``cost``. Every
other property becomes a sensor parameter (``max_range_m``, ``fov_az_deg``, ...), as in
a site file. A malformed candidate is skipped, counted and logged; the rest are used.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely

from skywarden.model import Sensor, SensorType, Site

log = logging.getLogger(__name__)

DEFAULT_MOUNT_HEIGHT_M = 10.0
"""Height above ground of a candidate that states neither ``height_m`` nor ``alt_m``."""

_SENSOR_FIELDS = ("max_range_m", "pd", "clutter_per_scan", "period_s")
_CANDIDATE_KEYS = frozenset(
    {"id", "name", "type", "template", "height_m", "alt_m", "cost", "sigma", *_SENSOR_FIELDS}
)


class PlanInputError(ValueError):
    """An area or candidate file that cannot be used at all."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A place a sensor could be installed, and what installing it costs."""

    sensor: Sensor
    cost: float = 1.0


def read_area(spec: str | Path) -> shapely.Polygon | shapely.MultiPolygon:
    """The WGS84 ``(lon, lat)`` polygon of a GeoJSON file or a bounding-box string."""
    text = str(spec)
    parts = text.split(",")
    if len(parts) == 4 and not Path(text).exists():
        try:
            west, south, east, north = (float(p) for p in parts)
        except ValueError:
            raise PlanInputError(f"area {text!r}: not min_lon,min_lat,max_lon,max_lat") from None
        if not (west < east and south < north):
            raise PlanInputError(f"area {text!r}: empty bounding box")
        return shapely.box(west, south, east, north)
    obj = _read_json(Path(text))
    polygons = [
        g for g in _geometries(obj) if isinstance(g, shapely.Polygon | shapely.MultiPolygon)
    ]
    if not polygons:
        if isinstance(obj, Mapping) and isinstance(obj.get("bbox"), list) and len(obj["bbox"]) >= 4:
            west, south, east, north = (float(v) for v in obj["bbox"][:4])
            return shapely.box(west, south, east, north)
        raise PlanInputError(f"{text}: no Polygon or MultiPolygon to plan over")
    area = shapely.union_all(polygons)
    if area.is_empty or area.area <= 0.0:
        raise PlanInputError(f"{text}: the area polygon is empty")
    if not isinstance(area, shapely.Polygon | shapely.MultiPolygon):
        raise PlanInputError(f"{text}: the area is not a polygon")
    return area


def read_candidates(path: str | Path, site: Site, ground_alt_m: float) -> list[Candidate]:
    """Candidate sites of a GeoJSON file of points (see the module docstring)."""
    obj = _read_json(Path(path))
    features = obj.get("features") if isinstance(obj, Mapping) else None
    if not isinstance(features, list):
        raise PlanInputError(f"{path}: expected a GeoJSON FeatureCollection of points")
    candidates: list[Candidate] = []
    seen: set[str] = set()
    for index, feature in enumerate(features):
        try:
            candidate = candidate_from_feature(feature, index, site, ground_alt_m)
            if candidate.sensor.id in seen:
                raise PlanInputError(f"duplicate id {candidate.sensor.id!r}")
        except (PlanInputError, KeyError, TypeError, ValueError) as error:
            log.warning("%s: candidate %d skipped: %s", path, index, error)
            continue
        seen.add(candidate.sensor.id)
        candidates.append(candidate)
    if not candidates:
        raise PlanInputError(f"{path}: no usable candidate site")
    return candidates


def candidate_from_feature(
    feature: Mapping[str, Any], index: int, site: Site, ground_alt_m: float
) -> Candidate:
    """One candidate site of a GeoJSON point feature."""
    geometry = feature["geometry"]
    if geometry["type"] != "Point":
        raise PlanInputError(f"geometry {geometry['type']!r} is not a Point")
    lon, lat = (float(v) for v in geometry["coordinates"][:2])
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise PlanInputError(f"position ({lon}, {lat}) is not on Earth")
    props: Mapping[str, Any] = feature.get("properties") or {}
    name = str(props.get("id", feature.get("id", f"candidate-{index + 1}")))
    if "alt_m" in props:
        alt_m = float(props["alt_m"])
    else:
        alt_m = ground_alt_m + float(props.get("height_m", DEFAULT_MOUNT_HEIGHT_M))
    cost = float(props.get("cost", 1.0))
    if not cost > 0.0:
        raise PlanInputError(f"cost {cost} is not positive")
    extras = {k: v for k, v in props.items() if k not in _CANDIDATE_KEYS}
    given = {k: float(props[k]) for k in _SENSOR_FIELDS if props.get(k) is not None}
    if "template" in props:
        try:
            template = site.sensor(str(props["template"]))
        except KeyError:
            raise PlanInputError(
                f"template {props['template']!r} is not a sensor of the site"
            ) from None
        kind = template.type
        sigma = {**template.sigma, **(props.get("sigma") or {})}
        params = {**template.params, **extras}
        fields = {k: given.get(k, getattr(template, k)) for k in _SENSOR_FIELDS}
    else:
        try:
            kind = SensorType(str(props["type"]))
        except KeyError:
            raise PlanInputError("neither 'type' nor 'template' given") from None
        sigma = dict(props.get("sigma") or {})
        params = extras
        fields = {k: given.get(k) for k in _SENSOR_FIELDS}
    sensor = Sensor(
        id=name, type=kind, lat=lat, lon=lon, alt_m=alt_m, sigma=sigma, params=params,
        max_range_m=fields["max_range_m"], pd=fields["pd"],
        clutter_per_scan=fields["clutter_per_scan"], period_s=fields["period_s"],
    )
    return Candidate(sensor=sensor, cost=cost)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise PlanInputError(f"{path}: not a readable GeoJSON file ({error})") from None


def _geometries(obj: Any) -> list[shapely.Geometry]:
    if not isinstance(obj, Mapping):
        return []
    kind = obj.get("type")
    if kind == "FeatureCollection":
        return [g for f in obj.get("features") or [] for g in _geometries(f)]
    if kind == "Feature":
        return _geometries(obj.get("geometry"))
    if kind == "GeometryCollection":
        return [g for sub in obj.get("geometries") or [] for g in _geometries(sub)]
    try:
        return [shapely.geometry.shape(obj)]
    except (AttributeError, KeyError, TypeError, ValueError, shapely.errors.GEOSException):
        return []
