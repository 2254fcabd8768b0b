"""Measurements of known trajectories, made with skywarden.geo, for the tracker's tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import LocalFrame, sensor_measure
from skywarden.metrics import Score, Scorer
from skywarden.model import (
    AcousticReport,
    EoReport,
    RadarReport,
    Report,
    Sensor,
    SensorType,
    Site,
    Zone,
)
from skywarden.pipeline import Picture, Pipeline

FloatArray = NDArray[np.float64]
T0 = 1_767_261_600.0

ORIGIN = {"lat": 60.17, "lon": 24.94, "alt_m": 20.0}


def sensor(sid: str, kind: SensorType, east: float, north: float, up: float = 30.0,
           **sigma: float) -> Sensor:
    """A sensor placed at ENU metres from the test origin."""
    frame = LocalFrame(ORIGIN["lat"], ORIGIN["lon"], ORIGIN["alt_m"])
    lat, lon, alt = frame.enu_to_geodetic(np.array([east, north, up]))
    defaults = {
        SensorType.RADAR: {"range_m": 5.0, "az_deg": 0.4, "el_deg": 0.6, "rr_mps": 0.5},
        SensorType.EO: {"az_deg": 0.2, "el_deg": 0.2},
        SensorType.ACOUSTIC: {"az_deg": 3.0, "el_deg": 4.0},
        SensorType.RF: {"az_deg": 3.0},
    }[kind]
    return Sensor(id=sid, type=kind, lat=float(lat), lon=float(lon), alt_m=float(alt),
                  sigma={**defaults, **sigma}, max_range_m=6000.0, period_s=1.0)


def site(*sensors: Sensor) -> Site:
    """A site of these sensors around the test origin."""
    return Site(name="test", sensors=sensors, params={"origin": ORIGIN})


@dataclass
class Path:
    """A target's known trajectory sampled at ``t`` (site ENU)."""

    name: str
    t: FloatArray
    pos: FloatArray
    vel: FloatArray

    def at(self, t: float) -> tuple[FloatArray, FloatArray]:
        """Interpolated position and velocity at ``t``."""
        pos = np.array([np.interp(t, self.t, self.pos[:, k]) for k in range(3)])
        vel = np.array([np.interp(t, self.t, self.vel[:, k]) for k in range(3)])
        return pos, vel


def path_from_waypoints(name: str, legs: list[tuple[float, tuple[float, float, float]]],
                        start: tuple[float, float, float], dt: float = 0.1) -> Path:
    """A path from ``start`` through legs of ``(duration_s, velocity_enu)``."""
    times, pos, vel = [], [], []
    p = np.array(start, dtype=float)
    t = T0
    for duration, v in legs:
        velocity = np.array(v, dtype=float)
        for _ in range(round(duration / dt)):
            times.append(t)
            pos.append(p.copy())
            vel.append(velocity)
            p = p + velocity * dt
            t += dt
    return Path(name, np.array(times), np.array(pos), np.array(vel))


def radar_reports(the_site: Site, sid: str, paths: list[Path], times: FloatArray,
                  rng: np.random.Generator, *, pd: float = 1.0, clutter: float = 0.0,
                  min_speed_mps: float = 0.0) -> list[RadarReport]:
    """Noisy radar plots of the paths at ``times`` (plus uniform clutter per scan);
    targets slower than ``min_speed_mps`` fall in the Doppler notch and are not seen."""
    s = the_site.sensor(sid)
    site_frame = LocalFrame(*the_site.origin)
    own = LocalFrame(s.lat, s.lon, s.alt_m)
    sig = s.sigma
    out: list[RadarReport] = []
    for t in times:
        for path in paths:
            if not path.t[0] <= t <= path.t[-1] or rng.random() > pd:
                continue
            pos, vel = path.at(t)
            if np.linalg.norm(vel) < min_speed_mps:
                continue
            az, el, rng_m, rr = sensor_measure(own, site_frame, pos, vel)
            out.append(RadarReport(
                t=float(t), sensor=sid,
                range_m=float(rng_m + rng.normal(0, sig["range_m"])),
                az_deg=float((az + rng.normal(0, sig["az_deg"])) % 360.0),
                el_deg=float(el + rng.normal(0, sig["el_deg"])),
                rr_mps=float(rr + rng.normal(0, sig["rr_mps"])),
            ))
        for _ in range(rng.poisson(clutter)):
            out.append(RadarReport(
                t=float(t), sensor=sid, range_m=float(rng.uniform(200, 4000)),
                az_deg=float(rng.uniform(0, 360)), el_deg=float(rng.uniform(0, 10)),
                rr_mps=float(rng.normal(0, 3)),
            ))
    return out


def bearing_reports(the_site: Site, sid: str, paths: list[Path], times: FloatArray,
                    rng: np.random.Generator) -> list[EoReport | AcousticReport]:
    """Noisy az/el lines of sight from an EO camera or an acoustic array."""
    s = the_site.sensor(sid)
    site_frame = LocalFrame(*the_site.origin)
    own = LocalFrame(s.lat, s.lon, s.alt_m)
    out: list[EoReport | AcousticReport] = []
    for t in times:
        for path in paths:
            if not path.t[0] <= t <= path.t[-1]:
                continue
            pos, vel = path.at(t)
            az, el, _, _ = sensor_measure(own, site_frame, pos, vel)
            a = float((az + rng.normal(0, s.sigma["az_deg"])) % 360.0)
            e = float(el + rng.normal(0, s.sigma["el_deg"]))
            if s.type is SensorType.EO:
                out.append(EoReport(t=float(t), sensor=sid, az_deg=a, el_deg=e))
            else:
                out.append(AcousticReport(t=float(t), sensor=sid, az_deg=a, el_deg=e,
                                          f0_hz=180.0))
    return out


