"""The Skywarden recording format, version 1 (``shared/spec/recording-format.md``).

A recording is a folder holding ``site.json``, ``detections.jsonl`` and optionally
``truth.jsonl``; ``skywarden track`` adds ``tracks.jsonl`` and ``alerts.jsonl``. The
readers stream: a file of any length is read one line at a time, each line validated
on its own. A bad line (broken JSON, a missing field, a wrong type, NaN, a value out of
range, an unknown sensor) is rejected alone: it is counted by class with its first
example in a :class:`Rejections` log, logged with its reason, and reading goes on.
"""

from __future__ import annotations

import json
import logging
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TypeVar

import orjson

from skywarden.model import (
    AcousticReport,
    AdsbReport,
    Alert,
    AlertState,
    Asset,
    Authorisation,
    EoReport,
    LaunchPoint,
    RadarReport,
    RemoteIdReport,
    Report,
    RfReport,
    Sensor,
    SensorType,
    Severity,
    Site,
    TargetClass,
    TrackState,
    TruthPoint,
    Zone,
)

log = logging.getLogger(__name__)

SITE_FILE = "site.json"
DETECTIONS_FILE = "detections.jsonl"
TRUTH_FILE = "truth.jsonl"
TRACKS_FILE = "tracks.jsonl"
ALERTS_FILE = "alerts.jsonl"

ODID_MESSAGE_BYTES = 25
"""Size of one ASTM F3411 message."""
ODID_PACK_TYPE = 0xF
"""Message type of an ASTM F3411 message pack."""
ODID_PACK_MAX_MESSAGES = 9
MODES_HEX_DIGITS = (14, 28)
"""A Mode S frame is 56 or 112 bits."""
EXAMPLE_CHARS = 200
"""How much of a rejected line is kept as its example."""

T = TypeVar("T")


class SiteError(ValueError):
    """The site file is missing or unusable; the message says where and why."""


class LineError(ValueError):
    """One line is unusable: ``field`` is the offending field (``None`` for the whole
    line), ``reason`` the class of fault and ``detail`` the specifics."""

    def __init__(self, field: str | None, reason: str, detail: str = "") -> None:
        self.field = field
        self.reason = reason
        self.detail = detail
        where = f"{field}: " if field else ""
        super().__init__(f"{where}{reason}{f' ({detail})' if detail else ''}")

    @property
    def error_class(self) -> str:
        """The class that rejections are counted by: the field and the fault."""
        return f"{self.field}: {self.reason}" if self.field else self.reason


@dataclass(frozen=True, slots=True)
class Rejection:
    """A rejected line: where it was, what was wrong, and the start of its text."""

    file: str
    line: int
    error_class: str
    message: str
    text: str


