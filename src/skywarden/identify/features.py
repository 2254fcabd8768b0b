"""Kinematic features of a track, read from the tracker's recent ENU history.

Classification and spoof checks look at how an object moves, not only where it is:
how fast, how high above the ground, how long it hovers, how hard it turns and
accelerates. The history rows are ``(t, east, north, up, v_east, v_north, v_up)`` in
the site frame; every feature is taken over a recent window so that a drone that
cruises, then stops, is judged on what it does now as well as what it did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

MOVING_MPS = 2.0
"""Below this horizontal speed a heading is noise: turn rates ignore such rows."""


@dataclass(frozen=True, slots=True)
class Kinematics:
    """How a track moves over its recent window.

    ``speed_mps`` is the median horizontal speed, ``peak_speed_mps`` the highest,
    ``climb_mps`` the median vertical speed, ``agl_m`` the latest height above the
    ground, ``turn_rate_dps`` the RMS heading rate while moving, ``accel_mps2`` the RMS
    horizontal acceleration and ``span_s`` how many seconds of history were used.
    """

    speed_mps: float
    peak_speed_mps: float
    climb_mps: float
    agl_m: float
    turn_rate_dps: float
    accel_mps2: float
    span_s: float


def kinematics(
    history: Sequence[Sequence[float]], ground_up_m: float, window_s: float = 20.0
) -> Kinematics | None:
    """Features of the last ``window_s`` seconds of history; ``None`` when it is empty.

    ``ground_up_m`` is the ground's height in the site ENU frame, so that altitude is
    judged above the ground rather than above the ellipsoid.
    """
    if len(history) == 0:
        return None
    rows = np.asarray(history, dtype=np.float64)
    rows = rows[rows[:, 0] >= rows[-1, 0] - window_s]
    t = rows[:, 0]
    ve, vn, vu = rows[:, 4], rows[:, 5], rows[:, 6]
    speed = np.hypot(ve, vn)
    turn_rms = 0.0
    accel_rms = 0.0
    if len(rows) >= 3:
        dt = np.diff(t)
        good = dt > 1e-3
        if np.any(good):
            dvx = np.diff(ve)[good] / dt[good]
            dvy = np.diff(vn)[good] / dt[good]
            accel_rms = float(np.sqrt(np.mean(dvx * dvx + dvy * dvy)))
            heading = np.unwrap(np.arctan2(ve, vn))
            moving = (speed[1:] > MOVING_MPS) & (speed[:-1] > MOVING_MPS) & good
            if np.any(moving):
                rate = np.degrees(np.diff(heading)[moving] / dt[moving])
                turn_rms = float(np.sqrt(np.mean(rate * rate)))
    return Kinematics(
        speed_mps=float(np.median(speed)),
        peak_speed_mps=float(np.max(speed)),
        climb_mps=float(np.median(vu)),
        agl_m=float(rows[-1, 3] - ground_up_m),
        turn_rate_dps=turn_rms,
        accel_mps2=accel_rms,
        span_s=float(t[-1] - t[0]),
    )
