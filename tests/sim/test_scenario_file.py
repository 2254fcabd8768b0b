"""Scenario files: a YAML scenario runs, and every mistake is named by its key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from skywarden.cli import app
from skywarden.sim import ScenarioError, load_scenario, scenario_from_dict
from tests.sim.small import EO, RADAR, scenario

DRONE = {"id": "d", "model": "multirotor", "at": [0, 300, 60], "route": [{"hover_s": 30}]}


def _error(obj: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(obj)
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.update(colour="red"), "scenario: unknown key(s) colour"),
        (lambda s: s.pop("origin"), "scenario: missing key 'origin'"),
        (lambda s: s["targets"][0].update(model="balloon"), "scenario.targets[0]: model"),
        (lambda s: s["targets"][0].update(at=[0, 1]), "scenario.targets[0].at: expected"),
        (lambda s: s["targets"][0]["route"].append({"hover_s": 3, "to": [0, 0, 9]}),
         "scenario.targets[0].route[1]: a leg is exactly one of"),
        (lambda s: s["targets"][0].update(adsb={"icao": "XYZ"}),
         "scenario.targets[0].adsb: icao: expected 6 hex digits"),
        (lambda s: s["sensors"][0].update(type="sonar"),
         "scenario.sensors[0]: type: unknown sensor type"),
        (lambda s: s["sensors"][0].update(pd=1.5), "scenario.sensors[0]: pd: out of range"),
        (lambda s: s.update(duration_s="long"), "scenario.duration_s: expected a number"),
        (lambda s: s["targets"].append(dict(DRONE)), "duplicate target id(s) d"),
    ],
)
def test_mistakes_are_named_by_their_key(change: Any, message: str) -> None:
    obj = scenario([RADAR], [DRONE])
    change(obj)
    assert message in _error(obj)


def test_a_yaml_scenario_with_a_geojson_city_runs(tmp_path: Path) -> None:
    city = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"height_m": 30},
        "geometry": {"type": "Polygon", "coordinates": [[
            [44.3600, 33.3120], [44.3605, 33.3120], [44.3605, 33.3124], [44.3600, 33.3124],
            [44.3600, 33.3120]]]}}]}
    (tmp_path / "blocks.geojson").write_text(json.dumps(city))
    obj = scenario([RADAR, EO], [DRONE], city={"file": "blocks.geojson"})
    path = tmp_path / "mine.yaml"
    path.write_text(yaml.safe_dump(obj))
    loaded = load_scenario(path)
    assert len(loaded.buildings) == 1
    assert loaded.site.params["city"] == "city.geojson"


def test_an_unreadable_city_file_is_a_scenario_error(tmp_path: Path) -> None:
    (tmp_path / "broken.geojson").write_text("{not json")
    obj = scenario([RADAR], [DRONE], city={"file": str(tmp_path / "broken.geojson")})
    assert "scenario.city: " in _error(obj)


def test_unknown_scenario_name_is_a_clear_error() -> None:
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("atlantis")
    with pytest.raises(ScenarioError, match=r"cannot read"):
        load_scenario(Path("/nonexistent/scenario.yaml"))


def test_cli_lists_simulates_and_plots(tmp_path: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["simulate", "--list"])
    assert listed.exit_code == 0
    assert "capital" in listed.output and "real-flights" in listed.output
    out = tmp_path / "rec"
    plot = tmp_path / "capital.png"
    done = runner.invoke(app, ["simulate", "capital", "--out", str(out), "--seed", "2",
                               "--duration", "10", "--plot", str(plot)])
    assert done.exit_code == 0, done.output
    assert (out / "detections.jsonl").stat().st_size > 0
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    checked = runner.invoke(app, ["validate", str(out)])
    assert checked.exit_code == 0, checked.output
    missing = runner.invoke(app, ["simulate", "atlantis", "--out", str(tmp_path / "x")])
    assert missing.exit_code == 1
