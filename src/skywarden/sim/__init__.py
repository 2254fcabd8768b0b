"""The city-scale scenario and sensor simulator: ``skywarden simulate``.

``load_scenario(name_or_path)`` gives a built-in or YAML scenario (its ``site``,
``buildings`` and targets) without simulating; ``simulate(scenario, out_dir, seed,
duration_s)`` writes its recording (site.json, city.geojson, detections.jsonl in
arrival order, truth.jsonl at 1 Hz).
"""

from skywarden.sim.builtin import BUILTIN, load_scenario
from skywarden.sim.run import SimulationSummary, simulate
from skywarden.sim.scenario import Scenario, ScenarioError, read_scenario, scenario_from_dict

__all__ = [
    "BUILTIN",
    "Scenario",
    "ScenarioError",
    "SimulationSummary",
    "load_scenario",
    "read_scenario",
    "scenario_from_dict",
    "simulate",
]
