"""Line of sight from one sensor to a whole grid at once: a radial viewshed.

``Buildings.visible`` answers exactly, one segment at a time; a city-wide plan asks it
about millions of segments, so the planner rasterises the city instead. The raster
holds, per cell, the ENU height of the highest surface there (roof or ground, with the
Earth's curvature). From the sensor, rays fan out at an angular spacing that keeps
neighbouring rays half a cell apart at the farthest cell, sampled every half cell; along
each ray a running maximum of ``(surface - sensor_up) / distance`` is the horizon: the
steepest obstacle so far. A target is visible when its own elevation slope clears the
horizon of its ray up to its cell's near edge and it is above the surface of its own
cell. One sweep serves every altitude band, since the horizon does not depend on the
target's height. The sensor's own cell is assumed clear (it stands on its roof or mast).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywarden.city import Buildings
from skywarden.geo import LocalFrame

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

SAMPLES_PER_CELL = 2
"""Ray samples per cell length, and rays per cell of arc at the farthest cell."""


@dataclass(frozen=True)
class HeightRaster:
    """ENU height of the highest surface in each square cell of a rectangle."""

    x0: float
    y0: float
    resolution_m: float
    top_up: FloatArray
    """``(ny, nx)``: roof or ground ENU up at each cell centre; row 0 is the south."""

    @classmethod
    def of(
        cls,
        buildings: Buildings,
        frame: LocalFrame,
        ground_alt_m: float,
        bounds: tuple[float, float, float, float],
        resolution_m: float,
    ) -> HeightRaster:
        """Rasterise buildings (in ``frame``) over ``(west, south, east, north)``,
        sampling each cell at its centre."""
        west, south, east, north = bounds
        nx = max(1, math.ceil((east - west) / resolution_m))
        ny = max(1, math.ceil((north - south) / resolution_m))
        xs = west + (np.arange(nx) + 0.5) * resolution_m
        ys = south + (np.arange(ny) + 0.5) * resolution_m
        gx, gy = np.meshgrid(xs, ys)
        ground = _ground_up(frame, ground_alt_m, gx, gy)
        top = ground + buildings.roof_height_at(gx, gy)
        return cls(x0=west, y0=south, resolution_m=resolution_m, top_up=top)

    @property
    def shape(self) -> tuple[int, int]:
        """``(ny, nx)``."""
        ny, nx = self.top_up.shape
        return ny, nx

    def cell_of(self, x: FloatArray, y: FloatArray) -> tuple[NDArray[np.int64], BoolArray]:
        """Flat raster index of points, and whether each lies inside the raster."""
        ny, nx = self.shape
        ix = np.floor((x - self.x0) / self.resolution_m).astype(np.int64)
        iy = np.floor((y - self.y0) / self.resolution_m).astype(np.int64)
        inside = (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
        return np.where(inside, iy * nx + ix, 0), inside

    def top_at(self, x: FloatArray, y: FloatArray) -> FloatArray:
        """Surface height (ENU up) at points; minus infinity outside the raster."""
        flat, inside = self.cell_of(x, y)
        return np.where(inside, self.top_up.reshape(-1)[flat], -np.inf)


def visible_from(
    raster: HeightRaster,
    sensor_enu: FloatArray,
    cell_x: FloatArray,
    cell_y: FloatArray,
    targets_up: FloatArray,
) -> BoolArray:
    """Which targets a sensor sees over the city.

    ``cell_x``/``cell_y`` (``(n,)``) are the cell centres, ``targets_up`` (``(bands, n)``)
    the ENU heights of the targets over them; the result has the shape of ``targets_up``.
    """
    sx, sy, sz = (float(v) for v in sensor_enu)
    res = raster.resolution_m
    dx = cell_x - sx
    dy = cell_y - sy
    dist = np.hypot(dx, dy)
    targets_up = np.asarray(targets_up, dtype=np.float64).reshape(-1, len(cell_x))
    own_top = raster.top_at(cell_x, cell_y)
    if len(cell_x) == 0:
        return np.zeros(targets_up.shape, dtype=bool)
    step = res / SAMPLES_PER_CELL
    n_samples = max(1, math.ceil(float(dist.max()) / step))
    n_rays = max(16, math.ceil(2.0 * math.pi * float(dist.max()) / step))
    along = step * np.arange(1, n_samples + 1, dtype=np.float64)
    angles = 2.0 * math.pi * np.arange(n_rays) / n_rays
    ray_x = sx + np.cos(angles)[:, None] * along[None, :]
    ray_y = sy + np.sin(angles)[:, None] * along[None, :]
    flat, inside = raster.cell_of(ray_x, ray_y)
    own_flat, _ = raster.cell_of(np.array([sx]), np.array([sy]))
    top = np.where(inside & (flat != own_flat[0]), raster.top_up.reshape(-1)[flat], -np.inf)
    horizon = np.maximum.accumulate((top - sz) / along[None, :], axis=1)
    ray = np.rint(np.arctan2(dy, dx) / (2.0 * math.pi / n_rays)).astype(np.int64) % n_rays
    # The last sample before the target cell's near edge.
    last = np.floor((dist - 0.5 * res) / step).astype(np.int64) - 1
    blocked_slope = np.where(
        last >= 0, horizon[ray, np.clip(last, 0, n_samples - 1)], -np.inf
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = (targets_up - sz) / dist[None, :]
    slope = np.where(dist[None, :] > 0.0, slope, np.where(targets_up >= sz, np.inf, -np.inf))
    return np.asarray((slope >= blocked_slope[None, :]) & (targets_up >= own_top[None, :]))


def _ground_up(frame: LocalFrame, ground_alt_m: float, x: FloatArray, y: FloatArray) -> FloatArray:
    """ENU up of the ground (``ground_alt_m`` above the ellipsoid) under points."""
    flat = np.column_stack([x.ravel(), y.ravel(), np.zeros(x.size)])
    lat, lon, _ = frame.enu_to_geodetic(flat)
    return frame.geodetic_to_enu(lat, lon, ground_alt_m)[:, 2].reshape(x.shape)
