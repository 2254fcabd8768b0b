"""The air picture at one instant, prepared once for every rule to read.

Positions are projected into the site's east-north metres, distances to every zone
computed in one vectorised pass, assets placed, and each track given the words an
operator reads ("Dark drone", "Drone 1581F5FJD22A00000001").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from skywarden.identify import Identified, SpoofKind
from skywarden.model import TargetClass
from skywarden.warn.assets import AssetState
from skywarden.warn.zones import ZoneMap

FloatArray = NDArray[np.float64]


def natural_key(track_id: str) -> tuple[str, int, str]:
    """Sort key that puts ``T2`` before ``T10``."""
    match = re.match(r"^(\D*)(\d+)(.*)$", track_id)
    if match is None:
        return (track_id, -1, "")
    return (match.group(1), int(match.group(2)), match.group(3))


def describe(item: Identified) -> str:
    """How an operator is told what a track is, in a few words."""
    track = item.track
    if item.spoof and track.remote_id is not None:
        return f"Drone claiming Remote ID {track.remote_id}"
    if track.cls is TargetClass.DRONE:
        if track.dark:
            return "Dark drone"
        if track.remote_id is not None:
            return f"Drone {track.remote_id}"
        return "Drone"
    if track.cls is TargetClass.UNKNOWN:
        return "Unidentified object"
    return track.cls.value.capitalize()


@dataclass(frozen=True, slots=True)
class AlertKey:
    """What one alert is about: a track, a rule and at most one zone or asset."""

    track_id: str
    rule: str
    zone: str | None = None
    asset: str | None = None


@dataclass(frozen=True)
class Situation:
    """Everything the rules need at time ``t``.

    Row ``i`` of every array belongs to ``tracks[i]``: ``en`` east-north metres,
    ``alt_m`` altitude, ``vel`` ENU velocity, ``pos_sigma_m`` and ``vel_sigma_mps``
    the uncertainties, ``zone_dist`` the 3-D distance to each zone volume (zero
    inside), ``age_s`` how long each track has existed. ``protected`` is the site's
    protected area (``None``: everywhere the sensors see). ``open_keys`` are the
    alerts open before this update, so that rules can keep an open alert alive on
    looser terms than those that opened it.
    """

    t: float
    tracks: tuple[Identified, ...]
    en: FloatArray
    alt_m: FloatArray
    vel: FloatArray
    pos_sigma_m: FloatArray
    vel_sigma_mps: FloatArray
    zones: ZoneMap
    zone_dist: FloatArray
    assets: tuple[AssetState, ...]
    protected: shapely.Geometry | None
    open_keys: frozenset[AlertKey]
    age_s: FloatArray
    min_age_s: float = 0.0

    def eligible(self, classes: frozenset[TargetClass]) -> list[int]:
        """Rows of tracks of these classes, at least ``min_age_s`` old, that are not
        authorised and whose position is not a broadcast claim that no radar
        corroborates (that one raises the spoofing alert alone: warning of where a
        spoofer says it is would mislead)."""
        return [i for i, item in enumerate(self.tracks)
                if item.track.cls in classes and not item.authorised
                and self.age_s[i] >= self.min_age_s
                and not any(f.kind is SpoofKind.UNCORROBORATED for f in item.spoof)]

    def is_open(self, key: AlertKey) -> bool:
        """Whether an alert with this key was open before this update."""
        return key in self.open_keys
