"""Identification and warning: scenario measures, and the cost of one warning update.

Part 1 simulates a scenario (default ``capital``; any built-in, ``real-flights`` and
``swarm-<N>`` included, or a YAML file), runs it through the whole
pipeline and prints what an operator would judge the warning layer by: the class
confusion matrix, confidence calibration, time from a drone's first track to its first
alert, warning time before zone entry, false alerts per hour (alerts on tracks that
are not drones: birds, aircraft, clutter) and launch-point errors against truth.

Part 2 times one ``Warner.update`` over N drones near the zones, beside a naive peer
measured in the same run: the same zone and swarm checks done point by point with
shapely objects and all pairs of drones (what one writes first).

    .venv/bin/python bench/warn_bench.py [--scenario capital|real-flights|FILE.yaml] [--seed 1]
                                         [--duration 600]
                                         [--no-gate] [--skip-scenario]
"""

from __future__ import annotations

import argparse
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import shapely

from skywarden.geo import LocalFrame
from skywarden.identify import Classification, Identified
from skywarden.identify.calibration import fit_temperature, reliability
from skywarden.identify.classify import CLASSES, CLUTTER, ClassModel
from skywarden.model import Site, TargetClass, TrackEvidence, TrackState
from skywarden.sim.builtin import load_scenario
from skywarden.sim.run import simulate
from skywarden.warn import Swarm, Warner, ZoneEntry
from skywarden.warn.corroboration import DEFAULT_LIMITS
from skywarden.warn.evaluate import Evaluation, evaluate
from skywarden.warn.zones import project_lonlat


def scenario_measures(name: str, seed: int, duration: float, gate: bool = True) -> Evaluation:
    """Simulate, run the pipeline, and print the warning measures (``gate``: with the
    warner's corroboration gate on which tracks may open alerts)."""
    with tempfile.TemporaryDirectory() as tmp:
        began = time.perf_counter()
        simulate(load_scenario(name), Path(tmp), seed=seed, duration_s=duration)
        simulated = time.perf_counter() - began
        began = time.perf_counter()
        ev = evaluate(Path(tmp), corroboration=DEFAULT_LIMITS if gate else None)
        ran = time.perf_counter() - began
    print(f"# {name}, seed {seed}, {ev.duration_s:.0f} s of data, "
          f"corroboration gate {'on' if gate else 'off'} "
          f"(simulated in {simulated:.1f} s, tracked+identified+warned in {ran:.1f} s)\n")
    order = [*CLASSES, TargetClass.UNKNOWN]
    confusion = ev.confusion()
    print("Confusion matrix (track lines; rows: truth, 'unknown' = no object; "
          "columns: reported)")
    print("| truth \\ reported | " + " | ".join(c.value for c in order) + " |")
    print("|---" * (len(order) + 1) + "|")
    for true_cls in order:
        row = confusion.get(true_cls)
        if row:
            print(f"| {true_cls.value} | " + " | ".join(str(row[c]) for c in order) + " |")
    scores, labels = ev.calibration_data()
    real = labels != CLUTTER
    if real.any():
        model = ClassModel()
        logits = scores[real] / model.temperature
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        best, conf = probs[:, :CLUTTER].argmax(axis=1), probs[:, :CLUTTER].max(axis=1)
        reported = conf >= model.decide_min
        right = best[reported] == labels[real][reported]
        _, ece = reliability(conf[reported], right)
        print(f"\nOn the {int(real.sum())} track lines that follow a real object: "
              f"{reported.mean():.1%} given a class, {right.mean():.1%} of those right, "
              f"ECE {ece:.3f} at T={model.temperature}; temperature fitted here "
              f"{fit_temperature(scores[real], labels[real]):.2f}")
        ghosts = ev.confusion().get(TargetClass.UNKNOWN)
        if ghosts:
            total = sum(ghosts.values())
            print(f"Track lines that follow no object (clutter, ghosts, badly placed "
                  f"tracks): {total}, reported drone {ghosts[TargetClass.DRONE] / total:.0%}, "
                  f"bird {ghosts[TargetClass.BIRD] / total:.0%}, "
                  f"unknown {ghosts[TargetClass.UNKNOWN] / total:.0%}")
    tta = ev.time_to_alert()
    print(f"\nTime from first track to first alert, per drone (s): "
          f"{_fmt(tta)}; median {_median(tta)}")
    warning = ev.warning_before_entry()
    print(f"Warning before zone entry (predicted_entry -> zone_entry, s): "
          f"{_fmt(warning)}; median {_median(warning)}")
    false = ev.false_alerts()
    print(f"False alerts (opened on non-drone tracks): {len(false)}, "
          f"{ev.false_alerts_per_hour():.0f} per hour; by rule: "
          f"{_count(a.rule for a in false)}")
    judged = [ev.truth_at(a.track_id, a.t) for a in false]
    birds = sum(1 for t in judged if t is not None and ev.kinds[t] is TargetClass.BIRD)
    allowed = ev.authorised_objects()
    authorised = sum(1 for t in judged if t in allowed)
    print(f"  of which on birds: {birds}, on the authorised drone: {authorised}, "
          f"on tracks following no object then: {judged.count(None)}")
    duplicates = ev.duplicate_alerts()
    print(f"Duplicate alerts (a second track beside a drone that another track follows): "
          f"{len(duplicates)}; by rule: {_count(a.rule for a in duplicates)}")
    launch = ev.launch_errors()
    print("Launch point error vs truth (m, claimed 1-sigma, source): "
          + ", ".join(f"{k}: {e:.0f} ({s:.0f}, {src})" for k, (e, s, src) in launch.items()))
    return ev


