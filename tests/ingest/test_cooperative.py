"""Remote ID and ADS-B reports turned into position fixes for the tracker."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

from skywarden.ingest.adsb import (
    encode_airborne_position,
    encode_identification,
    encode_velocity,
)
from skywarden.ingest.beast import BeastFrame, read_beast
from skywarden.ingest.cooperative import SIGMA_PER_95_2D, CooperativeDecoder
from skywarden.ingest.remoteid import (
    Authentication,
    AuthType,
    BasicId,
    IdType,
    Location,
    Message,
    OperationalStatus,
    System,
    UaType,
    encode,
    encode_pack,
)
from skywarden.ingest.sbs import parse_sbs
from skywarden.ingest.transports import RemoteIdFrame
from skywarden.model import (
    AdsbReport,
    FixSource,
    PositionFix,
    RemoteIdReport,
    Sensor,
    SensorType,
    Site,
    TargetClass,
)
from tests.ingest.captures import BEACON_CAPTURE, BT5_CAPTURE, NAN_CAPTURE, frames


def _fixes(decoder: CooperativeDecoder, reports: list[RemoteIdReport]) -> list[PositionFix]:
    return [fix for report in reports for fix in decoder.feed(report)]


def _reports(shared_data: Path, name: str) -> list[RemoteIdReport]:
    return [
        RemoteIdReport(f.t, "rid-1", f.payload, f.rssi_dbm)
        for f in frames(shared_data, name)
        if isinstance(f, RemoteIdFrame)
    ]


def test_beacon_packs_give_fixes_with_serial_operator_and_velocity(shared_data: Path) -> None:
    decoder = CooperativeDecoder()
    fixes = _fixes(decoder, _reports(shared_data, BEACON_CAPTURE))
    assert len(fixes) == 21
    assert decoder.rejections.total == 0
    for fix in fixes:
        assert fix.source is FixSource.REMOTEID
        assert fix.remote_id == "MFG1A0123456789"
        assert fix.object_id == "remoteid:MFG1A0123456789"
        assert fix.cls is TargetClass.DRONE
        assert fix.lat == pytest.approx(45.5464, abs=0.001)
        assert fix.lon == pytest.approx(-122.968, abs=0.0015)
        assert fix.alt_m == 237.0
        assert fix.h_sigma_m == pytest.approx(30.0 / SIGMA_PER_95_2D)
        assert fix.v_sigma_m == pytest.approx(25.0 / 1.96)
        assert (fix.operator_lat, fix.operator_lon) == (45.5443876, -122.9726866)
        assert fix.vel_enu_mps is not None
        assert math.hypot(*fix.vel_enu_mps[:2]) == pytest.approx(20.5)
    assert [f.t for f in fixes] == sorted(f.t for f in fixes)


def test_packs_without_basic_id_give_anonymous_fixes(shared_data: Path) -> None:
    decoder = CooperativeDecoder()
    fixes = _fixes(decoder, _reports(shared_data, NAN_CAPTURE))
    assert len(fixes) == 31
    assert all(f.remote_id is None and f.object_id is None for f in fixes)


def test_unset_positions_are_counted_not_fixed(shared_data: Path) -> None:
    decoder = CooperativeDecoder()
    fixes = _fixes(decoder, _reports(shared_data, BT5_CAPTURE))
    assert fixes == []
    [(reason, count)] = decoder.rejections.counts.items()
    assert "without a position" in reason
    assert count == 222
    example = decoder.rejections.first_example[reason]
    assert example["sensor"] == "rid-1" and example["frame"].startswith("f019")


def test_a_damaged_report_is_counted_and_the_next_one_still_decodes() -> None:
    decoder = CooperativeDecoder()
    good = encode_pack([
        BasicId(IdType.SERIAL_NUMBER, UaType.HELICOPTER_OR_MULTIROTOR, "1581F5FJD22A00000001"),
        Location(status=OperationalStatus.AIRBORNE, latitude_deg=33.3101,
                 longitude_deg=44.3602, geodetic_altitude_m=150.0),
    ])
    assert decoder.feed(RemoteIdReport(1.0, "rid-1", good[:40])) == []
    assert decoder.feed(RemoteIdReport(2.0, "rid-1", bytes([0x72]) + bytes(24))) == []
    [fix] = decoder.feed(RemoteIdReport(3.0, "rid-1", good))
    assert fix.remote_id == "1581F5FJD22A00000001"
    assert fix.h_sigma_m == 50.0  # no accuracy broadcast: the documented default
    assert decoder.rejections.total == 2
    reasons = [entry["reason"] for entry in decoder.rejections.to_dict()]
    assert any("truncated" in r for r in reasons)
    assert any("unknown message type" in r for r in reasons)


def test_single_messages_take_the_only_serial_recently_heard() -> None:
    decoder = CooperativeDecoder(single_message_window_s=5.0)
    basic = encode(BasicId(IdType.SERIAL_NUMBER, None, "SERIAL-A"))
    system = encode(System(operator_latitude_deg=33.30, operator_longitude_deg=44.35,
                           operator_altitude_m=40.0))
    above_takeoff = encode(Location(latitude_deg=33.31, longitude_deg=44.36, height_m=60.0))
    location = encode(Location(latitude_deg=33.31, longitude_deg=44.36, geodetic_altitude_m=99.0))
    decoder.feed(RemoteIdReport(0.0, "rid-1", basic))
    decoder.feed(RemoteIdReport(0.2, "rid-1", system))
    [fix] = decoder.feed(RemoteIdReport(0.5, "rid-1", above_takeoff))
    assert fix.remote_id == "SERIAL-A"
    assert (fix.operator_lat, fix.operator_lon) == (33.30, 44.35)
    assert fix.alt_m == 100.0  # height above take-off plus the operator's altitude
    [other_sensor] = decoder.feed(RemoteIdReport(0.6, "rid-2", location))
    assert other_sensor.remote_id is None
    decoder.feed(RemoteIdReport(1.0, "rid-1", encode(BasicId(IdType.SERIAL_NUMBER, None, "B"))))
    [ambiguous] = decoder.feed(RemoteIdReport(1.5, "rid-1", location))
    assert ambiguous.remote_id is None
    [later] = decoder.feed(RemoteIdReport(30.0, "rid-1", location))
    assert later.remote_id is None


def test_fixes_name_the_authentication_a_drone_broadcasts_once_its_record_is_whole() -> None:
    """Packs of the basic ID, the location and one Authentication page each: the fix
    says nothing of authentication until pages 0 to the last have all been heard,
    then names the record's type (present, not verified) until the drone has gone
    unheard for the decoder's expiry; another drone's fixes are not credited with it."""
    decoder = CooperativeDecoder(expiry_s=60.0)
    basic = BasicId(IdType.SERIAL_NUMBER, UaType.HELICOPTER_OR_MULTIROTOR, "SIGNED-1")
    other = BasicId(IdType.SERIAL_NUMBER, UaType.HELICOPTER_OR_MULTIROTOR, "UNSIGNED-2")
    where = Location(latitude_deg=33.31, longitude_deg=44.36, geodetic_altitude_m=120.0)
    data = bytes(range(40))
    pages = [Authentication(AuthType.UAS_ID_SIGNATURE, 0, data[:17], last_page_index=1,
                            length=len(data), timestamp_s=1_767_261_600.0),
             Authentication(AuthType.UAS_ID_SIGNATURE, 1, data[17:])]

    def heard(t: float, *messages: Message) -> PositionFix:
        [fix] = decoder.feed(RemoteIdReport(t, "rid-1", encode_pack(messages)))
        return fix

    assert heard(0.0, basic, where, pages[0]).auth_type is None
    assert heard(1.0, basic, where, pages[1]).auth_type == "uas_id_signature"
    assert heard(2.0, basic, where).auth_type == "uas_id_signature"
    assert heard(2.5, other, where).auth_type is None
    assert heard(50.0, basic, where).auth_type == "uas_id_signature"
    assert heard(111.0, basic, where).auth_type is None  # unheard for over the expiry


def _drone_frames(icao: str) -> list[tuple[float, bytes]]:
    frames_out = [(0.0, encode_identification(icao, "UAV7", category=6, typecode=3))]
    for step in range(8):
        t = 0.1 + step * 0.5
        frames_out.append(
            (t, encode_airborne_position(icao, 33.31, 44.36, 150.0, odd=step % 2 == 1))
        )
        frames_out.append((t + 0.05, encode_velocity(icao, 3.0, -4.0, 0.0)))
    return frames_out


def test_adsb_reports_give_fixes_once_positioned() -> None:
    decoder = CooperativeDecoder()
    fixes = [
        fix
        for t, frame in _drone_frames("7C0001")
        for fix in decoder.feed(AdsbReport(t, "adsb-1", frame))
    ]
    assert len(fixes) == 7  # the first position frame waits for its pair
    for fix in fixes:
        assert fix.source is FixSource.ADSB
        assert (fix.icao, fix.callsign, fix.object_id) == ("7C0001", "UAV7", "adsb:7C0001")
        assert fix.cls is TargetClass.DRONE  # emitter category B6, unmanned
        assert fix.lat == pytest.approx(33.31, abs=1e-4)
        assert fix.alt_m == pytest.approx(150.0, abs=4.0)
        assert fix.h_sigma_m == pytest.approx(185.2 / SIGMA_PER_95_2D)
    assert fixes[0].vel_enu_mps is not None
    assert fixes[0].vel_enu_mps[:2] == pytest.approx((3.0, -4.0), abs=0.6)


def test_a_short_range_receiver_of_the_site_places_the_first_frame() -> None:
    receiver = Sensor("adsb-1", SensorType.ADSB, 33.311, 44.365, 60.0, max_range_m=40_000.0)
    decoder = CooperativeDecoder(Site("test", (receiver,)))
    fixes = [
        fix
        for t, frame in _drone_frames("7C0001")
        for fix in decoder.feed(AdsbReport(t, "adsb-1", frame))
    ]
    assert len(fixes) == 8


def test_the_real_beast_capture_gives_the_airliner_above_the_ellipsoid(shared_data: Path) -> None:
    data = (shared_data / "adsb" / "sample_dump1090.beast").read_bytes()
    decoder = CooperativeDecoder()
    fixes = [
        fix
        for frame in read_beast(io.BytesIO(data))
        if isinstance(frame, BeastFrame)
        for fix in decoder.feed(AdsbReport(frame.mlat_s, "adsb-1", frame.data))
    ]
    assert len(fixes) == 3
    assert [fix.callsign for fix in fixes] == [None, None, "TRA89M"]  # identified later
    for fix in fixes:
        assert (fix.icao, fix.cls) == ("48520A", TargetClass.AIRCRAFT)
        assert fix.alt_m == pytest.approx((38000 + 250) * 0.3048)
        assert fix.h_sigma_m == pytest.approx(30.0 / SIGMA_PER_95_2D)
    assert decoder.rejections.total == 0


def test_sbs_lines_give_fixes_with_callsign_and_velocity() -> None:
    decoder = CooperativeDecoder()
    stamp = "2026/01/01,10:00:0{s}.000,2026/01/01,10:00:0{s}.000"
    lines = [
        f"MSG,1,1,1,4CA1F3,1,{stamp.format(s=0)},FIN7,,,,,,,,,,,",
        f"MSG,4,1,1,4CA1F3,1,{stamp.format(s=1)},,,300,0.0,,,0,,,,,0",
        f"MSG,3,1,1,4CA1F3,1,{stamp.format(s=2)},,3000,,,60.3,24.9,,,0,0,0,0",
    ]
    fixes = [fix for line in lines for fix in decoder.feed_sbs(parse_sbs(line), "sbs-1")]
    [fix] = fixes
    assert (fix.icao, fix.callsign, fix.sensor) == ("4CA1F3", "FIN7", "sbs-1")
    assert fix.alt_m == pytest.approx(914.4)
    assert fix.vel_enu_mps is not None
    assert fix.vel_enu_mps[1] == pytest.approx(300 * 1852 / 3600)


def test_positions_a_receiver_cannot_hear_are_counted_as_rejections() -> None:
    receiver = Sensor("adsb-1", SensorType.ADSB, 60.17, 24.94, 10.0, max_range_m=100_000.0)
    decoder = CooperativeDecoder(Site("helsinki", (receiver,)))
    fixes = [
        fix
        for t, frame in _drone_frames("7C0001")  # flying over Baghdad
        for fix in decoder.feed(AdsbReport(t, "adsb-1", frame))
    ]
    assert fixes == []
    [(reason, count)] = decoder.rejections.counts.items()
    assert reason.startswith("position # km from the receiver") and count >= 7