@dataclass
class Rejections:
    """Counts rejected lines by class and keeps the first example of each class."""

    counts: Counter[str] = field(default_factory=Counter)
    first: dict[str, Rejection] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Number of rejected lines."""
        return sum(self.counts.values())

    def add(self, file: str, line: int, error: LineError, text: str) -> None:
        """Count one rejected line and log its reason."""
        key = error.error_class
        self.counts[key] += 1
        rejection = Rejection(file, line, key, str(error), text[:EXAMPLE_CHARS])
        if key not in self.first:
            self.first[key] = rejection
            log.warning("%s:%d rejected: %s", file, line, error)
        else:
            log.debug("%s:%d rejected: %s", file, line, error)


# --- field checks ---------------------------------------------------------------------


def _number(obj: Mapping[str, Any], key: str) -> float:
    value = obj.get(key)
    if value is None:
        raise LineError(key, "missing" if key not in obj else "null")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise LineError(key, "not a number", repr(value)[:40])
    number = float(value)
    if not math.isfinite(number):
        raise LineError(key, "not a finite number", repr(value))
    return number


def _optional_number(obj: Mapping[str, Any], key: str) -> float | None:
    return None if obj.get(key) is None else _number(obj, key)


def _in_range(
    value: float, key: str, low: float, high: float, *, high_open: bool = False
) -> float:
    if value < low or value > high or (high_open and value == high):
        bracket = ")" if high_open else "]"
        raise LineError(key, "out of range", f"{value:g} not in [{low:g}, {high:g}{bracket}")
    return value


def _positive(value: float, key: str) -> float:
    if value <= 0.0:
        raise LineError(key, "not positive", f"{value:g}")
    return value


def _string(obj: Mapping[str, Any], key: str) -> str:
    value = obj.get(key)
    if value is None:
        raise LineError(key, "missing")
    if not isinstance(value, str):
        raise LineError(key, "not a string", repr(value)[:40])
    if not value:
        raise LineError(key, "empty")
    return value


def _optional_string(obj: Mapping[str, Any], key: str) -> str | None:
    return None if obj.get(key) is None else _string(obj, key)


def _hex_bytes(obj: Mapping[str, Any], key: str) -> bytes:
    text = _string(obj, key)
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise LineError(key, "not a hex string", text[:40]) from None


def _sigma(obj: Mapping[str, Any], key: str = "sigma") -> dict[str, float] | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise LineError(key, "not an object")
    return {
        name: _positive(_number(value, name), f"{key}.{name}") for name in value
    }


def _azimuth(obj: Mapping[str, Any]) -> float:
    return _in_range(_number(obj, "az_deg"), "az_deg", 0.0, 360.0, high_open=True)


def _elevation(obj: Mapping[str, Any]) -> float:
    return _in_range(_number(obj, "el_deg"), "el_deg", -90.0, 90.0)


def _optional_elevation(obj: Mapping[str, Any]) -> float | None:
    return None if obj.get("el_deg") is None else _elevation(obj)


def _optional_positive(obj: Mapping[str, Any], key: str) -> float | None:
    value = _optional_number(obj, key)
    return None if value is None else _positive(value, key)


def _latitude(obj: Mapping[str, Any], key: str = "lat") -> float:
    return _in_range(_number(obj, key), key, -90.0, 90.0)


def _longitude(obj: Mapping[str, Any], key: str = "lon") -> float:
    return _in_range(_number(obj, key), key, -180.0, 180.0)


def _time(obj: Mapping[str, Any]) -> float:
    return _in_range(_number(obj, "t"), "t", 0.0, 1e11)


def _target_class(obj: Mapping[str, Any], key: str) -> TargetClass | None:
    value = obj.get(key)
    if value is None:
        return None
    try:
        return TargetClass(value)
    except ValueError:
        raise LineError(key, "unknown class", repr(value)[:40]) from None


def _odid_payload(obj: Mapping[str, Any]) -> bytes:
    data = _hex_bytes(obj, "odid")
    if len(data) == ODID_MESSAGE_BYTES and data[0] >> 4 != ODID_PACK_TYPE:
        return data
    if len(data) >= 3 and data[0] >> 4 == ODID_PACK_TYPE:
        size, count = data[1], data[2]
        if (
            size == ODID_MESSAGE_BYTES
            and 1 <= count <= ODID_PACK_MAX_MESSAGES
            and len(data) >= 3 + size * count
        ):
            return data
        raise LineError("odid", "bad message pack", f"size {size}, count {count}, {len(data)} B")
    raise LineError("odid", "bad length", f"{len(data)} bytes, expected {ODID_MESSAGE_BYTES}")


def _modes_frame(obj: Mapping[str, Any]) -> bytes:
    text = _string(obj, "modes")
    if len(text) not in MODES_HEX_DIGITS:
        raise LineError("modes", "bad length", f"{len(text)} hex digits, expected 14 or 28")
    return _hex_bytes(obj, "modes")


def _vector3(obj: Mapping[str, Any], key: str) -> tuple[float, float, float]:
    value = obj.get(key)
    if value is None:
        raise LineError(key, "missing")
    if not isinstance(value, list) or len(value) != 3:
        raise LineError(key, "not a list of 3 numbers")
    numbers = {str(i): v for i, v in enumerate(value)}
    x, y, z = (_number(numbers, str(i)) for i in range(3))
    return (x, y, z)


def _optional_bool(obj: Mapping[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise LineError(key, "not a boolean", repr(value)[:40])
    return value


# --- site.json ----------------------------------------------------------------------

_SENSOR_KEYS = {"id", "type", "lat", "lon", "alt_m", "sigma", "max_range_m", "pd",
                "clutter_per_scan", "period_s"}
_ZONE_KEYS = {"id", "name", "polygon", "floor_m", "ceiling_m"}
_ASSET_KEYS = {"id", "name", "radius_m", "route", "speed_mps", "start_t"}
_SITE_KEYS = {"name", "sensors", "zones", "assets", "authorised"}


def _lonlat_list(value: Any, key: str, minimum: int) -> tuple[tuple[float, float], ...]:
    if not isinstance(value, list) or len(value) < minimum:
        raise LineError(key, f"not a list of at least {minimum} [lon, lat] pairs")
    points = []
    for i, pair in enumerate(value):
        if not isinstance(pair, list) or len(pair) != 2:
            raise LineError(f"{key}[{i}]", "not a [lon, lat] pair")
        lonlat = {"lon": pair[0], "lat": pair[1]}
        points.append((_longitude(lonlat), _latitude(lonlat)))
    return tuple(points)


def _site_item(items: Any, section: str, parse: Callable[[dict[str, Any]], T]) -> tuple[T, ...]:
    if items is None:
        return ()
    if not isinstance(items, list):
        raise SiteError(f"{section}: not a list")
    parsed = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise SiteError(f"{section}[{i}]: not an object")
        try:
            parsed.append(parse(item))
        except LineError as error:
            raise SiteError(f"{section}[{i}].{error}") from None
    return tuple(parsed)


def _parse_sensor(obj: dict[str, Any]) -> Sensor:
    try:
        sensor_type = SensorType(_string(obj, "type"))
    except ValueError:
        raise LineError("type", "unknown sensor type", repr(obj.get("type"))) from None
    return Sensor(
        id=_string(obj, "id"),
        type=sensor_type,
        lat=_latitude(obj),
        lon=_longitude(obj),
        alt_m=_number(obj, "alt_m"),
        sigma=_sigma(obj) or {},
        max_range_m=_optional_positive(obj, "max_range_m"),
        pd=None if obj.get("pd") is None else _in_range(_number(obj, "pd"), "pd", 0.0, 1.0),
        clutter_per_scan=_optional_number(obj, "clutter_per_scan"),
        period_s=_optional_positive(obj, "period_s"),
        params={k: v for k, v in obj.items() if k not in _SENSOR_KEYS},
    )


def _parse_zone(obj: dict[str, Any]) -> Zone:
    zone_id = _string(obj, "id")
    floor = _optional_number(obj, "floor_m")
    ceiling = _optional_number(obj, "ceiling_m")
    zone = Zone(
        id=zone_id,
        name=_optional_string(obj, "name") or zone_id,
        polygon=_lonlat_list(obj.get("polygon"), "polygon", 3),
        floor_m=0.0 if floor is None else floor,
        ceiling_m=10_000.0 if ceiling is None else ceiling,
        params={k: v for k, v in obj.items() if k not in _ZONE_KEYS},
    )
    if zone.ceiling_m <= zone.floor_m:
        raise LineError("ceiling_m", "not above floor_m")
    return zone


def _parse_asset(obj: dict[str, Any]) -> Asset:
    asset_id = _string(obj, "id")
    return Asset(
        id=asset_id,
        name=_optional_string(obj, "name") or asset_id,
        radius_m=_positive(_number(obj, "radius_m"), "radius_m"),
        route=_lonlat_list(obj.get("route"), "route", 1),
        speed_mps=_optional_positive(obj, "speed_mps"),
        start_t=_optional_number(obj, "start_t"),
        params={k: v for k, v in obj.items() if k not in _ASSET_KEYS},
    )


def _parse_authorisation(obj: dict[str, Any]) -> Authorisation:
    return Authorisation(remote_id=_string(obj, "remote_id"), note=str(obj.get("note", "")))


def site_from_dict(obj: Any) -> Site:
    """Build a :class:`Site` from the parsed JSON of a site file; ``SiteError`` says
    which entry and field is wrong."""
    if not isinstance(obj, dict):
        raise SiteError("site: not a JSON object")
    sensors = _site_item(obj.get("sensors"), "sensors", _parse_sensor)
    if not sensors:
        raise SiteError("sensors: the site has no sensor")
    ids = [s.id for s in sensors]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise SiteError(f"sensors: duplicate id(s) {', '.join(duplicates)}")
    return Site(
        name=str(obj.get("name", "")),
        sensors=sensors,
        zones=_site_item(obj.get("zones"), "zones", _parse_zone),
        assets=_site_item(obj.get("assets"), "assets", _parse_asset),
        authorised=_site_item(obj.get("authorised"), "authorised", _parse_authorisation),
        params={k: v for k, v in obj.items() if k not in _SITE_KEYS},
    )


def read_site(path: Path) -> Site:
    """Read and validate a site file (or the ``site.json`` of a recording folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / SITE_FILE
    if not path.is_file():
        raise SiteError(f"{path}: missing (a recording needs its {SITE_FILE})")
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise SiteError(f"{path}: not valid JSON ({error})") from None
    try:
        return site_from_dict(obj)
    except SiteError as error:
        raise SiteError(f"{path}: {error}") from None


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if v is not None}


