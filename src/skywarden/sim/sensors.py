"""Sensor simulation: what each sensor of the site reports, look by look.

Each sensor is simulated alone, over a window of time at a time, as arrays over
(looks x targets): the true geometry comes from the motion grid, detection from the
physical models of ``skywarden.sensing``, line of sight from the city model, and the
noise from the sensor's ``sigma``. Every sensor draws from its own random stream
(seeded by the run's seed and the sensor's id), so a run is reproducible bit for bit
and adding a sensor leaves the others' reports unchanged.

Beyond the keys of ``skywarden.sensing``, the simulator reads these ``Sensor`` fields
and ``Sensor.params`` keys (defaults in brackets):

- every sensor: ``period_s`` (look or scan period; radar 1, rf 1, acoustic 0.5, eo 0.5),
  ``clock_offset_s`` [0] (bias of the sensor's clock: its reported ``t`` is late by
  this much), ``clock_jitter_s`` [0.002], ``latency_s`` [by type, 0.15 to 0.6],
  ``latency_spread_s`` [0.05] and ``late_prob`` [0.02] (a report arrives after its
  measurement time + latency + an exponential spread, and now and then, held up in the
  network, up to ``MAX_LATENCY_S`` late: out of order), ``dropout_per_hour``
  [2] and ``dropout_mean_s`` [20] (the sensor goes silent: Poisson outages of
  exponential length).
- radar: ``clutter_per_scan`` [1] (Poisson false alarms per scan, anywhere in
  coverage), ``ground_clutter_points`` [8] and ``ground_clutter_prob`` [0.3] (fixed
  low-elevation movers, trees and traffic, each leaking through the MTI filter with
  that probability per scan), ``range_resolution_m`` [15] and ``beamwidth_deg`` [2]
  (detections closer than this in range and both angles merge into one plot).
- rf: ``multipath_prob`` [0.05] and ``nlos_multipath_prob`` [0.4] (chance that a
  bearing is an urban reflection, in and out of line of sight), ``nlos_loss_db`` [12]
  (RF still arrives around buildings, weaker). Elevation is reported when ``sigma`` has
  ``el_deg``.
- acoustic: ``nlos_loss_db`` [10] (sound diffracts around buildings).
- eo: ``confusion_at_max`` [0.25] (chance at maximum range that a drone is called a
  bird or a bird a drone; it falls with the square of range).
- remoteid, adsb: ``nlos_loss_db`` [10].
"""

from __future__ import annotations

import math
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from skywarden.geo import LocalFrame, enu_to_aer, range_rate
from skywarden.ingest import adsb, remoteid
from skywarden.model import Sensor, SensorType, TargetClass
from skywarden.sensing import (
    SignatureArrays,
    in_field_of_view,
    param,
    pd_from_snr,
    reference_snr_db,
    sigma,
    snr_db,
)
from skywarden.sim.los import SightLines
from skywarden.sim.motion import Motion
from skywarden.sim.scenario import Scenario, TargetSpec

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IndexArray = NDArray[np.intp]
Column = NDArray[Any] | list[Any]
"""A report field over a batch: an array of numbers, or a list of strings."""

MAX_LATENCY_S = 4.0
"""No report arrives later than this after its measurement."""
SPEED_OF_SOUND_MPS = 343.0

_DEFAULT_PERIOD_S = {SensorType.RADAR: 1.0, SensorType.RF: 1.0, SensorType.ACOUSTIC: 0.5,
                     SensorType.EO: 0.5, SensorType.REMOTEID: 1.0, SensorType.ADSB: 0.5}
_DEFAULT_LATENCY_S = {SensorType.RADAR: 0.3, SensorType.RF: 0.5, SensorType.ACOUSTIC: 0.4,
                      SensorType.EO: 0.6, SensorType.REMOTEID: 0.2, SensorType.ADSB: 0.15}
_SIM_DEFAULTS: dict[str, float] = {
    "clock_offset_s": 0.0, "clock_jitter_s": 0.002, "latency_spread_s": 0.05,
    "late_prob": 0.02,
    "dropout_per_hour": 2.0, "dropout_mean_s": 20.0, "ground_clutter_points": 8.0,
    "ground_clutter_prob": 0.3, "range_resolution_m": 15.0, "beamwidth_deg": 2.0,
    "multipath_prob": 0.05, "nlos_multipath_prob": 0.4, "confusion_at_max": 0.25,
}
_NLOS_LOSS_DB = {SensorType.RF: 12.0, SensorType.ACOUSTIC: 10.0, SensorType.REMOTEID: 10.0,
                 SensorType.ADSB: 10.0}

ROUNDING = {"t": 4, "range_m": 1, "az_deg": 3, "el_deg": 3, "rr_mps": 2, "snr_db": 1,
            "rcs_dbsm": 1, "freq_mhz": 2, "bandwidth_mhz": 2, "f0_hz": 1, "conf": 3,
            "rssi_dbm": 1}
