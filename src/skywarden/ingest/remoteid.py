"""ASTM F3411 (broadcast Remote ID) messages: typed values, encoder and strict decoder.

Every Remote ID broadcast is made of 25-byte messages. The first byte holds the message
type (high nibble) and the protocol version (low nibble: 0 for F3411-19, 1 for
F3411-20, 2 for F3411-22a); the 24 bytes after it are laid out per type. Several
messages travel together in a message pack (type 0xF).

The dataclasses below hold one message each, in SI units: metres, metres per second,
degrees and seconds. A value the sender declares unknown or invalid is ``None``;
enumerated codes that the standard reserves also decode to ``None``. Accuracy codes
are given as the bound of their category (``horizontal_accuracy_m=10.0`` means "better
than 10 m", at 95 %); the encoder picks the tightest category that still holds a bound.

:func:`decode` rejects anything that is not a well-formed message with
:class:`RemoteIdError`, which carries the reason; it never raises anything else for
any input bytes. Observed transmitters that announce protocol version 0 fill the
fields that F3411-19 left reserved (System classification, operator altitude and
timestamp) with the F3411-20 layout, so every version is read with that layout.
"""

from __future__ import annotations

import re
import struct
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeAlias, TypeVar

MESSAGE_SIZE = 25
"""Bytes in one F3411 message."""
PACK_HEADER_SIZE = 3
"""Bytes before the first message of a message pack (header, size, count)."""
PACK_MAX_MESSAGES = 9
"""Most messages a pack may carry."""
PROTOCOL_VERSION = 2
"""F3411-22a, written by default."""
SUPPORTED_VERSIONS = frozenset({0, 1, 2})
AUTH_MAX_PAGE_INDEX = 15
"""Authentication pages are numbered 0 to 15."""
AUTH_PAGE0_DATA = 17
AUTH_PAGE_DATA = 23
EPOCH_2019 = 1_546_300_800
"""Unix time of 2019-01-01T00:00:00Z, the epoch of F3411 32-bit timestamps."""

_LAT_LON_UNITS = 1e7
"""Latitude and longitude travel in units of 1e-7 degree (divided by 1e7, not multiplied
by 1e-7, so that 60.17 decodes back to 60.17)."""
_ALT_OFFSET_M = 1000.0
_ALT_STEP_M = 0.5
_SPEED_STEP_LOW = 0.25
_SPEED_STEP_HIGH = 0.75
_SPEED_HIGH_BASE = 255 * _SPEED_STEP_LOW  # 63.75 m/s, where the coarse scale starts
_SPEED_MAX = 254.25
_SPEED_UNKNOWN_RAW = 255
_VSPEED_STEP = 0.5
_VSPEED_MAX = 62.0
_VSPEED_UNKNOWN = 63.0
_DIRECTION_UNKNOWN = 361
_TIMESTAMP_UNKNOWN = 0xFFFF
_TIMESTAMP_MAX = 36000  # tenths of a second in an hour
_AREA_RADIUS_STEP_M = 10.0


class RemoteIdError(ValueError):
    """A frame that is not a well-formed F3411 message; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class MessageType(IntEnum):
    """The message type, the high nibble of a message's first byte."""

    BASIC_ID = 0x0
    LOCATION = 0x1
    AUTHENTICATION = 0x2
    SELF_ID = 0x3
    SYSTEM = 0x4
    OPERATOR_ID = 0x5
    MESSAGE_PACK = 0xF


class IdType(IntEnum):
    """What kind of identifier a Basic ID message carries (0, "none", decodes to None)."""

    SERIAL_NUMBER = 1
    CAA_REGISTRATION_ID = 2
    UTM_ASSIGNED_UUID = 3
    SPECIFIC_SESSION_ID = 4


class UaType(IntEnum):
    """The kind of unmanned aircraft (0, "none / not declared", decodes to None)."""

    AEROPLANE = 1
    HELICOPTER_OR_MULTIROTOR = 2
    GYROPLANE = 3
    HYBRID_LIFT = 4
    ORNITHOPTER = 5
    GLIDER = 6
    KITE = 7
    FREE_BALLOON = 8
    CAPTIVE_BALLOON = 9
    AIRSHIP = 10
    FREE_FALL_PARACHUTE = 11
    ROCKET = 12
    TETHERED_POWERED_AIRCRAFT = 13
    GROUND_OBSTACLE = 14
    OTHER = 15


