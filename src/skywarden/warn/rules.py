"""Warning rules: each looks at the situation and says which alerts should be on.

A rule returns :class:`Firing` objects. A *strict* firing may open an alert; a
*holding* one only keeps an already open alert alive, on looser terms (a margin past
a zone's edge, a slightly larger radius): this geometric hysteresis, with the alert
book's clearing delay, keeps a drone on a boundary from flapping. Every rule has a
severity and parameters that a site can set (:func:`rules_from_config`); every rule
but the spoofing one looks only at tracks of its ``classes`` (drones by default), so
birds and aircraft never raise drone alerts, and never at authorised drones.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from skywarden.model import Severity, TargetClass
from skywarden.warn.situation import AlertKey, Situation, describe, natural_key

DRONES = frozenset({TargetClass.DRONE})


@dataclass(frozen=True, slots=True)
class Firing:
    """A rule's verdict on one alert key at one instant."""

    key: AlertKey
    severity: Severity
    message: str
    strict: bool = True
    clear_after_s: float | None = None
    """How long the alert stays open once no longer fired; ``None``: the book's."""


@dataclass
class Rule(ABC):
    """Base of every rule: a name, a severity, the classes of track it watches and,
    optionally, its own clearing delay (seconds an alert stays open once the rule no
    longer fires; ``None`` takes the alert book's)."""

    name: ClassVar[str] = "rule"
    severity: Severity = Severity.MEDIUM
    classes: frozenset[TargetClass] = DRONES
    clear_after_s: float | None = None

    @abstractmethod
    def evaluate(self, s: Situation) -> list[Firing]:
        """The firings of this rule in situation ``s``."""

    def merge(self, absorbed: str, survivor: str) -> None:
        """Carry per-track state over when track ``absorbed`` merges into ``survivor``;
        rules without state have nothing to carry."""
        return

    def forget(self, track_ids: Iterable[str]) -> None:
        """Drop per-track state of tracks that no longer exist; rules without state
        have nothing to drop."""
        return

    def _fire(self, key: AlertKey, message: str, strict: bool = True) -> Firing:
        return Firing(key, self.severity, message, strict, self.clear_after_s)


@dataclass
class ZoneEntry(Rule):
    """A track inside a zone's polygon between its floor and ceiling. An open alert
    holds until the track is more than ``exit_margin_m`` plus its position
    uncertainty outside."""

    name: ClassVar[str] = "zone_entry"
    severity: Severity = Severity.HIGH
    exit_margin_m: float = 15.0

    def evaluate(self, s: Situation) -> list[Firing]:
        out = []
        for i in s.eligible(self.classes):
            label = describe(s.tracks[i])
            for j, shape in enumerate(s.zones.shapes):
                key = AlertKey(s.tracks[i].track_id, self.name, zone=shape.zone.id)
                d = float(s.zone_dist[i, j])
                message = f"{label} entered {shape.zone.name}"
                if d <= 0.0:
                    out.append(self._fire(key, message))
                elif s.is_open(key) and d <= self.exit_margin_m + float(s.pos_sigma_m[i]):
                    out.append(self._fire(key, message, strict=False))
        return out


@dataclass
class PredictedEntry(Rule):
    """A moving track that, flown on at its velocity within ``n_sigma`` of its
    uncertainty, could be inside a zone within ``horizon_s``. An open alert holds
    while entry stays possible within ``hold_factor`` times the horizon, and clears
    only after ``clear_after_s`` without a prediction: a drone circling a zone, whose
    heading points in and out by turns, keeps one alert."""

    name: ClassVar[str] = "predicted_entry"
    severity: Severity = Severity.MEDIUM
    clear_after_s: float | None = 20.0
    horizon_s: float = 60.0
    n_sigma: float = 2.0
    min_speed_mps: float = 1.0
    step_s: float = 1.0
    hold_factor: float = 1.25

    def evaluate(self, s: Situation) -> list[Firing]:
        rows = [i for i in s.eligible(self.classes)
                if float(np.hypot(*s.vel[i, :2])) >= self.min_speed_mps]
        if not rows or len(s.zones) == 0:
            return []
        idx = np.array(rows)
        tte = s.zones.time_to_entry(
            s.en[idx], s.alt_m[idx], s.vel[idx], s.pos_sigma_m[idx], s.vel_sigma_mps[idx],
            self.horizon_s * self.hold_factor, self.step_s, self.n_sigma,
        )
        out = []
        for r, i in enumerate(rows):
            label = describe(s.tracks[i])
            for j, shape in enumerate(s.zones.shapes):
                if s.zone_dist[i, j] <= 0.0 or not np.isfinite(tte[r, j]):
                    continue
                key = AlertKey(s.tracks[i].track_id, self.name, zone=shape.zone.id)
                message = (f"{label} heading for {shape.zone.name}, "
                           f"could enter in {tte[r, j]:.0f} s")
                if tte[r, j] <= self.horizon_s:
                    out.append(self._fire(key, message))
                elif s.is_open(key):
                    out.append(self._fire(key, message, strict=False))
        return out


