"""Drone, bird or aircraft: a calibrated classification from kinematics and sensor evidence.

Each piece of evidence (speed, hover, height, turns, camera votes, RF emission,
acoustic blade-pass frequency, radar cross-section, broadcast identity) contributes a
log-likelihood per class, and for a fourth hypothesis: that the track follows no
object at all (clutter, or a ghost of mis-associated bearings), so that such tracks
end up ``unknown`` instead of being forced into a class. The contributions are
combined as in naive Bayes, but each is first clipped to ``feature_cap_nats`` (the
camera votes, radar cross-section and radar absence, to ``strong_cap_nats``) so that
no single, possibly mis-associated measurement can decide alone, and the sum is
divided by a temperature fitted on labelled data (:mod:`skywarden.identify.calibration`)
so that the reported confidence is a probability an operator can read at face value. A track
whose best class stays below ``decide_min`` is reported ``unknown``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skywarden.identify.features import Kinematics
from skywarden.model import (
    EMITTING_MIN_RF_HITS,
    RECENT_EVIDENCE_S,
    RangeMotion,
    SensorType,
    TargetClass,
    TrackEvidence,
)

CLASSES: tuple[TargetClass, ...] = (TargetClass.DRONE, TargetClass.BIRD, TargetClass.AIRCRAFT)
"""The classes an object can be reported as, in the order of every score vector."""

CLUTTER = len(CLASSES)
"""Index of the fourth hypothesis scored: no object at all (clutter, multipath, a ghost
of mis-associated bearings). A track most likely to be clutter is reported ``unknown``."""

HYPOTHESES = 4
"""Length of every score vector: the classes, then clutter."""

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def _normal_logpdf(x: float, mean: float, sigma: float) -> float:
    z = (x - mean) / sigma
    return float(-0.5 * z * z - np.log(sigma) - _LOG_SQRT_2PI)


def _lognormal_logpdf(x: float, median: float, sigma_log: float) -> float:
    x = max(x, 1e-3)
    return _normal_logpdf(float(np.log(x)), float(np.log(median)), sigma_log) - float(np.log(x))


def _speed_loglik(speed: float) -> NDArray[np.float64]:
    """Drones cruise at 5-15 m/s or hover; birds fly at 8-15 m/s and cannot hover;
    aircraft fly well above 30 m/s; clutter has any speed up to a few tens of m/s."""
    hover = np.log(2.0) + _normal_logpdf(speed, 0.0, 1.0)
    cruise = _lognormal_logpdf(speed, 8.0, 0.6)
    drone = float(np.logaddexp(np.log(0.35) + hover, np.log(0.65) + cruise))
    return np.array([drone, _lognormal_logpdf(speed, 10.0, 0.45),
                     _lognormal_logpdf(speed, 60.0, 0.45), -np.log(40.0)])


def _hover_loglik(hover_s: float) -> NDArray[np.float64]:
    """Holding still for seconds is what multirotors do and birds and aircraft do not
    (clutter from fixed ground echoes stands still too)."""
    k = min(hover_s / 5.0, 1.0)
    return np.array([0.0, -2.5 * k, -4.0 * k, 0.0])


def _height_loglik(agl_m: float) -> NDArray[np.float64]:
    """Aircraft seldom fly low over a city; drones and birds seldom fly high."""
    return np.array(
        [
            -min(max(agl_m - 400.0, 0.0) / 200.0, 3.0),
            -min(max(agl_m - 300.0, 0.0) / 150.0, 3.0),
            -min(max(150.0 - agl_m, 0.0) / 100.0, 2.5),
            0.0,
        ]
    )


def _manoeuvre_loglik(kin: Kinematics) -> NDArray[np.float64]:
    """Sharp turns and hard accelerations rule aircraft out; drones and birds do both,
    but no real object keeps turning at tens of degrees a second the way a track
    wandering over clutter does."""
    if kin.span_s < 5.0:
        return np.zeros(HYPOTHESES)
    aircraft = min(kin.turn_rate_dps / 15.0, 2.0) + min(kin.accel_mps2 / 5.0, 2.0)
    erratic = min(max(kin.turn_rate_dps - 30.0, 0.0) / 15.0, 3.0)
    return np.array([-erratic, -erratic, -aircraft - erratic, 0.0])


def _eo_loglik(votes: Mapping[TargetClass, float]) -> NDArray[np.float64]:
    """Camera class votes: the share of each class, weighted by how many votes there are
    (capped, since successive frames of one camera are far from independent). Cameras
    see objects, so votes of any class speak against clutter."""
    counts = np.array([max(float(votes.get(c, 0.0)), 0.0) for c in CLASSES])
    total = float(counts.sum())
    if total <= 0.0:
        return np.zeros(HYPOTHESES)
    weight = min(total, 10.0) * 0.6
    share = (counts + 0.3) / (total + 0.9)
    return np.append(weight * np.log(share), -weight)


def _rf_loglik(rf_hits: float, age_s: float) -> NDArray[np.float64]:
    """A drone's control or video link heard on the direction finders. A drone that
    emits is heard on most looks; a few hits over a long life are more likely bearings
    of some other emitter that happened to pass through the track's gate, and fewer
    than :data:`EMITTING_MIN_RF_HITS` say nothing (the track is then also ``dark``:
    not heard emit, so not made a drone by what it was not heard to do)."""
    if rf_hits < EMITTING_MIN_RF_HITS:
        return np.zeros(HYPOTHESES)
    rate = rf_hits / max(age_s, 5.0)
    k = min(rf_hits / 5.0, 1.0) * min(max((rate - 0.05) / 0.25, 0.0), 1.0)
    return np.array([0.0, -5.0 * k, -3.0 * k, -4.0 * k])


def _f0_loglik(f0_hz: float | None) -> NDArray[np.float64]:
    """Rotor blade-pass tones of multirotors lie between ~60 Hz and ~2 kHz; wing beats
    are a few hertz and helicopter main rotors tens of hertz. A tone is a bearing
    heard from hundreds of metres away: a drone hovering nearby lends its tone to
    whatever else flies in the same direction, so it weighs less than a look."""
    if f0_hz is None:
        return np.zeros(HYPOTHESES)
    if 60.0 <= f0_hz <= 2000.0:
        return np.array([0.0, -2.5, -1.5, -1.5])
    if f0_hz < 15.0:
        return np.array([-2.0, 1.0, 0.0, 0.0])
    if f0_hz < 60.0:
        return np.array([-1.0, -1.0, 1.0, 0.0])
    return np.zeros(HYPOTHESES)


def _rcs_loglik(rcs_dbsm: float | None) -> NDArray[np.float64]:
    """Radar cross-section: small multirotors near -18 dBsm, birds near -28, aircraft
    around +10; clutter and ghosts anywhere, mostly weaker than any real target."""
    if rcs_dbsm is None:
        return np.zeros(HYPOTHESES)
    return np.array(
        [
            _normal_logpdf(rcs_dbsm, -18.0, 5.0),
            _normal_logpdf(rcs_dbsm, -28.0, 5.0),
            _normal_logpdf(rcs_dbsm, 10.0, 8.0),
            _normal_logpdf(rcs_dbsm, -38.0, 12.0),
        ]
    )


MOVER_FLIP_RATE = 0.1
"""How often a real object's range rate changes sign between two plots of one radar:
only as it turns through the MTI's blind speeds."""


