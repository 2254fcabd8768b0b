"""The ASTM F3411 encoder: the field values a real transmitter sent give its bytes."""

from __future__ import annotations

from pathlib import Path

import dpkt
import pytest

from skywarden.ingest.remoteid import (
    BasicId,
    ClassificationType,
    DescriptionType,
    HeightType,
    IdType,
    Location,
    OperationalStatus,
    OperatorId,
    OperatorIdType,
    OperatorLocationType,
    SelfId,
    System,
    UaCategory,
    UaClass,
    UaType,
    decode,
    encode,
    encode_pack,
)

BEACON_IE = bytes.fromhex("fa0bbc0d")


def _first_beacon_pack(shared_data: Path) -> bytes:
    """The message pack of the first beacon of the Wi-Fi beacon capture."""
    with (shared_data / "remoteid" / "odid_wifi_bcn_sample.pcap").open("rb") as f:
        _, frame = next(iter(dpkt.pcap.Reader(f)))
    start = frame.index(BEACON_IE) + len(BEACON_IE) + 1  # skip the message counter
    return frame[start : start + 3 + 5 * 25]


def _messages(pack: bytes) -> list[bytes]:
    return [pack[3 + 25 * i : 3 + 25 * (i + 1)] for i in range(pack[2])]


def test_captured_field_values_encode_to_the_captured_bytes(shared_data: Path) -> None:
    basic, location, self_id, system, operator = _messages(_first_beacon_pack(shared_data))
    # Bytes 22-24 of a Basic ID are reserved; this transmitter leaves stale bytes there.
    assert encode(BasicId(None, None, "MFG1A0123456789", protocol_version=0))[:22] == basic[:22]
    assert encode(
        Location(
            status=None,
            direction_deg=92.0,
            speed_mps=20.5,
            vertical_speed_mps=None,
            latitude_deg=45.5457468,
            longitude_deg=-122.9681496,
            pressure_altitude_m=None,
            geodetic_altitude_m=237.0,
            height_type=HeightType.ABOVE_TAKEOFF,
            height_m=100.0,
            horizontal_accuracy_m=30.0,
            vertical_accuracy_m=25.0,
            baro_altitude_accuracy_m=10.0,
            speed_accuracy_mps=10.0,
            timestamp_s=0.0,
            timestamp_accuracy_s=1.0,
            protocol_version=0,
        )
    ) == location
    assert encode(SelfId(DescriptionType.TEXT, "Recreational", protocol_version=0)) == self_id
    assert encode(
        System(
            operator_location_type=OperatorLocationType.TAKEOFF,
            classification_type=ClassificationType.EUROPEAN_UNION,
            operator_latitude_deg=45.5443876,
            operator_longitude_deg=-122.9726866,
            area_count=1,
            area_radius_m=500.0,
            ua_category=UaCategory.OPEN,
            ua_class=UaClass.CLASS_4,
            protocol_version=0,
        )
    ) == system
    assert encode(
        OperatorId(OperatorIdType.OPERATOR_ID, "GBR-OP-123ABCD", protocol_version=0)
    ) == operator


def test_a_pack_of_the_decoded_messages_gives_back_the_captured_pack(shared_data: Path) -> None:
    pack = _first_beacon_pack(shared_data)
    decoded = decode(pack)
    rebuilt = encode_pack([decode(m) for m in _messages(pack)], version=0)  # type: ignore[misc]
    assert len(rebuilt) == len(pack) == 128
    assert rebuilt[28:] == pack[28:]  # all but the stale reserved bytes of the Basic ID
    assert decode(rebuilt) == decoded


def test_version_2_is_written_by_default_with_the_type_in_the_high_nibble() -> None:
    frame = encode(BasicId(IdType.SERIAL_NUMBER, UaType.HELICOPTER_OR_MULTIROTOR, "1596A1"))
    assert len(frame) == 25
    assert frame[0] == 0x02
    assert frame[1] == 0x12
    location = encode(Location(status=OperationalStatus.AIRBORNE))
    assert location[0] == 0x12


@pytest.mark.parametrize(
    ("speed", "raw", "multiplier"),
    [(0.0, 0, 0), (63.75, 255, 0), (64.5, 1, 1), (100.0, 48, 1), (300.0, 254, 1), (None, 255, 1)],
)
def test_speed_uses_the_fine_then_the_coarse_scale(
    speed: float | None, raw: int, multiplier: int
) -> None:
    frame = encode(Location(speed_mps=speed))
    assert frame[3] == raw
    assert frame[1] & 0x01 == multiplier


def test_direction_beyond_180_sets_the_east_west_bit() -> None:
    frame = encode(Location(direction_deg=270.0))
    assert (frame[2], frame[1] & 0x02) == (90, 0x02)
    assert decode(frame).direction_deg == 270.0  # type: ignore[union-attr]


def test_accuracy_picks_the_tightest_category_that_holds_the_value() -> None:
    frame = encode(Location(horizontal_accuracy_m=5.0, vertical_accuracy_m=4.0))
    assert frame[19] == (4 << 4) | 10  # < 10 m vertical, < 10 m horizontal
    decoded = decode(frame)
    assert decoded.horizontal_accuracy_m == 10.0  # type: ignore[union-attr]


def test_unrepresentable_values_are_refused() -> None:
    with pytest.raises(ValueError, match="latitude"):
        encode(Location(latitude_deg=91.0, longitude_deg=0.0))
    with pytest.raises(ValueError, match="longer"):
        encode(BasicId(IdType.SERIAL_NUMBER, None, "X" * 21))
    with pytest.raises(ValueError, match="printable"):
        encode(SelfId(DescriptionType.TEXT, "tab\there"))
    with pytest.raises(ValueError, match="1 to 9"):
        encode_pack([])
