"""Measurement models: what a radar, a bearing sensor or a position fix says about a state.

Each sensor sits at its own place on the ellipsoid and measures angles in its own tangent
plane. The site's ENU frame and a sensor's ENU frame differ by an exact rigid motion (both
are rotations of ECEF), so a track position ``p`` in the site frame is ``M (p - s)`` in the
sensor frame, with ``M`` and ``s`` computed once per sensor: no flat-earth shortcut, and
no per-measurement geodesy in the hot path.

Measurements are gathered in batches of one sensor and one set of fields
(:class:`MeasurementBatch`); the model functions work on whole batches, angles in
radians inside.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import LocalFrame, aer_to_enu
from skywarden.model import (
    AcousticReport,
    EoReport,
    PositionFix,
    RadarReport,
    RfReport,
    Sensor,
)

FloatArray = NDArray[np.float64]

Measurable = RadarReport | RfReport | AcousticReport | EoReport | PositionFix
"""Everything the tracker can take as a measurement."""


class Kind(Enum):
    """The three families of measurement model."""

    RADAR = "radar"
    BEARING = "bearing"
    POSITION = "position"


DEFAULT_SIGMA: Mapping[str, float] = {
    "range_m": 10.0,
    "az_deg": 2.0,
    "el_deg": 2.0,
    "rr_mps": 1.0,
}
"""Noise assumed for a field when neither the report nor the site gives one."""


@dataclass(frozen=True)
class SensorGeometry:
    """Where a sensor is in the site frame and how its axes sit: ``rel = M (p - s)``."""

    sensor: Sensor
    position: FloatArray
    """``s``: the sensor's position in the site ENU frame (3,)."""
    rotation: FloatArray
    """``M``: site ENU axes to the sensor's own ENU axes (3, 3)."""

    @classmethod
    def of(cls, sensor: Sensor, site_frame: LocalFrame) -> SensorGeometry:
        """The geometry of a site sensor."""
        own = LocalFrame(sensor.lat, sensor.lon, sensor.alt_m)
        position = site_frame.ecef_to_enu(own.origin_ecef)
        rotation = own.rotation @ site_frame.rotation.T
        return cls(sensor, position, rotation)

    def to_sensor(self, points: FloatArray) -> FloatArray:
        """Site ENU point(s) ``(..., 3)`` in the sensor's own ENU frame."""
        return np.asarray((points - self.position) @ self.rotation.T, dtype=np.float64)

    def direction_to_site(self, vectors: FloatArray) -> FloatArray:
        """Sensor-frame vector(s) ``(..., 3)`` in site ENU axes."""
        return np.asarray(vectors @ self.rotation, dtype=np.float64)

    def sigma(self, name: str, override: Mapping[str, float] | None) -> float:
        """1-sigma noise of a field: the report's, else the site's, else the default."""
        if override and name in override:
            return override[name]
        return self.sensor.sigma.get(name, DEFAULT_SIGMA[name])


@dataclass
class MeasurementBatch:
    """Measurements of one sensor with the same fields, close together in time.

    ``z`` rows are, by kind: radar ``[az, el, range(, rr)]``, bearing ``[az(, el)]``
    (angles in radians, in the sensor frame), position ``[e, n, u(, ve, vn, vu)]`` in the
    site frame. ``sigma`` holds the matching 1-sigma noises.
    """

    kind: Kind
    geometry: SensorGeometry | None
    sensor_id: str
    t: FloatArray
    z: FloatArray
    sigma: FloatArray
    items: list[Measurable]
    has_el: bool = True
    has_rate: bool = False

    def subset(self, keep: NDArray[np.bool_]) -> MeasurementBatch:
        """The measurements where ``keep`` is true."""
        return MeasurementBatch(
            self.kind, self.geometry, self.sensor_id, self.t[keep], self.z[keep],
            self.sigma[keep], [item for item, kept in zip(self.items, keep.tolist(),
                                                          strict=True) if kept],
            has_el=self.has_el, has_rate=self.has_rate,
        )

    @property
    def size(self) -> int:
        """Number of measurements."""
        return int(self.t.shape[0])

    @property
    def dim(self) -> int:
        """Measurement dimension."""
        return int(self.z.shape[1])