def _doppler_loglik(flips: float, pairs: int) -> NDArray[np.float64]:
    """Range-rate signs of successive plots of one radar. A mover keeps its sign scan
    after scan; a fixed return leaking through the MTI (a tree in the wind, traffic)
    swings both ways at random, half the time: it is no airborne object at all."""
    clutter = (flips * math.log(0.5 / MOVER_FLIP_RATE)
               + (pairs - flips) * math.log(0.5 / (1.0 - MOVER_FLIP_RATE)))
    return np.array([0.0, 0.0, 0.0, clutter])


LEAK_SPOT_NATS = math.log(0.5 / 0.05)
"""What one radar plot on a known leak spot says for a fixed return: about half of a
fixed return's plots land there once the clutter map has learnt its spot, against the
few percent of a mover's that cross one of the spots."""


def _leak_spot_loglik(plots_on_spots: int) -> NDArray[np.float64]:
    """Radar plots that landed where a fixed return has been leaking through the MTI
    (:meth:`skywarden.track.clutter.ClutterMap.leak_spots`). A plot elsewhere says
    little either way: the map learns a spot only after its return has leaked for a
    while, so that a new fixed return's first plots are on no spot either."""
    return np.array([0.0, 0.0, 0.0, plots_on_spots * LEAK_SPOT_NATS])


