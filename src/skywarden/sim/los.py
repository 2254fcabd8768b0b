"""Line of sight from one sensor, answered fast for many targets at once.

The exact answer comes from the city model (``Buildings.visible``); this module only
avoids asking it when the answer is certain, so results are identical:

- a horizon table per sensor: for each azimuth sector and range band, the steepest
  elevation at which any building within that range could be seen (its roof over its
  nearest point, or over its farthest for a roof below the sensor). A target whose
  elevation is above the horizon of its sector, counting every building no farther
  than it, cannot be hidden;
- a sight line that does need the exact test is first cut where it climbs above the
  tallest roof: the part above cannot be blocked, and the shorter line crosses fewer
  footprints.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from numpy.typing import NDArray

from skywarden.city import Buildings

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SECTOR_DEG = 0.5
"""Azimuth width of a horizon sector."""
BAND_M = 25.0
"""Depth of a horizon range band."""
ROOF_MARGIN_M = 1e-3


class SightLines:
    """Line of sight from one point (a sensor, site ENU metres) through a city."""

    def __init__(self, buildings: Buildings, sensor_enu: FloatArray) -> None:
        self.buildings = buildings
        self.origin = np.asarray(sensor_enu, dtype=np.float64).reshape(3)
        self.sectors = round(360.0 / SECTOR_DEG)
        if len(buildings) == 0:
            self.top_up = -math.inf
            self.horizon = np.full((self.sectors, 1), -math.inf)
            return
        self.top_up = float(buildings.roof_up_m.max()) + ROOF_MARGIN_M
        self.horizon = self._horizon_table()

    def _horizon_table(self) -> FloatArray:
        """Steepest building elevation (radians) per azimuth sector, cumulated over
        range bands: ``table[s, b]`` covers every building nearer than band ``b``'s end."""
        footprints = self.buildings.footprints
        x0, y0, z0 = self.origin
        here = shapely.points(x0, y0)
        nearest = np.asarray(shapely.distance(footprints, here), dtype=np.float64)
        coords, owner = shapely.get_coordinates(footprints, return_index=True)
        farthest = np.zeros(len(footprints))
        np.maximum.at(farthest, owner, np.hypot(coords[:, 0] - x0, coords[:, 1] - y0))
        # A roof above the sensor is seen steepest at its nearest point, one below it
        # (a descending sight line) at its farthest.
        rise = self.buildings.roof_up_m + ROOF_MARGIN_M - z0
        steepest = np.arctan2(rise, np.where(rise >= 0.0, np.maximum(nearest, 1e-6), farthest))
        vertex_az = np.degrees(np.arctan2(coords[:, 0] - x0, coords[:, 1] - y0))
        centre = shapely.get_coordinates(shapely.centroid(footprints))
        centre_az = np.degrees(np.arctan2(centre[:, 0] - x0, centre[:, 1] - y0))
        offset = (vertex_az - centre_az[owner] + 180.0) % 360.0 - 180.0
        low = np.full(len(footprints), np.inf)
        high = np.full(len(footprints), -np.inf)
        np.minimum.at(low, owner, offset)
        np.maximum.at(high, owner, offset)
        # A building the sensor stands in or on, or that wraps around it, spans all round.
        around = (nearest < 1.0) | (high - low > 180.0)
        first = np.floor((centre_az + low) / SECTOR_DEG).astype(np.int64)
        last = np.floor((centre_az + high) / SECTOR_DEG).astype(np.int64)
        first = np.where(around, 0, first)
        last = np.where(around, self.sectors - 1, last)
        span = last - first + 1
        which = np.repeat(np.arange(len(footprints)), span)
        sector = (np.repeat(first, span) + np.arange(span.sum()) - np.repeat(
            np.cumsum(span) - span, span)) % self.sectors
        bands = int(nearest.max() // BAND_M) + 2
        table = np.full((self.sectors, bands), -np.inf)
        band = (nearest // BAND_M).astype(np.int64)
        np.maximum.at(table, (sector, band[which]), steepest[which])
        return np.asarray(np.maximum.accumulate(table, axis=1), dtype=np.float64)

    def visible(self, points: FloatArray) -> BoolArray:
        """Whether each site-ENU point ``(N, 3)`` is in sight of the sensor."""
        points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        result = np.ones(len(points), dtype=bool)
        if len(points) == 0 or len(self.buildings) == 0:
            return result
        delta = points - self.origin
        horizontal = np.hypot(delta[:, 0], delta[:, 1])
        elevation = np.arctan2(delta[:, 2], horizontal)
        sector = (np.floor(np.degrees(np.arctan2(delta[:, 0], delta[:, 1])) / SECTOR_DEG)
                  .astype(np.int64) % self.sectors)
        band = np.minimum((horizontal // BAND_M).astype(np.int64) + 1,
                          self.horizon.shape[1] - 1)
        doubt = np.flatnonzero(~(elevation > self.horizon[sector, band]))
        if len(doubt) == 0:
            return result
        result[doubt] = self._exact(points[doubt])
        return result

    def _exact(self, points: FloatArray) -> BoolArray:
        """The city model's answer, asked about sight lines cut at the tallest roof."""
        start = self.origin
        headroom = self.top_up - start[2]
        if headroom <= 0.0:
            result = np.ones(len(points), dtype=bool)
            below = points[:, 2] < self.top_up
            if below.any():
                result[below] = self.buildings.visible(start, points[below])
            return result
        rise = points[:, 2] - start[2]
        fraction = np.where(rise > headroom, headroom / np.where(rise > 0.0, rise, 1.0), 1.0)
        return self.buildings.visible(start, start + (points - start) * fraction[:, None])
