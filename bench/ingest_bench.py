"""Decoding throughput of the cooperative ingest path, beside peers in the same run.

- Remote ID: :func:`skywarden.ingest.remoteid.decode_each` on every payload of the
  three real captures, beside a bare ``struct.unpack`` of the same 25-byte messages
  (the least any decoder must do).
- ADS-B: :class:`skywarden.ingest.adsb.AdsbDecoder` on the real Beast capture, beside
  pyModeS's own stateless ``decode`` and its stateful ``PipeDecoder`` on the same frames.
- Beast: :class:`skywarden.ingest.beast.BeastParser` on the capture repeated.
- The whole path: :class:`skywarden.ingest.cooperative.CooperativeDecoder` on reports.

Run: ``.venv/bin/python bench/ingest_bench.py``.
"""

from __future__ import annotations

import contextlib
import gc
import io
import struct
import time
from collections.abc import Callable
from pathlib import Path

import pyModeS as pms

from skywarden.ingest.adsb import AdsbDecoder, AdsbError
from skywarden.ingest.beast import BeastFrame, BeastParser, read_beast
from skywarden.ingest.cooperative import CooperativeDecoder
from skywarden.ingest.remoteid import decode_each
from skywarden.ingest.transports import RemoteIdFrame, read_capture
from skywarden.model import AdsbReport, RemoteIdReport

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
_LOCATION = struct.Struct("<BBBBbiiHHHBBHBx")


def _rate(label: str, items: int, run: Callable[[], object], repeat: int = 9) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    rate = items / best
    print(f"  {label:<44} {rate:>12,.0f} /s   ({items} in {best * 1e3:.1f} ms)")
    return rate


def remote_id() -> None:
    payloads = [
        f.payload
        for name in ("odid_wifi_bcn_sample.pcap", "odid_wifi_sample.pcap",
                     "odid_bt5_lr_sample.pcapng")
        for f in read_capture(DATA / "remoteid" / name)
        if isinstance(f, RemoteIdFrame)
    ] * 20
    messages = sum(len(decode_each(p)) for p in payloads)
    print(f"Remote ID: {len(payloads)} frames, {messages} messages")
    ours = _rate("skywarden decode_each (messages)", messages,
                 lambda: [decode_each(p) for p in payloads])
    chunks = [p[3 + 25 * i: 28 + 25 * i] for p in payloads for i in range(p[2])]
    bare = _rate("peer: bare struct.unpack (messages)", len(chunks),
                 lambda: [_LOCATION.unpack(c) for c in chunks])
    print(f"  -> {bare / ours:.1f}x the cost of a bare unpack")


def adsb() -> None:
    data = (DATA / "adsb" / "sample_dump1090.beast").read_bytes()
    frames = [f for f in read_beast(io.BytesIO(data)) if isinstance(f, BeastFrame)] * 20
    hexes = [f.data.hex() for f in frames]
    times = [f.mlat_s + 60 * (i // 239) for i, f in enumerate(frames)]
    print(f"ADS-B: {len(frames)} frames")

    def ours() -> None:
        decoder = AdsbDecoder()
        for f, t in zip(frames, times, strict=True):
            with contextlib.suppress(AdsbError):
                decoder.decode(f.data, t)

    def pipe() -> None:
        decoder = pms.PipeDecoder()
        for h, t in zip(hexes, times, strict=True):
            decoder.decode(h, timestamp=t)

    _rate("skywarden AdsbDecoder (state, SI units)", len(frames), ours)
    _rate("peer: pyModeS.decode (stateless)", len(frames), lambda: [pms.decode(h) for h in hexes])
    _rate("peer: pyModeS.PipeDecoder (stateful)", len(frames), pipe)
    stream = data * 50

    def beast() -> None:
        parser = BeastParser()
        for i in range(0, len(stream), 4096):
            parser.feed(stream[i : i + 4096])

    _rate("skywarden BeastParser (frames)", 239 * 50, beast)


def cooperative() -> None:
    reports: list[RemoteIdReport | AdsbReport] = [
        RemoteIdReport(f.t, "rid-1", f.payload)
        for f in read_capture(DATA / "remoteid" / "odid_wifi_bcn_sample.pcap")
        if isinstance(f, RemoteIdFrame)
    ] * 50
    print(f"Cooperative decoder: {len(reports)} Remote ID packs")

    def feed() -> None:
        decoder = CooperativeDecoder()
        for report in reports:
            decoder.feed(report)

    _rate("CooperativeDecoder.feed (reports)", len(reports), feed)


if __name__ == "__main__":
    remote_id()
    adsb()
    cooperative()