def _range_rate_loglik(motions: tuple[RangeMotion, ...]) -> NDArray[np.float64]:
    """Range rates against the range itself (:mod:`skywarden.track.doppler`): a mover's
    range grows as its range rates say; a fixed return's stands still whatever the
    Doppler of its leaks. The log-likelihood ratio of the two, per radar, summed."""
    clutter = sum(((m.slope_mps - m.mean_rr_mps) ** 2 - m.slope_mps**2) / (2.0 * m.sigma_mps**2)
                  for m in motions)
    return np.array([0.0, 0.0, 0.0, clutter])


def _unranged_loglik(unranged_s: float) -> NDArray[np.float64]:
    """Seconds spent well inside radar cover without one radar update: a real object is
    seen on most scans unless buildings hide it; a ghost of crossing bearings never is."""
    k = min(unranged_s / 20.0, 1.0)
    return np.array([-8.0 * k, -8.0 * k, -8.0 * k, 0.0])


def _identity_loglik(trusted_remote_id: bool, adsb: bool) -> NDArray[np.float64]:
    """A broadcast identity: Remote ID is carried by drones, ADS-B by aircraft."""
    out = np.zeros(HYPOTHESES)
    if trusted_remote_id:
        out += np.array([0.0, -8.0, -6.0, -8.0])
    if adsb:
        out += np.array([-6.0, -8.0, 0.0, -8.0])
    return out


@dataclass(frozen=True, slots=True)
class ClassModel:
    """The tunable part of the classifier.

    ``prior`` holds the prior probability of each class over the site and
    ``prior_clutter`` that of a track being no object at all; ``temperature`` divides
    the summed log-likelihoods (fitted by calibration); ``decide_min`` is the lowest
    posterior for which a class is reported rather than ``unknown``;
    ``feature_cap_nats`` bounds what any one piece of evidence can say, and
    ``strong_cap_nats`` what the cameras' votes, the mean radar cross-section (which
    measure the object itself over many looks) and a long absence from radar in radar
    cover can say. Sensor evidence counts in full
    once the track is ``maturity_s`` old, and in proportion before: a track one second
    old has seen too little to be called anything but by its broadcast identity.
    """

    prior: Mapping[TargetClass, float] = field(
        default_factory=lambda: {
            TargetClass.DRONE: 0.35,
            TargetClass.BIRD: 0.35,
            TargetClass.AIRCRAFT: 0.1,
        }
    )
    prior_clutter: float = 0.2
    temperature: float = 1.6
    """Fitted (least negative log-likelihood) on the track lines that follow a real
    object in 10 min of the ``capital`` scenario: 1.84 with seed 1, 1.44 with seed 2
    (bench/warn_bench.py prints the fit). Naive Bayes over correlated evidence is
    somewhat overconfident."""
    decide_min: float = 0.6
    keep_min: float = 0.4
    """A track already given a class keeps it while that class's posterior stays at
    least this and no other class reaches ``decide_min``: no flicker to ``unknown``."""
    feature_cap_nats: float = 5.0
    strong_cap_nats: float = 12.0
    maturity_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Classification:
    """The outcome for one track: the reported class and its confidence, every
    posterior and the raw scores before the temperature (:data:`CLASSES` order, then
    clutter). The confidence of an ``unknown`` track is the posterior of its most
    likely class, below ``decide_min``."""

    cls: TargetClass
    conf: float
    probs: tuple[float, ...]
    scores: tuple[float, ...]