class OperationalStatus(IntEnum):
    """Operational status of a Location message (0, "undeclared", decodes to None)."""

    GROUND = 1
    AIRBORNE = 2
    EMERGENCY = 3
    REMOTE_ID_SYSTEM_FAILURE = 4


class HeightType(IntEnum):
    """What the Location message's height is measured from."""

    ABOVE_TAKEOFF = 0
    ABOVE_GROUND_LEVEL = 1


class AuthType(IntEnum):
    """Authentication type; 0xA to 0xF are private use and decode as plain ints."""

    UAS_ID_SIGNATURE = 1
    OPERATOR_ID_SIGNATURE = 2
    MESSAGE_SET_SIGNATURE = 3
    NETWORK_REMOTE_ID = 4
    SPECIFIC_AUTHENTICATION = 5


class DescriptionType(IntEnum):
    """Self-ID description type; 201 to 255 are private use and decode as plain ints."""

    TEXT = 0
    EMERGENCY = 1
    EXTENDED_STATUS = 2


class OperatorLocationType(IntEnum):
    """Where the System message's operator position comes from."""

    TAKEOFF = 0
    LIVE_GNSS = 1
    FIXED = 2


class ClassificationType(IntEnum):
    """Which classification scheme the System message uses (0 undeclared -> None)."""

    EUROPEAN_UNION = 1


class UaCategory(IntEnum):
    """EU UA category (0, undefined, decodes to None)."""

    OPEN = 1
    SPECIFIC = 2
    CERTIFIED = 3


class UaClass(IntEnum):
    """EU UA class C0 to C6 (code 0, undefined, decodes to None)."""

    CLASS_0 = 1
    CLASS_1 = 2
    CLASS_2 = 3
    CLASS_3 = 4
    CLASS_4 = 5
    CLASS_5 = 6
    CLASS_6 = 7


class OperatorIdType(IntEnum):
    """Operator ID type; 201 to 255 are private use and decode as plain ints."""

    OPERATOR_ID = 0


HORIZONTAL_ACCURACY_M: dict[int, float] = {
    1: 18520.0, 2: 7408.0, 3: 3704.0, 4: 1852.0, 5: 926.0, 6: 555.6, 7: 185.2,
    8: 92.6, 9: 30.0, 10: 10.0, 11: 3.0, 12: 1.0,
}
"""Horizontal accuracy code -> 95 % bound in metres (0 is unknown, 13-15 reserved)."""
VERTICAL_ACCURACY_M: dict[int, float] = {1: 150.0, 2: 45.0, 3: 25.0, 4: 10.0, 5: 3.0, 6: 1.0}
"""Vertical (and barometric altitude) accuracy code -> 95 % bound in metres."""
SPEED_ACCURACY_MPS: dict[int, float] = {1: 10.0, 2: 3.0, 3: 1.0, 4: 0.3}
"""Speed accuracy code -> 95 % bound in metres per second."""
_TIMESTAMP_ACCURACY_STEP_S = 0.1


@dataclass(frozen=True, slots=True)
class BasicId:
    """Who the aircraft is: its identifier and kind."""

    id_type: IdType | None
    ua_type: UaType | None
    uas_id: str
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class Location:
    """Where the aircraft is and how it moves.

    ``direction_deg`` is the track over ground clockwise from true north;
    ``timestamp_s`` the seconds after the full hour (UTC) the position was valid.
    """

    status: OperationalStatus | None = None
    direction_deg: float | None = None
    speed_mps: float | None = None
    vertical_speed_mps: float | None = None
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    pressure_altitude_m: float | None = None
    geodetic_altitude_m: float | None = None
    height_type: HeightType = HeightType.ABOVE_TAKEOFF
    height_m: float | None = None
    horizontal_accuracy_m: float | None = None
    vertical_accuracy_m: float | None = None
    baro_altitude_accuracy_m: float | None = None
    speed_accuracy_mps: float | None = None
    timestamp_s: float | None = None
    timestamp_accuracy_s: float | None = None
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class Authentication:
    """One page of an authentication record.

    Page 0 also carries the last page index, the total data length in bytes and the
    Unix time of the signature; later pages carry data only (those fields are None).
    """

    auth_type: int | None
    page_number: int
    auth_data: bytes
    last_page_index: int | None = None
    length: int | None = None
    timestamp_s: float | None = None
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class SelfId:
    """A free-text declaration of the flight's purpose (or an emergency)."""

    description_type: int
    description: str
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class System:
    """The operator's position, the operating area and the aircraft's classification.

    ``timestamp_s`` is Unix time (UTC seconds); altitudes are geodetic (WGS84).
    """

    operator_location_type: OperatorLocationType | None = OperatorLocationType.TAKEOFF
    classification_type: ClassificationType | None = None
    operator_latitude_deg: float | None = None
    operator_longitude_deg: float | None = None
    area_count: int = 1
    area_radius_m: float = 0.0
    area_ceiling_m: float | None = None
    area_floor_m: float | None = None
    ua_category: UaCategory | None = None
    ua_class: UaClass | None = None
    operator_altitude_m: float | None = None
    timestamp_s: float | None = None
    protocol_version: int = PROTOCOL_VERSION


