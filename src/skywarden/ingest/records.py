"""Decoded Remote ID and ADS-B traffic as JSON-ready records, one per message.

This is what ``skywarden decode`` prints: every decoded message as a flat object
(field names as in ASTM F3411 and DO-260B, in snake case, SI units, enumerations by
name), and every rejected frame as ``{"rejected": <hex or text>, "reason": ...}``
with where it was found. The sources are what users have at hand: a hex frame, a
pcap/pcapng capture, a Beast file, a text file of hex frames (``*...;`` raw lines
included), SBS lines, or a recording (its folder or its ``detections.jsonl``).
"""

from __future__ import annotations

import dataclasses
import json
import string
from collections.abc import Iterator
from enum import Enum
from pathlib import Path
from typing import Any

from skywarden.ingest.adsb import AdsbDecoder, AdsbError
from skywarden.ingest.beast import ESCAPE, MLAT_CLOCK_HZ, BeastError, FrameType, read_beast
from skywarden.ingest.remoteid import Message, RemoteIdError, decode_each, message_type
from skywarden.ingest.sbs import SbsError, parse_sbs
from skywarden.ingest.transports import (
    RemoteIdFrame,
    TransportError,
    is_capture,
    read_capture,
)
from skywarden.recording import DETECTIONS_FILE

Record = dict[str, Any]

_HEX = frozenset(string.hexdigits)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value


def message_record(message: Message) -> Record:
    """One F3411 message as a flat record, its type first."""
    record: Record = {"message_type": message_type(message).name.lower()}
    for item in dataclasses.fields(message):
        record[item.name] = _jsonable(getattr(message, item.name))
    return record


def rejected(data: bytes | str, reason: str, **where: Any) -> Record:
    """The record of a frame that could not be used."""
    text = data.hex() if isinstance(data, bytes) else data
    return {"rejected": text, "reason": reason, **where}


def parse_hex(text: str) -> bytes:
    """Bytes from hex written with or without spaces, colons, ``0x`` or ``*...;``."""
    cleaned = text.strip().removeprefix("*").removesuffix(";").removeprefix("0x")
    cleaned = "".join(c for c in cleaned if c not in " :\t")
    if not cleaned or len(cleaned) % 2 or any(c not in _HEX for c in cleaned):
        raise ValueError(f"not a hex frame: {text.strip()[:60]!r}")
    return bytes.fromhex(cleaned)


def _source_path(source: str) -> Path:
    """The file a source names: a recording folder stands for its detections."""
    path = Path(source)
    if path.is_dir():
        return path / DETECTIONS_FILE
    return path


def _remote_id_frame_records(payload: bytes, **where: Any) -> Iterator[Record]:
    results = decode_each(payload)
    numbered = len(results) > 1 or (payload[:1] and payload[0] >> 4 == 0xF)
    for number, result in enumerate(results, start=1):
        place = {**where, "message_index": number} if numbered else dict(where)
        if isinstance(result, RemoteIdError):
            yield rejected(payload, result.reason, **place)
        else:
            yield {**place, **message_record(result)}


def _text_lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield number, line.strip()


def _json_field(line: str, name: str) -> tuple[bytes | None, Any]:
    """The hex field ``name`` of a recording line (None when the line has none) and t."""
    obj = json.loads(line)
    if not isinstance(obj, dict) or name not in obj:
        return None, None
    return parse_hex(str(obj[name])), obj.get("t")


def remote_id_records(source: str) -> Iterator[Record]:
    """Records of every message in a hex frame, capture, hex list or recording."""
    path = _source_path(source)
    if not path.is_file():
        try:
            payload = parse_hex(source)
        except ValueError as error:
            yield rejected(source, f"neither a file nor {error}")
            return
        yield from _remote_id_frame_records(payload)
        return
    if is_capture(path):
        yield from _capture_records(path)
        return
    for number, line in _text_lines(path):
        try:
            if line.startswith("{"):
                odid, t = _json_field(line, "odid")
                if odid is not None:
                    yield from _remote_id_frame_records(odid, line=number, t=t)
            else:
                yield from _remote_id_frame_records(parse_hex(line), line=number)
        except ValueError as error:
            yield rejected(line[:120], str(error), line=number)