def time_to_radius(rel: np.ndarray, rel_v: np.ndarray, radius_m: float) -> float:
    """Seconds until an object at relative position ``rel`` moving at relative
    velocity ``rel_v`` first comes within ``radius_m``; 0 inside, ``inf`` never."""
    c = float(rel @ rel) - radius_m * radius_m
    if c <= 0.0:
        return 0.0
    a = float(rel_v @ rel_v)
    b = 2.0 * float(rel @ rel_v)
    disc = b * b - 4.0 * a * c
    if a < 1e-9 or disc < 0.0 or b >= 0.0:
        return float("inf")
    return (-b - float(np.sqrt(disc))) / (2.0 * a)


@dataclass
class AssetApproach(Rule):
    """A track within ``radius_m`` of a moving asset (the asset's own protection
    radius when ``None``), or on a course relative to the asset that brings it that
    close within ``horizon_s``. Open alerts hold out to ``hold_factor`` times the
    radius and horizon."""

    name: ClassVar[str] = "asset_approach"
    severity: Severity = Severity.HIGH
    radius_m: float | None = None
    horizon_s: float = 30.0
    hold_factor: float = 1.2

    def evaluate(self, s: Situation) -> list[Firing]:
        out = []
        rows = s.eligible(self.classes)
        for state in s.assets:
            asset = state.asset
            radius = self.radius_m if self.radius_m is not None else asset.radius_m
            for i in rows:
                key = AlertKey(s.tracks[i].track_id, self.name, asset=asset.id)
                label = describe(s.tracks[i])
                rel = s.en[i] - state.en
                rel_v = s.vel[i, :2] - state.vel_en
                dist = float(np.linalg.norm(rel))
                for scale, strict in ((1.0, True), (self.hold_factor, False)):
                    if not strict and not s.is_open(key):
                        break
                    r = radius * scale
                    reach = time_to_radius(rel, rel_v, r)
                    if dist <= r:
                        message = f"{label} within {dist:.0f} m of {asset.name}"
                    elif reach <= self.horizon_s * scale:
                        message = (f"{label} closing on {asset.name}: within {radius:.0f} m "
                                   f"in {reach:.0f} s")
                    else:
                        continue
                    out.append(self._fire(key, message, strict))
                    break
        return out


