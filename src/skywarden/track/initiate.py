"""Starting new tracks: from a radar plot, from a position fix, or, for a target no
radar sees, by triangulating lines of sight from two or more passive sensors.

Every new track starts tentative; the tracker confirms it M-of-N. The functions here
only produce initial states (position from the measurement, velocity unknown but for
what Doppler or a broadcast says) with honest covariances.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import aer_to_enu
from skywarden.track.measure import Kind, Measurable, MeasurementBatch
from skywarden.track.models import STATE_DIM

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class InitConfig:
    """Priors of new tracks and the tolerances of passive triangulation."""

    speed_sigma_mps: float = 15.0
    """Unknown horizontal velocity, 1-sigma."""
    climb_sigma_mps: float = 5.0
    """Unknown vertical velocity, 1-sigma."""
    turn_rate_sigma_radps: float = 0.3
    window_s: float = 1.0
    """Lines of sight this far apart in time may be paired."""
    min_crossing_deg: float = 2.0
    """Lines crossing at a shallower angle locate nothing and are not paired."""
    min_range_m: float = 20.0
    ceiling_above_origin_m: float = 3000.0
    floor_below_origin_m: float = 100.0
    tolerance_sigmas: float = 3.0
    climb_max_mps: float = 10.0
    max_pool: int = 300
    """Most lines of sight kept waiting for a partner (the newest). More only happens
    in a crowd, where any crossing is ambiguous and passive initiation cannot help."""


def _initial_covariance(pos_cov: FloatArray, config: InitConfig) -> FloatArray:
    n = pos_cov.shape[0]
    p = np.zeros((n, STATE_DIM, STATE_DIM))
    p[:, :3, :3] = pos_cov
    p[:, 3, 3] = p[:, 4, 4] = config.speed_sigma_mps**2
    p[:, 5, 5] = config.climb_sigma_mps**2
    p[:, 6, 6] = config.turn_rate_sigma_radps**2
    return p


def from_radar(
    batch: MeasurementBatch, index: IntArray, config: InitConfig
) -> tuple[FloatArray, FloatArray]:
    """Initial states (k, 7) and covariances (k, 7, 7) of radar plots ``index``.

    Position and its covariance come from the polar measurement through its Jacobian;
    a Doppler range rate fixes the radial velocity component.
    """
    geometry = batch.geometry
    assert geometry is not None and batch.kind is Kind.RADAR
    z, s = batch.z[index], batch.sigma[index]
    az, el, rng = z[:, 0], z[:, 1], z[:, 2]
    rel = aer_to_enu(np.degrees(az), np.degrees(el), rng)
    unit_sensor = rel / rng[:, None]
    # Columns: d rel / d az, d rel / d el, d rel / d range (sensor frame).
    ca, sa, ce, se = np.cos(az), np.sin(az), np.cos(el), np.sin(el)
    jac = np.stack(
        [
            np.stack([rng * ce * ca, -rng * ce * sa, np.zeros_like(az)], axis=1),
            np.stack([-rng * se * sa, -rng * se * ca, rng * ce], axis=1),
            unit_sensor,
        ],
        axis=2,
    )
    jac = geometry.rotation.T[None] @ jac
    pos_cov = jac @ (s[:, :3, None] ** 2 * np.eye(3)[None]) @ jac.transpose(0, 2, 1)
    x = np.zeros((index.shape[0], STATE_DIM))
    x[:, :3] = geometry.position + geometry.direction_to_site(rel)
    p = _initial_covariance(pos_cov, config)
    if batch.has_rate:
        # Condition the velocity prior on the Doppler: a scalar Kalman update with the
        # measured range rate as the projection of the velocity on the line of sight.
        unit = geometry.direction_to_site(unit_sensor)
        rr, s_rr = z[:, 3], s[:, 3]
        prior = p[:, 3:6, 3:6]
        spread = np.einsum("kij,kj->ki", prior, unit)
        innovation_var = np.einsum("ki,ki->k", unit, spread) + s_rr**2
        gain = spread / innovation_var[:, None]
        x[:, 3:6] = gain * rr[:, None]
        p[:, 3:6, 3:6] = prior - gain[:, :, None] * spread[:, None, :]
    return x, p


def from_fix(
    batch: MeasurementBatch, index: IntArray, config: InitConfig
) -> tuple[FloatArray, FloatArray]:
    """Initial states and covariances of position fixes ``index`` (with their velocity
    when the fix carries one)."""
    z, s = batch.z[index], batch.sigma[index]
    x = np.zeros((index.shape[0], STATE_DIM))
    x[:, :3] = z[:, :3]
    pos_cov = s[:, :3, None] ** 2 * np.eye(3)[None]
    p = _initial_covariance(pos_cov, config)
    if batch.has_rate:
        x[:, 3:6] = z[:, 3:6]
        p[:, 3:6, 3:6] = s[:, 3:6, None] ** 2 * np.eye(3)[None]
    return x, p


@dataclass
class Rays:
    """Unassigned lines of sight waiting to be paired, in the site frame."""

    origin: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    az_normal: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    """Horizontal unit vector across the line (site axes)."""
    el_normal: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    """Unit vector across the line in its vertical plane (site axes)."""
    horizontal: FloatArray = field(default_factory=lambda: np.zeros((0, 3)))
    """Unit vector along the line's horizontal projection (site axes)."""
    tan_el: FloatArray = field(default_factory=lambda: np.zeros(0))
    cos_el: FloatArray = field(default_factory=lambda: np.ones(0))
    has_el: BoolArray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    sigma_az: FloatArray = field(default_factory=lambda: np.zeros(0))
    sigma_el: FloatArray = field(default_factory=lambda: np.zeros(0))
    max_range: FloatArray = field(default_factory=lambda: np.zeros(0))
    t: FloatArray = field(default_factory=lambda: np.zeros(0))
    sensor: list[str] = field(default_factory=list)
    items: list[Measurable] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.t.shape[0])

    @classmethod
    def of_batch(cls, batch: MeasurementBatch, index: IntArray) -> Rays:
        """The lines of sight of bearing measurements ``index``."""
        geometry = batch.geometry
        assert geometry is not None and batch.kind is Kind.BEARING
        k = index.shape[0]
        az = batch.z[index, 0]
        el = batch.z[index, 1] if batch.has_el else np.zeros(k)
        sa, ca, se, ce = np.sin(az), np.cos(az), np.sin(el), np.cos(el)
        zero = np.zeros(k)
        to_site = geometry.direction_to_site
        max_range = geometry.sensor.max_range_m or math.inf
        return cls(
            origin=np.broadcast_to(geometry.position, (k, 3)).copy(),
            az_normal=to_site(np.stack([ca, -sa, zero], axis=1)),
            el_normal=to_site(np.stack([-sa * se, -ca * se, ce], axis=1)),
            horizontal=to_site(np.stack([sa, ca, zero], axis=1)),
            tan_el=np.tan(el),
            cos_el=ce,
            has_el=np.full(k, batch.has_el),
            sigma_az=batch.sigma[index, 0],
            sigma_el=batch.sigma[index, 1] if batch.has_el else np.full(k, np.inf),
            max_range=np.full(k, max_range),
            t=batch.t[index],
            sensor=[batch.sensor_id] * k,
            items=[batch.items[i] for i in index],
        )

    def select(self, keep: BoolArray) -> Rays:
        """The rays where ``keep`` is true."""
        picks = np.flatnonzero(keep)
        return Rays(
            self.origin[keep], self.az_normal[keep], self.el_normal[keep],
            self.horizontal[keep], self.tan_el[keep], self.cos_el[keep], self.has_el[keep],
            self.sigma_az[keep], self.sigma_el[keep], self.max_range[keep], self.t[keep],
            [self.sensor[i] for i in picks], [self.items[i] for i in picks],
        )

    def extend(self, other: Rays) -> Rays:
        """These rays followed by ``other``'s."""
        return Rays(
            np.vstack([self.origin, other.origin]),
            np.vstack([self.az_normal, other.az_normal]),
            np.vstack([self.el_normal, other.el_normal]),
            np.vstack([self.horizontal, other.horizontal]),
            np.concatenate([self.tan_el, other.tan_el]),
            np.concatenate([self.cos_el, other.cos_el]),
            np.concatenate([self.has_el, other.has_el]),
            np.concatenate([self.sigma_az, other.sigma_az]),
            np.concatenate([self.sigma_el, other.sigma_el]),
            np.concatenate([self.max_range, other.max_range]),
            np.concatenate([self.t, other.t]),
            self.sensor + other.sensor,
            self.items + other.items,
        )