@dataclass(frozen=True, slots=True)
class OperatorId:
    """The operator's registration identifier."""

    operator_id_type: int
    operator_id: str
    protocol_version: int = PROTOCOL_VERSION


Message: TypeAlias = BasicId | Location | Authentication | SelfId | System | OperatorId
"""Any single F3411 message."""


@dataclass(frozen=True, slots=True)
class MessagePack:
    """Several messages sent together in one frame."""

    messages: tuple[Message, ...]
    protocol_version: int = PROTOCOL_VERSION


_BASIC_ID = struct.Struct("<BB20s3x")
_LOCATION = struct.Struct("<BBBBbiiHHHBBHBx")
_AUTH_PAGE0 = struct.Struct("<BBBBI17s")
_AUTH_PAGE = struct.Struct("<BB23s")
_SELF_ID = struct.Struct("<BB23s")
_SYSTEM = struct.Struct("<BBiiHBHHBHIx")
_OPERATOR_ID = struct.Struct("<BB20s3x")

_MESSAGE_TYPES: dict[type, MessageType] = {
    BasicId: MessageType.BASIC_ID,
    Location: MessageType.LOCATION,
    Authentication: MessageType.AUTHENTICATION,
    SelfId: MessageType.SELF_ID,
    System: MessageType.SYSTEM,
    OperatorId: MessageType.OPERATOR_ID,
}


# --------------------------------------------------------------------------- encoding


def _header(message_type: MessageType, version: int) -> int:
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"protocol version {version} is not 0, 1 or 2")
    return (int(message_type) << 4) | version


def _text_field(text: str, size: int, name: str) -> bytes:
    if not text.isascii() or not _printable(raw := text.encode("ascii")):
        raise ValueError(f"{name} {text!r} is not printable ASCII")
    if len(raw) > size:
        raise ValueError(f"{name} {text!r} is longer than {size} characters")
    return raw.ljust(size, b"\0")


def _uas_id_field(id_type: IdType | None, uas_id: str) -> bytes:
    if id_type is IdType.UTM_ASSIGNED_UUID:
        return uuid.UUID(uas_id).bytes.ljust(20, b"\0")
    if id_type is IdType.SPECIFIC_SESSION_ID:
        raw = bytes.fromhex(uas_id)
        if len(raw) > 20:
            raise ValueError(f"session ID {uas_id!r} is longer than 20 bytes")
        return raw.ljust(20, b"\0")
    return _text_field(uas_id, 20, "uas_id")


def _encode_lat_lon(value: float | None, limit: float, name: str) -> int:
    if value is None:
        return 0
    if not -limit <= value <= limit:
        raise ValueError(f"{name} {value} outside ±{limit}")
    return round(value * _LAT_LON_UNITS)


def _encode_altitude(value: float | None, name: str) -> int:
    if value is None:
        return 0
    raw = round((value + _ALT_OFFSET_M) / _ALT_STEP_M)
    if not 1 <= raw <= 0xFFFF:
        raise ValueError(f"{name} {value} m outside -999.5 .. 31767.5 m")
    return raw


def _encode_speed(speed: float | None) -> tuple[int, int]:
    """The speed byte and the multiplier flag."""
    if speed is None:
        return _SPEED_UNKNOWN_RAW, 1
    if speed < 0:
        raise ValueError(f"speed {speed} m/s is negative")
    if speed <= _SPEED_HIGH_BASE:
        return round(speed / _SPEED_STEP_LOW), 0
    if speed < _SPEED_MAX:
        return round((speed - _SPEED_HIGH_BASE) / _SPEED_STEP_HIGH), 1
    return 254, 1


