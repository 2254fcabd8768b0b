"""WGS84 geometry: geodetic <-> ECEF <-> local ENU, and what a sensor measures.

All functions take scalars or NumPy arrays (broadcast together) and return arrays, so
that the hot paths convert thousands of points in one call. Angles are degrees at the
interface, as in the recording format; distances are metres. The local frame is
east-north-up on the plane tangent to the ellipsoid at an origin, which is what a
sensor's azimuth and elevation are measured in: no flat-earth shortcut is taken
anywhere, so sensors kilometres apart still agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

WGS84_A_M = 6_378_137.0
"""WGS84 semi-major axis, metres."""
WGS84_F = 1.0 / 298.257223563
"""WGS84 flattening."""
WGS84_B_M = WGS84_A_M * (1.0 - WGS84_F)
"""WGS84 semi-minor axis, metres."""
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)
"""First eccentricity squared."""
WGS84_EP2 = WGS84_E2 / (1.0 - WGS84_E2)
"""Second eccentricity squared."""

_ECEF_TO_GEODETIC_ITERATIONS = 3
"""Bowring iterations: three reach well below a micrometre for any height from the
Earth's core region out past geostationary orbit."""

FloatArray = NDArray[np.float64]


def geodetic_to_ecef(
    lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Earth-centred, Earth-fixed coordinates (metres) of WGS84 geodetic positions."""
    lat = np.radians(np.asarray(lat_deg, dtype=np.float64))
    lon = np.radians(np.asarray(lon_deg, dtype=np.float64))
    alt = np.asarray(alt_m, dtype=np.float64)
    sin_lat = np.sin(lat)
    cos_lat = np.cos(lat)
    n = WGS84_A_M / np.sqrt(1.0 - WGS84_E2 * sin_lat * sin_lat)
    x = (n + alt) * cos_lat * np.cos(lon)
    y = (n + alt) * cos_lat * np.sin(lon)
    z = (n * (1.0 - WGS84_E2) + alt) * sin_lat
    return x, y, z


def ecef_to_geodetic(
    x_m: ArrayLike, y_m: ArrayLike, z_m: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """WGS84 latitude, longitude (degrees, longitude in [-180, 180]) and height (metres).

    Bowring's iteration on the parametric latitude, with the height taken from a
    formula that stays exact at the poles and the equator alike.
    """
    x = np.asarray(x_m, dtype=np.float64)
    y = np.asarray(y_m, dtype=np.float64)
    z = np.asarray(z_m, dtype=np.float64)
    lon = np.arctan2(y, x)
    p = np.hypot(x, y)
    beta = np.arctan2(z, (1.0 - WGS84_F) * p)
    lat = beta
    for _ in range(_ECEF_TO_GEODETIC_ITERATIONS):
        sin_b = np.sin(beta)
        cos_b = np.cos(beta)
        lat = np.arctan2(
            z + WGS84_EP2 * WGS84_B_M * sin_b**3,
            p - WGS84_E2 * WGS84_A_M * cos_b**3,
        )
        beta = np.arctan2((1.0 - WGS84_F) * np.sin(lat), np.cos(lat))
    sin_lat = np.sin(lat)
    alt = p * np.cos(lat) + z * sin_lat - WGS84_A_M * np.sqrt(1.0 - WGS84_E2 * sin_lat**2)
    return np.degrees(lat), np.degrees(lon), alt


def ecef_to_enu_rotation(lat_deg: float, lon_deg: float) -> FloatArray:
    """The 3x3 matrix that turns an ECEF vector into east, north, up at a point."""
    lat = np.radians(lat_deg)
    lon = np.radians(lon_deg)
    sl, cl = np.sin(lat), np.cos(lat)
    so, co = np.sin(lon), np.cos(lon)
    return np.array(
        [
            [-so, co, 0.0],
            [-sl * co, -sl * so, cl],
            [cl * co, cl * so, sl],
        ]
    )


@dataclass(frozen=True)
class LocalFrame:
    """A local east-north-up frame tangent to the ellipsoid at an origin.

    Points are ``(..., 3)`` arrays of east, north, up metres; vectors (velocities)
    rotate with ``rotation`` alone.
    """

    lat_deg: float
    lon_deg: float
    alt_m: float = 0.0
    origin_ecef: FloatArray = field(init=False, repr=False)
    rotation: FloatArray = field(init=False, repr=False)
    """ECEF -> ENU rotation; its transpose maps ENU back to ECEF."""

    def __post_init__(self) -> None:
        ox, oy, oz = geodetic_to_ecef(self.lat_deg, self.lon_deg, self.alt_m)
        object.__setattr__(self, "origin_ecef", np.array([ox, oy, oz], dtype=np.float64))
        object.__setattr__(self, "rotation", ecef_to_enu_rotation(self.lat_deg, self.lon_deg))

    def ecef_to_enu(self, ecef: ArrayLike) -> FloatArray:
        """ENU position(s) of ECEF point(s) given as ``(..., 3)``."""
        d = np.asarray(ecef, dtype=np.float64) - self.origin_ecef
        return d @ self.rotation.T

    def enu_to_ecef(self, enu: ArrayLike) -> FloatArray:
        """ECEF position(s) of ENU point(s) given as ``(..., 3)``."""
        return np.asarray(enu, dtype=np.float64) @ self.rotation + self.origin_ecef

    def geodetic_to_enu(
        self, lat_deg: ArrayLike, lon_deg: ArrayLike, alt_m: ArrayLike
    ) -> FloatArray:
        """ENU position(s), shape ``(..., 3)``, of WGS84 geodetic position(s)."""
        x, y, z = geodetic_to_ecef(lat_deg, lon_deg, alt_m)
        return self.ecef_to_enu(np.stack([x, y, z], axis=-1))

    def enu_to_geodetic(self, enu: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
        """WGS84 latitude, longitude (degrees) and height (metres) of ENU point(s)."""
        ecef = self.enu_to_ecef(enu)
        return ecef_to_geodetic(ecef[..., 0], ecef[..., 1], ecef[..., 2])

    def vector_to(self, other: LocalFrame, vec_enu: ArrayLike) -> FloatArray:
        """Express ENU vector(s) of this frame in another frame's ENU axes."""
        return np.asarray(vec_enu, dtype=np.float64) @ self.rotation @ other.rotation.T


def enu_to_aer(enu: ArrayLike) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Azimuth (degrees clockwise from north, in [0, 360)), elevation (degrees above
    the local horizontal) and slant range (metres) of ENU offset(s) ``(..., 3)``."""
    v = np.asarray(enu, dtype=np.float64)
    e, n, u = v[..., 0], v[..., 1], v[..., 2]
    horizontal = np.hypot(e, n)
    az = np.mod(np.degrees(np.arctan2(e, n)), 360.0)
    az = np.where(az >= 360.0, 0.0, az)
    el = np.degrees(np.arctan2(u, horizontal))
    return az, el, np.hypot(horizontal, u)


def aer_to_enu(az_deg: ArrayLike, el_deg: ArrayLike, range_m: ArrayLike) -> FloatArray:
    """ENU offset(s), shape ``(..., 3)``, of azimuth, elevation and slant range."""
    az = np.radians(np.asarray(az_deg, dtype=np.float64))
    el = np.radians(np.asarray(el_deg, dtype=np.float64))
    r = np.asarray(range_m, dtype=np.float64)
    horizontal = r * np.cos(el)
    return np.stack([horizontal * np.sin(az), horizontal * np.cos(az), r * np.sin(el)], axis=-1)


def range_rate(enu: ArrayLike, vel_enu: ArrayLike) -> FloatArray:
    """Radial velocity (m/s, positive moving away) of target(s) at ENU offset(s) from a
    sensor, moving with ENU velocity(ies) in the same frame."""
    p = np.asarray(enu, dtype=np.float64)
    v = np.asarray(vel_enu, dtype=np.float64)
    r = np.linalg.norm(p, axis=-1)
    safe = np.where(r > 0.0, r, 1.0)
    return np.where(r > 0.0, np.sum(p * v, axis=-1) / safe, 0.0)


def sensor_measure(
    sensor: LocalFrame, site: LocalFrame, target_enu: ArrayLike, target_vel_enu: ArrayLike
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """What a sensor measures of target(s) given in the site frame.

    Returns azimuth and elevation (degrees, in the sensor's own tangent plane), slant
    range (metres) and range rate (m/s, positive receding).
    """
    rel = sensor.ecef_to_enu(site.enu_to_ecef(target_enu))
    vel = site.vector_to(sensor, target_vel_enu)
    az, el, rng = enu_to_aer(rel)
    return az, el, rng, range_rate(rel, vel)
