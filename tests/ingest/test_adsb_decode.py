"""The stateful ADS-B decoder on the real dump1090 capture and on encoded flights."""

from __future__ import annotations

import io
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywarden.ingest.adsb import (
    AdsbDecoder,
    AdsbError,
    encode_airborne_position,
    encode_identification,
    encode_velocity,
)
from skywarden.ingest.beast import BeastFrame, read_beast


def _beast_frames(shared_data: Path) -> list[BeastFrame]:
    data = (shared_data / "adsb" / "sample_dump1090.beast").read_bytes()
    return [f for f in read_beast(io.BytesIO(data)) if isinstance(f, BeastFrame)]


def test_the_real_capture_gives_one_airliner_with_position_speed_and_callsign(
    shared_data: Path,
) -> None:
    decoder = AdsbDecoder()
    positions = []
    dfs: dict[int, int] = {}
    for frame in _beast_frames(shared_data):
        message = decoder.decode(frame.data, frame.mlat_s)
        dfs[message.df] = dfs.get(message.df, 0) + 1
        if message.position_updated:
            positions.append((message.fields["latitude_deg"], message.fields["longitude_deg"]))
    assert dfs[17] == 23
    assert sum(dfs.values()) == 239
    [aircraft] = decoder.aircraft.values()
    assert aircraft.icao == "48520A"
    assert aircraft.callsign == "TRA89M"
    assert aircraft.alt_m == pytest.approx(38000 * 0.3048)
    assert not aircraft.alt_is_gnss
    assert aircraft.h_accuracy_m == 30.0  # NACp 9 from its operational status
    assert aircraft.velocity_enu_mps is not None
    east, north, up = aircraft.velocity_enu_mps
    assert math.hypot(east, north) == pytest.approx(395 * 1852 / 3600, abs=1.0)
    assert north > 0 and abs(up) < 1.0
    assert len(positions) == 3  # the first even/odd pair, then one frame on its own
    for lat, lon in positions:
        assert lat == pytest.approx(43.65, abs=0.02)
        assert lon == pytest.approx(1.23, abs=0.02)
    lats = [p[0] for p in positions]
    assert lats == sorted(lats)  # flying north


def test_a_frame_with_a_bad_crc_is_rejected(shared_data: Path) -> None:
    decoder = AdsbDecoder()
    frame = next(f.data for f in _beast_frames(shared_data) if f.data[0] >> 3 == 17)
    damaged = bytearray(frame)
    damaged[6] ^= 0x04
    with pytest.raises(AdsbError, match="CRC"):
        decoder.decode(bytes(damaged), 0.0)
    with pytest.raises(AdsbError, match="7 or 14"):
        decoder.decode(frame[:10], 0.0)
    assert decoder.aircraft == {}


def _flight(seconds: int) -> list[tuple[float, bytes]]:
    """A drone flying east at 15 m/s near Helsinki, broadcasting like a transponder."""
    frames = []
    for step in range(seconds * 2):
        t = step * 0.5
        lat, lon = 60.17, 24.94 + 15.0 * t / (111_195.0 * math.cos(math.radians(60.17)))
        frames.append((t, encode_airborne_position("4CA1F3", lat, lon, 120.0, odd=step % 2 == 1)))
        if step % 4 == 0:
            frames.append((t, encode_velocity("4CA1F3", 15.0, 0.0, 0.5)))
        if step % 10 == 0:
            frames.append((t, encode_identification("4CA1F3", "DRONE7")))
    return frames


def test_an_encoded_flight_is_followed_once_a_pair_arrives() -> None:
    decoder = AdsbDecoder()
    fixes = []
    for t, frame in _flight(10):
        message = decoder.decode(frame, t)
        if message.position_updated:
            assert message.aircraft is not None
            fixes.append((t, message.aircraft))
    assert fixes[0][0] == 0.5  # the first frame alone cannot be placed
    assert len(fixes) == 19
    for t, aircraft in fixes:
        expected_lon = 24.94 + 15.0 * t / (111_195.0 * math.cos(math.radians(60.17)))
        assert aircraft.lat == pytest.approx(60.17, abs=1e-4)
        assert aircraft.lon == pytest.approx(expected_lon, abs=2e-4)
        assert aircraft.alt_m == pytest.approx(120.0, abs=4.0)
        assert aircraft.callsign == "DRONE7"
    velocity = fixes[-1][1].velocity_enu_mps
    assert velocity is not None
    assert velocity[0] == pytest.approx(15.0, abs=0.6)


def test_a_receiver_with_a_short_range_places_the_first_frame() -> None:
    decoder = AdsbDecoder(reference=(60.2, 24.9), receiver_range_m=50_000.0)
    t, frame = _flight(1)[0]
    message = decoder.decode(frame, t)
    assert message.position_updated
    assert message.aircraft is not None and message.aircraft.lat == pytest.approx(60.17, abs=1e-4)


def test_positions_beyond_the_receivers_range_are_dropped() -> None:
    decoder = AdsbDecoder(reference=(45.0, 5.0), receiver_range_m=300_000.0)
    messages = [decoder.decode(frame, t) for t, frame in _flight(3)]
    assert not any(m.position_updated for m in messages)
    reasons = {m.position_rejected for m in messages if m.position_rejected}
    assert all(r.endswith("beyond its 300 km range") for r in reasons)
    # the even/odd pair places the drone over Helsinki, 2141 km away
    assert "position 2141 km from the receiver, beyond its 300 km range" in reasons


def test_an_even_and_an_odd_frame_too_far_apart_make_no_pair() -> None:
    decoder = AdsbDecoder(pair_window_s=10.0)
    even = encode_airborne_position("4CA1F3", 60.17, 24.94, 120.0, odd=False)
    odd = encode_airborne_position("4CA1F3", 60.17, 24.94, 120.0, odd=True)
    assert not decoder.decode(even, 0.0).position_updated
    assert not decoder.decode(odd, 11.0).position_updated
    assert decoder.decode(even, 12.0).position_updated


def test_silent_aircraft_expire() -> None:
    decoder = AdsbDecoder(expiry_s=30.0)
    decoder.decode(encode_identification("4CA1F3", "DRONE7"), 0.0)
    decoder.decode(encode_identification("ABC123", "DRONE8"), 20.0)
    assert set(decoder.aircraft) == {"4CA1F3", "ABC123"}
    decoder.decode(encode_identification("ABC123", "DRONE8"), 40.0)
    assert set(decoder.aircraft) == {"ABC123"}


def test_bit_flips_of_real_frames_only_raise_rejections(shared_data: Path) -> None:
    rng = random.Random(17)
    decoder = AdsbDecoder()
    for frame in _beast_frames(shared_data):
        for _ in range(10):
            damaged = bytearray(frame.data)
            bit = rng.randrange(len(damaged) * 8)
            damaged[bit // 8] ^= 1 << (bit % 8)
            try:
                decoder.decode(bytes(damaged), frame.mlat_s)
            except AdsbError as error:
                assert error.reason


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(min_size=7, max_size=7), st.binary(min_size=14, max_size=14),
                 st.binary(max_size=20)))
def test_random_frames_only_raise_rejections(data: bytes) -> None:
    try:
        AdsbDecoder().decode(data, 0.0)
    except AdsbError as error:
        assert error.reason
