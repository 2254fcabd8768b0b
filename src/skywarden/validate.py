"""Check a recording before trusting it: what each sensor sent, and what is broken.

``validate_recording`` reads a recording folder the way the tracker will (streaming,
line by line) and summarises it: reports per sensor, their time span, how many arrived
out of time order and how late the latest was, and every class of rejected line with
its count and first example.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skywarden.recording import (
    DETECTIONS_FILE,
    SITE_FILE,
    Rejections,
    SiteError,
    iter_reports,
    iter_truth,
    read_site,
)


@dataclass
class SensorSummary:
    """What one sensor contributed to a recording."""

    sensor_id: str
    sensor_type: str
    reports: int = 0
    t_first: float | None = None
    t_last: float | None = None
    out_of_order: int = 0
    max_lateness_s: float = 0.0
    _latest: float = float("-inf")

    def add(self, t: float) -> None:
        """Account for one report measured at ``t``, in arrival order."""
        self.reports += 1
        self.t_first = t if self.t_first is None else min(self.t_first, t)
        self.t_last = t if self.t_last is None else max(self.t_last, t)
        if t < self._latest:
            self.out_of_order += 1
            self.max_lateness_s = max(self.max_lateness_s, self._latest - t)
        else:
            self._latest = t

    @property
    def span_s(self) -> float:
        """Seconds between the first and last measurement."""
        if self.t_first is None or self.t_last is None:
            return 0.0
        return self.t_last - self.t_first

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "type": self.sensor_type,
            "reports": self.reports,
            "t_first": self.t_first,
            "t_last": self.t_last,
            "span_s": self.span_s,
            "out_of_order": self.out_of_order,
            "max_lateness_s": self.max_lateness_s,
        }


@dataclass
class ValidationResult:
    """The verdict on a recording: usable or not, and why."""

    path: Path
    accepted: int = 0
    per_sensor: dict[str, SensorSummary] = field(default_factory=dict)
    rejections: Rejections = field(default_factory=Rejections)
    truth_points: int = 0
    fatal: list[str] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        """Number of rejected lines, in every file read."""
        return self.rejections.total

    def usable(self, max_rejected: int = 0) -> bool:
        """True when nothing fatal was found and at most ``max_rejected`` lines failed."""
        return not self.fatal and self.rejected <= max_rejected

    def errors(self) -> list[dict[str, Any]]:
        """Each fatal problem and each class of rejected line, with count and example."""
        out: list[dict[str, Any]] = [
            {"class": "fatal", "count": 1, "first_example": {"message": message}}
            for message in self.fatal
        ]
        for error_class, count in self.rejections.counts.most_common():
            first = self.rejections.first[error_class]
            out.append(
                {
                    "class": error_class,
                    "count": count,
                    "first_example": {
                        "file": first.file,
                        "line": first.line,
                        "message": first.message,
                        "text": first.text,
                    },
                }
            )
        return out

    def to_dict(self, max_rejected: int = 0) -> dict[str, Any]:
        """The machine-readable summary printed by ``skywarden validate --json``."""
        return {
            "recording": str(self.path),
            "usable": self.usable(max_rejected),
            "accepted": self.accepted,
            "rejected": self.rejected,
            "truth_points": self.truth_points,
            "per_sensor": {k: v.to_dict() for k, v in sorted(self.per_sensor.items())},
            "errors": self.errors(),
        }


def validate_recording(path: Path) -> ValidationResult:
    """Read a whole recording and summarise it; never raises on bad content."""
    path = Path(path)
    result = ValidationResult(path=path)
    if not path.is_dir():
        result.fatal.append(f"{path}: not a recording folder")
        return result
    try:
        site = read_site(path)
    except SiteError as error:
        result.fatal.append(str(error))
        return result
    result.per_sensor = {s.id: SensorSummary(s.id, s.type.value) for s in site.sensors}
    if not (path / DETECTIONS_FILE).is_file():
        result.fatal.append(f"{path / DETECTIONS_FILE}: missing (next to {SITE_FILE})")
        return result
    for report in iter_reports(path, site, result.rejections):
        result.per_sensor[report.sensor].add(report.t)
        result.accepted += 1
    result.truth_points = sum(1 for _ in iter_truth(path, result.rejections))
    if result.accepted == 0:
        result.fatal.append(f"{path / DETECTIONS_FILE}: no usable report")
    return result
