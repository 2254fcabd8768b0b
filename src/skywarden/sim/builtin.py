"""The built-in scenarios, and loading a scenario by name or file.

- ``capital``: the demo district (``scenarios/capital.yaml``).
- ``swarm-<N>``: the load scenario, N drones (default 500) flying in formation then
  dispersing over a cluttered city, among bird flocks, watched by radars with heavy
  clutter.
- ``real-flights``: drones flying the real recorded trajectories of the shared data
  folder (``../shared/data/trajectories`` beside the project, or the folder named by
  the ``SKYWARDEN_TRAJECTORIES`` environment variable), moved to the capital site.
"""

from __future__ import annotations

import os
import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from skywarden.sim.scenario import Scenario, ScenarioError, read_scenario, scenario_from_dict

DEFAULT_SWARM = 500
PROJECT_ROOT = Path(__file__).resolve().parents[3]
TRAJECTORIES_DIR = PROJECT_ROOT.parent / "shared" / "data" / "trajectories"
"""Where the real trajectories live unless ``SKYWARDEN_TRAJECTORIES`` says otherwise."""
_SWARM = re.compile(r"^swarm(?:-(\d+))?$")

BUILTIN: dict[str, str] = {
    "capital": "Government district of a capital: compound, convoy, every sensor type, "
               "dark/RC/Remote ID drones, a hovering drone, a swarm of 30, birds, a helicopter.",
    f"swarm-{DEFAULT_SWARM}": "Load test: N drones (swarm-N, default 500) in formation, then "
                              "dispersing, among birds and heavy radar clutter.",
    "real-flights": "Drones flying the real recorded trajectories of the shared data, "
                    "moved to the capital site.",
}
"""Built-in scenario names and what each shows."""


def _capital_dict() -> dict[str, Any]:
    text = resources.files("skywarden.sim").joinpath("scenarios/capital.yaml").read_text(
        encoding="utf-8")
    loaded: dict[str, Any] = yaml.safe_load(text)
    return loaded


def capital() -> Scenario:
    """The ``capital`` demo scenario."""
    return scenario_from_dict(_capital_dict())


def swarm_dict(count: int = DEFAULT_SWARM) -> dict[str, Any]:
    """The ``swarm-<count>`` scenario as a scenario mapping."""
    if count < 1:
        raise ScenarioError(f"swarm-{count}: a swarm needs at least one drone")
    base = _capital_dict()
    radar = {"type": "radar", "max_range_m": 6000, "pd": 0.9, "ref_range_m": 3000,
             "period_s": 1.0, "clutter_per_scan": 6.0, "ground_clutter_points": 30,
             "ground_clutter_prob": 0.4, "mast_m": 20}
    return {
        "name": f"swarm-{count}",
        "description": f"{count} drones in formation, then dispersing, among birds and clutter.",
        "origin": base["origin"],
        "ground_alt_m": base["ground_alt_m"],
        "start_t": base["start_t"],
        "duration_s": 600,
        "wind_mps": 6.0,
        "city": base["city"],
        "sensors": [
            {"id": "radar-n", "at": [-134, 1167], **radar},
            {"id": "radar-s", "at": [-177, -1056], **radar},
            {"id": "radar-e", "at": [1500, 0], **radar},
            {"id": "eo-1", "type": "eo", "at": [-70, 60], "mast_m": 6, "max_range_m": 2500},
            {"id": "rf-1", "type": "rf", "at": [-600, 700], "max_range_m": 3500},
            {"id": "mic-1", "type": "acoustic", "at": [180, 180, 5], "max_range_m": 400},
        ],
        "zones": base["zones"],
        "groups": [
            {"swarm": {"id": "swarm", "count": count, "model": "multirotor",
                       "at": [-3000, 2400, 120], "spacing_m": 10, "disperse_s": 240,
                       "disperse_radius_m": 1500, "seed": 11,
                       "radio": {"freq_mhz": 2440.0, "bandwidth_mhz": 10.0,
                                 "protocol": "mesh"},
                       "route": [{"to": [-200, 200, 120], "speed_mps": 12}]}},
            *[{"flock": {"id": f"flock-{i}", "count": 12, "at": [east, north, 50],
                         "spread_m": 15, "wander_radius_m": 400, "seed": 20 + i}}
              for i, (east, north) in enumerate(
                  [(600, -600), (-900, 300), (900, 900), (-500, -1200)])],
        ],
    }


def real_flights_dict(folder: Path | None = None) -> dict[str, Any]:
    """The ``real-flights`` scenario: every CSV of the trajectories folder flown from a
    point of the capital site. ``ScenarioError`` when the folder is missing."""
    folder = folder or Path(os.environ.get("SKYWARDEN_TRAJECTORIES", TRAJECTORIES_DIR))
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        raise ScenarioError(
            f"real-flights: no trajectory CSV files in {folder} (the shared data folder "
            "beside the project, or set SKYWARDEN_TRAJECTORIES)")
    base = _capital_dict()
    starts = [(-600, -500), (400, 300), (-200, 800), (700, -700), (-900, 200)]
    targets = []
    for i, path in enumerate(files):
        east, north = starts[i % len(starts)]
        target: dict[str, Any] = {
            "id": f"real-{i + 1}-{path.stem[:24]}",
            "model": "multirotor",
            "start_s": 15 * i,
            "trajectory": {"file": str(path), "at": [east, north], "agl_m": 40},
        }
        if i % 2 == 0:
            target["radio"] = {"freq_mhz": 2437.0 + 5 * i, "bandwidth_mhz": 10.0,
                               "protocol": "ocusync"}
        targets.append(target)
    sensors = [s for s in base["sensors"] if s["type"] in ("radar", "rf", "eo", "acoustic")]
    return {
        "name": "real-flights",
        "description": "Real recorded drone trajectories flown over the capital site.",
        "origin": base["origin"],
        "ground_alt_m": base["ground_alt_m"],
        "start_t": base["start_t"],
        "duration_s": 600,
        "wind_mps": base["wind_mps"],
        "city": base["city"],
        "sensors": sensors,
        "zones": base["zones"],
        "targets": targets,
    }


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A built-in scenario by name (``capital``, ``swarm-<N>``, ``real-flights``) or a
    YAML scenario file; ``ScenarioError`` says what is wrong."""
    text = str(name_or_path)
    path = Path(text)
    if path.suffix.lower() in (".yaml", ".yml") or path.is_file():
        return read_scenario(path)
    if text == "capital":
        return capital()
    match = _SWARM.match(text)
    if match:
        return scenario_from_dict(swarm_dict(int(match.group(1) or DEFAULT_SWARM)))
    if text == "real-flights":
        return scenario_from_dict(real_flights_dict())
    raise ScenarioError(
        f"{text}: no such scenario file or built-in scenario "
        f"(built-in: capital, swarm-<N>, real-flights)")
