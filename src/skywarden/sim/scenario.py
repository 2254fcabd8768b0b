"""Scenario files: what flies where, over which city, watched by which sensors.

A scenario is a YAML mapping. Every position is in metres in the site's local
east-north-up frame centred on ``origin``: ``[east, north]`` on the ground, or
``[east, north, agl]`` with a height above ground. Times are seconds from the
scenario's start. Unknown keys are errors (a typo should not be silently ignored);
every error names the key at fault (``targets[3].route[1].to: ...``).

Top level:

- ``name`` (str), ``description`` (str, optional).
- ``origin``: ``{lat, lon}`` of the site's local frame (degrees).
- ``ground_alt_m``: the ground's height above the WGS84 ellipsoid (default 0).
- ``start_t``: UTC epoch seconds of scenario time 0 (default 1767261600, 2026-01-01).
- ``duration_s``: default length of a run (default 600).
- ``wind_mps``: wind speed, which degrades acoustic arrays (default 0).
- ``city`` (optional): ``{file: path}`` (GeoJSON or OpenStreetMap, relative to the
  scenario file) or ``{synthetic: {...}}`` with the keys of
  ``skywarden.sim.citygen.CityLayout`` (``seed``, ``extent_m``, ``block_m``,
  ``street_m``, ``min_height_m``, ``max_height_m``, ``open_areas`` as
  ``[[east, north, radius_m], ...]``).
- ``sensors``: list of sensors. ``id``, ``type`` (radar, rf, acoustic, eo, remoteid,
  adsb), ``at`` (``[east, north]``: mounted ``mast_m`` (default 4) above the roof or ground
  there; or ``[east, north, agl]``), and any site-file sensor key (``sigma``,
  ``max_range_m``, ``pd``, ``clutter_per_scan``, ``period_s``, and the model parameters
  documented in ``skywarden.sensing`` and ``skywarden.sim.sensors``).
- ``zones``: ``id``, ``name``, ``polygon`` (``[[east, north], ...]``), ``floor_agl_m``
  (default 0), ``ceiling_agl_m`` (default 500).
- ``assets``: ``id``, ``name``, ``radius_m``, ``route`` (``[[east, north], ...]``),
  ``speed_mps``, ``start_s`` (when it sets off).
- ``authorised``: ``[{remote_id, note}]``, as in the site file.
- ``targets``: list of targets (below). ``groups``: list of ``{swarm: {...}}`` or
  ``{flock: {...}}`` (below), expanded into targets.

A target:

- ``id``; ``model``: ``multirotor``, ``fixed_wing``, ``bird``, ``helicopter`` or
  ``airliner`` (sets its class, signature and flight envelope).
- ``at``: ``[east, north, agl]`` start position; ``start_s`` / ``end_s``: when it is in
  the air (default: the whole run).
- ``speed_mps``, ``max_accel_mps2``, ``climb_mps``, ``min_speed_mps`` (a fixed wing
  cannot hover), ``jitter_mps2`` (random acceleration: birds are erratic): override
  the model's envelope. ``terrain_clearance_m``: follow the terrain at this height
  above roofs and ground, never below the route's height.
- ``route``: list of legs, flown in order: ``{to: [east, north, agl], speed_mps}``,
  ``{hover_s: seconds}`` (hold position), ``{orbit: {centre: [east, north], radius_m,
  duration_s, agl, clockwise}}`` (loiter). ``loop: true`` repeats the route. After the
  last leg a multirotor hovers and anything else orbits where it ended.
- ``signature``: overrides of ``skywarden.sensing.TargetSignature`` (``rcs_dbsm``,
  ``acoustic_level_db``, ``f0_hz``, ``size_m``, ``rf_eirp_dbm``).
- ``radio``: ``{freq_mhz, bandwidth_mhz, protocol}``: the target's control link is on
  (an RF direction finder hears it). Without it the drone is dark.
- ``remote_id``: ``{serial, operator: [east, north], description, spoof_offset_m:
  [east, north]}``: broadcasts ASTM F3411 Remote ID; a spoofer broadcasts a position
  offset from the truth.
- ``adsb``: ``{icao (6 hex digits), callsign}``: transmits ADS-B extended squitter.
- ``trajectory``: ``{file, at: [east, north], agl_m}``: fly a recorded CSV track
  (columns time and lat/latitude, lon/longitude, alt/altitude (m)) moved so that it
  starts at ``at`` and ``agl_m``; replaces ``route``.

A ``swarm`` group: ``id`` (prefix), ``count``, ``model``, ``at``, ``spacing_m``, ``route``
(flown by the formation), ``disperse_s`` (when members break formation),
``disperse_radius_m``, and ``radio``/``start_s`` applied to every member. A ``flock``:
``id``, ``count``, ``at``, ``spread_m``, ``wander_radius_m``, ``legs`` (random
waypoints the flock wanders through), ``start_s``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from skywarden.city import Buildings, CityError, load_buildings
from skywarden.geo import LocalFrame
from skywarden.model import Asset, Authorisation, Sensor, Site, TargetClass, Zone
from skywarden.recording import LineError, SiteError, site_from_dict
from skywarden.sensing import TYPICAL_SIGNATURES, TargetSignature
from skywarden.sim.citygen import CityLayout, generate_city

DEFAULT_START_T = 1_767_225_600.0
"""2026-01-01T00:00:00Z: scenario time 0 unless the scenario says otherwise."""
EARTH_RADIUS_M = 6_371_000.0
CITY_FILE = "city.geojson"
"""Name of the buildings file written beside site.json."""


class ScenarioError(ValueError):
    """A scenario that cannot be used; the message names the offending key."""


@dataclass(frozen=True, slots=True)
class Envelope:
    """How a target may move: cruise and minimum speed, accelerations, random jitter."""

    speed_mps: float
    max_accel_mps2: float
    climb_mps: float
    min_speed_mps: float
    jitter_mps2: float


MODELS: Mapping[str, tuple[TargetClass, Envelope]] = {
    "multirotor": (TargetClass.DRONE, Envelope(12.0, 4.0, 4.0, 0.0, 0.25)),
    "fixed_wing": (TargetClass.DRONE, Envelope(22.0, 3.0, 3.0, 14.0, 0.2)),
    "bird": (TargetClass.BIRD, Envelope(9.0, 4.0, 2.0, 4.0, 2.5)),
    "helicopter": (TargetClass.AIRCRAFT, Envelope(45.0, 2.5, 5.0, 0.0, 0.2)),
    "airliner": (TargetClass.AIRCRAFT, Envelope(110.0, 1.5, 8.0, 70.0, 0.1)),
}
"""Class and flight envelope of each target model."""


@dataclass(frozen=True, slots=True)
class Leg:
    """One leg of a route: ``goto`` a point, ``hover`` where the leg begins, ``orbit`` a
    centre, ``follow`` a leader at an offset (formation flight) until ``until_s``, or
    ``scatter``: fly to ``point``'s east/north offset from where the leg begins, at its
    height above ground (a swarm member breaking formation)."""

    kind: str
    point: tuple[float, float, float] = (0.0, 0.0, 0.0)
    speed_mps: float | None = None
    duration_s: float = math.inf
    radius_m: float = 0.0
    clockwise: bool = True
    leader: str | None = None
    until_s: float = math.inf


@dataclass(frozen=True, slots=True)
class Radio:
    """A drone's control/video link as a direction finder hears it."""

    freq_mhz: float
    bandwidth_mhz: float
    protocol: str