"""Decimal places written for each field: finer than any sensor's noise."""


def sim_param(sensor: Sensor, key: str) -> float:
    """A simulation parameter of a sensor (see the module docstring)."""
    if key == "period_s":
        return float(sensor.period_s or _DEFAULT_PERIOD_S[sensor.type])
    if key == "clutter_per_scan":
        return float(1.0 if sensor.clutter_per_scan is None else sensor.clutter_per_scan)
    value = sensor.params.get(key)
    if value is not None:
        return float(value)
    if key == "latency_s":
        return _DEFAULT_LATENCY_S[sensor.type]
    if key == "nlos_loss_db":
        return _NLOS_LOSS_DB.get(sensor.type, 0.0)
    return _SIM_DEFAULTS[key]


@dataclass
class Batch:
    """Reports of one sensor over a window: true measurement times (scenario seconds)
    and one column per report field (``None`` entries are left out of a report)."""

    t_s: FloatArray
    columns: dict[str, Column]

    @staticmethod
    def empty() -> Batch:
        return Batch(np.empty(0), {})

    def __len__(self) -> int:
        return len(self.t_s)


@dataclass
class Emitted:
    """Finished report lines of a window, with their arrival times (epoch seconds)."""

    arrival_t: FloatArray
    lines: list[dict[str, Any]]


class SensorSim(ABC):
    """One sensor of the site: geometry, random stream, timing and outages."""

    def __init__(self, sensor: Sensor, scenario: Scenario, motion: Motion, seed: int,
                 duration_s: float) -> None:
        self.sensor = sensor
        self.scenario = scenario
        self.motion = motion
        self.rng = np.random.default_rng([seed, zlib.crc32(sensor.id.encode())])
        own = LocalFrame(sensor.lat, sensor.lon, sensor.alt_m)
        site = scenario.frame
        # Site ENU -> sensor ENU is affine (both are rotations of ECEF about origins).
        self.rotation = site.rotation @ own.rotation.T
        self.offset = (site.origin_ecef - own.origin_ecef) @ own.rotation.T
        self.position = site.ecef_to_enu(own.origin_ecef)
        self.sight = SightLines(scenario.buildings, self.position)
        self.period = sim_param(sensor, "period_s")
        self.phase = float(self.rng.uniform(0.0, self.period))
        self.signatures = SignatureArrays.of([t.signature for t in scenario.targets])
        self.outages = self._outages(duration_s)

    def _outages(self, duration_s: float) -> FloatArray:
        rate = sim_param(self.sensor, "dropout_per_hour") / 3600.0
        count = int(self.rng.poisson(rate * duration_s)) if rate > 0 else 0
        starts = np.sort(self.rng.uniform(0.0, duration_s, count))
        lengths = self.rng.exponential(sim_param(self.sensor, "dropout_mean_s"), count)
        return np.column_stack([starts, starts + lengths]) if count else np.empty((0, 2))

    def looks(self, t0: float, t1: float) -> FloatArray:
        """Look (scan start) times in ``[t0, t1)``."""
        first = math.ceil((t0 - self.phase) / self.period - 1e-9)
        times = self.phase + self.period * np.arange(first, first + int(
            (t1 - t0) / self.period) + 2)
        return np.asarray(times[(times >= t0) & (times < t1)], dtype=np.float64)

    def relative(self, site_enu: FloatArray) -> FloatArray:
        """Positions in the sensor's own ENU frame."""
        return np.asarray(site_enu @ self.rotation + self.offset, dtype=np.float64)

    def visible(self, site_enu: FloatArray) -> BoolArray:
        """Line of sight from the sensor to site-ENU points."""
        return self.sight.visible(site_enu)

    def sample(self, t_s: FloatArray, index: IndexArray) -> tuple[
        FloatArray, FloatArray, FloatArray, BoolArray
    ]:
        """Site positions, sensor-frame positions and velocities, and activity."""
        pos, vel, active = self.motion.sample(t_s, index)
        return pos, self.relative(pos), vel @ self.rotation, active

    @abstractmethod
    def measure(self, t0: float, t1: float) -> Batch:
        """The reports of looks in ``[t0, t1)`` (scenario seconds)."""

    def emit(self, t0: float, t1: float) -> Emitted:
        """Finished report lines of ``[t0, t1)``: outages removed, clock errors and
        arrival times applied, fields rounded."""
        batch = self.measure(t0, t1)
        n = len(batch)
        jitter = self.rng.normal(0.0, sim_param(self.sensor, "clock_jitter_s"), n)
        spread = self.rng.exponential(sim_param(self.sensor, "latency_spread_s"), n)
        late = self.rng.random(n) < sim_param(self.sensor, "late_prob")
        spread += np.where(late, self.rng.uniform(0.5, MAX_LATENCY_S, n), 0.0)
        keep = np.ones(n, dtype=bool)
        for start, end in self.outages:
            keep &= (batch.t_s < start) | (batch.t_s >= end)
        start_t = self.scenario.start_t
        reported = start_t + batch.t_s + sim_param(self.sensor, "clock_offset_s") + jitter
        latency = np.minimum(sim_param(self.sensor, "latency_s") + spread, MAX_LATENCY_S)
        arrival = start_t + batch.t_s + latency
        chosen = np.flatnonzero(keep)
        columns: dict[str, list[Any]] = {"t": np.round(reported[chosen], 4).tolist()}
        for key, values in batch.columns.items():
            columns[key] = _rounded(key, values, chosen)
        sensor_id = self.sensor.id
        keys = list(columns)
        lines = []
        for row in zip(*(columns[k] for k in keys), strict=True):
            line: dict[str, Any] = {"t": row[0], "sensor": sensor_id}
            for key, value in zip(keys[1:], row[1:], strict=True):
                if value is not None:
                    line[key] = value
            lines.append(line)
        return Emitted(arrival[chosen], lines)

    def noisy(self, values: FloatArray, name: str) -> FloatArray:
        """Values plus Gaussian noise of the sensor's sigma for that field."""
        s = sigma(self.sensor, name, self.scenario.wind_mps)
        return np.asarray(values + self.rng.normal(0.0, s, np.shape(values)), dtype=np.float64)

    def detect_through_buildings(
        self, possible: BoolArray, site_pos: FloatArray, snr: FloatArray
    ) -> tuple[BoolArray, BoolArray, FloatArray]:
        """Detections among looks that are ``possible`` at all, for a sensor that still
        hears a target behind buildings, at a loss of ``nlos_loss_db``: which looks are
        detected, which had a clear line of sight, and their SNR after that loss."""
        clear = np.ones(len(snr), dtype=bool)
        candidates = np.flatnonzero(possible)
        clear[candidates] = self.visible(site_pos[candidates])
        snr = np.where(clear, snr, snr - sim_param(self.sensor, "nlos_loss_db"))
        pd = np.where(possible, pd_from_snr(self.sensor, snr), 0.0)
        return self.detect(pd, site_pos, need_los=False), clear, snr

    def detect(self, pd: FloatArray, site_pos: FloatArray, need_los: bool = True) -> BoolArray:
        """Draw detections from probabilities; line of sight (the expensive part) is
        checked only for the draws that would otherwise be detections."""
        hit = self.rng.random(pd.shape) < pd
        candidates = np.flatnonzero(hit)
        if need_los and len(candidates):
            hit[candidates] = self.visible(site_pos[candidates])
        return hit


