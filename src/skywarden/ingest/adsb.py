"""ADS-B (Mode S DF17 extended squitter) frames: encoders for simulation.

The encoders build 14-byte DF17 frames with a valid CRC (the Mode S parity computed
by pyModeS) for airborne position (CPR-encoded latitude and longitude, barometric
altitude in 25-ft steps), airborne velocity (ground speed, subsonic) and aircraft
identification. pyModeS decodes them like any received frame.
"""

from __future__ import annotations

import math

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


def encode_identification(icao: str, callsign: str, category: int = 0) -> bytes:
    """A DF17 identification frame (typecode 4) carrying up to 8 callsign characters."""
    text = callsign.upper().ljust(8)
    if len(text) > 8:
        raise ValueError(f"callsign {callsign!r} is longer than 8 characters")
    if not 0 <= category <= 7:
        raise ValueError(f"emitter category {category} outside 0 .. 7")
    chars = 0
    for char in text:
        code = _CALLSIGN_CHARS.find(char)
        if char == "#" or code < 0:
            raise ValueError(f"callsign {callsign!r}: {char!r} is not A-Z, 0-9 or space")
        chars = (chars << 6) | code
    me = (4 << 51) | (category << 48) | chars
    return _frame(icao, me)
