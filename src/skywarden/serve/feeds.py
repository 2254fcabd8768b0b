"""Live feeds other than SAPIENT: a recording replayed as if live, ADS-B TCP feeds, and
receivers that send report lines.

``adsb_feed`` is a client of a dump1090/readsb receiver: the Beast binary stream (port
30005) gives raw Mode S frames, which go to the pipeline as ADS-B reports for it to
decode; the SBS text stream (port 30003) gives decoded positions, which become position
fixes here. Reports are stamped with their arrival time (the receiver's clocks are its
own). A bad frame or line is counted and skipped; a lost connection is retried.

``replay`` plays a recording's detections in their file (arrival) order, paced by their
measurement times and shifted so that the first report is now: with ``speed`` 2 the
recording plays twice as fast and its times are compressed to match, so that data time
keeps following wall time. With ``loop`` it starts over when it ends, later in time.

``ReportLineServer`` is where receivers with no protocol of their own connect (a Remote
ID receiver, an RF or acoustic gateway): each sends lines exactly as detections.jsonl
holds them (recording format, one report a line, the sensor's id from the site file and
its measurement time). Every line is validated on its own; a bad one is counted with its
reason and the connection goes on.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from skywarden.ingest.beast import BeastError, BeastParser, FrameType
from skywarden.ingest.cooperative import CooperativeDecoder
from skywarden.ingest.sbs import SbsError, parse_sbs
from skywarden.model import AdsbReport, SensorType, Site
from skywarden.recording import LineError, Rejections, iter_reports, parse_report_line
from skywarden.serve.runtime import Runtime

log = logging.getLogger(__name__)

REPLAY_SOURCE = "replay"
PACING_SLACK_S = 0.002
"""A report due sooner than this is sent at once (sleeping that little costs more)."""


@dataclass(frozen=True, slots=True)
class ReplayClock:
    """Maps a recording's times to live times: ``t0`` plays at wall time ``started``,
    ``speed`` times faster than it was recorded."""

    t0: float
    started: float
    speed: float = 1.0

    def live(self, t: float) -> float:
        """The live time of recording time ``t``."""
        return self.started + (t - self.t0) / self.speed


def first_report_time(recording: Path, site: Site) -> float | None:
    """The measurement time of a recording's first good report (its replay origin)."""
    for report in iter_reports(recording, site, Rejections()):
        return report.t
    return None


def shift_site(site: Site, clock: ReplayClock) -> Site:
    """The site as it plays live: assets that follow their route on a timetable start
    at the replayed time and move at the replayed speed, so that a convoy is where the
    recording had it."""
    assets = tuple(
        dataclasses.replace(asset, start_t=clock.live(asset.start_t),
                            speed_mps=None if asset.speed_mps is None
                            else asset.speed_mps * clock.speed)
        if asset.start_t is not None else asset
        for asset in site.assets
    )
    return dataclasses.replace(site, assets=assets)


async def replay(runtime: Runtime, recording: Path, clock: ReplayClock, *,
                 loop: bool = False) -> None:
    """Play a recording into the runtime as a live feed on ``clock``; with ``loop`` it
    plays again from the end of each pass (timetabled assets keep the first pass)."""
    while True:
        rejections = Rejections()
        played = 0
        last_live = clock.started
        for report in iter_reports(recording, runtime.site, rejections):
            live_t = clock.live(report.t)
            wait = live_t - time.time()
            if wait > PACING_SLACK_S:
                await asyncio.sleep(wait)
            await runtime.submit(REPLAY_SOURCE, dataclasses.replace(report, t=live_t))
            last_live = max(last_live, live_t)
            played += 1
        for reason, count in rejections.counts.items():
            runtime.reject(REPLAY_SOURCE, reason, count)
        log.info("replay of %s: %d reports played, %d lines rejected", recording, played,
                 rejections.total)
        if not loop or played == 0:
            return
        clock = ReplayClock(clock.t0, last_live + 1.0, clock.speed)


class AdsbFormat(StrEnum):
    """The two streams a dump1090/readsb receiver serves."""

    BEAST = "beast"
    SBS = "sbs"


RECONNECT_S = 5.0
"""Wait before connecting again to a receiver that went away."""
SBS_LINE_LIMIT = 4096
"""Longest SBS line read; a longer one is a broken stream."""


def adsb_sensor_id(site: Site, address: tuple[str, int]) -> str:
    """The sensor a receiver's reports are from: the site's ADS-B receiver when it has
    exactly one, else one named after the feed's address."""
    receivers = [s.id for s in site.sensors if s.type is SensorType.ADSB]
    return receivers[0] if len(receivers) == 1 else f"adsb-{address[0]}:{address[1]}"


