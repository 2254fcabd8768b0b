"""SBS (Kinetic BaseStation) CSV lines, as dump1090 and readsb serve on TCP port 30003.

Each line has 22 comma-separated fields: message type (``MSG``, ``SEL``, ``ID``,
``AIR``, ``STA``, ``CLK``), transmission type (1-8 for ``MSG``), session, aircraft and
flight ids, the ICAO address, the dates and times the message was generated and
logged, then callsign, altitude (ft), ground speed (kt), track (°), latitude, longitude,
vertical rate (ft/min), squawk and the alert, emergency, SPI and on-ground flags.
Empty fields are absent values. Receivers write the times in their local clock; the
parser reads them as UTC unless told the receiver's offset.

:func:`parse_sbs` converts one line to an :class:`SbsMessage` in SI units or raises
:class:`SbsError` with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from skywarden.ingest.adsb import METRES_PER_FOOT, MPS_PER_FPM, MPS_PER_KNOT

FIELD_COUNT = 22
MESSAGE_TYPES = frozenset({"MSG", "SEL", "ID", "AIR", "STA", "CLK"})


class SbsError(ValueError):
    """A line that is not a valid SBS message; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class SbsMessage:
    """One SBS line. ``t`` is the Unix time the message was generated (None if absent)."""

    message_type: str
    transmission_type: int | None
    icao: str
    t: float | None
    callsign: str | None = None
    altitude_m: float | None = None
    groundspeed_mps: float | None = None
    track_deg: float | None = None
    latitude_deg: float | None = None
    longitude_deg: float | None = None
    vertical_rate_mps: float | None = None
    squawk: str | None = None
    alert: bool | None = None
    emergency: bool | None = None
    spi: bool | None = None
    on_ground: bool | None = None


def _number(text: str, name: str, low: float = -math.inf, high: float = math.inf) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise SbsError(f"{name} {text!r} is not a number") from None
    if not (math.isfinite(value) and low <= value <= high):
        raise SbsError(f"{name} {text!r} outside {low:g} .. {high:g}")
    return value


def _scaled(text: str, name: str, factor: float) -> float | None:
    value = _number(text, name)
    return None if value is None else value * factor


def _flag(text: str, name: str) -> bool | None:
    if not text:
        return None
    if text in ("-1", "1"):
        return True
    if text == "0":
        return False
    raise SbsError(f"{name} flag {text!r} is not 0 or -1")


def _time(date_text: str, time_text: str, utc_offset: timedelta) -> float | None:
    if not date_text or not time_text:
        return None
    try:
        moment = datetime.strptime(f"{date_text} {time_text}", "%Y/%m/%d %H:%M:%S.%f")
    except ValueError:
        raise SbsError(f"date and time {date_text} {time_text!r} unreadable") from None
    return (moment.replace(tzinfo=UTC) - utc_offset).timestamp()


def parse_sbs(line: str, utc_offset: timedelta = timedelta(0)) -> SbsMessage:
    """One SBS line (without or with its line ending) as a message in SI units."""
    fields = line.rstrip("\r\n").split(",")
    if len(fields) != FIELD_COUNT:
        raise SbsError(f"{len(fields)} fields, an SBS line has {FIELD_COUNT}")
    message_type = fields[0]
    if message_type not in MESSAGE_TYPES:
        raise SbsError(f"unknown message type {message_type!r}")
    transmission = None
    if message_type == "MSG":
        if fields[1] not in {str(i) for i in range(1, 9)}:
            raise SbsError(f"transmission type {fields[1]!r} is not 1-8")
        transmission = int(fields[1])
    icao = fields[4].upper()
    if len(icao) != 6 or any(c not in "0123456789ABCDEF" for c in icao):
        raise SbsError(f"ICAO address {fields[4]!r} is not 6 hex digits")
    squawk = fields[17] or None
    if squawk is not None and (len(squawk) != 4 or any(c not in "01234567" for c in squawk)):
        raise SbsError(f"squawk {squawk!r} is not 4 octal digits")
    return SbsMessage(
        message_type=message_type,
        transmission_type=transmission,
        icao=icao,
        t=_time(fields[6], fields[7], utc_offset),
        callsign=fields[10].strip() or None,
        altitude_m=_scaled(fields[11], "altitude", METRES_PER_FOOT),
        groundspeed_mps=_scaled(fields[12], "ground speed", MPS_PER_KNOT),
        track_deg=_number(fields[13], "track", 0.0, 360.0),
        latitude_deg=_number(fields[14], "latitude", -90.0, 90.0),
        longitude_deg=_number(fields[15], "longitude", -180.0, 180.0),
        vertical_rate_mps=_scaled(fields[16], "vertical rate", MPS_PER_FPM),
        squawk=squawk,
        alert=_flag(fields[18], "alert"),
        emergency=_flag(fields[19], "emergency"),
        spi=_flag(fields[20], "SPI"),
        on_ground=_flag(fields[21], "on-ground"),
    )


def read_sbs(
    lines: Iterable[str], utc_offset: timedelta = timedelta(0)
) -> Iterator[SbsMessage | SbsError]:
    """Every non-blank line parsed, a bad one as its :class:`SbsError`."""
    for line in lines:
        if not line.strip():
            continue
        try:
            yield parse_sbs(line, utc_offset)
        except SbsError as error:
            yield error