def _rounded(key: str, values: Column, chosen: IndexArray) -> list[Any]:
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        picked = values[chosen]
        digits = ROUNDING.get(key)
        if digits is not None:
            picked = np.round(picked, digits)
        if key == "az_deg":
            picked = np.mod(picked, 360.0)
            picked = np.where(picked >= 360.0, 0.0, picked)
        out: list[Any] = picked.tolist()
        if np.isnan(picked).any():
            out = [None if v != v else v for v in out]
        return out
    return [values[i] for i in chosen.tolist()]


class RadarSim(SensorSim):
    """A rotating surveillance radar: range, bearing, elevation and Doppler plots."""

    def __init__(self, sensor: Sensor, scenario: Scenario, motion: Motion, seed: int,
                 duration_s: float) -> None:
        super().__init__(sensor, scenario, motion, seed, duration_s)
        count = int(sim_param(sensor, "ground_clutter_points"))
        reach = param(sensor, "max_range_m")
        self.clutter_range = self.rng.uniform(150.0, 0.5 * reach, count)
        self.clutter_az = self.rng.uniform(0.0, 360.0, count)
        self.clutter_el = self.rng.uniform(-0.5, 1.5, count)
        self._last_look = np.full(len(scenario.targets), -np.inf)
        """When the beam last swept past each target (from the previous call too)."""

    def measure(self, t0: float, t1: float) -> Batch:
        scans = self.looks(t0, t1)
        n = len(self.scenario.targets)
        if len(scans) == 0:
            return Batch.empty()
        if n == 0:
            return self._plots(*self._false_alarms(scans))
        sensor = self.sensor
        index = np.broadcast_to(np.arange(n), (len(scans), n))
        # A rotating antenna sees each target when the beam sweeps past its bearing.
        start_pos, _, _ = self.motion.sample(np.repeat(scans, n).reshape(-1, n), index)
        start_az, _, _ = enu_to_aer(self.relative(start_pos))
        t_meas = scans[:, None] + start_az / 360.0 * self.period
        once = self._once_per_rotation(t_meas)
        pos, rel, vel, active = self.sample(t_meas, index)
        az, el, rng_m = enu_to_aer(rel)
        rr = range_rate(rel, vel)
        snr = snr_db(sensor, rng_m, self.signatures)
        pd = pd_from_snr(sensor, snr) * in_field_of_view(sensor, az, el, rng_m)
        pd *= (np.abs(rr) >= param(sensor, "mti_blind_mps")) & active & once
        hit = self.detect(pd.reshape(-1), pos.reshape(-1, 3)).reshape(pd.shape)
        scan_of = np.nonzero(hit)[0]
        label, groups = self._resolution_cells(scan_of, rel[hit])
        power = np.power(10.0, snr[hit] / 10.0)
        weight = np.bincount(label, power, groups)

        def mean(values: FloatArray) -> FloatArray:
            return np.asarray(np.bincount(label, values * power, groups) / weight)

        centroid = np.column_stack([mean(rel[hit][:, i]) for i in range(3)])
        az_p, el_p, rng_p = enu_to_aer(centroid)
        false = self._false_alarms(scans)
        return self._plots(
            np.concatenate([mean(t_meas[hit]), false[0]]),
            np.concatenate([az_p, false[1]]),
            np.concatenate([el_p, false[2]]),
            np.concatenate([rng_p, false[3]]),
            np.concatenate([mean(rr[hit]), false[4]]),
            np.concatenate([10.0 * np.log10(np.maximum(weight, 1e-30)), false[5]]),
        )

    def _once_per_rotation(self, t_meas: FloatArray) -> BoolArray:
        """Which looks ``(scans, targets)`` are a new pass of the beam. A target on the
        azimuth where the sweep starts (the radar's north) is reached at the very end
        of one scan and again at the very start of the next, milliseconds apart; the
        antenna passed it once, so the radar forms one plot, not two."""
        previous = np.vstack([self._last_look[None, :], t_meas[:-1]])
        self._last_look = t_meas[-1].copy()
        return np.asarray(t_meas - previous >= 0.5 * self.period)

    def _plots(self, t_all: FloatArray, az_all: FloatArray, el_all: FloatArray,
               rng_all: FloatArray, rr_all: FloatArray, snr_all: FloatArray) -> Batch:
        """Plots with measurement noise added, and the radar's RCS estimate."""
        sensor = self.sensor
        snr_seen = snr_all + self.rng.normal(0.0, 1.0, len(snr_all))
        # The radar's own RCS estimate: the SNR it saw, corrected for range.
        rcs = snr_seen - reference_snr_db(sensor) + param(sensor, "ref_rcs_dbsm") + 40.0 * (
            np.log10(np.maximum(rng_all, 1.0) / param(sensor, "ref_range_m"))
        )
        return Batch(t_all, {
            "range_m": np.maximum(self.noisy(rng_all, "range_m"), 1.0),
            "az_deg": np.mod(self.noisy(az_all, "az_deg"), 360.0),
            "el_deg": np.clip(self.noisy(el_all, "el_deg"), -90.0, 90.0),
            "rr_mps": self.noisy(rr_all, "rr_mps"),
            "snr_db": snr_seen,
            "rcs_dbsm": rcs,
        })

    def _resolution_cells(self, scan_of: IndexArray, rel: FloatArray) -> tuple[
        IndexArray, int
    ]:
        """Group the detections of each scan that fall in one resolution cell (closer
        than the range resolution and the beamwidth in both angles): one plot each."""
        count = len(scan_of)
        if count == 0:
            return np.empty(0, dtype=np.intp), 0
        az, el, rng_m = enu_to_aer(rel)
        order = np.lexsort((rng_m, scan_of))
        res = sim_param(self.sensor, "range_resolution_m")
        beam = sim_param(self.sensor, "beamwidth_deg")
        rows: list[IndexArray] = []
        cols: list[IndexArray] = []
        for gap in (1, 2, 3):
            a, b = order[:-gap], order[gap:]
            d_az = np.abs((az[a] - az[b] + 180.0) % 360.0 - 180.0)
            close = (scan_of[a] == scan_of[b]) & (np.abs(rng_m[a] - rng_m[b]) < res) & (
                d_az < beam) & (np.abs(el[a] - el[b]) < beam)
            rows.append(a[close])
            cols.append(b[close])
        edges_a, edges_b = np.concatenate(rows), np.concatenate(cols)
        graph = coo_matrix((np.ones(len(edges_a)), (edges_a, edges_b)), shape=(count, count))
        groups, label = connected_components(graph, directed=False)
        return np.asarray(label, dtype=np.intp), int(groups)

    def _false_alarms(self, scans: FloatArray) -> tuple[FloatArray, ...]:
        """Poisson false alarms anywhere in coverage, and ground clutter leaking
        through the MTI filter, as ``(t, az, el, range, rr, snr)`` columns."""
        sensor = self.sensor
        counts = self.rng.poisson(sim_param(sensor, "clutter_per_scan"), len(scans))
        total = int(counts.sum())
        t_false = np.repeat(scans, counts) + self.rng.uniform(0.0, self.period, total)
        rng_false = self.rng.uniform(param(sensor, "min_range_m") + 1.0,
                                     param(sensor, "max_range_m"), total)
        az_false = self.rng.uniform(0.0, 360.0, total)
        el_false = self.rng.uniform(max(param(sensor, "el_min_deg"), -2.0),
                                    min(param(sensor, "el_max_deg"), 15.0), total)
        leaks = self.rng.random((len(scans), len(self.clutter_range))) < sim_param(
            sensor, "ground_clutter_prob")
        scan_i, point_i = np.nonzero(leaks)
        t = np.concatenate([t_false, scans[scan_i] + self.clutter_az[point_i] / 360.0
                            * self.period])
        count = len(t)
        sign = np.where(self.rng.random(count) < 0.5, -1.0, 1.0)
        spread = np.where(np.arange(count) < total, 6.0, 1.5)
        rr = sign * (param(sensor, "mti_blind_mps") + self.rng.exponential(spread))
        threshold = 10.0 * math.log10(math.log(param(sensor, "pfa")) / math.log(0.5) - 1.0)
        snr = threshold + self.rng.exponential(2.0, count)
        return (t, np.concatenate([az_false, self.clutter_az[point_i]]),
                np.concatenate([el_false, self.clutter_el[point_i]]),
                np.concatenate([rng_false, self.clutter_range[point_i]]), rr, snr)


