"""Cooperative identification: Remote ID and ADS-B reports become position fixes.

:class:`CooperativeDecoder` takes every Remote ID and ADS-B report of a recording or a
live feed, in time order, and returns the :class:`~skywarden.model.PositionFix` each
one yields, carrying the identity the object broadcasts (Remote ID serial, ICAO
address, callsign), the operator position a Remote ID System message declares, the
velocity, and 1-sigma accuracies derived from the broadcast's own accuracy fields.

Remote ID messages of one pack belong to one aircraft. A Location message sent alone
(Bluetooth legacy advertising sends one message per advertisement) takes the identity
of the only serial the same receiver heard in the last few seconds; with several
aircraft in the air it stays anonymous, because the report does not carry the
transmitter address that would tell them apart.

Frames that cannot be used are counted by reason in ``rejections`` (with the first
example of each) and logged; decoding goes on with the next report.
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from skywarden.ingest.adsb import AdsbDecoder, AdsbError, Aircraft
from skywarden.ingest.authentication import AuthenticationAssembler, AuthenticationRecord
from skywarden.ingest.remoteid import (
    Authentication,
    AuthType,
    BasicId,
    IdType,
    Location,
    RemoteIdError,
    System,
    decode_each,
)
from skywarden.ingest.sbs import SbsMessage
from skywarden.model import (
    AdsbReport,
    FixSource,
    PositionFix,
    RemoteIdReport,
    SensorType,
    Site,
    TargetClass,
)

log = logging.getLogger(__name__)

SIGMA_PER_95_2D = 2.4477
"""A 95 % horizontal bound is 2.45 sigma of a circular 2-D normal error."""
SIGMA_PER_95_1D = 1.96
"""A 95 % vertical bound is 1.96 sigma."""
UNKNOWN_H_SIGMA_M = 50.0
"""Horizontal sigma of a fix whose broadcast gives no usable accuracy."""
UNKNOWN_V_SIGMA_M = 30.0
"""Vertical sigma of a fix whose broadcast gives no usable accuracy."""
BARO_V_SIGMA_M = 30.0
"""Vertical sigma of a barometric altitude with no GNSS offset to correct it."""
GNSS_V_SIGMA_M = 15.0
"""Vertical sigma of an ADS-B GNSS height (or barometric altitude corrected to it)."""
VELOCITY_MAX_AGE_S = 5.0
"""ADS-B velocity older than this is not attached to a position fix."""

_NUMBERS = re.compile(r"[-+]?\b[0-9a-fA-F.x]*\d[0-9a-fA-F.x]*\b")


def _reason_class(reason: str) -> str:
    """A reason with its numbers and hex dumps blanked, to count alike rejections."""
    return _NUMBERS.sub("#", reason)


@dataclass(slots=True)
class CooperativeRejections:
    """Frames that gave no fix, counted by reason, with the first example of each."""

    counts: Counter[str] = field(default_factory=Counter)
    first_example: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rejections of every reason together."""
        return sum(self.counts.values())

    def add(self, reason: str, t: float, sensor: str, frame: bytes) -> None:
        """Count one rejection and keep it as an example if it is the first of its kind."""
        key = _reason_class(reason)
        self.counts[key] += 1
        if key not in self.first_example:
            self.first_example[key] = {
                "t": t, "sensor": sensor, "reason": reason, "frame": frame.hex(),
            }
        log.debug("rejected %s frame at t=%.3f: %s", sensor, t, reason)

    def to_dict(self) -> list[dict[str, Any]]:
        """Every reason with its count and first example, most frequent first."""
        return [
            {"reason": key, "count": count, "first_example": self.first_example[key]}
            for key, count in self.counts.most_common()
        ]


@dataclass(slots=True)
class _Operator:
    """What the latest System message of one aircraft declared."""

    lat: float | None
    lon: float | None
    altitude_m: float | None
    last_seen: float


@dataclass(slots=True)
class _Signed:
    """The latest whole authentication record an aircraft broadcast."""

    label: str
    last_seen: float


