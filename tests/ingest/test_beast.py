"""The Beast reader on a real dump1090 capture, and on damaged streams."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyModeS.util import crc, df

from skywarden.ingest.beast import (
    ESCAPE,
    BeastError,
    BeastFrame,
    BeastParser,
    FrameType,
    read_beast,
)


def _capture(shared_data: Path) -> bytes:
    return (shared_data / "adsb" / "sample_dump1090.beast").read_bytes()


def _comparable(results: list[BeastFrame | BeastError]) -> list[object]:
    return [r if isinstance(r, BeastFrame) else (r.reason, r.offset) for r in results]


def _frames(results: list[BeastFrame | BeastError]) -> list[BeastFrame]:
    return [r for r in results if isinstance(r, BeastFrame)]


def test_the_dump1090_capture_holds_239_frames_23_of_them_valid_df17(shared_data: Path) -> None:
    results = list(read_beast(io.BytesIO(_capture(shared_data))))
    assert not [r for r in results if isinstance(r, BeastError)]
    frames = _frames(results)
    assert len(frames) == 239
    kinds = {f.frame_type for f in frames}
    assert kinds == {FrameType.MODE_S_SHORT, FrameType.MODE_S_LONG}
    assert all(len(f.data) == (14 if f.frame_type is FrameType.MODE_S_LONG else 7) for f in frames)
    valid_df17 = [f for f in frames if df(f.data.hex()) == 17 and crc(f.data.hex()) == 0]
    assert len(valid_df17) == 23
    ticks = [f.mlat_ticks for f in frames]
    assert ticks == sorted(ticks)
    assert all(0.0 < f.signal <= 1.0 for f in frames)
    assert all(f.rssi_dbfs is not None and f.rssi_dbfs < 0 for f in frames)


def test_escaped_bytes_are_restored(shared_data: Path) -> None:
    data = _capture(shared_data)
    frames = _frames(list(read_beast(io.BytesIO(data))))
    escaped = [f for f in frames if ESCAPE in f.data or ESCAPE in f.mlat_ticks.to_bytes(6, "big")]
    assert escaped  # the capture has doubled 0x1A bytes inside frames
    for frame in escaped:
        assert data[frame.offset : frame.offset + 2] == bytes([ESCAPE, frame.frame_type])


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1000])
def test_any_chunking_gives_the_same_frames(shared_data: Path, chunk: int) -> None:
    data = _capture(shared_data)
    whole = list(read_beast(io.BytesIO(data)))
    parser = BeastParser()
    pieces: list[BeastFrame | BeastError] = []
    for start in range(0, len(data), chunk):
        pieces.extend(parser.feed(data[start : start + chunk]))
    pieces.extend(parser.finish())
    assert _comparable(pieces) == _comparable(whole)


def test_garbage_costs_only_the_frames_it_touches(shared_data: Path) -> None:
    data = _capture(shared_data)
    frames = _frames(list(read_beast(io.BytesIO(data))))
    cut = frames[10].offset + 5  # inside frame 10
    damaged = b"noise" + data[:cut] + data[frames[11].offset :] + b"\x1a\x39junk" + data[-8:]
    results = list(read_beast(io.BytesIO(damaged)))
    errors = [r for r in results if isinstance(r, BeastError)]
    good = _frames(results)
    assert [e.reason for e in errors][:2] == ["bytes outside a frame", "frame cut short"]
    assert any("unknown frame type 0x39" in e.reason for e in errors)
    assert [f.data for f in good[:10]] == [f.data for f in frames[:10]]
    assert [f.data for f in good[10:238]] == [f.data for f in frames[11:]]


def test_a_truncated_stream_reports_its_unfinished_frame(shared_data: Path) -> None:
    data = _capture(shared_data)
    results = list(read_beast(io.BytesIO(data[:-4])))
    assert len(_frames(results)) == 238
    assert isinstance(results[-1], BeastError)
    assert "unfinished" in results[-1].reason


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=1, max_value=50))
def test_random_streams_give_frames_or_errors_whatever_the_chunking(
    data: bytes, chunk: int
) -> None:
    whole = list(read_beast(io.BytesIO(data)))
    parser = BeastParser()
    pieces: list[BeastFrame | BeastError] = []
    for start in range(0, len(data), chunk):
        pieces.extend(parser.feed(data[start : start + chunk]))
    pieces.extend(parser.finish())
    assert _comparable(pieces) == _comparable(whole)
    assert all(isinstance(r, BeastFrame | BeastError) for r in whole)