def _encode_direction(direction: float | None) -> tuple[int, int]:
    """The direction byte and the east/west segment flag."""
    degrees = _DIRECTION_UNKNOWN if direction is None else round(direction) % 360
    return (degrees - 180, 1) if degrees >= 180 else (degrees, 0)


def _encode_vertical_speed(value: float | None) -> int:
    if value is None:
        return round(_VSPEED_UNKNOWN / _VSPEED_STEP)
    clamped = max(-_VSPEED_MAX, min(_VSPEED_MAX, value))
    return round(clamped / _VSPEED_STEP)


def _accuracy_code(value: float | None, table: dict[int, float]) -> int:
    """The code of the tightest category whose bound still holds ``value`` (0: unknown)."""
    if value is None:
        return 0
    holding = [(bound, code) for code, bound in table.items() if value <= bound + 1e-9]
    return min(holding)[1] if holding else 0


def _encode_timestamp_accuracy(value: float | None) -> int:
    if value is None:
        return 0
    code = max(1, round(value / _TIMESTAMP_ACCURACY_STEP_S + 0.4999))
    return code if code <= 15 else 0


def _encode_hour_timestamp(value: float | None) -> int:
    if value is None:
        return _TIMESTAMP_UNKNOWN
    raw = round(value * 10)
    if not 0 <= raw <= _TIMESTAMP_MAX:
        raise ValueError(f"timestamp {value} s is not within the hour (0 .. 3600 s)")
    return raw


def _encode_epoch_timestamp(value: float | None) -> int:
    if value is None:
        return 0
    raw = round(value) - EPOCH_2019
    if not 0 < raw <= 0xFFFFFFFF:
        raise ValueError(f"timestamp {value} is before 2019 or too late for 32 bits")
    return raw


def _optional_code(value: int | None) -> int:
    return 0 if value is None else int(value)


def _encode_basic_id(m: BasicId) -> bytes:
    return _BASIC_ID.pack(
        _header(MessageType.BASIC_ID, m.protocol_version),
        (_optional_code(m.id_type) << 4) | _optional_code(m.ua_type),
        _uas_id_field(m.id_type, m.uas_id),
    )


def _encode_location(m: Location) -> bytes:
    direction, east_west = _encode_direction(m.direction_deg)
    speed, multiplier = _encode_speed(m.speed_mps)
    flags = (
        (_optional_code(m.status) << 4)
        | (int(m.height_type) << 2)
        | (east_west << 1)
        | multiplier
    )
    accuracy_vh = (_accuracy_code(m.vertical_accuracy_m, VERTICAL_ACCURACY_M) << 4) | (
        _accuracy_code(m.horizontal_accuracy_m, HORIZONTAL_ACCURACY_M)
    )
    accuracy_bs = (_accuracy_code(m.baro_altitude_accuracy_m, VERTICAL_ACCURACY_M) << 4) | (
        _accuracy_code(m.speed_accuracy_mps, SPEED_ACCURACY_MPS)
    )
    return _LOCATION.pack(
        _header(MessageType.LOCATION, m.protocol_version),
        flags,
        direction,
        speed,
        _encode_vertical_speed(m.vertical_speed_mps),
        _encode_lat_lon(m.latitude_deg, 90.0, "latitude"),
        _encode_lat_lon(m.longitude_deg, 180.0, "longitude"),
        _encode_altitude(m.pressure_altitude_m, "pressure altitude"),
        _encode_altitude(m.geodetic_altitude_m, "geodetic altitude"),
        _encode_altitude(m.height_m, "height"),
        accuracy_vh,
        accuracy_bs,
        _encode_hour_timestamp(m.timestamp_s),
        _encode_timestamp_accuracy(m.timestamp_accuracy_s),
    )


