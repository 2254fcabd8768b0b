"""Which tracks have shown enough of an object to open an alert of their own.

On a busy sky the tracker also reports tracks that follow no object: ghosts where
camera, acoustic and RF bearings of different drones cross, and second tracks on one
drone. They pick up the drone's camera votes, rotor tone and RF hits, so they are
classified as drones, and every drone rule would alarm on them. Measured on the
``capital`` scenario, such tracks open most of their alerts at moments when no radar
has updated them for seconds, while the tracks of real drones within radar cover are
ranged on most updates. So a track may open an alert only while it is *ranged*:

- a ranging sensor (a radar) placed it scan after scan lately, with plots of its own:
  ``min_ranged_plots`` within ``ranged_within_s`` of one another, the latest within
  ``ranged_within_s`` of now. A plot that another track could as well have explained
  is not its own (a ghost beside a drone takes the drone's plots now and then), and
  one or two plots are not enough (a ghost of bearings, tens of metres uncertain,
  catches a stray false plot once in a while; a fixed return at the edge of a clutter
  cell leaks through the MTI a scan here and there);
- or it lies outside every radar's cover, where nothing could;
- or a trusted Remote ID or ADS-B broadcast updated it within that window (its
  position is then the drone's own broadcast; a track that carried a serial once
  and has since drifted off the broadcaster vouches for nothing);
- or it moves too slowly for a radar's moving-target filter to see it (a hovering
  drone), was ranged within the last ``hover_memory_s``, a radar's latest plot of it
  (its own or contested) placed it within ``hover_reach_m`` of where it is now, and
  at least two sensors hold it now (a ghost of bearings stands still just as well,
  but is seldom ranged for long; one camera alone places a still object only on a
  line). A drone comes to a hover where the radar last saw it, since the radar sees
  it for as long as it moves; a track that lost its drone and settled where lines of
  sight cross has moved, unseen, since its last plot;

and only while some sensor placed it in the last ``max_unmeasured_s`` (a radar-only
track that the radar has missed for several scans is a prediction, not a measurement:
a fixed return leaking through the MTI now and then looks like a hovering drone
between its leaks); and only while its position is known to within ``max_sigma_m``:
the ghosts that a radar plot happens to update are mostly coasting, tens to
hundreds of metres uncertain, where the tracks of real drones are measured to a few
metres; and only while the classifier gives at most ``max_clutter`` to the track
following no object at all (identification keeps a class with hysteresis, so a drone track may go on
being reported a drone while clutter has become nearly as likely).

A gated track keeps the alerts it already has open (its firings still hold them) but
opens none; spoofing alerts are about a broadcast, not a track, and are never gated.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import LocalFrame
from skywarden.identify import Identified
from skywarden.identify.classify import CLUTTER
from skywarden.identify.coverage import RangingCover
from skywarden.model import SensorType, Site, TrackEvidence

BROADCASTS = frozenset({SensorType.REMOTEID, SensorType.ADSB})
"""Receivers of positions that drones and aircraft broadcast of themselves."""


@dataclass(frozen=True, slots=True)
class CorroborationLimits:
    """How the gate is set.

    ``slow_mps``: below this horizontal speed a radar's moving-target filter may not
    see a drone, so a track ranged within ``hover_memory_s``, that a radar last saw
    within ``hover_reach_m`` (horizontally) of where it is now, may go on opening
    alerts without radar.
    ``max_sigma_m``: a track whose 1-sigma horizontal position uncertainty has grown
    past this is coasting on its predictions, not measured, whatever its sources say.
    ``hover_min_sensors``: sensors that must hold a hovering track unseen by radar.
    ``max_unmeasured_s``: longest time since a sensor last placed the track (a radar
    plot, a fix, or a bearing with elevation).
    ``min_ranged_plots``, ``ranged_within_s``: how many of the track's own radar plots
    must have come within how long of one another, the latest within as long of now,
    for it to count as ranged.
    ``max_clutter``: the highest probability that the track follows no object at all
    (:data:`~skywarden.identify.classify.CLUTTER`) at which it may open an alert.
    """

    slow_mps: float = 2.0
    max_sigma_m: float = 35.0
    max_clutter: float = 0.3
    hover_memory_s: float = 30.0
    hover_reach_m: float = 30.0
    hover_min_sensors: int = 2
    max_unmeasured_s: float = 2.5
    ranged_within_s: float = 5.0
    min_ranged_plots: int = 3


DEFAULT_LIMITS = CorroborationLimits()


class Corroboration:
    """Decides, instant by instant, which tracks may open alerts."""

    def __init__(self, site: Site, frame: LocalFrame,
                 limits: CorroborationLimits | None = None) -> None:
        self.limits = limits or CorroborationLimits()
        self._frame = frame
        self._cover = RangingCover(site, frame)
        self._broadcast_ids = frozenset(s.id for s in site.sensors if s.type in BROADCASTS)
        self._last_ranged: dict[str, float] = {}

    def may_open(
        self,
        t: float,
        identified: Sequence[Identified],
        evidence: Mapping[str, TrackEvidence],
        vel: NDArray[np.float64],
    ) -> NDArray[np.bool_]:
        """Per track (rows of ``identified``, ``vel`` their ENU velocities): whether
        it may open an alert now."""
        if not identified:
            return np.zeros(0, dtype=bool)
        tracks = [item.track for item in identified]
        enu = self._frame.geodetic_to_enu(
            [x.lat for x in tracks], [x.lon for x in tracks], [x.alt_m for x in tracks]
        ).reshape(-1, 3)
        covered = self._cover.covers(enu)
        slow = np.hypot(vel[:, 0], vel[:, 1]) < self.limits.slow_mps
        out = ~covered
        for k, item in enumerate(identified):
            ev = evidence.get(item.track_id)
            east, north = float(enu[k, 0]), float(enu[k, 1])
            if ev is not None and self._ranged(t, ev):
                self._last_ranged[item.track_id] = t
                out[k] = True
            else:
                broadcast = (item.track.remote_id is not None and not item.spoof
                             and ev is not None
                             and bool(self._broadcast_ids.intersection(ev.sources)))
                hovering = (bool(slow[k]) and ev is not None
                            and len(item.track.sources) >= self.limits.hover_min_sensors
                            and self._hovers_where_ranged(t, ev, east, north))
                out[k] = out[k] or broadcast or hovering
        sigma = np.array([x.pos_sigma_m for x in tracks], dtype=np.float64)
        clutter = np.array([item.classification.probs[CLUTTER] for item in identified])
        measured = np.array([
            (ev := evidence.get(item.track_id)) is None
            or t - ev.last_update_t <= self.limits.max_unmeasured_s
            for item in identified
        ])
        return (out & measured & (sigma <= self.limits.max_sigma_m)
                & (clutter <= self.limits.max_clutter))

    def _ranged(self, t: float, evidence: TrackEvidence) -> bool:
        """Whether the track's own radar plots came scan after scan lately: its last
        ``min_ranged_plots`` within ``ranged_within_s`` of one another, the latest
        within ``ranged_within_s`` of ``t``."""
        limits = self.limits
        latest = sorted(evidence.ranged_t)[-limits.min_ranged_plots:]
        return (len(latest) >= limits.min_ranged_plots
                and t - latest[-1] <= limits.ranged_within_s
                and latest[-1] - latest[0] <= limits.ranged_within_s)

    def _hovers_where_ranged(self, t: float, evidence: TrackEvidence, east: float,
                             north: float) -> bool:
        """Whether the track was ranged lately, and a radar last saw it near where it
        is now."""
        limits = self.limits
        if t - self._last_ranged.get(evidence.track_id, -math.inf) > limits.hover_memory_s:
            return False
        if evidence.radar_t is None:
            return True
        seen_east, seen_north = _seen_at(evidence, evidence.radar_t, (east, north))
        return math.hypot(east - seen_east, north - seen_north) <= limits.hover_reach_m

    def forget(self, track_ids: Iterable[str]) -> None:
        """Drop what is remembered of tracks that no longer exist."""
        for track_id in track_ids:
            self._last_ranged.pop(track_id, None)

    def merge(self, absorbed: str, survivor: str) -> None:
        """A track merged into another: the survivor has been ranged if either was."""
        gone = self._last_ranged.pop(absorbed, None)
        if gone is not None:
            self._last_ranged[survivor] = max(gone, self._last_ranged.get(survivor, gone))


def _seen_at(evidence: TrackEvidence, t: float,
             otherwise: tuple[float, float]) -> tuple[float, float]:
    """Where (east, north) the track's history has it at ``t``: the first snapshot
    at or after it. ``otherwise`` when the history has none."""
    seen = otherwise
    for row in reversed(evidence.history):
        if row[0] < t:
            break
        seen = (row[1], row[2])
    return seen
