"""The warning stage: identified tracks in, alert lines out."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import shapely

from skywarden.geo import LocalFrame
from skywarden.identify import Identified
from skywarden.identify.identifier import FORGET_AFTER_S, ground_altitude
from skywarden.model import Alert, LaunchPoint, Site, TargetClass, TrackEvidence, Zone
from skywarden.warn.alerts import AlertBook, Position
from skywarden.warn.assets import AssetPositions
from skywarden.warn.corroboration import DEFAULT_LIMITS, Corroboration, CorroborationLimits
from skywarden.warn.origin import LaunchPointEstimator
from skywarden.warn.rules import Firing, Rule, SpoofedRemoteId, rules_from_config
from skywarden.warn.situation import Situation
from skywarden.warn.zones import ZoneMap, project_lonlat

MIN_VELOCITY_SIGMA_MPS = 0.5
"""Least velocity uncertainty assumed when the history is too short or too smooth."""

VELOCITY_SIGMA_WINDOW_S = 5.0
"""Seconds of history whose velocity spread measures a track's velocity uncertainty."""


def velocity_sigma(evidence: TrackEvidence | None) -> float:
    """1-sigma horizontal velocity uncertainty (m/s) of a track, from the spread of its
    recent velocity estimates (a manoeuvring or badly observed track spreads more)."""
    if evidence is None or len(evidence.history) < 3:
        return 2.0
    rows = np.asarray(evidence.history, dtype=np.float64)
    rows = rows[rows[:, 0] >= rows[-1, 0] - VELOCITY_SIGMA_WINDOW_S]
    if len(rows) < 3:
        return 2.0
    spread = float(np.sqrt(np.var(rows[:, 4]) + np.var(rows[:, 5])))
    return max(spread, MIN_VELOCITY_SIGMA_MPS)