def sensor_to_dict(sensor: Sensor) -> dict[str, Any]:
    """The site-file object of a sensor."""
    out = _clean(
        {
            "id": sensor.id,
            "type": sensor.type.value,
            "lat": sensor.lat,
            "lon": sensor.lon,
            "alt_m": sensor.alt_m,
            "sigma": dict(sensor.sigma) or None,
            "max_range_m": sensor.max_range_m,
            "pd": sensor.pd,
            "clutter_per_scan": sensor.clutter_per_scan,
            "period_s": sensor.period_s,
        }
    )
    out.update(sensor.params)
    return out


def site_to_dict(site: Site) -> dict[str, Any]:
    """The JSON object of a site file; ``site_from_dict`` reads it back unchanged."""
    zones = [
        {"id": z.id, "name": z.name, "floor_m": z.floor_m, "ceiling_m": z.ceiling_m,
         "polygon": [list(p) for p in z.polygon], **z.params}
        for z in site.zones
    ]
    assets = [
        {**_clean({"id": a.id, "name": a.name, "radius_m": a.radius_m,
                   "route": [list(p) for p in a.route], "speed_mps": a.speed_mps,
                   "start_t": a.start_t}), **a.params}
        for a in site.assets
    ]
    out: dict[str, Any] = {
        "name": site.name,
        "sensors": [sensor_to_dict(s) for s in site.sensors],
        "zones": zones,
        "assets": assets,
        "authorised": [{"remote_id": a.remote_id, "note": a.note} for a in site.authorised],
    }
    out.update(site.params)
    return out


