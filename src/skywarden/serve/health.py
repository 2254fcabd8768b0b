"""Sensor health as the service sees it: declared state, last report, report rate.

A sensor is ``ok`` while it reports, ``silent`` once it has said nothing for a while
(three report periods, at least ``SILENT_AFTER_S``), and whatever worse state it
declares itself (a SAPIENT StatusReport's ``warning``/``error``, or ``offline`` after a
goodbye). Rates are counted in one-second buckets over ``RATE_WINDOW_S``.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from skywarden.model import Sensor

SILENT_AFTER_S = 10.0
RATE_WINDOW_S = 10


@dataclass
class SensorHealth:
    """What is known of one sensor's health at a moment."""

    id: str
    type: str
    lat: float | None
    lon: float | None
    alt_m: float | None
    period_s: float | None = None
    origin: str = "site"
    declared: str = "ok"
    detail: str = ""
    last_report_at: float | None = None
    last_report_t: float | None = None
    reports_total: int = 0
    buckets: deque[tuple[int, int]] = field(default_factory=deque)

    def count(self, received_at: float, t: float) -> None:
        """Count one report received at wall time ``received_at`` measured at ``t``."""
        self.reports_total += 1
        self.last_report_at = received_at
        self.last_report_t = t if self.last_report_t is None else max(self.last_report_t, t)
        second = int(received_at)
        if self.buckets and self.buckets[-1][0] == second:
            self.buckets[-1] = (second, self.buckets[-1][1] + 1)
        else:
            self.buckets.append((second, 1))
        while self.buckets and self.buckets[0][0] <= second - RATE_WINDOW_S:
            self.buckets.popleft()

    def rate_hz(self, now: float) -> float:
        """Reports per second over the last ``RATE_WINDOW_S`` seconds."""
        since = int(now) - RATE_WINDOW_S
        return sum(n for s, n in self.buckets if s > since) / RATE_WINDOW_S

    def status(self, now: float) -> str:
        """``ok``, ``silent``, or the state the sensor declared when that is worse."""
        if self.declared != "ok":
            return self.declared
        silent_after = max(SILENT_AFTER_S, 3.0 * (self.period_s or 0.0))
        if self.last_report_at is None or now - self.last_report_at > silent_after:
            return "silent"
        return "ok"

    def to_dict(self, now: float) -> dict[str, Any]:
        """The ``/api/sensors`` object of this sensor."""
        return {
            "id": self.id,
            "type": self.type,
            "lat": self.lat,
            "lon": self.lon,
            "alt_m": self.alt_m,
            "origin": self.origin,
            "status": self.status(now),
            "detail": self.detail,
            "last_report_at": self.last_report_at,
            "last_report_t": self.last_report_t,
            "reports_total": self.reports_total,
            "report_rate_hz": round(self.rate_hz(now), 3),
        }


class SensorBoard:
    """The health of every sensor: those of the site and those that registered live."""

    def __init__(self, sensors: tuple[Sensor, ...]) -> None:
        self._sensors: dict[str, SensorHealth] = {
            s.id: SensorHealth(s.id, s.type.value, s.lat, s.lon, s.alt_m, s.period_s)
            for s in sensors
        }

    def __contains__(self, sensor_id: str) -> bool:
        return sensor_id in self._sensors

    def get(self, sensor_id: str) -> SensorHealth | None:
        """The health record of a sensor, if known."""
        return self._sensors.get(sensor_id)

    def count(self, sensor_id: str, received_at: float, t: float) -> None:
        """Count a report; a sensor never seen before is added without a position."""
        health = self._sensors.get(sensor_id)
        if health is None:
            health = self._sensors[sensor_id] = SensorHealth(
                sensor_id, "unknown", None, None, None, origin="live"
            )
        health.count(received_at, t)

    def declare(
        self,
        sensor_id: str,
        sensor_type: str,
        state: str,
        *,
        position: tuple[float, float, float] | None = None,
        detail: str = "",
        origin: str = "sapient",
    ) -> SensorHealth:
        """Record the state a sensor declares (and its position when it gives one)."""
        health = self._sensors.get(sensor_id)
        if health is None:
            health = self._sensors[sensor_id] = SensorHealth(
                sensor_id, sensor_type, None, None, None, origin=origin
            )
        health.declared = state
        health.detail = detail
        if position is not None:
            health.lat, health.lon, health.alt_m = position
        return health

    def snapshot(self, now: float) -> list[dict[str, Any]]:
        """Every sensor's ``/api/sensors`` object, by id."""
        return [self._sensors[k].to_dict(now) for k in sorted(self._sensors)]