class Warner:
    """Turns each instant's identified tracks into alert state lines for one site.

    ``rules`` defaults to the site's ``rules`` settings (see
    :func:`~skywarden.warn.rules.rules_from_config`) over the defaults. The site's
    ``protected_area`` (a ``[lon, lat]`` polygon in its params) bounds the dark-drone
    rule; without one, the whole area the sensors watch is protected. Tracks younger
    than ``min_age_s`` raise no alert but a spoofing one: a track a few seconds old has
    not shown what it is, and most such tracks are short-lived false ones. Nor does a
    track open one while ``corroboration`` finds it unranged
    (:mod:`skywarden.warn.corroboration`); ``None`` turns that gate off.
    """

    def __init__(
        self,
        site: Site,
        rules: Sequence[Rule] | None = None,
        *,
        clear_after_s: float = 5.0,
        update_every_s: float = 10.0,
        min_age_s: float = 5.0,
        corroboration: CorroborationLimits | None = DEFAULT_LIMITS,
    ) -> None:
        self.site = site
        self.rules = tuple(rules) if rules is not None else rules_from_config(
            site.params.get("rules") or {})
        self._frame = LocalFrame(*site.origin)
        self._zones = ZoneMap(site.zones, self._frame)
        self._assets = AssetPositions(site.assets, self._frame)
        area = site.params.get("protected_area")
        self._protected = (
            None if area is None
            else shapely.Polygon(project_lonlat(self._frame, tuple(map(tuple, area))))
        )
        self._origin = LaunchPointEstimator(
            self._frame, ground_altitude(site) - site.origin[2])
        self._book = AlertBook(clear_after_s, update_every_s)
        self.min_age_s = min_age_s
        self._corroboration = (None if corroboration is None
                               else Corroboration(site, self._frame, corroboration))
        self._last_seen: dict[str, float] = {}

    def report_asset(self, asset_id: str, t: float, lat: float, lon: float) -> None:
        """A live position of a protected asset (overrides its route timetable)."""
        self._assets.report(asset_id, t, lat, lon)

    def set_zones(self, zones: tuple[Zone, ...]) -> None:
        """Watch these zones from the next update on (an operator edited them live).

        Alerts of a zone that is gone or has moved away from a track clear through the
        usual hysteresis, so nothing flaps when a boundary is redrawn."""
        self.site = dataclasses.replace(self.site, zones=zones)
        self._zones = ZoneMap(zones, self._frame)

    def update(
        self,
        t: float,
        identified: Sequence[Identified],
        evidence: Mapping[str, TrackEvidence],
    ) -> list[Alert]:
        """Alert lines (open, update, closed) for one reporting instant."""
        situation = self._situation(t, identified, evidence)
        firings = [f for rule in self.rules for f in rule.evaluate(situation)]
        if self._corroboration is not None:
            firings = self._gate(situation, firings, evidence)
        where: dict[str, Position] = {
            item.track_id: (item.track.lat, item.track.lon, item.track.alt_m)
            for item in identified
        }
        launch: dict[str, LaunchPoint | None] = {}
        for item in identified:
            ev = evidence.get(item.track_id)
            if ev is not None and (item.track.cls is TargetClass.DRONE or item.spoof):
                launch[item.track_id] = self._origin.launch_point(ev)
        for item in identified:
            self._last_seen[item.track_id] = t
        self._forget(t)
        return self._book.step(t, firings, where, launch)

    def _gate(self, s: Situation, firings: list[Firing],
              evidence: Mapping[str, TrackEvidence]) -> list[Firing]:
        """Firings of tracks that may not open alerts, made holding ones (spoofing
        firings excepted)."""
        assert self._corroboration is not None
        may = self._corroboration.may_open(s.t, s.tracks, evidence, s.vel)
        barred = {item.track_id for item, ok in zip(s.tracks, may, strict=True) if not ok}
        return [dataclasses.replace(f, strict=False)
                if f.strict and f.key.track_id in barred and f.key.rule != SpoofedRemoteId.name
                else f for f in firings]

    def merge(self, t: float, absorbed: str, survivor: str) -> list[Alert]:
        """Alert lines for track ``absorbed`` merging into ``survivor``: its alerts, rule
        state and launch point follow the survivor."""
        for rule in self.rules:
            rule.merge(absorbed, survivor)
        self._origin.merge(absorbed, survivor)
        if self._corroboration is not None:
            self._corroboration.merge(absorbed, survivor)
        self._last_seen.pop(absorbed, None)
        return self._book.merge(t, absorbed, survivor)

    def _forget(self, t: float) -> None:
        gone = [k for k, seen in self._last_seen.items() if t - seen > FORGET_AFTER_S]
        for track_id in gone:
            del self._last_seen[track_id]
            self._origin.forget(track_id)
        if self._corroboration is not None:
            self._corroboration.forget(gone)
        for rule in self.rules:
            rule.forget(gone)

    def _situation(
        self, t: float, identified: Sequence[Identified], evidence: Mapping[str, TrackEvidence]
    ) -> Situation:
        n = len(identified)
        tracks = [item.track for item in identified]
        enu = self._frame.geodetic_to_enu(
            [x.lat for x in tracks], [x.lon for x in tracks], [x.alt_m for x in tracks]
        ).reshape(n, 3)
        en = np.ascontiguousarray(enu[:, :2])
        alt = np.array([x.alt_m for x in tracks], dtype=np.float64)
        return Situation(
            t=t,
            tracks=tuple(identified),
            en=en,
            alt_m=alt,
            vel=np.array([x.vel_enu_mps for x in tracks], dtype=np.float64).reshape(n, 3),
            pos_sigma_m=np.array([x.pos_sigma_m for x in tracks], dtype=np.float64),
            vel_sigma_mps=np.array(
                [velocity_sigma(evidence.get(x.track_id)) for x in tracks], dtype=np.float64),
            zones=self._zones,
            zone_dist=self._zones.distance(en, alt),
            assets=tuple(self._assets.states(t)),
            protected=self._protected,
            open_keys=self._book.open_keys,
            age_s=np.array([t - ev.first_t if (ev := evidence.get(x.track_id)) else 0.0
                            for x in tracks], dtype=np.float64),
            min_age_s=self.min_age_s,
        )