@dataclass
class Loiter(Rule):
    """A track that stays within ``radius_m`` of a zone or an asset for ``dwell_s``,
    hovering or circling: its path over the dwell must not be a straight pass (net
    displacement above ``max_straightness`` of the path flown and above
    ``hover_drift_m``), so that a drone flying by is not said to loiter. Leaving for
    less than ``gap_s`` does not restart the count; an open alert holds out to
    ``hold_factor`` times the radius."""

    name: ClassVar[str] = "loiter"
    severity: Severity = Severity.MEDIUM
    radius_m: float = 150.0
    dwell_s: float = 30.0
    gap_s: float = 5.0
    hover_mps: float = 1.0
    hold_factor: float = 1.2
    max_straightness: float = 0.7
    hover_drift_m: float = 30.0
    _since: dict[AlertKey, float] = field(default_factory=dict, repr=False)
    _last_near: dict[AlertKey, float] = field(default_factory=dict, repr=False)
    _trail: dict[str, list[tuple[float, float, float]]] = field(default_factory=dict,
                                                                repr=False)

    def evaluate(self, s: Situation) -> list[Firing]:
        out: list[Firing] = []
        rows = s.eligible(self.classes)
        if not rows:
            return out
        idx = np.array(rows)
        places: list[tuple[str | None, str | None, str]] = [
            (shape.zone.id, None, shape.zone.name) for shape in s.zones.shapes]
        places += [(None, a.asset.id, a.asset.name) for a in s.assets]
        dist = np.column_stack([
            s.zones.horizontal_distance(s.en[idx]),
            *[np.linalg.norm(s.en[idx] - a.en, axis=1) for a in s.assets],
        ]) if places else np.empty((len(rows), 0))
        tracked = {k.track_id for k in self._since} | {k.track_id for k in s.open_keys
                                                          if k.rule == self.name}
        for r, i in enumerate(rows):
            track_id = s.tracks[i].track_id
            trail = self._trail.setdefault(track_id, [])
            trail.append((s.t, float(s.en[i, 0]), float(s.en[i, 1])))
            while trail[0][0] < s.t - self.dwell_s:
                trail.pop(0)
            if track_id not in tracked and not np.any(dist[r] <= self.radius_m):
                continue
            verb = "hovering" if float(np.hypot(*s.vel[i, :2])) < self.hover_mps else "loitering"
            for j, (zone, asset, place) in enumerate(places):
                key = AlertKey(track_id, self.name, zone=zone, asset=asset)
                d = float(dist[r, j])
                if d <= self.radius_m:
                    self._since.setdefault(key, s.t)
                    self._last_near[key] = s.t
                elif s.t - self._last_near.get(key, -np.inf) > self.gap_s:
                    self._since.pop(key, None)
                    self._last_near.pop(key, None)
                since = self._since.get(key)
                is_open = s.is_open(key)
                due = since is not None and s.t - since >= self.dwell_s and d <= self.radius_m
                if not due and not (is_open and d <= self.radius_m * self.hold_factor):
                    continue
                message = (f"{describe(s.tracks[i])} {verb} within {self.radius_m:.0f} m "
                           f"of {place} for {s.t - (since or s.t):.0f} s")
                if due and self._lingering(trail):
                    out.append(self._fire(key, message))
                elif is_open and d <= self.radius_m * self.hold_factor:
                    out.append(self._fire(key, message, strict=False))
        return out

    def _lingering(self, trail: list[tuple[float, float, float]]) -> bool:
        """Whether a trail of ``(t, east, north)`` hovers or circles rather than passes."""
        pts = np.array([(e, n) for _, e, n in trail])
        net = float(np.linalg.norm(pts[-1] - pts[0]))
        flown = float(np.sum(np.linalg.norm(np.diff(pts, axis=0), axis=1)))
        return net <= self.hover_drift_m or net <= self.max_straightness * flown

    def merge(self, absorbed: str, survivor: str) -> None:
        trail = self._trail.pop(absorbed, None)
        if trail is not None:
            self._trail[survivor] = sorted(self._trail.get(survivor, []) + trail)
        for key in [k for k in self._since if k.track_id == absorbed]:
            moved = dataclasses.replace(key, track_id=survivor)
            since = self._since.pop(key)
            self._since[moved] = min(since, self._since.get(moved, since))
            self._last_near[moved] = max(self._last_near.pop(key, since),
                                         self._last_near.get(moved, since))

    def forget(self, track_ids: Iterable[str]) -> None:
        gone = set(track_ids)
        for track_id in gone:
            self._trail.pop(track_id, None)
        for table in (self._since, self._last_near):
            for key in [k for k in table if k.track_id in gone]:
                del table[key]


@dataclass
class DarkDrone(Rule):
    """A dark drone (no RF heard, no Remote ID) anywhere in the protected area."""

    name: ClassVar[str] = "dark_drone"
    severity: Severity = Severity.MEDIUM

    def evaluate(self, s: Situation) -> list[Firing]:
        out = []
        for i in s.eligible(self.classes):
            if not s.tracks[i].track.dark:
                continue
            if s.protected is not None and not shapely.contains_xy(
                s.protected, s.en[i, 0], s.en[i, 1]
            ):
                continue
            key = AlertKey(s.tracks[i].track_id, self.name)
            out.append(self._fire(key, f"Dark drone in the protected area{_nearest(s, i)}"))
        return out


def _nearest(s: Situation, i: int) -> str:
    """", 420 m from Ministry compound" for the nearest zone, or nothing."""
    if len(s.zones) == 0:
        return ""
    j = int(np.argmin(s.zone_dist[i]))
    d = float(s.zone_dist[i, j])
    name = s.zones.shapes[j].zone.name
    return f", over {name}" if d <= 0.0 else f", {d:.0f} m from {name}"