def _encode_authentication(m: Authentication) -> bytes:
    if not 0 <= m.page_number <= AUTH_MAX_PAGE_INDEX:
        raise ValueError(f"authentication page {m.page_number} outside 0 .. 15")
    header = _header(MessageType.AUTHENTICATION, m.protocol_version)
    type_page = (_optional_code(m.auth_type) << 4) | m.page_number
    if m.page_number == 0:
        if len(m.auth_data) > AUTH_PAGE0_DATA:
            raise ValueError(f"page 0 holds at most {AUTH_PAGE0_DATA} bytes of data")
        return _AUTH_PAGE0.pack(
            header,
            type_page,
            m.last_page_index or 0,
            len(m.auth_data) if m.length is None else m.length,
            _encode_epoch_timestamp(m.timestamp_s),
            m.auth_data,
        )
    if len(m.auth_data) > AUTH_PAGE_DATA:
        raise ValueError(f"page {m.page_number} holds at most {AUTH_PAGE_DATA} bytes of data")
    return _AUTH_PAGE.pack(header, type_page, m.auth_data)


def _encode_self_id(m: SelfId) -> bytes:
    return _SELF_ID.pack(
        _header(MessageType.SELF_ID, m.protocol_version),
        m.description_type,
        _text_field(m.description, 23, "description"),
    )


def _encode_system(m: System) -> bytes:
    flags = (_optional_code(m.classification_type) << 2) | _optional_code(
        m.operator_location_type
    )
    radius = round(m.area_radius_m / _AREA_RADIUS_STEP_M)
    if not 0 <= radius <= 255:
        raise ValueError(f"area radius {m.area_radius_m} m outside 0 .. 2550 m")
    if not 0 <= m.area_count <= 0xFFFF:
        raise ValueError(f"area count {m.area_count} outside 0 .. 65535")
    return _SYSTEM.pack(
        _header(MessageType.SYSTEM, m.protocol_version),
        flags,
        _encode_lat_lon(m.operator_latitude_deg, 90.0, "operator latitude"),
        _encode_lat_lon(m.operator_longitude_deg, 180.0, "operator longitude"),
        m.area_count,
        radius,
        _encode_altitude(m.area_ceiling_m, "area ceiling"),
        _encode_altitude(m.area_floor_m, "area floor"),
        (_optional_code(m.ua_category) << 4) | _optional_code(m.ua_class),
        _encode_altitude(m.operator_altitude_m, "operator altitude"),
        _encode_epoch_timestamp(m.timestamp_s),
    )


def _encode_operator_id(m: OperatorId) -> bytes:
    return _OPERATOR_ID.pack(
        _header(MessageType.OPERATOR_ID, m.protocol_version),
        m.operator_id_type,
        _text_field(m.operator_id, 20, "operator_id"),
    )


def encode(message: Message | MessagePack) -> bytes:
    """The bytes of one message (25) or of a message pack (3 + 25 per message).

    Raises ``ValueError`` for a value the format cannot carry (a latitude beyond 90°,
    an identifier longer than its field, ...). Values beyond a field's range that the
    standard clamps (speed, vertical speed) are clamped.
    """
    if isinstance(message, MessagePack):
        return encode_pack(message.messages, message.protocol_version)
    if isinstance(message, BasicId):
        return _encode_basic_id(message)
    if isinstance(message, Location):
        return _encode_location(message)
    if isinstance(message, Authentication):
        return _encode_authentication(message)
    if isinstance(message, SelfId):
        return _encode_self_id(message)
    if isinstance(message, System):
        return _encode_system(message)
    return _encode_operator_id(message)


def encode_pack(
    messages: tuple[Message, ...] | list[Message], version: int = PROTOCOL_VERSION
) -> bytes:
    """A message pack holding ``messages`` (1 to 9 single messages)."""
    if not 1 <= len(messages) <= PACK_MAX_MESSAGES:
        raise ValueError(f"a message pack holds 1 to {PACK_MAX_MESSAGES} messages")
    header = bytes((_header(MessageType.MESSAGE_PACK, version), MESSAGE_SIZE, len(messages)))
    return header + b"".join(encode(m) for m in messages)


# --------------------------------------------------------------------------- decoding


_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e]")


def _printable(raw: bytes) -> bool:
    return _NOT_PRINTABLE.search(raw) is None


def _decode_text(raw: bytes, name: str) -> str:
    """ASCII text up to the first NUL; a non-printable character means a corrupt frame."""
    text = raw.split(b"\0", 1)[0]
    if not _printable(text):
        raise RemoteIdError(f"{name} holds non-printable bytes {text.hex()}")
    return text.decode("ascii")


def _decode_uas_id(id_type: IdType | None, raw: bytes) -> str:
    if id_type is IdType.UTM_ASSIGNED_UUID:
        return str(uuid.UUID(bytes=raw[:16]))
    if id_type is IdType.SPECIFIC_SESSION_ID:
        return raw.rstrip(b"\0").hex()
    return _decode_text(raw, "uas_id")