def write_site(path: Path, site: Site) -> None:
    """Write a site file (``path`` may be a recording folder)."""
    path = Path(path)
    if path.is_dir():
        path = path / SITE_FILE
    path.write_text(json.dumps(site_to_dict(site), indent=2) + "\n", encoding="utf-8")


# --- detections.jsonl -----------------------------------------------------------------


def _radar(obj: Mapping[str, Any], t: float, sensor: str) -> RadarReport:
    return RadarReport(
        t=t,
        sensor=sensor,
        range_m=_positive(_number(obj, "range_m"), "range_m"),
        az_deg=_azimuth(obj),
        el_deg=_elevation(obj),
        rr_mps=_optional_number(obj, "rr_mps"),
        snr_db=_optional_number(obj, "snr_db"),
        rcs_dbsm=_optional_number(obj, "rcs_dbsm"),
        sigma=_sigma(obj),
    )


def _rf(obj: Mapping[str, Any], t: float, sensor: str) -> RfReport:
    return RfReport(
        t=t,
        sensor=sensor,
        az_deg=_azimuth(obj),
        el_deg=_optional_elevation(obj),
        freq_mhz=_optional_positive(obj, "freq_mhz"),
        bandwidth_mhz=_optional_positive(obj, "bandwidth_mhz"),
        protocol=_optional_string(obj, "protocol"),
        snr_db=_optional_number(obj, "snr_db"),
        sigma=_sigma(obj),
    )


