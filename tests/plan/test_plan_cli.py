"""``skywarden plan`` end to end on the real Helsinki extract: tables, maps, GeoJSON."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skywarden.cli import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SMALL_AREA = "24.9380,60.1680,24.9460,60.1740"


@pytest.fixture()
def helsinki_site(shared_data: Path, tmp_path: Path) -> Path:
    """The example Helsinki site, with its city pointing at the shared extract."""
    site = json.loads((EXAMPLES / "helsinki-site.json").read_text())
    site["city"] = str(shared_data / "city" / "helsinki.osm.pbf")
    path = tmp_path / "site.json"
    path.write_text(json.dumps(site))
    shutil.copy(EXAMPLES / "helsinki-candidates.geojson", tmp_path / "candidates.geojson")
    return path


def test_plan_helsinki_small_area(helsinki_site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["plan", str(helsinki_site), "--area", SMALL_AREA, "--resolution", "20",
         "--bands", "30,120", "--candidates", str(tmp_path / "candidates.geojson"),
         "--budget", "4", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "Coverage per band" in result.output and "Placement" in result.output
    assert {p.name for p in out.iterdir()} == {
        "coverage.geojson", "sites.geojson", "summary.json", "coverage-30m.png",
        "coverage-120m.png",
    }
    assert (out / "coverage-30m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["buildings"] > 400
    tables = {t["title"].split(" (")[0]: t["rows"] for t in summary["tables"]}
    bands = tables["Coverage per band"]
    assert [row["band m"] for row in bands] == [30, 120]
    # Buildings stand taller than 30 m here: the low band is the harder one.
    assert bands[0]["any %"] <= bands[1]["any %"]
    for row in bands:
        assert row["two+ %"] <= row["any %"] and row["non-RF %"] <= row["any %"]
    steps = tables["Placement"]
    objectives = [row["objective %"] for row in steps]
    assert objectives == sorted(objectives) and len(steps) >= 2
    assert sum(row["cost"] for row in steps[1:]) <= 4
    sites = json.loads((out / "sites.geojson").read_text())["features"]
    chosen = sorted((f for f in sites if f["properties"]["role"] == "chosen"),
                    key=lambda f: f["properties"]["step"])
    assert [f["properties"]["id"] for f in chosen] == [row["site"] for row in steps[1:]]
    grid = json.loads((out / "coverage.geojson").read_text())["features"]
    assert len(grid) == bands[0]["cells"]
    assert {"any_30", "two_120", "nonrf_30"} <= set(grid[0]["properties"])
    assert all(0.0 <= f["properties"]["any_30"] <= 1.0 for f in grid)


def test_plan_rejects_bad_input_clearly(helsinki_site: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["plan", str(helsinki_site), "--area", "1,2,3", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "not a readable GeoJSON" in result.output
    result = runner.invoke(
        app,
        ["plan", str(helsinki_site), "--area", SMALL_AREA, "--candidates",
         str(tmp_path / "candidates.geojson"), "--out", str(tmp_path / "o")],
    )
    assert result.exit_code == 2
    assert "needs --budget or --count" in result.output
