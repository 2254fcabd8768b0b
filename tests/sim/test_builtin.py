"""The built-in scenarios: valid recordings, cooperative frames that decode, determinism."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyModeS
import pytest

from skywarden.geo import LocalFrame
from skywarden.ingest import remoteid
from skywarden.sim import ScenarioError, load_scenario, simulate
from skywarden.sim.builtin import real_flights_dict
from skywarden.sim.scenario import read_trajectory
from skywarden.sim.sensors import MAX_LATENCY_S
from skywarden.validate import validate_recording
from tests.sim.small import lines, of_sensor


@pytest.fixture(scope="module")
def capital(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("capital")
    simulate(load_scenario("capital"), out, seed=7, duration_s=120)
    return out


def _assert_valid(recording: Path) -> None:
    result = validate_recording(recording)
    assert result.fatal == []
    assert result.rejected == 0, result.errors()
    assert result.usable()


def test_capital_is_a_valid_recording_from_every_sensor(capital: Path) -> None:
    _assert_valid(capital)
    result = validate_recording(capital)
    silent = [s.sensor_id for s in result.per_sensor.values() if s.reports == 0]
    assert silent == []
    assert (capital / "city.geojson").is_file()
    site = json.loads((capital / "site.json").read_text())
    assert site["city"] == "city.geojson"
    assert site["assets"][0]["speed_mps"] > 0 and site["assets"][0]["start_t"] > 0
    truth_kinds = {p["kind"] for p in lines(capital, "truth.jsonl")}
    assert truth_kinds == {"drone", "bird", "aircraft"}


def test_reports_arrive_out_of_time_order_but_never_very_late(capital: Path) -> None:
    times = np.array([r["t"] for r in lines(capital)])
    latest = np.maximum.accumulate(times)
    late = latest - times
    assert np.count_nonzero(late > 0.0) > 100
    assert late.max() <= MAX_LATENCY_S + 0.5  # clock offsets shift t a little further


def test_remote_id_packs_decode_to_the_truth_and_show_the_spoofer(capital: Path) -> None:
    scenario = load_scenario("capital")
    frame = scenario.frame
    truth: dict[str, list[dict[str, float]]] = {}
    for point in lines(capital, "truth.jsonl"):
        if "remote_id" in point:
            truth.setdefault(point["remote_id"], []).append(point)
    offsets: dict[str, list[float]] = {}
    for report in of_sensor(capital, "rid-1"):
        pack = remoteid.decode(bytes.fromhex(report["odid"]))
        assert isinstance(pack, remoteid.MessagePack)
        basic = next(m for m in pack.messages if isinstance(m, remoteid.BasicId))
        where = next(m for m in pack.messages if isinstance(m, remoteid.Location))
        system = next(m for m in pack.messages if isinstance(m, remoteid.System))
        assert system.operator_latitude_deg is not None
        track = truth[basic.uas_id]
        t_track = np.array([p["t"] for p in track])
        lat = np.interp(report["t"], t_track, [p["lat"] for p in track])
        lon = np.interp(report["t"], t_track, [p["lon"] for p in track])
        said = frame.geodetic_to_enu(where.latitude_deg, where.longitude_deg, 0.0)
        real = frame.geodetic_to_enu(lat, lon, 0.0)
        offsets.setdefault(basic.uas_id, []).append(float(np.hypot(*(said - real)[:2])))
    assert set(offsets) == {"1581F5FJD22A00000001", "1596F3C2B7D400000042",
                            "1581F4QWK21B00000777"}
    assert max(offsets["1581F5FJD22A00000001"]) < 30.0
    assert np.median(offsets["1581F4QWK21B00000777"]) == pytest.approx(math.hypot(700, 600),
                                                                       abs=30.0)


def test_adsb_frames_decode_with_pymodes_to_the_helicopter(capital: Path) -> None:
    reports = sorted(of_sensor(capital, "adsb-1"), key=lambda r: r["t"])
    decoded = pyModeS.decode([r["modes"] for r in reports], timestamps=[r["t"] for r in reports])
    assert all(d["crc_valid"] and d["icao"] == "72A1F3" for d in decoded)
    assert {d.get("callsign") for d in decoded} >= {"IQPOL21"}
    truth = [p for p in lines(capital, "truth.jsonl") if p.get("icao") == "72A1F3"]
    t_truth = np.array([p["t"] for p in truth])
    frame = LocalFrame(33.3128, 44.3615, 0.0)
    positions = [(r["t"], d) for r, d in zip(reports, decoded, strict=True)
                 if d.get("latitude") is not None]
    assert len(positions) > 100
    for t, d in positions:
        lat = np.interp(t, t_truth, [p["lat"] for p in truth])
        lon = np.interp(t, t_truth, [p["lon"] for p in truth])
        alt_ft = np.interp(t, t_truth, [p["alt_m"] for p in truth]) / 0.3048
        error = frame.geodetic_to_enu(d["latitude"], d["longitude"], 0.0) - \
            frame.geodetic_to_enu(lat, lon, 0.0)
        assert np.hypot(error[0], error[1]) < 60.0  # 50 m/s and 5 m CPR resolution
        assert abs(d["altitude"] - alt_ft) < 60.0
    speeds = [d["groundspeed"] for d in decoded if d.get("groundspeed") is not None]
    assert max(speeds) == pytest.approx(45.0 / 0.514444, rel=0.1)


def test_swarm_is_valid_with_hundreds_of_targets(tmp_path: Path) -> None:
    scenario = load_scenario("swarm-500")
    assert sum(t.id.startswith("swarm-") for t in scenario.targets) == 500
    summary = simulate(scenario, tmp_path, seed=1, duration_s=20)
    _assert_valid(tmp_path)
    assert summary.per_sensor["radar-n"] > 0
    assert len(load_scenario("swarm-12").targets) == 12 + 48


def test_real_flights_follow_the_recorded_tracks(tmp_path: Path, shared_data: Path) -> None:
    scenario = load_scenario("real-flights")
    simulate(scenario, tmp_path, seed=1, duration_s=60)
    _assert_valid(tmp_path)
    csv = sorted((shared_data / "trajectories").glob("*.csv"))[0]
    track = read_trajectory(csv)
    own = LocalFrame(track[0, 1], track[0, 2], track[0, 3])
    recorded = own.geodetic_to_enu(track[:, 1], track[:, 2], track[:, 3])
    target = scenario.targets[0]
    points = [p for p in lines(tmp_path, "truth.jsonl") if p["id"] == target.id]
    flown = scenario.frame.geodetic_to_enu([p["lat"] for p in points],
                                           [p["lon"] for p in points],
                                           [p["alt_m"] for p in points])
    seconds = np.array([p["t"] for p in points]) - scenario.start_t
    for axis in range(2):
        expected = np.interp(seconds, track[:, 0], recorded[:, axis]) - recorded[0, axis]
        assert np.allclose(flown[:, axis] - flown[0, axis], expected, atol=0.5)


def test_real_flights_without_the_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no trajectory CSV files"):
        real_flights_dict(tmp_path / "missing")


def test_the_same_seed_gives_the_same_bytes(tmp_path: Path) -> None:
    scenario = load_scenario("capital")
    for name, seed in (("a", 11), ("b", 11), ("c", 12)):
        simulate(scenario, tmp_path / name, seed=seed, duration_s=15)
    for file in ("site.json", "detections.jsonl", "truth.jsonl", "city.geojson"):
        assert (tmp_path / "a" / file).read_bytes() == (tmp_path / "b" / file).read_bytes()
    a = (tmp_path / "a" / "detections.jsonl").read_bytes()
    assert a != (tmp_path / "c" / "detections.jsonl").read_bytes()