def _acoustic(obj: Mapping[str, Any], t: float, sensor: str) -> AcousticReport:
    return AcousticReport(
        t=t,
        sensor=sensor,
        az_deg=_azimuth(obj),
        el_deg=_optional_elevation(obj),
        f0_hz=_optional_positive(obj, "f0_hz"),
        snr_db=_optional_number(obj, "snr_db"),
        sigma=_sigma(obj),
    )


def _eo(obj: Mapping[str, Any], t: float, sensor: str) -> EoReport:
    conf = _optional_number(obj, "conf")
    return EoReport(
        t=t,
        sensor=sensor,
        az_deg=_azimuth(obj),
        el_deg=_elevation(obj),
        cls=_target_class(obj, "class"),
        conf=None if conf is None else _in_range(conf, "conf", 0.0, 1.0),
        sigma=_sigma(obj),
    )


def _remoteid(obj: Mapping[str, Any], t: float, sensor: str) -> RemoteIdReport:
    return RemoteIdReport(
        t=t, sensor=sensor, odid=_odid_payload(obj), rssi_dbm=_optional_number(obj, "rssi_dbm")
    )


def _adsb(obj: Mapping[str, Any], t: float, sensor: str) -> AdsbReport:
    return AdsbReport(
        t=t, sensor=sensor, modes=_modes_frame(obj), rssi_dbm=_optional_number(obj, "rssi_dbm")
    )


_REPORT_PARSERS: dict[SensorType, Callable[[Mapping[str, Any], float, str], Report]] = {
    SensorType.RADAR: _radar,
    SensorType.RF: _rf,
    SensorType.ACOUSTIC: _acoustic,
    SensorType.EO: _eo,
    SensorType.REMOTEID: _remoteid,
    SensorType.ADSB: _adsb,
}


def report_from_dict(obj: Mapping[str, Any], sensor_types: Mapping[str, SensorType]) -> Report:
    """Validate one detections.jsonl object against the site's sensors (id -> type)."""
    t = _time(obj)
    sensor = _string(obj, "sensor")
    sensor_type = sensor_types.get(sensor)
    if sensor_type is None:
        raise LineError("sensor", "unknown sensor", sensor[:40])
    return _REPORT_PARSERS[sensor_type](obj, t, sensor)


def report_to_dict(report: Report) -> dict[str, Any]:
    """The detections.jsonl object of a report (optional fields left out when unset)."""
    out: dict[str, Any] = {"t": report.t, "sensor": report.sensor}
    if isinstance(report, RemoteIdReport):
        out["odid"] = report.odid.hex().upper()
        out["rssi_dbm"] = report.rssi_dbm
    elif isinstance(report, AdsbReport):
        out["modes"] = report.modes.hex().upper()
        out["rssi_dbm"] = report.rssi_dbm
    else:
        for name in report.__slots__:
            if name in ("t", "sensor"):
                continue
            value = getattr(report, name)
            out["class" if name == "cls" else name] = (
                dict(value) if name == "sigma" and value is not None else value
            )
    return _clean(out)


# --- truth, tracks, alerts ------------------------------------------------------------


def truth_from_dict(obj: Mapping[str, Any]) -> TruthPoint:
    """Validate one truth.jsonl object."""
    kind = _target_class(obj, "kind")
    if kind is None:
        raise LineError("kind", "missing")
    return TruthPoint(
        t=_time(obj),
        id=_string(obj, "id"),
        kind=kind,
        lat=_latitude(obj),
        lon=_longitude(obj),
        alt_m=_number(obj, "alt_m"),
        vel_enu_mps=_vector3(obj, "vel_enu_mps"),
        emitting=_optional_bool(obj, "emitting"),
        remote_id=_optional_string(obj, "remote_id"),
        icao=_optional_string(obj, "icao"),
    )


def truth_to_dict(truth: TruthPoint) -> dict[str, Any]:
    """The truth.jsonl object of a truth point."""
    return _clean(
        {
            "t": truth.t,
            "id": truth.id,
            "kind": truth.kind.value,
            "lat": truth.lat,
            "lon": truth.lon,
            "alt_m": truth.alt_m,
            "vel_enu_mps": list(truth.vel_enu_mps),
            "emitting": truth.emitting,
            "remote_id": truth.remote_id,
            "icao": truth.icao,
        }
    )