class _LookSim(SensorSim):
    """A sensor that looks at every target at regular instants (RF, acoustic, EO)."""

    targets: IndexArray
    """The targets this sensor can ever report (e.g. only emitting ones for RF)."""

    def geometry(self, t0: float, t1: float) -> tuple[FloatArray, IndexArray, FloatArray,
                                                      FloatArray, FloatArray, BoolArray]:
        """Look times, target index, site and sensor positions, velocities, activity,
        flattened over (looks x targets)."""
        looks = self.looks(t0, t1)
        targets = self.targets
        t = np.repeat(looks, len(targets))
        index = np.tile(targets, len(looks))
        pos, rel, vel, active = self.sample(t, index)
        return t, index, pos, rel, vel, active


class RfSim(_LookSim):
    """A passive direction finder: bearings to emitting drones' radio links."""

    def __init__(self, sensor: Sensor, scenario: Scenario, motion: Motion, seed: int,
                 duration_s: float) -> None:
        super().__init__(sensor, scenario, motion, seed, duration_s)
        self.targets = np.array([i for i, t in enumerate(scenario.targets)
                                 if t.radio is not None], dtype=np.intp)
        radios = [scenario.targets[i].radio for i in self.targets]
        self.freq = np.array([r.freq_mhz for r in radios if r is not None])
        self.bandwidth = np.array([r.bandwidth_mhz for r in radios if r is not None])
        self.protocol = [r.protocol for r in radios if r is not None]

    def measure(self, t0: float, t1: float) -> Batch:
        if len(self.targets) == 0:
            return Batch.empty()
        sensor = self.sensor
        t, index, pos, rel, _, active = self.geometry(t0, t1)
        which = np.searchsorted(self.targets, index)
        az, el, rng_m = enu_to_aer(rel)
        snr = snr_db(sensor, rng_m, _take(self.signatures, index))
        in_view = in_field_of_view(sensor, az, el, rng_m) & active
        hit, clear, snr = self.detect_through_buildings(in_view, pos, snr)
        multipath = self.rng.random(len(t)) < np.where(
            clear, sim_param(sensor, "multipath_prob"), sim_param(sensor, "nlos_multipath_prob"))
        reflection = self.rng.uniform(20.0, 120.0, len(t)) * np.where(
            self.rng.random(len(t)) < 0.5, -1.0, 1.0)
        bearing = self.noisy(az, "az_deg") + np.where(multipath, reflection, 0.0)
        columns: dict[str, Column] = {
            "az_deg": np.mod(bearing, 360.0)[hit],
            "freq_mhz": self.noisy(self.freq[which], "freq_mhz")[hit],
            "bandwidth_mhz": self.bandwidth[which][hit],
            "protocol": [self.protocol[i] for i in which[hit].tolist()],
            "snr_db": snr[hit],
        }
        if "el_deg" in sensor.sigma:
            columns["el_deg"] = np.clip(self.noisy(el, "el_deg"), -90.0, 90.0)[hit]
        return Batch(t[hit], columns)


