"""The multi-sensor tracker: reorder buffer, batch loop, track management and evidence.

Reports go into a reorder buffer and are processed only when the caller moves the data
clock past them (:meth:`Tracker.process_until`), in measurement-time order, so reports
that arrive late and out of order are used as if they had arrived on time. One that
comes after its instant was already processed is counted and logged as too late,
never silently lost.

Processing goes batch by batch: a batch is the reports of one sensor with the same
fields within a fraction of the sensor's period. Every track's state lives in NumPy
arrays (one row a track, a model axis for the IMM), so that gating, assignment and the
filter update each run once per batch over all tracks.

Track life: a new track is tentative; ``confirm_hits`` updates within
``confirm_window_s`` confirm it (M-of-N), otherwise it is dropped. A confirmed track
coasts when updates stop and is deleted when it has coasted longer than its record
earns it or its position has become too uncertain (track quality). Tentative tracks
that duplicate another track are dropped, and confirmed tracks that stay on top of one
another are merged into the older one. Each such merge is recorded as a
:class:`TrackMerge` that the caller takes with :meth:`Tracker.take_merges`, so that what
it keeps per track (identity, alerts) can follow the surviving track.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import LocalFrame
from skywarden.model import (
    EMITTING_MIN_RF_HITS,
    RECENT_EVIDENCE_S,
    AcousticReport,
    EoReport,
    PositionFix,
    RadarReport,
    RangeMotion,
    RfReport,
    SensorType,
    Site,
    TargetClass,
    TrackEvidence,
    TrackState,
)
from skywarden.track import associate, initiate, measure
from skywarden.track.clutter import ClutterConfig, ClutterMap
from skywarden.track.doppler import range_motion
from skywarden.track.measure import Kind, Measurable, MeasurementBatch, SensorGeometry
from skywarden.track.models import (
    HOVER,
    MODEL_NAMES,
    N_MODELS,
    STATE_DIM,
    Imm,
    MotionConfig,
    combine,
    predict_cv_only,
)
from skywarden.track.recent import RecentSums

log = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]
BoolArray = NDArray[np.bool_]

RANGE_MARGIN = 1.25
"""A bearing sensor's measurements are only paired with tracks within this multiple of
its maximum range: a microphone does not hear a drone three kilometres away."""
IDENTITY_BONUS = 25.0
"""Cost taken off a fix-to-track pair whose broadcast identity the track already carries."""

RANGED_KEPT = 8
"""Times of a track's own radar plots kept (:attr:`TrackInfo.ranged_t`)."""
RADAR_PLOTS_KEPT = 8
"""Plots with a range rate kept per radar and track (:attr:`TrackInfo.radar_plots`)."""


class Status(IntEnum):
    """Where a track is in its life: tentative until M-of-N confirms it, confirmed while
    updates come, coasting (still reported, predicted) while they have stopped."""

    TENTATIVE = 0
    CONFIRMED = 1
    COASTING = 2


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """Everything that tunes the tracker; the defaults suit drones over a city."""

    motion: MotionConfig = field(default_factory=MotionConfig)
    init: initiate.InitConfig = field(default_factory=initiate.InitConfig)
    clutter: ClutterConfig = field(default_factory=ClutterConfig)
    confirm_hits: int = 3
    confirm_window_s: float = 4.0
    confirm_max_nis: float = 2.5
    """A tentative track confirms only if its updates fitted: the mean of its normalised
    innovations (squared Mahalanobis distance over the measurement dimension, 1 on
    average for a true target) must not exceed this. Clutter that falls in a gate by
    chance lands anywhere in it and scores far higher."""
    coast_after_s: float = 2.5
    """A confirmed track with no update for this long is coasting."""
    coast_min_s: float = 4.0
    """A confirmed track may coast at least this long without an update."""
    coast_max_s: float = 12.0
    coast_per_hit_s: float = 0.2
    """Each update earns a confirmed track this much more coasting, up to the maximum."""
    nis_memory: float = 0.2
    """Weight of the newest update in a track's running normalised innovation."""
    max_recent_nis: float = 3.0
    """A confirmed track whose running normalised innovation climbs above this no
    longer fits its measurements (a persistent clutter return, two targets crossing
    that it cannot follow) and is deleted."""
    gate_accel_mps2: float = 5.0
    """Acceleration allowed for in gates, above the filter's own process noise, so that
    a hovering drone that sets off (its Doppler jumps) is still gated to its track."""
    max_position_sigma_m: float = 250.0
    batch_span_s: float = 0.3
    """Longest time span of one batch (and at most half the sensor's period)."""
    recent_source_s: float = 5.0
    history_rows: int = 120
    fixes_kept: int = 8
    hover_speed_mps: float = 1.0
    merge_confirmed_after: int = 3
    """Confirmed tracks found on top of each other at this many checks in a row merge."""
    depth_blur_ratio: float = 1.5
    """A camera bearing that confirmed tracks share, the farthest more than this many
    times as far from the camera as the nearest, gives its class label to none."""
    confirm_min_looks: int = 2
    """A tentative track confirms only once it has been placed in space this many times
    (:attr:`TrackInfo.position_looks`). Bearings from one sensor only say the target
    lies on a line: a clutter plot that happens to lie on a camera's line of sight to
    some far drone would otherwise confirm on that camera's updates alone."""


@dataclass(frozen=True, slots=True)
class TrackMerge:
    """Confirmed track ``absorbed_id`` merged into ``survivor_id`` at data time ``t``: from
    then on only the survivor is reported, and it carries the absorbed track's evidence."""

    absorbed_id: str
    survivor_id: str
    t: float