@dataclass(frozen=True, slots=True)
class Triangulated:
    """A target located from two lines of sight: position, its covariance, the time and
    the two measurements used."""

    position: FloatArray
    covariance: FloatArray
    t: float
    items: tuple[Measurable, Measurable]


class Triangulator:
    """Pairs unassigned lines of sight from different passive sensors into new targets.

    Each new ray is tried against the recent rays of every other sensor: the horizontal
    projections must cross in front of both sensors, within their range, at a useful
    angle, and where both have elevation the heights they give must agree. Paired rays
    leave the pool; the rest wait up to ``window_s`` for a partner.
    """

    def __init__(self, config: InitConfig, origin_up_m: float = 0.0) -> None:
        self.config = config
        self.pool = Rays()
        self.floor_m = origin_up_m - config.floor_below_origin_m
        self.ceiling_m = origin_up_m + config.ceiling_above_origin_m

    def add(self, new: Rays, now: float) -> list[Triangulated]:
        """Offer new rays; return the targets they locate with pooled ones."""
        cfg = self.config
        keep = self.pool.t >= now - cfg.window_s
        if keep.sum() > cfg.max_pool:
            keep &= self.pool.t >= np.sort(self.pool.t)[-cfg.max_pool]
        self.pool = self.pool.select(keep)
        if len(new) > cfg.max_pool:
            new = new.select(new.t >= np.sort(new.t)[-cfg.max_pool])
        found: list[Triangulated] = []
        if len(self.pool) and len(new):
            found, used_new, used_pool = self._pair(new, self.pool)
            self.pool = self.pool.select(~used_pool)
            new = new.select(~used_new)
        self.pool = self.pool.extend(new)
        return found

    def _pair(self, a: Rays, b: Rays) -> tuple[list[Triangulated], BoolArray, BoolArray]:
        cfg = self.config
        other_sensor = np.array(a.sensor)[:, None] != np.array(b.sensor)[None, :]
        dt = np.abs(a.t[:, None] - b.t[None, :])
        h1, h2 = a.horizontal[:, None, :2], b.horizontal[None, :, :2]
        cross = h1[..., 0] * h2[..., 1] - h1[..., 1] * h2[..., 0]
        d = b.origin[None, :, :2] - a.origin[:, None, :2]
        ok_angle = np.abs(cross) >= math.sin(math.radians(cfg.min_crossing_deg))
        safe = np.where(ok_angle, cross, 1.0)
        s1 = (d[..., 0] * h2[..., 1] - d[..., 1] * h2[..., 0]) / safe
        s2 = (d[..., 0] * h1[..., 1] - d[..., 1] * h1[..., 0]) / safe
        ok = (
            other_sensor & (dt <= cfg.window_s) & ok_angle
            & (s1 > cfg.min_range_m) & (s2 > cfg.min_range_m)
            & (s1 <= a.max_range[:, None]) & (s2 <= b.max_range[None, :])
            & (a.has_el[:, None] | b.has_el[None, :])
        )
        z1 = a.origin[:, None, 2] + s1 * a.tan_el[:, None]
        z2 = b.origin[None, :, 2] + s2 * b.tan_el[None, :]
        # Height spread of each line at the crossing (elevation noise), and of the
        # crossing point itself (azimuth noise moves it along the other line).
        el_sigma_a = np.where(a.has_el, a.sigma_el, 0.0)
        el_sigma_b = np.where(b.has_el, b.sigma_el, 0.0)
        sz1 = s1 * el_sigma_a[:, None] / a.cos_el[:, None] ** 2
        sz2 = s2 * el_sigma_b[None, :] / b.cos_el[None, :] ** 2
        both = a.has_el[:, None] & b.has_el[None, :]
        mismatch = np.where(both, np.abs(z1 - z2), 0.0)
        spread = np.sqrt(
            np.where(both, sz1**2 + sz2**2, 0.0)
            + (s1 * a.sigma_az[:, None] * a.tan_el[:, None]) ** 2
            + (s2 * b.sigma_az[None, :] * b.tan_el[None, :]) ** 2
        )
        tolerance = cfg.tolerance_sigmas * spread + cfg.climb_max_mps * dt + 1.0
        height = np.where(a.has_el[:, None], z1, z2)
        ok &= (mismatch <= tolerance) & (height >= self.floor_m) & (height <= self.ceiling_m)
        used_a = np.zeros(len(a), dtype=bool)
        used_b = np.zeros(len(b), dtype=bool)
        found: list[Triangulated] = []
        # In a crowd, a line of sight crosses several others and any of the crossings
        # may be a ghost: only a ray with exactly one partner makes a new target.
        ok &= (ok.sum(axis=1) == 1)[:, None] & (ok.sum(axis=0) == 1)[None, :]
        ia, ib = np.nonzero(ok)
        if ia.shape[0] == 0:
            return found, used_a, used_b
        score = mismatch[ia, ib] / tolerance[ia, ib]
        for k in np.argsort(score, kind="stable"):
            i, j = int(ia[k]), int(ib[k])
            if used_a[i] or used_b[j]:
                continue
            used_a[i] = used_b[j] = True
            guess = a.origin[i] + s1[i, j] * a.horizontal[i]
            guess[2] = height[i, j]
            position, covariance = _least_squares(a, i, b, j, guess)
            found.append(
                Triangulated(position, covariance, float(max(a.t[i], b.t[j])),
                             (a.items[i], b.items[j]))
            )
        return found, used_a, used_b


