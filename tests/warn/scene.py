"""Small hand-built scenes for the warning tests: the example site, and straight or
hovering flights turned into identified tracks with evidence, instant by instant."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from skywarden.geo import LocalFrame
from skywarden.identify import Classification, Identified, SpoofFlag
from skywarden.model import Alert, SensorType, Site, TargetClass, TrackEvidence, TrackState
from skywarden.recording import site_from_dict
from skywarden.warn import Warner
from skywarden.warn.zones import project_lonlat
from tests.recordings import EXAMPLE_SITE

T0 = 1_767_261_600.0
SITE: Site = site_from_dict(EXAMPLE_SITE)
FRAME = LocalFrame(*SITE.origin)
HQ_EN = project_lonlat(FRAME, SITE.zones[0].polygon)
HQ_CENTRE = HQ_EN.mean(axis=0)
HQ_EAST_EDGE = float(HQ_EN[:, 0].max())
RADARS = frozenset(s.id for s in SITE.sensors if s.type is SensorType.RADAR)
ALT = 120.0
"""Flight altitude (m above the ellipsoid), between the zone's floor and ceiling."""


def site_with(**changes: object) -> Site:
    """The example site with some top-level keys of its file replaced."""
    return site_from_dict({**EXAMPLE_SITE, **changes})


@dataclass
class Flight:
    """One object flying a path ``en(t)`` (east-north metres) at constant altitude."""

    track_id: str
    path: Callable[[float], Sequence[float]]
    cls: TargetClass = TargetClass.DRONE
    dark: bool = True
    remote_id: str | None = None
    authorised: bool = False
    spoof: tuple[SpoofFlag, ...] = ()
    alt_m: float = ALT
    rf_hits: int = 0
    operator: tuple[float, float] | None = None
    start_t: float = T0 - 60.0
    """When the track was born: a minute before the scene starts, so that it is old
    enough to alert from the first update."""
    pos_sigma_m: float = 5.0
    clutter: float = 0.03
    """The classifier's probability that the track follows no object at all."""
    sources: tuple[str, ...] = ("radar-n", "eo-1")
    """The sensors that updated the track recently: a radar by default, so that it is
    ranged and may open alerts."""
    unmeasured_s: float = 0.0
    """How long before each instant a sensor last placed the track."""
    own_plots_ago: tuple[float, ...] = (2.0, 1.0, 0.0)
    """How long before the last placement (see ``unmeasured_s``) the track's own radar
    plots came, when a radar is among its sources: by default, scan after scan. Plots
    that another track contested (a ghost beside a drone, taking the drone's plots) are
    not its own."""
    rows: list[tuple[float, float, float, float, float, float, float]] = field(
        default_factory=list)
    radar_t: float | None = None
    """When a radar last plotted the track (kept while radars no longer do)."""

    def at(self, t: float) -> tuple[Identified, TrackEvidence]:
        """The identified track and its evidence at ``t`` (history grows with each call)."""
        e, n = self.path(t)
        e2, n2 = self.path(t + 0.5)
        e1, n1 = self.path(t - 0.5)
        vel = (float(e2 - e1), float(n2 - n1), 0.0)
        up = self.alt_m - SITE.origin[2]
        self.rows.append((t, float(e), float(n), up, *vel))
        lat, lon, alt = FRAME.enu_to_geodetic(np.array([e, n, up]))
        track = TrackState(
            t=t, track_id=self.track_id, lat=float(lat), lon=float(lon), alt_m=float(alt),
            vel_enu_mps=vel, pos_sigma_m=self.pos_sigma_m, cls=self.cls, class_conf=0.9,
            sources=self.sources,
            remote_id=self.remote_id, dark=self.dark,
        )
        if RADARS.intersection(self.sources):
            self.radar_t = t - self.unmeasured_s
        rest = (1.0 - self.clutter - 0.07, 0.04, 0.03, self.clutter)
        item = Identified(track, Classification(self.cls, 0.9, rest, (0.0, 0.0, 0.0, 0.0)),
                          authorised=self.authorised, spoof=self.spoof)
        evidence = TrackEvidence(
            track_id=self.track_id, first_t=self.start_t, last_update_t=t - self.unmeasured_s,
            ranged_t=tuple(sorted(t - self.unmeasured_s - ago for ago in self.own_plots_ago))
            if RADARS.intersection(self.sources) else (), radar_t=self.radar_t,
            history=tuple(self.rows[-60:]), sources=self.sources, remote_id=self.remote_id,
            rf_hits=self.rf_hits,
            operator_lat=None if self.operator is None else self.operator[0],
            operator_lon=None if self.operator is None else self.operator[1],
        )
        return item, evidence


def straight(start: Sequence[float], vel: Sequence[float], t0: float = T0
             ) -> Callable[[float], Sequence[float]]:
    """A path flown at constant velocity from ``start`` at ``t0``."""
    s, v = np.asarray(start, dtype=float), np.asarray(vel, dtype=float)
    return lambda t: s + v * (t - t0)


def still(point: Sequence[float]) -> Callable[[float], Sequence[float]]:
    """A hover at ``point``."""
    p = np.asarray(point, dtype=float)
    return lambda t: p


def run(warner: Warner, flights: Sequence[Flight], seconds: float, t0: float = T0,
        present: Callable[[Flight, float], bool] | None = None) -> list[Alert]:
    """Every alert line of ``seconds`` one-second updates of these flights."""
    out: list[Alert] = []
    for k in range(int(seconds) + 1):
        t = t0 + k
        here = [f for f in flights if present is None or present(f, t)]
        pairs = [f.at(t) for f in here]
        out += warner.update(t, [p[0] for p in pairs], {p[1].track_id: p[1] for p in pairs})
    return out


def lines(alerts: Sequence[Alert], rule: str | None = None) -> list[tuple[str, str, str]]:
    """``(alert_id, state, track_id)`` of each alert line, optionally of one rule."""
    return [(a.alert_id, a.state.value, a.track_id) for a in alerts
            if rule is None or a.rule == rule]