def _string_list(obj: Mapping[str, Any], key: str) -> tuple[str, ...]:
    """An optional list of strings (absent or null: empty)."""
    value = obj.get(key)
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(s, str) for s in value):
        raise LineError(key, "not a list of strings", repr(value)[:40])
    return tuple(value)


def track_from_dict(obj: Mapping[str, Any]) -> TrackState:
    """Validate one tracks.jsonl object.

    ``authorised`` and ``spoof`` came after the first files were written: a line
    without them reads as neither authorised nor spoofed.
    """
    conf = _optional_number(obj, "class_conf")
    return TrackState(
        t=_time(obj),
        track_id=_string(obj, "track_id"),
        lat=_latitude(obj),
        lon=_longitude(obj),
        alt_m=_number(obj, "alt_m"),
        vel_enu_mps=_vector3(obj, "vel_enu_mps"),
        pos_sigma_m=_number(obj, "pos_sigma_m"),
        cls=_target_class(obj, "class") or TargetClass.UNKNOWN,
        class_conf=0.0 if conf is None else _in_range(conf, "class_conf", 0.0, 1.0),
        sources=_string_list(obj, "sources"),
        remote_id=_optional_string(obj, "remote_id"),
        icao=_optional_string(obj, "icao"),
        dark=bool(_optional_bool(obj, "dark")),
        authorised=bool(_optional_bool(obj, "authorised")),
        spoof=_string_list(obj, "spoof"),
        remote_id_auth=_optional_string(obj, "remote_id_auth"),
    )


def track_to_dict(track: TrackState) -> dict[str, Any]:
    """The tracks.jsonl object of a track state; every field of the spec is present,
    followed by ``authorised``, ``spoof`` (a list of ``"kind: reason"`` strings) and
    ``remote_id_auth`` (the Remote ID authentication type broadcast, not verified),
    which readers of the spec ignore as unknown fields."""
    return {
        "t": track.t,
        "track_id": track.track_id,
        "lat": track.lat,
        "lon": track.lon,
        "alt_m": track.alt_m,
        "vel_enu_mps": list(track.vel_enu_mps),
        "pos_sigma_m": track.pos_sigma_m,
        "class": track.cls.value,
        "class_conf": track.class_conf,
        "sources": list(track.sources),
        "remote_id": track.remote_id,
        "icao": track.icao,
        "dark": track.dark,
        "authorised": track.authorised,
        "spoof": list(track.spoof),
        "remote_id_auth": track.remote_id_auth,
    }


def alert_from_dict(obj: Mapping[str, Any]) -> Alert:
    """Validate one alerts.jsonl object."""
    try:
        state = AlertState(_string(obj, "state"))
        severity = Severity(_string(obj, "severity"))
    except ValueError as error:
        raise LineError("state/severity", "unknown value", str(error)) from None
    launch = obj.get("launch_point")
    launch_point = None
    if launch is not None:
        if not isinstance(launch, dict):
            raise LineError("launch_point", "not an object")
        launch_point = LaunchPoint(
            lat=_latitude(launch),
            lon=_longitude(launch),
            sigma_m=_number(launch, "sigma_m"),
            source=str(launch.get("source", "track")),
        )
    return Alert(
        t=_time(obj),
        alert_id=_string(obj, "alert_id"),
        state=state,
        rule=_string(obj, "rule"),
        severity=severity,
        track_id=_string(obj, "track_id"),
        message=str(obj.get("message", "")),
        lat=_latitude(obj),
        lon=_longitude(obj),
        alt_m=_number(obj, "alt_m"),
        zone=_optional_string(obj, "zone"),
        asset=_optional_string(obj, "asset"),
        launch_point=launch_point,
    )


def alert_to_dict(alert: Alert) -> dict[str, Any]:
    """The alerts.jsonl object of an alert state; every field of the spec is present."""
    launch = alert.launch_point
    return {
        "t": alert.t,
        "alert_id": alert.alert_id,
        "state": alert.state.value,
        "rule": alert.rule,
        "severity": alert.severity.value,
        "track_id": alert.track_id,
        "zone": alert.zone,
        "asset": alert.asset,
        "message": alert.message,
        "lat": alert.lat,
        "lon": alert.lon,
        "alt_m": alert.alt_m,
        "launch_point": None
        if launch is None
        else {"lat": launch.lat, "lon": launch.lon, "sigma_m": launch.sigma_m,
              "source": launch.source},
    }


