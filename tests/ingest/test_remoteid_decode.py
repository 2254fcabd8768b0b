"""The ASTM F3411 decoder on every frame of the real captures, and on damaged input."""

from __future__ import annotations

import random
from pathlib import Path

import dpkt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywarden.ingest.remoteid import (
    Authentication,
    AuthType,
    BasicId,
    DescriptionType,
    HeightType,
    IdType,
    Location,
    MessagePack,
    OperationalStatus,
    OperatorId,
    OperatorLocationType,
    RemoteIdError,
    SelfId,
    System,
    UaCategory,
    UaClass,
    UaType,
    decode,
    decode_each,
    decode_message,
    encode,
)
from skywarden.ingest.transports import (
    RemoteIdFrame,
    TransportError,
    ble_payloads,
    split_nordic_ble,
)
from tests.ingest.captures import (
    BEACON_CAPTURE,
    BT5_CAPTURE,
    NAN_CAPTURE,
    capture,
    frames,
    messages,
)


def _good_frames(shared_data: Path, name: str) -> list[RemoteIdFrame]:
    return [f for f in frames(shared_data, name) if isinstance(f, RemoteIdFrame)]


def test_beacon_capture_decodes_whole_as_the_aircraft_moves_north(shared_data: Path) -> None:
    latitudes = []
    for frame in _good_frames(shared_data, BEACON_CAPTURE):
        basic, location, self_id, system, operator = messages(frame)
        assert basic == BasicId(None, None, "MFG1A0123456789", protocol_version=0)
        assert isinstance(location, Location)
        assert location.protocol_version == 0
        assert location.latitude_deg is not None and location.longitude_deg is not None
        assert location.longitude_deg == pytest.approx(-122.968, abs=0.0015)
        assert location.speed_mps == 20.5
        assert location.geodetic_altitude_m == 237.0
        assert location.height_m == 100.0
        assert location.height_type is HeightType.ABOVE_TAKEOFF
        assert location.horizontal_accuracy_m == 30.0
        assert location.vertical_speed_mps is None  # 63 m/s: unknown
        assert location.pressure_altitude_m is None
        latitudes.append(location.latitude_deg)
        assert self_id == SelfId(DescriptionType.TEXT, "Recreational", protocol_version=0)
        assert isinstance(system, System)
        assert system.operator_latitude_deg == pytest.approx(45.5443876)
        assert system.operator_longitude_deg == pytest.approx(-122.9726866)
        assert system.operator_location_type is OperatorLocationType.TAKEOFF
        assert system.area_radius_m == 500.0
        assert (system.ua_category, system.ua_class) == (UaCategory.OPEN, UaClass.CLASS_4)
        assert operator == OperatorId(0, "GBR-OP-123ABCD", protocol_version=0)
    assert len(latitudes) == 21
    assert min(latitudes) == pytest.approx(45.5457, abs=5e-5)
    assert max(latitudes) == pytest.approx(45.5471, abs=5e-5)
    assert latitudes[-1] - latitudes[0] > 0.001


def test_nan_capture_decodes_whole(shared_data: Path) -> None:
    locations: list[Location] = []
    kinds: set[type] = set()
    for frame in _good_frames(shared_data, NAN_CAPTURE):
        for message in messages(frame):
            kinds.add(type(message))
            if isinstance(message, Location):
                locations.append(message)
            if isinstance(message, OperatorId):
                assert message.operator_id == "GBR-OP-123ABCD"
    assert kinds == {Location, SelfId, System, OperatorId}
    assert len(locations) == 31
    assert len(set(locations)) == 17
    for location in locations:
        assert location.latitude_deg == pytest.approx(45.5453, abs=0.0005)
        assert location.longitude_deg == pytest.approx(-122.9729, abs=0.0008)
        assert location.direction_deg is not None and 0 <= location.direction_deg < 360


def test_bluetooth_capture_decodes_with_position_unset(shared_data: Path) -> None:
    counts: dict[type, int] = {}
    for frame in _good_frames(shared_data, BT5_CAPTURE):
        for message in messages(frame):
            counts[type(message)] = counts.get(type(message), 0) + 1
            if isinstance(message, BasicId):
                assert message.id_type is IdType.SERIAL_NUMBER
                assert message.ua_type is UaType.HELICOPTER_OR_MULTIROTOR
                assert message.uas_id == "SSEVTFG93700070"
            elif isinstance(message, Location):
                assert message.status is OperationalStatus.AIRBORNE
                assert (message.latitude_deg, message.longitude_deg) == (None, None)
                assert message.speed_mps is None and message.direction_deg is None
            elif isinstance(message, SelfId):
                assert message.description == "Drone ID demo"
            elif isinstance(message, System):
                assert message.operator_latitude_deg is None
            elif isinstance(message, OperatorId):
                assert message.operator_id == "FIN87astrdge12kxyz8"
    assert counts == {BasicId: 225, Location: 222, SelfId: 216, System: 207, OperatorId: 199}