def _auth_label(auth_type: int | None) -> str:
    """How an authentication type reads on a track: the F3411 name, else its number."""
    if isinstance(auth_type, AuthType):
        return auth_type.name.lower()
    return "unknown type" if auth_type is None else f"private type {auth_type}"


@dataclass(slots=True)
class _SbsAircraft:
    callsign: str | None = None
    velocity_enu_mps: tuple[float, float, float] | None = None
    velocity_t: float = -math.inf
    last_seen: float = -math.inf


def _h_sigma(bound_m: float | None) -> float:
    return UNKNOWN_H_SIGMA_M if bound_m is None else bound_m / SIGMA_PER_95_2D


def _v_sigma(bound_m: float | None) -> float:
    return UNKNOWN_V_SIGMA_M if bound_m is None else bound_m / SIGMA_PER_95_1D


def _velocity(
    speed: float | None, direction_deg: float | None, up: float | None
) -> tuple[float, float, float] | None:
    if speed is None or (direction_deg is None and speed > 0.0):
        return None
    heading = math.radians(direction_deg or 0.0)
    return (speed * math.sin(heading), speed * math.cos(heading), up or 0.0)


def _serial(basic_ids: list[BasicId]) -> str | None:
    """The identifier to know an aircraft by: its serial number when it sends one."""
    if not basic_ids:
        return None
    for basic in basic_ids:
        if basic.id_type is IdType.SERIAL_NUMBER and basic.uas_id:
            return basic.uas_id
    return basic_ids[0].uas_id or None