_MEMBERS: dict[type[IntEnum], dict[int, Any]] = {}
_HEIGHT_TYPES = (HeightType.ABOVE_TAKEOFF, HeightType.ABOVE_GROUND_LEVEL)
_Code = TypeVar("_Code", bound=IntEnum)


def _enum_or_none(enum: type[_Code], code: int) -> _Code | None:
    """The member of ``enum`` with value ``code``; None for a value it does not define."""
    members = _MEMBERS.get(enum)
    if members is None:
        members = _MEMBERS[enum] = {int(m): m for m in enum}
    member: _Code | None = members.get(code)
    return member


def _decode_lat_lon(raw: int, limit: float, name: str) -> float | None:
    value = raw / _LAT_LON_UNITS
    if abs(value) > limit:
        raise RemoteIdError(f"{name} {value:.7f} outside ±{limit:g}")
    return value


def _decode_position(raw_lat: int, raw_lon: int, name: str) -> tuple[float | None, float | None]:
    """Latitude and longitude; both zero is the standard's "no position"."""
    lat = _decode_lat_lon(raw_lat, 90.0, f"{name}latitude")
    lon = _decode_lat_lon(raw_lon, 180.0, f"{name}longitude")
    if raw_lat == 0 and raw_lon == 0:
        return None, None
    return lat, lon


def _decode_altitude(raw: int) -> float | None:
    return None if raw == 0 else raw * _ALT_STEP_M - _ALT_OFFSET_M


def _decode_epoch_timestamp(raw: int) -> float | None:
    return None if raw == 0 else float(EPOCH_2019 + raw)


def _check_header(data: bytes, expected: MessageType) -> int:
    version = data[0] & 0x0F
    if version not in SUPPORTED_VERSIONS:
        raise RemoteIdError(f"unsupported protocol version {version}")
    if data[0] >> 4 != expected:
        raise RemoteIdError(f"message type {data[0] >> 4} is not {expected.name}")
    return version


def _decode_basic_id(data: bytes, version: int) -> BasicId:
    _, types, raw_id = _BASIC_ID.unpack(data)
    id_type = _enum_or_none(IdType, types >> 4)
    ua_type = _enum_or_none(UaType, types & 0x0F)
    return BasicId(id_type, ua_type, _decode_uas_id(id_type, raw_id), version)


def _decode_location(data: bytes, version: int) -> Location:
    (_, flags, raw_direction, raw_speed, raw_vspeed, raw_lat, raw_lon, raw_pressure,
     raw_geodetic, raw_height, accuracy_vh, accuracy_bs, raw_timestamp,
     raw_ts_accuracy) = _LOCATION.unpack(data)

    east_west = bool(flags & 0x02)
    if raw_direction > 179 and not (east_west and raw_direction == 181):
        raise RemoteIdError(f"direction byte {raw_direction} exceeds 179")
    direction_code = raw_direction + (180 if east_west else 0)
    direction = None if direction_code == _DIRECTION_UNKNOWN else float(direction_code)

    if flags & 0x01:
        speed = None if raw_speed == _SPEED_UNKNOWN_RAW else (
            raw_speed * _SPEED_STEP_HIGH + _SPEED_HIGH_BASE
        )
    else:
        speed = raw_speed * _SPEED_STEP_LOW

    vertical_speed = raw_vspeed * _VSPEED_STEP
    if vertical_speed == _VSPEED_UNKNOWN:
        vertical_speed_or_none: float | None = None
    elif abs(vertical_speed) > _VSPEED_MAX:
        raise RemoteIdError(f"vertical speed {vertical_speed} m/s outside ±62")
    else:
        vertical_speed_or_none = vertical_speed

    if raw_timestamp == _TIMESTAMP_UNKNOWN:
        timestamp = None
    elif raw_timestamp > _TIMESTAMP_MAX:
        raise RemoteIdError(f"timestamp {raw_timestamp / 10} s after the hour exceeds 3600")
    else:
        timestamp = raw_timestamp / 10

    latitude, longitude = _decode_position(raw_lat, raw_lon, "")
    status = _enum_or_none(OperationalStatus, flags >> 4)
    ts_accuracy_code = raw_ts_accuracy & 0x0F
    return Location(
        status=status,
        direction_deg=direction,
        speed_mps=speed,
        vertical_speed_mps=vertical_speed_or_none,
        latitude_deg=latitude,
        longitude_deg=longitude,
        pressure_altitude_m=_decode_altitude(raw_pressure),
        geodetic_altitude_m=_decode_altitude(raw_geodetic),
        height_type=_HEIGHT_TYPES[(flags >> 2) & 0x01],
        height_m=_decode_altitude(raw_height),
        horizontal_accuracy_m=HORIZONTAL_ACCURACY_M.get(accuracy_vh & 0x0F),
        vertical_accuracy_m=VERTICAL_ACCURACY_M.get(accuracy_vh >> 4),
        baro_altitude_accuracy_m=VERTICAL_ACCURACY_M.get(accuracy_bs >> 4),
        speed_accuracy_mps=SPEED_ACCURACY_MPS.get(accuracy_bs & 0x0F),
        timestamp_s=timestamp,
        timestamp_accuracy_s=(
            round(ts_accuracy_code * _TIMESTAMP_ACCURACY_STEP_S, 1) if ts_accuracy_code else None
        ),
        protocol_version=version,
    )


