"""Motion models and the interacting-multiple-model (IMM) filter, batched over tracks.

A track's state is ``[east, north, up, v_east, v_north, v_up, turn_rate]`` in the site's
ENU frame (metres, m/s, rad/s). Three models share that state so that they mix without
augmentation:

- ``cv``: near-constant velocity, white-noise acceleration;
- ``ct``: coordinated turn in the horizontal plane at the state's turn rate (nonlinear,
  linearised per track), near-constant vertical velocity;
- ``hover``: near-stationary, velocity decays towards zero, so that a drone that stops
  keeps a tight, still track instead of drifting on its last velocity.

Every function takes arrays with a leading track axis (and a model axis where the IMM
needs one), so that one call predicts or updates every track: the hot path has no
per-track Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]

STATE_DIM = 7
MODEL_NAMES: tuple[str, ...] = ("cv", "ct", "hover")
CV, CT, HOVER = 0, 1, 2
N_MODELS = len(MODEL_NAMES)
_SMALL_TURN_RAD = 1e-4
"""Below this turn angle per step, the coordinated turn uses its Taylor expansion."""


@dataclass(frozen=True, slots=True)
class MotionConfig:
    """Process noise and mode switching of the IMM; defaults suit small drones.

    ``switch_rate_hz[i][j]`` is the rate of switching from model ``i`` to model ``j``.
    """

    cv_accel_mps2: float = 1.4
    ct_accel_mps2: float = 1.0
    ct_turn_noise_radps: float = 0.08
    hover_accel_mps2: float = 0.3
    hover_velocity_tau_s: float = 1.5
    turn_rate_prior_radps: float = 0.3
    turn_rate_tau_s: float = 5.0
    switch_rate_hz: tuple[tuple[float, float, float], ...] = (
        (0.0, 0.05, 0.05),
        (0.10, 0.0, 0.03),
        (0.20, 0.03, 0.0),
    )


def _white_accel_q(dt: FloatArray, accel: float) -> FloatArray:
    """(n, 7, 7) process noise of a white-noise acceleration on the three axes."""
    n = dt.shape[0]
    q = np.zeros((n, STATE_DIM, STATE_DIM))
    var = accel * accel
    pp = var * dt**3 / 3.0
    pv = var * dt**2 / 2.0
    vv = var * dt
    for axis in range(3):
        q[:, axis, axis] = pp
        q[:, axis, axis + 3] = pv
        q[:, axis + 3, axis] = pv
        q[:, axis + 3, axis + 3] = vv
    return q


class Imm:
    """The three-model IMM: mixing, per-model prediction and the combined estimate."""

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config or MotionConfig()
        rates = np.array(self.config.switch_rate_hz, dtype=np.float64)
        generator = rates - np.diag(rates.sum(axis=1))
        values, vectors = np.linalg.eig(generator)
        self._eig_values = values
        self._eig_vectors = vectors
        self._eig_vectors_inv = np.linalg.inv(vectors)

    def transition(self, dt: FloatArray) -> FloatArray:
        """(n, 3, 3) mode transition probabilities over ``dt`` seconds (matrix exponential
        of the switching-rate generator), rows summing to one."""
        growth = np.exp(self._eig_values[None, :] * dt[:, None])
        pi = np.real((self._eig_vectors[None] * growth[:, None, :]) @ self._eig_vectors_inv)
        pi = np.clip(pi, 0.0, 1.0)
        return np.asarray(pi / pi.sum(axis=2, keepdims=True), dtype=np.float64)

    def predict(
        self, x: FloatArray, p: FloatArray, mu: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Mix and predict every model of every track by its own ``dt``.

        ``x`` is (n, 3, 7), ``p`` (n, 3, 7, 7), ``mu`` (n, 3) and ``dt`` (n,) seconds
        (non-negative). Returns the predicted model states, covariances and the predicted
        mode probabilities.
        """
        pi = self.transition(dt)
        c = np.einsum("nij,ni->nj", pi, mu)
        c = np.maximum(c, 1e-12)
        w = pi * mu[:, :, None] / c[:, None, :]  # w[n, i, j] = P(model i then | model j now)
        n = x.shape[0]
        wt = w.transpose(0, 2, 1)  # wt[n, j, i]
        x0 = wt @ x
        diff = x[:, :, None, :] - x0[:, None, :, :]  # (n, i, j, 7)
        weighted = (w[..., None] * diff).transpose(0, 2, 3, 1)  # (n, j, 7, i)
        spread = weighted @ diff.transpose(0, 2, 1, 3)  # (n, j, 7, 7)
        p0 = (wt @ p.reshape(n, N_MODELS, -1)).reshape(p.shape) + spread
        xp = np.empty_like(x0)
        pp = np.empty_like(p0)
        xp[:, CV], pp[:, CV] = self._predict_cv(x0[:, CV], p0[:, CV], dt)
        xp[:, CT], pp[:, CT] = self._predict_ct(x0[:, CT], p0[:, CT], dt)
        xp[:, HOVER], pp[:, HOVER] = self._predict_hover(x0[:, HOVER], p0[:, HOVER], dt)
        return xp, pp, c

    def _turn_rate_decay(self, dt: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Turn rate of the straight-flying models relaxes to zero with a bounded spread."""
        cfg = self.config
        a = np.exp(-dt / cfg.turn_rate_tau_s)
        return a, cfg.turn_rate_prior_radps**2 * (1.0 - a * a)

    def _predict_cv(
        self, x: FloatArray, p: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        n = x.shape[0]
        f = np.broadcast_to(np.eye(STATE_DIM), (n, STATE_DIM, STATE_DIM)).copy()
        for axis in range(3):
            f[:, axis, axis + 3] = dt
        decay, turn_var = self._turn_rate_decay(dt)
        f[:, 6, 6] = decay
        q = _white_accel_q(dt, self.config.cv_accel_mps2)
        q[:, 6, 6] = turn_var
        return _propagate(f, x, p, q)

    def _predict_hover(
        self, x: FloatArray, p: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        n = x.shape[0]
        tau = self.config.hover_velocity_tau_s
        a = np.exp(-dt / tau)
        f = np.broadcast_to(np.eye(STATE_DIM), (n, STATE_DIM, STATE_DIM)).copy()
        for axis in range(3):
            f[:, axis, axis + 3] = tau * (1.0 - a)
            f[:, axis + 3, axis + 3] = a
        decay, turn_var = self._turn_rate_decay(dt)
        f[:, 6, 6] = decay
        q = _white_accel_q(dt, self.config.hover_accel_mps2)
        q[:, 6, 6] = turn_var
        return _propagate(f, x, p, q)

    def _predict_ct(
        self, x: FloatArray, p: FloatArray, dt: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        vx, vy, omega = x[:, 3], x[:, 4], x[:, 6]
        wt = omega * dt
        small = np.abs(wt) < _SMALL_TURN_RAD
        safe_w = np.where(small, 1.0, omega)
        s, c = np.sin(wt), np.cos(wt)
        # f1 = sin(wT)/w, f2 = (1 - cos(wT))/w and their derivatives in w
        f1 = np.where(small, dt - omega**2 * dt**3 / 6.0, s / safe_w)
        f2 = np.where(small, omega * dt**2 / 2.0, (1.0 - c) / safe_w)
        d1 = np.where(small, -omega * dt**3 / 3.0, (dt * c * omega - s) / safe_w**2)
        d2 = np.where(small, dt**2 / 2.0, (dt * s * omega - (1.0 - c)) / safe_w**2)
        xn = x.copy()
        xn[:, 0] = x[:, 0] + f1 * vx - f2 * vy
        xn[:, 1] = x[:, 1] + f2 * vx + f1 * vy
        xn[:, 2] = x[:, 2] + dt * x[:, 5]
        xn[:, 3] = c * vx - s * vy
        xn[:, 4] = s * vx + c * vy
        n = x.shape[0]
        jac = np.broadcast_to(np.eye(STATE_DIM), (n, STATE_DIM, STATE_DIM)).copy()
        jac[:, 0, 3], jac[:, 0, 4], jac[:, 0, 6] = f1, -f2, d1 * vx - d2 * vy
        jac[:, 1, 3], jac[:, 1, 4], jac[:, 1, 6] = f2, f1, d2 * vx + d1 * vy
        jac[:, 2, 5] = dt
        jac[:, 3, 3], jac[:, 3, 4], jac[:, 3, 6] = c, -s, -dt * s * vx - dt * c * vy
        jac[:, 4, 3], jac[:, 4, 4], jac[:, 4, 6] = s, c, dt * c * vx - dt * s * vy
        q = _white_accel_q(dt, self.config.ct_accel_mps2)
        q[:, 6, 6] = self.config.ct_turn_noise_radps**2 * dt
        pn = jac @ p @ jac.transpose(0, 2, 1) + q
        return xn, pn


def _propagate(
    f: FloatArray, x: FloatArray, p: FloatArray, q: FloatArray
) -> tuple[FloatArray, FloatArray]:
    xn = np.einsum("nij,nj->ni", f, x)
    pn = f @ p @ f.transpose(0, 2, 1) + q
    return xn, pn


def combine(
    x: FloatArray, p: FloatArray, mu: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Moment-matched single estimate (n, 7), (n, 7, 7) of the IMM's model estimates."""
    n = x.shape[0]
    xc = (mu[:, None, :] @ x)[:, 0]
    diff = x - xc[:, None, :]
    spread = (mu[:, :, None] * diff).transpose(0, 2, 1) @ diff
    pc = (mu[:, None, :] @ p.reshape(n, N_MODELS, -1)).reshape(n, STATE_DIM, STATE_DIM)
    return xc, pc + spread


def predict_cv_only(x: FloatArray, p: FloatArray, dt: FloatArray, accel: float) -> tuple[
    FloatArray, FloatArray
]:
    """Cheap near-constant-velocity prediction of combined estimates, used for gating."""
    xn = x.copy()
    xn[:, :3] += x[:, 3:6] * dt[:, None]
    pn = p.copy()
    # P' = F P F^T with F = I + dt * E (E moves velocity into position), written out.
    d = dt[:, None]
    pn[:, :3, :] += d[:, :, None] * p[:, 3:6, :]
    pn[:, :, :3] += d[:, None, :] * pn[:, :, 3:6]
    q = _white_accel_q(dt, accel)
    return xn, pn + q