class Classifier:
    """Scores tracks and turns the scores into calibrated class probabilities."""

    def __init__(self, model: ClassModel | None = None) -> None:
        self.model = model or ClassModel()
        prior = [self.model.prior.get(c, 0.0) for c in CLASSES] + [self.model.prior_clutter]
        self._log_prior = np.log(np.maximum(np.array(prior, dtype=np.float64), 1e-9))

    def scores(
        self,
        kin: Kinematics | None,
        evidence: TrackEvidence,
        hover_s: float,
        trusted_remote_id: bool,
        unranged_s: float = 0.0,
    ) -> NDArray[np.float64]:
        """Summed, clipped log-likelihoods plus the log prior (before the temperature).

        ``hover_s`` is the longest hover seen over the track's life, so that a drone
        that hovered is not forgotten as such when it moves on; ``unranged_s`` the
        seconds the track has spent in radar cover without a radar update.
        """
        age_s = evidence.last_update_t - evidence.first_t
        m = self.model

        def clip(part: NDArray[np.float64], cap: float) -> NDArray[np.float64]:
            return np.maximum(part - part.max(), -cap)

        parts = [_rf_loglik(evidence.rf_recent, min(age_s, RECENT_EVIDENCE_S)),
                 _f0_loglik(evidence.f0_hz), _doppler_loglik(*evidence.doppler_flips),
                 _range_rate_loglik(evidence.range_motion),
                 _leak_spot_loglik(evidence.leak_spot_plots)]
        motion = clip(_hover_loglik(hover_s), m.feature_cap_nats)
        if kin is not None:
            parts += [_height_loglik(kin.agl_m), _manoeuvre_loglik(kin)]
            # A hover is a low speed held: the two say one thing, counted once.
            motion = np.minimum(motion, clip(_speed_loglik(kin.speed_mps), m.feature_cap_nats))
        sensed = motion.copy()
        for part in parts:
            sensed += clip(part, m.feature_cap_nats)
        for part in (_eo_loglik(evidence.eo_votes), _rcs_loglik(evidence.rcs_dbsm),
                     _unranged_loglik(unranged_s)):
            sensed += clip(part, m.strong_cap_nats)
        maturity = min(max(age_s, 0.0) / m.maturity_s, 1.0) if m.maturity_s > 0 else 1.0
        adsb = evidence.icao is not None or SensorType.ADSB in evidence.source_types
        identity = _identity_loglik(trusted_remote_id, adsb)
        return self._log_prior + maturity * sensed + identity

    def decide(
        self, scores: NDArray[np.float64], previous: TargetClass = TargetClass.UNKNOWN
    ) -> Classification:
        """Posterior probabilities from scores, and the class they support given the
        class reported before (``previous``), with hysteresis."""
        logits = scores / self.model.temperature
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        best = int(np.argmax(probs[:CLUTTER]))
        conf = float(probs[best])
        cls = CLASSES[best] if conf >= self.model.decide_min else TargetClass.UNKNOWN
        if cls is TargetClass.UNKNOWN and previous in CLASSES:
            kept = float(probs[CLASSES.index(previous)])
            if kept >= self.model.keep_min:
                cls, conf = previous, kept
        return Classification(cls=cls, conf=conf, probs=tuple(float(p) for p in probs),
                              scores=tuple(float(x) for x in scores))
