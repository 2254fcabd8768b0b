"""Where the site's ranging sensors should see an object, and for how long they have not.

A radar within its ``max_range_m`` sees a drone-sized object on most scans. A track
that sits well inside that cover for many seconds without a single radar update is
either hidden (a low drone behind buildings) or not an object at all: a ghost of
bearings from cameras and direction finders crossing where nothing flies, or a
position that only a broadcast claims. Identification uses this as evidence, spoof
checks as a test.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skywarden.geo import LocalFrame
from skywarden.model import SensorType, Site


@dataclass(frozen=True, slots=True)
class CoverHit:
    """The nearest sensor that covers a position: its id, slant range and reach (m)."""

    sensor: str
    range_m: float
    reach_m: float


class RangingCover:
    """The cover of the site's sensors of the ``ranging`` types (radars by default),
    each out to ``fraction`` of its ``max_range_m``."""

    def __init__(self, site: Site, frame: LocalFrame,
                 ranging: frozenset[SensorType] = frozenset({SensorType.RADAR}),
                 fraction: float = 0.8) -> None:
        self.ranging = ranging
        watchers = [s for s in site.sensors if s.type in ranging and s.max_range_m is not None]
        self._frame = frame
        self._ids = [s.id for s in watchers]
        self._enu = frame.geodetic_to_enu(
            [s.lat for s in watchers], [s.lon for s in watchers], [s.alt_m for s in watchers]
        ).reshape(-1, 3)
        self._reach = np.array([fraction * float(s.max_range_m or 0.0) for s in watchers])

    def __bool__(self) -> bool:
        return bool(self._ids)

    def covers(self, enu: np.ndarray) -> np.ndarray:
        """Whether each site-frame position of ``enu`` (``(N, 3)``) lies in cover."""
        if not self._ids:
            return np.zeros(len(enu), dtype=bool)
        ranges = np.linalg.norm(enu[:, None, :] - self._enu[None, :, :], axis=2)
        return np.asarray(np.any(ranges <= self._reach, axis=1))

    def nearest(self, lat: float, lon: float, alt_m: float) -> CoverHit | None:
        """The nearest covering sensor of a WGS84 position, or ``None`` outside cover."""
        if not self._ids:
            return None
        here = self._frame.geodetic_to_enu(lat, lon, alt_m)
        ranges = np.linalg.norm(self._enu - here, axis=1)
        inside = ranges <= self._reach
        if not np.any(inside):
            return None
        k = int(np.argmin(np.where(inside, ranges, np.inf)))
        return CoverHit(self._ids[k], float(ranges[k]), float(self._reach[k]))
