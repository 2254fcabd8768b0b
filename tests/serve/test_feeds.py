"""ADS-B receiver feeds (Beast and SBS over TCP, the real dump1090 capture) and the
replay of a recording as a live feed."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from pathlib import Path

import pytest

from skywarden.ingest.beast import FrameType, read_beast
from skywarden.model import AdsbReport, FixSource, Site
from skywarden.serve.feeds import (
    AdsbFormat,
    ReplayClock,
    ReportLineServer,
    adsb_feed,
    replay,
    shift_site,
)
from tests.recordings import BROKEN_LINES, GOOD_LINES, write_recording
from tests.serve.service import running_service, until


def _rejected(service_metrics: object) -> dict[tuple[str, str], float]:
    return {
        (sample.labels["source"], sample.labels["reason"]): sample.value
        for metric in service_metrics.rejected.collect()  # type: ignore[attr-defined]
        for sample in metric.samples if sample.name.endswith("_total")
    }


async def _serve_bytes(chunks: list[bytes]) -> tuple[asyncio.Server, int]:
    async def send(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        for chunk in chunks:
            writer.write(chunk)
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(send, "127.0.0.1", 0)
    return server, int(server.sockets[0].getsockname()[1])


def test_beast_feed_hands_every_mode_s_frame_to_the_pipeline(
    site: Site, tmp_path: Path, shared_data: Path
) -> None:
    capture = (shared_data / "adsb" / "sample_dump1090.beast").read_bytes()
    with open(shared_data / "adsb" / "sample_dump1090.beast", "rb") as stream:
        expected = [f.data for f in read_beast(stream)
                    if not isinstance(f, ValueError)
                    and f.frame_type in (FrameType.MODE_S_SHORT, FrameType.MODE_S_LONG)]
    # A receiver glitch in front, and the stream cut at awkward places.
    stream_bytes = b"\x00\x13\x37" + capture
    chunks = [stream_bytes[i:i + 997] for i in range(0, len(stream_bytes), 997)]

    async def scenario() -> None:
        server, port = await _serve_bytes(chunks)
        async with running_service(site, f"sqlite:///{tmp_path / 'db'}") as service:
            feed = asyncio.create_task(adsb_feed(service.runtime, ("127.0.0.1", port),
                                                 AdsbFormat.BEAST, reconnect_s=60.0))
            await until(lambda: len(service.pipeline.reports) >= len(expected), 10.0)
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed
            reports = service.pipeline.reports
            assert all(isinstance(r, AdsbReport) and r.sensor == "adsb-1" for r in reports)
            assert [r.modes for r in reports] == expected  # type: ignore[union-attr]
            assert len(expected) == 239
            assert abs(reports[0].t - time.time()) < 10.0
            assert sum(v for (source, _), v in _rejected(service.runtime.metrics).items()
                       if source == "beast") == 1
        server.close()

    asyncio.run(scenario())


def test_sbs_feed_gives_position_fixes_with_callsigns(site: Site, tmp_path: Path) -> None:
    lines = [
        "MSG,1,1,1,4CA2D6,1,2026/11/23,11:00:00.000,2026/11/23,11:00:00.000,RYR4TV,,,,,,,,0,0,0,0",
        "MSG,3,1,1,4CA2D6,1,2026/11/23,11:00:01.000,2026/11/23,11:00:01.000,,3000,,,"
        "33.3105,44.3610,,,0,0,0,0",
        "this is no SBS line",
        "MSG,3,1,1,4CA2D6,1,2026/11/23,11:00:02.000,2026/11/23,11:00:02.000,,3025,,,"
        "33.3110,44.3620,,,0,0,0,0",
    ]
    payload = ("\r\n".join(lines) + "\r\n").encode()

    async def scenario() -> None:
        server, port = await _serve_bytes([payload])
        async with running_service(site, f"sqlite:///{tmp_path / 'db'}") as service:
            feed = asyncio.create_task(adsb_feed(service.runtime, ("127.0.0.1", port),
                                                 AdsbFormat.SBS, reconnect_s=60.0))
            await until(lambda: len(service.pipeline.fixes) == 2)
            feed.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await feed
            first, second = service.pipeline.fixes
            assert first.source is FixSource.ADSB and first.icao == "4CA2D6"
            assert first.callsign == "RYR4TV" and first.sensor == "adsb-1"
            assert (second.lat, second.lon) == (33.3110, 44.3620)
            assert second.alt_m == 3025 * 0.3048
            assert [source for source, _ in _rejected(service.runtime.metrics)] == ["sbs"]
        server.close()

    asyncio.run(scenario())


def test_replay_plays_a_recording_shifted_to_now(site: Site, tmp_path: Path) -> None:
    recording = write_recording(tmp_path / "rec", [*GOOD_LINES, *BROKEN_LINES.values()])

    async def scenario() -> None:
        async with running_service(site, f"sqlite:///{tmp_path / 'db'}") as service:
            started = time.time()
            await replay(service.runtime, recording, ReplayClock(1767261600.10, started, 10.0))
            await until(lambda: len(service.pipeline.reports) == len(GOOD_LINES))
            reports = service.pipeline.reports
            # File order is kept; times keep their spacing, compressed tenfold, from now.
            assert [r.sensor for r in reports] == [
                "radar-n", "rf-1", "mic-1", "eo-1", "rid-1", "adsb-1", "radar-n"]
            assert reports[0].t >= started
            assert reports[1].t - reports[0].t == pytest.approx(0.025, abs=1e-6)
            assert all(abs(r.t - started) < 1.0 for r in reports)
            rejected = _rejected(service.runtime.metrics)
            assert sum(rejected.values()) == len(BROKEN_LINES)
            assert all(source == "replay" for source, _ in rejected)

    asyncio.run(scenario())


def test_a_replayed_convoy_keeps_its_timetable(site: Site) -> None:
    clock = ReplayClock(t0=1767261600.0, started=1795000000.0, speed=2.0)
    timed = dataclasses.replace(site.assets[0], speed_mps=12.0, start_t=1767261690.0)
    shifted = shift_site(dataclasses.replace(site, assets=(timed,)), clock)
    (convoy,) = shifted.assets
    # 90 s after the recording's start, played twice as fast: 45 s after the replay's.
    assert convoy.start_t == 1795000000.0 + 45.0
    assert convoy.speed_mps == 24.0
    assert convoy.route == timed.route
    assert shifted.sensors == site.sensors
    # An asset placed by a live feed has no timetable to shift.
    assert shift_site(site, clock).assets == site.assets


def test_receivers_send_report_lines_and_a_bad_line_loses_nothing_else(
    site: Site, tmp_path: Path
) -> None:
    lines = [GOOD_LINES[0], *BROKEN_LINES.values(), *GOOD_LINES[1:]]

    async def scenario() -> None:
        async with running_service(site, f"sqlite:///{tmp_path / 'db'}") as service:
            server = ReportLineServer(service.runtime)
            host, port = await server.start("127.0.0.1", 0)
            try:
                _, writer = await asyncio.open_connection(host, port)
                writer.write(("\n".join(lines) + "\n").encode())
                await writer.drain()
                await until(lambda: len(service.pipeline.reports) >= len(GOOD_LINES), 10.0)
                writer.close()
            finally:
                await server.stop()
            received = service.pipeline.reports
            assert sorted(r.sensor for r in received) == sorted(
                line.split('"sensor": "')[1].split('"')[0] for line in GOOD_LINES)
            rejected = _rejected(service.runtime.metrics)
            assert {reason for source, reason in rejected if source == "reports"} == {
                "invalid JSON", "range_m: not a finite number", "sensor: unknown sensor",
                "range_m: missing", "az_deg: out of range"}

    asyncio.run(scenario())
