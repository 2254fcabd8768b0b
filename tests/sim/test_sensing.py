"""The physical sensor models: range law, signatures, field of view and the MTI notch."""

from __future__ import annotations

import numpy as np

from skywarden.model import Sensor, SensorType, TargetClass
from skywarden.sensing import (
    TYPICAL_SIGNATURES,
    SignatureArrays,
    TargetSignature,
    detection_probability,
    sigma,
)

DRONE = TYPICAL_SIGNATURES["multirotor"]
BIRD = TYPICAL_SIGNATURES["bird"]


def _north(*ranges: float, up: float = 30.0) -> np.ndarray:
    return np.array([[0.0, r, up] for r in ranges])


def test_radar_reference_target_has_the_sites_pd_at_the_reference_range() -> None:
    radar = Sensor("r", SensorType.RADAR, 33.0, 44.0, 50.0, max_range_m=5000.0, pd=0.8,
                   params={"ref_range_m": 3000.0})
    pd = detection_probability(radar, np.array([[0.0, 3000.0, 0.0]]), DRONE)
    assert abs(pd[0] - 0.8) < 1e-6


def test_radar_pd_falls_with_range_and_rcs_and_stops_at_max_range() -> None:
    radar = Sensor("r", SensorType.RADAR, 33.0, 44.0, 50.0, max_range_m=5000.0)
    rel = _north(500.0, 2000.0, 4000.0, 4900.0, 5100.0)
    drone = detection_probability(radar, rel, DRONE)
    bird = detection_probability(radar, rel, BIRD)
    assert np.all(np.diff(drone[:4]) < 0)
    assert np.all(bird[:4] < drone[:4])
    assert drone[4] == 0.0


def test_radar_mti_notch_hides_hovering_and_tangential_targets() -> None:
    radar = Sensor("r", SensorType.RADAR, 33.0, 44.0, 50.0)
    rel = _north(1000.0, 1000.0, 1000.0)
    vel = np.array([[0.1, 0.2, 0.0], [12.0, 0.0, 0.0], [0.0, 12.0, 0.0]])
    pd = detection_probability(radar, rel, DRONE, vel)
    assert pd[0] == 0.0 and pd[1] == 0.0
    assert pd[2] > 0.9


def test_only_emitting_targets_reach_an_rf_direction_finder() -> None:
    rf = Sensor("rf", SensorType.RF, 33.0, 44.0, 50.0, max_range_m=3000.0)
    rel = _north(800.0, 800.0)
    emitting = TargetSignature(TargetClass.DRONE, emitting=True)
    pd = detection_probability(rf, rel, SignatureArrays.of([DRONE, emitting]))
    assert pd[0] == 0.0
    assert pd[1] > 0.9


def test_camera_sector_and_elevation_limits() -> None:
    eo = Sensor("eo", SensorType.EO, 33.0, 44.0, 50.0, max_range_m=2000.0,
                params={"az_center_deg": 90.0, "fov_az_deg": 60.0, "el_min_deg": 0.0})
    rel = np.array([[500.0, 0.0, 50.0], [0.0, 500.0, 50.0], [500.0, 0.0, -50.0]])
    pd = detection_probability(eo, rel, DRONE)
    assert pd[0] > 0.9
    assert pd[1] == 0.0 and pd[2] == 0.0


def test_wind_shortens_acoustic_range_and_widens_its_bearings() -> None:
    mic = Sensor("mic", SensorType.ACOUSTIC, 33.0, 44.0, 50.0, max_range_m=400.0)
    rel = _north(300.0)
    calm = detection_probability(mic, rel, DRONE)
    windy = detection_probability(mic, rel, DRONE, wind_mps=8.0)
    assert windy[0] < calm[0]
    assert sigma(mic, "az_deg", wind_mps=8.0) > sigma(mic, "az_deg")


def test_vectorised_over_a_large_grid() -> None:
    radar = Sensor("r", SensorType.RADAR, 33.0, 44.0, 50.0)
    grid = np.random.default_rng(1).uniform(-6000.0, 6000.0, size=(100_000, 3))
    pd = detection_probability(radar, grid, DRONE)
    assert pd.shape == (100_000,)
    assert np.all((pd >= 0.0) & (pd <= 1.0))