@dataclass(frozen=True, slots=True)
class RemoteIdBroadcast:
    """What a drone broadcasts as Remote ID: its serial, operator position (ENU), a
    free-text description, and for a spoofer the offset added to its true position."""

    serial: str
    operator_en: tuple[float, float]
    description: str = ""
    spoof_offset_m: tuple[float, float] | None = None


@dataclass(frozen=True, slots=True)
class AdsbTransponder:
    """An aircraft's ADS-B identity."""

    icao: str
    callsign: str


@dataclass(frozen=True)
class TargetSpec:
    """One object in the air, as the scenario declares it."""

    id: str
    model: str
    kind: TargetClass
    signature: TargetSignature
    envelope: Envelope
    start_en_agl: tuple[float, float, float]
    route: tuple[Leg, ...] = ()
    loop: bool = False
    start_s: float = 0.0
    end_s: float = math.inf
    terrain_clearance_m: float | None = None
    radio: Radio | None = None
    remote_id: RemoteIdBroadcast | None = None
    adsb: AdsbTransponder | None = None
    trajectory: NDArray[np.float64] | None = field(default=None, repr=False)
    """Recorded track as rows ``(t_s, east, north, agl)``, replacing ``route``."""


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: the site (as written to site.json), its city and targets."""

    name: str
    description: str
    site: Site
    frame: LocalFrame
    buildings: Buildings
    targets: tuple[TargetSpec, ...]
    start_t: float = DEFAULT_START_T
    duration_s: float = 600.0
    wind_mps: float = 0.0
    ground_alt_m: float = 0.0

    def ground_up(self, east: NDArray[np.float64], north: NDArray[np.float64]) -> NDArray[
        np.float64
    ]:
        """ENU up coordinate of the ground (the ellipsoid-parallel surface at
        ``ground_alt_m``) under east/north points: it drops with the Earth's curvature."""
        return (self.ground_alt_m - self.frame.alt_m) - (east**2 + north**2) / (
            2.0 * EARTH_RADIUS_M
        )


