"""The pipeline as a whole: when two tracks merge, the alert open on the absorbed track
goes on under the survivor instead of closing and opening anew; zones edited live are
watched from the next picture."""

from __future__ import annotations

import numpy as np
import pytest

from skywarden.geo import LocalFrame
from skywarden.model import Alert, AlertState
from skywarden.pipeline import Picture
from tests.track.helpers import ORIGIN, duplicate_track_scene, run


@pytest.fixture(scope="module")
def pictures() -> list[Picture]:
    the_site, reports = duplicate_track_scene(np.random.default_rng(2))
    return run(the_site, reports)


def _alerts(pictures: list[Picture]) -> list[Alert]:
    return [alert for picture in pictures for alert in picture.alerts]


def test_the_absorbed_tracks_alert_continues_on_the_survivor(pictures: list[Picture]) -> None:
    merged_at = [p for p in pictures if p.merges]
    assert len(merged_at) == 1
    merge = merged_at[0].merges[0]
    assert (merge.absorbed_id, merge.survivor_id) == ("T2", "T1")
    alerts = _alerts(pictures)
    opened = [a for a in alerts if a.state is AlertState.OPEN]
    assert [(a.alert_id, a.track_id) for a in opened] == [("A1", "T2")]
    assert opened[0].t < merged_at[0].t
    moved = [a for a in merged_at[0].alerts if a.alert_id == "A1"]
    assert moved[0].state is AlertState.UPDATE
    assert moved[0].track_id == "T1"
    assert "track T2 merged into T1" in moved[0].message
    later = [a for a in alerts if a.t >= merged_at[0].t]
    assert {(a.alert_id, a.track_id) for a in later} == {("A1", "T1")}


def test_one_alert_stays_open_until_the_survivor_enters_the_zone(
    pictures: list[Picture],
) -> None:
    alerts = _alerts(pictures)
    assert {a.alert_id for a in alerts} == {"A1"}
    assert all(a.state is not AlertState.CLOSED for a in alerts)
    # By the end the drone has flown into the zone (west edge at east 0), where the
    # survivor fires the rule itself: what it fires is still the alert of the absorbed
    # track, not a new one.
    last = pictures[-1]
    assert [track.track_id for track in last.tracks] == ["T1"]
    track = last.tracks[0]
    frame = LocalFrame(ORIGIN["lat"], ORIGIN["lon"], ORIGIN["alt_m"])
    east = frame.geodetic_to_enu(track.lat, track.lon, track.alt_m)
    assert float(np.ravel(east)[0]) > 0.0


def test_zones_edited_live_reach_the_warner_built_or_not() -> None:
    from skywarden.pipeline import Pipeline
    from skywarden.recording import site_from_dict
    from tests.recordings import EXAMPLE_SITE

    site = site_from_dict(EXAMPLE_SITE)
    built = Pipeline(site)
    assert [z.id for z in built.warner.site.zones] == ["hq"]
    built.set_zones(())
    assert built.warner.site.zones == () and built.site.zones == ()
    lazy = Pipeline(site)
    lazy.set_zones(())
    assert lazy.warner.site.zones == ()
