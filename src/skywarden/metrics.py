"""How good an air picture is against ground truth.

GOSPA (generalised optimal sub-pattern assignment) scores one instant: with cut-off
``c``, order ``p`` and ``alpha`` = 2 it splits into a localisation part (the summed
distances, to the power ``p``, of tracks matched to targets) and the costs of missed
targets and false tracks (``c**p / alpha`` each). Over a run, :class:`Scorer` adds the
track-level measures GOSPA cannot see: track-ID switches, fragmentation, time to the
first track of each target, and false tracks. Everything is in metres in a local ENU
frame (3D).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import LocalFrame
from skywarden.model import TrackState, TruthPoint

FloatArray = NDArray[np.float64]

DEFAULT_C_M = 50.0
DEFAULT_P = 1.0
DEFAULT_ALPHA = 2.0


@dataclass(frozen=True, slots=True)
class Gospa:
    """GOSPA at one instant and its parts; ``distance = (localisation + missed +
    false) ** (1 / p)``."""

    distance: float
    localisation: float
    missed: float
    false: float
    pairs: tuple[tuple[int, int], ...] = ()
    """Matched ``(truth index, track index)`` pairs, closer than the cut-off."""


def gospa(
    truth: FloatArray,
    tracks: FloatArray,
    c: float = DEFAULT_C_M,
    p: float = DEFAULT_P,
    alpha: float = DEFAULT_ALPHA,
) -> Gospa:
    """GOSPA between truth positions (n, 3) and track positions (m, 3)."""
    if c <= 0.0 or p < 1.0 or not 0.0 < alpha <= 2.0:
        raise ValueError(f"GOSPA needs c > 0, p >= 1, 0 < alpha <= 2 (got {c}, {p}, {alpha})")
    unmatched_cost = c**p / alpha
    n, m = truth.shape[0], tracks.shape[0]
    pairs: list[tuple[int, int]] = []
    localisation = 0.0
    if n and m:
        from scipy.optimize import linear_sum_assignment

        dist = np.linalg.norm(truth[:, None, :] - tracks[None, :, :], axis=2)
        cost = np.minimum(dist, c) ** p
        rows, cols = linear_sum_assignment(cost)
        for r, k in zip(rows.tolist(), cols.tolist(), strict=True):
            if dist[r, k] < c:
                pairs.append((r, k))
                localisation += float(dist[r, k]) ** p
    missed = (n - len(pairs)) * unmatched_cost
    false = (m - len(pairs)) * unmatched_cost
    total = localisation + missed + false
    return Gospa(total ** (1.0 / p), localisation, missed, false, tuple(pairs))


@dataclass(frozen=True, slots=True)
class Score:
    """A run's score: GOSPA means over the scored instants and track-level counts."""

    instants: int
    gospa: float
    localisation: float
    missed: float
    false: float
    id_switches: int
    fragmentations: int
    false_tracks: int
    tracks: int
    targets: int
    time_to_first_track_s: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def mean_time_to_first_track_s(self) -> float | None:
        """Mean delay from a target's first truth instant to its first matched track,
        over the targets that got one."""
        found = [v for v in self.time_to_first_track_s.values() if v is not None]
        return sum(found) / len(found) if found else None

    @property
    def targets_tracked(self) -> int:
        """Targets matched to a track at least once."""
        return sum(v is not None for v in self.time_to_first_track_s.values())

    def rows(self) -> list[tuple[str, float | int | None]]:
        """``(measure, value)`` rows for a score table."""
        return [
            ("instants scored", self.instants),
            ("mean GOSPA (m)", self.gospa),
            ("  localisation", self.localisation),
            ("  missed", self.missed),
            ("  false", self.false),
            ("targets", self.targets),
            ("targets tracked", self.targets_tracked),
            ("mean time to first track (s)", self.mean_time_to_first_track_s),
            ("confirmed track ids", self.tracks),
            ("false tracks", self.false_tracks),
            ("track-ID switches", self.id_switches),
            ("fragmentations", self.fragmentations),
        ]


