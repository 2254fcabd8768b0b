"""The planning grid: square cells over the area, at several altitude bands.

The grid lives in a local ENU frame centred on the area at ground level, so that east
and north are metres on the ground and every cell is the same size. Only cells whose
centre lies inside the area are kept; ``ix``/``iy`` place them in the bounding
rectangle (``nx`` by ``ny``) for maps and for the height raster. A target of band ``b``
flies ``bands_m[b]`` metres above the ground of its cell; its ENU position accounts
for the Earth's curvature, so cells kilometres from the centre sit a little lower.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from skywarden.geo import LocalFrame

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Grid:
    """Cells of one area at one resolution and a set of altitude bands."""

    frame: LocalFrame
    """ENU frame centred on the area, at ground level."""
    ground_alt_m: float
    resolution_m: float
    bands_m: tuple[float, ...]
    area_enu: shapely.Polygon | shapely.MultiPolygon
    x0: float
    """East of the rectangle's west edge (metres)."""
    y0: float
    """North of the rectangle's south edge (metres)."""
    nx: int
    ny: int
    ix: IntArray
    iy: IntArray
    lat: FloatArray
    lon: FloatArray
    targets_enu: FloatArray
    """``(bands, cells, 3)`` ENU positions of a drone over each cell in each band."""

    @classmethod
    def over(
        cls,
        area_lonlat: shapely.Polygon | shapely.MultiPolygon,
        resolution_m: float,
        bands_m: Sequence[float],
        ground_alt_m: float = 0.0,
    ) -> Grid:
        """The grid of cells whose centres lie in a WGS84 ``(lon, lat)`` area."""
        if not resolution_m > 0.0:
            raise ValueError("resolution must be positive")
        if not bands_m:
            raise ValueError("at least one altitude band is needed")
        centre = area_lonlat.centroid
        frame = LocalFrame(centre.y, centre.x, ground_alt_m)
        area_enu = shapely.transform(
            area_lonlat,
            lambda lonlat: frame.geodetic_to_enu(lonlat[:, 1], lonlat[:, 0], ground_alt_m)[:, :2],
        )
        west, south, east, north = area_enu.bounds
        nx = max(1, math.ceil((east - west) / resolution_m))
        ny = max(1, math.ceil((north - south) / resolution_m))
        jx, jy = np.meshgrid(np.arange(nx), np.arange(ny))
        cx = west + (jx.ravel() + 0.5) * resolution_m
        cy = south + (jy.ravel() + 0.5) * resolution_m
        shapely.prepare(area_enu)
        inside = shapely.contains_xy(area_enu, cx, cy)
        if not inside.any():
            raise ValueError(f"the area holds no cell centre at {resolution_m} m resolution")
        cx, cy = cx[inside], cy[inside]
        lat, lon, _ = frame.enu_to_geodetic(np.column_stack([cx, cy, np.zeros(len(cx))]))
        targets = np.stack(
            [frame.geodetic_to_enu(lat, lon, ground_alt_m + band) for band in bands_m]
        )
        return cls(
            frame=frame,
            ground_alt_m=ground_alt_m,
            resolution_m=float(resolution_m),
            bands_m=tuple(float(b) for b in bands_m),
            area_enu=area_enu,
            x0=west,
            y0=south,
            nx=nx,
            ny=ny,
            ix=jx.ravel()[inside],
            iy=jy.ravel()[inside],
            lat=lat,
            lon=lon,
            targets_enu=targets,
        )

    @property
    def cells(self) -> int:
        """Number of cells in the area (per band)."""
        return len(self.ix)

    @property
    def x(self) -> FloatArray:
        """East of each cell centre (metres)."""
        return np.asarray(self.x0 + (self.ix + 0.5) * self.resolution_m, dtype=np.float64)

    @property
    def y(self) -> FloatArray:
        """North of each cell centre (metres)."""
        return np.asarray(self.y0 + (self.iy + 0.5) * self.resolution_m, dtype=np.float64)

    @property
    def cell_area_km2(self) -> float:
        """Ground area of one cell in square kilometres."""
        return self.resolution_m**2 / 1e6

    def to_image(self, values: NDArray[np.floating], fill: float = np.nan) -> FloatArray:
        """Per-cell values laid out as an ``(ny, nx)`` image, ``fill`` outside the area
        (row 0 is the southern edge)."""
        image = np.full((self.ny, self.nx), fill, dtype=np.float64)
        image[self.iy, self.ix] = values
        return image

    def sensor_enu(self, lat: float, lon: float, alt_m: float) -> FloatArray:
        """ENU position, shape ``(3,)``, of a WGS84 point in the grid's frame."""
        return self.frame.geodetic_to_enu(lat, lon, alt_m).reshape(3)