# --- reading helpers ------------------------------------------------------------------


class _Node:
    """A YAML value with the dotted path that reaches it, for error messages."""

    def __init__(self, value: Any, path: str) -> None:
        self.value = value
        self.path = path

    def fail(self, message: str) -> ScenarioError:
        return ScenarioError(f"{self.path}: {message}")

    def mapping(self, allowed: Sequence[str] | None = None) -> _Node:
        if not isinstance(self.value, Mapping):
            raise self.fail("expected a mapping of keys")
        if allowed is not None:
            unknown = sorted(str(k) for k in self.value if k not in allowed)
            if unknown:
                raise self.fail(
                    f"unknown key(s) {', '.join(unknown)} (allowed: {', '.join(allowed)})"
                )
        return self

    def get(self, key: str) -> _Node | None:
        value = self.value.get(key)
        return None if value is None else _Node(value, f"{self.path}.{key}")

    def need(self, key: str) -> _Node:
        node = self.get(key)
        if node is None:
            raise self.fail(f"missing key '{key}'")
        return node

    def items(self) -> list[_Node]:
        if not isinstance(self.value, list):
            raise self.fail("expected a list")
        return [_Node(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def number(self, low: float = -math.inf, high: float = math.inf) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.fail(f"expected a number, got {self.value!r}")
        number = float(self.value)
        if not math.isfinite(number) or number < low or number > high:
            raise self.fail(f"{number:g} is not in [{low:g}, {high:g}]")
        return number

    def text(self) -> str:
        if not isinstance(self.value, str | int) or isinstance(self.value, bool):
            raise self.fail(f"expected a string, got {self.value!r}")
        return str(self.value)

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {self.value!r}")
        return self.value

    def point(self, sizes: Sequence[int] = (3,)) -> tuple[float, ...]:
        items = self.items()
        if len(items) not in sizes:
            names = " or ".join(
                "[east, north]" if n == 2 else "[east, north, agl]" for n in sizes
            )
            raise self.fail(f"expected {names}")
        return tuple(item.number() for item in items)


def _opt_number(node: _Node, key: str, default: float, low: float = -math.inf,
                high: float = math.inf) -> float:
    child = node.get(key)
    return default if child is None else child.number(low, high)


def _en(node: _Node) -> tuple[float, float]:
    east, north = node.point((2,))
    return (east, north)


def _en_agl(node: _Node) -> tuple[float, float, float]:
    east, north, agl = node.point((3,))
    return (east, north, agl)


# --- scenario sections ----------------------------------------------------------------

_TOP_KEYS = ("name", "description", "origin", "ground_alt_m", "start_t", "duration_s",
             "wind_mps", "city", "sensors", "zones", "assets", "authorised", "targets",
             "groups")
_TARGET_KEYS = ("id", "model", "at", "start_s", "end_s", "speed_mps", "max_accel_mps2",
                "climb_mps", "min_speed_mps", "jitter_mps2", "terrain_clearance_m", "route",
                "loop", "signature", "radio", "remote_id", "adsb", "trajectory")
_SIGNATURE_KEYS = ("rcs_dbsm", "acoustic_level_db", "f0_hz", "size_m", "rf_eirp_dbm")


@dataclass
class _Context:
    """What section readers share: the frame, the city and the scenario's folder."""

    frame: LocalFrame
    ground_alt_m: float
    buildings: Buildings
    folder: Path | None

    def ground_up(self, east: float, north: float) -> float:
        return (self.ground_alt_m - self.frame.alt_m) - (east**2 + north**2) / (
            2.0 * EARTH_RADIUS_M
        )

    def geodetic(self, east: float, north: float, up: float) -> tuple[float, float, float]:
        lat, lon, alt = self.frame.enu_to_geodetic(np.array([east, north, up]))
        return (float(lat), float(lon), float(alt))

    def lonlat(self, east: float, north: float) -> tuple[float, float]:
        lat, lon, _ = self.geodetic(east, north, self.ground_up(east, north))
        return (round(lon, 7), round(lat, 7))

    def resolve(self, node: _Node) -> Path:
        path = Path(node.text())
        if not path.is_absolute() and self.folder is not None:
            path = self.folder / path
        return path


def _sensor(node: _Node, ctx: _Context) -> Sensor:
    node.mapping()
    at = node.need("at").point((2, 3))
    east, north = at[0], at[1]
    ground = ctx.ground_up(east, north)
    if len(at) == 3:
        up = ground + at[2]
    else:
        roof = float(ctx.buildings.roof_height_at(east, north))
        up = ground + roof + _opt_number(node, "mast_m", 4.0, 0.0)
    lat, lon, alt = ctx.geodetic(east, north, up)
    raw = {k: v for k, v in node.value.items() if k not in ("at", "mast_m")}
    raw.update({"lat": round(lat, 7), "lon": round(lon, 7), "alt_m": round(alt, 2)})
    try:
        return site_from_dict({"sensors": [raw]}).sensors[0]
    except SiteError as error:
        raise node.fail(str(error).removeprefix("sensors[0].")) from None


def _zone(node: _Node, ctx: _Context) -> Zone:
    node.mapping(("id", "name", "polygon", "floor_agl_m", "ceiling_agl_m"))
    zone_id = node.need("id").text()
    polygon = tuple(ctx.lonlat(*_en(p)) for p in node.need("polygon").items())
    if len(polygon) < 3:
        raise node.fail("polygon: needs at least 3 corners")
    floor = _opt_number(node, "floor_agl_m", 0.0)
    ceiling = _opt_number(node, "ceiling_agl_m", 500.0)
    if ceiling <= floor:
        raise node.fail("ceiling_agl_m: not above floor_agl_m")
    name = node.get("name")
    return Zone(id=zone_id, name=name.text() if name else zone_id, polygon=polygon,
                floor_m=ctx.ground_alt_m + floor, ceiling_m=ctx.ground_alt_m + ceiling)


def _asset(node: _Node, ctx: _Context, start_t: float) -> Asset:
    node.mapping(("id", "name", "radius_m", "route", "speed_mps", "start_s"))
    asset_id = node.need("id").text()
    route = tuple(ctx.lonlat(*_en(p)) for p in node.need("route").items())
    if len(route) < 2:
        raise node.fail("route: needs at least 2 points")
    name = node.get("name")
    speed = node.get("speed_mps")
    return Asset(
        id=asset_id,
        name=name.text() if name else asset_id,
        radius_m=node.need("radius_m").number(1.0),
        route=route,
        speed_mps=None if speed is None else speed.number(0.1),
        start_t=start_t + _opt_number(node, "start_s", 0.0, 0.0),
    )


def _leg(node: _Node, default_agl: float) -> Leg:
    node.mapping(("to", "speed_mps", "hover_s", "orbit"))
    speed = node.get("speed_mps")
    speed_mps = None if speed is None else speed.number(0.1)
    kinds = [k for k in ("to", "hover_s", "orbit") if node.get(k) is not None]
    if len(kinds) != 1:
        raise node.fail("a leg is exactly one of 'to', 'hover_s' or 'orbit'")
    if kinds[0] == "to":
        return Leg("goto", point=_en_agl(node.need("to")), speed_mps=speed_mps)
    if kinds[0] == "hover_s":
        return Leg("hover", duration_s=node.need("hover_s").number(0.0))
    orbit = node.need("orbit").mapping(("centre", "radius_m", "duration_s", "agl", "clockwise"))
    east, north = _en(orbit.need("centre"))
    clockwise = orbit.get("clockwise")
    return Leg(
        "orbit",
        point=(east, north, _opt_number(orbit, "agl", default_agl, 1.0)),
        speed_mps=speed_mps,
        duration_s=_opt_number(orbit, "duration_s", math.inf, 0.0),
        radius_m=orbit.need("radius_m").number(5.0),
        clockwise=True if clockwise is None else clockwise.flag(),
    )


def _signature(model: str, node: _Node | None, radio: bool, rid: bool,
               adsb: bool) -> TargetSignature:
    base = TYPICAL_SIGNATURES[model]
    changes: dict[str, Any] = {"emitting": radio, "remote_id": rid, "adsb": adsb}
    if node is not None:
        node.mapping(_SIGNATURE_KEYS)
        for key in _SIGNATURE_KEYS:
            child = node.get(key)
            if child is not None:
                changes[key] = child.number()
    return replace(base, **changes)


def _radio(node: _Node) -> Radio:
    node.mapping(("freq_mhz", "bandwidth_mhz", "protocol"))
    protocol = node.get("protocol")
    return Radio(
        freq_mhz=node.need("freq_mhz").number(1.0),
        bandwidth_mhz=_opt_number(node, "bandwidth_mhz", 10.0, 0.001),
        protocol=protocol.text() if protocol else "unknown",
    )


def _remote_id(node: _Node) -> RemoteIdBroadcast:
    node.mapping(("serial", "operator", "description", "spoof_offset_m"))
    serial = node.need("serial").text()
    if not 1 <= len(serial) <= 20 or not serial.isascii():
        raise node.fail("serial: 1 to 20 ASCII characters")
    description = node.get("description")
    spoof = node.get("spoof_offset_m")
    return RemoteIdBroadcast(
        serial=serial,
        operator_en=_en(node.need("operator")),
        description=description.text()[:23] if description else "",
        spoof_offset_m=None if spoof is None else _en(spoof),
    )


def _adsb(node: _Node) -> AdsbTransponder:
    node.mapping(("icao", "callsign"))
    icao = node.need("icao").text().upper()
    if len(icao) != 6 or any(c not in "0123456789ABCDEF" for c in icao):
        raise node.fail(f"icao: expected 6 hex digits, got {icao!r}")
    callsign = node.get("callsign")
    return AdsbTransponder(icao=icao, callsign=(callsign.text() if callsign else icao)[:8])


def read_trajectory(path: Path) -> NDArray[np.float64]:
    """A recorded flight as rows ``(t_s, lat, lon, alt_m)`` from a CSV with a ``time``
    column (ISO date-time) and latitude, longitude and altitude columns."""
    if not path.is_file():
        raise ScenarioError(f"{path}: trajectory file not found")
    names = {"lat": ("lat", "latitude"), "lon": ("lon", "longitude"),
             "alt": ("alt", "altitude (m)", "altitude")}
    rows: list[tuple[float, float, float, float]] = []
    with open(path, newline="", encoding="utf-8") as stream:
        reader = csv.DictReader(stream)
        columns = {key: next((c for c in options if c in (reader.fieldnames or [])), None)
                   for key, options in names.items()}
        missing = [key for key, column in columns.items() if column is None]
        if "time" not in (reader.fieldnames or []) or missing:
            raise ScenarioError(f"{path}: needs time, latitude, longitude and altitude columns")
        for number, row in enumerate(reader, start=2):
            try:
                when = datetime.fromisoformat(row["time"].strip()[:26]).timestamp()
                rows.append((when, float(row[str(columns["lat"])]),
                             float(row[str(columns["lon"])]), float(row[str(columns["alt"])])))
            except (ValueError, TypeError) as error:
                raise ScenarioError(f"{path}:{number}: unreadable row ({error})") from None
    if len(rows) < 2:
        raise ScenarioError(f"{path}: fewer than two points")
    data = np.array(sorted(rows), dtype=np.float64)
    data[:, 0] -= data[0, 0]
    keep = np.concatenate([[True], np.diff(data[:, 0]) > 0.0])
    return data[keep]


def _trajectory(node: _Node, ctx: _Context) -> NDArray[np.float64]:
    node.mapping(("file", "at", "agl_m"))
    track = read_trajectory(ctx.resolve(node.need("file")))
    own = LocalFrame(float(track[0, 1]), float(track[0, 2]), float(track[0, 3]))
    enu = own.geodetic_to_enu(track[:, 1], track[:, 2], track[:, 3])
    east, north = _en(node.need("at"))
    agl = np.maximum(enu[:, 2] + _opt_number(node, "agl_m", 30.0, 0.0), 2.0)
    return np.column_stack([track[:, 0], enu[:, 0] + east, enu[:, 1] + north, agl])


def _target(node: _Node, ctx: _Context) -> TargetSpec:
    node.mapping(_TARGET_KEYS)
    target_id = node.need("id").text()
    model = node.need("model").text()
    if model not in MODELS:
        raise node.fail(f"model: {model!r} is not one of {', '.join(MODELS)}")
    kind, envelope = MODELS[model]
    envelope = Envelope(
        speed_mps=_opt_number(node, "speed_mps", envelope.speed_mps, 0.1),
        max_accel_mps2=_opt_number(node, "max_accel_mps2", envelope.max_accel_mps2, 0.1),
        climb_mps=_opt_number(node, "climb_mps", envelope.climb_mps, 0.1),
        min_speed_mps=_opt_number(node, "min_speed_mps", envelope.min_speed_mps, 0.0),
        jitter_mps2=_opt_number(node, "jitter_mps2", envelope.jitter_mps2, 0.0),
    )
    trajectory_node = node.get("trajectory")
    trajectory = None if trajectory_node is None else _trajectory(trajectory_node, ctx)
    if trajectory is not None:
        start = (float(trajectory[0, 1]), float(trajectory[0, 2]), float(trajectory[0, 3]))
    else:
        start = _en_agl(node.need("at"))
    route_node = node.get("route")
    route = tuple(_leg(leg, start[2]) for leg in route_node.items()) if route_node else ()
    radio_node, rid_node, adsb_node = node.get("radio"), node.get("remote_id"), node.get("adsb")
    clearance = node.get("terrain_clearance_m")
    loop = node.get("loop")
    start_s = _opt_number(node, "start_s", 0.0, 0.0)
    end_s = _opt_number(node, "end_s", math.inf, 0.0)
    if end_s <= start_s:
        raise node.fail("end_s: not after start_s")
    return TargetSpec(
        id=target_id,
        model=model,
        kind=kind,
        signature=_signature(model, node.get("signature"), radio_node is not None,
                             rid_node is not None, adsb_node is not None),
        envelope=envelope,
        start_en_agl=start,
        route=route,
        loop=False if loop is None else loop.flag(),
        start_s=start_s,
        end_s=end_s,
        terrain_clearance_m=None if clearance is None else clearance.number(1.0),
        radio=None if radio_node is None else _radio(radio_node),
        remote_id=None if rid_node is None else _remote_id(rid_node),
        adsb=None if adsb_node is None else _adsb(adsb_node),
        trajectory=trajectory,
    )


def _swarm(node: _Node, ctx: _Context) -> list[TargetSpec]:
    node.mapping(("id", "count", "model", "at", "spacing_m", "route", "disperse_s",
                  "disperse_radius_m", "radio", "start_s", "seed"))
    prefix = node.need("id").text()
    count = int(node.need("count").number(1, 100_000))
    spacing = _opt_number(node, "spacing_m", 10.0, 1.0)
    leader_spec = {"id": f"{prefix}-1", "model": node.value.get("model", "multirotor"),
                   "at": node.need("at").value, "start_s": node.value.get("start_s", 0.0)}
    for key in ("route", "radio"):
        if key in node.value:
            leader_spec[key] = node.value[key]
    leader = _target(_Node(leader_spec, node.path), ctx)
    disperse_s = _opt_number(node, "disperse_s", math.inf, 0.0)
    radius = _opt_number(node, "disperse_radius_m", 500.0, 1.0)
    rng = np.random.default_rng(int(_opt_number(node, "seed", 0.0, 0.0)))
    side = math.ceil(math.sqrt(count))
    members = [replace(leader, route=(*leader.route, Leg("hover")) if math.isfinite(
        disperse_s) else leader.route)]
    east0, north0, agl0 = leader.start_en_agl
    for index in range(1, count):
        row, col = divmod(index, side)
        offset = ((col - (side - 1) / 2.0) * spacing, -row * spacing,
                  float(rng.uniform(-0.3, 0.3)) * spacing)
        angle, reach = rng.uniform(0.0, 2.0 * math.pi), radius * math.sqrt(rng.uniform(0.1, 1))
        legs: list[Leg] = [Leg("follow", point=offset, leader=leader.id, until_s=disperse_s)]
        if math.isfinite(disperse_s):
            scatter = (reach * math.cos(angle), reach * math.sin(angle),
                       max(20.0, agl0 + float(rng.uniform(-30.0, 30.0))))
            legs += [Leg("scatter", point=scatter), Leg("hover")]
        members.append(replace(
            leader, id=f"{prefix}-{index + 1}", route=tuple(legs),
            start_en_agl=(east0 + offset[0], north0 + offset[1], agl0 + offset[2]),
        ))
    return members


def _flock(node: _Node, ctx: _Context) -> list[TargetSpec]:
    node.mapping(("id", "count", "at", "spread_m", "wander_radius_m", "legs", "start_s",
                  "seed"))
    prefix = node.need("id").text()
    count = int(node.need("count").number(1, 10_000))
    east, north, agl = _en_agl(node.need("at"))
    spread = _opt_number(node, "spread_m", 15.0, 0.0)
    radius = _opt_number(node, "wander_radius_m", 400.0, 1.0)
    rng = np.random.default_rng(int(_opt_number(node, "seed", 0.0, 0.0)))
    waypoints = [
        {"to": [east + float(rng.uniform(-radius, radius)),
                north + float(rng.uniform(-radius, radius)),
                max(10.0, agl + float(rng.uniform(-20.0, 40.0)))]}
        for _ in range(int(_opt_number(node, "legs", 8, 1, 1000)))
    ]
    leader = _target(_Node({"id": f"{prefix}-1", "model": "bird", "at": [east, north, agl],
                            "route": waypoints, "loop": True,
                            "start_s": node.value.get("start_s", 0.0)}, node.path), ctx)
    members = [leader]
    for index in range(1, count):
        offset = tuple(float(v) for v in rng.normal(0.0, spread, 3))
        members.append(replace(
            leader, id=f"{prefix}-{index + 1}",
            route=(Leg("follow", point=(offset[0], offset[1], offset[2] / 3.0),
                       leader=leader.id),),
            loop=False,
            start_en_agl=(east + offset[0], north + offset[1], agl + offset[2] / 3.0),
        ))
    return members


def _group(node: _Node, ctx: _Context) -> list[TargetSpec]:
    node.mapping(("swarm", "flock"))
    if len(node.value) != 1:
        raise node.fail("a group is exactly one of 'swarm' or 'flock'")
    if "swarm" in node.value:
        return _swarm(node.need("swarm").mapping(), ctx)
    return _flock(node.need("flock").mapping(), ctx)


def _city(node: _Node | None, ctx_frame: LocalFrame, ground_alt_m: float,
          folder: Path | None) -> Buildings:
    if node is None:
        return Buildings.empty(ground_alt_m)
    node.mapping(("file", "synthetic"))
    synthetic = node.get("synthetic")
    if synthetic is not None:
        fields = CityLayout.__dataclass_fields__
        synthetic.mapping(tuple(fields))
        try:
            layout = CityLayout(**synthetic.value)
        except (TypeError, ValueError) as error:
            raise synthetic.fail(str(error)) from None
        return generate_city(layout, ctx_frame, ground_alt_m)
    ctx = _Context(ctx_frame, ground_alt_m, Buildings.empty(ground_alt_m), folder)
    path = ctx.resolve(node.need("file"))
    if not path.is_file():
        raise node.fail(f"file: {path} not found")
    try:
        return load_buildings(path, ctx_frame, ground_alt_m)
    except CityError as error:
        raise node.fail(str(error)) from None


def scenario_from_dict(obj: Any, folder: Path | None = None) -> Scenario:
    """Build and validate a scenario from its parsed YAML; ``ScenarioError`` names the
    offending key. ``folder`` resolves relative file names (city, trajectories)."""
    root = _Node(obj, "scenario").mapping(_TOP_KEYS)
    origin = root.need("origin").mapping(("lat", "lon"))
    ground_alt_m = _opt_number(root, "ground_alt_m", 0.0, -500.0, 9000.0)
    frame = LocalFrame(origin.need("lat").number(-89.0, 89.0),
                       origin.need("lon").number(-180.0, 180.0), ground_alt_m)
    buildings = _city(root.get("city"), frame, ground_alt_m, folder)
    ctx = _Context(frame, ground_alt_m, buildings, folder)
    start_t = _opt_number(root, "start_t", DEFAULT_START_T, 0.0, 1e10)
    sensors_node = root.need("sensors")
    sensors = tuple(_sensor(s, ctx) for s in sensors_node.items())
    ids = [s.id for s in sensors]
    if not sensors or len(set(ids)) != len(ids):
        raise sensors_node.fail("needs at least one sensor, with unique ids")
    zones_node, assets_node, auth_node = root.get("zones"), root.get("assets"), root.get(
        "authorised")
    targets: list[TargetSpec] = []
    targets_node, groups_node = root.get("targets"), root.get("groups")
    for item in targets_node.items() if targets_node else []:
        targets.append(_target(item, ctx))
    for item in groups_node.items() if groups_node else []:
        targets.extend(_group(item, ctx))
    _check_ids(root, targets)
    authorised = []
    for item in auth_node.items() if auth_node else []:
        item.mapping(("remote_id", "note"))
        note = item.get("note")
        authorised.append(Authorisation(item.need("remote_id").text(),
                                        note.text() if note else ""))
    params: dict[str, Any] = {
        "origin": {"lat": frame.lat_deg, "lon": frame.lon_deg, "alt_m": frame.alt_m},
        "ground_alt_m": ground_alt_m,
    }
    if len(buildings):
        params["city"] = CITY_FILE
    name = root.need("name").text()
    description = root.get("description")
    site = Site(
        name=name,
        sensors=sensors,
        zones=tuple(_zone(z, ctx) for z in zones_node.items()) if zones_node else (),
        assets=tuple(_asset(a, ctx, start_t) for a in assets_node.items()) if assets_node
        else (),
        authorised=tuple(authorised),
        params=params,
    )
    return Scenario(
        name=name,
        description=description.text() if description else "",
        site=site,
        frame=frame,
        buildings=buildings,
        targets=tuple(targets),
        start_t=start_t,
        duration_s=_opt_number(root, "duration_s", 600.0, 1.0),
        wind_mps=_opt_number(root, "wind_mps", 0.0, 0.0, 60.0),
        ground_alt_m=ground_alt_m,
    )


def _check_ids(root: _Node, targets: Sequence[TargetSpec]) -> None:
    ids = [t.id for t in targets]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise root.fail(f"duplicate target id(s) {', '.join(duplicates)}")
    known = set(ids)
    for target in targets:
        for leg in target.route:
            if leg.leader is not None and leg.leader not in known:
                raise root.fail(f"target {target.id} follows unknown leader {leg.leader}")


def read_scenario(path: Path) -> Scenario:
    """Read and validate a YAML scenario file."""
    path = Path(path)
    try:
        obj = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ScenarioError(f"{path}: cannot read ({error})") from None
    except yaml.YAMLError as error:
        raise ScenarioError(f"{path}: not valid YAML ({error})") from None
    try:
        return scenario_from_dict(obj, path.parent)
    except (ScenarioError, LineError) as error:
        raise ScenarioError(f"{path}: {error}") from None

