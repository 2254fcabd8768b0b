"""Drone, bird or aircraft: a calibrated classification from kinematics and sensor evidence.

Each piece of evidence (speed, hover, height, turns, camera votes, RF emission,
acoustic blade-pass frequency, radar cross-section, broadcast identity) contributes a
log-likelihood per class. The contributions are combined as in naive Bayes, but each
is first clipped to ``feature_cap_nats`` so that no single, possibly mis-associated
measurement can decide alone, and the sum is divided by a temperature fitted on
labelled data (:mod:`skywarden.identify.calibration`) so that the reported confidence
is a probability an operator can read at face value. A track whose best class stays
below ``decide_min`` is reported ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skywarden.identify.features import Kinematics
from skywarden.model import TargetClass, TrackEvidence

CLASSES: tuple[TargetClass, ...] = (TargetClass.DRONE, TargetClass.BIRD, TargetClass.AIRCRAFT)
"""The classes scored, in the order of every score vector."""

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def _normal_logpdf(x: float, mean: float, sigma: float) -> float:
    z = (x - mean) / sigma
    return float(-0.5 * z * z - np.log(sigma) - _LOG_SQRT_2PI)


def _lognormal_logpdf(x: float, median: float, sigma_log: float) -> float:
    x = max(x, 1e-3)
    return _normal_logpdf(float(np.log(x)), float(np.log(median)), sigma_log) - float(np.log(x))


def _speed_loglik(speed: float) -> NDArray[np.float64]:
    """Drones cruise at 5-15 m/s or hover; birds fly at 8-15 m/s and cannot hover;
    aircraft fly well above 30 m/s."""
    hover = np.log(2.0) + _normal_logpdf(speed, 0.0, 1.0)
    cruise = _lognormal_logpdf(speed, 8.0, 0.6)
    drone = float(np.logaddexp(np.log(0.35) + hover, np.log(0.65) + cruise))
    return np.array(
        [drone, _lognormal_logpdf(speed, 10.0, 0.35), _lognormal_logpdf(speed, 60.0, 0.45)]
    )


def _hover_loglik(hover_s: float) -> NDArray[np.float64]:
    """Holding still for seconds is what multirotors do and birds and aircraft do not."""
    k = min(hover_s / 5.0, 1.0)
    return np.array([0.0, -4.0 * k, -5.0 * k])


def _height_loglik(agl_m: float) -> NDArray[np.float64]:
    """Aircraft seldom fly low over a city; drones and birds seldom fly high."""
    return np.array(
        [
            -min(max(agl_m - 400.0, 0.0) / 200.0, 3.0),
            -min(max(agl_m - 300.0, 0.0) / 150.0, 3.0),
            -min(max(150.0 - agl_m, 0.0) / 100.0, 2.5),
        ]
    )


def _manoeuvre_loglik(kin: Kinematics) -> NDArray[np.float64]:
    """Sharp turns and hard accelerations rule aircraft out; drones and birds do both."""
    if kin.span_s < 5.0:
        return np.zeros(3)
    penalty = min(kin.turn_rate_dps / 15.0, 2.0) + min(kin.accel_mps2 / 5.0, 2.0)
    return np.array([0.0, 0.0, -penalty])


def _eo_loglik(votes: Mapping[TargetClass, float]) -> NDArray[np.float64]:
    """Camera class votes: the share of each class, weighted by how many votes there are
    (capped, since successive frames of one camera are far from independent)."""
    counts = np.array([max(float(votes.get(c, 0.0)), 0.0) for c in CLASSES])
    total = float(counts.sum())
    if total <= 0.0:
        return np.zeros(3)
    share = (counts + 0.3) / (total + 0.9)
    return min(total, 6.0) * 0.6 * np.log(share)


def _rf_loglik(rf_hits: int) -> NDArray[np.float64]:
    """A drone's control or video link heard on the direction finders."""
    k = min(rf_hits / 3.0, 1.0)
    return np.array([0.0, -5.0 * k, -3.0 * k])


