"""`skywarden demo` without the live map: simulate, track and summarise the capital."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from skywarden.cli import app


def test_demo_tracks_the_capital_and_prints_tracks_and_alerts(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        app, ["demo", "--out", str(out), "--duration", "90", "--no-serve"]
    )
    assert result.exit_code == 0, result.output
    assert (out / "recording" / "detections.jsonl").stat().st_size > 0
    tracks = (out / "picture" / "tracks.jsonl").read_text().splitlines()
    assert len(tracks) > 100
    assert "Tracks that lasted" in result.stdout and "Alerts raised" in result.stdout
    assert "drone" in result.stdout
