"""City geometry: building footprints and heights, and line of sight through them.

The simulator (is a target hidden from a sensor right now?) and the coverage planner
(which cells can a candidate site see?) share this one model of the city. Buildings are
vertical prisms: a footprint polygon in the site's local ENU frame (east, north metres)
standing on flat ground at ``ground_alt_m`` above the WGS84 ellipsoid, with a roof
``height_m`` above that ground. Each building's ground is placed at the ENU height the
ellipsoid-parallel ground has under the building, so the few metres the tangent plane
rises above a curved city over several kilometres are not mistaken for terrain.

Footprints come from GeoJSON (``from_geojson``) or an OpenStreetMap extract
(``from_osm``, ``.osm.pbf`` read with pyosmium); ``load_buildings`` picks by suffix.
``visible`` answers line of sight exactly for a batch of targets: each sensor-target
segment is intersected with the footprints it crosses (shapely, with an STR-tree index)
and the segment's height where it is inside a footprint is compared with the roof.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray

from skywarden.geo import LocalFrame

log = logging.getLogger(__name__)

LEVEL_HEIGHT_M = 3.0
"""Height of one storey, used when a building gives ``building:levels`` but no height."""
DEFAULT_HEIGHT_M = 10.0
"""Height of a building that states neither height nor levels: a three-storey block with
its roof, the typical low-rise building of a European city centre."""
ROOF_TOLERANCE_M = 1e-6
"""A segment grazing a roof at exactly its height is not hidden."""

GEOJSON_SUFFIXES = (".geojson", ".json")
OSM_SUFFIXES = (".pbf", ".osm", ".bz2", ".gz", ".o5m", ".opl")

_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(m|meters|metres|ft|')?\s*$", re.IGNORECASE)
_FEET_TO_M = 0.3048


class CityError(ValueError):
    """A city file that cannot be read at all (individual bad buildings are skipped)."""


def parse_length_m(value: Any) -> float | None:
    """Metres from an OSM/GeoJSON height value (``12``, ``"12.5"``, ``"12 m"``, ``"40 ft"``).

    ``None`` for anything that is not a positive length, so that the caller can fall
    back to levels or the default.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _NUMBER.match(value)
        if match is None:
            return None
        number = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or "m").lower()
        if unit in ("ft", "'"):
            number *= _FEET_TO_M
    else:
        return None
    return number if np.isfinite(number) and number > 0.0 else None


def building_height_m(tags: Mapping[str, Any]) -> float:
    """A building's roof height above ground from its tags or properties.

    ``height_m`` or ``height`` when given, else ``building:levels`` (plus
    ``roof:levels``) storeys of ``LEVEL_HEIGHT_M``, else ``DEFAULT_HEIGHT_M``.
    """
    for key in ("height_m", "height"):
        height = parse_length_m(tags.get(key))
        if height is not None:
            return height
    levels = parse_length_m(tags.get("building:levels"))
    if levels is not None:
        roof_levels = parse_length_m(tags.get("roof:levels")) or 0.0
        return (levels + roof_levels) * LEVEL_HEIGHT_M
    return DEFAULT_HEIGHT_M