def _least_squares(
    a: Rays, i: int, b: Rays, j: int, guess: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Weighted least-squares crossing of two lines of sight and its covariance: each
    angle's error, times the distance to the point, moves the point across its line."""
    point = guess
    cov = np.eye(3)
    for _ in range(2):
        info = np.zeros((3, 3))
        target = np.zeros(3)
        for rays, k in ((a, i), (b, j)):
            rng = max(float(np.linalg.norm(point - rays.origin[k])), 1.0)
            normals = [(rays.az_normal[k], rng * rays.cos_el[k] * rays.sigma_az[k])]
            if rays.has_el[k]:
                normals.append((rays.el_normal[k], rng * rays.sigma_el[k]))
            for normal, sigma in normals:
                w = np.outer(normal, normal) / sigma**2
                info += w
                target += w @ rays.origin[k]
        cov = np.asarray(np.linalg.inv(info), dtype=np.float64)
        point = cov @ target
    return point, cov


def from_triangulation(found: list[Triangulated], config: InitConfig) -> tuple[
    FloatArray, FloatArray
]:
    """Initial states and covariances of triangulated targets."""
    x = np.zeros((len(found), STATE_DIM))
    pos_cov = np.zeros((len(found), 3, 3))
    for k, target in enumerate(found):
        x[k, :3] = target.position
        pos_cov[k] = target.covariance
    return x, _initial_covariance(pos_cov, config)