def _take(signatures: SignatureArrays, index: IndexArray) -> SignatureArrays:
    """The signatures of the targets ``index`` (one per look)."""
    return SignatureArrays(
        rcs_dbsm=signatures.rcs_dbsm[index],
        emitting=signatures.emitting[index],
        acoustic_level_db=signatures.acoustic_level_db[index],
        size_m=signatures.size_m[index],
        rf_eirp_dbm=signatures.rf_eirp_dbm[index],
        remote_id=signatures.remote_id[index],
        adsb=signatures.adsb[index],
    )


class AcousticSim(_LookSim):
    """A microphone array: bearing and elevation to loud rotors, and their blade-pass
    fundamental (Doppler-shifted); short range, worse in wind."""

    def __init__(self, sensor: Sensor, scenario: Scenario, motion: Motion, seed: int,
                 duration_s: float) -> None:
        super().__init__(sensor, scenario, motion, seed, duration_s)
        self.targets = np.arange(len(scenario.targets), dtype=np.intp)
        self.f0 = np.array([np.nan if t.signature.f0_hz is None else t.signature.f0_hz
                            for t in scenario.targets])

    def measure(self, t0: float, t1: float) -> Batch:
        sensor = self.sensor
        t, index, pos, rel, vel, active = self.geometry(t0, t1)
        az, el, rng_m = enu_to_aer(rel)
        wind = self.scenario.wind_mps
        snr = snr_db(sensor, rng_m, _take(self.signatures, index), wind_mps=wind)
        in_view = in_field_of_view(sensor, az, el, rng_m) & active & (snr > -30.0)
        hit, _, snr = self.detect_through_buildings(in_view, pos, snr)
        rr = range_rate(rel, vel)
        heard = self.f0[index] * SPEED_OF_SOUND_MPS / (SPEED_OF_SOUND_MPS + rr)
        f0 = heard * (1.0 + self.rng.normal(0.0, 0.01, len(t)))
        columns: dict[str, Column] = {
            "az_deg": np.mod(self.noisy(az, "az_deg"), 360.0)[hit],
            "el_deg": np.clip(self.noisy(el, "el_deg"), -90.0, 90.0)[hit],
            "f0_hz": np.abs(f0)[hit],
            "snr_db": snr[hit],
        }
        if wind > 0.0:
            # Wind widens the bearings: each report says so, overriding the site's sigma.
            widened = {name: round(sigma(sensor, name, wind), 3) for name in ("az_deg", "el_deg")}
            columns["sigma"] = [widened] * int(hit.sum())
        return Batch(t[hit], columns)


