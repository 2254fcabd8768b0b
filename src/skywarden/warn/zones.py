"""Protected zones as shapely polygons in the site's local metres, with floor and ceiling.

Zone polygons arrive as ``(lon, lat)`` vertices; they are projected once into the
site's east-north plane so that every test (inside, distance, time to entry) is a
vectorised shapely call in metres over all tracks at once. Altitudes stay above the
ellipsoid, as in the site file, for the floor and ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from skywarden.geo import LocalFrame
from skywarden.model import Zone

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ZoneShape:
    """One zone projected into the site frame."""

    zone: Zone
    polygon: shapely.Polygon


def project_lonlat(frame: LocalFrame, lonlat: tuple[tuple[float, float], ...]) -> FloatArray:
    """East-north metres, shape ``(n, 2)``, of ``(lon, lat)`` vertices at the frame's height."""
    pts = np.asarray(lonlat, dtype=np.float64).reshape(-1, 2)
    enu = frame.geodetic_to_enu(pts[:, 1], pts[:, 0], frame.alt_m)
    return np.asarray(enu[..., :2], dtype=np.float64)


class ZoneMap:
    """All zones of a site, tested together against many positions."""

    def __init__(self, zones: tuple[Zone, ...], frame: LocalFrame) -> None:
        self.shapes = tuple(
            ZoneShape(z, shapely.make_valid(shapely.Polygon(project_lonlat(frame, z.polygon))))
            for z in zones
        )
        for shape in self.shapes:
            shapely.prepare(shape.polygon)
        self._floor = np.array([z.floor_m for z in zones], dtype=np.float64)
        self._ceiling = np.array([z.ceiling_m for z in zones], dtype=np.float64)

    def __len__(self) -> int:
        return len(self.shapes)

    def horizontal_distance(self, en: FloatArray) -> FloatArray:
        """Distance (m) from each east-north point ``(N, 2)`` to each zone, ``(N, Z)``;
        zero inside."""
        points = shapely.points(en[:, 0], en[:, 1]) if len(en) else np.empty(0, dtype=object)
        out = np.empty((len(en), len(self.shapes)))
        for j, shape in enumerate(self.shapes):
            out[:, j] = shapely.distance(shape.polygon, points)
        return out

    def vertical_distance(self, alt_m: FloatArray) -> FloatArray:
        """Distance (m) from each altitude ``(N,)`` to each zone's floor-ceiling band,
        ``(N, Z)``; zero within the band."""
        a = alt_m[:, None]
        return np.maximum(np.maximum(self._floor[None, :] - a, a - self._ceiling[None, :]), 0.0)

    def distance(self, en: FloatArray, alt_m: FloatArray) -> FloatArray:
        """3-D distance (m) from each position to each zone volume, ``(N, Z)``; zero inside."""
        return np.hypot(self.horizontal_distance(en), self.vertical_distance(alt_m))

    def time_to_entry(
        self,
        en: FloatArray,
        alt_m: FloatArray,
        vel_enu: FloatArray,
        sigma0_m: FloatArray,
        sigma_v_mps: FloatArray,
        horizon_s: float,
        step_s: float,
        n_sigma: float,
    ) -> FloatArray:
        """Earliest time (s) within ``horizon_s`` at which each track, flown on at its
        velocity, could be inside each zone, ``(N, Z)``; ``inf`` when it could not.

        "Could" allows ``n_sigma`` of the position uncertainty, which grows with the
        look-ahead as ``sqrt(sigma0² + (sigma_v·τ)²)``: a track heading straight in is
        caught early, one passing well clear is not, and one that is very uncertain
        is given the benefit of the doubt only as far as its uncertainty reaches.
        """
        n, z = len(en), len(self.shapes)
        out = np.full((n, z), np.inf)
        if n == 0 or z == 0:
            return out
        taus = np.arange(step_s, horizon_s + 0.5 * step_s, step_s)
        # Only tracks that could close the horizontal gap within the horizon are
        # flown on: the gap shrinks at most at the horizontal speed, and the reach
        # is largest at the horizon. Far tracks are most of a busy sky.
        speed = np.hypot(vel_enu[:, 0], vel_enu[:, 1])
        widest = n_sigma * np.sqrt(sigma0_m**2 + (sigma_v_mps * taus[-1]) ** 2)
        near = np.flatnonzero(
            (self.horizontal_distance(en) <= (speed * taus[-1] + widest)[:, None]).any(axis=1)
        )
        if near.shape[0] == 0:
            return out
        m = near.shape[0]
        future_en = en[near, None, :] + vel_enu[near, None, :2] * taus[None, :, None]
        future_alt = alt_m[near, None] + vel_enu[near, None, 2] * taus[None, :]
        reach = n_sigma * np.sqrt(sigma0_m[near, None] ** 2
                                  + (sigma_v_mps[near, None] * taus) ** 2)
        flat_h = self.horizontal_distance(future_en.reshape(-1, 2)).reshape(m, len(taus), z)
        flat_v = self.vertical_distance(future_alt.reshape(-1)).reshape(m, len(taus), z)
        could = np.hypot(flat_h, flat_v) <= reach[:, :, None]
        first = np.argmax(could, axis=1)
        hit = np.any(could, axis=1)
        out[near] = np.where(hit, taus[first], np.inf)
        return out
