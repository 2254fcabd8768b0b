"""Run a scenario and write its recording: site.json, detections.jsonl, truth.jsonl.

The targets are flown first (``skywarden.sim.motion``), then time is cut into windows
and every sensor reports on each window in turn. Reports carry their measurement time
but are written in the order they arrive (measurement time plus latency), so
detections.jsonl is out of time order exactly as a live feed is. A report can never
arrive before it is measured, so once a window is simulated every pending report that
arrives before the window's end is final and is written: the reports held in memory
stay bounded for any duration. The same scenario, seed and duration always give the same bytes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from skywarden.recording import DETECTIONS_FILE, TRUTH_FILE, JsonlWriter, write_site
from skywarden.sim.motion import Motion, simulate_motion
from skywarden.sim.scenario import CITY_FILE, Scenario, TargetSpec
from skywarden.sim.sensors import SIMULATORS

WINDOW_S = 20.0
"""Simulated seconds per window: large enough to vectorise well, small in memory."""
MOTION_STREAM = 0x5EED
"""Random-stream key of target motion (sensors key theirs by their id)."""
MOTION_SHARE = 0.3
"""Share of the progress bar given to flying the targets."""


@dataclass
class SimulationSummary:
    """What a run wrote, and how long it took (wall-clock seconds)."""

    out_dir: Path
    duration_s: float
    reports: int = 0
    truth_points: int = 0
    per_sensor: dict[str, int] = field(default_factory=dict)
    wall_s: float = 0.0


def simulate(
    scenario: Scenario,
    out_dir: Path,
    seed: int = 0,
    duration_s: float | None = None,
    progress: Callable[[float], None] | None = None,
) -> SimulationSummary:
    """Simulate ``scenario`` for ``duration_s`` (default: the scenario's) and write the
    recording into ``out_dir``. ``progress`` is called with the fraction done."""
    began = time.perf_counter()
    duration = float(scenario.duration_s if duration_s is None else duration_s)
    if duration <= 0.0:
        raise ValueError("duration must be positive")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = progress or (lambda _fraction: None)
    motion = simulate_motion(scenario, duration, np.random.default_rng([seed, MOTION_STREAM]),
                             lambda f: report(MOTION_SHARE * f))
    write_site(out, scenario.site)
    if len(scenario.buildings):
        geojson = scenario.buildings.to_geojson(scenario.frame)
        (out / CITY_FILE).write_text(json.dumps(geojson) + "\n", encoding="utf-8")
    sims = [SIMULATORS[s.type](s, scenario, motion, seed, duration) for s in scenario.site.sensors]
    summary = SimulationSummary(out_dir=out, duration_s=duration,
                                per_sensor={s.id: 0 for s in scenario.site.sensors})
    pending_arrival: list[np.ndarray] = []
    pending_lines: list[dict[str, Any]] = []
    with JsonlWriter(out / DETECTIONS_FILE) as detections, JsonlWriter(
        out / TRUTH_FILE
    ) as truth:
        t0 = 0.0
        while t0 < duration:
            t1 = min(t0 + WINDOW_S, duration)
            for sim in sims:
                emitted = sim.emit(t0, t1)
                pending_arrival.append(emitted.arrival_t)
                pending_lines.extend(emitted.lines)
                summary.per_sensor[sim.sensor.id] += len(emitted.lines)
            summary.truth_points += _write_truth(scenario, motion, t0, t1, truth)
            final = t1 >= duration
            pending_arrival, pending_lines = _flush(
                pending_arrival, pending_lines, scenario.start_t + t1, final, detections)
            report(MOTION_SHARE + (1.0 - MOTION_SHARE) * t1 / duration)
            t0 = t1
    summary.reports = sum(summary.per_sensor.values())
    summary.wall_s = time.perf_counter() - began
    return summary


def _flush(
    arrivals: list[np.ndarray],
    lines: list[dict[str, Any]],
    horizon_t: float,
    final: bool,
    writer: JsonlWriter,
) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """Write, in arrival order, every pending line that arrives before ``horizon_t``
    (all of them when ``final``); return the rest."""
    if not lines:
        return [], []
    arrival = np.concatenate(arrivals)
    order = np.argsort(arrival, kind="stable")
    ready = len(order) if final else int(np.searchsorted(arrival[order], horizon_t))
    for i in order[:ready].tolist():
        writer.write(lines[i])
    rest = order[ready:]
    return [arrival[rest]], [lines[i] for i in rest.tolist()]


def _write_truth(scenario: Scenario, motion: Motion, t0: float, t1: float,
                 writer: JsonlWriter) -> int:
    """Truth at every whole second of ``[t0, t1)`` for every object in the air."""
    written = 0
    targets = scenario.targets
    extras = [_truth_extras(t) for t in scenario.targets]
    for second in np.arange(np.ceil(t0), t1, 1.0).tolist():
        pos, vel, active = motion.at(second)
        lat, lon, alt = scenario.frame.enu_to_geodetic(pos)
        rows = zip(np.round(lat, 7).tolist(), np.round(lon, 7).tolist(),
                   np.round(alt, 2).tolist(), np.round(vel, 2).tolist(), active.tolist(),
                   strict=True)
        t = round(scenario.start_t + second, 4)
        for target, extra, (la, lo, al, v, on) in zip(targets, extras, rows, strict=True):
            if not on:
                continue
            writer.write({"t": t, "id": target.id, "kind": target.kind.value, "lat": la,
                          "lon": lo, "alt_m": al, "vel_enu_mps": v, **extra})
            written += 1
    return written


def _truth_extras(target: TargetSpec) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if target.kind.value == "drone":
        extra["emitting"] = target.radio is not None
    if target.remote_id is not None:
        extra["remote_id"] = target.remote_id.serial
    if target.adsb is not None:
        extra["icao"] = target.adsb.icao
    return extra