def scan_times(start: float, stop: float, period: float, offset: float = 0.0) -> FloatArray:
    """Scan instants from ``start + offset`` to ``stop``."""
    return np.arange(start + offset, stop, period)


def path_from_geodetic(name: str, t: FloatArray, lat: FloatArray, lon: FloatArray,
                       alt: FloatArray, frame: LocalFrame) -> Path:
    """A path from recorded WGS84 fixes, velocities by finite differences."""
    pos = frame.geodetic_to_enu(lat, lon, alt)
    vel = np.gradient(pos, t, axis=0)
    return Path(name, np.asarray(t, dtype=float), pos, vel)


def run(the_site: Site, reports: list[Report], *, period: float = 1.0,
        latency: float = 3.0) -> list[Picture]:
    """Feed reports in the given (arrival) order; every picture of the run."""
    pipeline = Pipeline(the_site, period_s=period, latency_s=latency)
    pictures: list[Picture] = []
    for report in reports:
        pipeline.feed(report)
        pictures.extend(pipeline.ready())
    pictures.extend(pipeline.flush())
    return pictures


def score(pictures: list[Picture], paths: list[Path], frame: LocalFrame) -> Score:
    """Score pictures against the known paths (targets exist over their time span)."""
    scorer = Scorer()
    for picture in pictures:
        truth = {p.name: p.at(picture.t)[0] for p in paths
                 if p.t[0] <= picture.t <= p.t[-1]}
        tracks = {
            s.track_id: frame.geodetic_to_enu(s.lat, s.lon, s.alt_m) for s in picture.tracks
        }
        scorer.add(picture.t, truth, tracks)
    return scorer.result()


def arrival_order(reports: list[Report], rng: np.random.Generator,
                  max_delay_s: float) -> list[Report]:
    """Reports in the order they would arrive after random delays up to ``max_delay_s``."""
    delays = rng.uniform(0.0, max_delay_s, len(reports))
    order = np.argsort([r.t + d for r, d in zip(reports, delays, strict=True)], kind="stable")
    return [reports[i] for i in order]


def square_zone(zone_id: str, west: float, south: float, side: float) -> Zone:
    """A square zone of ``side`` metres whose south-west corner is at ENU ``(west, south)``
    from the test origin."""
    frame = LocalFrame(ORIGIN["lat"], ORIGIN["lon"], ORIGIN["alt_m"])
    corners = np.array([(west, south, 0.0), (west + side, south, 0.0),
                        (west + side, south + side, 0.0), (west, south + side, 0.0),
                        (west, south, 0.0)])
    lat, lon, _ = frame.enu_to_geodetic(corners)
    return Zone(zone_id, zone_id.upper(), tuple(zip(lon.tolist(), lat.tolist(), strict=True)))


def duplicate_track_scene(rng: np.random.Generator) -> tuple[Site, list[Report]]:
    """One drone that two radars first disagree about, then agree on: two tracks that
    end up on top of each other and merge.

    The drone flies north 10 m west of the zone ``hq`` (whose west edge is east 0), then
    turns east into it. Radar ``R1`` sees it where it is and starts the first track.
    Radar ``R2`` starts 3 s later and, for its first 10 s, places the drone 40 m further
    east (inside the zone), an error that shrinks to nothing by 30 s; it starts a second,
    younger track that is inside the zone while the first is outside. Only the zone-entry
    rule is enabled (for every class), so the second track alone raises an alert before
    the merge.
    """
    plain = site(sensor("R1", SensorType.RADAR, -1500.0, -800.0),
                 sensor("R2", SensorType.RADAR, 1500.0, -800.0))
    rules: dict[str, dict[str, object]] = {
        name: {"enabled": False} for name in (
            "predicted_entry", "asset_approach", "loiter", "dark_drone", "swarm",
            "spoofed_remote_id")
    }
    rules["zone_entry"] = {"classes": ["drone", "bird", "aircraft", "unknown"]}
    the_site = Site(name="merge", sensors=plain.sensors,
                    zones=(square_zone("hq", 0.0, -300.0, 600.0),),
                    params={**plain.params, "rules": rules})
    true = path_from_waypoints("drone", [(60.0, (0.0, 3.0, 0.0)), (20.0, (3.0, 0.0, 0.0))],
                               (-10.0, -250.0, 80.0))
    error_east = 40.0 * np.clip((30.0 - (true.t - T0)) / 20.0, 0.0, 1.0)
    seen_pos = true.pos + np.stack([error_east, np.zeros_like(error_east),
                                    np.zeros_like(error_east)], axis=1)
    seen = Path("drone as R2 sees it", true.t, seen_pos,
                np.gradient(seen_pos, true.t, axis=0))
    times = scan_times(T0, T0 + 80.0, 1.0)
    reports: list[Report] = [
        *radar_reports(the_site, "R1", [true], times, rng),
        *radar_reports(the_site, "R2", [seen], times[3:] + 0.5, rng),
    ]
    reports.sort(key=lambda r: r.t)
    return the_site, reports