def _capture_records(path: Path) -> Iterator[Record]:
    try:
        for item in read_capture(path):
            if isinstance(item, TransportError):
                yield rejected(item.packet, item.reason, frame=item.index, t=item.t)
                continue
            yield from _remote_id_frame_records(item.payload, **_frame_place(item))
    except TransportError as error:
        yield rejected(str(path), error.reason)


def _frame_place(frame: RemoteIdFrame) -> Record:
    return {
        "frame": frame.index, "t": frame.t, "transport": str(frame.transport),
        "source": frame.source, "counter": frame.counter, "rssi_dbm": frame.rssi_dbm,
    }


def _adsb_record(decoder: AdsbDecoder, frame: bytes, at: float, **where: Any) -> Record:
    try:
        message = decoder.decode(frame, at)
    except AdsbError as error:
        return rejected(frame, error.reason, **where)
    if message.position_rejected is not None:
        return {**where, **message.fields, "position_rejected": message.position_rejected}
    return {**where, **message.fields}


def adsb_records(
    source: str,
    reference: tuple[float, float] | None = None,
    receiver_range_m: float | None = None,
) -> Iterator[Record]:
    """Records of every frame in a hex frame, Beast file, hex/raw/SBS text or recording.

    Frames share one stateful decoder, so positions appear once a CPR pair (or, with a
    short-range ``reference`` receiver, a single frame) allows.
    """
    decoder = AdsbDecoder(reference, receiver_range_m)
    path = _source_path(source)
    if not path.is_file():
        try:
            frame = parse_hex(source)
        except ValueError as error:
            yield rejected(source, f"neither a file nor {error}")
            return
        yield _adsb_record(decoder, frame, 0.0)
        return
    with path.open("rb") as stream:
        is_beast = stream.read(1) == bytes([ESCAPE])
    if is_beast:
        with path.open("rb") as stream:
            for item in read_beast(stream):
                if isinstance(item, BeastError):
                    yield rejected("", item.reason, offset=item.offset)
                    continue
                if item.frame_type is FrameType.MODE_AC:  # a Mode A/C reply: no Mode S
                    yield {"offset": item.offset, "t": item.mlat_s, "mode_ac": item.data.hex()}
                    continue
                yield _adsb_record(
                    decoder, item.data, item.mlat_s, offset=item.offset, t=item.mlat_s,
                    signal_dbfs=item.rssi_dbfs,
                )
        return
    yield from _adsb_text_records(decoder, path)


def _adsb_text_records(decoder: AdsbDecoder, path: Path) -> Iterator[Record]:
    for number, line in _text_lines(path):
        try:
            if line.startswith("{"):
                frame, t = _json_field(line, "modes")
                if frame is not None:
                    yield _adsb_record(decoder, frame, float(t or 0.0), line=number, t=t)
            elif line[:4] in ("MSG,", "SEL,", "AIR,", "STA,", "CLK,") or line.startswith("ID,"):
                message = parse_sbs(line)
                yield {"line": number, **{k: _jsonable(v) for k, v in
                                          dataclasses.asdict(message).items()}}
            else:
                if line.startswith("@") and len(line) > 13:  # AVR with a 12 MHz timestamp
                    t = int(line[1:13], 16) / MLAT_CLOCK_HZ
                    yield _adsb_record(decoder, parse_hex(line[13:]), t, line=number, t=t)
                else:
                    yield _adsb_record(decoder, parse_hex(line), 0.0, line=number)
        except (ValueError, SbsError) as error:
            yield rejected(line[:120], str(error), line=number)
