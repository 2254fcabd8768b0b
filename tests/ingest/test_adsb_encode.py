"""The DF17 encoders: every frame they build must decode, independently, with pyModeS."""

from __future__ import annotations

import math

import pyModeS as pms
import pytest

from skywarden.ingest.adsb import (
    FEET_PER_METRE,
    encode_airborne_position,
    encode_identification,
    encode_velocity,
)

POSITIONS = [
    (60.1699, 24.9384, 120.0),  # Helsinki
    (-33.8688, 151.2093, 450.0),  # Sydney, southern and eastern hemispheres
    (45.5457, -122.968, 2500.0),  # Oregon, western hemisphere
    (86.9, 179.99, 10000.0),  # near the pole and the antimeridian
    (0.0001, -0.0001, -200.0),  # at the equator and the prime meridian, below sea level
]


def _metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    north = (lat2 - lat1) * 111_195.0
    east = (lon2 - lon1) * 111_195.0 * math.cos(math.radians(lat1))
    return math.hypot(north, east)


@pytest.mark.parametrize(("lat", "lon", "alt_m"), POSITIONS)
def test_even_odd_pair_decodes_to_the_encoded_position(
    lat: float, lon: float, alt_m: float
) -> None:
    even = encode_airborne_position("4CA1F3", lat, lon, alt_m, odd=False).hex()
    odd = encode_airborne_position("4CA1F3", lat, lon, alt_m, odd=True).hex()
    decoded = pms.decode([even, odd], timestamps=[0.0, 0.5])
    for frame in decoded:
        assert frame["crc_valid"] is True
        assert frame["icao"] == "4CA1F3"
        assert frame["df"] == 17
        assert _metres_between(lat, lon, frame["latitude"], frame["longitude"]) < 10.0
        assert frame["altitude"] == round(alt_m * FEET_PER_METRE / 25) * 25
    assert [f["cpr_format"] for f in decoded] == [0, 1]


@pytest.mark.parametrize("odd", [False, True])
def test_single_frame_decodes_against_a_nearby_reference(odd: bool) -> None:
    frame = encode_airborne_position("ABC123", 60.17, 24.94, 95.0, odd=odd)
    assert len(frame) == 14
    decoded = pms.decode(frame.hex(), reference=(60.0, 25.2))
    assert _metres_between(60.17, 24.94, decoded["latitude"], decoded["longitude"]) < 10.0
    assert decoded["typecode"] == 11


def test_altitude_outside_the_25_ft_range_is_refused() -> None:
    with pytest.raises(ValueError, match="altitude"):
        encode_airborne_position("ABC123", 60.0, 25.0, 16_000.0, odd=False)
    with pytest.raises(ValueError, match="ICAO"):
        encode_airborne_position("XYZ", 60.0, 25.0, 100.0, odd=False)


@pytest.mark.parametrize(
    ("east", "north", "up"), [(10.0, -5.0, 2.0), (-80.0, 40.0, -7.5), (0.0, 150.0, 0.0)]
)
def test_velocity_decodes_to_ground_speed_track_and_rate(
    east: float, north: float, up: float
) -> None:
    decoded = pms.decode(encode_velocity("ABC123", east, north, up).hex())
    assert decoded["crc_valid"] is True
    assert decoded["typecode"] == 19
    knots = 3600 / 1852
    track = math.radians(decoded["track"])
    east_kt = decoded["groundspeed"] * math.sin(track)
    north_kt = decoded["groundspeed"] * math.cos(track)
    # 1-kt steps per component, and pyModeS rounds the ground speed to a knot
    assert math.hypot(east_kt - east * knots, north_kt - north * knots) < 1.5
    assert decoded["vertical_rate"] == pytest.approx(up * 196.85, abs=64)


def test_identification_carries_the_callsign() -> None:
    decoded = pms.decode(encode_identification("4CA1F3", "sky12").hex())
    assert decoded["crc_valid"] is True
    assert decoded["callsign"] == "SKY12"
    assert decoded["icao"] == "4CA1F3"
    with pytest.raises(ValueError, match="callsign"):
        encode_identification("4CA1F3", "SKY-12")
    with pytest.raises(ValueError, match="longer"):
        encode_identification("4CA1F3", "SKYWARDEN")