def _decode_private_or_enum(enum: type[IntEnum], code: int, private_from: int) -> int | None:
    """A known code as its enum member, a private-use code as itself, reserved as None."""
    known = _enum_or_none(enum, code)
    if known is not None:
        return known
    return code if code >= private_from else None


def _decode_authentication(data: bytes, version: int) -> Authentication:
    auth_type = _decode_private_or_enum(AuthType, data[1] >> 4, 0xA)
    page = data[1] & 0x0F
    if page != 0:
        _, _, auth_data = _AUTH_PAGE.unpack(data)
        return Authentication(auth_type, page, auth_data, protocol_version=version)
    _, _, last_page, length, raw_timestamp, auth_data = _AUTH_PAGE0.unpack(data)
    if last_page > AUTH_MAX_PAGE_INDEX:
        raise RemoteIdError(f"authentication last page index {last_page} exceeds 15")
    capacity = AUTH_PAGE0_DATA + AUTH_PAGE_DATA * last_page
    if length > capacity:
        raise RemoteIdError(
            f"authentication length {length} exceeds the {capacity} bytes of "
            f"{last_page + 1} pages"
        )
    return Authentication(
        auth_type, 0, auth_data, last_page, length, _decode_epoch_timestamp(raw_timestamp),
        version,
    )


def _decode_self_id(data: bytes, version: int) -> SelfId:
    _, description_type, raw = _SELF_ID.unpack(data)
    kind = _decode_private_or_enum(DescriptionType, description_type, 201)
    if kind is None:
        raise RemoteIdError(f"self-ID description type {description_type} is reserved")
    return SelfId(kind, _decode_text(raw, "description"), version)


def _decode_system(data: bytes, version: int) -> System:
    (_, flags, raw_lat, raw_lon, area_count, raw_radius, raw_ceiling, raw_floor,
     classification, raw_altitude, raw_timestamp) = _SYSTEM.unpack(data)
    latitude, longitude = _decode_position(raw_lat, raw_lon, "operator ")
    location_type = _enum_or_none(OperatorLocationType, flags & 0x03)
    classification_type = _enum_or_none(ClassificationType, (flags >> 2) & 0x07)
    category = _enum_or_none(UaCategory, classification >> 4)
    ua_class = _enum_or_none(UaClass, classification & 0x0F)
    return System(
        operator_location_type=location_type,
        classification_type=classification_type,
        operator_latitude_deg=latitude,
        operator_longitude_deg=longitude,
        area_count=area_count,
        area_radius_m=raw_radius * _AREA_RADIUS_STEP_M,
        area_ceiling_m=_decode_altitude(raw_ceiling),
        area_floor_m=_decode_altitude(raw_floor),
        ua_category=category,
        ua_class=ua_class,
        operator_altitude_m=_decode_altitude(raw_altitude),
        timestamp_s=_decode_epoch_timestamp(raw_timestamp),
        protocol_version=version,
    )


def _decode_operator_id(data: bytes, version: int) -> OperatorId:
    _, id_type, raw = _OPERATOR_ID.unpack(data)
    kind = _decode_private_or_enum(OperatorIdType, id_type, 201)
    if kind is None:
        raise RemoteIdError(f"operator ID type {id_type} is reserved")
    return OperatorId(kind, _decode_text(raw, "operator_id"), version)


