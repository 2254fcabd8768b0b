"""The ranging gate: tracks that no radar updates, inside radar cover, open no alert."""

from __future__ import annotations

from typing import Any

import pytest

from skywarden.identify import SpoofFlag, SpoofKind
from skywarden.model import Alert
from skywarden.warn import DarkDrone, Loiter, SpoofedRemoteId, Warner, ZoneEntry
from tests.recordings import EXAMPLE_SITE
from tests.warn.scene import (
    HQ_CENTRE,
    HQ_EAST_EDGE,
    SITE,
    T0,
    Flight,
    run,
    site_with,
    still,
    straight,
)

INBOUND = (HQ_EAST_EDGE + 300.0, HQ_CENTRE[1])
BEARINGS_ONLY = ("eo-1", "mic-1", "rf-1")
"""A ghost's sensors: bearings of cameras, microphones and direction finders."""


def _opened(alerts: list[Alert], rule: str | None = None) -> list[Alert]:
    return [a for a in alerts if a.state.value == "open" and (rule is None or a.rule == rule)]


def test_a_track_no_radar_updates_opens_no_alert_and_a_ranged_one_does() -> None:
    ghost = Flight("T1", straight(INBOUND, (-10.0, 0.0)), sources=BEARINGS_ONLY)
    drone = Flight("T2", straight(INBOUND, (-10.0, 0.0)))
    alerts = run(Warner(SITE, [ZoneEntry(), DarkDrone()]), [ghost, drone], 40)
    assert {(a.track_id, a.rule) for a in _opened(alerts)} == {
        ("T2", "dark_drone"), ("T2", "zone_entry")}


@pytest.mark.parametrize(("own_plots_ago", "alerted"), [
    ((), False),
    ((0.0,), False),
    ((6.0, 3.0, 0.0), False),
    ((4.0, 2.0, 0.0), True),
])
def test_a_track_is_ranged_only_by_its_own_plots_scan_after_scan(
        own_plots_ago: tuple[float, ...], alerted: bool) -> None:
    """A ghost beside a drone takes the drone's plots now and then, but they are
    contested, not its own; a ghost of bearings catches a stray false plot once in a
    while, and a fixed return leaks through the MTI a scan here and there. Only three
    plots of its own within 5 s of one another range a track."""
    track = Flight("T1", straight(INBOUND, (-10.0, 0.0)), own_plots_ago=own_plots_ago)
    drone = Flight("T2", straight(INBOUND, (-10.0, 0.0)))
    alerts = run(Warner(SITE, [ZoneEntry()]), [track, drone], 40)
    assert sorted(a.track_id for a in _opened(alerts)) == (["T1", "T2"] if alerted else ["T2"])


def test_without_the_gate_the_same_track_is_alerted() -> None:
    ghost = Flight("T1", straight(INBOUND, (-10.0, 0.0)), sources=BEARINGS_ONLY)
    alerts = run(Warner(SITE, [ZoneEntry()], corroboration=None), [ghost], 40)
    assert [a.track_id for a in _opened(alerts)] == ["T1"]


def test_an_open_alert_holds_when_radar_loses_the_track() -> None:
    flight = Flight("T1", still(HQ_CENTRE))
    warner = Warner(SITE, [ZoneEntry()])
    first = run(warner, [flight], 3)
    flight.sources = BEARINGS_ONLY
    later = run(warner, [flight], 30, t0=T0 + 4.0)
    assert [a.state.value for a in first] == ["open"]
    assert "closed" not in {a.state.value for a in later}


def test_a_hovering_drone_ranged_lately_may_open_alerts_unseen_by_radar() -> None:
    near = (HQ_EAST_EDGE + 60.0, HQ_CENTRE[1])
    seen = Flight("T1", still(near))
    never = Flight("T2", still(near), sources=BEARINGS_ONLY)
    warner = Warner(SITE, [Loiter(dwell_s=20.0)])
    run(warner, [seen, never], 2)
    seen.sources = BEARINGS_ONLY
    alerts = run(warner, [seen, never], 40, t0=T0 + 3.0)
    assert [a.track_id for a in _opened(alerts, "loiter")] == ["T1"]


def test_a_track_that_settles_away_from_where_it_was_last_ranged_opens_no_new_alert(
) -> None:
    """A swarm drone's track loses its drone, crosses 60 m unseen by any radar and
    settles where two cameras' lines of sight cross. A drone could not have done that:
    the radar sees it for as long as it moves. One that slows to a hover where the
    radar last saw it may go on opening alerts."""
    near = (HQ_EAST_EDGE + 60.0, HQ_CENTRE[1])

    def settles(t: float) -> tuple[float, float]:
        return near[0] + 60.0 * min(max(t - T0 - 3.0, 0.0) / 4.0, 1.0), near[1]

    settled = Flight("T1", settles)
    stopped = Flight("T2", still(near))
    warner = Warner(SITE, [Loiter(dwell_s=20.0)])
    run(warner, [settled, stopped], 2)
    settled.sources = stopped.sources = BEARINGS_ONLY
    alerts = run(warner, [settled, stopped], 40, t0=T0 + 3.0)
    assert [a.track_id for a in _opened(alerts, "loiter")] == ["T2"]