def _recent_window() -> RecentSums[Any]:
    return RecentSums(RECENT_EVIDENCE_S)


@dataclass
class TrackInfo:
    """Per-track bookkeeping that is not filter state: identity and evidence."""

    track_id: str
    first_t: float
    sources: dict[str, float] = field(default_factory=dict)
    source_types: set[SensorType] = field(default_factory=set)
    history: deque[tuple[float, float, float, float, float, float, float]] = field(
        default_factory=deque
    )
    hover_s: float = 0.0
    last_snapshot_t: float | None = None
    eo_votes: RecentSums[TargetClass] = field(default_factory=_recent_window)
    """Camera confidence per class, of the last :data:`RECENT_EVIDENCE_S`."""
    rf_hits: int = 0
    rf_recent: RecentSums[None] = field(default_factory=_recent_window)
    f0_hz: float | None = None
    f0_t: float = -math.inf
    rcs_recent: RecentSums[None] = field(default_factory=_recent_window)
    """Radar cross-sections (dBsm) of the last :data:`RECENT_EVIDENCE_S`."""
    sensor_updates: int = 0
    fix_updates: int = 0
    remote_id: str | None = None
    remote_id_auth: str | None = None
    """The authentication record the latest Remote ID fix says was broadcast."""
    icao: str | None = None
    callsign: str | None = None
    operator_lat: float | None = None
    operator_lon: float | None = None
    fixes: deque[PositionFix] = field(default_factory=deque)
    doppler: dict[str, list[float]] = field(default_factory=dict)
    """Per radar: [sum of range rates, sum of their sizes] of the plots absorbed."""
    position_looks: int = 0
    """Measurements that placed the target in space on their own: radar plots and
    position fixes; a track started by triangulation begins with two (two sensors'
    lines of sight crossed to place it)."""
    ranged_t: deque[float] = field(default_factory=lambda: deque(maxlen=RANGED_KEPT))
    """When the latest radar plots that no other established track contested updated
    the track. A ghost of crossing bearings beside a drone takes that drone's plots now
    and then; they say nothing of an object of its own."""
    radar_plots: dict[str, deque[RadarReport]] = field(default_factory=dict)
    """Per radar: its latest plots of the track (:data:`RADAR_PLOTS_KEPT`)."""
    doppler_flips: RecentSums[None] = field(default_factory=_recent_window)
    """One item per pair of successive plots of one radar, of the last
    :data:`RECENT_EVIDENCE_S`: 1 when the range rate changed sign between them."""
    leak_spots: deque[tuple[float, bool]] = field(
        default_factory=lambda: deque(maxlen=RADAR_PLOTS_KEPT))
    """The latest radar plots' times, each with whether it landed where a fixed return
    has been leaking (:meth:`~skywarden.track.clutter.ClutterMap.leak_spots`)."""

    def recent_rf_hits(self, now: float) -> float:
        """RF updates within :data:`RECENT_EVIDENCE_S` of ``now``, each counted for the
        share of its emission that is the track's own (:meth:`Tracker._shares`)."""
        return self.rf_recent.total(now)[0]

    def recent_rcs_dbsm(self, now: float) -> float | None:
        """Mean radar cross-section of the plots within :data:`RECENT_EVIDENCE_S`."""
        total, count = self.rcs_recent.total(now)
        return total / count if count else None

    def doppler_steady(self, max_bias: float) -> bool:
        """Whether every radar that saw the track kept seeing its range rate with one
        sign (a fixed return leaking through the MTI swings both ways)."""
        return all(abs(total) >= max_bias * size for total, size in self.doppler.values())

    def absorb(self, item: Measurable, sensor_type: SensorType, t: float,
               classify: bool = True, contested: bool = False, share: float = 1.0,
               leak_spot: bool = False) -> None:
        """Record what one associated measurement says about the target; a camera's
        class label only when ``classify`` (it is known which object it labelled), a
        radar plot as ranging only when not ``contested`` by another track, and as
        landing on a ``leak_spot`` of the clutter map or not, an RF bearing as the
        ``share`` of an emission that is the track's own."""
        self.sources[item.sensor] = t
        self.source_types.add(sensor_type)
        if isinstance(item, PositionFix | RadarReport):
            self.position_looks += 1
        if isinstance(item, PositionFix):
            self.fix_updates += 1
            self.fixes.append(item)
            self.remote_id = item.remote_id or self.remote_id
            if item.remote_id is not None:
                self.remote_id_auth = item.auth_type
            self.icao = item.icao or self.icao
            self.callsign = item.callsign or self.callsign
            if item.operator_lat is not None and item.operator_lon is not None:
                self.operator_lat, self.operator_lon = item.operator_lat, item.operator_lon
            return
        self.sensor_updates += 1
        if isinstance(item, EoReport):
            if item.cls is not None and classify:
                self.eo_votes.add(t, item.cls, 1.0 if item.conf is None else item.conf)
        elif isinstance(item, RfReport):
            self.rf_hits += 1
            self.rf_recent.add(t, None, share)
        elif isinstance(item, AcousticReport):
            if item.f0_hz is not None:
                self.f0_hz = item.f0_hz
                self.f0_t = max(self.f0_t, t)
        elif isinstance(item, RadarReport):
            if not contested:
                self.ranged_t.append(t)
            self.leak_spots.append((t, leak_spot))
            if item.rcs_dbsm is not None:
                self.rcs_recent.add(t, None, item.rcs_dbsm)
            if item.rr_mps is not None:
                sums = self.doppler.setdefault(item.sensor, [0.0, 0.0])
                sums[0] += item.rr_mps
                sums[1] += abs(item.rr_mps)
                plots = self.radar_plots.setdefault(item.sensor, deque(maxlen=RADAR_PLOTS_KEPT))
                before = plots[-1].rr_mps if plots else None
                if before is not None:
                    self.doppler_flips.add(t, None, float((before > 0.0) != (item.rr_mps > 0.0)))
                plots.append(item)