_CONFUSED = {TargetClass.DRONE: TargetClass.BIRD, TargetClass.BIRD: TargetClass.DRONE,
             TargetClass.AIRCRAFT: TargetClass.AIRCRAFT, TargetClass.UNKNOWN: TargetClass.UNKNOWN}


class EoSim(_LookSim):
    """An EO/IR camera with an automatic detector: a line of sight and a class guess
    whose confidence falls, and whose mistakes (drone for bird and back) grow, with
    range."""

    def __init__(self, sensor: Sensor, scenario: Scenario, motion: Motion, seed: int,
                 duration_s: float) -> None:
        super().__init__(sensor, scenario, motion, seed, duration_s)
        self.targets = np.arange(len(scenario.targets), dtype=np.intp)
        kinds = [t.kind for t in scenario.targets]
        self.truth_class = np.array([k.value for k in kinds], dtype=object)
        self.confused_class = np.array([_CONFUSED[k].value for k in kinds], dtype=object)

    def measure(self, t0: float, t1: float) -> Batch:
        sensor = self.sensor
        t, index, pos, rel, _, active = self.geometry(t0, t1)
        az, el, rng_m = enu_to_aer(rel)
        snr = snr_db(sensor, rng_m, _take(self.signatures, index))
        pd = pd_from_snr(sensor, snr) * (in_field_of_view(sensor, az, el, rng_m) & active)
        hit = self.detect(pd, pos)
        fraction = np.clip(rng_m / param(sensor, "max_range_m"), 0.0, 1.0)
        wrong = self.rng.random(len(t)) < sim_param(sensor, "confusion_at_max") * fraction**2
        unsure = self.rng.random(len(t)) < 0.3 * fraction**3
        cls = np.where(wrong, self.confused_class[index], self.truth_class[index])
        cls = np.where(unsure, TargetClass.UNKNOWN.value, cls)
        conf = np.where(wrong, self.rng.uniform(0.4, 0.75, len(t)),
                        0.97 - 0.4 * fraction - self.rng.uniform(0.0, 0.15, len(t)))
        conf = np.where(unsure, self.rng.uniform(0.2, 0.5, len(t)), conf)
        return Batch(t[hit], {
            "az_deg": np.mod(self.noisy(az, "az_deg"), 360.0)[hit],
            "el_deg": np.clip(self.noisy(el, "el_deg"), -90.0, 90.0)[hit],
            "class": cls[hit].tolist(),
            "conf": np.clip(conf, 0.05, 0.99)[hit],
        })