def signature(item: Measurable) -> tuple[str, bool, bool]:
    """The batch key of a measurement: its sensor and which optional fields it has."""
    if isinstance(item, RadarReport):
        return item.sensor, True, item.rr_mps is not None
    if isinstance(item, PositionFix):
        return item.sensor, True, item.vel_enu_mps is not None
    return item.sensor, item.el_deg is not None, False


def build_batch(
    items: Sequence[Measurable],
    geometry: SensorGeometry | None,
    site_frame: LocalFrame,
) -> MeasurementBatch:
    """Arrays of a non-empty list of measurements sharing one :func:`signature`."""
    first = items[0]
    t = np.fromiter((i.t for i in items), dtype=np.float64, count=len(items))
    if isinstance(first, PositionFix):
        return _position_batch(items, site_frame, t)
    if geometry is None:
        raise ValueError(f"sensor {first.sensor} has no geometry")
    sensor_id, has_el, has_rate = signature(first)
    if isinstance(first, RadarReport):
        kind = Kind.RADAR
        fields = ["az_deg", "el_deg", "range_m"] + (["rr_mps"] if has_rate else [])
    else:
        kind = Kind.BEARING
        fields = ["az_deg"] + (["el_deg"] if has_el else [])
    z = np.array([[getattr(item, name) for name in fields] for item in items], dtype=np.float64)
    sigma = np.tile([geometry.sigma(name, None) for name in fields], (len(items), 1))
    for k, item in enumerate(items):
        override = getattr(item, "sigma", None)
        if override:
            sigma[k] = [geometry.sigma(name, override) for name in fields]
    angles = [i for i, name in enumerate(fields) if name.endswith("_deg")]
    z[:, angles] = np.radians(z[:, angles])
    sigma[:, angles] = np.radians(sigma[:, angles])
    return MeasurementBatch(
        kind, geometry, sensor_id, t, z, sigma, list(items), has_el=has_el, has_rate=has_rate,
    )


def _position_batch(
    items: Sequence[Measurable], site_frame: LocalFrame, t: FloatArray
) -> MeasurementBatch:
    fixes = [i for i in items if isinstance(i, PositionFix)]
    lat = np.array([f.lat for f in fixes])
    lon = np.array([f.lon for f in fixes])
    alt = np.array([f.alt_m for f in fixes])
    pos = site_frame.geodetic_to_enu(lat, lon, alt)
    h = np.array([f.h_sigma_m for f in fixes])
    v = np.array([f.v_sigma_m for f in fixes])
    has_vel = fixes[0].vel_enu_mps is not None
    if has_vel:
        vel = np.array([f.vel_enu_mps for f in fixes], dtype=np.float64)
        z = np.hstack([pos, vel])
        # Broadcast velocities carry about a metre per second of error (F3411 accuracy
        # classes and ADS-B NACv are of that order); the receiver does not tell better.
        speed_sigma = np.full_like(h, 1.0)
        sigma = np.stack([h, h, v, speed_sigma, speed_sigma, speed_sigma], axis=1)
    else:
        z = pos
        sigma = np.stack([h, h, v], axis=1)
    return MeasurementBatch(
        Kind.POSITION, None, fixes[0].sensor, t, z, sigma, list(items), has_el=True,
        has_rate=has_vel,
    )


