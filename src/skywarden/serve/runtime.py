"""The live pipeline: ingest -> track/identify/warn -> store and publish, in one process.

Sources (the SAPIENT server, ADS-B feeds, a replayed recording) ``await submit(...)``
each report or position fix into a bounded queue: when the tracker falls behind the
queue fills and the sources wait, which pushes back through TCP to the senders instead
of growing memory. One worker thread owns the pipeline (``feed``/``feed_fix`` in
batches, ``advance`` once a period) so that the event loop stays free for the API;
another owns the store, with at most one period of writes in flight. Every period the
picture (tracks, alert changes, sensor health) is stored and broadcast to WebSocket
subscribers, each behind a small bounded queue that drops its oldest message rather
than slow everyone down.

Data time follows wall time here: live sources stamp reports with their measurement
time, a replay shifts its recording to now, and the picture is advanced to each whole
period of the clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol, TypeVar

import orjson

from skywarden.model import Alert, PositionFix, Report, Site, TrackState, Zone
from skywarden.recording import (
    alert_to_dict,
    report_to_dict,
    site_from_dict,
    site_to_dict,
    track_to_dict,
)
from skywarden.serve.health import SensorBoard
from skywarden.serve.metrics import Metrics
from skywarden.serve.store import Store

log = logging.getLogger(__name__)

R = TypeVar("R")

Item = Report | PositionFix
"""What a source hands the runtime."""

SENSOR_HEALTH_STORE_EVERY = 10
"""Periods between two writes of sensor health to the store."""
BATCH_MAX = 2000
"""Most reports fed to the pipeline in one hand-over to its thread."""
SUBSCRIBER_QUEUE = 64
"""Messages a WebSocket subscriber may lag behind before its oldest are dropped."""


class Picture(Protocol):
    """What the pipeline returns for one instant."""

    @property
    def t(self) -> float: ...
    @property
    def tracks(self) -> Sequence[TrackState]: ...
    @property
    def alerts(self) -> Sequence[Alert]: ...


class PicturePipeline(Protocol):
    """The processing pipeline the runtime drives (``skywarden.pipeline.Pipeline``)."""

    def feed(self, report: Report) -> Any: ...
    def feed_fix(self, fix: PositionFix) -> Any: ...
    def advance(self, t: float) -> Picture: ...
    def set_zones(self, zones: tuple[Zone, ...]) -> Any: ...


@dataclass(frozen=True, slots=True)
class Arrival:
    """An item as it arrived: wall time, the source that brought it, the item."""

    received_at: float
    source: str
    item: Item


def fix_to_dict(fix: PositionFix) -> dict[str, Any]:
    """A position fix as a JSON object (for the raw report log)."""
    out = {name: getattr(fix, name) for name in fix.__dataclass_fields__}
    out["source"] = fix.source.value
    out["cls"] = fix.cls.value if fix.cls is not None else None
    out["kind"] = "fix"
    return {k: v for k, v in out.items() if v is not None}


def _item_to_dict(item: Item) -> dict[str, Any]:
    return fix_to_dict(item) if isinstance(item, PositionFix) else report_to_dict(item)


class Subscriber:
    """One WebSocket client's outgoing messages, bounded."""

    def __init__(self, metrics: Metrics) -> None:
        self.queue: asyncio.Queue[str] = asyncio.Queue(SUBSCRIBER_QUEUE)
        self._metrics = metrics

    def offer(self, message: str) -> None:
        """Queue a message, dropping the oldest one when the client lags."""
        if self.queue.full():
            self.queue.get_nowait()
            self._metrics.ws_dropped.inc()
        self.queue.put_nowait(message)


@dataclass
class _Tick:
    """What one advance produced, with the arrivals it included."""

    picture: Picture
    included: list[float]
    arrivals: list[Arrival]
    advance_s: float