class _BroadcastSim(SensorSim):
    """A receiver of frames that targets broadcast on their own schedule: each target
    sends at ``phase + k * interval``; the receiver hears what is in range."""

    senders: IndexArray
    phases: FloatArray

    def choose_senders(self, sends: Callable[[TargetSpec], bool], interval: float) -> None:
        """Take the targets that broadcast, each on its own phase: the phase belongs to
        the target, not the receiver, so every receiver hears the same broadcasts."""
        targets = self.scenario.targets
        self.senders = np.array([i for i, t in enumerate(targets) if sends(t)], dtype=np.intp)
        self.phases = np.array([_stable_fraction(targets[i].id) * interval
                                for i in self.senders])

    def broadcasts(self, t0: float, t1: float, interval: float, phases: FloatArray) -> tuple[
        FloatArray, IndexArray
    ]:
        """Send times in ``[t0, t1)`` and sender index of every broadcast."""
        times: list[FloatArray] = []
        who: list[IndexArray] = []
        for sender, phase in zip(self.senders.tolist(), phases.tolist(), strict=True):
            first = math.ceil((t0 - phase) / interval - 1e-9)
            last = math.ceil((t1 - phase) / interval - 1e-9)
            sent = phase + interval * np.arange(first, last)
            times.append(sent)
            who.append(np.full(len(sent), sender, dtype=np.intp))
        if not times:
            return np.empty(0), np.empty(0, dtype=np.intp)
        t = np.concatenate(times)
        index = np.concatenate(who)
        order = np.argsort(t, kind="stable")
        return t[order], index[order]

    def heard(self, t: FloatArray, index: IndexArray) -> tuple[BoolArray, FloatArray,
                                                               FloatArray, FloatArray]:
        """Which broadcasts the receiver decodes, their RSSI, and the senders' site
        positions and velocities."""
        sensor = self.sensor
        pos, rel, _, active = self.sample(t, index)
        _, vel, _ = self.motion.sample(t, index)
        _, _, rng_m = enu_to_aer(rel)
        snr = snr_db(sensor, rng_m, _take(self.signatures, index))
        in_range = active & (rng_m <= param(sensor, "max_range_m")) & np.isfinite(snr)
        hit, clear, snr = self.detect_through_buildings(in_range, pos, snr)
        eirp = self.signatures.rf_eirp_dbm[index]
        rssi = eirp - (20.0 * np.log10(np.maximum(rng_m, 1.0)) + 40.0) - np.where(
            clear, 0.0, sim_param(sensor, "nlos_loss_db"))
        return hit, rssi, pos, vel


class RemoteIdSim(_BroadcastSim):
    """A Remote ID receiver: ASTM F3411 message packs (Basic ID, Location/Vector, System
    with the operator's position, Self-ID) broadcast by each cooperative drone at 1 Hz.
    A spoofer's Location carries its true position plus its spoof offset."""

    INTERVAL_S = 1.0

    def __init__(self, sensor: Sensor, scenario: Scenario, motion: Motion, seed: int,
                 duration_s: float) -> None:
        super().__init__(sensor, scenario, motion, seed, duration_s)
        self.choose_senders(lambda target: target.remote_id is not None, self.INTERVAL_S)

    def measure(self, t0: float, t1: float) -> Batch:
        t, index = self.broadcasts(t0, t1, self.INTERVAL_S, self.phases)
        hit, rssi, pos, vel = self.heard(t, index)
        chosen = np.flatnonzero(hit)
        frames = [
            remote_id_pack(self.scenario, self.scenario.targets[int(index[k])], float(t[k]),
                           pos[k], vel[k]).hex().upper()
            for k in chosen.tolist()
        ]
        return Batch(t[chosen], {"odid": frames, "rssi_dbm": rssi[chosen]})


