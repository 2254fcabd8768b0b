"""The shared vocabulary of Skywarden: sites, sensor reports, truth, tracks and alerts.

Every stage of the pipeline (ingest, track, identify, warn, publish) speaks these types.
They are plain, immutable dataclasses so that they can be passed between processes,
written to a recording and compared in tests. Units are in the field names: ``_m``
metres, ``_deg`` degrees, ``_mps`` metres per second, ``_hz`` hertz, ``_db`` decibels;
``t`` is always UTC seconds since the Unix epoch (data time, never wall time).
Positions are WGS84 (``lat``/``lon`` in degrees, ``alt_m`` above the ellipsoid) and
velocities are local east-north-up (ENU) in metres per second.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias


class SensorType(StrEnum):
    """The kinds of sensor Skywarden fuses."""

    RADAR = "radar"
    RF = "rf"
    ACOUSTIC = "acoustic"
    EO = "eo"
    REMOTEID = "remoteid"
    ADSB = "adsb"


class TargetClass(StrEnum):
    """What an object in the air is: the classes of EO reports, tracks and truth."""

    DRONE = "drone"
    BIRD = "bird"
    AIRCRAFT = "aircraft"
    UNKNOWN = "unknown"


class AlertState(StrEnum):
    """An alert's lifecycle: it opens once, is updated while it lasts, then closes."""

    OPEN = "open"
    UPDATE = "update"
    CLOSED = "closed"


