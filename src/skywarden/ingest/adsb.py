"""ADS-B (Mode S extended squitter): a stateful decoder and encoders for simulation.

:class:`AdsbDecoder` decodes each Mode S frame with pyModeS, converts what it reports
to SI units, and keeps a state per ICAO address: callsign, barometric or GNSS altitude,
ground velocity, and a position resolved from CPR (against the aircraft's own recent
position, else from an even/odd pair, else against the receiver when its range keeps
every aircraft within the 180 NM that makes single-frame decoding unambiguous).
Aircraft not heard for ``expiry_s`` are forgotten. Frames that fail their CRC or do
not decode are rejected with :class:`AdsbError`.

The encoders build 14-byte DF17 frames with a valid CRC (the Mode S parity computed
by pyModeS) for airborne position (CPR-encoded latitude and longitude, barometric
altitude in 25-ft steps), airborne velocity (ground speed, subsonic) and aircraft
identification. pyModeS decodes them like any received frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import pyModeS as pms
from pyModeS.position import airborne_position_pair, airborne_position_with_ref
from pyModeS.util import cprNL, crc

FEET_PER_METRE = 1.0 / 0.3048
KNOTS_PER_MPS = 3600.0 / 1852.0
FPM_PER_MPS = 60.0 * FEET_PER_METRE
DF17 = 17
CAPABILITY_AIRBORNE = 5
"""Transponder capability 5: level 2+, airborne."""
CPR_BITS = 17
_CPR_SCALE = 1 << CPR_BITS
_ALTITUDE_MIN_FT = -1000
_ALTITUDE_MAX_FT = 50175
_CALLSIGN_CHARS = "#ABCDEFGHIJKLMNOPQRSTUVWXYZ##### ###############0123456789######"


def _icao_bits(icao: str) -> int:
    try:
        value = int(icao, 16)
    except ValueError:
        raise ValueError(f"ICAO address {icao!r} is not hexadecimal") from None
    if len(icao) != 6 or not 0 <= value <= 0xFFFFFF:
        raise ValueError(f"ICAO address {icao!r} is not 6 hex digits")
    return value


def _frame(icao: str, me: int) -> bytes:
    """A DF17 frame around the 56-bit ME field, parity appended."""
    head = (((DF17 << 3) | CAPABILITY_AIRBORNE) << 24) | _icao_bits(icao)
    body = (head << 56) | me
    parity = crc(f"{body << 24:028X}")
    return ((body << 24) | parity).to_bytes(14, "big")


def encode_altitude_code(alt_ft: float) -> int:
    """The 12-bit altitude field with the Q bit set: 25-ft steps from -1000 ft."""
    n = round((alt_ft - _ALTITUDE_MIN_FT) / 25)
    if not 0 <= n <= (_ALTITUDE_MAX_FT - _ALTITUDE_MIN_FT) // 25:
        raise ValueError(f"altitude {alt_ft:.0f} ft outside -1000 .. 50175 ft")
    return ((n >> 4) << 5) | 0x10 | (n & 0x0F)


def cpr_encode(lat: float, lon: float, odd: bool) -> tuple[int, int]:
    """The 17-bit airborne CPR latitude and longitude of a position, even or odd."""
    i = 1 if odd else 0
    dlat = 360.0 / (60 - i)
    yz = math.floor(_CPR_SCALE * (lat % dlat) / dlat + 0.5)
    rlat = dlat * (yz / _CPR_SCALE + math.floor(lat / dlat))
    zones = cprNL(rlat) - i
    dlon = 360.0 / zones if zones > 0 else 360.0
    xz = math.floor(_CPR_SCALE * (lon % dlon) / dlon + 0.5)
    return yz % _CPR_SCALE, xz % _CPR_SCALE


def encode_airborne_position(
    icao: str, lat: float, lon: float, alt_m: float, odd: bool, typecode: int = 11
) -> bytes:
    """A DF17 airborne position (barometric altitude) frame, even or odd CPR format.

    ``typecode`` 9 to 18 sets the announced position quality (11: NUCp 7, < 0.1 NM).
    """
    if not 9 <= typecode <= 18:
        raise ValueError(f"typecode {typecode} is not a barometric airborne position (9-18)")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise ValueError(f"position {lat}, {lon} is not a WGS84 latitude and longitude")
    altitude = encode_altitude_code(alt_m * FEET_PER_METRE)
    cpr_lat, cpr_lon = cpr_encode(lat, lon, odd)
    me = (
        (typecode << 51)
        | (altitude << 36)
        | (int(odd) << 34)
        | (cpr_lat << 17)
        | cpr_lon
    )
    return _frame(icao, me)


def _signed_component(value: float, scale: float, maximum: int) -> tuple[int, int]:
    """Sign bit and magnitude+1 of a velocity component (0 would mean "no data")."""
    magnitude = min(round(abs(value) * scale), maximum - 1)
    return int(value < 0), magnitude + 1


def encode_velocity(icao: str, east_mps: float, north_mps: float, up_mps: float) -> bytes:
    """A DF17 airborne velocity frame (subtype 1: ground speed, subsonic; GNSS rate)."""
    west, v_ew = _signed_component(east_mps, KNOTS_PER_MPS, 1023)
    south, v_ns = _signed_component(north_mps, KNOTS_PER_MPS, 1023)
    down, v_rate = _signed_component(up_mps, FPM_PER_MPS / 64.0, 511)
    me = (
        (19 << 51)
        | (1 << 48)
        | (west << 42)
        | (v_ew << 32)
        | (south << 31)
        | (v_ns << 21)
        | (down << 19)
        | (v_rate << 10)
    )
    return _frame(icao, me)


def encode_identification(
    icao: str, callsign: str, category: int = 0, typecode: int = 4
) -> bytes:
    """A DF17 identification frame carrying up to 8 callsign characters.

    ``typecode`` 1-4 selects the emitter category set (D, C, B, A) and ``category``
    the category within it: typecode 3 with category 6 announces an unmanned aircraft.
    """
    text = callsign.upper().ljust(8)
    if len(text) > 8:
        raise ValueError(f"callsign {callsign!r} is longer than 8 characters")
    if not 0 <= category <= 7:
        raise ValueError(f"emitter category {category} outside 0 .. 7")
    if not 1 <= typecode <= 4:
        raise ValueError(f"typecode {typecode} is not an identification (1-4)")
    chars = 0
    for char in text:
        code = _CALLSIGN_CHARS.find(char)
        if char == "#" or code < 0:
            raise ValueError(f"callsign {callsign!r}: {char!r} is not A-Z, 0-9 or space")
        chars = (chars << 6) | code
    me = (typecode << 51) | (category << 48) | chars
    return _frame(icao, me)


# --------------------------------------------------------------------------- decoding

METRES_PER_FOOT = 0.3048
MPS_PER_KNOT = 1852.0 / 3600.0
MPS_PER_FPM = METRES_PER_FOOT / 60.0
CPR_LOCAL_LIMIT_M = 180 * 1852.0
"""A single CPR frame resolves unambiguously only within 180 NM of its reference."""
_EARTH_RADIUS_M = 6_371_008.8

_SI_FIELDS: dict[str, tuple[str, float]] = {
    "altitude": ("altitude_m", METRES_PER_FOOT),
    "geo_minus_baro": ("geo_minus_baro_m", METRES_PER_FOOT),
    "selected_altitude": ("selected_altitude_m", METRES_PER_FOOT),
    "selected_altitude_mcp": ("selected_altitude_mcp_m", METRES_PER_FOOT),
    "selected_altitude_fms": ("selected_altitude_fms_m", METRES_PER_FOOT),
    "threat_altitude": ("threat_altitude_m", METRES_PER_FOOT),
    "radio_height": ("radio_height_m", METRES_PER_FOOT),
    "threat_range": ("threat_range_m", 1852.0),
    "groundspeed": ("groundspeed_mps", MPS_PER_KNOT),
    "airspeed": ("airspeed_mps", MPS_PER_KNOT),
    "true_airspeed": ("true_airspeed_mps", MPS_PER_KNOT),
    "indicated_airspeed": ("indicated_airspeed_mps", MPS_PER_KNOT),
    "wind_speed": ("wind_speed_mps", MPS_PER_KNOT),
    "vertical_rate": ("vertical_rate_mps", MPS_PER_FPM),
    "baro_vertical_rate": ("baro_vertical_rate_mps", MPS_PER_FPM),
    "inertial_vertical_rate": ("inertial_vertical_rate_mps", MPS_PER_FPM),
    "latitude": ("latitude_deg", 1.0),
    "longitude": ("longitude_deg", 1.0),
    "track": ("track_deg", 1.0),
    "true_track": ("true_track_deg", 1.0),
    "heading": ("heading_deg", 1.0),
    "magnetic_heading": ("magnetic_heading_deg", 1.0),
    "selected_heading": ("selected_heading_deg", 1.0),
    "wind_direction": ("wind_direction_deg", 1.0),
    "roll": ("roll_deg", 1.0),
}
"""pyModeS field -> SI field name and factor; other fields keep their pyModeS name."""

POSITION_BOUND_BY_TYPECODE_M: dict[int, float] = {
    9: 7.5, 10: 25.0, 11: 185.2, 12: 370.4, 13: 926.0, 14: 1852.0, 15: 3704.0,
    16: 18520.0, 17: 37040.0, 20: 7.5, 21: 25.0,
}
"""Horizontal containment radius that an airborne position's typecode announces."""
NAC_P_BOUND_M: dict[int, float] = {
    11: 3.0, 10: 10.0, 9: 30.0, 8: 92.6, 7: 185.2, 6: 555.6, 5: 926.0, 4: 1852.0,
    3: 3704.0, 2: 7408.0, 1: 18520.0,
}
"""95 % horizontal position accuracy bound of each NACp value (operational status)."""