class Scorer:
    """Accumulates GOSPA and track-continuity measures instant by instant.

    A target's *ID switch* is a change of the track matched to it; a *fragmentation* is
    a target matched again after instants with no match; a *false track* is a track id
    matched to a target at fewer than half the instants it was reported.
    """

    def __init__(self, c: float = DEFAULT_C_M, p: float = DEFAULT_P,
                 alpha: float = DEFAULT_ALPHA) -> None:
        self.c, self.p, self.alpha = c, p, alpha
        self._sums = np.zeros(4)
        self._instants = 0
        self._last_match: dict[str, str] = {}
        self._was_matched: dict[str, bool] = {}
        self._first_seen: dict[str, float] = {}
        self._first_tracked: dict[str, float] = {}
        self._track_reports: dict[str, int] = {}
        self._track_matches: dict[str, int] = {}
        self.id_switches = 0
        self.fragmentations = 0

    def add(self, t: float, truth: Mapping[str, FloatArray],
            tracks: Mapping[str, FloatArray]) -> Gospa:
        """Score one instant: ENU positions of targets and of tracks, by id."""
        truth_ids, track_ids = list(truth), list(tracks)
        truth_pos = np.array([truth[k] for k in truth_ids]).reshape(-1, 3)
        track_pos = np.array([tracks[k] for k in track_ids]).reshape(-1, 3)
        result = gospa(truth_pos, track_pos, self.c, self.p, self.alpha)
        self._sums += (result.distance, result.localisation, result.missed, result.false)
        self._instants += 1
        for target in truth_ids:
            self._first_seen.setdefault(target, t)
        for track in track_ids:
            self._track_reports[track] = self._track_reports.get(track, 0) + 1
        matched: dict[str, str] = {}
        for r, k in result.pairs:
            matched[truth_ids[r]] = track_ids[k]
            self._track_matches[track_ids[k]] = self._track_matches.get(track_ids[k], 0) + 1
        for target in truth_ids:
            match = matched.get(target)
            if match is None:
                self._was_matched[target] = False
                continue
            self._first_tracked.setdefault(target, t)
            previous = self._last_match.get(target)
            if previous is not None and previous != match:
                self.id_switches += 1
            if previous is not None and not self._was_matched.get(target, False):
                self.fragmentations += 1
            self._last_match[target] = match
            self._was_matched[target] = True
        return result

    def result(self) -> Score:
        """The score of everything added so far."""
        means = self._sums / max(self._instants, 1)
        false_tracks = sum(
            1 for track, reports in self._track_reports.items()
            if self._track_matches.get(track, 0) < 0.5 * reports
        )
        first = {
            target: (self._first_tracked[target] - seen if target in self._first_tracked
                     else None)
            for target, seen in self._first_seen.items()
        }
        return Score(
            instants=self._instants,
            gospa=float(means[0]),
            localisation=float(means[1]),
            missed=float(means[2]),
            false=float(means[3]),
            id_switches=self.id_switches,
            fragmentations=self.fragmentations,
            false_tracks=false_tracks,
            tracks=len(self._track_reports),
            targets=len(self._first_seen),
            time_to_first_track_s=first,
        )


class TruthTable:
    """Ground truth by target, interpolated to any instant inside each target's span."""

    def __init__(self, points: Iterable[TruthPoint], frame: LocalFrame) -> None:
        rows: dict[str, list[tuple[float, float, float, float]]] = {}
        for point in points:
            rows.setdefault(point.id, []).append((point.t, point.lat, point.lon, point.alt_m))
        self._t: dict[str, FloatArray] = {}
        self._pos: dict[str, FloatArray] = {}
        for target, samples in rows.items():
            samples.sort()
            arr = np.array(samples)
            self._t[target] = arr[:, 0]
            self._pos[target] = frame.geodetic_to_enu(arr[:, 1], arr[:, 2], arr[:, 3])

    def __len__(self) -> int:
        return len(self._t)

    def at(self, t: float) -> dict[str, FloatArray]:
        """ENU positions of the targets that exist at ``t``."""
        out: dict[str, FloatArray] = {}
        for target, times in self._t.items():
            if times[0] <= t <= times[-1]:
                pos = self._pos[target]
                out[target] = np.array([np.interp(t, times, pos[:, k]) for k in range(3)])
        return out


def score_pictures(
    instants: Sequence[tuple[float, Sequence[TrackState]]],
    truth: TruthTable,
    frame: LocalFrame,
    c: float = DEFAULT_C_M,
    p: float = DEFAULT_P,
    alpha: float = DEFAULT_ALPHA,
) -> Score:
    """Score the tracks reported at each instant against the truth there."""
    scorer = Scorer(c, p, alpha)
    for t, tracks in instants:
        positions: dict[str, FloatArray] = {}
        if tracks:
            enu = frame.geodetic_to_enu(
                np.array([s.lat for s in tracks]), np.array([s.lon for s in tracks]),
                np.array([s.alt_m for s in tracks]),
            )
            positions = {s.track_id: enu[k] for k, s in enumerate(tracks)}
        scorer.add(t, truth.at(t), positions)
    return scorer.result()