class Severity(StrEnum):
    """Alert severity, ordered from least to most urgent (see ``SEVERITY_RANK``)."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


SEVERITY_RANK: Mapping[Severity, int] = {s: i for i, s in enumerate(Severity)}
"""Orders severities so that escalation can compare them."""


@dataclass(frozen=True, slots=True)
class Sensor:
    """A sensor of the site, fixed at a WGS84 position.

    ``sigma`` maps a reported field name (``range_m``, ``az_deg``, ``el_deg``,
    ``rr_mps``, ...) to its 1-sigma measurement noise in that field's unit.
    ``max_range_m``, ``pd`` (detection probability at reference conditions),
    ``clutter_per_scan`` (mean false alarms per scan) and ``period_s`` (scan or report
    period) describe the sensor for planning and simulation and may be unknown.
    ``params`` keeps every other key of the site file (simulation and planning
    parameters such as a camera's field of view) so that nothing is lost on rewrite.
    """

    id: str
    type: SensorType
    lat: float
    lon: float
    alt_m: float
    sigma: Mapping[str, float] = field(default_factory=dict)
    max_range_m: float | None = None
    pd: float | None = None
    clutter_per_scan: float | None = None
    period_s: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Zone:
    """A protected volume: a polygon of ``(lon, lat)`` vertices between two altitudes.

    ``floor_m`` and ``ceiling_m`` are metres above the WGS84 ellipsoid.
    """

    id: str
    name: str
    polygon: tuple[tuple[float, float], ...]
    floor_m: float = 0.0
    ceiling_m: float = 10_000.0
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Asset:
    """A moving protected asset (a convoy) with a protection radius in metres.

    ``route`` is the ``(lon, lat)`` polyline the asset follows. When ``speed_mps`` and
    ``start_t`` are known the asset's position at any time follows from the route;
    otherwise a live position feed places it.
    """

    id: str
    name: str
    radius_m: float
    route: tuple[tuple[float, float], ...]
    speed_mps: float | None = None
    start_t: float | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Authorisation:
    """A drone allowed to fly over the site, known by its Remote ID serial."""

    remote_id: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Site:
    """Everything a recording or a live service knows about the protected site."""

    name: str
    sensors: tuple[Sensor, ...]
    zones: tuple[Zone, ...] = ()
    assets: tuple[Asset, ...] = ()
    authorised: tuple[Authorisation, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)

    def sensor(self, sensor_id: str) -> Sensor:
        """The sensor with this id; ``KeyError`` when the site has none."""
        for sensor in self.sensors:
            if sensor.id == sensor_id:
                return sensor
        raise KeyError(sensor_id)

    @property
    def sensors_by_id(self) -> dict[str, Sensor]:
        """Sensors keyed by id."""
        return {s.id: s for s in self.sensors}

    @property
    def origin(self) -> tuple[float, float, float]:
        """The local ENU origin ``(lat, lon, alt_m)`` of the site.

        The site file's ``origin`` when it gives one, else the mean sensor position,
        so that the local frame stays well inside the area the sensors watch.
        """
        given = self.params.get("origin")
        if given is not None:
            return (float(given["lat"]), float(given["lon"]), float(given.get("alt_m", 0.0)))
        if not self.sensors:
            return (0.0, 0.0, 0.0)
        n = len(self.sensors)
        return (
            sum(s.lat for s in self.sensors) / n,
            sum(s.lon for s in self.sensors) / n,
            sum(s.alt_m for s in self.sensors) / n,
        )


@dataclass(frozen=True, slots=True)
class RadarReport:
    """A radar plot: slant range, azimuth and elevation, optionally range rate (Doppler)."""

    t: float
    sensor: str
    range_m: float
    az_deg: float
    el_deg: float
    rr_mps: float | None = None
    snr_db: float | None = None
    rcs_dbsm: float | None = None
    sigma: Mapping[str, float] | None = None


@dataclass(frozen=True, slots=True)
class RfReport:
    """A passive RF direction-finder bearing to an emitting drone's radio link."""

    t: float
    sensor: str
    az_deg: float
    el_deg: float | None = None
    freq_mhz: float | None = None
    bandwidth_mhz: float | None = None
    protocol: str | None = None
    snr_db: float | None = None
    sigma: Mapping[str, float] | None = None


@dataclass(frozen=True, slots=True)
class AcousticReport:
    """An acoustic array bearing, with the rotor blade-pass fundamental when heard."""

    t: float
    sensor: str
    az_deg: float
    el_deg: float | None = None
    f0_hz: float | None = None
    snr_db: float | None = None
    sigma: Mapping[str, float] | None = None


@dataclass(frozen=True, slots=True)
class EoReport:
    """An EO/IR camera detection: a line of sight and the camera's class guess."""

    t: float
    sensor: str
    az_deg: float
    el_deg: float
    cls: TargetClass | None = None
    conf: float | None = None
    sigma: Mapping[str, float] | None = None


@dataclass(frozen=True, slots=True)
class RemoteIdReport:
    """One received ASTM F3411 message (25 bytes) or message pack, undecoded."""

    t: float
    sensor: str
    odid: bytes
    rssi_dbm: float | None = None


@dataclass(frozen=True, slots=True)
class AdsbReport:
    """One received Mode S frame (7 or 14 bytes), undecoded."""

    t: float
    sensor: str
    modes: bytes
    rssi_dbm: float | None = None


BearingReport: TypeAlias = RfReport | AcousticReport | EoReport
"""Reports that give a line of sight but no range."""

Report: TypeAlias = (
    RadarReport | RfReport | AcousticReport | EoReport | RemoteIdReport | AdsbReport
)
"""Any sensor report, as read from a recording or a live feed."""

REPORT_TYPES: Mapping[SensorType, type] = {
    SensorType.RADAR: RadarReport,
    SensorType.RF: RfReport,
    SensorType.ACOUSTIC: AcousticReport,
    SensorType.EO: EoReport,
    SensorType.REMOTEID: RemoteIdReport,
    SensorType.ADSB: AdsbReport,
}
"""The report class each sensor type produces."""


@dataclass(frozen=True, slots=True)
class TruthPoint:
    """Where a simulated object really was at time ``t``: for scoring, never tracking."""

    t: float
    id: str
    kind: TargetClass
    lat: float
    lon: float
    alt_m: float
    vel_enu_mps: tuple[float, float, float]
    emitting: bool | None = None
    remote_id: str | None = None
    icao: str | None = None


@dataclass(frozen=True, slots=True)
class TrackState:
    """One confirmed track at one reporting instant: a line of tracks.jsonl.

    ``pos_sigma_m`` is the 1-sigma horizontal position uncertainty. ``sources`` are the
    sensors that updated the track recently. ``dark`` is true for a drone track that no
    sensor has heard emit (no Remote ID, and not the :data:`EMITTING_MIN_RF_HITS` RF hits
    of the last :data:`RECENT_EVIDENCE_S` that show an emitting drone).

    ``authorised`` is true for a drone whose Remote ID serial the site allows and that no
    spoofing check doubts. ``spoof`` lists why the track's Remote ID is not believed, one
    ``"kind: reason"`` string per failed check (``kind`` is a spoofing-check name such as
    ``inconsistent_position``; ``reason`` is the operator-readable explanation with its
    numbers); it is empty for an honest or silent track. ``remote_id_auth`` names the
    authentication record the track's Remote ID broadcasts (see
    :attr:`PositionFix.auth_type`): present, not verified.
    """

    t: float
    track_id: str
    lat: float
    lon: float
    alt_m: float
    vel_enu_mps: tuple[float, float, float]
    pos_sigma_m: float
    cls: TargetClass = TargetClass.UNKNOWN
    class_conf: float = 0.0
    sources: tuple[str, ...] = ()
    remote_id: str | None = None
    icao: str | None = None
    dark: bool = False
    authorised: bool = False
    spoof: tuple[str, ...] = ()
    remote_id_auth: str | None = None


@dataclass(frozen=True, slots=True)
class LaunchPoint:
    """Estimated point a drone took off from, with a 1-sigma radius in metres.

    ``source`` says how it was found: ``track`` (back-extrapolated) or ``remote_id``
    (the operator position the drone itself broadcasts).
    """

    lat: float
    lon: float
    sigma_m: float
    source: str = "track"


@dataclass(frozen=True, slots=True)
class Alert:
    """One state of one alert: a line of alerts.jsonl.

    There is one alert per track, rule and zone or asset; its ``state`` moves
    ``open`` -> ``update``* -> ``closed``.
    """

    t: float
    alert_id: str
    state: AlertState
    rule: str
    severity: Severity
    track_id: str
    message: str
    lat: float
    lon: float
    alt_m: float
    zone: str | None = None
    asset: str | None = None
    launch_point: LaunchPoint | None = None


class FixSource(StrEnum):
    """Where a position fix came from."""

    REMOTEID = "remoteid"
    ADSB = "adsb"
    SAPIENT = "sapient"


@dataclass(frozen=True, slots=True)
class PositionFix:
    """A decoded position of an object: a Remote ID or ADS-B broadcast, or a sensor that
    reports a geolocated detection (SAPIENT ``location`` form).

    Cooperative fixes carry the identity the object broadcasts (``remote_id`` serial,
    ``icao`` address, ``callsign``) and, for Remote ID, the operator position it
    declares. ``h_sigma_m``/``v_sigma_m`` are the 1-sigma horizontal and vertical
    accuracies (from the broadcast's accuracy fields where it has them).
    ``auth_type`` names the latest whole Remote ID authentication record the
    aircraft broadcast (``"uas_id_signature"``, ...): present, not verified, since
    Skywarden does not check signatures.
    """

    t: float
    sensor: str
    source: FixSource
    lat: float
    lon: float
    alt_m: float
    h_sigma_m: float
    v_sigma_m: float
    vel_enu_mps: tuple[float, float, float] | None = None
    remote_id: str | None = None
    icao: str | None = None
    callsign: str | None = None
    operator_lat: float | None = None
    operator_lon: float | None = None
    object_id: str | None = None
    cls: TargetClass | None = None
    auth_type: str | None = None


RECENT_EVIDENCE_S = 30.0
"""How recently emission and rotor tone must have been heard to count for a track's
class (:attr:`TrackEvidence.rf_recent`, :attr:`TrackEvidence.f0_hz`): a track that lost
its drone and took up a bird must not go on being called a drone because the drone
was heard minutes ago."""

EMITTING_MIN_RF_HITS = 3
"""RF hits within :data:`RECENT_EVIDENCE_S` that show a drone emits, so is not dark.
Fewer are more likely bearings of some other emitter that crossed the track's gate: a
direction finder's bearing is a line through the whole sky."""


@dataclass(frozen=True, slots=True)
class RangeMotion:
    """How one radar saw a track's range move over its recent plots: the
    least-squares slope of range over time, the mean of the plots' range rates, and
    the 1-sigma of their difference for an object that moves as its Doppler says."""

    slope_mps: float
    mean_rr_mps: float
    sigma_mps: float


@dataclass(frozen=True, slots=True)
class TrackEvidence:
    """What the tracker has learnt about one track, for identification and warning.

    ``history`` holds recent ``(t, east_m, north_m, up_m, v_east, v_north, v_up)`` rows in
    the site's ENU frame, oldest first (bounded length). ``hover_s`` is the time spent
    near-stationary, ``mode_probs`` the motion-model probabilities (``cv``, ``ct``,
    ``hover``). ``rf_hits`` counts RF direction-finder updates over the track's life
    (the drone emits). The rest describes the object the track follows now, from the
    last :data:`RECENT_EVIDENCE_S` only (a track may have taken up another object
    since): ``eo_votes`` sums camera confidence per class, ``rf_recent`` counts RF
    updates (each for the share of its emission likely the track's own), ``f0_hz``
    is the latest acoustic blade-pass frequency heard and ``rcs_dbsm`` the mean radar
    cross-section. Identity fields come from cooperative
    fixes the track absorbed.
    """

    track_id: str
    first_t: float
    last_update_t: float
    history: tuple[tuple[float, float, float, float, float, float, float], ...]
    sources: tuple[str, ...] = ()
    source_types: frozenset[SensorType] = frozenset()
    hover_s: float = 0.0
    mode_probs: Mapping[str, float] = field(default_factory=dict)
    eo_votes: Mapping[TargetClass, float] = field(default_factory=dict)
    rf_hits: int = 0
    f0_hz: float | None = None
    rcs_dbsm: float | None = None
    remote_id: str | None = None
    icao: str | None = None
    callsign: str | None = None
    operator_lat: float | None = None
    operator_lon: float | None = None
    cooperative_only: bool = False
    fixes: tuple[PositionFix, ...] = ()
    """The latest cooperative fixes associated with the track (bounded), for spoof checks."""
    rf_recent: float = 0.0
    doppler_flips: tuple[float, int] = (0.0, 0)
    """Of the pairs of successive plots of one radar in the last
    :data:`RECENT_EVIDENCE_S`: how many changed the sign of the range rate, and how
    many there were."""
    leak_spot_plots: int = 0
    """Of the latest radar plots (recent ones only): how many landed where a fixed
    return has been leaking through the MTI."""
    range_motion: tuple[RangeMotion, ...] = ()
    """Per radar with enough recent plots: whether its range rates are borne out by
    the track's range."""
    ranged_t: tuple[float, ...] = ()
    """When a ranging sensor placed the track with its latest measurements that no
    other track could as well have explained (bounded), oldest first."""
    radar_t: float | None = None
    """When a radar plot last updated the track, its own or contested."""