def _damaged_payloads(shared_data: Path) -> list[bytes]:
    """Payloads of the Bluetooth frames whose link-layer CRC failed."""
    payloads = []
    with capture(shared_data, BT5_CAPTURE).open("rb") as f:
        for _, packet in dpkt.pcapng.Reader(f):
            pdu, crc_ok, _ = split_nordic_ble(bytes(packet))
            if crc_ok or not pdu:
                continue
            try:
                payloads.extend(c.payload for c in ble_payloads(pdu))
            except TransportError:
                continue
    return payloads


def test_frames_damaged_on_air_are_rejected_with_reasons(shared_data: Path) -> None:
    reasons = []
    for payload in _damaged_payloads(shared_data):
        for result in decode_each(payload):
            if isinstance(result, RemoteIdError):
                reasons.append(result.reason)
    assert any("non-printable" in r for r in reasons)
    assert any("protocol version" in r for r in reasons)
    assert any("declares" in r for r in reasons)
    assert len(reasons) >= 10


def _real_payloads(shared_data: Path) -> list[bytes]:
    payloads = []
    for name in (BEACON_CAPTURE, NAN_CAPTURE, BT5_CAPTURE):
        payloads.extend(f.payload for f in _good_frames(shared_data, name))
    return payloads + _damaged_payloads(shared_data)


def _only_rejections(data: bytes) -> None:
    try:
        decode(data)
    except RemoteIdError as error:
        assert error.reason
    for result in decode_each(data):
        assert isinstance(result, RemoteIdError | MessagePack) or result is not None


def test_truncations_and_bit_flips_of_real_frames_only_raise_rejections(
    shared_data: Path,
) -> None:
    rng = random.Random(5)
    for payload in _real_payloads(shared_data)[::3]:
        for cut in range(0, len(payload), 7):
            _only_rejections(payload[:cut])
        for _ in range(20):
            damaged = bytearray(payload)
            bit = rng.randrange(len(payload) * 8)
            damaged[bit // 8] ^= 1 << (bit % 8)
            _only_rejections(bytes(damaged))


@settings(max_examples=400, deadline=None)
@given(st.binary(min_size=0, max_size=260))
def test_random_bytes_only_raise_rejections(data: bytes) -> None:
    _only_rejections(data)


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=24, max_size=24), st.sampled_from([0x0, 0x1, 0x2, 0x3, 0x4, 0x5]))
def test_random_message_bodies_only_raise_rejections(body: bytes, message_type: int) -> None:
    for version in (0, 1, 2):
        _only_rejections(bytes([(message_type << 4) | version]) + body)


def _location_bytes(**fields: int) -> bytes:
    """A version 2 Location message with raw field values."""
    raw = bytearray(25)
    raw[0] = 0x12
    for name, value in fields.items():
        offset, size, signed = {
            "flags": (1, 1, False), "direction": (2, 1, False), "speed": (3, 1, False),
            "vspeed": (4, 1, True), "lat": (5, 4, True), "lon": (9, 4, True),
            "pressure": (13, 2, False), "geodetic": (15, 2, False), "height": (17, 2, False),
            "acc_vh": (19, 1, False), "acc_bs": (20, 1, False), "time": (21, 2, False),
            "time_acc": (23, 1, False),
        }[name]
        raw[offset : offset + size] = value.to_bytes(size, "little", signed=signed)
    return bytes(raw)


def test_unknown_and_invalid_location_values_decode_to_none() -> None:
    location = decode(
        _location_bytes(
            flags=(7 << 4) | 0x02 | 0x01,  # reserved status, east/west bit, coarse speed
            direction=181, speed=255, vspeed=126, lat=0, lon=0, pressure=0, geodetic=0,
            height=0, acc_vh=(15 << 4) | 13, acc_bs=(9 << 4) | 7, time=0xFFFF, time_acc=0,
        )
    )
    assert location == Location()


