"""Where a drone took off: its operator's declared position, or its track flown backwards.

The Remote ID operator position, when the drone broadcasts one, is reported as such
(source ``remote_id``): it is what the drone claims, not what was measured. Otherwise
the first seconds of the track are fitted with a straight line and flown back:

- a climbing track is flown back to the ground along the velocity fitted to its
  first climb (rows after it levels off are left out); the radius grows with the
  velocity's uncertainty and how far back the line reaches;
- a level or descending track gives no climb to extrapolate. The drone must have
  climbed to its height at some point, at a typical rate, somewhere between straight
  below its first position and one climb's worth of flight behind it: the estimate is
  the middle of that segment and the radius its spread.

The estimate is made from the earliest history seen of each track and kept, since the
tracker's history is bounded and later rows say nothing about the take-off.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from skywarden.geo import LocalFrame
from skywarden.model import LaunchPoint, TrackEvidence

REMOTE_ID_SIGMA_M = 10.0
"""1-sigma radius given to a declared operator position (consumer GNSS)."""


@dataclass
class LaunchPointEstimator:
    """Estimates and remembers the launch point of each drone track.

    ``ground_up_m`` is the ground's height in the site frame; ``fit_s`` the seconds of
    early track fitted; ``min_climb_mps`` the climb rate above which a track is
    extrapolated to the ground; ``typical_climb_mps`` the climb rate assumed for a track
    first seen level; ``max_back_s`` the longest extrapolation; ``floor_sigma_m`` the
    least radius claimed; ``path_error`` the fraction of the distance flown back added
    to the radius, since no drone climbs out on a perfectly straight line.
    """

    frame: LocalFrame
    ground_up_m: float
    fit_s: float = 8.0
    min_climb_mps: float = 0.7
    typical_climb_mps: float = 3.0
    max_back_s: float = 180.0
    floor_sigma_m: float = 20.0
    path_error: float = 0.2
    _early: dict[str, LaunchPoint] = field(default_factory=dict, repr=False)
    _settled: set[str] = field(default_factory=set, repr=False)
    _made_at: dict[str, float] = field(default_factory=dict, repr=False)
    """Time of the newest history row each unsettled estimate was made from."""

    def launch_point(self, evidence: TrackEvidence) -> LaunchPoint | None:
        """The launch point of a track; ``None`` when it has no history yet."""
        if evidence.operator_lat is not None and evidence.operator_lon is not None:
            return LaunchPoint(evidence.operator_lat, evidence.operator_lon,
                               REMOTE_ID_SIGMA_M, source="remote_id")
        track_id = evidence.track_id
        if (track_id not in self._settled and len(evidence.history) > 0
                and self._made_at.get(track_id) != evidence.history[-1][0]):
            self._made_at[track_id] = evidence.history[-1][0]
            rows = np.asarray(evidence.history, dtype=np.float64)
            early = rows[rows[:, 0] <= rows[0, 0] + self.fit_s]
            climbing = early[:, 6] >= self.min_climb_mps
            if climbing[0] and not climbing.all():
                early = early[: max(int(np.argmin(climbing)), 2)]
            self._early[track_id] = self._extrapolate(early)
            if rows[-1, 0] - rows[0, 0] >= self.fit_s:
                self._settled.add(track_id)
        return self._early.get(track_id)

    def merge(self, absorbed: str, survivor: str) -> None:
        """Keep the earlier-made estimate of two merged tracks for the survivor: the
        absorbed one's when the survivor had none."""
        gone = self._early.pop(absorbed, None)
        if gone is not None and survivor not in self._early:
            self._early[survivor] = gone
            if absorbed in self._settled:
                self._settled.add(survivor)
        self._settled.discard(absorbed)
        self._made_at.pop(absorbed, None)

    def forget(self, track_id: str) -> None:
        """Drop the estimate of a track that no longer exists."""
        self._early.pop(track_id, None)
        self._settled.discard(track_id)
        self._made_at.pop(track_id, None)

    def _extrapolate(self, rows: np.ndarray) -> LaunchPoint:
        t = rows[:, 0] - rows[0, 0]
        if len(rows) >= 3 and t[-1] > 1.0:
            design = np.stack([np.ones_like(t), t], axis=1)
            coef, _, _, _ = np.linalg.lstsq(design, rows[:, 1:4], rcond=None)
            start, vel = coef[0], coef[1]
            resid = rows[:, 1:4] - design @ coef
            spread = float(np.sqrt(np.mean(np.sum(resid[:, :2] ** 2, axis=1))))
            vel_sigma = spread / max(float(t[-1]), 1.0) * np.sqrt(12.0 / len(rows))
        else:
            start, vel = rows[0, 1:4], rows[:, 4:7].mean(axis=0)
            spread, vel_sigma = 0.0, 2.0
        height = max(float(start[2]) - self.ground_up_m, 0.0)
        v_h = vel[:2]
        speed = float(np.linalg.norm(v_h))
        if vel[2] >= self.min_climb_mps:
            back = min(height / float(vel[2]), self.max_back_s)
            ground = start[:2] - v_h * back
            sigma = float(np.sqrt(spread**2 + (vel_sigma * back) ** 2
                                  + (self.path_error * speed * back) ** 2))
        else:
            half = 0.5 * speed * min(height / self.typical_climb_mps, self.max_back_s)
            ground = start[:2] - (v_h / max(speed, 1e-9)) * half
            sigma = float(np.hypot(spread, half / np.sqrt(3.0)))
        lat, lon, _ = self.frame.enu_to_geodetic(np.array([ground[0], ground[1], self.ground_up_m]))
        return LaunchPoint(float(lat), float(lon), max(sigma, self.floor_sigma_m), "track")