def _f0_loglik(f0_hz: float | None) -> NDArray[np.float64]:
    """Rotor blade-pass tones of multirotors lie between ~60 Hz and ~2 kHz; wing beats
    are a few hertz and helicopter main rotors tens of hertz."""
    if f0_hz is None:
        return np.zeros(3)
    if 60.0 <= f0_hz <= 2000.0:
        return np.array([0.0, -4.0, -2.0])
    if f0_hz < 15.0:
        return np.array([-2.0, 1.0, 0.0])
    if f0_hz < 60.0:
        return np.array([-1.0, -1.0, 1.0])
    return np.zeros(3)


def _rcs_loglik(rcs_dbsm: float | None) -> NDArray[np.float64]:
    """Radar cross-section: small multirotors near -18 dBsm, birds near -28, aircraft
    around +10."""
    if rcs_dbsm is None:
        return np.zeros(3)
    return np.array(
        [
            _normal_logpdf(rcs_dbsm, -18.0, 5.0),
            _normal_logpdf(rcs_dbsm, -28.0, 5.0),
            _normal_logpdf(rcs_dbsm, 10.0, 8.0),
        ]
    )


def _identity_loglik(trusted_remote_id: bool, icao: str | None) -> NDArray[np.float64]:
    """A broadcast identity: Remote ID is carried by drones, ADS-B by aircraft."""
    out = np.zeros(3)
    if trusted_remote_id:
        out += np.array([0.0, -8.0, -6.0])
    if icao is not None:
        out += np.array([-6.0, -8.0, 0.0])
    return out


@dataclass(frozen=True, slots=True)
class ClassModel:
    """The tunable part of the classifier.

    ``prior`` holds the prior probability of each class over the site; ``temperature``
    divides the summed log-likelihoods (fitted by calibration); ``decide_min`` is the
    lowest posterior for which a class is reported rather than ``unknown``.
    """

    prior: Mapping[TargetClass, float] = field(
        default_factory=lambda: {
            TargetClass.DRONE: 0.4,
            TargetClass.BIRD: 0.45,
            TargetClass.AIRCRAFT: 0.15,
        }
    )
    temperature: float = 1.0
    decide_min: float = 0.6
    feature_cap_nats: float = 5.0


@dataclass(frozen=True, slots=True)
class Classification:
    """The outcome for one track: the reported class, its confidence, every posterior
    (in :data:`CLASSES` order) and the raw scores before the temperature."""

    cls: TargetClass
    conf: float
    probs: tuple[float, float, float]
    scores: tuple[float, float, float]


class Classifier:
    """Scores tracks and turns the scores into calibrated class probabilities."""

    def __init__(self, model: ClassModel | None = None) -> None:
        self.model = model or ClassModel()
        self._log_prior = np.log(
            np.array([max(self.model.prior.get(c, 0.0), 1e-9) for c in CLASSES])
        )

    def scores(
        self,
        kin: Kinematics | None,
        evidence: TrackEvidence,
        hover_s: float,
        trusted_remote_id: bool,
    ) -> NDArray[np.float64]:
        """Summed, clipped log-likelihoods plus the log prior (before the temperature).

        ``hover_s`` is the longest hover seen over the track's life, so that a drone
        that hovered is not forgotten as such when it moves on.
        """
        parts = [
            _hover_loglik(hover_s),
            _eo_loglik(evidence.eo_votes),
            _rf_loglik(evidence.rf_hits),
            _f0_loglik(evidence.f0_hz),
            _rcs_loglik(evidence.rcs_dbsm),
            _identity_loglik(trusted_remote_id, evidence.icao),
        ]
        if kin is not None:
            parts += [_speed_loglik(kin.speed_mps), _height_loglik(kin.agl_m),
                      _manoeuvre_loglik(kin)]
        cap = self.model.feature_cap_nats
        total = self._log_prior.copy()
        for part in parts:
            total += np.maximum(part - part.max(), -cap)
        return total

    def decide(self, scores: NDArray[np.float64]) -> Classification:
        """Posterior probabilities from scores, and the class they support."""
        logits = scores / self.model.temperature
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        best = int(np.argmax(probs))
        conf = float(probs[best])
        cls = CLASSES[best] if conf >= self.model.decide_min else TargetClass.UNKNOWN
        return Classification(
            cls=cls,
            conf=conf,
            probs=(float(probs[0]), float(probs[1]), float(probs[2])),
            scores=(float(scores[0]), float(scores[1]), float(scores[2])),
        )