@dataclass(frozen=True)
class Buildings:
    """The buildings of a city in one site's local ENU frame.

    ``footprints`` are shapely polygons of east/north metres, ``heights_m`` their roof
    heights above ground, ``base_up_m`` the ENU up coordinate of each building's ground
    (``ground_alt_m`` above the ellipsoid, seen from the frame's tangent plane), and
    ``ids`` where each came from. ``skipped`` counts buildings of the source that could
    not be used (incomplete or invalid geometry), each logged with its reason.
    """

    footprints: NDArray[np.object_]
    heights_m: NDArray[np.float64]
    base_up_m: NDArray[np.float64]
    ids: tuple[str, ...]
    ground_alt_m: float = 0.0
    skipped: int = 0
    _tree: shapely.STRtree = field(init=False, repr=False, compare=False)
    _edges: _Edges = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.footprints)
        if not (len(self.heights_m) == len(self.base_up_m) == len(self.ids) == n):
            raise ValueError("footprints, heights, bases and ids differ in length")
        object.__setattr__(self, "_tree", shapely.STRtree(self.footprints))
        object.__setattr__(self, "_edges", _Edges.of(self.footprints))

    def __len__(self) -> int:
        return len(self.footprints)

    @property
    def roof_up_m(self) -> NDArray[np.float64]:
        """ENU up coordinate of each roof."""
        return self.base_up_m + self.heights_m

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(min_east, min_north, max_east, max_north)`` of all footprints (metres)."""
        if len(self) == 0:
            return (0.0, 0.0, 0.0, 0.0)
        b = shapely.total_bounds(self.footprints)
        return (float(b[0]), float(b[1]), float(b[2]), float(b[3]))

    # ----------------------------------------------------------------- construction

    @classmethod
    def empty(cls, ground_alt_m: float = 0.0) -> Buildings:
        """Open ground: no buildings, nothing ever hidden."""
        return cls(
            footprints=np.empty(0, dtype=object),
            heights_m=np.empty(0),
            base_up_m=np.empty(0),
            ids=(),
            ground_alt_m=ground_alt_m,
        )

    @classmethod
    def from_enu(
        cls,
        footprints: Sequence[shapely.Polygon | Sequence[tuple[float, float]]],
        heights_m: ArrayLike,
        frame: LocalFrame,
        ground_alt_m: float = 0.0,
        ids: Sequence[str] | None = None,
        skipped: int = 0,
    ) -> Buildings:
        """Buildings from footprints already in the frame's east/north metres.

        Footprints are shapely polygons or rings of ``(east, north)`` vertices; heights
        are metres above ground. For synthetic cities and for tests.
        """
        polygons = np.array(
            [f if isinstance(f, shapely.Polygon) else shapely.Polygon(f) for f in footprints],
            dtype=object,
        )
        heights = np.asarray(heights_m, dtype=np.float64).reshape(-1)
        if len(heights) == 1 and len(polygons) != 1:
            heights = np.full(len(polygons), heights[0])
        if len(polygons) and np.any(~(heights > 0.0)):
            raise ValueError("building heights must be positive")
        names = tuple(ids) if ids is not None else tuple(f"b{i}" for i in range(len(polygons)))
        return cls(
            footprints=polygons,
            heights_m=heights,
            base_up_m=_ground_up(frame, polygons, ground_alt_m),
            ids=names,
            ground_alt_m=ground_alt_m,
            skipped=skipped,
        )

    @classmethod
    def from_geojson(
        cls,
        path_or_obj: str | Path | Mapping[str, Any],
        frame: LocalFrame,
        ground_alt_m: float = 0.0,
    ) -> Buildings:
        """Buildings from a GeoJSON FeatureCollection (a path or the parsed object).

        Polygon and MultiPolygon features become buildings (one footprint per polygon
        part); the height comes from ``height_m``/``height``, else ``building:levels``,
        else ``DEFAULT_HEIGHT_M`` (see ``building_height_m``). Other geometries and
        invalid polygons are skipped, counted and logged.
        """
        obj = _read_geojson(path_or_obj)
        if obj.get("type") == "FeatureCollection":
            features = obj.get("features")
        elif obj.get("type") == "Feature":
            features = [obj]
        else:
            raise CityError("GeoJSON buildings: expected a FeatureCollection or a Feature")
        if not isinstance(features, list):
            raise CityError("GeoJSON buildings: 'features' is not a list")
        rings: list[tuple[str, float, list[Sequence[Sequence[float]]]]] = []
        skipped = 0
        for index, feature in enumerate(features):
            try:
                geometry = feature["geometry"]
                kind = geometry["type"]
                properties = feature.get("properties") or {}
                name = str(feature.get("id", properties.get("id", f"feature{index}")))
                height = building_height_m(properties)
                if kind == "Polygon":
                    rings.append((name, height, geometry["coordinates"]))
                elif kind == "MultiPolygon":
                    rings.extend((name, height, part) for part in geometry["coordinates"])
                else:
                    raise CityError(f"geometry {kind!r} is not a footprint")
            except (KeyError, TypeError, CityError) as error:
                skipped += 1
                log.warning("GeoJSON building %d skipped: %s", index, error)
        return cls._from_lonlat_rings(rings, frame, ground_alt_m, skipped)

    @classmethod
    def from_osm(cls, path: str | Path, frame: LocalFrame, ground_alt_m: float = 0.0) -> Buildings:
        """Buildings of an OpenStreetMap extract (``.osm.pbf`` and the other formats
        libosmium reads): closed ways and multipolygon relations tagged ``building``.

        Buildings whose geometry the extract cuts off (nodes or members outside it) are
        skipped and counted in ``skipped``.
        """
        import osmium

        path = Path(path)
        if not path.is_file():
            raise CityError(f"{path}: no such OpenStreetMap file")
        rings: list[tuple[str, float, list[Sequence[Sequence[float]]]]] = []
        tagged: set[str] = set()
        assembled: set[str] = set()
        processor = (
            osmium.FileProcessor(str(path))
            .with_areas()
            .with_filter(osmium.filter.KeyFilter("building"))
        )
        try:
            for obj in processor:
                if isinstance(obj, osmium.osm.Area):
                    source = f"{'way' if obj.from_way() else 'relation'}/{obj.orig_id()}"
                    assembled.add(source)
                    height = building_height_m(dict(obj.tags))
                    for outer in obj.outer_rings():
                        shell = [(n.lon, n.lat) for n in outer]
                        holes = [
                            [(n.lon, n.lat) for n in inner] for inner in obj.inner_rings(outer)
                        ]
                        rings.append((source, height, [shell, *holes]))
                elif isinstance(obj, osmium.osm.Way):
                    tagged.add(f"way/{obj.id}")
                elif isinstance(obj, osmium.osm.Relation):
                    tagged.add(f"relation/{obj.id}")
        except RuntimeError as error:
            raise CityError(f"{path}: not a readable OpenStreetMap file ({error})") from None
        missing = sorted(tagged - assembled)
        for source in missing:
            log.info("OSM building %s skipped: geometry incomplete in the extract", source)
        return cls._from_lonlat_rings(rings, frame, ground_alt_m, len(missing))

    @classmethod
    def _from_lonlat_rings(
        cls,
        parts: Iterable[tuple[str, float, list[Sequence[Sequence[float]]]]],
        frame: LocalFrame,
        ground_alt_m: float,
        skipped: int,
    ) -> Buildings:
        polygons: list[shapely.Polygon] = []
        heights: list[float] = []
        names: list[str] = []
        for name, height, rings in parts:
            try:
                enu_rings = [_lonlat_to_en(frame, ring, ground_alt_m) for ring in rings]
                polygon = shapely.Polygon(enu_rings[0], enu_rings[1:])
                if not polygon.is_valid:
                    polygon = shapely.make_valid(polygon)
                pieces = [
                    g for g in shapely.get_parts(polygon)
                    if isinstance(g, shapely.Polygon) and g.area > 0.0
                ]
                if not pieces:
                    raise CityError("footprint has no area")
            except (ValueError, TypeError, IndexError, shapely.errors.GEOSException) as error:
                skipped += 1
                log.warning("building %s skipped: %s", name, error)
                continue
            polygons.extend(pieces)
            heights.extend([height] * len(pieces))
            names.extend([name] * len(pieces))
        array = np.empty(len(polygons), dtype=object)
        array[:] = polygons
        return cls(
            footprints=array,
            heights_m=np.asarray(heights, dtype=np.float64),
            base_up_m=_ground_up(frame, array, ground_alt_m),
            ids=tuple(names),
            ground_alt_m=ground_alt_m,
            skipped=skipped,
        )

    # ------------------------------------------------------------------------ queries

    def visible(self, sensor_enu: ArrayLike, targets_enu: ArrayLike) -> NDArray[np.bool_]:
        """Line of sight from one sensor to each target, all in the site ENU frame.

        A target is hidden when the straight segment from the sensor passes through a
        building below its roof (a target inside a building is hidden too, and so is
        everything from a sensor inside one). Exact for the prism model: the segment's
        height is linear along it, so its lowest point inside a footprint is where it
        crosses the footprint's outline or one of its ends inside it. Candidate
        buildings come from the STR-tree (bounding boxes); the crossings are computed
        for all their edges at once with NumPy. A sight line sliding exactly along a
        wall, without entering the building, is not blocked by it.
        """
        sensor = np.asarray(sensor_enu, dtype=np.float64).reshape(3)
        targets = np.asarray(targets_enu, dtype=np.float64).reshape(-1, 3)
        n = len(targets)
        hidden = np.zeros(n, dtype=bool)
        if n == 0 or len(self) == 0:
            return ~hidden
        roof = self.roof_up_m
        # Ends inside a footprint: hidden when that end is below the roof.
        inside_t, building_t = self._tree.query(shapely.points(targets[:, :2]),
                                                predicate="intersects")
        hidden[inside_t[targets[inside_t, 2] < roof[building_t] - ROOF_TOLERANCE_M]] = True
        building_s = self._tree.query(shapely.Point(sensor[:2]), predicate="intersects")
        if np.any(sensor[2] < roof[building_s] - ROOF_TOLERANCE_M):
            return np.zeros(n, dtype=bool)
        starts = np.broadcast_to(sensor[:2], (n, 2))
        segments = shapely.linestrings(np.stack([starts, targets[:, :2]], axis=1))
        seg_index, building_index = self._tree.query(segments)
        for lo in range(0, len(seg_index), _PAIRS_PER_CHUNK):
            chunk = slice(lo, lo + _PAIRS_PER_CHUNK)
            crossing_seg, crossing_t, crossing_roof = self._edges.crossings(
                sensor[:2], targets[:, :2], seg_index[chunk], building_index[chunk], roof
            )
            height = sensor[2] + crossing_t * (targets[crossing_seg, 2] - sensor[2])
            hidden[crossing_seg[height < crossing_roof - ROOF_TOLERANCE_M]] = True
        return ~hidden

    def roof_height_at(self, east_m: ArrayLike, north_m: ArrayLike) -> NDArray[np.float64]:
        """Roof height above ground at points (0 on open ground); the tallest building
        where footprints overlap. Points on a footprint's edge count as inside."""
        east = np.asarray(east_m, dtype=np.float64)
        north = np.asarray(north_m, dtype=np.float64)
        shape = np.broadcast_shapes(east.shape, north.shape)
        flat_e = np.broadcast_to(east, shape).reshape(-1)
        flat_n = np.broadcast_to(north, shape).reshape(-1)
        out = np.zeros(flat_e.shape, dtype=np.float64)
        if len(self) and len(flat_e):
            points = shapely.points(flat_e, flat_n)
            point_index, building_index = self._tree.query(points, predicate="intersects")
            np.maximum.at(out, point_index, self.heights_m[building_index])
        return out.reshape(shape)

    def to_geojson(self, frame: LocalFrame) -> dict[str, Any]:
        """A WGS84 GeoJSON FeatureCollection of the footprints, with ``height_m``."""
        features = []
        for name, polygon, height, base in zip(
            self.ids, self.footprints, self.heights_m, self.base_up_m, strict=True
        ):
            rings = [polygon.exterior, *polygon.interiors]
            coordinates = []
            for ring in rings:
                en = np.asarray(ring.coords, dtype=np.float64)
                enu = np.column_stack([en, np.full(len(en), base)])
                lat, lon, _ = frame.enu_to_geodetic(enu)
                coordinates.append(
                    [
                        [round(float(x), 8), round(float(y), 8)]
                        for x, y in zip(lon, lat, strict=True)
                    ]
                )
            features.append(
                {
                    "type": "Feature",
                    "id": name,
                    "geometry": {"type": "Polygon", "coordinates": coordinates},
                    "properties": {"height_m": round(float(height), 2)},
                }
            )
        return {"type": "FeatureCollection", "features": features}