def test_a_hover_that_one_sensor_alone_holds_opens_no_new_alert() -> None:
    """One camera's bearings place a still object only on a line: a kite in front of a
    swarm, held by the swarm's camera labels, must not open alerts as a hovering drone."""
    near = (HQ_EAST_EDGE + 60.0, HQ_CENTRE[1])
    alone = Flight("T1", still(near))
    warner = Warner(SITE, [Loiter(dwell_s=20.0)])
    run(warner, [alone], 2)
    alone.sources = ("eo-1",)
    assert _opened(run(warner, [alone], 40, t0=T0 + 3.0)) == []


def test_a_hover_ranged_long_ago_opens_no_new_alert() -> None:
    near = (HQ_EAST_EDGE + 60.0, HQ_CENTRE[1])
    flight = Flight("T1", still(near))
    warner = Warner(SITE, [Loiter(dwell_s=60.0)])
    run(warner, [flight], 2)
    flight.sources = BEARINGS_ONLY
    assert _opened(run(warner, [flight], 90, t0=T0 + 3.0)) == []


def test_outside_radar_cover_bearings_are_enough() -> None:
    no_radar = site_with(sensors=[s for s in EXAMPLE_SITE["sensors"] if s["type"] != "radar"])
    ghost = Flight("T1", straight(INBOUND, (-10.0, 0.0)), sources=BEARINGS_ONLY)
    alerts = run(Warner(no_radar, [ZoneEntry()]), [ghost], 40)
    assert [a.track_id for a in _opened(alerts)] == ["T1"]


def test_a_broadcast_position_needs_no_radar_but_a_spoofed_one_does() -> None:
    honest = Flight("T1", straight(INBOUND, (-10.0, 0.0)), dark=False,
                    remote_id="1596F3C2B7D400000042", sources=("rid-1",))
    flag = SpoofFlag(SpoofKind.INCONSISTENT, T0, "claims a position no sensor sees")
    liar = Flight("T2", straight(INBOUND, (-10.0, 0.0)), dark=False,
                  remote_id="1581F4QWK21B00000777", spoof=(flag,), sources=("rid-1",))
    alerts = run(Warner(SITE, [ZoneEntry(), SpoofedRemoteId()]), [honest, liar], 40)
    assert {(a.track_id, a.rule) for a in _opened(alerts)} == {
        ("T1", "zone_entry"), ("T2", "spoofed_remote_id")}


def test_a_serial_the_broadcasts_no_longer_update_vouches_for_nothing() -> None:
    drifted = Flight("T1", straight(INBOUND, (-10.0, 0.0)), dark=False,
                     remote_id="1596F3C2B7D400000042", sources=BEARINGS_ONLY)
    alerts = run(Warner(SITE, [ZoneEntry()]), [drifted], 40)
    assert _opened(alerts) == []


@pytest.mark.parametrize(("held_back", "cleared"), [
    # Ranged five seconds ago, predicted since: a clutter return that leaks now and
    # then looks like a hovering drone between its leaks.
    ({"sources": ("radar-n",), "unmeasured_s": 3.3}, {"unmeasured_s": 0.4}),
    # Coasting, its position known to no better than 120 m.
    ({"pos_sigma_m": 120.0}, {"pos_sigma_m": 8.0}),
], ids=["missed-for-scans", "coasting"])
def test_a_track_not_measured_now_opens_no_alert_until_measured_again(
        held_back: dict[str, Any], cleared: dict[str, Any]) -> None:
    flight = Flight("T1", still(HQ_CENTRE), **held_back)
    warner = Warner(SITE, [ZoneEntry()])
    before = run(warner, [flight], 10)
    for name, value in cleared.items():
        setattr(flight, name, value)
    measured = run(warner, [flight], 3, t0=T0 + 11.0)
    assert before == []
    assert [(a.t - T0, a.state.value) for a in measured] == [(11.0, "open")]


def test_a_track_likely_to_follow_no_object_opens_no_alert() -> None:
    doubtful = Flight("T1", straight(INBOUND, (-10.0, 0.0)), clutter=0.4)
    likely = Flight("T2", straight(INBOUND, (-10.0, 0.0)), clutter=0.1)
    alerts = run(Warner(SITE, [ZoneEntry()]), [doubtful, likely], 40)
    assert [a.track_id for a in _opened(alerts)] == ["T2"]