class CooperativeDecoder:
    """Turns Remote ID and ADS-B reports into position fixes, one report at a time.

    ``site`` gives each ADS-B receiver's position and range, so that positions beyond
    a receiver's reach are rejected and short-range receivers place single frames.
    State about an aircraft (operator position, ADS-B CPR frames) is forgotten after
    ``expiry_s`` without news.
    """

    def __init__(
        self,
        site: Site | None = None,
        expiry_s: float = 60.0,
        single_message_window_s: float = 5.0,
    ) -> None:
        self.rejections = CooperativeRejections()
        self._site = site
        self._expiry_s = expiry_s
        self._single_window_s = single_message_window_s
        self._operators: dict[str, _Operator] = {}
        self._auth = AuthenticationAssembler()
        self._signed: dict[str, _Signed] = {}
        self._recent_ids: dict[str, deque[tuple[float, str]]] = {}
        self._adsb: dict[str, AdsbDecoder] = {}
        self._sbs: dict[str, _SbsAircraft] = {}

    def feed(self, report: RemoteIdReport | AdsbReport) -> list[PositionFix]:
        """The fixes one report yields (often none: not every message is a position)."""
        if isinstance(report, RemoteIdReport):
            return self._remote_id(report)
        return self._adsb_report(report)

    # ----------------------------------------------------------------- Remote ID

    def _remote_id(self, report: RemoteIdReport) -> list[PositionFix]:
        results = decode_each(report.odid)
        for error in results:
            if isinstance(error, RemoteIdError):
                self.rejections.add(error.reason, report.t, report.sensor, report.odid)
        messages = [m for m in results if not isinstance(m, RemoteIdError)]
        serial = _serial([m for m in messages if isinstance(m, BasicId)])
        self._forget_stale(report.t)
        if serial is not None:
            self._recent_ids.setdefault(report.sensor, deque(maxlen=32)).append(
                (report.t, serial)
            )
        else:
            serial = self._only_recent_id(report.sensor, report.t)
        if serial is not None:
            self._note_authentication(report, serial, messages)
        for system in (m for m in messages if isinstance(m, System)):
            if serial is not None:
                self._operators[serial] = _Operator(
                    system.operator_latitude_deg, system.operator_longitude_deg,
                    system.operator_altitude_m, report.t,
                )
        fixes = []
        for location in (m for m in messages if isinstance(m, Location)):
            fix = self._location_fix(report, location, serial)
            if fix is not None:
                fixes.append(fix)
        return fixes

    def _note_authentication(self, report: RemoteIdReport, serial: str,
                             messages: list[Any]) -> None:
        """Assemble the aircraft's Authentication pages; remember its latest whole
        record while the aircraft is heard. The signature is not checked: a fix then
        says an authentication was broadcast, not that it is genuine."""
        for page in (m for m in messages if isinstance(m, Authentication)):
            for outcome in self._auth.add(serial, page, report.t):
                if isinstance(outcome, AuthenticationRecord):
                    self._signed[outcome.sender] = _Signed(_auth_label(outcome.auth_type),
                                                           report.t)
        signed = self._signed.get(serial)
        if signed is not None:
            signed.last_seen = report.t

    def _only_recent_id(self, sensor: str, t: float) -> str | None:
        recent = self._recent_ids.get(sensor, ())
        heard = {serial for seen, serial in recent if 0.0 <= t - seen <= self._single_window_s}
        return heard.pop() if len(heard) == 1 else None

    def _forget_stale(self, t: float) -> None:
        stale = [s for s, op in self._operators.items() if t - op.last_seen > self._expiry_s]
        for serial in stale:
            del self._operators[serial]
        unheard = [s for s, signed in self._signed.items()
                   if t - signed.last_seen > self._expiry_s]
        for serial in unheard:
            del self._signed[serial]

    def _location_fix(
        self, report: RemoteIdReport, location: Location, serial: str | None
    ) -> PositionFix | None:
        if location.latitude_deg is None or location.longitude_deg is None:
            self.rejections.add(
                "Location without a position (latitude and longitude unknown)",
                report.t, report.sensor, report.odid,
            )
            return None
        operator = self._operators.get(serial) if serial is not None else None
        altitude, v_sigma = self._altitude(location, operator)
        if altitude is None:
            self.rejections.add(
                "Location without an altitude (no geodetic or pressure altitude, "
                "no height over a known operator altitude)",
                report.t, report.sensor, report.odid,
            )
            return None
        return PositionFix(
            t=report.t,
            sensor=report.sensor,
            source=FixSource.REMOTEID,
            lat=location.latitude_deg,
            lon=location.longitude_deg,
            alt_m=altitude,
            h_sigma_m=_h_sigma(location.horizontal_accuracy_m),
            v_sigma_m=v_sigma,
            vel_enu_mps=_velocity(
                location.speed_mps, location.direction_deg, location.vertical_speed_mps
            ),
            remote_id=serial,
            auth_type=signed.label if (signed := self._signed.get(serial or "")) else None,
            operator_lat=operator.lat if operator else None,
            operator_lon=operator.lon if operator else None,
            object_id=f"remoteid:{serial}" if serial else None,
            cls=TargetClass.DRONE,
        )

    @staticmethod
    def _altitude(location: Location, operator: _Operator | None) -> tuple[float | None, float]:
        """Altitude above the ellipsoid and its sigma: geodetic first, then pressure
        altitude, then height above a take-off point at the operator's altitude."""
        if location.geodetic_altitude_m is not None:
            return location.geodetic_altitude_m, _v_sigma(location.vertical_accuracy_m)
        if location.pressure_altitude_m is not None:
            return location.pressure_altitude_m, _v_sigma(location.baro_altitude_accuracy_m)
        if location.height_m is not None and operator and operator.altitude_m is not None:
            return operator.altitude_m + location.height_m, UNKNOWN_V_SIGMA_M
        return None, UNKNOWN_V_SIGMA_M

    # ----------------------------------------------------------------- ADS-B

    def _decoder_for(self, sensor_id: str) -> AdsbDecoder:
        decoder = self._adsb.get(sensor_id)
        if decoder is None:
            reference = None
            reach = None
            if self._site is not None:
                sensor = self._site.sensors_by_id.get(sensor_id)
                if sensor is not None and sensor.type is SensorType.ADSB:
                    reference = (sensor.lat, sensor.lon)
                    reach = sensor.max_range_m
            decoder = AdsbDecoder(reference, reach, expiry_s=self._expiry_s)
            self._adsb[sensor_id] = decoder
        return decoder

    def _adsb_report(self, report: AdsbReport) -> list[PositionFix]:
        try:
            message = self._decoder_for(report.sensor).decode(report.modes, report.t)
        except AdsbError as error:
            self.rejections.add(error.reason, report.t, report.sensor, report.modes)
            return []
        if message.position_rejected is not None:
            self.rejections.add(
                message.position_rejected, report.t, report.sensor, report.modes
            )
        if not message.position_updated or message.aircraft is None:
            return []
        if message.aircraft.alt_m is None:
            self.rejections.add(
                "airborne position without an altitude", report.t, report.sensor, report.modes
            )
            return []
        return [_adsb_fix(report, message.aircraft)]

    def feed_sbs(self, message: SbsMessage, sensor: str) -> list[PositionFix]:
        """The fix an SBS (port 30003) airborne position line yields, with the callsign
        and velocity earlier lines of the same aircraft gave."""
        if message.t is None:
            return []
        known = self._sbs.setdefault(message.icao, _SbsAircraft())
        known.last_seen = message.t
        if message.callsign:
            known.callsign = message.callsign
        if message.groundspeed_mps is not None and message.track_deg is not None:
            known.velocity_enu_mps = _velocity(
                message.groundspeed_mps, message.track_deg, message.vertical_rate_mps
            )
            known.velocity_t = message.t
        stale = [k for k, a in self._sbs.items() if message.t - a.last_seen > self._expiry_s]
        for icao in stale:
            del self._sbs[icao]
        if message.latitude_deg is None or message.longitude_deg is None:
            return []
        if message.altitude_m is None:
            return []
        fresh = message.t - known.velocity_t <= VELOCITY_MAX_AGE_S
        return [
            PositionFix(
                t=message.t,
                sensor=sensor,
                source=FixSource.ADSB,
                lat=message.latitude_deg,
                lon=message.longitude_deg,
                alt_m=message.altitude_m,
                h_sigma_m=UNKNOWN_H_SIGMA_M,
                v_sigma_m=BARO_V_SIGMA_M,
                vel_enu_mps=known.velocity_enu_mps if fresh else None,
                icao=message.icao,
                callsign=known.callsign,
                object_id=f"adsb:{message.icao}",
                cls=TargetClass.AIRCRAFT,
            )
        ]


