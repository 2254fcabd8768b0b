"""A stand-in pipeline for the service tests: it records what it is fed and reports
each object it has a position for as a track, so that the service's layers can be
tested without the tracker."""

from __future__ import annotations

from dataclasses import dataclass, field

from skywarden.geo import LocalFrame, aer_to_enu
from skywarden.model import (
    Alert,
    AlertState,
    PositionFix,
    RadarReport,
    Report,
    Severity,
    Site,
    TargetClass,
    TrackState,
    Zone,
)


@dataclass
class Picture:
    """The shape of ``skywarden.pipeline.Picture`` that the runtime reads."""

    t: float
    tracks: list[TrackState]
    alerts: list[Alert]


@dataclass
class EchoPipeline:
    """Tracks are the latest position of each object; the first track raises an alert."""

    site: Site
    reports: list[Report] = field(default_factory=list)
    fixes: list[PositionFix] = field(default_factory=list)
    positions: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)
    alert_open: bool = False
    track_ids: dict[str, str] = field(default_factory=dict)
    instants: list[float] = field(default_factory=list)
    zones: tuple[Zone, ...] = ()
    """The zones the service last told the pipeline to watch."""

    def _track_id(self, key: str) -> str:
        return self.track_ids.setdefault(key, f"T{len(self.track_ids) + 1}")

    def feed(self, report: Report) -> None:
        sensor = self.site.sensor(report.sensor)
        self.reports.append(report)
        if isinstance(report, RadarReport):
            enu = aer_to_enu(report.az_deg, report.el_deg, report.range_m)
            lat, lon, alt = LocalFrame(sensor.lat, sensor.lon, sensor.alt_m).enu_to_geodetic(enu)
            self.positions[f"{report.sensor}"] = (report.t, float(lat), float(lon), float(alt))

    def feed_fix(self, fix: PositionFix) -> None:
        self.fixes.append(fix)
        self.positions[fix.object_id or fix.sensor] = (fix.t, fix.lat, fix.lon, fix.alt_m)

    def set_zones(self, zones: tuple[Zone, ...]) -> None:
        self.zones = zones

    def advance(self, t: float) -> Picture:
        self.instants.append(t)
        tracks = [
            TrackState(t=t, track_id=self._track_id(key), lat=lat, lon=lon, alt_m=alt,
                       vel_enu_mps=(1.0, 0.0, 0.0), pos_sigma_m=5.0, cls=TargetClass.DRONE,
                       class_conf=0.9, sources=("radar-n",), dark=True)
            for key, (_, lat, lon, alt) in sorted(self.positions.items())
        ]
        alerts = []
        if tracks:
            first = tracks[0]
            alerts.append(Alert(
                t=t, alert_id="A1", state=AlertState.UPDATE if self.alert_open else AlertState.OPEN,
                rule="zone_entry", severity=Severity.HIGH, track_id=first.track_id,
                message="Dark drone entered Ministry compound", lat=first.lat, lon=first.lon,
                alt_m=first.alt_m, zone="hq"))
            self.alert_open = True
        return Picture(t, tracks, alerts)
