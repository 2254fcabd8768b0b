"""Each physical effect of the simulator, shown on its own on a small scenario."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skywarden.geo import LocalFrame, enu_to_aer
from skywarden.sim import scenario_from_dict, simulate
from tests.sim.small import EO, RADAR, RF, lines, of_sensor, scenario

START_T = 1_767_225_600.0


def _bearing_deg(east: float, north: float) -> float:
    az, _, _ = enu_to_aer(np.array([east, north, 0.0]))
    return float(az)


def test_hovering_drone_drops_out_of_the_radar_but_not_the_camera(tmp_path: Path) -> None:
    # Flies north-east for ~60 s (radial: the radar sees it), then hovers 60 s, 800 m out.
    drone = {"id": "d", "model": "multirotor", "at": [0, 200, 60], "speed_mps": 10,
             "route": [{"to": [0, 800, 60]}, {"hover_s": 120}]}
    sc = scenario_from_dict(scenario([RADAR, EO], [drone], duration_s=150))
    simulate(sc, tmp_path, seed=3)
    radar_t = np.array([r["t"] for r in of_sensor(tmp_path, "radar")]) - START_T
    eo_t = np.array([r["t"] for r in of_sensor(tmp_path, "eo")]) - START_T
    transit = (5.0, 55.0)
    hovering = (90.0, 150.0)

    def count(times: np.ndarray, window: tuple[float, float]) -> int:
        return int(((times >= window[0]) & (times < window[1])).sum())

    assert count(radar_t, transit) > 40
    assert count(radar_t, hovering) == 0
    assert count(eo_t, hovering) > 100


def test_a_building_hides_a_drone_from_one_sensor(tmp_path: Path) -> None:
    # A tall block stands between the west camera and the low hovering drone; the
    # east camera has a clear view.
    west = {**EO, "id": "eo-west", "at": [-300, 0, 8]}
    east = {**EO, "id": "eo-east", "at": [300, 0, 8]}
    drone = {"id": "d", "model": "multirotor", "at": [0, 0, 20], "route": [{"hover_s": 60}]}
    city = {"synthetic": {"extent_m": 10, "block_m": 100, "street_m": 20,
                          "open_areas": [[0, 0, 50]],
                          "landmarks": [[-150, 0, 40, 80, 60]]}}
    sc = scenario_from_dict(scenario([west, east], [drone], city=city))
    assert len(sc.buildings) == 1
    simulate(sc, tmp_path, seed=1)
    assert of_sensor(tmp_path, "eo-west") == []
    assert len(of_sensor(tmp_path, "eo-east")) > 50


def test_a_dark_drone_never_appears_on_rf(tmp_path: Path) -> None:
    dark = {"id": "dark", "model": "multirotor", "at": [0, 900, 60],
            "route": [{"hover_s": 60}]}
    radio = {"id": "rc", "model": "multirotor", "at": [0, -900, 60],
             "route": [{"hover_s": 60}],
             "radio": {"freq_mhz": 2437.0, "protocol": "ocusync"}}
    sc = scenario_from_dict(scenario([RF], [dark, radio]))
    simulate(sc, tmp_path, seed=2)
    bearings = np.array([r["az_deg"] for r in of_sensor(tmp_path, "rf")])
    assert len(bearings) > 40
    south = _bearing_deg(0.0, -900.0)
    assert np.all(np.abs((bearings - south + 180.0) % 360.0 - 180.0) < 15.0)
    assert {r["protocol"] for r in of_sensor(tmp_path, "rf")} == {"ocusync"}


def test_urban_multipath_puts_some_rf_bearings_far_off(tmp_path: Path) -> None:
    radio = {"id": "rc", "model": "multirotor", "at": [0, -900, 60],
             "route": [{"hover_s": 60}], "radio": {"freq_mhz": 2437.0}}
    sensor = {**RF, "multipath_prob": 0.3}
    simulate(scenario_from_dict(scenario([sensor], [radio])), tmp_path, seed=2)
    bearings = np.array([r["az_deg"] for r in of_sensor(tmp_path, "rf")])
    off = np.abs((bearings - 180.0 + 180.0) % 360.0 - 180.0)
    assert 0.1 < float(np.mean(off > 15.0)) < 0.5


def test_two_close_targets_merge_into_one_radar_plot(tmp_path: Path) -> None:
    pair = [{"id": f"d{i}", "model": "multirotor", "at": [i * 4.0, 300, 60],
             "jitter_mps2": 0.0, "route": [{"to": [i * 4.0, 2000, 60]}]} for i in range(2)]
    apart = [{**pair[0], "id": "far", "at": [-400, 300, 60], "route": [{"to": [-400, 2000, 60]}]}]
    sc = scenario_from_dict(scenario([RADAR], pair + apart, duration_s=40))
    simulate(sc, tmp_path, seed=4)
    reports = of_sensor(tmp_path, "radar")
    east = np.array([r["range_m"] * np.cos(np.radians(r["el_deg"]))
                     * np.sin(np.radians(r["az_deg"])) for r in reports])
    pair_plots = int((east > -100.0).sum())
    far_plots = int((east <= -100.0).sum())
    assert far_plots > 30
    # The pair, 4 m apart, is one plot a scan: about as many as the single far target.
    assert pair_plots < 1.2 * far_plots


def test_radar_false_alarms_and_ground_clutter_appear_without_targets(tmp_path: Path) -> None:
    noisy = {**RADAR, "clutter_per_scan": 3.0, "ground_clutter_points": 10}
    simulate(scenario_from_dict(scenario([noisy], [])), tmp_path, seed=5)
    reports = of_sensor(tmp_path, "radar")
    assert 100 < len(reports) < 600
    assert all(abs(r["rr_mps"]) > 0.0 for r in reports)


def test_a_sensor_outage_silences_it_for_a_while(tmp_path: Path) -> None:
    flaky = {**EO, "dropout_per_hour": 200, "dropout_mean_s": 15}
    drone = {"id": "d", "model": "multirotor", "at": [0, 300, 60], "route": [{"hover_s": 300}]}
    simulate(scenario_from_dict(scenario([flaky], [drone], duration_s=300)), tmp_path, seed=6)
    times = np.sort([r["t"] for r in of_sensor(tmp_path, "eo")])
    assert np.max(np.diff(times)) > 5.0


def test_clock_offset_shifts_reported_times(tmp_path: Path) -> None:
    late = {**EO, "id": "late", "clock_offset_s": 2.0, "clock_jitter_s": 0.0}
    drone = {"id": "d", "model": "multirotor", "at": [0, 300, 60], "route": [{"hover_s": 60}]}
    simulate(scenario_from_dict(scenario([late], [drone], duration_s=20)), tmp_path, seed=6)
    times = np.array([r["t"] for r in of_sensor(tmp_path, "late")]) - START_T
    assert times.min() >= 2.0
    assert np.allclose((times - 2.0) % 0.5, (times[0] - 2.0) % 0.5, atol=1e-3)


def test_wind_shortens_what_an_acoustic_array_hears(tmp_path: Path) -> None:
    mic = {"id": "mic", "type": "acoustic", "at": [0, 0, 5], "max_range_m": 400,
           "dropout_per_hour": 0}
    drone = {"id": "d", "model": "multirotor", "at": [0, 300, 40], "route": [{"hover_s": 60}]}
    counts = []
    for wind in (0.0, 12.0):
        folder = tmp_path / f"wind{wind:g}"
        simulate(scenario_from_dict(scenario([mic], [drone], wind_mps=wind)), folder, seed=1)
        reports = of_sensor(folder, "mic")
        counts.append(len(reports))
        if wind == 0.0:
            f0 = np.median([r["f0_hz"] for r in reports])
            assert f0 == pytest.approx(180.0, rel=0.05)
    assert counts[1] < counts[0]


def test_camera_sometimes_calls_a_distant_drone_a_bird(tmp_path: Path) -> None:
    camera = {**EO, "confusion_at_max": 0.9}
    far = {"id": "d", "model": "multirotor", "at": [0, 1800, 80], "route": [{"hover_s": 60}]}
    simulate(scenario_from_dict(scenario([camera], [far])), tmp_path, seed=8)
    classes = [r["class"] for r in of_sensor(tmp_path, "eo")]
    assert classes.count("bird") > 0
    assert classes.count("drone") > classes.count("bird")


def test_radar_plots_match_the_truth_seen_from_the_radar(tmp_path: Path) -> None:
    radar = {**RADAR, "at": [500, -200, 15], "clock_jitter_s": 0.0}
    drone = {"id": "d", "model": "multirotor", "at": [0, 1000, 100],
             "route": [{"to": [0, 2500, 100]}]}
    sc = scenario_from_dict(scenario([radar], [drone], duration_s=30))
    simulate(sc, tmp_path, seed=9)
    sensor = sc.site.sensors[0]
    frame = LocalFrame(sensor.lat, sensor.lon, sensor.alt_m)
    truth = lines(tmp_path, "truth.jsonl")
    t_truth = np.array([p["t"] for p in truth])
    enu = frame.geodetic_to_enu([p["lat"] for p in truth], [p["lon"] for p in truth],
                                [p["alt_m"] for p in truth])
    reports = of_sensor(tmp_path, "radar")
    assert len(reports) > 20
    for report in reports:
        where = np.array([np.interp(report["t"], t_truth, enu[:, i]) for i in range(3)])
        az, el, rng = enu_to_aer(where)
        assert abs(float(rng) - report["range_m"]) < 25.0
        assert abs((float(az) - report["az_deg"] + 180.0) % 360.0 - 180.0) < 2.5
        assert abs(float(el) - report["el_deg"]) < 4.0
        assert report["rr_mps"] > 1.0  # flying away from the radar


def test_real_osm_buildings_hide_a_drone_from_one_camera(tmp_path: Path,
                                                         shared_data: Path) -> None:
    # Central Helsinki: a low drone over a street; one camera on the same street, the
    # other behind a 39 m block (OpenStreetMap way 122595241).
    city = {"file": str(shared_data / "city" / "helsinki.osm.pbf")}
    clear = {**EO, "id": "eo-street", "at": [-150, -357, 5]}
    behind = {**EO, "id": "eo-behind", "at": [-50, -357, 5]}
    drone = {"id": "d", "model": "multirotor", "at": [-190, -357, 15], "jitter_mps2": 0.05,
             "route": [{"hover_s": 60}]}
    sc = scenario_from_dict({**scenario([clear, behind], [drone], city=city),
                             "origin": {"lat": 60.1715, "lon": 24.944}, "ground_alt_m": 10.0})
    assert len(sc.buildings) > 400
    simulate(sc, tmp_path, seed=1, duration_s=30)
    assert len(of_sensor(tmp_path, "eo-street")) > 40
    assert of_sensor(tmp_path, "eo-behind") == []


def test_acoustic_reports_in_wind_carry_their_wider_sigma(tmp_path: Path) -> None:
    mic = {"id": "mic", "type": "acoustic", "at": [0, 0, 5], "max_range_m": 400,
           "sigma": {"az_deg": 4.0, "el_deg": 6.0}}
    drone = {"id": "d", "model": "multirotor", "at": [0, 150, 40], "route": [{"hover_s": 60}]}
    simulate(scenario_from_dict(scenario([mic], [drone], wind_mps=5.0)), tmp_path, seed=1)
    reports = of_sensor(tmp_path, "mic")
    assert reports
    assert all(r["sigma"] == {"az_deg": 6.0, "el_deg": 9.0} for r in reports)


def test_a_target_crossing_the_radars_north_gets_one_plot_per_rotation(tmp_path: Path) -> None:
    """Due north of the radar the sweep ends one scan and starts the next: the beam
    passes a target there once, so the radar forms one plot a rotation, not two a
    few milliseconds apart."""
    weave = [{"to": [40.0 * (-1) ** k, 400.0 + 300.0 * k, 80]} for k in range(1, 5)]
    drone = {"id": "d", "model": "multirotor", "at": [-40, 400, 80], "speed_mps": 12,
             "jitter_mps2": 0.0, "route": weave}
    sc = scenario_from_dict(scenario([{**RADAR, "pd": 1.0}], [drone], duration_s=110))
    simulate(sc, tmp_path, seed=6)
    times = np.sort([r["t"] for r in of_sensor(tmp_path, "radar")])
    assert len(times) > 90
    assert np.diff(times).min() > 0.5
