"""Measurements of known trajectories, made with skywarden.geo, for the tracker's tests."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import LocalFrame, sensor_measure
from skywarden.model import (
    AcousticReport,
    EoReport,
    RadarReport,
    Sensor,
    SensorType,
    Site,
)

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
