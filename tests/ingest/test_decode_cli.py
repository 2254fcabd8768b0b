"""`skywarden decode` as a user runs it on real captures, hex frames and text files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import dpkt
import pytest
from typer.testing import CliRunner

from skywarden.cli import app
from skywarden.ingest.adsb import encode_airborne_position, encode_identification
from skywarden.ingest.remoteid import Authentication, AuthType, encode
from skywarden.ingest.transports import IE_VENDOR_SPECIFIC, ODID_WIFI_OUI, ODID_WIFI_OUI_TYPE
from tests.ingest.captures import BEACON_CAPTURE, BT5_CAPTURE, NAN_CAPTURE, capture

runner = CliRunner()


def _run(*args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = runner.invoke(app, ["decode", *args])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return result.exit_code, lines, result.stderr


def test_a_beacon_capture_prints_every_message(shared_data: Path) -> None:
    code, lines, summary = _run("remoteid", str(capture(shared_data, BEACON_CAPTURE)))
    assert code == 0
    assert len(lines) == 21 * 5
    assert "105 messages decoded, 0 frames rejected" in summary
    locations = [line for line in lines if line["message_type"] == "location"]
    assert len(locations) == 21
    first = locations[0]
    assert first["transport"] == "wifi_beacon"
    assert first["latitude_deg"] == 45.5457468
    assert first["speed_mps"] == 20.5
    assert first["vertical_speed_mps"] is None
    assert first["height_type"] == "above_takeoff"
    system = next(line for line in lines if line["message_type"] == "system")
    assert system["ua_class"] == "class_4"


def test_frames_damaged_on_air_are_printed_with_their_reason(shared_data: Path) -> None:
    code, lines, _ = _run("remoteid", str(capture(shared_data, BT5_CAPTURE)))
    assert code == 0
    rejected = [line for line in lines if "rejected" in line]
    assert len(rejected) == 28
    assert all("CRC" in line["reason"] and line["frame"] > 0 for line in rejected)
    assert len(lines) - len(rejected) == 225 + 222 + 216 + 207 + 199


def test_a_hex_frame_on_the_command_line() -> None:
    code, [line], _ = _run("remoteid", "02 12 31 35 39 36 46 30 30 30" + " 00" * 15)
    assert code == 0
    assert line["uas_id"] == "1596F000"
    assert line["id_type"] == "serial_number"
    assert line["ua_type"] == "helicopter_or_multirotor"


def test_nothing_readable_exits_non_zero() -> None:
    code, [line], summary = _run("remoteid", "0x62" + "00" * 24)
    assert code == 1
    assert line["reason"] == "unknown message type 0x6"
    assert "0 messages decoded, 1 frames rejected" in summary
    code, [line], _ = _run("adsb", "not-a-file-nor-hex")
    assert code == 1
    assert "neither a file nor" in line["reason"]


def test_the_beast_capture_prints_all_frames_and_positions(shared_data: Path) -> None:
    code, lines, _ = _run("adsb", str(shared_data / "adsb" / "sample_dump1090.beast"))
    assert code == 0
    assert len(lines) == 239
    assert sum(1 for line in lines if line["df"] == 17) == 23
    positioned = [line for line in lines if "latitude_deg" in line]
    assert len(positioned) == 3
    assert positioned[0]["altitude_m"] == 38000 * 0.3048
    assert all(line["signal_dbfs"] < 0 for line in lines)


def test_a_text_file_of_raw_sbs_and_recording_lines(tmp_path: Path) -> None:
    even = encode_airborne_position("4CA1F3", 60.17, 24.94, 300.0, odd=False).hex()
    odd = encode_airborne_position("4CA1F3", 60.17, 24.94, 300.0, odd=True).hex()
    ident = encode_identification("4CA1F3", "FIN7").hex()
    damaged = ident[:-2] + ("00" if ident[-2:] != "00" else "01")
    path = tmp_path / "frames.txt"
    path.write_text(
        "\n".join([
            f"*{ident};",
            f"@00000000000C{even};",
            "",
            json.dumps({"t": 2.0, "sensor": "adsb-1", "modes": odd}),
            "MSG,3,1,1,4CA1F3,1,2026/01/01,10:00:00.500,2026/01/01,10:00:00.520,,1000,,,"
            "60.17000,24.94000,,,0,0,0,0",
            damaged,
            "zz-garbage",
        ])
    )
    code, lines, _ = _run("adsb", str(path))
    assert code == 0
    assert lines[0]["callsign"] == "FIN7"
    assert lines[1]["t"] == 1e-6
    assert abs(lines[2]["latitude_deg"] - 60.17) < 1e-4
    assert lines[3]["transmission_type"] == 3 and lines[3]["altitude_m"] == 304.8
    assert lines[4]["reason"] == "DF17 CRC check failed" and lines[4]["line"] == 6
    assert "not a hex frame" in lines[5]["reason"]


def test_a_recording_of_remote_id_reports(tmp_path: Path) -> None:
    path = tmp_path / "detections.jsonl"
    path.write_text(
        json.dumps({"t": 5.0, "sensor": "rid-1", "odid": "3200" + "41" * 23}) + "\n"
        + json.dumps({"t": 6.0, "sensor": "radar-1", "range_m": 100.0}) + "\n"
        + "{broken\n"
    )
    for source in (path, tmp_path):  # the file, or the recording folder holding it
        code, lines, _ = _run("remoteid", str(source))
        assert code == 0
        assert lines[0]["description"] == "A" * 23 and lines[0]["t"] == 5.0
        assert lines[1]["line"] == 3 and "rejected" in lines[1]


def test_mode_ac_replies_in_a_beast_stream_are_shown_raw(tmp_path: Path) -> None:
    ident = encode_identification("4CA1F3", "FIN7")
    path = tmp_path / "mixed.beast"
    path.write_bytes(
        bytes.fromhex("1a31" "000000000010" "80" "0a21")
        + bytes.fromhex("1a33" "000000000020" "90") + ident
    )
    code, lines, _ = _run("adsb", str(path))
    assert code == 0
    assert lines[0] == {"offset": 0, "t": 16 / 12e6, "mode_ac": "0a21"}
    assert lines[1]["callsign"] == "FIN7"
    assert lines[1]["signal_dbfs"] < 0


@pytest.mark.parametrize("name", [BEACON_CAPTURE, NAN_CAPTURE, BT5_CAPTURE])
def test_the_real_captures_print_no_authentication_record(shared_data: Path, name: str) -> None:
    """None of the real transmitters sends Authentication pages: no record line appears."""
    _, lines, summary = _run("remoteid", str(capture(shared_data, name)))
    assert lines and not [line for line in lines if "record" in line]
    assert not [line for line in lines if line.get("message_type") == "authentication"]
    assert "authentication pages" not in summary


def _signature_pages(data: bytes, signed_at: float) -> list[bytes]:
    """The encoded pages of one record: 17 bytes on page 0, 23 on each page after it."""
    last = -(-(len(data) - 17) // 23)
    page_zero = Authentication(
        AuthType.MESSAGE_SET_SIGNATURE, 0, data[:17], last_page_index=last, length=len(data),
        timestamp_s=signed_at,
    )
    rest = [
        Authentication(AuthType.MESSAGE_SET_SIGNATURE, n, data[17 + 23 * (n - 1) : 17 + 23 * n])
        for n in range(1, last + 1)
    ]
    return [encode(page) for page in (page_zero, *rest)]


def _with_pages(frame: bytes, pages: list[bytes]) -> bytes:
    """A captured beacon whose Remote ID message pack also carries ``pages``."""
    ie_start = frame.index(ODID_WIFI_OUI + bytes([ODID_WIFI_OUI_TYPE])) - 2
    assert frame[ie_start] == IE_VENDOR_SPECIFIC
    ie_end = ie_start + 2 + frame[ie_start + 1]
    counter_and_pack = frame[ie_start + 6 : ie_end]
    pack = counter_and_pack[1:]
    grown = pack[:2] + bytes([pack[2] + len(pages)]) + pack[3:] + b"".join(pages)
    body = ODID_WIFI_OUI + bytes([ODID_WIFI_OUI_TYPE, counter_and_pack[0]]) + grown
    return frame[:ie_start] + bytes([IE_VENDOR_SPECIFIC, len(body)]) + body + frame[ie_end:]


def test_authentication_pages_in_a_beacon_capture_are_reassembled(
    shared_data: Path, tmp_path: Path
) -> None:
    """The real beacon capture, each pack carrying one page more, as a signing drone's would.

    Frames 1-10 rotate through the 4 pages of a first signature, frames 11-18 through
    those of a second, and frames 19-21 start a third that the capture ends before its
    last page; frame 20 also carries a stray page 7 beyond the declared last index 3.
    """
    first, second, third = bytes(range(70)), bytes(range(100, 170)), bytes(range(180, 250))
    plan = [_signature_pages(first, 1_621_633_000.0)[(i - 1) % 4] for i in range(1, 11)]
    plan += [_signature_pages(second, 1_621_633_940.0)[(i - 11) % 4] for i in range(11, 19)]
    plan += _signature_pages(third, 1_621_633_945.0)[:3]
    stray = encode(Authentication(AuthType.MESSAGE_SET_SIGNATURE, 7, b"stray"))
    with capture(shared_data, BEACON_CAPTURE).open("rb") as source:
        reader = dpkt.pcap.Reader(source)
        link_type, captured = reader.datalink(), list(reader)
    path = tmp_path / "signed_beacons.pcap"
    with path.open("wb") as sink:
        writer = dpkt.pcap.Writer(sink, linktype=link_type, nano=False)
        for number, ((t, frame), page) in enumerate(zip(captured, plan, strict=True), start=1):
            writer.writepkt(_with_pages(frame, [page, stray] if number == 20 else [page]), t)
    times = [t for t, _ in captured]

    code, lines, summary = _run("remoteid", str(path))
    assert code == 0
    messages = [line for line in lines if "record" not in line]
    assert len(messages) == 105 + 21 + 1
    assert messages[:6] == [line for line in messages if line["frame"] == 1]
    records = [line for line in lines if "record" in line]
    assert lines[-len(records):] == records  # after every message line
    drone = messages[0]["source"]
    assert drone == "84:cc:a8:60:43:24"
    whole = [line for line in records if "data_hex" in line]
    assert [(w["data_hex"], w["timestamp_s"], w["pages"], w["length"]) for w in whole] == [
        (first.hex(), 1_621_633_000.0, 4, 70), (second.hex(), 1_621_633_940.0, 4, 70),
    ]
    assert all(w["sender"] == drone and w["auth_type"] == "message_set_signature" for w in whole)
    assert [(w["first_t"], w["last_t"]) for w in whole] == [
        pytest.approx((times[0], times[3])), pytest.approx((times[10], times[13])),
    ]
    [rejected] = [line for line in records if "rejected_page" in line]
    assert rejected["rejected_page"] == 7 and rejected["t"] == pytest.approx(times[19])
    assert "beyond the last page index 3" in rejected["reason"]
    [incomplete] = [line for line in records if "incomplete" in line]
    assert incomplete["incomplete"] == "end of input"
    assert incomplete["missing_pages"] == [3] and incomplete["received_pages"] == [0, 1, 2]
    assert "127 messages decoded, 0 frames rejected" in summary
    assert "22 authentication pages: 2 records whole, 1 incomplete, 1 pages rejected" in summary
