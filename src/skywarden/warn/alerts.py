"""The alert lifecycle: one alert per track, rule and zone or asset, from open to closed.

How the stream reads (alerts.jsonl):

- ``open``: the first strict firing of a key opens alert ``A<n>`` (numbered in order
  of opening, so the same input always gives the same ids);
- ``update``: an open alert that its rule still fires is restated every
  ``update_every_s`` with the track's position and the rule's latest words; it is
  also restated at once when it escalates or follows a merged track;
- ``closed``: an alert that its rule has not fired, strictly or holding, for
  ``clear_after_s`` (the rule's own, else the book's) closes, at the track's last
  known position.

Escalation: the alerts of one track share the highest severity among its open
alerts. When a rule of higher severity opens an alert for the track, each of the
track's other open alerts gets an ``update`` line carrying the raised severity and a
message ending in "escalated: <the new alert's message> (A<n>)". Alerts do not fall
back to a lower severity while they stay open.

Merges: when track B merges into track A, each open alert of B continues under A (an
``update`` line with ``track_id`` A) unless A already has one for the same rule and
zone or asset, in which case B's closes and says which alert carries on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from skywarden.model import SEVERITY_RANK, Alert, AlertState, LaunchPoint, Severity
from skywarden.warn.rules import Firing
from skywarden.warn.situation import AlertKey, natural_key

Position = tuple[float, float, float]
"""``(lat, lon, alt_m)``."""


@dataclass(slots=True)
class _OpenAlert:
    alert_id: str
    key: AlertKey
    severity: Severity
    message: str
    position: Position
    launch_point: LaunchPoint | None
    last_fired_t: float
    last_emitted_t: float
    clear_after_s: float


def _higher(a: Severity, b: Severity) -> Severity:
    return a if SEVERITY_RANK[a] >= SEVERITY_RANK[b] else b


class AlertBook:
    """Keeps the open alerts and turns each instant's firings into alert lines."""

    def __init__(self, clear_after_s: float = 5.0, update_every_s: float = 10.0) -> None:
        self.clear_after_s = clear_after_s
        self.update_every_s = update_every_s
        self._open: dict[AlertKey, _OpenAlert] = {}
        self._count = 0

    @property
    def open_keys(self) -> frozenset[AlertKey]:
        """Keys of the alerts open now."""
        return frozenset(self._open)

    def step(
        self,
        t: float,
        firings: Iterable[Firing],
        where: Mapping[str, Position],
        launch_points: Mapping[str, LaunchPoint | None],
    ) -> list[Alert]:
        """Alert lines for instant ``t`` given the rules' firings, the position of each
        track present and the launch point of each track that has one."""
        out: list[Alert] = []
        fired: dict[AlertKey, Firing] = {}
        for firing in sorted(firings, key=lambda f: _order(f.key)):
            if firing.key in self._open or firing.strict:
                previous = fired.get(firing.key)
                if previous is None or (firing.strict and not previous.strict):
                    fired[firing.key] = firing
        top: dict[str, Severity] = {}
        for existing in self._open.values():
            track_id = existing.key.track_id
            top[track_id] = _higher(existing.severity, top.get(track_id, existing.severity))
        newest: dict[str, tuple[Severity, AlertKey]] = {}
        for key, firing in fired.items():
            if key not in self._open:
                best = newest.get(key.track_id)
                if best is None or SEVERITY_RANK[firing.severity] > SEVERITY_RANK[best[0]]:
                    newest[key.track_id] = (firing.severity, key)
        escalated: dict[str, tuple[Severity, str]] = {}
        for key, firing in fired.items():
            alert = self._open.get(key)
            position = where.get(key.track_id)
            launch = launch_points.get(key.track_id)
            if alert is None:
                self._count += 1
                severity = _higher(firing.severity, newest[key.track_id][0])
                severity = _higher(severity, top.get(key.track_id, severity))
                alert = _OpenAlert(f"A{self._count}", key, severity, firing.message,
                                   position or (0.0, 0.0, 0.0), launch, t, t,
                                   self.clear_after_s if firing.clear_after_s is None
                                   else firing.clear_after_s)
                self._open[key] = alert
                out.append(self._line(t, alert, AlertState.OPEN))
                if newest[key.track_id][1] == key:
                    escalated[key.track_id] = (severity, f"{firing.message} ({alert.alert_id})")
            alert.last_fired_t = t
            alert.message = firing.message
            if position is not None:
                alert.position = position
            if launch is not None:
                alert.launch_point = launch
        out += self._escalate(t, escalated)
        for key in sorted(self._open, key=_order):
            alert = self._open[key]
            if t - alert.last_fired_t >= alert.clear_after_s:
                del self._open[key]
                out.append(self._line(t, alert, AlertState.CLOSED, f"Cleared: {alert.message}"))
            elif alert.last_fired_t == t and t - alert.last_emitted_t >= self.update_every_s:
                out.append(self._line(t, alert, AlertState.UPDATE))
        return out

    def merge(self, t: float, absorbed: str, survivor: str) -> list[Alert]:
        """Alert lines for track ``absorbed`` merging into track ``survivor``."""
        out = []
        for key in sorted((k for k in self._open if k.track_id == absorbed), key=_order):
            alert = self._open.pop(key)
            moved = dataclasses.replace(key, track_id=survivor)
            note = f"track {absorbed} merged into {survivor}"
            kept = self._open.get(moved)
            if kept is not None:
                out.append(self._line(t, alert, AlertState.CLOSED,
                                      f"{alert.message} ({note}, continued as {kept.alert_id})"))
                continue
            alert.key = moved
            self._open[moved] = alert
            out.append(self._line(t, alert, AlertState.UPDATE, f"{alert.message} ({note})"))
        return out

    def _escalate(self, t: float, opened: Mapping[str, tuple[Severity, str]]) -> list[Alert]:
        out = []
        for track_id, (severity, reason) in opened.items():
            for key in sorted((k for k in self._open if k.track_id == track_id), key=_order):
                alert = self._open[key]
                if SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[severity]:
                    continue
                alert.severity = _higher(alert.severity, severity)
                out.append(self._line(t, alert, AlertState.UPDATE,
                                      f"{alert.message}, escalated: {reason}"))
        return out

    def _line(
        self, t: float, alert: _OpenAlert, state: AlertState, message: str | None = None
    ) -> Alert:
        alert.last_emitted_t = t
        lat, lon, alt = alert.position
        return Alert(
            t=t,
            alert_id=alert.alert_id,
            state=state,
            rule=alert.key.rule,
            severity=alert.severity,
            track_id=alert.key.track_id,
            message=message or alert.message,
            lat=lat,
            lon=lon,
            alt_m=alt,
            zone=alert.key.zone,
            asset=alert.key.asset,
            launch_point=alert.launch_point,
        )


def _order(key: AlertKey) -> tuple[tuple[str, int, str], str, str, str]:
    return (natural_key(key.track_id), key.rule, key.zone or "", key.asset or "")
