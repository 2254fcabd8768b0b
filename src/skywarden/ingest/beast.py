"""The Beast binary format that dump1090 and readsb serve on TCP port 30005.

Every frame starts with the escape byte 0x1A and a type byte ('1' Mode A/C, '2' Mode S
short, '3' Mode S long), followed by a 6-byte big-endian multilateration timestamp
(a 12 MHz counter), one signal-level byte and the message itself (2, 7 or 14 bytes).
Any 0x1A inside those bytes is sent twice. Other frame types (receiver status and
vendor extensions) are skipped as unknown.

:class:`BeastParser` is incremental: feed it bytes as they arrive from a socket or a
file, in chunks of any size, and it returns the complete frames. Bytes that do not fit
the format are skipped up to the next frame start and reported once per gap as a
:class:`BeastError`, so that a receiver glitch costs only the damaged frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum
from typing import BinaryIO

ESCAPE = 0x1A
MLAT_CLOCK_HZ = 12_000_000
"""Tick rate of the multilateration timestamp of dump1090 and readsb."""
_TIMESTAMP_BYTES = 6


class FrameType(IntEnum):
    """The type byte after the escape, and what it announces."""

    MODE_AC = 0x31
    MODE_S_SHORT = 0x32
    MODE_S_LONG = 0x33


PAYLOAD_BYTES: dict[FrameType, int] = {
    FrameType.MODE_AC: 2,
    FrameType.MODE_S_SHORT: 7,
    FrameType.MODE_S_LONG: 14,
}


class BeastError(ValueError):
    """Bytes of a Beast stream that are not a frame; ``reason`` says why."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} at byte {offset}")
        self.reason = reason
        self.offset = offset


@dataclass(frozen=True, slots=True)
class BeastFrame:
    """One received message with its receiver timestamp and signal level.

    ``mlat_ticks`` counts the 12 MHz clock; ``signal`` is the level byte scaled to 0-1
    (amplitude relative to full scale). ``offset`` is where the frame started in the
    stream.
    """

    frame_type: FrameType
    mlat_ticks: int
    signal: float
    data: bytes
    offset: int

    @property
    def mlat_s(self) -> float:
        """The multilateration timestamp in seconds of the receiver's clock."""
        return self.mlat_ticks / MLAT_CLOCK_HZ

    @property
    def rssi_dbfs(self) -> float | None:
        """Signal power in dB below full scale (None for a zero level)."""
        if self.signal <= 0.0:
            return None
        return 20.0 * math.log10(self.signal)


class BeastParser:
    """Cuts a Beast byte stream into frames, whatever the chunking."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._consumed = 0  # stream offset of the buffer's first byte
        self._skipping = False  # inside a gap already reported

    def feed(self, chunk: bytes) -> list[BeastFrame | BeastError]:
        """Add bytes; return every frame they complete and every gap they reveal."""
        self._buffer += chunk
        results: list[BeastFrame | BeastError] = []
        position = 0
        buffer = self._buffer
        size = len(buffer)
        while position < size:
            if buffer[position] != ESCAPE:
                position = self._skip(position, "bytes outside a frame", results)
                continue
            if position + 1 >= size:
                break
            try:
                frame_type = FrameType(buffer[position + 1])
            except ValueError:
                position = self._skip(
                    position + 1, f"unknown frame type {buffer[position + 1]:#04x}", results
                )
                continue
            length = _TIMESTAMP_BYTES + 1 + PAYLOAD_BYTES[frame_type]
            body, end = self._unescape(position + 2, length)
            if end < 0:
                if end == -2:  # an unpaired escape: a new frame began inside this one
                    results.append(BeastError("frame cut short", self._consumed + position))
                    position = self._next_start(position + 2)
                    continue
                break  # incomplete: wait for more bytes
            self._skipping = False
            results.append(
                BeastFrame(
                    frame_type,
                    int.from_bytes(body[:_TIMESTAMP_BYTES], "big"),
                    body[_TIMESTAMP_BYTES] / 255.0,
                    bytes(body[_TIMESTAMP_BYTES + 1 :]),
                    self._consumed + position,
                )
            )
            position = end
        del self._buffer[:position]
        self._consumed += position
        return results

    def finish(self) -> list[BeastError]:
        """Report bytes left over at the end of the stream (a truncated last frame)."""
        if not self._buffer:
            return []
        error = BeastError(f"{len(self._buffer)} bytes of an unfinished frame", self._consumed)
        self._consumed += len(self._buffer)
        self._buffer.clear()
        return [error]

    def _unescape(self, start: int, count: int) -> tuple[bytearray, int]:
        """``count`` unescaped bytes from ``start`` and the offset after them; the offset
        is -1 when the buffer ends first and -2 when an unpaired escape interrupts."""
        buffer = self._buffer
        out = bytearray()
        position = start
        size = len(buffer)
        while len(out) < count:
            if position >= size:
                return out, -1
            byte = buffer[position]
            if byte == ESCAPE:
                if position + 1 >= size:
                    return out, -1
                if buffer[position + 1] != ESCAPE:
                    return out, -2
                position += 1
            out.append(byte)
            position += 1
        return out, position

    def _next_start(self, position: int) -> int:
        """The next escape that is not a doubled data byte, or the buffer's end."""
        buffer = self._buffer
        size = len(buffer)
        while position < size:
            if buffer[position] == ESCAPE:
                if position + 1 < size and buffer[position + 1] == ESCAPE:
                    position += 2
                    continue
                return position
            position += 1
        return position

    def _skip(self, position: int, reason: str, results: list[BeastFrame | BeastError]) -> int:
        """Pass over bytes up to the next frame start, reporting each gap once however
        the stream was chunked."""
        if not self._skipping:
            results.append(BeastError(reason, self._consumed + position))
            self._skipping = True
        return self._next_start(position)


def read_beast(stream: BinaryIO, chunk_size: int = 65536) -> Iterator[BeastFrame | BeastError]:
    """Every frame (and every gap) of a Beast stream read to its end."""
    parser = BeastParser()
    while chunk := stream.read(chunk_size):
        yield from parser.feed(chunk)
    yield from parser.finish()