async def adsb_feed(runtime: Runtime, address: tuple[str, int], fmt: AdsbFormat, *,
                    reconnect_s: float = RECONNECT_S) -> None:
    """Read a receiver's stream into the runtime for as long as the service runs."""
    sensor = adsb_sensor_id(runtime.site, address)
    while True:
        try:
            reader, writer = await asyncio.open_connection(
                *address, limit=SBS_LINE_LIMIT if fmt is AdsbFormat.SBS else 2**16)
        except OSError as error:
            log.warning("%s feed %s:%d unreachable (%s); retrying in %.0f s", fmt.value,
                        *address, error, reconnect_s)
            await asyncio.sleep(reconnect_s)
            continue
        log.info("%s feed connected to %s:%d as sensor %s", fmt.value, *address, sensor)
        try:
            if fmt is AdsbFormat.BEAST:
                await _read_beast(runtime, reader, sensor)
            else:
                await _read_sbs(runtime, reader, sensor)
        except (OSError, asyncio.IncompleteReadError) as error:
            log.warning("%s feed %s:%d lost: %s", fmt.value, *address, error)
        finally:
            writer.close()
        await asyncio.sleep(reconnect_s)


async def _read_beast(runtime: Runtime, reader: asyncio.StreamReader, sensor: str) -> None:
    parser = BeastParser()
    while chunk := await reader.read(65536):
        now = time.time()
        for item in parser.feed(chunk):
            if isinstance(item, BeastError):
                runtime.reject(AdsbFormat.BEAST.value, item.reason)
            elif item.frame_type in (FrameType.MODE_S_SHORT, FrameType.MODE_S_LONG):
                await runtime.submit(AdsbFormat.BEAST.value, AdsbReport(
                    t=now, sensor=sensor, modes=bytes(item.data), rssi_dbm=item.rssi_dbfs))
    for error in parser.finish():
        runtime.reject(AdsbFormat.BEAST.value, error.reason)


async def _read_sbs(runtime: Runtime, reader: asyncio.StreamReader, sensor: str) -> None:
    decoder = CooperativeDecoder(runtime.site)
    while True:
        try:
            raw = await reader.readline()
        except ValueError:
            runtime.reject(AdsbFormat.SBS.value, "line too long")
            raise OSError("SBS line over the limit: stream out of step") from None
        if not raw:
            return
        line = raw.decode("ascii", "replace")
        if not line.strip():
            continue
        try:
            message = parse_sbs(line)
        except SbsError as error:
            runtime.reject(AdsbFormat.SBS.value, error.reason)
            log.debug("SBS line rejected: %s | %s", error, line.rstrip()[:120])
            continue
        for fix in decoder.feed_sbs(dataclasses.replace(message, t=time.time()), sensor):
            await runtime.submit(AdsbFormat.SBS.value, fix)


REPORT_LINES_SOURCE = "reports"
REPORT_LINE_LIMIT = 65536
"""Longest report line read; a longer one is a broken stream and ends the connection."""


class ReportLineServer:
    """A TCP server taking report lines (the detections.jsonl format) from receivers."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the address bound (port 0 picks a free one)."""
        self._server = await asyncio.start_server(self._connection, host, port,
                                                  limit=REPORT_LINE_LIMIT)
        bound = self._server.sockets[0].getsockname()
        return str(bound[0]), int(bound[1])

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()

    async def _connection(self, reader: asyncio.StreamReader,
                          writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        types = {s.id: s.type for s in self.runtime.site.sensors}
        self._writers.add(writer)
        try:
            while raw := await reader.readline():
                if not raw.strip():
                    continue
                try:
                    report = parse_report_line(raw, types)
                except LineError as error:
                    self.runtime.reject(REPORT_LINES_SOURCE, error.error_class)
                    log.debug("report line from %s rejected: %s", peer, error)
                    continue
                await self.runtime.submit(REPORT_LINES_SOURCE, report)
        except ValueError:
            self.runtime.reject(REPORT_LINES_SOURCE, "line too long")
            log.warning("report feed %s sent a line over %d bytes: disconnected", peer,
                        REPORT_LINE_LIMIT)
        except (OSError, asyncio.IncompleteReadError) as error:
            log.info("report feed %s lost: %s", peer, error)
        finally:
            self._writers.discard(writer)
            writer.close()
