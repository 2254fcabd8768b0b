"""Finding Remote ID in real Wi-Fi and Bluetooth captures."""

from __future__ import annotations

import random
from pathlib import Path

import dpkt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skywarden.ingest.transports import (
    CaptureStats,
    RemoteIdFrame,
    Transport,
    TransportError,
    ble_payloads,
    read_capture,
    split_nordic_ble,
    split_radiotap,
    wifi_payloads,
)
from tests.ingest.captures import BEACON_CAPTURE, BT5_CAPTURE, NAN_CAPTURE, capture, frames


def test_every_beacon_of_the_beacon_capture_holds_a_pack(shared_data: Path) -> None:
    found = frames(shared_data, BEACON_CAPTURE)
    assert len(found) == 21
    assert all(isinstance(f, RemoteIdFrame) for f in found)
    beacons = [f for f in found if isinstance(f, RemoteIdFrame)]
    assert {f.transport for f in beacons} == {Transport.WIFI_BEACON}
    assert {f.source for f in beacons} == {"84:cc:a8:60:43:24"}
    assert all(f.payload[:3] == bytes.fromhex("f01905") for f in beacons)
    assert all(f.rssi_dbm is not None and -100 < f.rssi_dbm < 0 for f in beacons)
    assert [f.index for f in beacons] == list(range(1, 22))


def test_nan_and_beacon_frames_carry_the_same_counters(shared_data: Path) -> None:
    stats = CaptureStats()
    found = list(read_capture(capture(shared_data, NAN_CAPTURE), stats))
    assert all(isinstance(f, RemoteIdFrame) for f in found)
    by_transport: dict[Transport, set[int]] = {}
    for frame in found:
        assert isinstance(frame, RemoteIdFrame)
        by_transport.setdefault(frame.transport, set()).add(frame.counter)
    assert len(by_transport[Transport.WIFI_NAN]) == 21
    assert len(by_transport[Transport.WIFI_BEACON]) == 21
    assert len(by_transport[Transport.WIFI_NAN] & by_transport[Transport.WIFI_BEACON]) == 19
    # the NAN synchronisation beacons hold no Remote ID
    assert stats.packets == 63
    assert stats.without_remote_id == 21


def test_bluetooth_long_range_frames_with_a_failed_crc_are_rejected(shared_data: Path) -> None:
    stats = CaptureStats()
    found = list(read_capture(capture(shared_data, BT5_CAPTURE), stats))
    good = [f for f in found if isinstance(f, RemoteIdFrame)]
    damaged = [f for f in found if isinstance(f, TransportError)]
    assert len(good) == 244
    assert len(damaged) == 28
    assert all("CRC" in d.reason and d.index > 0 and d.t is not None for d in damaged)
    assert {f.transport for f in good} == {Transport.BLUETOOTH_LONG_RANGE}
    assert {f.source for f in good} == {"e0:7d:ea:eb:2f:1c"}
    assert all(f.payload[0] == 0xF0 and f.payload[1] == 25 for f in good)
    assert all(f.rssi_dbm is not None and -100 < f.rssi_dbm < -30 for f in good)
    assert stats.packets == 274


def test_raw_802_11_without_radiotap_reads_the_same(shared_data: Path) -> None:
    with capture(shared_data, BEACON_CAPTURE).open("rb") as f:
        packets = [bytes(p) for _, p in dpkt.pcap.Reader(f)]
    for packet in packets:
        frame, has_fcs, _ = split_radiotap(packet)
        with_radiotap = wifi_payloads(frame, has_fcs)
        assert len(with_radiotap) == 1
        assert wifi_payloads(frame[:-4] if has_fcs else frame) == with_radiotap


def test_bluetooth_legacy_advertisement_carries_one_message() -> None:
    message = bytes.fromhex("0212") + b"1596F0000000000001".ljust(23, b"\0")
    service_data = bytes([0x1E, 0x16, 0xFA, 0xFF, 0x0D, 0x07]) + message
    address = bytes.fromhex("665544332211")
    pdu = bytes([0x02, len(address) + len(service_data)]) + address + service_data
    [carried] = ble_payloads(pdu)
    assert carried.transport is Transport.BLUETOOTH_LEGACY
    assert carried.source == "11:22:33:44:55:66"
    assert carried.counter == 7
    assert carried.payload == message