def test_location_scales_decode_in_si_units() -> None:
    location = decode(
        _location_bytes(
            flags=(2 << 4) | 0x04 | 0x01, direction=10, speed=48, vspeed=-9,
            lat=601699000, lon=249384000, pressure=2400, geodetic=2460, height=240,
            acc_vh=(4 << 4) | 11, acc_bs=(3 << 4) | 4, time=12345, time_acc=3,
        )
    )
    assert location == Location(
        status=OperationalStatus.AIRBORNE, direction_deg=10.0, speed_mps=99.75,
        vertical_speed_mps=-4.5, latitude_deg=pytest.approx(60.1699),
        longitude_deg=pytest.approx(24.9384), pressure_altitude_m=200.0,
        geodetic_altitude_m=230.0, height_type=HeightType.ABOVE_GROUND_LEVEL,
        height_m=-880.0, horizontal_accuracy_m=3.0, vertical_accuracy_m=10.0,
        baro_altitude_accuracy_m=25.0, speed_accuracy_mps=0.3, timestamp_s=1234.5,
        timestamp_accuracy_s=0.3,
    )


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (bytes(24), "not 24"),
        (bytes([0x62]) + bytes(24), "unknown message type"),
        (bytes([0x03]) + bytes(24), "protocol version 3"),
        (bytes([0xF2, 25, 1, 0xF2]) + bytes(24), "nested"),
        (bytes([0xF2, 24, 1]) + bytes(24), "24-byte messages"),
        (bytes([0xF2, 25, 10]) + bytes(250), "at most 9"),
        (bytes([0xF2, 25, 2]) + bytes(30), "truncated"),
        (_location_bytes(lat=950000000, lon=1), "latitude"),
        (_location_bytes(direction=200), "direction byte 200"),
        (_location_bytes(vspeed=-127), "vertical speed"),
        (_location_bytes(time=40000), "timestamp"),
        (bytes([0x02, 0x12]) + b"AB\x07CD".ljust(23, b"\0"), "non-printable"),
        (bytes([0x32, 100]) + bytes(23), "description type 100"),
        (bytes([0x22, 0x10, 2, 255]) + bytes(21), "length 255"),
    ],
)
def test_malformed_frames_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    with pytest.raises(RemoteIdError, match=reason):
        decode(data)


def test_a_damaged_message_costs_only_itself_in_a_pack() -> None:
    good = encode(SelfId(DescriptionType.TEXT, "survey"))
    bad = bytes([0x62]) + bytes(24)
    pack = bytes([0xF2, 25, 3]) + good + bad + good
    results = decode_each(pack)
    assert results[0] == results[2] == SelfId(DescriptionType.TEXT, "survey")
    assert isinstance(results[1], RemoteIdError)
    assert "message 2 of 3" in results[1].reason
    with pytest.raises(RemoteIdError, match="message 2 of 3"):
        decode(pack)


def test_authentication_pages_round_trip() -> None:
    page0 = Authentication(
        AuthType.MESSAGE_SET_SIGNATURE, 0, bytes(range(17)), last_page_index=2, length=60,
        timestamp_s=1_767_261_600.0,
    )
    page2 = Authentication(AuthType.MESSAGE_SET_SIGNATURE, 2, bytes(range(23)))
    assert decode(encode(page0)) == page0
    assert decode(encode(page2)) == page2
    private = decode(bytes([0x22, 0xB1]) + bytes(23))
    assert isinstance(private, Authentication) and private.auth_type == 0xB


def test_identifier_kinds_round_trip() -> None:
    for message in (
        BasicId(IdType.UTM_ASSIGNED_UUID, UaType.AEROPLANE, "0f0e0d0c-0b0a-0908-0706-050403020100"),
        BasicId(IdType.SPECIFIC_SESSION_ID, UaType.OTHER, "01aabbccddeeff"),
        BasicId(IdType.CAA_REGISTRATION_ID, UaType.GLIDER, "FIN87astrdge12k"),
        OperatorId(201, "private scheme"),
        SelfId(DescriptionType.EMERGENCY, "lost link"),
        System(OperatorLocationType.LIVE_GNSS, None, 60.17, 24.94, 3, 150.0, 120.0, 10.0,
               None, None, 18.5, 1_767_261_600.0),
    ):
        assert decode_message(encode(message)) == message


def test_version_2_pack_round_trips() -> None:
    pack = MessagePack(
        (BasicId(IdType.SERIAL_NUMBER, UaType.HELICOPTER_OR_MULTIROTOR, "1581F5FJD22A00000001"),
         Location(status=OperationalStatus.AIRBORNE, latitude_deg=33.3101, longitude_deg=44.3602,
                  geodetic_altitude_m=150.0, speed_mps=12.0, direction_deg=300.0)),
    )
    assert decode(encode(pack)) == pack