_DECODERS: dict[int, Callable[[bytes, int], Message]] = {
    MessageType.BASIC_ID: _decode_basic_id,
    MessageType.LOCATION: _decode_location,
    MessageType.AUTHENTICATION: _decode_authentication,
    MessageType.SELF_ID: _decode_self_id,
    MessageType.SYSTEM: _decode_system,
    MessageType.OPERATOR_ID: _decode_operator_id,
}


def decode_message(data: bytes) -> Message:
    """One single 25-byte message; :class:`RemoteIdError` for anything else."""
    if len(data) != MESSAGE_SIZE:
        raise RemoteIdError(f"a message is {MESSAGE_SIZE} bytes, not {len(data)}")
    version = data[0] & 0x0F
    if version not in SUPPORTED_VERSIONS:
        raise RemoteIdError(f"unsupported protocol version {version}")
    code = data[0] >> 4
    decoder = _DECODERS.get(code)
    if decoder is None:
        if code == MessageType.MESSAGE_PACK:
            raise RemoteIdError("a message pack cannot be nested in a message pack")
        raise RemoteIdError(f"unknown message type {code:#x}")
    return decoder(bytes(data), version)


def _pack_slices(data: bytes) -> tuple[int, list[bytes]]:
    """The version and the message slices of a pack, after checking its framing."""
    if len(data) < PACK_HEADER_SIZE:
        raise RemoteIdError(f"message pack of {len(data)} bytes has no header")
    version = _check_header(data, MessageType.MESSAGE_PACK)
    size, count = data[1], data[2]
    if size != MESSAGE_SIZE:
        raise RemoteIdError(f"message pack declares {size}-byte messages, not {MESSAGE_SIZE}")
    if count > PACK_MAX_MESSAGES:
        raise RemoteIdError(f"message pack declares {count} messages, at most 9")
    needed = PACK_HEADER_SIZE + count * MESSAGE_SIZE
    if len(data) < needed:
        raise RemoteIdError(f"message pack of {count} messages truncated at {len(data)} bytes")
    return version, [
        bytes(data[i : i + MESSAGE_SIZE]) for i in range(PACK_HEADER_SIZE, needed, MESSAGE_SIZE)
    ]


def decode(data: bytes) -> Message | MessagePack:
    """A single message or a whole message pack.

    A pack is rejected whole when any of its messages is malformed; use
    :func:`decode_each` to keep the good messages of a damaged pack. Bytes after the
    declared messages of a pack (transport padding) are ignored.
    """
    if not data:
        raise RemoteIdError("empty frame")
    if data[0] >> 4 != MessageType.MESSAGE_PACK:
        return decode_message(data)
    version, slices = _pack_slices(data)
    messages = []
    for index, chunk in enumerate(slices):
        try:
            messages.append(decode_message(chunk))
        except RemoteIdError as error:
            raise RemoteIdError(
                f"message {index + 1} of {len(slices)} in pack: {error.reason}"
            ) from None
    return MessagePack(tuple(messages), version)


def decode_each(data: bytes) -> list[Message | RemoteIdError]:
    """Every message of a frame decoded on its own, each either a message or its error.

    A single message gives one entry; a pack one entry per declared message, so that
    a bit error in one message of a pack loses only that message. A pack whose
    framing is broken gives one error.
    """
    try:
        if not data:
            raise RemoteIdError("empty frame")
        if data[0] >> 4 != MessageType.MESSAGE_PACK:
            return [decode_message(data)]
        _, slices = _pack_slices(data)
    except RemoteIdError as error:
        return [error]
    results: list[Message | RemoteIdError] = []
    for index, chunk in enumerate(slices):
        try:
            results.append(decode_message(chunk))
        except RemoteIdError as error:
            results.append(
                RemoteIdError(f"message {index + 1} of {len(slices)} in pack: {error.reason}")
            )
    return results


def message_type(message: Message | MessagePack) -> MessageType:
    """The F3411 message type of a decoded message."""
    if isinstance(message, MessagePack):
        return MessageType.MESSAGE_PACK
    return _MESSAGE_TYPES[type(message)]


def seconds_after_hour(unix_t: float) -> float:
    """The Location timestamp for a Unix time: seconds after its full UTC hour."""
    return unix_t % 3600.0
