"""Scenario and sensor simulation speed, beside Stone Soup in the same run.

Measured on one core (BLAS threads pinned to one):

- peer: Stone Soup's multi-target ground truth (constant velocity) and its simple
  detection simulator with a 3-D radar measurement model (elevation, bearing, range,
  range rate), detection probability 0.9 and one clutter point a scan: 60 targets,
  600 one-second scans, detections kept in memory;
- Skywarden on the comparable radar-only scenario (60 multirotors on waypoint routes,
  one rotating radar, open ground, 600 s), writing the whole recording to disk;
- Skywarden on the 10-minute ``capital`` scenario (66 targets, 15 sensors of six types,
  2,759 buildings with exact line of sight), once as shipped and once with every sight
  line sent straight to ``Buildings.visible`` (no horizon prefilter, no cut at the
  tallest roof: the same answers, the before figure of that optimisation), and on
  ``swarm-500``.

Run: ``.venv/bin/python bench/simulate_bench.py`` (add ``--quick`` for 60 s runs).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import datetime  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from skywarden.sim import load_scenario, scenario_from_dict, simulate  # noqa: E402
from skywarden.sim.los import SightLines  # noqa: E402

TARGETS = 60
SCANS = 600
ORIGIN = {"lat": 33.3128, "lon": 44.3615}


def stonesoup_radar(targets: int, scans: int) -> tuple[float, int]:
    """Seconds and detection count of Stone Soup's ground truth + radar detections."""
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRangeRate
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.simulator.simple import (
        MultiTargetGroundTruthSimulator,
        SimpleDetectionSimulator,
    )
    from stonesoup.types.array import CovarianceMatrix, StateVector
    from stonesoup.types.state import GaussianState

    began = time.perf_counter()
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(0.5)] * 3)
    start = GaussianState(
        StateVector([0, 0, 0, 0, 100, 0]),
        CovarianceMatrix(np.diag([2000.0**2, 10.0**2, 2000.0**2, 10.0**2, 40.0**2, 1.0])),
        timestamp=datetime.datetime(2026, 1, 1),
    )
    truth = MultiTargetGroundTruthSimulator(
        transition, start, timestep=datetime.timedelta(seconds=1), number_steps=scans,
        birth_rate=0.0, death_probability=0.0, initial_number_targets=targets, seed=1)
    radar = CartesianToElevationBearingRangeRate(
        ndim_state=6, mapping=(0, 2, 4), velocity_mapping=(1, 3, 5),
        noise_covar=CovarianceMatrix(np.diag([np.radians(0.8) ** 2, np.radians(0.5) ** 2,
                                              5.0**2, 0.4**2])), seed=2)
    detector = SimpleDetectionSimulator(
        truth, radar, meas_range=np.array([[-0.1, 0.5], [-np.pi, np.pi], [30.0, 5000.0],
                                           [-30.0, 30.0]]),
        detection_probability=0.9, clutter_rate=1.0, seed=3)
    count = sum(len(detections) for _, detections in detector)
    return time.perf_counter() - began, count


def radar_only(targets: int) -> dict[str, Any]:
    """The comparable Skywarden scenario: one radar, open ground, waypoint flights."""
    rng = np.random.default_rng(1)
    drones = []
    for i in range(targets):
        points = rng.uniform(-3000.0, 3000.0, (4, 2))
        drones.append({
            "id": f"d{i}", "model": "multirotor", "loop": True,
            "at": [float(points[0, 0]), float(points[0, 1]), float(rng.uniform(40, 150))],
            "route": [{"to": [float(x), float(y), float(rng.uniform(40, 150))]}
                      for x, y in points[1:]],
        })
    radar = {"id": "radar", "type": "radar", "at": [0, 0, 20], "max_range_m": 5000,
             "pd": 0.9, "ref_range_m": 3000, "period_s": 1.0, "clutter_per_scan": 1.0}
    return {"name": "radar-only", "origin": ORIGIN, "sensors": [radar], "targets": drones}


def _unfiltered(self: SightLines, points: np.ndarray) -> np.ndarray:
    """Every sight line asked of the city model as it is."""
    return self.buildings.visible(self.origin, points)


def run(name: str, scenario: Any, seconds: float) -> tuple[str, int, int, float, float]:
    with tempfile.TemporaryDirectory() as folder:
        summary = simulate(scenario, Path(folder), seed=1, duration_s=seconds)
    return (name, len(scenario.targets), summary.reports, seconds, summary.wall_s)


def main() -> None:
    quick = "--quick" in sys.argv
    seconds = 60.0 if quick else 600.0
    scans = int(seconds)
    rows = []
    wall, count = stonesoup_radar(TARGETS, scans)
    rows.append(("Stone Soup: truth + radar detections (peer)", TARGETS, count, seconds, wall))
    rows.append(run("Skywarden: radar-only, recording written",
                    scenario_from_dict(radar_only(TARGETS)), seconds))
    rows.append(run("Skywarden: capital (15 sensors, city LOS)", load_scenario("capital"),
                    seconds))
    shipped = SightLines.visible
    SightLines.visible = _unfiltered  # type: ignore[method-assign]
    try:
        rows.append(run("  same, sight lines unfiltered (before)", load_scenario("capital"),
                        seconds))
    finally:
        SightLines.visible = shipped  # type: ignore[method-assign]
    rows.append(run("Skywarden: swarm-500", load_scenario("swarm-500"), seconds))
    print(f"{'run':46} {'targets':>7} {'reports':>9} {'sim s':>6} {'wall s':>7} "
          f"{'x real time':>11}")
    for name, targets, reports, sim_s, wall_s in rows:
        print(f"{name:46} {targets:7d} {reports:9d} {sim_s:6.0f} {wall_s:7.2f} "
              f"{sim_s / wall_s:11.1f}")


if __name__ == "__main__":
    main()