class AdsbSim(_BroadcastSim):
    """An ADS-B receiver: DF17 airborne positions (even and odd CPR alternating) and
    velocities twice a second, identification every five seconds."""

    INTERVAL_S = 0.5
    IDENT_EVERY = 10

    def __init__(self, sensor: Sensor, scenario: Scenario, motion: Motion, seed: int,
                 duration_s: float) -> None:
        super().__init__(sensor, scenario, motion, seed, duration_s)
        self.choose_senders(lambda target: target.adsb is not None, self.INTERVAL_S)
        self.phase_of = dict(zip(self.senders.tolist(), self.phases.tolist(), strict=True))

    def measure(self, t0: float, t1: float) -> Batch:
        times: list[FloatArray] = []
        frames: list[str] = []
        rssi_all: list[FloatArray] = []
        for offset, kind in ((0.0, "position"), (0.23, "velocity")):
            t, index = self.broadcasts(t0, t1, self.INTERVAL_S, self.phases + offset)
            hit, rssi, pos, vel = self.heard(t, index)
            chosen = np.flatnonzero(hit)
            if len(chosen) == 0:
                continue
            lat, lon, alt = self.scenario.frame.enu_to_geodetic(pos[chosen])
            for j, k in enumerate(chosen.tolist()):
                target = self.scenario.targets[int(index[k])]
                assert target.adsb is not None
                icao = target.adsb.icao
                tick = round((t[k] - self.phase_of[int(index[k])]) / self.INTERVAL_S)
                if kind == "position":
                    frame = adsb.encode_airborne_position(
                        icao, float(lat[j]), float(lon[j]), float(alt[j]), odd=tick % 2 == 1)
                    if tick % self.IDENT_EVERY == 0:
                        times.append(np.array([t[k]]))
                        frames.append(adsb.encode_identification(
                            icao, target.adsb.callsign).hex().upper())
                        rssi_all.append(rssi[k : k + 1])
                else:
                    v = vel[k]
                    frame = adsb.encode_velocity(icao, float(v[0]), float(v[1]), float(v[2]))
                times.append(np.array([t[k]]))
                frames.append(frame.hex().upper())
                rssi_all.append(rssi[k : k + 1])
        if not times:
            return Batch.empty()
        return Batch(np.concatenate(times), {"modes": frames,
                                             "rssi_dbm": np.concatenate(rssi_all)})


def _stable_fraction(text: str) -> float:
    """A number in [0, 1) fixed by a string: schedules that do not depend on the seed."""
    return (zlib.crc32(text.encode()) % 10_000) / 10_000.0


def remote_id_pack(scenario: Scenario, target: TargetSpec, t_s: float, pos: FloatArray,
                   vel: FloatArray) -> bytes:
    """The ASTM F3411 message pack a cooperative drone broadcasts at scenario time
    ``t_s`` from site-ENU position ``pos`` with velocity ``vel``."""
    broadcast = target.remote_id
    assert broadcast is not None
    said = np.array(pos, dtype=np.float64)
    if broadcast.spoof_offset_m is not None:
        said[:2] += broadcast.spoof_offset_m
    lat, lon, alt = scenario.frame.enu_to_geodetic(said)
    ground = float(scenario.ground_up(said[0:1], said[1:2])[0])
    op_e, op_n = broadcast.operator_en
    op_lat, op_lon, op_alt = scenario.frame.enu_to_geodetic(
        np.array([op_e, op_n, float(scenario.ground_up(np.array([op_e]), np.array([op_n]))[0])
                  + 1.5]))
    epoch = scenario.start_t + t_s
    speed = float(np.hypot(vel[0], vel[1]))
    track = float(np.degrees(np.arctan2(vel[0], vel[1])) % 360.0)
    ua_type = (remoteid.UaType.AEROPLANE if target.model == "fixed_wing"
               else remoteid.UaType.HELICOPTER_OR_MULTIROTOR)
    messages: list[remoteid.Message] = [
        remoteid.BasicId(remoteid.IdType.SERIAL_NUMBER, ua_type, broadcast.serial),
        remoteid.Location(
            status=remoteid.OperationalStatus.AIRBORNE,
            direction_deg=round(track) % 360 if speed > 0.1 else 0.0,
            speed_mps=speed,
            vertical_speed_mps=float(vel[2]),
            latitude_deg=float(lat),
            longitude_deg=float(lon),
            geodetic_altitude_m=float(alt),
            pressure_altitude_m=float(alt),
            height_type=remoteid.HeightType.ABOVE_GROUND_LEVEL,
            height_m=float(said[2] - ground),
            horizontal_accuracy_m=3.0,
            vertical_accuracy_m=10.0,
            baro_altitude_accuracy_m=10.0,
            speed_accuracy_mps=1.0,
            timestamp_s=round(epoch % 3600.0, 1) % 3600.0,
            timestamp_accuracy_s=0.1,
        ),
        remoteid.System(
            operator_location_type=remoteid.OperatorLocationType.LIVE_GNSS,
            classification_type=remoteid.ClassificationType.EUROPEAN_UNION,
            operator_latitude_deg=float(op_lat),
            operator_longitude_deg=float(op_lon),
            operator_altitude_m=float(op_alt),
            ua_category=remoteid.UaCategory.OPEN,
            ua_class=remoteid.UaClass.CLASS_1,
            timestamp_s=float(math.floor(epoch)),
        ),
    ]
    if broadcast.description:
        messages.append(remoteid.SelfId(remoteid.DescriptionType.TEXT, broadcast.description))
    return remoteid.encode_pack(messages)


SIMULATORS: dict[SensorType, type[SensorSim]] = {
    SensorType.RADAR: RadarSim,
    SensorType.RF: RfSim,
    SensorType.ACOUSTIC: AcousticSim,
    SensorType.EO: EoSim,
    SensorType.REMOTEID: RemoteIdSim,
    SensorType.ADSB: AdsbSim,
}
"""The simulator of each sensor type."""
