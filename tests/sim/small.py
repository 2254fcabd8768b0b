"""Small hand-made scenarios, each isolating one physical effect."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson

ORIGIN = {"lat": 33.3128, "lon": 44.3615}

RADAR: dict[str, Any] = {
    "id": "radar", "type": "radar", "at": [0, 0, 10], "max_range_m": 4000, "pd": 0.95,
    "ref_range_m": 3000, "period_s": 1.0, "clutter_per_scan": 0.0,
    "ground_clutter_points": 0, "dropout_per_hour": 0,
}
EO: dict[str, Any] = {
    "id": "eo", "type": "eo", "at": [0, 0, 10], "max_range_m": 2500, "pd": 0.95,
    "period_s": 0.5, "dropout_per_hour": 0,
}
RF: dict[str, Any] = {
    "id": "rf", "type": "rf", "at": [0, 0, 10], "max_range_m": 3000, "pd": 0.95,
    "multipath_prob": 0.0, "nlos_multipath_prob": 0.0, "dropout_per_hour": 0,
}


def scenario(sensors: list[dict[str, Any]], targets: list[dict[str, Any]],
             **extra: Any) -> dict[str, Any]:
    """A scenario mapping on open ground at the capital's origin."""
    return {"name": "small", "origin": ORIGIN, "ground_alt_m": 38.0, "duration_s": 60,
            "sensors": copy.deepcopy(sensors), "targets": copy.deepcopy(targets), **extra}


def lines(recording: Path, name: str = "detections.jsonl") -> list[dict[str, Any]]:
    """Every JSON line of one file of a recording, in file order."""
    with open(recording / name, "rb") as stream:
        return [orjson.loads(raw) for raw in stream]


def of_sensor(recording: Path, sensor: str) -> list[dict[str, Any]]:
    """The reports of one sensor, in arrival order."""
    return [line for line in lines(recording) if line["sensor"] == sensor]