@pytest.mark.parametrize("cut", [1, 5, 20, 60])
def test_truncated_packets_are_rejected_with_a_reason(shared_data: Path, cut: int) -> None:
    with capture(shared_data, BT5_CAPTURE).open("rb") as f:
        packet = bytes(next(iter(dpkt.pcapng.Reader(f)))[1])
    with pytest.raises(TransportError):
        pdu, _, _ = split_nordic_ble(packet[: -cut - 230])
        ble_payloads(pdu)


def test_a_file_that_is_no_capture_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.pcap"
    path.write_bytes(b"hello, this is not a capture")
    with pytest.raises(TransportError, match="not a pcap"):
        list(read_capture(path))


@pytest.mark.parametrize("name", [BEACON_CAPTURE, NAN_CAPTURE, BT5_CAPTURE])
def test_truncated_and_corrupted_captures_only_give_transport_errors(
    shared_data: Path, tmp_path: Path, name: str
) -> None:
    data = capture(shared_data, name).read_bytes()
    rng = random.Random(name)
    variants = [data[:cut] for cut in (10, 30, 100, len(data) // 2, len(data) - 3)]
    for _ in range(40):
        damaged = bytearray(data)
        for _ in range(20):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        variants.append(bytes(damaged))
    stops = 0
    for number, variant in enumerate(variants):
        path = tmp_path / f"{number}.cap"
        path.write_bytes(variant)
        try:
            results = list(read_capture(path))
        except TransportError as error:
            assert error.reason.startswith(("unreadable capture", "not a pcap"))
            continue
        assert all(isinstance(r, RemoteIdFrame | TransportError) for r in results)
        stops += any("reading stops" in r.reason for r in results if isinstance(r, TransportError))
    assert stops > 0


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=80))
def test_random_link_layer_bytes_only_give_transport_errors(packet: bytes) -> None:
    for read in (
        lambda: wifi_payloads(split_radiotap(packet)[0]),
        lambda: wifi_payloads(packet),
        lambda: ble_payloads(split_nordic_ble(packet)[0]),
        lambda: ble_payloads(packet),
    ):
        try:
            read()
        except TransportError as error:
            assert error.reason


def test_plain_link_layer_captures_are_read(shared_data: Path, tmp_path: Path) -> None:
    """Captures without radiotap or sniffer headers: 802.11 (105) and BLE LL (251)."""
    with capture(shared_data, BEACON_CAPTURE).open("rb") as f:
        beacons = [split_radiotap(bytes(p)) for _, p in dpkt.pcap.Reader(f)]
    wifi = tmp_path / "wifi.pcap"
    with wifi.open("wb") as out:
        writer = dpkt.pcap.Writer(out, linktype=105)
        for number, (frame, has_fcs, _) in enumerate(beacons):
            writer.writepkt(frame[:-4] if has_fcs else frame, ts=1_700_000_000 + number)
    found = list(read_capture(wifi))
    assert len(found) == 21
    assert all(isinstance(f, RemoteIdFrame) and f.rssi_dbm is None for f in found)

    message = bytes.fromhex("0212") + b"1596F0000000000001".ljust(23, b"\0")
    service_data = bytes([0x1E, 0x16, 0xFA, 0xFF, 0x0D, 0x07]) + message
    address = bytes.fromhex("665544332211")
    pdu = bytes([0x02, len(address) + len(service_data)]) + address + service_data
    access_address = (0x8E89BED6).to_bytes(4, "little")
    ble = tmp_path / "ble.pcap"
    with ble.open("wb") as out:
        writer = dpkt.pcap.Writer(out, linktype=251)
        writer.writepkt(access_address + pdu + b"\0\0\0", ts=1_700_000_000)
        writer.writepkt(bytes(4) + pdu + b"\0\0\0", ts=1_700_000_001)  # a data channel
    [frame] = list(read_capture(ble))
    assert isinstance(frame, RemoteIdFrame)
    assert frame.transport is Transport.BLUETOOTH_LEGACY
    assert frame.payload == message
