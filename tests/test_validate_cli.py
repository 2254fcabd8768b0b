"""`skywarden validate` as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from skywarden.cli import app
from tests.recordings import BROKEN_LINES, GOOD_LINES, write_recording

runner = CliRunner()


def test_broken_lines_are_each_reported_and_good_lines_all_counted(tmp_path: Path) -> None:
    folder = write_recording(tmp_path / "r", [*GOOD_LINES[:3], *BROKEN_LINES.values(),
                                              *GOOD_LINES[3:]])
    result = runner.invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["accepted"] == len(GOOD_LINES)
    assert summary["rejected"] == len(BROKEN_LINES)
    classes = {e["class"]: e for e in summary["errors"]}
    assert set(classes) == {"invalid JSON", "range_m: not a finite number",
                            "sensor: unknown sensor", "range_m: missing",
                            "az_deg: out of range"}
    assert classes["sensor: unknown sensor"]["first_example"]["line"] == 6
    assert summary["per_sensor"]["radar-n"]["reports"] == 2
    assert summary["per_sensor"]["radar-n"]["out_of_order"] == 1
    assert summary["per_sensor"]["radar-n"]["max_lateness_s"] > 0.04


def test_plain_text_when_piped(tmp_path: Path) -> None:
    folder = write_recording(tmp_path / "r", [*GOOD_LINES, BROKEN_LINES["azimuth_400"]])
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "az_deg: out of range" in result.stdout
    assert "7 reports accepted, 1 lines rejected" in result.stdout
    assert "\x1b[" not in result.stdout and "│" not in result.stdout
    tolerant = runner.invoke(app, ["validate", str(folder), "--max-rejected", "1"])
    assert tolerant.exit_code == 0


def test_clean_recording_is_usable(tmp_path: Path) -> None:
    folder = write_recording(tmp_path / "r", GOOD_LINES)
    result = runner.invoke(app, ["validate", str(folder), "--json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["usable"] is True


def test_missing_site_is_a_clear_failure(tmp_path: Path) -> None:
    folder = write_recording(tmp_path / "r", GOOD_LINES)
    (folder / "site.json").unlink()
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "site.json: missing" in result.output


def test_help_lists_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "validate" in result.stdout