def drone_groups(points: np.ndarray, radius_m: float, min_size: int) -> list[list[int]]:
    """Groups of at least ``min_size`` points linked by distances of at most
    ``radius_m`` (single linkage: the connected components of the proximity graph),
    each sorted, found with a k-d tree and a sparse graph in O(n log n)."""
    n = len(points)
    if n < min_size:
        return []
    pairs = cKDTree(points).query_pairs(radius_m, output_type="ndarray")
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    big = np.flatnonzero(sizes >= min_size)
    return sorted(np.flatnonzero(labels == g).tolist() for g in big)


@dataclass
class Swarm(Rule):
    """``min_drones`` or more drones each within ``radius_m`` of another. One alert per
    swarm, kept by its lead track (the member whose swarm alert is open, else the
    first id); an open alert holds while its lead stays in a group of that size within
    ``hold_factor`` times the radius."""

    name: ClassVar[str] = "swarm"
    severity: Severity = Severity.HIGH
    min_drones: int = 3
    radius_m: float = 150.0
    hold_factor: float = 1.2

    def evaluate(self, s: Situation) -> list[Firing]:
        rows = s.eligible(self.classes)
        if len(rows) < self.min_drones:
            return []
        points = np.column_stack([s.en[rows], s.alt_m[rows]])
        out: list[Firing] = []
        claimed: set[str] = set()
        for radius, strict in ((self.radius_m, True), (self.radius_m * self.hold_factor, False)):
            for group in drone_groups(points, radius, self.min_drones):
                ids = sorted((s.tracks[rows[g]].track_id for g in group), key=natural_key)
                if claimed.intersection(ids):
                    continue
                leads = [t for t in ids if s.is_open(AlertKey(t, self.name))]
                if not strict and not leads:
                    continue
                claimed.update(ids)
                lead = leads[0] if leads else ids[0]
                shown = ", ".join(ids[:6]) + (", ..." if len(ids) > 6 else "")
                out.append(self._fire(AlertKey(lead, self.name),
                                      f"Swarm of {len(ids)} drones ({shown})", strict))
        return out


@dataclass
class SpoofedRemoteId(Rule):
    """A track whose Remote ID failed a spoofing check, whatever its class."""

    name: ClassVar[str] = "spoofed_remote_id"
    severity: Severity = Severity.HIGH

    def evaluate(self, s: Situation) -> list[Firing]:
        out = []
        for item in s.tracks:
            if not item.spoof:
                continue
            reasons = "; ".join(flag.reason for flag in item.spoof)
            out.append(self._fire(AlertKey(item.track_id, self.name),
                                  f"Spoofed Remote ID {item.track.remote_id}: {reasons}"))
        return out


RULE_TYPES: Mapping[str, type[Rule]] = {
    r.name: r for r in (ZoneEntry, PredictedEntry, AssetApproach, Loiter, DarkDrone, Swarm,
                        SpoofedRemoteId)
}
"""Every rule by name."""


def default_rules() -> tuple[Rule, ...]:
    """One of every rule with its default severity and parameters."""
    return tuple(rule_type() for rule_type in RULE_TYPES.values())


def rules_from_config(config: Mapping[str, Any]) -> tuple[Rule, ...]:
    """The default rules, changed by a site's ``rules`` object.

    ``config`` maps a rule name to its settings, e.g. ``{"zone_entry": {"severity":
    "critical"}, "swarm": {"min_drones": 4, "radius_m": 200}, "loiter": {"enabled":
    false}, "dark_drone": {"classes": ["drone", "unknown"]}}``. An unknown rule or
    setting, or a bad value, raises ``ValueError`` naming it.
    """
    unknown = set(config) - set(RULE_TYPES)
    if unknown:
        raise ValueError(f"unknown rule(s) {sorted(unknown)}; known: {sorted(RULE_TYPES)}")
    rules: list[Rule] = []
    for name, rule_type in RULE_TYPES.items():
        settings = dict(config.get(name) or {})
        if not settings.pop("enabled", True):
            continue
        known = {f.name for f in dataclasses.fields(rule_type) if not f.name.startswith("_")}
        bad = set(settings) - known
        if bad:
            raise ValueError(
                f"rule {name}: unknown setting(s) {sorted(bad)}; known: {sorted(known)}"
            )
        try:
            if "severity" in settings:
                settings["severity"] = Severity(settings["severity"])
            if "classes" in settings:
                settings["classes"] = frozenset(TargetClass(c) for c in settings["classes"])
        except ValueError as error:
            raise ValueError(f"rule {name}: {error}") from None
        rules.append(rule_type(**settings))
    return tuple(rules)