@dataclass
class Runtime:
    """The asyncio pipeline of the live service."""

    site: Site
    pipeline: PicturePipeline
    store: Store
    period_s: float = 1.0
    lag_s: float = 0.0
    """How far the picture trails the clock, so that reports arriving that late still
    count (the tracker drops a report older than the instant it already processed)."""
    queue_size: int = 20_000
    clock: Callable[[], float] = time.time
    log_raw_reports: bool = True
    metrics: Metrics = field(default_factory=Metrics)

    def __post_init__(self) -> None:
        self.board = SensorBoard(self.site.sensors)
        self.run_id = 0
        self.tracks: dict[str, dict[str, Any]] = {}
        self.picture_t: float | None = None
        self.zones: dict[str, dict[str, Any]] = {
            z["id"]: z for z in site_to_dict(self.site).get("zones", [])
        }
        self._queue: asyncio.Queue[Arrival] = asyncio.Queue(self.queue_size)
        self._subscribers: set[Subscriber] = set()
        self._pipeline_thread = ThreadPoolExecutor(1, thread_name_prefix="skywarden-pipeline")
        self._store_thread = ThreadPoolExecutor(1, thread_name_prefix="skywarden-store")
        self._fed: list[tuple[float, float]] = []
        self._fed_arrivals: list[Arrival] = []
        self._alert_keys: dict[str, tuple[str, str]] = {}
        self._pending_write: asyncio.Future[None] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._ticks = 0
        self.latencies: list[float] = []
        """Report-to-publication latencies, seconds, for benchmarks (bounded)."""

    # --- life cycle -----------------------------------------------------------------

    async def start(self, note: str = "") -> None:
        """Open a run in the store, restore edited zones, and start the loops."""
        self.run_id = await self.db(self.store.start_run, self.clock(), note)
        for zone in await self.db(self.store.zones):
            self.zones[zone["id"]] = zone
        for alert in await self.db(self.store.alerts, "open"):
            self._alert_keys[alert["alert_id"]] = (alert["state"], alert["severity"])
        self._tasks = [
            asyncio.create_task(self._consume(), name="skywarden-consume"),
            asyncio.create_task(self._tick_loop(), name="skywarden-tick"),
        ]

    async def stop(self) -> None:
        """Stop the loops and wait for the last writes; the store stays open."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._pending_write is not None:
            await self._pending_write
        self._pipeline_thread.shutdown(wait=True)
        self._store_thread.shutdown(wait=True)

    async def db(self, fn: Callable[..., R], *args: Any) -> R:
        """Run a store call on the store's thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._store_thread, partial(fn, *args))

    # --- ingest ---------------------------------------------------------------------

    async def submit(self, source: str, item: Item) -> None:
        """Hand one report or fix to the pipeline; waits while the queue is full."""
        received_at = self.clock()
        self.board.count(item.sensor, received_at, item.t)
        self.metrics.reports.labels(source).inc()
        await self._queue.put(Arrival(received_at, source, item))

    def reject(self, source: str, reason: str, count: int = 1) -> None:
        """Count input rejected before it reached the runtime."""
        self.metrics.rejected.labels(source, reason).inc(count)

    @property
    def queue_depth(self) -> int:
        """Items waiting for the pipeline."""
        return self._queue.qsize()

    async def _consume(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            while len(batch) < BATCH_MAX and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            self.metrics.queue_depth.set(self._queue.qsize())
            await loop.run_in_executor(self._pipeline_thread, self._feed, batch)

    def _feed(self, batch: list[Arrival]) -> None:
        """Feed a batch to the pipeline (on its thread); a bad item is rejected alone."""
        for arrival in batch:
            item = arrival.item
            try:
                if isinstance(item, PositionFix):
                    self.pipeline.feed_fix(item)
                else:
                    self.pipeline.feed(item)
            except Exception as error:
                self.metrics.rejected.labels(arrival.source, type(error).__name__).inc()
                log.warning("%s report from %s rejected by the pipeline: %s",
                            arrival.source, item.sensor, error)
                continue
            self._fed.append((item.t, arrival.received_at))
            if self.log_raw_reports:
                self._fed_arrivals.append(arrival)

    # --- the periodic picture -------------------------------------------------------

    async def _tick_loop(self) -> None:
        loop = asyncio.get_running_loop()
        next_t = math.floor(self.clock() / self.period_s) * self.period_s + self.period_s
        while True:
            await asyncio.sleep(max(0.0, next_t - self.clock()))
            try:
                tick = await loop.run_in_executor(self._pipeline_thread, self._advance,
                                                  next_t - self.lag_s)
                await self._publish(tick)
            except Exception:
                log.exception("picture at t=%.1f failed; the service goes on", next_t)
            next_t += self.period_s
            behind = self.clock() - next_t
            if behind > self.period_s:
                skipped = math.floor(behind / self.period_s)
                log.warning("pipeline %.1f s behind real time: skipping %d periods",
                            behind, skipped)
                next_t += skipped * self.period_s

    def _advance(self, t: float) -> _Tick:
        """Advance the pipeline to ``t`` (on its thread) and take the arrivals it holds."""
        started = time.perf_counter()
        picture = self.pipeline.advance(t)
        advance_s = time.perf_counter() - started
        included = [received for report_t, received in self._fed if report_t <= t]
        self._fed = [pair for pair in self._fed if pair[0] > t]
        arrivals, self._fed_arrivals = self._fed_arrivals, []
        return _Tick(picture, included, arrivals, advance_s)

    def _alert_dict(self, alert: Alert) -> dict[str, Any]:
        out = alert_to_dict(alert)
        out["alert_id"] = f"R{self.run_id}-{alert.alert_id}"
        return out

    async def _publish(self, tick: _Tick) -> None:
        picture = tick.picture
        self.metrics.tick_seconds.observe(tick.advance_s)
        tracks = [track_to_dict(tr) for tr in picture.tracks]
        self.tracks = {tr["track_id"]: tr for tr in tracks}
        self.picture_t = picture.t
        changed = []
        for alert in picture.alerts:
            as_dict = self._alert_dict(alert)
            key = (as_dict["state"], as_dict["severity"])
            if self._alert_keys.get(as_dict["alert_id"]) != key:
                changed.append(as_dict)
                self._alert_keys[as_dict["alert_id"]] = key
        for as_dict in changed:
            if as_dict["state"] == "closed":
                self._alert_keys.pop(as_dict["alert_id"], None)
        self.metrics.tracks.set(len(tracks))
        self.metrics.open_alerts.set(len(self._alert_keys))

        self.broadcast({"type": "tracks", "t": picture.t, "tracks": tracks})
        now = self.clock()
        for latency in (now - received for received in tick.included):
            self.metrics.report_latency.observe(latency)
        self.latencies.extend(now - received for received in tick.included)
        del self.latencies[:-200_000]

        self._ticks += 1
        sensors = self.board.snapshot(now)
        self.broadcast({"type": "sensors", "sensors": sensors})
        if self._pending_write is not None:
            # Shielded: stopping the service must not cancel a write half-way.
            await asyncio.shield(self._pending_write)
        loop = asyncio.get_running_loop()
        self._pending_write = loop.run_in_executor(
            self._store_thread, self._write, tracks, changed, tick.arrivals,
            sensors if self._ticks % SENSOR_HEALTH_STORE_EVERY == 1 else [], now,
        )
        if changed:
            await asyncio.shield(self._pending_write)
            for as_dict in changed:
                stored = await self.db(self.store.alert, as_dict["alert_id"])
                if stored is not None:
                    stored.pop("events", None)
                    self.broadcast({"type": "alert", "alert": stored})

    def _write(self, tracks: list[dict[str, Any]], alerts: list[dict[str, Any]],
               arrivals: list[Arrival], sensors: list[dict[str, Any]], now: float) -> None:
        """Store one period's picture (on the store's thread)."""
        self.store.save_tracks(self.run_id, tracks)
        for alert in alerts:
            self.store.save_alert(self.run_id, alert)
        self.store.save_sensor_health(now, sensors)
        self.store.log_reports([
            (a.received_at, a.item.t, a.source, a.item.sensor, _item_to_dict(a.item))
            for a in arrivals
        ])

    # --- publish --------------------------------------------------------------------

    def subscribe(self) -> Subscriber:
        """A new WebSocket subscriber."""
        subscriber = Subscriber(self.metrics)
        self._subscribers.add(subscriber)
        self.metrics.ws_clients.set(len(self._subscribers))
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        """Forget a subscriber that went away."""
        self._subscribers.discard(subscriber)
        self.metrics.ws_clients.set(len(self._subscribers))

    def broadcast(self, message: dict[str, Any]) -> None:
        """Send a message to every subscriber (serialised once)."""
        if not self._subscribers:
            return
        text = orjson.dumps(message).decode()
        for subscriber in self._subscribers:
            subscriber.offer(text)

    # --- operator actions -----------------------------------------------------------

    async def acknowledge(self, alert_id: str, actor: str, role: str,
                          note: str = "") -> dict[str, Any] | None:
        """Acknowledge an alert, audit it, and tell every subscriber."""
        now = self.clock()
        alert = await self.db(self.store.acknowledge, alert_id, actor, now, note)
        if alert is None:
            return None
        await self.db(self.store.audit, now, actor, role, "acknowledge", alert_id,
                      {"note": note})
        alert.pop("events", None)
        self.broadcast({"type": "alert", "alert": alert})
        return alert

    async def update_zone(self, zone: dict[str, Any], actor: str, role: str) -> None:
        """Check an edited zone, store and audit it, have the pipeline warn about it from
        the next picture on, and tell every subscriber; ``SiteError`` when unusable."""
        edited = {**self.zones, zone["id"]: zone}
        watched = site_from_dict({**site_to_dict(self.site), "zones": list(edited.values())})
        now = self.clock()
        await self.db(self.store.save_zone, now, zone)
        await self.db(self.store.audit, now, actor, role, "edit_zone", zone["id"], zone)
        self.zones[zone["id"]] = zone
        await asyncio.get_running_loop().run_in_executor(
            self._pipeline_thread, self.pipeline.set_zones, watched.zones)
        self.broadcast({"type": "zone", "zone": zone})