_PAIRS_PER_CHUNK = 200_000
"""Segment/building pairs whose edges are tested in one NumPy pass (bounds memory)."""


@dataclass(frozen=True)
class _Edges:
    """Every outline edge of every footprint (outer rings and holes), grouped by
    footprint: edges ``first[b]:first[b + 1]`` belong to footprint ``b``."""

    start: NDArray[np.float64]
    delta: NDArray[np.float64]
    first: NDArray[np.int64]
    boxes: NDArray[np.float64]
    """``(min_x, min_y, max_x, max_y)`` of each footprint."""

    @classmethod
    def of(cls, footprints: NDArray[np.object_]) -> _Edges:
        if len(footprints) == 0:
            return cls(np.empty((0, 2)), np.empty((0, 2)), np.zeros(1, dtype=np.int64),
                       np.empty((0, 4)))
        rings, ring_owner = shapely.get_rings(footprints, return_index=True)
        coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
        same_ring = coord_ring[:-1] == coord_ring[1:]
        start = coords[:-1][same_ring]
        delta = coords[1:][same_ring] - start
        owner = ring_owner[coord_ring[:-1][same_ring]]
        counts = np.bincount(owner, minlength=len(footprints))
        first = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        return cls(start, delta, first, shapely.bounds(footprints))

    def crossings(
        self,
        origin: NDArray[np.float64],
        ends: NDArray[np.float64],
        seg_index: NDArray[np.int64],
        building_index: NDArray[np.int64],
        roof: NDArray[np.float64],
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """Where segments ``origin -> ends[seg]`` cross the edges of paired footprints:
        the segment index, the fraction along it and the footprint's roof, per
        crossing."""
        keep = self._segment_meets_box(origin, ends[seg_index], building_index)
        seg_index, building_index = seg_index[keep], building_index[keep]
        counts = self.first[building_index + 1] - self.first[building_index]
        pair = np.repeat(np.arange(len(seg_index)), counts)
        run_start = np.cumsum(counts) - counts
        edge = np.arange(int(counts.sum())) - np.repeat(run_start, counts)
        edge += np.repeat(self.first[building_index], counts)
        seg = seg_index[pair]
        r = ends[seg] - origin
        q = self.start[edge] - origin
        s = self.delta[edge]
        denom = r[:, 0] * s[:, 1] - r[:, 1] * s[:, 0]
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (q[:, 0] * s[:, 1] - q[:, 1] * s[:, 0]) / denom
            u = (q[:, 0] * r[:, 1] - q[:, 1] * r[:, 0]) / denom
        hit = (denom != 0.0) & (t >= 0.0) & (t <= 1.0) & (u >= 0.0) & (u <= 1.0)
        return seg[hit], t[hit], roof[building_index[pair[hit]]]

    def _segment_meets_box(
        self, origin: NDArray[np.float64], ends: NDArray[np.float64],
        building_index: NDArray[np.int64],
    ) -> NDArray[np.bool_]:
        """Whether each segment touches its paired footprint's bounding box (slab test):
        the tree only compares boxes, and a long diagonal's box holds many buildings."""
        box = self.boxes[building_index]
        d = ends - origin
        with np.errstate(divide="ignore", invalid="ignore"):
            t_low = (box[:, :2] - origin) / d
            t_high = (box[:, 2:] - origin) / d
        flat = d == 0.0
        inside_slab = (origin >= box[:, :2]) & (origin <= box[:, 2:])
        t_near = np.where(flat, np.where(inside_slab, -np.inf, np.inf), np.minimum(t_low, t_high))
        t_far = np.where(flat, np.where(inside_slab, np.inf, -np.inf), np.maximum(t_low, t_high))
        enter = np.maximum(t_near.max(axis=1), 0.0)
        leave = np.minimum(t_far.min(axis=1), 1.0)
        return np.asarray(enter <= leave)


def load_buildings(path: str | Path, frame: LocalFrame, ground_alt_m: float = 0.0) -> Buildings:
    """Buildings from a GeoJSON or an OpenStreetMap file, chosen by the file's suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in GEOJSON_SUFFIXES:
        return Buildings.from_geojson(path, frame, ground_alt_m)
    if suffix in OSM_SUFFIXES:
        return Buildings.from_osm(path, frame, ground_alt_m)
    raise CityError(
        f"{path}: unknown city file type {suffix!r} "
        f"(GeoJSON {', '.join(GEOJSON_SUFFIXES)} or OpenStreetMap {', '.join(OSM_SUFFIXES)})"
    )


def _read_geojson(path_or_obj: str | Path | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(path_or_obj, Mapping):
        return path_or_obj
    path = Path(path_or_obj)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CityError(f"{path}: not a readable GeoJSON file ({error})") from None
    if not isinstance(obj, Mapping):
        raise CityError(f"{path}: GeoJSON is not an object")
    return obj


def _lonlat_to_en(
    frame: LocalFrame, ring: Sequence[Sequence[float]], ground_alt_m: float
) -> NDArray[np.float64]:
    lonlat = np.asarray(ring, dtype=np.float64)
    if lonlat.ndim != 2 or lonlat.shape[0] < 3 or lonlat.shape[1] < 2:
        raise ValueError("a ring needs at least three (lon, lat) positions")
    if not np.all(np.isfinite(lonlat[:, :2])):
        raise ValueError("a ring has a non-finite position")
    enu = frame.geodetic_to_enu(lonlat[:, 1], lonlat[:, 0], ground_alt_m)
    return enu[:, :2]


def _ground_up(
    frame: LocalFrame, polygons: NDArray[np.object_], ground_alt_m: float
) -> NDArray[np.float64]:
    """ENU up coordinate of the ground under each footprint's centroid."""
    if len(polygons) == 0:
        return np.empty(0)
    centre = shapely.get_coordinates(shapely.centroid(polygons))
    enu = np.column_stack([centre, np.zeros(len(centre))])
    lat, lon, _ = frame.enu_to_geodetic(enu)
    return frame.geodetic_to_enu(lat, lon, ground_alt_m)[:, 2]
