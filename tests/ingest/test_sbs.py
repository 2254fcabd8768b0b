"""SBS/BaseStation lines, as dump1090 serves them on port 30003."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywarden.ingest.sbs import SbsError, SbsMessage, parse_sbs, read_sbs

POSITION = (
    "MSG,3,1,1,4CA1F3,1,2026/01/01,10:00:00.500,2026/01/01,10:00:00.520,,1000,,,"
    "60.17000,24.94000,,,0,0,0,0"
)
VELOCITY = (
    "MSG,4,1,1,4ca1f3,1,2026/01/01,10:00:01.000,2026/01/01,10:00:01.010,,,120,90.0,,,"
    "-640,,,,,0"
)
IDENTITY = "MSG,1,1,1,4CA1F3,1,2026/01/01,10:00:02.000,2026/01/01,10:00:02.000,DRONE7  ,,,,,,,,,,,"
SQUAWK = "MSG,6,1,1,4CA1F3,1,2026/01/01,10:00:03.000,2026/01/01,10:00:03.000,,,,,,,,7700,-1,-1,0,0"


def test_an_airborne_position_in_si_units() -> None:
    message = parse_sbs(POSITION + "\r\n")
    assert message.transmission_type == 3
    assert message.icao == "4CA1F3"
    assert message.t == pytest.approx(1_767_261_600.5)
    assert message.altitude_m == pytest.approx(304.8)
    assert (message.latitude_deg, message.longitude_deg) == (60.17, 24.94)
    assert message.on_ground is False
    assert message.groundspeed_mps is None


def test_velocity_identity_and_squawk() -> None:
    velocity = parse_sbs(VELOCITY)
    assert velocity.icao == "4CA1F3"
    assert velocity.groundspeed_mps == pytest.approx(61.73, abs=0.01)
    assert velocity.track_deg == 90.0
    assert velocity.vertical_rate_mps == pytest.approx(-3.2512)
    assert parse_sbs(IDENTITY).callsign == "DRONE7"
    squawk = parse_sbs(SQUAWK)
    assert squawk.squawk == "7700"
    assert (squawk.alert, squawk.emergency, squawk.spi) == (True, True, False)


def test_local_receiver_time_is_shifted_to_utc() -> None:
    message = parse_sbs(POSITION, utc_offset=timedelta(hours=2))
    assert message.t == pytest.approx(1_767_261_600.5 - 7200)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("MSG,3,1,1,4CA1F3", "fields"),
        (POSITION.replace("MSG,3", "XYZ,3"), "message type"),
        (POSITION.replace("MSG,3", "MSG,9"), "transmission type"),
        (POSITION.replace("4CA1F3", "4CA1G3"), "ICAO"),
        (POSITION.replace("60.17000", "95.0"), "latitude"),
        (POSITION.replace("1000", "high"), "altitude"),
        (POSITION.replace("10:00:00.500", "25:00"), "date and time"),
        (SQUAWK.replace("7700", "7800"), "squawk"),
        (SQUAWK.replace(",-1,-1,", ",2,-1,"), "alert flag"),
    ],
)
def test_bad_lines_are_rejected_with_a_reason(line: str, reason: str) -> None:
    with pytest.raises(SbsError, match=reason):
        parse_sbs(line)


def test_a_stream_keeps_going_past_bad_lines() -> None:
    results = list(read_sbs([POSITION, "", "garbage", VELOCITY, "\n"]))
    assert [type(r) for r in results] == [SbsMessage, SbsError, SbsMessage]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=22, max_size=22))
def test_random_fields_only_raise_sbs_errors(fields: list[str]) -> None:
    line = ",".join(f.replace(",", "") for f in fields)
    for candidate in (line, "MSG,3," + line.split(",", 2)[2]):
        try:
            parse_sbs(candidate)
        except SbsError as error:
            assert error.reason
