"""Zone volumes in the site frame: inside, distance, and time to a possible entry."""

from __future__ import annotations

import numpy as np

from skywarden.model import Zone
from skywarden.warn import Warner, ZoneEntry
from skywarden.warn.zones import ZoneMap
from tests.warn.scene import FRAME, HQ_CENTRE, HQ_EAST_EDGE, SITE, T0, Flight, run, still


def _zones() -> ZoneMap:
    return ZoneMap(SITE.zones, FRAME)


def test_a_point_is_inside_only_between_floor_and_ceiling() -> None:
    zones = _zones()
    en = np.array([HQ_CENTRE, HQ_CENTRE, HQ_CENTRE])
    alt = np.array([100.0, 600.0, -20.0])
    d = zones.distance(en, alt)[:, 0]
    assert d[0] == 0.0
    assert d[1] == np.float64(100.0)
    assert d[2] == np.float64(20.0)


def test_distance_outside_the_polygon_is_in_metres() -> None:
    zones = _zones()
    en = np.array([[HQ_EAST_EDGE + 250.0, HQ_CENTRE[1]]])
    assert abs(zones.horizontal_distance(en)[0, 0] - 250.0) < 0.5


def test_time_to_entry_catches_a_track_heading_in_and_ignores_one_passing_clear() -> None:
    zones = _zones()
    start = np.array([HQ_EAST_EDGE + 300.0, HQ_CENTRE[1]])
    en = np.array([start, start])
    alt = np.array([120.0, 120.0])
    vel = np.array([[-10.0, 0.0, 0.0], [0.0, 10.0, 0.0]])
    tte = zones.time_to_entry(en, alt, vel, np.array([5.0, 5.0]), np.array([0.2, 0.2]),
                              horizon_s=60.0, step_s=1.0, n_sigma=2.0)
    assert 28.0 <= tte[0, 0] <= 30.0
    assert np.isinf(tte[1, 0])


def test_time_to_entry_flies_on_far_tracks_only_when_they_could_arrive_in_time() -> None:
    """A busy sky is mostly tracks too far away to reach a zone within the horizon,
    and they are left out early; a fast track as far away, heading in, still arrives
    within it, and an uncertain slow one may, as far as its uncertainty reaches."""
    zones = _zones()
    far = np.array([HQ_EAST_EDGE + 2000.0, HQ_CENTRE[1]])
    en = np.array([far, far, far])
    alt = np.full(3, 120.0)
    vel = np.array([[-40.0, 0.0, 0.0], [-10.0, 0.0, 0.0], [-10.0, 0.0, 0.0]])
    tte = zones.time_to_entry(en, alt, vel, np.array([5.0, 5.0, 5.0]),
                              np.array([0.2, 0.2, 12.0]), horizon_s=60.0, step_s=1.0,
                              n_sigma=2.0)[:, 0]
    assert 49.0 <= tte[0] <= 51.0
    assert np.isinf(tte[1])
    assert tte[2] < 60.0


def test_velocity_uncertainty_brings_the_possible_entry_earlier() -> None:
    zones = _zones()
    en = np.array([[HQ_EAST_EDGE + 300.0, HQ_CENTRE[1]]] * 2)
    alt = np.array([120.0, 120.0])
    vel = np.array([[-10.0, 0.0, 0.0]] * 2)
    tte = zones.time_to_entry(en, alt, vel, np.array([5.0, 5.0]), np.array([0.2, 3.0]),
                              horizon_s=60.0, step_s=1.0, n_sigma=2.0)
    assert tte[0, 0] > tte[1, 0]


def test_climbing_over_the_ceiling_is_no_entry() -> None:
    zones = _zones()
    en = np.array([[HQ_EAST_EDGE + 100.0, HQ_CENTRE[1]]])
    tte = zones.time_to_entry(en, np.array([700.0]), np.array([[-10.0, 0.0, 0.0]]),
                              np.array([5.0]), np.array([0.2]), 60.0, 1.0, 2.0)
    assert np.isinf(tte[0, 0])


def test_a_zone_drawn_live_is_watched_from_the_next_update() -> None:
    hover_en = (float(HQ_EAST_EDGE) + 800.0, 0.0)
    warner = Warner(SITE, [ZoneEntry()])
    flight = Flight("T1", still(hover_en))
    assert run(warner, [flight], 10) == []
    lat, lon, _ = FRAME.enu_to_geodetic(
        [[hover_en[0] + dx, hover_en[1] + dy, 0.0]
         for dx, dy in ((-100, -100), (100, -100), (100, 100), (-100, 100))])
    annex = Zone("annex", "Annex", tuple(zip(lon.tolist(), lat.tolist(), strict=True)),
                 0.0, 500.0)
    warner.set_zones((*SITE.zones, annex))
    alerts = run(warner, [flight], 5, t0=T0 + 11)
    assert [(a.state.value, a.zone) for a in alerts][:1] == [("open", "annex")]
    warner.set_zones(SITE.zones)
    later = run(warner, [flight], 30, t0=T0 + 17)
    assert [a.state.value for a in later if a.zone == "annex"][-1] == "closed"
