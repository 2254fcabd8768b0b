"""Live feeds other than SAPIENT: a recording replayed as if live, and ADS-B TCP feeds.

``replay`` plays a recording's detections in their file (arrival) order, paced by their
measurement times and shifted so that the first report is now: with ``speed`` 2 the
recording plays twice as fast and its times are compressed to match, so that data time
keeps following wall time. With ``loop`` it starts over when it ends, later in time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from pathlib import Path

from skywarden.recording import Rejections, iter_reports
from skywarden.serve.runtime import Runtime

log = logging.getLogger(__name__)

REPLAY_SOURCE = "replay"
PACING_SLACK_S = 0.002
"""A report due sooner than this is sent at once (sleeping that little costs more)."""


async def replay(runtime: Runtime, recording: Path, *, speed: float = 1.0,
                 loop: bool = False) -> None:
    """Play a recording into the runtime as a live feed shifted to now."""
    if speed <= 0.0:
        raise ValueError("replay speed must be positive")
    while True:
        rejections = Rejections()
        started = time.time()
        t0: float | None = None
        played = 0
        for report in iter_reports(recording, runtime.site, rejections):
            if t0 is None:
                t0 = report.t
            live_t = started + (report.t - t0) / speed
            wait = live_t - time.time()
            if wait > PACING_SLACK_S:
                await asyncio.sleep(wait)
            await runtime.submit(REPLAY_SOURCE, dataclasses.replace(report, t=live_t))
            played += 1
        for reason, count in rejections.counts.items():
            runtime.reject(REPLAY_SOURCE, reason, count)
        log.info("replay of %s: %d reports played, %d lines rejected", recording, played,
                 rejections.total)
        if not loop or played == 0:
            return
