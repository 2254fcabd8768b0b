"""Measures of identification and warning against ground truth (simulated scenarios).

The recording is run through the whole pipeline; every reported track is matched,
instant by instant, to the truth object nearest to it (one to one, within a gate; a
second track on an object that another track follows is noted as *near* it), and
the measures an operator cares about are taken: how tracks are classified
(confusion matrix and confidence calibration), how soon a drone raises an alert after
it is first tracked, how early a zone entry is warned of, how many alerts come from
objects that are not drones (birds, aircraft, clutter), and how far estimated launch
points lie from where drones took off.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from skywarden.geo import LocalFrame
from skywarden.identify import Identifier
from skywarden.identify.classify import CLASSES, CLUTTER, HYPOTHESES, Classification
from skywarden.identify.identifier import ground_altitude
from skywarden.metrics import TruthTable
from skywarden.model import Alert, AlertState, Site, TargetClass, TrackState, TruthPoint
from skywarden.pipeline import Picture, Pipeline
from skywarden.recording import Rejections, iter_reports, iter_truth, read_site
from skywarden.warn.corroboration import DEFAULT_LIMITS, CorroborationLimits
from skywarden.warn.warner import Warner

MATCH_GATE_M = 50.0
"""Furthest a track may be from a truth object and still be taken for it, or three
times the track's own position uncertainty when that is larger (a track placed by
bearings alone may be well off in range and still follow its object)."""
ALERT_WINDOW_S = 5.0
"""An alert is judged by the object its track followed within this many seconds of the
moment it opened: a track may follow a bird for minutes and a passing drone for the
few seconds that matter, and the operator is told of whatever was there then."""
LAUNCH_AGL_M = 20.0
"""A truth object first seen below this height above ground is taken to launch there."""


@dataclass
class Evaluation:
    """The pictures of one run matched to truth, and the measures taken from them.

    ``matches`` maps ``(t, track_id)`` to the truth id (absent: a false track); add
    to it with :meth:`add_match`. Tracks left over by the one-to-one matching but
    within the gate of some object are noted with :meth:`add_near`: duplicates on
    a drone, which the tracker's scores count as false tracks, but whose alerts are
    about a real drone (see :meth:`duplicate_alerts`).
    """

    site: Site
    kinds: dict[str, TargetClass]
    tracks: list[TrackState] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    matches: dict[tuple[float, str], str] = field(default_factory=dict)
    scores: list[tuple[Classification, TargetClass | None]] = field(default_factory=list)
    duration_s: float = 0.0
    first_truth: dict[str, TruthPoint] = field(default_factory=dict)
    _by_track: dict[str, list[tuple[float, str]]] = field(default_factory=dict, repr=False)
    _near_by_track: dict[str, list[tuple[float, str]]] = field(default_factory=dict,
                                                               repr=False)

    def truth_of(self, track_id: str) -> str | None:
        """The truth object a track followed most often over its life."""
        votes = Counter(v for _, v in self._matches_of(track_id))
        return votes.most_common(1)[0][0] if votes else None

    def truth_at(self, track_id: str, t: float) -> str | None:
        """The truth object a track followed around ``t`` (within
        :data:`ALERT_WINDOW_S`); else the one it was a duplicate near then; else the
        one it followed most over its life."""
        for table in (self._by_track, self._near_by_track):
            votes = Counter(v for when, v in table.get(track_id, [])
                            if abs(when - t) <= ALERT_WINDOW_S)
            if votes:
                return votes.most_common(1)[0][0]
        return self.truth_of(track_id)

    def add_near(self, t: float, track_id: str, truth: str) -> None:
        """Record that a track, matched to nothing at ``t``, lay within the gate of a
        truth object: most often a second track on an object another track follows."""
        self._near_by_track.setdefault(track_id, []).append((t, truth))

    def add_match(self, t: float, track_id: str, truth: str) -> None:
        """Record that a track followed a truth object at instant ``t``."""
        self.matches[(t, track_id)] = truth
        self._by_track.setdefault(track_id, []).append((t, truth))

    def _matches_of(self, track_id: str) -> list[tuple[float, str]]:
        return self._by_track.get(track_id, [])

    def authorised_objects(self) -> set[str]:
        """Truth objects whose Remote ID serial the site authorises."""
        allowed = {a.remote_id for a in self.site.authorised}
        return {k for k, p in self.first_truth.items() if p.remote_id in allowed}

    def confusion(self) -> dict[TargetClass, Counter[TargetClass]]:
        """Track lines by true class (``unknown``: false tracks) and reported class."""
        out: dict[TargetClass, Counter[TargetClass]] = defaultdict(Counter)
        for state in self.tracks:
            truth = self.matches.get((state.t, state.track_id))
            true_cls = self.kinds[truth] if truth is not None else TargetClass.UNKNOWN
            out[true_cls][state.cls] += 1
        return out

    def calibration_data(self) -> tuple[np.ndarray, np.ndarray]:
        """Raw scores ``(N, 4)`` of every track line and the index of the truth
        (:data:`~skywarden.identify.classify.CLASSES` order, then clutter for a track
        that follows nothing), for reliability tables and temperature fitting."""
        if not self.scores:
            return np.empty((0, HYPOTHESES)), np.empty(0, dtype=np.int64)
        scores = np.array([c.scores for c, _ in self.scores])
        labels = np.array([CLUTTER if k is None else CLASSES.index(k) for _, k in self.scores])
        return scores, labels

    def alert_tracks(self, opened_only: bool = True) -> list[tuple[Alert, str | None]]:
        """Each opening alert line with the truth object its track followed then
        (:meth:`truth_at`)."""
        return [(a, self.truth_at(a.track_id, a.t)) for a in self.alerts
                if not opened_only or a.state is AlertState.OPEN]

    def false_alerts(self) -> list[Alert]:
        """Opened alerts on something that is not a drone to alarm on: a bird, an
        aircraft, clutter, or a drone the site authorises. A spoofing alert is about
        a broadcast, not an object: it is false only when no drone of the truth
        broadcasts that serial."""
        serials = {t.remote_id for t in self.first_truth.values() if t.remote_id}
        by_track = {s.track_id: s.remote_id for s in self.tracks}
        authorised = self.authorised_objects()
        return [a for a, truth in self.alert_tracks()
                if not (a.rule == "spoofed_remote_id" and by_track.get(a.track_id) in serials)
                and (truth is None or self.kinds[truth] is not TargetClass.DRONE
                     or truth in authorised)]

    def duplicate_alerts(self) -> list[Alert]:
        """Opened alerts that are not false but came from a second track on a drone
        that another track followed then: redundant for the operator, not raised on
        nothing."""
        false = {a.alert_id for a in self.false_alerts()}

        def within(table: dict[str, list[tuple[float, str]]], alert: Alert) -> bool:
            return any(abs(when - alert.t) <= ALERT_WINDOW_S
                       for when, _ in table.get(alert.track_id, []))

        return [a for a, _ in self.alert_tracks()
                if a.alert_id not in false and a.rule != "spoofed_remote_id"
                and not within(self._by_track, a) and within(self._near_by_track, a)]

    def false_alerts_per_hour(self) -> float:
        """False alerts opened per hour of data."""
        return len(self.false_alerts()) * 3600.0 / max(self.duration_s, 1e-9)

    def first_tracked(self) -> dict[str, float]:
        """When each truth object was first tracked."""
        out: dict[str, float] = {}
        for (t, _), truth in sorted(self.matches.items()):
            out.setdefault(truth, t)
        return out

    def time_to_alert(self) -> dict[str, float]:
        """Per drone: seconds from its first track to its first alert (0 when a track
        raised the alert before it was first matched to the drone)."""
        first = self.first_tracked()
        out: dict[str, float] = {}
        for alert, truth in self.alert_tracks():
            if truth is not None and truth in first and self.kinds[truth] is TargetClass.DRONE:
                out.setdefault(truth, max(alert.t - first[truth], 0.0))
        return out

    def warning_before_entry(self) -> dict[str, float]:
        """Per drone that entered a zone: seconds between its first predicted-entry
        alert and its first zone-entry alert (0 when entry was not predicted)."""
        predicted: dict[str, float] = {}
        entered: dict[str, float] = {}
        for alert, truth in self.alert_tracks():
            if truth is None:
                continue
            if alert.rule == "predicted_entry":
                predicted.setdefault(truth, alert.t)
            elif alert.rule == "zone_entry":
                entered.setdefault(truth, alert.t)
        return {k: max(t - predicted.get(k, t), 0.0) for k, t in entered.items()}

    def launch_errors(self) -> dict[str, tuple[float, float, str]]:
        """Per drone that took off in the scenario: distance (m) from the launch point
        of its first alert to where it took off, the radius claimed, and the source."""
        frame = LocalFrame(*self.site.origin)
        ground = ground_altitude(self.site)
        out: dict[str, tuple[float, float, str]] = {}
        for alert, truth in self.alert_tracks(opened_only=False):
            if truth is None or truth in out or alert.launch_point is None:
                continue
            start = self.first_truth.get(truth)
            if start is None or start.alt_m - ground > LAUNCH_AGL_M:
                continue
            lp = alert.launch_point
            a = frame.geodetic_to_enu(lp.lat, lp.lon, ground)
            b = frame.geodetic_to_enu(start.lat, start.lon, ground)
            out[truth] = (float(np.linalg.norm(a[:2] - b[:2])), lp.sigma_m, lp.source)
        return out


def evaluate(recording: Path, duration_s: float | None = None,
             corroboration: CorroborationLimits | None = DEFAULT_LIMITS) -> Evaluation:
    """Run a recording with truth through the pipeline and match tracks to truth.

    ``corroboration`` sets the warner's gate on which tracks may open alerts
    (``None``: no gate), so that its effect can be measured on the same run."""
    site = read_site(recording)
    rejections = Rejections()
    points = list(iter_truth(recording, rejections))
    frame = LocalFrame(*site.origin)
    table = TruthTable(points, frame)
    kinds = {p.id: p.kind for p in points}
    firsts: dict[str, TruthPoint] = {}
    for p in sorted(points, key=lambda p: p.t):
        firsts.setdefault(p.id, p)
    result = Evaluation(site, kinds, first_truth=firsts)
    pipeline = Pipeline(site)
    pipeline.warner = Warner(site, corroboration=corroboration)
    t_first: float | None = None
    t_last = 0.0

    shadow = Identifier(site)
    """Repeats the pipeline's identification to read every class probability."""

    def take(pictures: Iterable[Picture]) -> None:
        nonlocal t_first, t_last
        for picture in pictures:
            t_first = picture.t if t_first is None else t_first
            t_last = picture.t
            result.tracks += picture.tracks
            result.alerts += picture.alerts
            _match(result, table, frame, picture.t, picture.tracks)
            for item in shadow.update(picture.t, picture.tracks, picture.evidence):
                truth = result.matches.get((picture.t, item.track_id))
                result.scores.append((item.classification, kinds[truth] if truth else None))

    for report in iter_reports(recording, site, rejections):
        if duration_s is not None and t_first is not None and report.t > t_first + duration_s:
            break
        pipeline.feed(report)
        take(pipeline.ready())
    take(pipeline.flush())
    result.duration_s = t_last - (t_first or t_last)
    return result


def _match(result: Evaluation, table: TruthTable, frame: LocalFrame, t: float,
           tracks: list[TrackState]) -> None:
    truth = table.at(t)
    if not tracks or not truth:
        return
    ids = list(truth)
    tpos = np.array([truth[k] for k in ids])
    enu = frame.geodetic_to_enu([s.lat for s in tracks], [s.lon for s in tracks],
                                [s.alt_m for s in tracks]).reshape(-1, 3)
    cost = np.linalg.norm(enu[:, None, :] - tpos[None, :, :], axis=2)
    gate = np.maximum(MATCH_GATE_M, 3.0 * np.array([s.pos_sigma_m for s in tracks]))
    rows, cols = linear_sum_assignment(np.minimum(cost, 10 * gate[:, None]))
    matched = np.zeros(len(tracks), dtype=bool)
    for r, c in zip(rows, cols, strict=True):
        if cost[r, c] <= gate[r]:
            result.add_match(t, tracks[r].track_id, ids[c])
            matched[r] = True
    for r in np.flatnonzero(~matched).tolist():
        c = int(np.argmin(cost[r]))
        if cost[r, c] <= gate[r]:
            result.add_near(t, tracks[r].track_id, ids[c])
