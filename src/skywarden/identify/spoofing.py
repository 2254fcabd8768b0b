"""Remote ID spoofing checks: does what a drone broadcasts agree with what is sensed?

A Remote ID message is a claim. Three independent checks test it:

- ``inconsistent_position``: the track carries the serial and is seen by sensors, yet
  its broadcast positions lie outside the gate around the sensed positions;
- ``uncorroborated``: the track claims a position well inside the cover of a sensor
  that should see it (a radar within ``max_range_m``), and no such sensor ever has,
  for many seconds: bearings alone (cameras, RF) that happen to point that way do not
  place an object at the claimed range;
- ``impossible_kinematics``: the claimed positions jump faster, or the claimed
  velocity changes harder, than any drone can fly.

Each flag says why, with numbers, so that an operator can judge it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from skywarden.geo import LocalFrame
from skywarden.identify.coverage import RangingCover
from skywarden.model import FixSource, PositionFix, SensorType, Site, TrackEvidence, TrackState

NON_COOPERATIVE = frozenset(
    {SensorType.RADAR, SensorType.RF, SensorType.ACOUSTIC, SensorType.EO}
)
"""Sensors that see, hear or locate an object whatever it broadcasts."""


class SpoofKind(StrEnum):
    """Why a Remote ID is not believed."""

    INCONSISTENT = "inconsistent_position"
    UNCORROBORATED = "uncorroborated"
    IMPOSSIBLE = "impossible_kinematics"


@dataclass(frozen=True, slots=True)
class SpoofFlag:
    """One failed check: which, when it first failed and an operator-readable reason."""

    kind: SpoofKind
    t: float
    reason: str


@dataclass(frozen=True, slots=True)
class SpoofLimits:
    """Thresholds of the checks.

    A claim is inconsistent when it lies further than ``gate_sigma`` combined sigmas
    (and at least ``gate_floor_m``) from the sensed track, ``inconsistent_fixes``
    times in a row. It is uncorroborated when for ``uncorroborated_s`` it lies within
    ``coverage_fraction`` of the ``max_range_m`` of a sensor of ``corroborating``
    type and no sensor of that type has ever updated the track. Kinematics are
    impossible beyond ``max_speed_mps`` or ``max_accel_mps2``.
    """

    gate_sigma: float = 4.0
    gate_floor_m: float = 60.0
    track_sigma_m: float = 15.0
    inconsistent_fixes: int = 2
    uncorroborated_s: float = 20.0
    coverage_fraction: float = 0.8
    corroborating: frozenset[SensorType] = frozenset({SensorType.RADAR})
    max_speed_mps: float = 60.0
    max_accel_mps2: float = 30.0


@dataclass(slots=True)
class _Memory:
    """What the checks remember of one track between updates."""

    last_fix: PositionFix | None = None
    misses_in_row: int = 0
    covered_since: float | None = None
    flags: dict[SpoofKind, SpoofFlag] = field(default_factory=dict)


class SpoofChecker:
    """Runs the checks on every update and remembers the flags of each track."""

    def __init__(self, site: Site, frame: LocalFrame, limits: SpoofLimits | None = None) -> None:
        self.limits = limits or SpoofLimits()
        self._frame = frame
        self._cover = RangingCover(site, frame, self.limits.corroborating,
                                   self.limits.coverage_fraction)
        self._memory: dict[str, _Memory] = {}

    def check(self, t: float, track: TrackState, evidence: TrackEvidence) -> tuple[SpoofFlag, ...]:
        """All flags of this track so far (a flag, once raised, stays with the track)."""
        memory = self._memory.setdefault(track.track_id, _Memory())
        fixes = sorted(
            (f for f in evidence.fixes if f.source is FixSource.REMOTEID
             and (memory.last_fix is None or f.t > memory.last_fix.t)),
            key=lambda f: f.t,
        )
        if evidence.remote_id is not None or fixes:
            self._check_kinematics(memory, fixes)
            if not evidence.source_types & self.limits.corroborating:
                self._check_corroboration(t, memory, track)
            elif evidence.source_types & NON_COOPERATIVE:
                self._check_consistency(memory, fixes, track, evidence)
        if fixes:
            memory.last_fix = fixes[-1]
        return tuple(memory.flags[k] for k in SpoofKind if k in memory.flags)

    def merge(self, absorbed: str, survivor: str) -> None:
        """Carry the flags of a track that merged into another one."""
        gone = self._memory.pop(absorbed, None)
        if gone is None:
            return
        kept = self._memory.setdefault(survivor, _Memory())
        for kind, flag in gone.flags.items():
            kept.flags.setdefault(kind, flag)

    def forget(self, track_ids: Iterable[str]) -> None:
        """Drop what is remembered of tracks that no longer exist."""
        for track_id in track_ids:
            self._memory.pop(track_id, None)

    def _raise(self, memory: _Memory, kind: SpoofKind, t: float, reason: str) -> None:
        memory.flags.setdefault(kind, SpoofFlag(kind, t, reason))

    def _check_kinematics(self, memory: _Memory, fixes: list[PositionFix]) -> None:
        lim = self.limits
        chain = ([memory.last_fix] if memory.last_fix is not None else []) + fixes
        for fix in fixes:
            if fix.vel_enu_mps is not None:
                claimed = float(np.linalg.norm(fix.vel_enu_mps))
                if claimed > lim.max_speed_mps:
                    self._raise(memory, SpoofKind.IMPOSSIBLE, fix.t,
                                f"Remote ID claims a speed of {claimed:.0f} m/s "
                                f"(limit {lim.max_speed_mps:.0f} m/s)")
        if len(chain) < 2:
            return
        enu = self._frame.geodetic_to_enu(
            [f.lat for f in chain], [f.lon for f in chain], [f.alt_m for f in chain]
        )
        for i in range(1, len(chain)):
            a, b = chain[i - 1], chain[i]
            dt = b.t - a.t
            if dt <= 1e-3:
                continue
            jump = float(np.linalg.norm(enu[i, :2] - enu[i - 1, :2]))
            slack = 2.0 * (a.h_sigma_m + b.h_sigma_m)
            speed = max(jump - slack, 0.0) / dt
            if speed > lim.max_speed_mps:
                self._raise(memory, SpoofKind.IMPOSSIBLE, b.t,
                            f"Remote ID position jumped {jump:.0f} m in {dt:.1f} s "
                            f"({speed:.0f} m/s, limit {lim.max_speed_mps:.0f} m/s)")
            if a.vel_enu_mps is not None and b.vel_enu_mps is not None:
                accel = float(np.linalg.norm(np.subtract(b.vel_enu_mps, a.vel_enu_mps))) / dt
                if accel > lim.max_accel_mps2:
                    self._raise(memory, SpoofKind.IMPOSSIBLE, b.t,
                                f"Remote ID velocity changed at {accel:.0f} m/s² "
                                f"(limit {lim.max_accel_mps2:.0f} m/s²)")

    def _check_consistency(
        self, memory: _Memory, fixes: list[PositionFix], track: TrackState,
        evidence: TrackEvidence,
    ) -> None:
        if not fixes or len(evidence.history) == 0:
            return
        lim = self.limits
        rows = np.asarray(evidence.history, dtype=np.float64)
        enu = self._frame.geodetic_to_enu(
            [f.lat for f in fixes], [f.lon for f in fixes], [f.alt_m for f in fixes]
        ).reshape(-1, 3)
        track_sigma = max(track.pos_sigma_m, lim.track_sigma_m)
        for fix, claimed in zip(fixes, enu, strict=True):
            if not rows[0, 0] - 1.0 <= fix.t <= rows[-1, 0] + 1.0:
                continue
            sensed = np.array([np.interp(fix.t, rows[:, 0], rows[:, k]) for k in (1, 2)])
            miss = float(np.linalg.norm(claimed[:2] - sensed))
            gate = max(lim.gate_sigma * float(np.hypot(fix.h_sigma_m, track_sigma)),
                       lim.gate_floor_m)
            if miss <= gate:
                memory.misses_in_row = 0
                continue
            memory.misses_in_row += 1
            if memory.misses_in_row >= lim.inconsistent_fixes:
                self._raise(memory, SpoofKind.INCONSISTENT, fix.t,
                            f"Remote ID claims a position {miss:.0f} m from where sensors "
                            f"see the drone (gate {gate:.0f} m)")

    def _check_corroboration(self, t: float, memory: _Memory, track: TrackState) -> None:
        hit = self._cover.nearest(track.lat, track.lon, track.alt_m)
        if hit is None:
            memory.covered_since = None
            return
        if memory.covered_since is None:
            memory.covered_since = t
        waited = t - memory.covered_since
        if waited >= self.limits.uncorroborated_s:
            self._raise(memory, SpoofKind.UNCORROBORATED, t,
                        f"Remote ID claims a position {hit.range_m:.0f} m from {hit.sensor} "
                        f"(range {hit.reach_m / self.limits.coverage_fraction:.0f} m) "
                        f"but no radar has seen it there for {waited:.0f} s")
