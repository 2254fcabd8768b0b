"""Where a convoy is: from its route timetable or from a live feed."""

from __future__ import annotations

import numpy as np
import pytest

from skywarden.warn.assets import AssetPositions
from skywarden.warn.zones import project_lonlat
from tests.recordings import EXAMPLE_SITE
from tests.warn.scene import FRAME, T0, site_with

ROUTE = EXAMPLE_SITE["assets"][0]["route"]


def _timed_site_assets() -> AssetPositions:
    convoy = {**EXAMPLE_SITE["assets"][0], "speed_mps": 10.0, "start_t": T0}
    return AssetPositions(site_with(assets=[convoy]).assets, FRAME)


def test_a_convoy_waits_at_its_start_then_drives_its_route_then_stops() -> None:
    assets = _timed_site_assets()
    corners = project_lonlat(FRAME, tuple(map(tuple, ROUTE)))
    leg = float(np.linalg.norm(corners[1] - corners[0]))
    before = assets.states(T0 - 100.0)[0]
    assert np.allclose(before.en, corners[0], atol=0.01)
    assert np.allclose(before.vel_en, 0.0)
    mid = assets.states(T0 + 50.0)[0]
    direction = (corners[1] - corners[0]) / leg
    assert np.allclose(mid.en, corners[0] + direction * 500.0, atol=0.5)
    assert np.allclose(mid.vel_en, direction * 10.0, atol=0.01)
    after = assets.states(T0 + 10_000.0)[0]
    assert np.allclose(after.en, corners[-1], atol=0.01)
    assert np.allclose(after.vel_en, 0.0)


def test_a_live_feed_places_the_asset_and_gives_its_velocity() -> None:
    assets = _timed_site_assets()
    lat, lon = ROUTE[1][1], ROUTE[1][0]
    assets.report("convoy-7", T0, lat, lon)
    assets.report("convoy-7", T0 + 10.0, lat + 0.0009, lon)
    state = assets.states(T0 + 20.0)[0]
    assert state.vel_en[1] == pytest.approx(10.0, abs=0.2)
    start = project_lonlat(FRAME, ((lon, lat),))[0]
    assert state.en[1] - start[1] == pytest.approx(200.0, abs=3.0)


def test_an_asset_without_timetable_or_feed_has_no_position() -> None:
    assets = AssetPositions(site_with().assets, FRAME)
    assert assets.states(T0) == []
    with pytest.raises(KeyError):
        assets.report("convoy-9", T0, 33.3, 44.3)