@dataclass
class TrackerStats:
    """Counters of what the tracker did, for the run summary and the live metrics."""

    measurements: int = 0
    too_late: int = 0
    too_late_by_sensor: Counter[str] = field(default_factory=Counter)
    unknown_sensor: int = 0
    batches: int = 0
    tracks_started: int = 0
    tracks_confirmed: int = 0
    tracks_deleted: int = 0
    tracks_merged: int = 0


class _Store:
    """Track arrays with spare capacity, so that starting tracks does not copy them all."""

    def __init__(self, capacity: int = 64) -> None:
        self.n = 0
        self.xm = np.zeros((capacity, N_MODELS, STATE_DIM))
        self.pm = np.zeros((capacity, N_MODELS, STATE_DIM, STATE_DIM))
        self.mu = np.zeros((capacity, N_MODELS))
        self.x = np.zeros((capacity, STATE_DIM))
        self.p = np.zeros((capacity, STATE_DIM, STATE_DIM))
        self.t = np.zeros(capacity)
        self.born = np.zeros(capacity)
        self.last_update = np.zeros(capacity)
        self.hits = np.zeros(capacity, dtype=np.int64)
        self.nis_sum = np.zeros(capacity)
        self.nis_recent = np.zeros(capacity)
        self.status = np.zeros(capacity, dtype=np.int8)

    _ARRAYS = ("xm", "pm", "mu", "x", "p", "t", "born", "last_update", "hits", "nis_sum",
               "nis_recent", "status")

    def grow(self, extra: int) -> None:
        need = self.n + extra
        capacity = self.t.shape[0]
        if need <= capacity:
            return
        new_capacity = max(need, 2 * capacity)
        for name in self._ARRAYS:
            old = getattr(self, name)
            new = np.zeros((new_capacity, *old.shape[1:]), dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def keep(self, mask: NDArray[np.bool_]) -> None:
        """Drop the tracks where ``mask`` is false, preserving order."""
        kept = int(mask.sum())
        for name in self._ARRAYS:
            arr = getattr(self, name)
            arr[:kept] = arr[: self.n][mask]
        self.n = kept


class Tracker:
    """Fuses radar, bearing and position measurements of one site into tracks."""

    def __init__(self, site: Site, config: TrackerConfig | None = None) -> None:
        self.site = site
        self.config = config or TrackerConfig()
        self.frame = LocalFrame(*site.origin)
        self.imm = Imm(self.config.motion)
        self.geometry: dict[str, SensorGeometry] = {
            s.id: SensorGeometry.of(s, self.frame) for s in site.sensors
        }
        self.sensor_types: dict[str, SensorType] = {s.id: s.type for s in site.sensors}
        self._windows: dict[str, float] = {
            s.id: min(self.config.batch_span_s, 0.5 * (s.period_s or math.inf))
            for s in site.sensors
        }
        self.triangulator = initiate.Triangulator(self.config.init, 0.0)
        self.clutter = ClutterMap(self.config.clutter)
        self.store = _Store()
        self.info: list[TrackInfo] = []
        self.stats = TrackerStats()
        self.watermark = -math.inf
        """Data time up to which reports have been processed."""
        self._buffer: list[tuple[float, str, float, int, Measurable]] = []
        """Reorder buffer, a heap in time order; ties are broken by content, not arrival,
        so that the same reports give the same tracks whatever order they came in."""
        self._sequence = itertools.count()
        self._ids = itertools.count(1)
        self._overlaps: Counter[tuple[str, str]] = Counter()
        self._merges: list[TrackMerge] = []
        """Merges not yet taken by the caller, in the order they happened."""

    # --- input ----------------------------------------------------------------------

    def add(self, item: Measurable) -> bool:
        """Queue a measurement; False (counted, logged) when it comes too late or from a
        sensor the site does not know."""
        if item.sensor not in self.sensor_types:
            self.stats.unknown_sensor += 1
            log.warning("measurement from unknown sensor %s ignored", item.sensor)
            return False
        if item.t <= self.watermark:
            self.stats.too_late += 1
            self.stats.too_late_by_sensor[item.sensor] += 1
            log.debug("too late: %s at t=%.3f, already processed to %.3f", item.sensor,
                      item.t, self.watermark)
            return False
        heapq.heappush(self._buffer, (*_content_order(item), next(self._sequence), item))
        return True

    @property
    def buffered(self) -> int:
        """Measurements waiting in the reorder buffer."""
        return len(self._buffer)

    @property
    def next_buffered_t(self) -> float | None:
        """Time of the earliest buffered measurement."""
        return self._buffer[0][0] if self._buffer else None

    # --- processing -----------------------------------------------------------------

    def process_until(self, t: float) -> None:
        """Process every buffered measurement up to data time ``t``, in time order."""
        items: list[Measurable] = []
        while self._buffer and self._buffer[0][0] <= t:
            items.append(heapq.heappop(self._buffer)[-1])
        for batch_items in self._batches(items):
            first = batch_items[0]
            geometry = None if isinstance(first, PositionFix) else self.geometry[first.sensor]
            self._process(measure.build_batch(batch_items, geometry, self.frame))
        self._maintain(t)
        self.watermark = max(self.watermark, t)

    def _batches(self, items: Iterable[Measurable]) -> list[list[Measurable]]:
        open_batches: dict[tuple[str, bool, bool], list[Measurable]] = {}
        done: list[list[Measurable]] = []
        for item in items:
            key = measure.signature(item)
            batch = open_batches.get(key)
            if batch is not None and item.t - batch[0].t >= self._windows[item.sensor]:
                done.append(batch)
                batch = None
            if batch is None:
                open_batches[key] = [item]
            else:
                batch.append(item)
        done.extend(open_batches.values())
        done.sort(key=lambda b: b[0].t)
        return done

    def _process(self, batch: MeasurementBatch) -> None:
        self.stats.batches += 1
        self.stats.measurements += batch.size
        leak_spots = np.zeros(batch.size, dtype=bool)
        if batch.kind is Kind.RADAR:
            keep = self.clutter.screen(batch)
            if not keep.all():
                batch = batch.subset(keep)
                if not batch.size:
                    return
            leak_spots = self.clutter.leak_spots(batch)
        s = self.store
        assigned_m = np.zeros(0, dtype=np.intp)
        if s.n:
            t_ref = float(batch.t.mean())
            dt = np.maximum(t_ref - s.t[: s.n], 0.0)
            xg, pg = predict_cv_only(s.x[: s.n], s.p[: s.n], dt, self.config.gate_accel_mps2)
            spread = np.sqrt(np.trace(pg[:, :3, :3], axis1=1, axis2=2))
            track_pts, track_sd = measure.track_gating_points(batch, xg[:, :3], spread)
            meas_pts, meas_sd = measure.gating_points(batch)
            ti, mi = associate.candidate_pairs(track_pts, track_sd, meas_pts, meas_sd)
            if batch.kind is Kind.BEARING and ti.shape[0]:
                ti, mi = self._within_reach(batch, xg, ti, mi)
            ti, mi, cost = associate.gate(batch, xg, pg, ti, mi)
            if batch.kind is Kind.POSITION and ti.shape[0]:
                ti, mi, cost = self._identity_costs(batch, ti, mi, cost)
            at, assigned_m = self._assign(batch.size, ti, mi, cost)
            if at.shape[0]:
                blurred = self._depth_blurred(batch, xg, ti, mi)
                contested = self._contested(batch, ti, mi, at, assigned_m)
                shares = self._shares(batch, ti, mi, cost, at, assigned_m)
                self._update(batch, at, assigned_m, blurred, contested, shares, leak_spots)
        unassigned = np.ones(batch.size, dtype=bool)
        unassigned[assigned_m] = False
        if unassigned.any():
            self._initiate(batch, np.flatnonzero(unassigned), leak_spots)

    def _depth_blurred(
        self, batch: MeasurementBatch, x: FloatArray, ti: IntArray, mi: IntArray
    ) -> BoolArray:
        """Per measurement of a camera batch: whether confirmed tracks at very different
        distances from the camera all lie on its line of sight. The camera's class
        label is then of whichever object the detector boxed, a gull in front or the
        swarm a kilometre behind, and may be credited to none of them."""
        blurred = np.zeros(batch.size, dtype=bool)
        if batch.kind is not Kind.BEARING or self._sensor_type(batch) is not SensorType.EO:
            return blurred
        geometry = batch.geometry
        assert geometry is not None
        established = self.store.status[ti] != Status.TENTATIVE
        ti, mi = ti[established], mi[established]
        if mi.shape[0] < 2:
            return blurred
        distance = np.linalg.norm(x[ti, :3] - geometry.position, axis=1)
        nearest = np.full(batch.size, np.inf)
        farthest = np.zeros(batch.size)
        np.minimum.at(nearest, mi, distance)
        np.maximum.at(farthest, mi, distance)
        return farthest > self.config.depth_blur_ratio * nearest

    def _contested(self, batch: MeasurementBatch, ti: IntArray, mi: IntArray,
                   at: IntArray, am: IntArray) -> BoolArray:
        """Per measurement of a radar batch: whether it is contested, gated too by an
        established track that took no measurement of the batch. The plot may then as
        well be that other track's object, seen once by the scan, so it does not show
        that its taker follows an object of its own (:attr:`TrackInfo.ranged_t`):
        on ``capital``, ghosts of crossing bearings beside a drone took its plots now
        and then, each time by a narrow margin of cost, and opened alerts on them. Two
        drones flying close together each take their own plot and contest nothing."""
        contested = np.zeros(batch.size, dtype=bool)
        if batch.kind is not Kind.RADAR:
            return contested
        owner = _owners(batch.size, at, am)
        unfed = np.ones(self.store.n, dtype=bool)
        unfed[at] = False
        rival = (owner[mi] >= 0) & unfed[ti] & (self.store.status[ti] != Status.TENTATIVE)
        contested[mi[rival]] = True
        return contested

    def _shares(self, batch: MeasurementBatch, ti: IntArray, mi: IntArray,
                cost: FloatArray, at: IntArray, am: IntArray) -> FloatArray:
        """Per measurement of an RF batch: the likelihood of the track that took it over
        that of every established track it gated (the taker included). A direction
        finder's bearing is a line through the whole sky: in a busy one it gates a
        dozen tracks nearly as well, and the emission may be any of theirs. Counted
        whole, the bearings that a bird flock won now and then made it a drone."""
        shares = np.ones(batch.size)
        if batch.kind is not Kind.BEARING or self._sensor_type(batch) is not SensorType.RF:
            return shares
        owner = _owners(batch.size, at, am)
        counted = (owner[mi] == ti) | (self.store.status[ti] != Status.TENTATIVE)
        ti, mi, cost = ti[counted], mi[counted], cost[counted]
        likelihood = np.exp(-0.5 * (cost - cost.min())) if cost.shape[0] else cost
        total = np.zeros(batch.size)
        np.add.at(total, mi, likelihood)
        own = owner[mi] == ti
        shares[mi[own]] = likelihood[own] / total[mi[own]]
        return shares

    def _assign(
        self, n_meas: int, ti: IntArray, mi: IntArray, cost: FloatArray
    ) -> tuple[IntArray, IntArray]:
        """Gated pairs to assignments, established tracks first: confirmed and
        coasting tracks share out the measurements, and tentative tracks take only
        what they left. A tentative track born of one stray plot of a tracked drone
        must not take that drone's next plot from the drone's own track and confirm on
        it as a duplicate. (Only breaking ties in favour of established tracks, among
        assignments of as many pairs, let three times as many false alerts through on
        ``capital``.)"""
        s = self.store
        n = s.n
        young = s.status[ti] == Status.TENTATIVE
        if not young.any() or young.all():
            return associate.assign(n, n_meas, ti, mi, cost)
        old_t, old_m = associate.assign(n, n_meas, ti[~young], mi[~young], cost[~young])
        left = young & ~np.isin(mi, old_m)
        new_t, new_m = associate.assign(n, n_meas, ti[left], mi[left], cost[left])
        return np.concatenate([old_t, new_t]), np.concatenate([old_m, new_m])

    @staticmethod
    def _within_reach(
        batch: MeasurementBatch, x: FloatArray, ti: IntArray, mi: IntArray
    ) -> tuple[IntArray, IntArray]:
        geometry = batch.geometry
        assert geometry is not None
        reach = geometry.sensor.max_range_m
        if reach is None:
            return ti, mi
        distance = np.linalg.norm(x[ti, :3] - geometry.position, axis=1)
        near = distance <= RANGE_MARGIN * reach
        return ti[near], mi[near]

    def _identity_costs(
        self, batch: MeasurementBatch, ti: IntArray, mi: IntArray, cost: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """Favour fixes that carry a track's identity; forbid ones that contradict it."""
        keep = np.ones(ti.shape[0], dtype=bool)
        cost = cost.copy()
        for k, (i, m) in enumerate(zip(ti.tolist(), mi.tolist(), strict=True)):
            fix = batch.items[m]
            assert isinstance(fix, PositionFix)
            info = self.info[i]
            for mine, theirs in ((info.remote_id, fix.remote_id), (info.icao, fix.icao)):
                if mine is None or theirs is None:
                    continue
                if mine == theirs:
                    cost[k] -= IDENTITY_BONUS
                else:
                    keep[k] = False
        return ti[keep], mi[keep], cost[keep]

    def _update(self, batch: MeasurementBatch, at: IntArray, am: IntArray,
                blurred: BoolArray, contested: BoolArray, shares: FloatArray,
                leak_spots: BoolArray) -> None:
        s = self.store
        k = at.shape[0]
        t_meas = batch.t[am]
        dt = np.maximum(t_meas - s.t[at], 0.0)
        xp, pp, c = self.imm.predict(s.xm[at], s.pm[at], s.mu[at], dt)
        flat_x = xp.reshape(k * N_MODELS, STATE_DIM)
        flat_p = pp.reshape(k * N_MODELS, STATE_DIM, STATE_DIM)
        zhat, jac = measure.predict(batch, flat_x)
        z = np.repeat(batch.z[am], N_MODELS, axis=0)
        r = np.repeat(batch.sigma[am] ** 2, N_MODELS, axis=0)
        nu = measure.innovation(batch, z, zhat)
        pht = flat_p @ jac.transpose(0, 2, 1)
        sm = jac @ pht
        diag = np.arange(batch.dim)
        sm[:, diag, diag] += r
        s_inv = np.linalg.inv(sm)
        gain = pht @ s_inv
        new_x = flat_x + np.einsum("nij,nj->ni", gain, nu)
        new_p = flat_p - gain @ sm @ gain.transpose(0, 2, 1)
        new_p = 0.5 * (new_p + new_p.transpose(0, 2, 1))
        d2 = np.einsum("ni,nij,nj->n", nu, s_inv, nu)
        _, logdet = np.linalg.slogdet(sm)
        loglik = (-0.5 * (d2 + logdet)).reshape(k, N_MODELS)
        weight = c * np.exp(loglik - loglik.max(axis=1, keepdims=True))
        mu = weight / weight.sum(axis=1, keepdims=True)
        mu = np.maximum(mu, 1e-6)
        mu /= mu.sum(axis=1, keepdims=True)
        xm = new_x.reshape(k, N_MODELS, STATE_DIM)
        pm = new_p.reshape(k, N_MODELS, STATE_DIM, STATE_DIM)
        s.xm[at], s.pm[at], s.mu[at] = xm, pm, mu
        s.x[at], s.p[at] = combine(xm, pm, mu)
        s.t[at] = np.maximum(s.t[at], t_meas)
        if batch.kind is not Kind.BEARING or batch.has_el:
            # An azimuth alone refines a track but does not vouch for it: wide gates
            # catch stray bearings, which must not keep a dead track alive.
            s.last_update[at] = np.maximum(s.last_update[at], t_meas)
            s.status[at[s.status[at] == Status.COASTING]] = Status.CONFIRMED
            s.hits[at] += 1
            nis = np.sum(c * d2.reshape(k, N_MODELS), axis=1) / batch.dim
            s.nis_sum[at] += nis
            w = self.config.nis_memory
            s.nis_recent[at] = np.where(s.hits[at] <= 2, nis, (1 - w) * s.nis_recent[at] + w * nis)
        sensor_type = self._sensor_type(batch)
        for i, m, tm in zip(at.tolist(), am.tolist(), t_meas.tolist(), strict=True):
            self.info[i].absorb(batch.items[m], sensor_type, tm, classify=not blurred[m],
                                contested=bool(contested[m]), share=float(shares[m]),
                                leak_spot=bool(leak_spots[m]))
        cfg = self.config
        confirm = (
            (s.status[at] == Status.TENTATIVE)
            & (s.hits[at] >= cfg.confirm_hits)
            & (s.t[at] - s.born[at] <= cfg.confirm_window_s)
            & (s.nis_sum[at] <= cfg.confirm_max_nis * (s.hits[at] - 1))
        )
        if confirm.any():
            rows = [i for i in at[confirm].tolist()
                    if self.info[i].doppler_steady(cfg.clutter.max_doppler_bias)
                    and self.info[i].position_looks >= cfg.confirm_min_looks]
            s.status[rows] = Status.CONFIRMED
            self.stats.tracks_confirmed += len(rows)

    def _sensor_type(self, batch: MeasurementBatch) -> SensorType:
        """The type of the site sensor a batch came from (fixes: the receiver's)."""
        return self.sensor_types[batch.sensor_id]

    def _initiate(self, batch: MeasurementBatch, index: IntArray,
                  leak_spots: BoolArray) -> None:
        cfg = self.config.init
        if batch.kind is Kind.RADAR:
            x, p = initiate.from_radar(batch, index, cfg)
            self._start(x, p, batch.t[index], [[batch.items[i]] for i in index],
                        leak_spots[index].tolist())
        elif batch.kind is Kind.POSITION:
            x, p = initiate.from_fix(batch, index, cfg)
            self._start(x, p, batch.t[index], [[batch.items[i]] for i in index])
        else:
            rays = initiate.Rays.of_batch(batch, index)
            found = self.triangulator.add(rays, float(batch.t.max()))
            if found:
                x, p = initiate.from_triangulation(found, cfg)
                times = np.array([f.t for f in found])
                self._start(x, p, times, [list(f.items) for f in found])

    def _start(
        self,
        x: FloatArray,
        p: FloatArray,
        t: FloatArray,
        items: list[list[Measurable]],
        leak_spots: list[bool] | None = None,
    ) -> None:
        """Start tracks at states ``x, p`` from the measurements ``items`` (per track);
        ``leak_spots`` says, for tracks started by one radar plot each, whether it
        landed on a leak spot of the clutter map."""
        k = x.shape[0]
        s = self.store
        s.grow(k)
        rows = slice(s.n, s.n + k)
        s.x[rows], s.p[rows] = x, p
        s.xm[rows] = x[:, None, :]
        s.pm[rows] = p[:, None, :, :]
        s.mu[rows] = 1.0 / N_MODELS
        s.t[rows] = s.born[rows] = s.last_update[rows] = t
        s.hits[rows] = 1
        s.nis_sum[rows] = 0.0
        s.nis_recent[rows] = 1.0
        s.status[rows] = Status.TENTATIVE
        s.n += k
        spots = leak_spots or [False] * k
        for row_items, born, spot in zip(items, t.tolist(), spots, strict=True):
            info = TrackInfo(track_id=f"T{next(self._ids)}", first_t=born)
            info.history = deque(maxlen=self.config.history_rows)
            info.fixes = deque(maxlen=self.config.fixes_kept)
            for item in row_items:
                info.absorb(item, self.sensor_types[item.sensor], born, leak_spot=spot)
            if len({item.sensor for item in row_items}) > 1:
                info.position_looks = max(info.position_looks, 2)
            self.info.append(info)
        self.stats.tracks_started += k

    # --- track management -----------------------------------------------------------

    def _maintain(self, t: float) -> None:
        s = self.store
        if not s.n:
            return
        cfg = self.config
        n = s.n
        tentative = s.status[:n] == Status.TENTATIVE
        age = t - s.born[:n]
        silent = t - s.last_update[:n]
        coast_limit = np.minimum(cfg.coast_max_s, cfg.coast_min_s + cfg.coast_per_hit_s
                                 * s.hits[:n])
        pos_sigma = np.sqrt(np.trace(s.p[:n, :3, :3], axis1=1, axis2=2))
        keep = np.where(
            tentative,
            age <= cfg.confirm_window_s,
            (silent <= coast_limit) & (pos_sigma <= cfg.max_position_sigma_m)
            & (s.nis_recent[:n] <= cfg.max_recent_nis),
        )
        coasting = ~tentative & (silent > cfg.coast_after_s)
        s.status[:n] = np.where(coasting, Status.COASTING, np.where(
            tentative, Status.TENTATIVE, Status.CONFIRMED))
        keep &= ~self._duplicates(t)
        if not keep.all():
            self.stats.tracks_deleted += int((~keep).sum())
            s.keep(keep)
            self.info = [info for info, kept in zip(self.info, keep.tolist(), strict=True)
                         if kept]

    def _duplicates(self, t: float) -> NDArray[np.bool_]:
        """Tracks to drop because another track already follows the same target."""
        s = self.store
        n = s.n
        drop = np.zeros(n, dtype=bool)
        if n < 2:
            self._overlaps.clear()
            return drop
        from scipy.spatial import cKDTree

        dt = np.maximum(t - s.t[:n], 0.0)
        x, p = predict_cv_only(s.x[:n], s.p[:n], dt, self.config.motion.cv_accel_mps2)
        spread = np.sqrt(np.trace(p[:, :3, :3], axis1=1, axis2=2))
        tree = cKDTree(x[:, :3])
        k = min(4, n)
        distance, index = tree.query(x[:, :3], k=k)
        near = (distance <= np.maximum(3.0 * spread, 1.0)[:, None]) & (
            index > np.arange(n)[:, None]
        )
        i = np.broadcast_to(np.arange(n)[:, None], (n, k))[near]
        j = index[near]
        overlaps: Counter[tuple[str, str]] = Counter()
        if i.shape[0]:
            diff = x[i, :6] - x[j, :6]
            cov = p[i, :6, :6] + p[j, :6, :6]
            d2_pos = np.einsum(
                "ki,ki->k", diff[:, :3], np.linalg.solve(cov[:, :3, :3], diff[:, :3, None])[..., 0]
            )
            d2_full = np.einsum("ki,ki->k", diff, np.linalg.solve(cov, diff[:, :, None])[..., 0])
            status = s.status[:n]
            either_tentative = (status[i] == Status.TENTATIVE) | (status[j] == Status.TENTATIVE)
            close_tentative = either_tentative & (d2_pos < associate.CHI2_GATE[3])
            close_confirmed = ~either_tentative & (d2_full < 3.0)
            close = np.flatnonzero(close_tentative | close_confirmed)
            for a, b, tent in zip(i[close].tolist(), j[close].tolist(),
                                  close_tentative[close].tolist(), strict=True):
                if drop[a] or drop[b]:
                    continue
                loser = self._weaker(a, b)
                if tent:
                    drop[loser] = True
                    continue
                key = (self.info[a].track_id, self.info[b].track_id)
                overlaps[key] = self._overlaps[key] + 1
                if overlaps[key] >= self.config.merge_confirmed_after:
                    drop[loser] = True
                    survivor = a + b - loser
                    self._absorb_evidence(survivor, loser)
                    self._merges.append(TrackMerge(
                        self.info[loser].track_id, self.info[survivor].track_id, t))
                    self.stats.tracks_merged += 1
        self._overlaps = overlaps
        return drop

    def _weaker(self, a: int, b: int) -> int:
        """Of two tracks on one target, the one to drop: tentative before confirmed,
        then the younger."""
        s = self.store
        tentative_a, tentative_b = s.status[a] == Status.TENTATIVE, s.status[b] == Status.TENTATIVE
        if tentative_a != tentative_b:
            return a if tentative_a else b
        return a if s.born[a] > s.born[b] else b

    def _absorb_evidence(self, winner: int, loser: int) -> None:
        kept, gone = self.info[winner], self.info[loser]
        for sensor, when in gone.sources.items():
            kept.sources[sensor] = max(when, kept.sources.get(sensor, when))
        kept.source_types |= gone.source_types
        kept.eo_votes.absorb(gone.eo_votes)
        kept.rf_recent.absorb(gone.rf_recent)
        kept.doppler_flips.absorb(gone.doppler_flips)
        kept.rcs_recent.absorb(gone.rcs_recent)
        kept.rf_hits += gone.rf_hits
        kept.ranged_t = deque(sorted((*kept.ranged_t, *gone.ranged_t)), maxlen=RANGED_KEPT)
        kept.leak_spots = deque(sorted((*kept.leak_spots, *gone.leak_spots)),
                                maxlen=RADAR_PLOTS_KEPT)
        if kept.remote_id is None:
            kept.remote_id, kept.remote_id_auth = gone.remote_id, gone.remote_id_auth
        kept.icao = kept.icao or gone.icao

    # --- output ---------------------------------------------------------------------

    def take_merges(self) -> list[TrackMerge]:
        """The merges made since the last call, oldest first (each is returned once)."""
        merges, self._merges = self._merges, []
        return merges

    def statuses(self) -> dict[str, Status]:
        """Every live track's status, by track id."""
        s = self.store
        return {info.track_id: Status(v)
                for info, v in zip(self.info, s.status[: s.n].tolist(), strict=True)}

    def confirmed(self) -> IntArray:
        """Row indices of the confirmed tracks (coasting ones included)."""
        s = self.store
        return np.flatnonzero(s.status[: s.n] != Status.TENTATIVE)

    def predicted(self, rows: IntArray, t: float) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Combined states (k, 7), covariances and mode probabilities of tracks ``rows``
        predicted to ``t`` (tracks already past ``t`` are taken as they are)."""
        s = self.store
        dt = np.maximum(t - s.t[rows], 0.0)
        xm, pm, mu = self.imm.predict(s.xm[rows], s.pm[rows], s.mu[rows], dt)
        x, p = combine(xm, pm, mu)
        return x, p, mu

    def snapshot(self, t: float) -> tuple[list[TrackState], dict[str, TrackEvidence]]:
        """The confirmed tracks predicted to ``t``, and what is known of each."""
        rows = self.confirmed()
        if rows.shape[0] == 0:
            return [], {}
        x, p, mu = self.predicted(rows, t)
        lat, lon, alt = self.frame.enu_to_geodetic(x[:, :3])
        vel = _local_velocities(self.frame, x[:, 3:6], lat, lon)
        horiz = _largest_horizontal_sigma(p)
        recent = t - self.config.recent_source_s
        tracks: list[TrackState] = []
        evidence: dict[str, TrackEvidence] = {}
        hover_speed = self.config.hover_speed_mps
        speed = np.linalg.norm(x[:, 3:6], axis=1)
        hovering = ((speed < hover_speed) | (mu[:, HOVER] > 0.5)).tolist()
        rows_state = np.round(x[:, :6], 3).tolist()
        mode_probs = mu.tolist()
        values = zip(
            rows.tolist(), lat.tolist(), lon.tolist(), alt.tolist(), vel.tolist(),
            horiz.tolist(), rows_state, hovering, mode_probs, strict=True,
        )
        for row, la, lo, al, v, sig, state, hover, probs in values:
            info = self.info[row]
            sources = tuple(sorted(k for k, when in info.sources.items() if when >= recent))
            self._note_history(info, t, state, hover)
            evidence[info.track_id] = known = self._evidence(info, row, sources, probs)
            dark = (known.rf_recent < EMITTING_MIN_RF_HITS and info.remote_id is None
                    and info.icao is None)
            tracks.append(
                TrackState(
                    t=t, track_id=info.track_id, lat=la, lon=lo, alt_m=al,
                    vel_enu_mps=(v[0], v[1], v[2]), pos_sigma_m=sig,
                    sources=sources, remote_id=info.remote_id, icao=info.icao, dark=dark,
                    remote_id_auth=info.remote_id_auth,
                )
            )
        return tracks, evidence

    def _note_history(self, info: TrackInfo, t: float, state: list[float],
                      hovering: bool) -> None:
        if info.last_snapshot_t is not None and t > info.last_snapshot_t:
            if hovering:
                info.hover_s += t - info.last_snapshot_t
            info.history.append((t, *state))  # type: ignore[arg-type]
        elif info.last_snapshot_t is None:
            info.history.append((t, *state))  # type: ignore[arg-type]
        info.last_snapshot_t = t

    def _range_motion(self, info: TrackInfo, now: float) -> tuple[RangeMotion, ...]:
        """Per radar: its recent plots' range slope against their range rates."""
        since = now - RECENT_EVIDENCE_S
        out = []
        for radar, plots in info.radar_plots.items():
            sensor = self.geometry[radar]
            motion = range_motion([p for p in plots if p.t >= since],
                                  sensor.sigma("range_m", None), sensor.sigma("rr_mps", None))
            if motion is not None:
                out.append(motion)
        return tuple(out)

    def _evidence(self, info: TrackInfo, row: int, sources: tuple[str, ...],
                  probs: list[float]) -> TrackEvidence:
        now = float(self.store.last_update[row])
        return TrackEvidence(
            track_id=info.track_id,
            first_t=info.first_t,
            last_update_t=float(self.store.last_update[row]),
            ranged_t=tuple(info.ranged_t),
            radar_t=max((when for sensor, when in info.sources.items()
                         if self.sensor_types[sensor] is SensorType.RADAR), default=None),
            history=tuple(info.history),
            sources=sources,
            source_types=frozenset(info.source_types),
            hover_s=info.hover_s,
            mode_probs=dict(zip(MODEL_NAMES, probs, strict=True)),
            eo_votes=info.eo_votes.by_key(now),
            rf_hits=info.rf_hits,
            rf_recent=info.recent_rf_hits(now),
            doppler_flips=info.doppler_flips.total(now),
            leak_spot_plots=sum(spot for t, spot in info.leak_spots
                                if t >= now - RECENT_EVIDENCE_S),
            range_motion=self._range_motion(info, now),
            f0_hz=info.f0_hz if info.f0_t >= now - RECENT_EVIDENCE_S else None,
            rcs_dbsm=info.recent_rcs_dbsm(now),
            remote_id=info.remote_id,
            icao=info.icao,
            callsign=info.callsign,
            operator_lat=info.operator_lat,
            operator_lon=info.operator_lon,
            cooperative_only=info.sensor_updates == 0 and info.fix_updates > 0,
            fixes=tuple(info.fixes),
        )


def _owners(n_meas: int, at: IntArray, am: IntArray) -> IntArray:
    """Per measurement: the row of the track that took it, -1 where none did."""
    owner = np.full(n_meas, -1, dtype=np.intp)
    owner[am] = at
    return owner


def _content_order(item: Measurable) -> tuple[float, str, float]:
    if isinstance(item, RadarReport):
        return item.t, item.sensor, item.range_m
    if isinstance(item, PositionFix):
        return item.t, item.sensor, item.lat + item.lon
    return item.t, item.sensor, item.az_deg


def _local_velocities(
    frame: LocalFrame, vel_site: FloatArray, lat: FloatArray, lon: FloatArray
) -> FloatArray:
    """Site-frame ENU velocities re-expressed in each track's own local ENU axes."""
    ecef = vel_site @ frame.rotation
    la, lo = np.radians(lat), np.radians(lon)
    sl, cl, so, co = np.sin(la), np.cos(la), np.sin(lo), np.cos(lo)
    east = -so * ecef[:, 0] + co * ecef[:, 1]
    north = -sl * co * ecef[:, 0] - sl * so * ecef[:, 1] + cl * ecef[:, 2]
    up = cl * co * ecef[:, 0] + cl * so * ecef[:, 1] + sl * ecef[:, 2]
    return np.asarray(np.round(np.stack([east, north, up], axis=1), 3), dtype=np.float64)


def _largest_horizontal_sigma(p: FloatArray) -> FloatArray:
    """Square root of the larger eigenvalue of each horizontal position covariance."""
    a, b, d = p[:, 0, 0], p[:, 0, 1], p[:, 1, 1]
    half_trace = 0.5 * (a + d)
    root = np.sqrt(np.maximum(half_trace**2 - (a * d - b * b), 0.0))
    return np.asarray(np.round(np.sqrt(np.maximum(half_trace + root, 0.0)), 2), dtype=np.float64)
