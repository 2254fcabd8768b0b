"""Sharing a broadcast identity with the sensor tracks that follow the same drone.

The tracker merges a Remote ID broadcast into the sensor track that corroborates it,
but for a while one drone may still be followed by two tracks: the one that carries
the serial and a second, sensor-only one (a duplicate made from another sensor, or
the sensor track before the merge). Alarming on that second track as a "dark drone"
would accuse an identified, perhaps authorised, drone. A sensor-only drone track that
sits within the gate of a track carrying a trusted serial, and moves like it, is
taken to be that drone and shares its identity, for good, as the tracker's own
merge would have given it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from skywarden.geo import LocalFrame
from skywarden.model import TrackState


@dataclass(frozen=True, slots=True)
class IdentityGate:
    """How close (``n_sigma`` combined position sigmas, at least ``floor_m``) and how
    alike in horizontal velocity (``max_dv_mps``; the vertical rate of a young track is
    too noisy to compare) two tracks must be to be one drone."""

    n_sigma: float = 3.0
    floor_m: float = 30.0
    max_dv_mps: float = 6.0


def shared_identities(
    frame: LocalFrame,
    tracks: Sequence[TrackState],
    carriers: Sequence[int],
    candidates: Sequence[int],
    gate: IdentityGate,
) -> dict[int, int]:
    """For each candidate row (a sensor-only drone track), the carrier row (a track
    with a trusted serial) it is one drone with, nearest first, one to one."""
    if not carriers or not candidates:
        return {}
    enu = frame.geodetic_to_enu([t.lat for t in tracks], [t.lon for t in tracks],
                                [t.alt_m for t in tracks]).reshape(-1, 3)
    vel = np.array([t.vel_enu_mps for t in tracks], dtype=np.float64).reshape(-1, 3)[:, :2]
    sigma = np.array([t.pos_sigma_m for t in tracks], dtype=np.float64)
    widest = gate.n_sigma * float(np.sqrt(2.0) * sigma.max()) + gate.floor_m
    tree = cKDTree(enu[list(carriers)])
    pairs: list[tuple[float, int, int]] = []
    for c in candidates:
        for k in tree.query_ball_point(enu[c], widest):
            carrier = carriers[k]
            distance = float(np.linalg.norm(enu[c] - enu[carrier]))
            limit = max(gate.n_sigma * float(np.hypot(sigma[c], sigma[carrier])), gate.floor_m)
            alike = float(np.linalg.norm(vel[c] - vel[carrier])) <= gate.max_dv_mps
            if distance <= limit and alike:
                pairs.append((distance, c, carrier))
    out: dict[int, int] = {}
    for _, c, carrier in sorted(pairs):
        if c not in out:
            out[c] = carrier
    return out
