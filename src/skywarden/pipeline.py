"""The processing chain from sensor reports to the air picture: track, identify, warn.

:class:`Pipeline` is the one object that both the batch command (``skywarden track``)
and the live service drive. Reports and position fixes go in as they arrive (late and
out of order is fine); :meth:`Pipeline.advance` moves the data clock to an instant and
returns the :class:`Picture` at that instant. :meth:`Pipeline.ready` yields the pictures
of every reporting instant (multiples of ``period_s``) that the reorder latency allows,
and :meth:`Pipeline.flush` the rest at the end of a recording.

When the tracker merges two tracks that follow one target, the identification and
warning stages hear of it before they look at the instant's tracks, so the absorbed
track's open alerts go on under the survivor (same alert id) rather than closing while
the survivor opens new ones.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from skywarden.model import (
    AdsbReport,
    Alert,
    PositionFix,
    RemoteIdReport,
    Report,
    Site,
    TrackEvidence,
    TrackState,
    Zone,
)
from skywarden.track.tracker import Tracker, TrackerConfig, TrackMerge

if TYPE_CHECKING:
    from skywarden.identify import Identifier
    from skywarden.ingest.cooperative import CooperativeDecoder
    from skywarden.warn import Warner

DEFAULT_LATENCY_S = 4.0
"""How long reports may trail the newest one and still be used on time."""


@dataclass(frozen=True, slots=True)
class Picture:
    """The air picture at one instant: confirmed tracks, their evidence, alerts, and the
    track merges made since the previous picture."""

    t: float
    tracks: list[TrackState]
    evidence: dict[str, TrackEvidence]
    alerts: list[Alert] = field(default_factory=list)
    merges: list[TrackMerge] = field(default_factory=list)


class Pipeline:
    """Tracks (then identifies and warns of) everything one site's sensors report."""

    def __init__(
        self,
        site: Site,
        period_s: float = 1.0,
        latency_s: float = DEFAULT_LATENCY_S,
        tracker_config: TrackerConfig | None = None,
    ) -> None:
        if period_s <= 0.0:
            raise ValueError(f"period must be positive, not {period_s}")
        self.site = site
        self.period_s = period_s
        self.latency_s = latency_s
        self.tracker = Tracker(site, tracker_config)
        self.clock = -math.inf
        """The newest measurement time seen: the data clock of arrivals."""
        self._earliest = math.inf
        """The oldest measurement time seen before the first picture: where pictures start."""
        self._next_instant: float | None = None

    # The later stages are built on first use, so that a run with nothing to decode,
    # identify or warn of (an empty recording) does not pay for importing them.

    @cached_property
    def decoder(self) -> CooperativeDecoder:
        """Remote ID and ADS-B frames to position fixes; counts what it rejects."""
        from skywarden.ingest.cooperative import CooperativeDecoder

        return CooperativeDecoder(self.site)

    @cached_property
    def identifier(self) -> Identifier:
        """Class, identity and dark flag of every track."""
        from skywarden.identify import Identifier

        return Identifier(self.site)

    @cached_property
    def warner(self) -> Warner:
        """Zones, assets, rules and the alert lifecycle."""
        from skywarden.warn import Warner

        return Warner(self.site)

    @property
    def cooperative_rejected(self) -> int:
        """Cooperative frames the decoder rejected (none when none came)."""
        return self.decoder.rejections.total if "decoder" in self.__dict__ else 0

    def feed(self, report: Report) -> None:
        """Take one sensor report as it arrives."""
        self._tick(report.t)
        if isinstance(report, RemoteIdReport | AdsbReport):
            for fix in self.decoder.feed(report):
                self.tracker.add(fix)
            return
        self.tracker.add(report)

    def feed_fix(self, fix: PositionFix) -> None:
        """Take one decoded position fix (Remote ID, ADS-B, or a geolocating sensor)."""
        self._tick(fix.t)
        self.tracker.add(fix)

    def _tick(self, t: float) -> None:
        self.clock = max(self.clock, t)
        self._earliest = min(self._earliest, t)

    def _upcoming(self) -> float | None:
        """The next reporting instant: the first multiple of the period at or after the
        oldest report, then one period after the last picture."""
        if self._next_instant is not None:
            return self._next_instant
        if math.isinf(self._earliest):
            return None
        return math.ceil(self._earliest / self.period_s) * self.period_s

    def set_zones(self, zones: tuple[Zone, ...]) -> None:
        """Warn about these protected zones from now on (an operator edited them live)."""
        self.site = dataclasses.replace(self.site, zones=zones)
        if "warner" in self.__dict__:
            self.warner.set_zones(zones)

    def advance(self, t: float) -> Picture:
        """Process everything up to data time ``t`` and return the picture there."""
        self.tracker.process_until(t)
        merges = self.tracker.take_merges()
        alerts = self._follow_merges(t, merges)
        tracks, evidence = self.tracker.snapshot(t)
        identified = self.identifier.update(t, tracks, evidence)
        alerts += self.warner.update(t, identified, evidence)
        return Picture(t=t, tracks=[item.track for item in identified], evidence=evidence,
                       alerts=alerts, merges=merges)

    def _follow_merges(self, t: float, merges: list[TrackMerge]) -> list[Alert]:
        """Hand each merge, in order, to identification and warning; the alert lines
        (dated ``t``, the instant being reported) of alerts that moved or closed."""
        alerts: list[Alert] = []
        for merge in merges:
            self.identifier.merge(merge.absorbed_id, merge.survivor_id)
            alerts += self.warner.merge(t, merge.absorbed_id, merge.survivor_id)
        return alerts

    def ready(self) -> Iterator[Picture]:
        """Pictures of the reporting instants that no report in time can still change."""
        while (upcoming := self._upcoming()) is not None and (
            upcoming + self.latency_s <= self.clock
        ):
            yield self._advance_instant(upcoming)

    def flush(self) -> Iterator[Picture]:
        """At the end of the input, pictures of the remaining instants up to the last
        report."""
        while (upcoming := self._upcoming()) is not None and upcoming <= self.clock:
            yield self._advance_instant(upcoming)

    def _advance_instant(self, instant: float) -> Picture:
        picture = self.advance(instant)
        # Instants are counted, not accumulated, so long runs do not drift.
        step = round(instant / self.period_s) + 1
        self._next_instant = step * self.period_s
        return picture
