"""Target motion: routes, hover, orbits, envelopes, formations and terrain following."""

from __future__ import annotations

from typing import Any

import numpy as np

from skywarden.sim import Scenario, scenario_from_dict
from skywarden.sim.motion import Motion, simulate_motion
from tests.sim.small import RADAR, scenario


def _fly(targets: list[dict[str, Any]], seconds: float, **extra: Any) -> tuple[Scenario, Motion]:
    sc = scenario_from_dict(scenario([RADAR], targets, **extra))
    return sc, simulate_motion(sc, seconds, np.random.default_rng(0))


def test_waypoints_are_reached_at_the_cruise_speed() -> None:
    drone = {"id": "d", "model": "multirotor", "at": [0, 0, 50], "speed_mps": 10,
             "route": [{"to": [600, 0, 50]}]}
    _, motion = _fly([drone], 90.0)
    _, vel, _ = motion.at(30.0)
    assert 8.5 < np.linalg.norm(vel[0, :2]) < 10.6
    end, _, _ = motion.at(90.0)
    assert np.hypot(end[0, 0] - 600.0, end[0, 1]) < 10.0


def test_a_fixed_wing_never_stalls_and_loiters_on_its_orbit() -> None:
    wing = {"id": "w", "model": "fixed_wing", "at": [0, 0, 100],
            "route": [{"orbit": {"centre": [500, 0], "radius_m": 150}}]}
    _, motion = _fly([wing], 200.0)
    speeds = np.linalg.norm(motion.vel[10:, 0, :2], axis=1)
    assert speeds.min() >= 13.9
    radius = np.hypot(motion.pos[-300:, 0, 0] - 500.0, motion.pos[-300:, 0, 1])
    assert np.all(np.abs(radius - 150.0) < 25.0)


def test_a_hovering_drone_stays_within_a_few_metres() -> None:
    drone = {"id": "d", "model": "multirotor", "at": [100, 100, 40], "route": [{"hover_s": 60}]}
    _, motion = _fly([drone], 60.0)
    drift = np.linalg.norm(motion.pos[:, 0] - motion.pos[0, 0], axis=1)
    assert drift.max() < 5.0


def test_a_swarm_keeps_formation_then_scatters() -> None:
    swarm = {"swarm": {"id": "s", "count": 9, "at": [0, 0, 80], "spacing_m": 10,
                       "disperse_s": 60, "disperse_radius_m": 400,
                       "route": [{"to": [0, 1000, 80]}]}}
    sc, motion = _fly([], 150.0, groups=[swarm])
    assert len(sc.targets) == 9

    def spread(t: float) -> float:
        pos, _, _ = motion.at(t)
        return float(np.max(np.linalg.norm(pos[:, :2] - pos[:, :2].mean(axis=0), axis=1)))

    assert spread(50.0) < 40.0
    assert spread(150.0) > 100.0


def test_terrain_following_clears_the_roofs() -> None:
    city = {"synthetic": {"seed": 2, "extent_m": 800, "block_m": 80, "street_m": 16,
                          "min_height_m": 10, "max_height_m": 40}}
    drone = {"id": "d", "model": "multirotor", "at": [-450, -450, 20], "speed_mps": 8,
             "terrain_clearance_m": 12, "route": [{"to": [450, 450, 20]}]}
    sc, motion = _fly([drone], 170.0, city=city)
    pos = motion.pos[:, 0]
    roofs = sc.buildings.roof_height_at(pos[:, 0], pos[:, 1])
    above_ground = pos[:, 2] - sc.ground_up(pos[:, 0], pos[:, 1])
    assert roofs.max() > 20.0
    assert np.all(above_ground - roofs > 0.0)


def test_birds_are_erratic_and_slow() -> None:
    flock = {"flock": {"id": "b", "count": 6, "at": [0, 0, 40], "spread_m": 10}}
    _, motion = _fly([], 120.0, groups=[flock])
    speeds = np.linalg.norm(motion.vel[50:, :, :2], axis=2)
    assert speeds.mean() < 15.0
    turn = np.abs(np.diff(np.unwrap(np.arctan2(motion.vel[50:, 0, 1], motion.vel[50:, 0, 0]))))
    assert turn.mean() > 0.02