def _fmt(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.0f}" for k, v in sorted(values.items())) or "none"


def _median(values: dict[str, float]) -> str:
    return f"{statistics.median(values.values()):.0f}" if values else "n/a"


def _count(items: object) -> str:
    from collections import Counter

    return ", ".join(f"{k} {v}" for k, v in Counter(items).most_common())  # type: ignore[arg-type]


def naive_zone_and_swarm(points_en: np.ndarray, alt: np.ndarray, zones: list[shapely.Polygon],
                         floors: list[float], ceilings: list[float], radius_m: float,
                         min_size: int) -> tuple[int, int]:
    """The peer: zone tests point by point, swarm by comparing every pair of drones."""
    inside = 0
    for (e, n), a in zip(points_en, alt, strict=True):
        point = shapely.Point(e, n)
        for zone, floor, ceiling in zip(zones, floors, ceilings, strict=True):
            if floor <= a <= ceiling and zone.contains(point):
                inside += 1
    parent = list(range(len(points_en)))
    rows = [(float(e), float(n), float(a)) for (e, n), a in zip(points_en, alt, strict=True)]

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(points_en)):
        for j in range(i + 1, len(points_en)):
            if math.dist(rows[i], rows[j]) <= radius_m:
                parent[root(i)] = root(j)
    sizes: dict[int, int] = {}
    for i in range(len(points_en)):
        sizes[root(i)] = sizes.get(root(i), 0) + 1
    return inside, sum(1 for s in sizes.values() if s >= min_size)


def _best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        began = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - began)
    return best


def drones(site: Site, n: int, t: float, spread_m: float, max_speed_mps: float,
           seed: int = 0) -> tuple[list[Identified], dict[str, TrackEvidence]]:
    """N dark drones at 120 m within ``spread_m`` of the first zone, each flying a
    random heading at up to ``max_speed_mps`` (0: all hovering)."""
    frame = LocalFrame(*site.origin)
    centre = project_lonlat(frame, site.zones[0].polygon).mean(axis=0)
    rng = np.random.default_rng(seed)
    spots = centre + rng.uniform(-spread_m, spread_m, (n, 2))
    heading = rng.uniform(0.0, 2.0 * math.pi, n)
    speed = rng.uniform(0.0, max_speed_mps, n)
    vel = np.column_stack([speed * np.sin(heading), speed * np.cos(heading), np.zeros(n)])
    up = np.full(n, 120.0 - site.origin[2])
    lat, lon, alt = frame.enu_to_geodetic(np.column_stack([spots, up]))
    items, evidence = [], {}
    for k in range(n):
        track_id = f"T{k + 1}"
        v = (float(vel[k, 0]), float(vel[k, 1]), 0.0)
        state = TrackState(t, track_id, float(lat[k]), float(lon[k]), float(alt[k]),
                           v, 5.0, TargetClass.DRONE, 0.95, dark=True)
        verdict = Classification(TargetClass.DRONE, 0.95, (0.95, 0.02, 0.01, 0.02),
                                 (0.0, 0.0, 0.0, 0.0))
        items.append(Identified(state, verdict))
        row = (t, float(spots[k, 0]), float(spots[k, 1]), float(up[k]), *v)
        evidence[track_id] = TrackEvidence(track_id, t - 10.0, t, (row,))
    return items, evidence


def update_cost(site: Site, counts: tuple[int, ...] = (30, 300, 1000, 3000)) -> None:
    """Time one Warner.update over N drones beside the naive peer: hovering near the
    zones (every track is a candidate for every zone rule), then crossing the whole
    district (most are too far from any zone to reach it within the horizon)."""
    frame = LocalFrame(*site.origin)
    zones = [shapely.Polygon(project_lonlat(frame, z.polygon)) for z in site.zones]
    layouts = {"hovering within 1.5 km of the zones": (1500.0, 0.0),
               "flying at up to 20 m/s within 6 km": (6000.0, 20.0)}
    for title, (spread_m, max_speed) in layouts.items():
        print(f"\nOne warning update over N drones {title} (best of 5, ms):")
        print("| drones | Warner.update, all 7 rules | Warner.update, zone_entry + swarm "
              "| naive zone + swarm checks |")
        print("|---|---|---|---|")
        for n in counts:
            items, evidence = drones(site, n, 0.0, spread_m, max_speed)
            timings = []
            for rules in (None, (ZoneEntry(), Swarm())):
                warner = Warner(site, rules)
                warner.update(0.0, items, evidence)
                timings.append(_best_of(
                    lambda w=warner, i=items, e=evidence: w.update(1.0, i, e)) * 1e3)
            spots = np.array([evidence[i.track_id].history[-1][1:3] for i in items])
            alt = np.array([i.track.alt_m for i in items])
            ms_naive = _best_of(lambda p=spots, a=alt: naive_zone_and_swarm(
                p, a, zones, [z.floor_m for z in site.zones],
                [z.ceiling_m for z in site.zones], 150.0, 3)) * 1e3
            print(f"| {n} | {timings[0]:.1f} | {timings[1]:.1f} | {ms_naive:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="capital")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=600.0)
    parser.add_argument("--skip-scenario", action="store_true")
    parser.add_argument("--no-gate", action="store_true",
                        help="open alerts on every track old enough (no corroboration gate)")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    if not args.skip_scenario:
        scenario_measures(args.scenario, args.seed, args.duration, gate=not args.no_gate)
    update_cost(scenario.site)


if __name__ == "__main__":
    main()