# --- streaming JSONL ------------------------------------------------------------------


def _load_line(raw: bytes) -> Any:
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    # orjson refuses NaN and Infinity; the standard library reads them so that the
    # field checks can name the offending field instead of calling the line broken.
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise LineError(None, "invalid JSON", str(error)) from None


def parse_report_line(raw: bytes, sensor_types: Mapping[str, SensorType]) -> Report:
    """Validate one detections.jsonl line as a live feed sends it; ``LineError`` says why
    it is unusable."""
    obj = _load_line(raw)
    if not isinstance(obj, dict):
        raise LineError(None, "not a JSON object")
    return report_from_dict(obj, sensor_types)


def iter_jsonl(
    path: Path, parse: Callable[[Mapping[str, Any]], T], rejections: Rejections
) -> Iterator[T]:
    """Stream a JSONL file, yielding each good line parsed and counting the bad ones.

    Blank lines are skipped. The file is read one line at a time, so its size is
    unbounded.
    """
    name = Path(path).name
    with open(path, "rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                obj = _load_line(raw)
                if not isinstance(obj, dict):
                    raise LineError(None, "not a JSON object")
                yield parse(obj)
            except LineError as error:
                rejections.add(name, number, error, raw.decode("utf-8", "replace").rstrip())


def iter_reports(recording: Path, site: Site, rejections: Rejections) -> Iterator[Report]:
    """Stream the good reports of a recording's detections.jsonl, in file order."""
    types = {s.id: s.type for s in site.sensors}
    path = Path(recording) / DETECTIONS_FILE
    yield from iter_jsonl(path, lambda obj: report_from_dict(obj, types), rejections)


def iter_truth(recording: Path, rejections: Rejections) -> Iterator[TruthPoint]:
    """Stream a recording's truth.jsonl (nothing when it has none)."""
    path = Path(recording) / TRUTH_FILE
    if path.is_file():
        yield from iter_jsonl(path, truth_from_dict, rejections)


def iter_tracks(path: Path, rejections: Rejections) -> Iterator[TrackState]:
    """Stream a tracks.jsonl file (or that of a folder)."""
    path = Path(path)
    yield from iter_jsonl(path / TRACKS_FILE if path.is_dir() else path, track_from_dict,
                          rejections)


def iter_alerts(path: Path, rejections: Rejections) -> Iterator[Alert]:
    """Stream an alerts.jsonl file (or that of a folder)."""
    path = Path(path)
    yield from iter_jsonl(path / ALERTS_FILE if path.is_dir() else path, alert_from_dict,
                          rejections)


class JsonlWriter:
    """Writes one JSON object a line; a context manager that closes its file."""

    def __init__(self, path: Path) -> None:
        self._stream: IO[bytes] = open(path, "wb")  # noqa: SIM115 - closed by close()

    def write(self, obj: Mapping[str, Any]) -> None:
        """Append one object as a line."""
        self._stream.write(orjson.dumps(obj, option=orjson.OPT_APPEND_NEWLINE))

    def close(self) -> None:
        """Flush and close the file."""
        self._stream.close()

    def __enter__(self) -> JsonlWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class RecordingWriter:
    """Writes a recording folder: its site file and its JSONL streams."""

    def __init__(self, folder: Path, site: Site) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        write_site(self.folder, site)
        self._detections = JsonlWriter(self.folder / DETECTIONS_FILE)
        self._truth: JsonlWriter | None = None

    def report(self, report: Report) -> None:
        """Append a report to detections.jsonl (in arrival order)."""
        self._detections.write(report_to_dict(report))

    def truth(self, point: TruthPoint) -> None:
        """Append a truth point to truth.jsonl."""
        if self._truth is None:
            self._truth = JsonlWriter(self.folder / TRUTH_FILE)
        self._truth.write(truth_to_dict(point))

    def close(self) -> None:
        """Close every file."""
        self._detections.close()
        if self._truth is not None:
            self._truth.close()

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