def predict(batch: MeasurementBatch, x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Expected measurements (k, dz) and their Jacobians (k, dz, 7) for states (k, 7)."""
    k = x.shape[0]
    dz = batch.dim
    jac = np.zeros((k, dz, x.shape[1]))
    if batch.kind is Kind.POSITION:
        zhat = x[:, :dz].copy()
        for i in range(dz):
            jac[:, i, i] = 1.0
        return zhat, jac
    geometry = batch.geometry
    assert geometry is not None
    m = geometry.rotation
    rel = geometry.to_sensor(x[:, :3])
    e, n, u = rel[:, 0], rel[:, 1], rel[:, 2]
    rho2 = np.maximum(e * e + n * n, 1e-6)
    rho = np.sqrt(rho2)
    r2 = rho2 + u * u
    r = np.sqrt(r2)
    zero = np.zeros_like(e)
    d_az = np.stack([n / rho2, -e / rho2, zero], axis=1) @ m
    cols = [np.arctan2(e, n)]
    rows = [d_az]
    if batch.kind is Kind.RADAR or batch.has_el:
        cols.append(np.arctan2(u, rho))
        rows.append(np.stack([-e * u / (r2 * rho), -n * u / (r2 * rho), rho / r2], axis=1) @ m)
    jac[:, 0, :3] = rows[0]
    if len(rows) > 1:
        jac[:, 1, :3] = rows[1]
    if batch.kind is Kind.RADAR:
        unit = rel / r[:, None]
        cols.append(r)
        jac[:, 2, :3] = unit @ m
        if batch.has_rate:
            vel = x[:, 3:6] @ m.T
            rr = np.sum(unit * vel, axis=1)
            cols.append(rr)
            jac[:, 3, :3] = ((vel - rr[:, None] * unit) / r[:, None]) @ m
            jac[:, 3, 3:6] = unit @ m
    return np.stack(cols, axis=1), jac


def innovation(batch: MeasurementBatch, z: FloatArray, zhat: FloatArray) -> FloatArray:
    """``z - zhat`` with the azimuth difference wrapped into [-pi, pi)."""
    nu = z - zhat
    if batch.kind is not Kind.POSITION:
        nu[..., 0] = np.mod(nu[..., 0] + math.pi, 2.0 * math.pi) - math.pi
    return nu


def gating_points(batch: MeasurementBatch) -> tuple[FloatArray, FloatArray]:
    """Where each measurement sits in the batch's gating space, and its spread there.

    Radar plots and fixes are points of the site frame (metres); bearings are unit
    line-of-sight vectors of the sensor frame (horizontal ones when there is no
    elevation), where a distance is roughly an angle in radians.
    """
    if batch.kind is Kind.POSITION:
        spread = np.sqrt(np.sum(batch.sigma[:, :3] ** 2, axis=1))
        return batch.z[:, :3].copy(), spread
    geometry = batch.geometry
    assert geometry is not None
    az = batch.z[:, 0]
    if batch.kind is Kind.RADAR:
        el, rng = batch.z[:, 1], batch.z[:, 2]
        rel = aer_to_enu(np.degrees(az), np.degrees(el), rng)
        points = geometry.position + geometry.direction_to_site(rel)
        s = batch.sigma
        spread = np.sqrt(s[:, 2] ** 2 + (rng * s[:, 0]) ** 2 + (rng * s[:, 1]) ** 2)
        return points, spread
    if batch.has_el:
        el = batch.z[:, 1]
        points = np.stack([np.sin(az) * np.cos(el), np.cos(az) * np.cos(el), np.sin(el)], axis=1)
        spread = np.sqrt(batch.sigma[:, 0] ** 2 + batch.sigma[:, 1] ** 2)
        return points, spread
    return np.stack([np.sin(az), np.cos(az)], axis=1), batch.sigma[:, 0].copy()


def track_gating_points(
    batch: MeasurementBatch, positions: FloatArray, position_sd: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Tracks' predicted positions (n, 3) in the batch's gating space, with their spread
    there (from ``position_sd``, an upper bound of each track's position sigma)."""
    if batch.kind is not Kind.BEARING:
        return positions, position_sd
    geometry = batch.geometry
    assert geometry is not None
    rel = geometry.to_sensor(positions)
    if batch.has_el:
        r = np.maximum(np.linalg.norm(rel, axis=1), 1.0)
        return rel / r[:, None], position_sd / r
    rho = np.maximum(np.hypot(rel[:, 0], rel[:, 1]), 1.0)
    return rel[:, :2] / rho[:, None], position_sd / rho