def _adsb_fix(report: AdsbReport, aircraft: Aircraft) -> PositionFix:
    """A fix from an aircraft just positioned; its altitude goes above the ellipsoid
    with the GNSS-minus-barometric offset when the aircraft reported one."""
    assert aircraft.lat is not None and aircraft.lon is not None
    assert aircraft.alt_m is not None
    altitude, v_sigma = aircraft.alt_m, BARO_V_SIGMA_M
    if aircraft.alt_is_gnss:
        v_sigma = GNSS_V_SIGMA_M
    elif aircraft.geo_minus_baro_m is not None:
        altitude, v_sigma = aircraft.alt_m + aircraft.geo_minus_baro_m, GNSS_V_SIGMA_M
    fresh = (
        aircraft.velocity_t is not None
        and report.t - aircraft.velocity_t <= VELOCITY_MAX_AGE_S
    )
    return PositionFix(
        t=report.t,
        sensor=report.sensor,
        source=FixSource.ADSB,
        lat=aircraft.lat,
        lon=aircraft.lon,
        alt_m=altitude,
        h_sigma_m=_h_sigma(aircraft.h_accuracy_m),
        v_sigma_m=v_sigma,
        vel_enu_mps=aircraft.velocity_enu_mps if fresh else None,
        icao=aircraft.icao,
        callsign=aircraft.callsign,
        object_id=f"adsb:{aircraft.icao}",
        cls=TargetClass.DRONE if aircraft.unmanned else TargetClass.AIRCRAFT,
    )
