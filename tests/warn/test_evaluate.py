"""How the evaluation judges alerts against truth: by what the track followed when the
alert opened, and never in favour of alarming on an authorised drone."""

from __future__ import annotations

from skywarden.model import Alert, AlertState, Severity, TargetClass, TruthPoint
from skywarden.warn.evaluate import ALERT_WINDOW_S, Evaluation
from tests.warn.scene import SITE, T0

POLICE_SERIAL = SITE.authorised[0].remote_id


def _truth(name: str, kind: TargetClass, remote_id: str | None = None) -> TruthPoint:
    return TruthPoint(T0, name, kind, 0.0, 0.0, 100.0, (0.0, 0.0, 0.0), remote_id=remote_id)


def _opened(alert_id: str, track_id: str, t: float, rule: str = "zone_entry") -> Alert:
    return Alert(t, alert_id, AlertState.OPEN, rule, Severity.HIGH, track_id, "", 0.0, 0.0,
                 100.0)


def _evaluation() -> Evaluation:
    """T1 follows a gull for a minute, then a passing drone for ten seconds, then the
    gull again; T2 follows the authorised police drone; T3 follows nothing."""
    firsts = {
        "gull": _truth("gull", TargetClass.BIRD),
        "dark": _truth("dark", TargetClass.DRONE),
        "police": _truth("police", TargetClass.DRONE, POLICE_SERIAL),
    }
    ev = Evaluation(SITE, {k: p.kind for k, p in firsts.items()}, first_truth=firsts,
                    duration_s=3600.0)
    for k in range(90):
        ev.add_match(T0 + k, "T1", "dark" if 60 <= k < 70 else "gull")
        ev.add_match(T0 + k, "T2", "police")
    return ev


def test_an_alert_is_judged_by_what_its_track_followed_when_it_opened() -> None:
    ev = _evaluation()
    on_drone = _opened("A1", "T1", T0 + 62)
    on_gull = _opened("A2", "T1", T0 + 20)
    ev.alerts = [on_drone, on_gull]
    assert ev.truth_of("T1") == "gull"
    assert ev.truth_at("T1", T0 + 62) == "dark"
    assert ev.false_alerts() == [on_gull]
    assert ev.time_to_alert() == {"dark": 2.0}


def test_a_track_that_followed_nothing_then_is_judged_over_its_life() -> None:
    ev = _evaluation()
    assert ev.truth_at("T2", T0 + 200) == "police"
    assert ev.truth_at("T3", T0 + 10) is None
    ghost = _opened("A3", "T3", T0 + 10)
    ev.alerts = [ghost]
    assert ev.false_alerts() == [ghost]


def test_the_object_followed_most_within_the_window_counts() -> None:
    ev = _evaluation()
    assert ALERT_WINDOW_S == 5.0
    assert ev.truth_at("T1", T0 + 56) == "gull"
    assert ev.truth_at("T1", T0 + 61) == "dark"
    assert ev.truth_at("T1", T0 + 68) == "dark"
    assert ev.truth_at("T1", T0 + 73) == "gull"


def test_any_alert_on_the_authorised_drone_is_false() -> None:
    ev = _evaluation()
    alarm = _opened("A4", "T2", T0 + 30, rule="asset_approach")
    ev.alerts = [alarm]
    assert ev.authorised_objects() == {"police"}
    assert ev.false_alerts() == [alarm]
    assert ev.false_alerts_per_hour() == 1.0


def test_a_second_track_beside_a_drone_raises_a_duplicate_alert_not_a_false_one() -> None:
    """T4 sat within the gate of the drone that T1 was matched to: its alert is about
    that drone, counted apart as a duplicate; T3 near nothing stays false."""
    ev = _evaluation()
    for k in range(60, 70):
        ev.add_near(T0 + k, "T4", "dark")
    for k in range(0, 60):
        ev.add_near(T0 + k, "T5", "gull")
    beside = _opened("A5", "T4", T0 + 64, rule="dark_drone")
    on_drone = _opened("A6", "T1", T0 + 62)
    beside_gull = _opened("A7", "T5", T0 + 30)
    ghost = _opened("A8", "T3", T0 + 64)
    ev.alerts = [beside, on_drone, beside_gull, ghost]
    assert ev.truth_at("T4", T0 + 64) == "dark"
    assert ev.false_alerts() == [beside_gull, ghost]
    assert ev.duplicate_alerts() == [beside]
