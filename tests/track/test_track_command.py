"""``skywarden track`` end to end, and the tracker on a real recorded flight."""

from __future__ import annotations

import csv
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from skywarden.cli import app
from skywarden.geo import LocalFrame
from skywarden.model import TargetClass, TruthPoint
from skywarden.recording import (
    TRACKS_FILE,
    RecordingWriter,
    Rejections,
    iter_tracks,
)
from tests.recordings import BROKEN_LINES
from tests.track.helpers import (
    T0,
    arrival_order,
    path_from_geodetic,
    path_from_waypoints,
    radar_reports,
    run,
    scan_times,
    score,
    site,
)
from tests.track.test_tracker import RADARS

runner = CliRunner()


def _write_recording(folder: Path, extra_lines: list[str] = ()) -> Path:  # type: ignore[assignment]
    rng = np.random.default_rng(23)
    the_site = site(*RADARS)
    frame = LocalFrame(*the_site.origin)
    drone = path_from_waypoints("d1", [(30.0, (7.0, 3.0, 0.0))], (800.0, 600.0, 100.0))
    reports = []
    for k, radar in enumerate(RADARS):
        reports += radar_reports(the_site, radar.id, [drone],
                                 scan_times(T0, T0 + 30.0, 1.0, 0.4 * k), rng, clutter=2.0)
    with RecordingWriter(folder, the_site) as writer:
        for report in arrival_order(reports, rng, 1.5):
            writer.report(report)
        for t in np.arange(T0, T0 + 30.0, 0.5):
            pos, vel = drone.at(t)
            lat, lon, alt = frame.enu_to_geodetic(pos)
            writer.truth(TruthPoint(float(t), "d1", TargetClass.DRONE, float(lat), float(lon),
                                    float(alt), (float(vel[0]), float(vel[1]), float(vel[2]))))
    if extra_lines:
        with open(folder / "detections.jsonl", "a") as stream:
            stream.write("\n".join(extra_lines) + "\n")
    return folder


def test_track_writes_one_line_per_confirmed_track_at_each_period(tmp_path: Path) -> None:
    recording = _write_recording(tmp_path / "rec")
    out = tmp_path / "out"
    result = runner.invoke(app, ["track", str(recording), "--out", str(out), "--truth"])
    assert result.exit_code == 0, result.output
    rejected = Rejections()
    states = list(iter_tracks(out / TRACKS_FILE, rejected))
    assert rejected.total == 0
    assert len({s.track_id for s in states}) == 1
    times = [s.t for s in states]
    assert all(t == round(t) for t in times)
    assert times == sorted(times) and len(times) == len(set(times))
    assert times[0] - T0 <= 3.0
    raw = json.loads((out / TRACKS_FILE).read_text().splitlines()[0])
    assert set(raw) == {"t", "track_id", "lat", "lon", "alt_m", "vel_enu_mps", "pos_sigma_m",
                        "class", "class_conf", "sources", "remote_id", "icao", "dark",
                        "authorised", "spoof", "remote_id_auth"}
    assert "mean GOSPA" in result.output
    assert not (out / "alerts.jsonl").exists()


def test_track_counts_bad_lines_and_goes_on(tmp_path: Path) -> None:
    broken = [BROKEN_LINES["truncated"], BROKEN_LINES["nan"], BROKEN_LINES["missing_field"]]
    recording = _write_recording(tmp_path / "rec", broken)
    out = tmp_path / "out"
    result = runner.invoke(app, ["track", str(recording), "--out", str(out), "--period", "2"])
    assert result.exit_code == 0, result.output
    assert "rejected lines" in result.output
    states = list(iter_tracks(out / TRACKS_FILE, Rejections()))
    assert states and all(s.t % 2.0 == 0.0 for s in states)


def test_track_on_an_empty_recording_writes_an_empty_file(tmp_path: Path) -> None:
    recording = tmp_path / "empty"
    RecordingWriter(recording, site(*RADARS)).close()
    out = tmp_path / "out"
    result = runner.invoke(app, ["track", str(recording), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert (out / TRACKS_FILE).read_text() == ""


def test_track_refuses_a_folder_without_a_site(tmp_path: Path) -> None:
    result = runner.invoke(app, ["track", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2


def test_a_real_dji_flight_is_tracked_as_one_track(shared_data: Path) -> None:
    """The recorded GPS track of a DJI Mavic Air, seen by two radars."""
    record = shared_data / "trajectories" / "cphyml_DJIFlightRecord_2022-06-27_154010.csv"
    with open(record) as stream:
        rows = list(csv.DictReader(stream))
    t = np.array([dt.datetime.fromisoformat(r["time"]).timestamp() for r in rows])
    lat = np.array([float(r["lat"]) for r in rows])
    lon = np.array([float(r["lon"]) for r in rows])
    alt = np.array([float(r["alt"]) for r in rows])
    keep = np.concatenate([[True], np.diff(t) > 0.05])
    t, lat, lon, alt = t[keep], lat[keep], lon[keep], alt[keep]
    # Place the site so that the test origin sits where the flight starts.
    start = LocalFrame(float(lat[0]), float(lon[0]), 0.0)
    test_frame = LocalFrame(*site().origin)
    enu = start.geodetic_to_enu(lat, lon, alt) + np.array([600.0, 800.0, 20.0])
    moved = test_frame.enu_to_geodetic(enu)
    shift = T0 - t[0]
    flight = path_from_geodetic("mavic", t + shift, *moved, test_frame)
    the_site = site(*RADARS)
    rng = np.random.default_rng(29)
    reports = []
    for k, radar in enumerate(RADARS):
        times = scan_times(flight.t[0], flight.t[-1], 1.0, 0.5 * k)
        reports += radar_reports(the_site, radar.id, [flight], times, rng, clutter=2.0,
                                 pd=0.9, min_speed_mps=0.5)
    pictures = run(the_site, arrival_order(reports, rng, 1.0))
    result = score(pictures, [flight], test_frame)
    assert result.targets_tracked == 1
    assert result.false_tracks == 0
    assert result.id_switches == 0
    assert result.localisation / result.instants < 15.0


def test_tracking_an_empty_recording_imports_no_later_stage(tmp_path: Path) -> None:
    """Start-up stays fast: with nothing to track, neither the identification and
    warning stages nor the assignment solver are imported."""
    recording = tmp_path / "empty"
    RecordingWriter(recording, site(*RADARS)).close()
    code = (
        "import sys\n"
        "from skywarden.cli import app\n"
        f"app(['track', {str(recording)!r}, '--out', {str(tmp_path / 'out')!r}],"
        " standalone_mode=False)\n"
        "heavy = ['skywarden.warn', 'skywarden.identify', 'scipy.optimize', 'scipy.spatial']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"
