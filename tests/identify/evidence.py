"""Hand-built track evidence for identification tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from skywarden.geo import LocalFrame
from skywarden.model import SensorType, TargetClass, TrackEvidence, TrackState
from skywarden.recording import site_from_dict
from tests.recordings import EXAMPLE_SITE

SITE = site_from_dict(EXAMPLE_SITE)
FRAME = LocalFrame(*SITE.origin)
T0 = 1_767_261_600.0
GROUND_UP = min(s.alt_m for s in SITE.sensors) - SITE.origin[2]


def history(path: Callable[[float], tuple[float, float, float]], seconds: float,
            t0: float = T0, step_s: float = 1.0) -> tuple[tuple[float, ...], ...]:
    """History rows of a path ``(e, n, height above ground)(tau)`` flown for ``seconds``."""
    rows = []
    for tau in np.arange(0.0, seconds + 1e-9, step_s):
        e, n, h = path(float(tau))
        e2, n2, h2 = path(float(tau) + 0.5)
        e1, n1, h1 = path(float(tau) - 0.5)
        rows.append((t0 + float(tau), e, n, h + GROUND_UP, e2 - e1, n2 - n1, h2 - h1))
    return tuple(rows)


def line(speed: float, height: float, heading_deg: float = 90.0
         ) -> Callable[[float], tuple[float, float, float]]:
    """Straight level flight."""
    h = np.radians(heading_deg)
    return lambda tau: (speed * tau * np.sin(h), speed * tau * np.cos(h), height)


def weave(speed: float, height: float, seed: int
          ) -> Callable[[float], tuple[float, float, float]]:
    """A bird's wandering flight: a heading that drifts and swings."""
    rng = np.random.default_rng(seed)
    phase, rate = rng.uniform(0, 2 * np.pi), rng.uniform(0.15, 0.3)

    def at(tau: float) -> tuple[float, float, float]:
        heading = phase + 0.8 * np.sin(rate * tau)
        # integrate heading numerically along the path
        taus = np.linspace(0.0, tau, 50) if tau > 0 else np.zeros(1)
        hs = phase + 0.8 * np.sin(rate * taus)
        dt = tau / 49 if tau > 0 else 0.0
        e = float(np.sum(np.sin(hs)) * speed * dt)
        n = float(np.sum(np.cos(hs)) * speed * dt)
        return (e, n, height + 3.0 * np.sin(0.5 * tau + heading))

    return at


def evidence(track_id: str, rows: tuple[tuple[float, ...], ...], **kw: Any) -> TrackEvidence:
    """Evidence of a track with these history rows; keyword fields as in TrackEvidence.
    These tracks are seconds old, so every RF hit is also a recent one unless
    ``rf_recent`` says otherwise."""
    types = kw.pop("source_types", frozenset({SensorType.RADAR}))
    kw.setdefault("rf_recent", kw.get("rf_hits", 0))
    return TrackEvidence(track_id=track_id, first_t=rows[0][0], last_update_t=rows[-1][0],
                         history=rows, source_types=types, **kw)


def state_of(track_id: str, rows: tuple[tuple[float, ...], ...], sigma: float = 8.0,
             **kw: Any) -> TrackState:
    """The track state at the last history row."""
    t, e, n, u, ve, vn, vu = rows[-1]
    lat, lon, alt = FRAME.enu_to_geodetic(np.array([e, n, u]))
    return TrackState(t=t, track_id=track_id, lat=float(lat), lon=float(lon), alt_m=float(alt),
                      vel_enu_mps=(ve, vn, vu), pos_sigma_m=sigma, **kw)


def votes(**by_class: float) -> Mapping[TargetClass, float]:
    """EO class votes, e.g. ``votes(drone=4.0)``."""
    return {TargetClass(k): v for k, v in by_class.items()}