class AdsbError(ValueError):
    """A Mode S frame that cannot be used; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Aircraft:
    """What is known of one ICAO address after a frame.

    ``h_accuracy_m`` is the 95 % horizontal bound the aircraft announces (NACp when an
    operational status message gave it, else its position typecode). ``alt_is_gnss``
    says that ``alt_m`` is a GNSS height rather than a barometric altitude;
    ``geo_minus_baro_m`` is the GNSS height above the barometric altitude that velocity
    messages report. ``unmanned`` is true when the identification announces emitter
    category B6 (unmanned aerial vehicle).
    """

    icao: str
    last_seen: float
    callsign: str | None = None
    lat: float | None = None
    lon: float | None = None
    position_t: float | None = None
    alt_m: float | None = None
    alt_is_gnss: bool = False
    velocity_enu_mps: tuple[float, float, float] | None = None
    velocity_t: float | None = None
    h_accuracy_m: float | None = None
    geo_minus_baro_m: float | None = None
    unmanned: bool = False


@dataclass(frozen=True, slots=True)
class AdsbMessage:
    """One decoded frame: its fields in SI units and, for ADS-B, the aircraft after it.

    ``position_updated`` is true when this frame gave the aircraft a new position;
    ``position_rejected`` says why a position the frame resolved to was refused (beyond
    the receiver's range).
    """

    t: float
    df: int
    icao: str | None
    fields: dict[str, Any]
    aircraft: Aircraft | None = None
    position_updated: bool = False
    position_rejected: str | None = None


@dataclass(slots=True)
class _Cpr:
    t: float
    lat: int
    lon: int


@dataclass(slots=True)
class _State:
    aircraft: Aircraft
    even: _Cpr | None = None
    odd: _Cpr | None = None
    nac_p_bound_m: float | None = None
    typecode_bound_m: float | None = None


def si_fields(decoded: dict[str, Any]) -> dict[str, Any]:
    """pyModeS's decoded fields with units converted to SI (and named with the unit)."""
    out: dict[str, Any] = {}
    for key, value in decoded.items():
        if key in _SI_FIELDS:
            name, factor = _SI_FIELDS[key]
            out[name] = None if value is None else value * factor
        else:
            out[key] = value
    return out


def _distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(slots=True)
class AdsbDecoder:
    """Decodes Mode S frames one at a time, keeping a state per ICAO address.

    ``reference`` is the receiver's ``(lat, lon)``; ``receiver_range_m`` how far it can
    hear. Positions farther than that range from the receiver are rejected; when the
    range is within 180 NM a lone frame is also resolved against the receiver.
    """

    reference: tuple[float, float] | None = None
    receiver_range_m: float | None = None
    expiry_s: float = 60.0
    pair_window_s: float = 10.0
    local_window_s: float = 30.0
    max_speed_mps: float = 350.0
    _states: dict[str, _State] = field(default_factory=dict)
    _next_sweep_t: float = -math.inf

    @property
    def aircraft(self) -> dict[str, Aircraft]:
        """Every aircraft heard within ``expiry_s``, by ICAO address."""
        return {icao: state.aircraft for icao, state in self._states.items()}

    def decode(self, frame: bytes, t: float) -> AdsbMessage:
        """Decode one frame received at ``t``; :class:`AdsbError` when it is unusable."""
        if len(frame) not in (7, 14):
            raise AdsbError(f"a Mode S frame is 7 or 14 bytes, not {len(frame)}")
        try:
            decoded = pms.decode(frame.hex())
        except (pms.DecodeError, ValueError) as error:
            raise AdsbError(f"undecodable: {error}") from None
        if "error" in decoded:
            raise AdsbError(f"undecodable: {decoded['error']}")
        df = int(decoded["df"])
        if decoded.get("crc_valid") is False:
            raise AdsbError(f"DF{df} CRC check failed")
        self._sweep(t)
        icao = decoded.get("icao")
        if df not in (17, 18) or icao is None:
            return AdsbMessage(t, df, icao, si_fields(decoded))
        return self._update(decoded, str(icao), df, t)

    def _sweep(self, t: float) -> None:
        if t < self._next_sweep_t:
            return
        self._next_sweep_t = t + min(1.0, self.expiry_s)
        stale = [k for k, s in self._states.items() if t - s.aircraft.last_seen > self.expiry_s]
        for icao in stale:
            del self._states[icao]

    def _update(self, decoded: dict[str, Any], icao: str, df: int, t: float) -> AdsbMessage:
        state = self._states.get(icao)
        if state is None:
            state = self._states[icao] = _State(Aircraft(icao, t))
        updates: dict[str, Any] = {"last_seen": t}
        typecode = decoded.get("typecode")
        position_updated = False
        position_rejected = None
        if decoded.get("callsign"):
            updates["callsign"] = str(decoded["callsign"]).strip()
            updates["unmanned"] = typecode == 3 and decoded.get("category") == 6
        if decoded.get("nac_p") is not None:
            state.nac_p_bound_m = NAC_P_BOUND_M.get(int(decoded["nac_p"]))
        if typecode is not None and (9 <= typecode <= 18 or 20 <= typecode <= 22):
            if decoded.get("altitude") is not None:
                updates["alt_m"] = decoded["altitude"] * METRES_PER_FOOT
                updates["alt_is_gnss"] = typecode >= 20
            state.typecode_bound_m = POSITION_BOUND_BY_TYPECODE_M.get(typecode)
            position = self._position(state, decoded, t)
            if position is not None:
                position_rejected = self._out_of_range(position)
            if position is not None and position_rejected is None:
                decoded = {**decoded, "latitude": position[0], "longitude": position[1]}
                updates.update(lat=position[0], lon=position[1], position_t=t)
                position_updated = True
        if typecode == 19:
            velocity = _ground_velocity(decoded)
            if velocity is not None:
                updates.update(velocity_enu_mps=velocity, velocity_t=t)
            if decoded.get("geo_minus_baro") is not None:
                updates["geo_minus_baro_m"] = decoded["geo_minus_baro"] * METRES_PER_FOOT
        bound = state.nac_p_bound_m or state.typecode_bound_m
        updates["h_accuracy_m"] = bound
        state.aircraft = replace(state.aircraft, **updates)
        return AdsbMessage(
            t, df, icao, si_fields(decoded), state.aircraft, position_updated, position_rejected
        )

    def _position(
        self, state: _State, decoded: dict[str, Any], t: float
    ) -> tuple[float, float] | None:
        """Where an airborne position frame puts the aircraft: against its own recent
        position, else from an even/odd pair, else against a short-range receiver."""
        odd = int(decoded["cpr_format"]) == 1
        cpr = _Cpr(t, int(decoded["cpr_lat"]), int(decoded["cpr_lon"]))
        if odd:
            state.odd = cpr
        else:
            state.even = cpr
        known = state.aircraft
        if (
            known.lat is not None
            and known.lon is not None
            and known.position_t is not None
            and t - known.position_t <= self.local_window_s
        ):
            local = airborne_position_with_ref(int(odd), cpr.lat, cpr.lon, known.lat, known.lon)
            reach = self.max_speed_mps * abs(t - known.position_t) + 2000.0
            if _distance_m(known.lat, known.lon, *local) <= reach:
                return local
        other = state.even if odd else state.odd
        if other is not None and 0.0 <= t - other.t <= self.pair_window_s:
            even, odd_frame = (other, cpr) if odd else (cpr, other)
            pair = airborne_position_pair(
                even.lat, even.lon, odd_frame.lat, odd_frame.lon, even_is_newer=not odd
            )
            if pair is not None:
                return pair
        if (
            self.reference is not None
            and self.receiver_range_m is not None
            and self.receiver_range_m <= CPR_LOCAL_LIMIT_M
        ):
            return airborne_position_with_ref(int(odd), cpr.lat, cpr.lon, *self.reference)
        return None

    def _out_of_range(self, position: tuple[float, float]) -> str | None:
        """Why a position cannot be true for this receiver (None when it can)."""
        if self.reference is None or self.receiver_range_m is None:
            return None
        distance = _distance_m(*self.reference, *position)
        if distance <= self.receiver_range_m:
            return None
        return (
            f"position {distance / 1000:.0f} km from the receiver, beyond its "
            f"{self.receiver_range_m / 1000:.0f} km range"
        )


def _ground_velocity(decoded: dict[str, Any]) -> tuple[float, float, float] | None:
    """East, north, up in m/s from a ground-speed velocity message (None otherwise)."""
    speed, track = decoded.get("groundspeed"), decoded.get("track")
    if speed is None or track is None:
        return None
    rate = decoded.get("vertical_rate")
    ground = speed * MPS_PER_KNOT
    heading = math.radians(track)
    return (
        ground * math.sin(heading),
        ground * math.cos(heading),
        0.0 if rate is None else rate * MPS_PER_FPM,
    )
