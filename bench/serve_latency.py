"""End-to-end latency of the live service, from a report's arrival to the WebSocket.

The service runs in-process (its own thread and event loop, the real pipeline, an SQLite
store in a temporary folder) and replays a simulated scenario at real speed; a WebSocket
client in the main thread receives the pictures. For every report the figure is the time
from its arrival at the runtime to the reception, by the client, of the first picture
whose instant covers it (the picture the report first updates its track in). Beside it,
in the same run: the runtime's own arrival-to-broadcast latency (before the socket), the
time the pipeline takes to advance one period, the deepest the ingest queue got, and
how many reports the tracker dropped for arriving after their instant was processed;
each at two picture lags (``--lag``): 0 s (freshest picture) and 1 s (the default,
which waits for late reports).

Run: ``.venv/bin/python bench/serve_latency.py [--duration 60] [--scenario capital]``
(both ``capital`` and ``swarm-500`` by default).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import numpy as np
import orjson
from websockets.asyncio.client import connect

from skywarden.serve.runtime import Item, Runtime
from skywarden.serve.service import Service, ServiceConfig

TOKEN = "bench-token"
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ArrivalLog:
    """Arrival wall times of reports, by measurement time, written by the service."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[float, float]] = []
        self.queue_max = 0

    def wrap(self, runtime: Runtime) -> None:
        """Record every report the runtime is handed (the feed calls ``submit``)."""
        submit = runtime.submit

        async def timed(source: str, item: Item) -> None:
            with self._lock:
                self._pending.append((item.t, time.time()))
            self.queue_max = max(self.queue_max, runtime.queue_depth)
            await submit(source, item)

        runtime.submit = timed  # type: ignore[method-assign]

    def covered_by(self, t: float) -> list[float]:
        """Take the arrival times of the reports a picture at ``t`` covers."""
        with self._lock:
            taken = [arrived for report_t, arrived in self._pending if report_t <= t]
            self._pending = [pair for pair in self._pending if pair[0] > t]
        return taken


def _simulate(scenario: str, folder: Path, duration: float) -> Path:
    subprocess.run([str(ROOT / ".venv" / "bin" / "skywarden"), "simulate", scenario, "--out",
                    str(folder), "--seed", "1", "--duration", str(duration)],
                   check=True, capture_output=True)
    return folder


def _run_service(config: ServiceConfig, log: ArrivalLog, ready: Future[Service],
                 done: threading.Event) -> None:
    async def main() -> None:
        service = Service(config)
        log.wrap(service.runtime)
        await service.start()
        ready.set_result(service)
        while not done.is_set():
            await asyncio.sleep(0.05)
        await service.stop()

    asyncio.run(main())


async def _listen(url: str, log: ArrivalLog, runtime: Runtime, seconds: float) -> list[float]:
    latencies: list[float] = []
    async with connect(f"{url}?token={TOKEN}", max_size=2**26) as socket:
        # Both measures cover the same reports: those after the client connected.
        runtime.latencies.clear()
        log.covered_by(float("inf"))
        end = time.time() + seconds
        while time.time() < end:
            try:
                raw = await asyncio.wait_for(socket.recv(), timeout=max(0.1, end - time.time()))
            except TimeoutError:
                break
            received = time.time()
            message = orjson.loads(raw)
            if message["type"] == "tracks":
                latencies.extend(received - arrived for arrived in log.covered_by(message["t"]))
    return latencies


def measure(scenario: str, duration: float, lag_s: float) -> dict[str, float]:
    """Replay ``scenario`` for ``duration`` seconds and measure the latencies."""
    with tempfile.TemporaryDirectory(prefix="skywarden-bench-") as scratch:
        recording = _simulate(scenario, Path(scratch) / "rec", duration)
        port = _free_port()
        config = ServiceConfig(site_file=recording, http=("127.0.0.1", port), sapient=None,
                               db_url=f"sqlite:///{Path(scratch) / 'bench.db'}",
                               replay=recording, admin_token=TOKEN, web_dir=None,
                               lag_s=lag_s)
        log = ArrivalLog()
        ready: Future[Service] = Future()
        done = threading.Event()
        thread = threading.Thread(target=_run_service, args=(config, log, ready, done))
        thread.start()
        try:
            service = ready.result(60)
            latencies = asyncio.run(_listen(f"ws://127.0.0.1:{port}/ws", log, service.runtime,
                                            duration + 4.0))
            internal = list(service.runtime.latencies)
            ticks = [s.value for m in service.runtime.metrics.tick_seconds.collect()
                     for s in m.samples if s.name.endswith("_sum") or s.name.endswith("_count")]
            tracks = len(service.runtime.tracks)
            tracker = getattr(service.runtime.pipeline, "tracker", None)
            too_late = tracker.stats.too_late if tracker is not None else float("nan")
        finally:
            done.set()
            thread.join(60)
    ws = np.array(latencies)
    inner = np.array(internal)
    return {
        "reports": float(ws.size),
        "ws_median_s": float(np.median(ws)),
        "ws_p99_s": float(np.percentile(ws, 99)),
        "internal_median_s": float(np.median(inner)),
        "internal_p99_s": float(np.percentile(inner, 99)),
        "advance_mean_s": ticks[1] / ticks[0] if ticks and ticks[0] else float("nan"),
        "queue_max": float(log.queue_max),
        "tracks_at_end": float(tracks),
        "too_late": float(too_late),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", action="append", help="capital, swarm-500, ...")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds replayed")
    parser.add_argument("--lag", type=float, action="append",
                        help="picture lag(s) to compare (default 0 and 1 s)")
    args = parser.parse_args()
    print(f"cpu: {os.cpu_count()} cores, python {sys.version.split()[0]}")
    header = (f"{'scenario':<10} {'lag':>4} {'reports':>8} {'ws median':>10} {'ws p99':>8} "
              f"{'runtime median':>15} {'runtime p99':>12} {'advance mean':>13} "
              f"{'queue max':>10} {'too late':>9} {'tracks':>7}")
    print(header)
    for scenario in args.scenario or ["capital", "swarm-500"]:
        for lag in args.lag or [0.0, 1.0]:
            r = measure(scenario, args.duration, lag)
            print(f"{scenario:<10} {lag:>3.1f}s {r['reports']:>8.0f} {r['ws_median_s']:>9.3f}s "
                  f"{r['ws_p99_s']:>7.3f}s {r['internal_median_s']:>14.3f}s "
                  f"{r['internal_p99_s']:>11.3f}s {r['advance_mean_s']:>12.3f}s "
                  f"{r['queue_max']:>10.0f} {r['too_late']:>9.0f} {r['tracks_at_end']:>7.0f}")


if __name__ == "__main__":
    main()
