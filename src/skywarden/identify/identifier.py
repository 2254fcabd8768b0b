"""The identification stage: complete every track with class, identity, darkness,
authorisation and spoofing flags."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from skywarden.geo import LocalFrame
from skywarden.identify.classify import Classification, Classifier, ClassModel
from skywarden.identify.cooperative import IdentityGate, shared_identities
from skywarden.identify.coverage import RangingCover
from skywarden.identify.features import kinematics
from skywarden.identify.spoofing import SpoofChecker, SpoofFlag, SpoofLimits
from skywarden.model import EMITTING_MIN_RF_HITS, Site, TargetClass, TrackEvidence, TrackState

FORGET_AFTER_S = 120.0
"""A track absent this long is forgotten (its memory of hover and flags is dropped)."""


def ground_altitude(site: Site) -> float:
    """The ground's height above the ellipsoid: the site's ``ground_alt_m`` when given,
    else the lowest sensor (sensors stand on the ground or on roofs, never below it)."""
    given = site.params.get("ground_alt_m")
    if given is not None:
        return float(given)
    return min((s.alt_m for s in site.sensors), default=0.0)


@dataclass(frozen=True, slots=True)
class Identified:
    """A track completed by identification.

    ``track`` carries class, confidence, Remote ID, ICAO address and ``dark``;
    ``authorised`` is true for a drone whose (unspoofed) serial the site allows;
    ``spoof`` lists the reasons its Remote ID is not believed; ``classification``
    holds every class probability.
    """

    track: TrackState
    classification: Classification
    authorised: bool = False
    spoof: tuple[SpoofFlag, ...] = ()
    callsign: str | None = None

    @property
    def track_id(self) -> str:
        """The track's id."""
        return self.track.track_id


@dataclass(slots=True)
class _Memory:
    last_seen_t: float
    longest_hover_s: float = 0.0
    unranged_since: float | None = None
    reported: TargetClass = TargetClass.UNKNOWN
    shared: Identified | None = None
    """The Remote ID track whose identity this track took on, once linked."""


@dataclass
class Identifier:
    """Identifies the tracks of one site, update after update.

    A dark drone track that follows a track carrying a trusted Remote ID shares its
    identity (:mod:`skywarden.identify.cooperative`). It remembers, per track, the
    longest hover seen, how long the track has gone unseen by radar inside radar
    cover, and the spoofing flags raised, so that a drone that hovered stays a drone
    and a Remote ID caught lying stays flagged.
    """

    site: Site
    model: ClassModel | None = None
    limits: SpoofLimits | None = None
    gate: IdentityGate = field(default_factory=IdentityGate)
    _frame: LocalFrame = field(init=False, repr=False)
    _ground_up_m: float = field(init=False, repr=False)
    _classifier: Classifier = field(init=False, repr=False)
    _spoof: SpoofChecker = field(init=False, repr=False)
    _cover: RangingCover = field(init=False, repr=False)
    _authorised: frozenset[str] = field(init=False, repr=False)
    _memory: dict[str, _Memory] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self._frame = LocalFrame(*self.site.origin)
        self._ground_up_m = ground_altitude(self.site) - self.site.origin[2]
        self._classifier = Classifier(self.model)
        self._spoof = SpoofChecker(self.site, self._frame, self.limits)
        self._cover = RangingCover(self.site, self._frame)
        self._authorised = frozenset(a.remote_id for a in self.site.authorised)

    def update(
        self, t: float, tracks: Sequence[TrackState], evidence: Mapping[str, TrackEvidence]
    ) -> list[Identified]:
        """Identify every track of one reporting instant, in the order given."""
        out = [self._identify(t, track, evidence.get(track.track_id)) for track in tracks]
        out = self._share_identities(out)
        stale = [k for k, m in self._memory.items() if t - m.last_seen_t > FORGET_AFTER_S]
        for track_id in stale:
            del self._memory[track_id]
        self._spoof.forget(stale)
        return out

    def _share_identities(self, items: list[Identified]) -> list[Identified]:
        """Give a dark drone track the identity of the Remote ID track it follows."""
        carriers = [k for k, i in enumerate(items) if i.track.remote_id and not i.spoof]
        candidates = [k for k, i in enumerate(items)
                      if i.track.cls is TargetClass.DRONE and i.track.remote_id is None]
        links = shared_identities(self._frame, [i.track for i in items], carriers,
                                  candidates, self.gate)
        for k in candidates:
            memory = self._memory[items[k].track_id]
            if k in links:
                memory.shared = items[links[k]]
            source = memory.shared
            if source is None:
                continue
            items[k] = dataclasses.replace(
                items[k],
                track=dataclasses.replace(items[k].track, remote_id=source.track.remote_id,
                                          dark=False, authorised=source.authorised),
                authorised=source.authorised,
                callsign=items[k].callsign or source.callsign,
            )
        return items

    def merge(self, absorbed: str, survivor: str) -> None:
        """Carry what is known of track ``absorbed`` over to ``survivor`` it merged into."""
        gone = self._memory.pop(absorbed, None)
        if gone is not None:
            kept = self._memory.setdefault(survivor, _Memory(gone.last_seen_t))
            kept.longest_hover_s = max(kept.longest_hover_s, gone.longest_hover_s)
            kept.shared = kept.shared or gone.shared
        self._spoof.merge(absorbed, survivor)

    def _unranged_s(
        self, t: float, track: TrackState, evidence: TrackEvidence, memory: _Memory
    ) -> float:
        """Seconds the track has now spent in radar cover with no radar update ever."""
        if evidence.source_types & self._cover.ranging or self._cover.nearest(
            track.lat, track.lon, track.alt_m
        ) is None:
            memory.unranged_since = None
            return 0.0
        if memory.unranged_since is None:
            memory.unranged_since = t
        return t - memory.unranged_since

    def _identify(
        self, t: float, track: TrackState, evidence: TrackEvidence | None
    ) -> Identified:
        if evidence is None:
            evidence = TrackEvidence(track.track_id, track.t, track.t, ())
        memory = self._memory.setdefault(track.track_id, _Memory(t))
        memory.last_seen_t = t
        memory.longest_hover_s = max(memory.longest_hover_s, evidence.hover_s)
        remote_id = evidence.remote_id or track.remote_id
        icao = evidence.icao or track.icao
        spoof = self._spoof.check(t, track, evidence) if remote_id is not None else ()
        trusted = remote_id is not None and not spoof
        kin = kinematics(evidence.history, self._ground_up_m)
        scores = self._classifier.scores(
            kin, dataclasses.replace(evidence, icao=icao), memory.longest_hover_s, trusted,
            self._unranged_s(t, track, evidence, memory),
        )
        result = self._classifier.decide(scores, memory.reported)
        memory.reported = result.cls
        dark = (result.cls is TargetClass.DRONE and evidence.rf_recent < EMITTING_MIN_RF_HITS
                and remote_id is None)
        authorised = trusted and remote_id in self._authorised
        completed = dataclasses.replace(
            track, cls=result.cls, class_conf=round(result.conf, 3),
            remote_id=remote_id, icao=icao, dark=dark, authorised=authorised,
            spoof=tuple(f"{flag.kind.value}: {flag.reason}" for flag in spoof),
        )
        return Identified(
            track=completed,
            classification=result,
            authorised=authorised,
            spoof=spoof,
            callsign=evidence.callsign,
        )
