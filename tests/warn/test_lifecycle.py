"""The alert lifecycle: open, update, close with hysteresis, escalation, merges, ids."""

from __future__ import annotations

import itertools

import numpy as np

from skywarden.model import AlertState, Severity
from skywarden.warn import DarkDrone, PredictedEntry, Warner, ZoneEntry
from tests.warn.scene import (
    HQ_CENTRE,
    HQ_EAST_EDGE,
    HQ_EN,
    SITE,
    T0,
    Flight,
    lines,
    run,
    still,
    straight,
)

INBOUND = (HQ_EAST_EDGE + 600.0, HQ_CENTRE[1])


def test_an_alert_opens_is_updated_periodically_and_closes_after_the_drone_leaves() -> None:
    crossing = Flight("T1", straight((HQ_EAST_EDGE + 30.0, HQ_CENTRE[1]), (-5.0, 0.0)))
    # 30 m east of the edge at 5 m/s west: inside from 6 s, out the west side by ~50 s.
    alerts = run(Warner(SITE, [ZoneEntry()], update_every_s=10.0), [crossing], 70)
    states = [(a.state.value, a.t - T0) for a in alerts]
    assert states[0] == ("open", 7.0)
    assert [s for s, _ in states[1:-1]] == ["update"] * (len(states) - 2)
    update_times = [t for _, t in states[:-1]]
    assert all(b - a == 10.0 for a, b in itertools.pairwise(update_times))
    closed_at = states[-1]
    assert closed_at[0] == "closed"
    west_edge_exit = (30.0 + HQ_EAST_EDGE - float(HQ_EN[:, 0].min())) / 5.0
    # leaves the zone, then the 15 m margin plus 5 m sigma (4 s), then 5 s to clear
    assert west_edge_exit + 4.0 <= closed_at[1] <= west_edge_exit + 11.0
    assert {a.alert_id for a in alerts} == {"A1"}
    assert alerts[-1].message == "Cleared: Dark drone entered Ministry compound"


def test_a_drone_wobbling_on_the_boundary_does_not_flap() -> None:
    wobble = Flight("T1", lambda t: (HQ_EAST_EDGE + 8.0 * np.sin(0.7 * (t - T0)), HQ_CENTRE[1]))
    alerts = run(Warner(SITE, [ZoneEntry()]), [wobble], 120)
    assert [a.state for a in alerts if a.state is not AlertState.UPDATE] == [AlertState.OPEN]


def test_a_lost_track_closes_its_alerts_after_the_clearing_delay() -> None:
    flight = Flight("T1", still(HQ_CENTRE))
    alerts = run(Warner(SITE, [ZoneEntry()], clear_after_s=5.0), [flight], 30,
                 present=lambda f, t: t < T0 + 10.0)
    assert lines(alerts) == [("A1", "open", "T1"), ("A1", "closed", "T1")]
    assert alerts[-1].t - T0 == 14.0
    assert alerts[-1].lat == alerts[0].lat


def test_a_higher_severity_rule_escalates_the_open_alerts_of_the_track() -> None:
    alerts = run(Warner(SITE, [PredictedEntry(), ZoneEntry()]),
                 [Flight("T1", straight(INBOUND, (-10.0, 0.0)))], 65)
    entry = next(a for a in alerts if a.rule == "zone_entry")
    escalated = [a for a in alerts if a.t == entry.t and a.rule == "predicted_entry"]
    assert len(escalated) == 1
    assert escalated[0].state is AlertState.UPDATE
    assert escalated[0].severity is Severity.HIGH
    assert escalated[0].message.endswith(
        f"escalated: Dark drone entered Ministry compound ({entry.alert_id})")
    before = [a for a in alerts if a.rule == "predicted_entry" and a.t < entry.t]
    assert all(a.severity is Severity.MEDIUM for a in before)


def test_an_alert_opening_on_an_escalated_track_takes_its_severity() -> None:
    flight = Flight("T1", still(HQ_CENTRE))
    alerts = run(Warner(SITE, [ZoneEntry(), DarkDrone()]), [flight], 2)
    opened = {a.rule: a.severity for a in alerts if a.state is AlertState.OPEN}
    assert opened == {"zone_entry": Severity.HIGH, "dark_drone": Severity.HIGH}


def _merge_scene(both_inside: bool) -> list:
    warner = Warner(SITE, [ZoneEntry()])
    a = Flight("T1", still(HQ_CENTRE if both_inside else (HQ_EAST_EDGE + 900.0, 0.0)))
    b = Flight("T2", still(HQ_CENTRE))
    out = run(warner, [a, b], 3)
    out += warner.merge(T0 + 3.5, "T2", "T1")
    a.path = still(HQ_CENTRE)
    out += run(warner, [a], 12, t0=T0 + 4.0)
    return out


def test_alerts_follow_the_surviving_track_when_tracks_merge() -> None:
    alerts = _merge_scene(both_inside=False)
    assert lines(alerts)[:2] == [("A1", "open", "T2"), ("A1", "update", "T1")]
    assert "track T2 merged into T1" in alerts[1].message
    assert {a.alert_id for a in alerts} == {"A1"}
    assert all(a.track_id == "T1" for a in alerts[1:])


def test_a_merged_alert_that_duplicates_the_survivors_closes_and_says_which_goes_on() -> None:
    alerts = _merge_scene(both_inside=True)
    assert lines(alerts)[:3] == [("A1", "open", "T1"), ("A2", "open", "T2"),
                                 ("A2", "closed", "T2")]
    assert alerts[2].message.endswith("(track T2 merged into T1, continued as A1)")
    assert {a.alert_id for a in alerts[3:]} == {"A1"}


def test_the_same_input_gives_the_same_alert_stream() -> None:
    def once() -> list:
        flights = [Flight(f"T{k}", straight((HQ_EAST_EDGE + 300.0 + 40 * k, HQ_CENTRE[1]),
                                            (-8.0, 0.0))) for k in range(1, 5)]
        return run(Warner(SITE), flights, 90)

    first, second = once(), once()
    assert first == second
    assert [a.alert_id for a in first if a.state is AlertState.OPEN] == [
        f"A{k}" for k in range(1, 1 + sum(a.state is AlertState.OPEN for a in first))]


def test_every_drone_alert_carries_a_launch_point() -> None:
    climbing = Flight("T1", straight(INBOUND, (-10.0, 0.0)))
    operator = Flight("T2", straight((HQ_EAST_EDGE + 700.0, HQ_CENTRE[1]), (-10.0, 0.0)),
                      dark=False, remote_id="1596F3C2B7D400000042", operator=(33.30, 44.37))
    alerts = run(Warner(SITE), [climbing, operator], 70)
    assert alerts and all(a.launch_point is not None for a in alerts)
    sources = {a.track_id: a.launch_point.source for a in alerts if a.launch_point}
    assert sources == {"T1": "track", "T2": "remote_id"}


def test_a_track_younger_than_the_minimum_age_raises_no_alert_yet() -> None:
    newborn = Flight("T1", still(HQ_CENTRE), start_t=T0)
    alerts = run(Warner(SITE, [ZoneEntry()], min_age_s=5.0), [newborn], 8)
    assert [(a.t - T0, a.state.value) for a in alerts] == [(5.0, "open")]
