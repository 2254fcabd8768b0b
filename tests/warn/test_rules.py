"""Each warning rule on a small hand-built scene."""

from __future__ import annotations

import pytest

from skywarden.identify import SpoofFlag, SpoofKind
from skywarden.model import Severity, TargetClass
from skywarden.warn import (
    AssetApproach,
    DarkDrone,
    Loiter,
    PredictedEntry,
    SpoofedRemoteId,
    Swarm,
    Warner,
    ZoneEntry,
    default_rules,
    rules_from_config,
)
from tests.recordings import EXAMPLE_SITE
from tests.warn.scene import (
    HQ_CENTRE,
    HQ_EAST_EDGE,
    SITE,
    T0,
    Flight,
    lines,
    run,
    site_with,
    still,
    straight,
)

INBOUND = (HQ_EAST_EDGE + 600.0, HQ_CENTRE[1])
"""600 m east of the zone, level with its centre."""


def _opened(alerts: list, rule: str) -> list:
    return [a for a in alerts if a.rule == rule and a.state.value == "open"]


def test_zone_entry_opens_when_the_drone_crosses_into_the_zone() -> None:
    alerts = run(Warner(SITE, [ZoneEntry()]), [Flight("T1", straight(INBOUND, (-10.0, 0.0)))], 70)
    opened = _opened(alerts, "zone_entry")
    assert len(opened) == 1
    assert opened[0].t - T0 == pytest.approx(61.0)
    assert opened[0].message == "Dark drone entered Ministry compound"
    assert opened[0].zone == "hq" and opened[0].severity is Severity.HIGH


def test_a_drone_above_the_ceiling_does_not_enter() -> None:
    flight = Flight("T1", straight(INBOUND, (-10.0, 0.0)), alt_m=650.0)
    assert run(Warner(SITE, [ZoneEntry()]), [flight], 90) == []


def test_predicted_entry_warns_well_before_the_drone_arrives() -> None:
    alerts = run(Warner(SITE, [PredictedEntry(), ZoneEntry()]),
                 [Flight("T1", straight(INBOUND, (-10.0, 0.0)))], 70)
    predicted = _opened(alerts, "predicted_entry")[0]
    entered = _opened(alerts, "zone_entry")[0]
    assert entered.t - predicted.t >= 30.0
    assert "heading for Ministry compound" in predicted.message


def test_predicted_entry_ignores_a_drone_flying_away() -> None:
    flight = Flight("T1", straight((HQ_EAST_EDGE + 100.0, HQ_CENTRE[1]), (10.0, 0.0)))
    assert run(Warner(SITE, [PredictedEntry()]), [flight], 30) == []


def _convoy_site() -> Warner:
    convoy = {**EXAMPLE_SITE["assets"][0], "speed_mps": 10.0, "start_t": T0, "radius_m": 300.0}
    return Warner(site_with(assets=[convoy]), [AssetApproach()])


def test_asset_approach_fires_on_a_closing_course_before_the_radius() -> None:
    warner = _convoy_site()
    here = warner._assets.states(T0 + 1.0)[0]
    start = (here.en[0] - here.vel_en[0], here.en[1] - here.vel_en[1] + 900.0)
    course = (here.vel_en[0], here.vel_en[1] - 15.0)
    alerts = run(warner, [Flight("T1", straight(start, course), start_t=T0)], 60)
    opened = _opened(alerts, "asset_approach")
    assert len(opened) == 1
    assert opened[0].message.startswith("Dark drone closing on Convoy 7: within 300 m in ")
    assert 9.0 <= opened[0].t - T0 <= 11.0
    inside = [a for a in alerts if a.message.startswith("Dark drone within")]
    assert inside and all(a.alert_id == opened[0].alert_id for a in inside)
    assert opened[0].asset == "convoy-7"


def test_asset_approach_ignores_a_drone_holding_far_away() -> None:
    warner = _convoy_site()
    here = warner._assets.states(T0)[0]
    flight = Flight("T1", still((here.en[0] - 2000.0, here.en[1] + 2000.0)))
    assert run(warner, [flight], 40) == []


def test_loiter_fires_after_the_dwell_for_a_hover_near_the_zone() -> None:
    flight = Flight("T1", still((HQ_EAST_EDGE + 80.0, HQ_CENTRE[1])))
    alerts = run(Warner(SITE, [Loiter(dwell_s=30.0)]), [flight], 40)
    opened = _opened(alerts, "loiter")
    assert [a.t - T0 for a in opened] == [30.0]
    assert opened[0].message.startswith("Dark drone hovering within 150 m of Ministry compound")


def test_loiter_does_not_fire_for_a_drone_passing_by() -> None:
    passing = Flight("T1", straight((HQ_EAST_EDGE + 100.0, HQ_CENTRE[1] - 300.0), (0.0, 5.0)))
    assert run(Warner(SITE, [Loiter(dwell_s=30.0)]), [passing], 120) == []


def test_dark_drone_fires_for_a_dark_drone_but_not_one_heard_on_rf() -> None:
    dark = Flight("T1", still((HQ_EAST_EDGE + 1000.0, 0.0)))
    heard = Flight("T2", still((HQ_EAST_EDGE + 1500.0, 0.0)), dark=False, rf_hits=5)
    alerts = run(Warner(SITE, [DarkDrone()]), [dark, heard], 5)
    assert lines(alerts) == [("A1", "open", "T1")]
    assert alerts[0].message == "Dark drone in the protected area, 1000 m from Ministry compound"


def test_dark_drone_respects_the_protected_area() -> None:
    polygon = [list(v) for v in EXAMPLE_SITE["zones"][0]["polygon"]]
    warner = Warner(site_with(protected_area=polygon), [DarkDrone()])
    outside = Flight("T1", still((HQ_EAST_EDGE + 1000.0, 0.0)))
    inside = Flight("T2", still(HQ_CENTRE))
    assert lines(run(warner, [outside, inside], 3)) == [("A1", "open", "T2")]


def test_swarm_opens_one_alert_for_a_group_and_none_for_scattered_drones() -> None:
    group = [Flight(f"T{k}", still((2000.0 + 60.0 * k, 500.0))) for k in range(1, 5)]
    scattered = [Flight(f"T{k}", still((-2000.0 + 500.0 * k, -1500.0))) for k in range(5, 9)]
    alerts = run(Warner(SITE, [Swarm(min_drones=3, radius_m=150.0)]), group + scattered, 5)
    assert lines(alerts) == [("A1", "open", "T1")]
    assert alerts[0].message == "Swarm of 4 drones (T1, T2, T3, T4)"


def test_spoofed_remote_id_raises_its_own_alert_with_the_reason() -> None:
    flag = SpoofFlag(SpoofKind.IMPOSSIBLE, T0, "Remote ID position jumped 900 m in 1.0 s")
    flight = Flight("T1", still((3000.0, 0.0)), dark=False, remote_id="ABC123", spoof=(flag,))
    alerts = run(Warner(SITE, [SpoofedRemoteId()]), [flight], 3)
    assert lines(alerts) == [("A1", "open", "T1")]
    assert alerts[0].message == (
        "Spoofed Remote ID ABC123: Remote ID position jumped 900 m in 1.0 s")


@pytest.mark.parametrize("cls", [TargetClass.BIRD, TargetClass.AIRCRAFT, TargetClass.UNKNOWN])
def test_birds_aircraft_and_unknowns_raise_no_drone_alert(cls: TargetClass) -> None:
    flock = [Flight(f"T{k}", straight((HQ_EAST_EDGE + 600.0, HQ_CENTRE[1] + 20.0 * k),
                                      (-10.0, 0.0)), cls=cls, dark=False) for k in range(5)]
    flock.append(Flight("T9", still((HQ_EAST_EDGE + 50.0, HQ_CENTRE[1])), cls=cls))
    assert run(Warner(SITE), flock, 120) == []


def test_an_authorised_drone_never_alarms() -> None:
    flight = Flight("T1", straight(INBOUND, (-10.0, 0.0)), dark=False,
                    remote_id="1581F5FJD22A00000001", authorised=True)
    assert run(Warner(SITE), [flight], 120) == []


def test_rules_take_their_severity_and_settings_from_config() -> None:
    rules = rules_from_config({"zone_entry": {"severity": "critical"},
                               "swarm": {"min_drones": 5}, "loiter": {"enabled": False}})
    by_name = {r.name: r for r in rules}
    assert by_name["zone_entry"].severity is Severity.CRITICAL
    assert isinstance(by_name["swarm"], Swarm) and by_name["swarm"].min_drones == 5
    assert "loiter" not in by_name
    assert len(rules) == len(default_rules()) - 1


@pytest.mark.parametrize("config, words", [
    ({"zone_exit": {}}, "unknown rule"),
    ({"swarm": {"min_drone": 4}}, "unknown setting"),
    ({"swarm": {"severity": "urgent"}}, "rule swarm"),
])
def test_a_bad_rule_config_is_refused_with_its_name(config: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        rules_from_config(config)


def test_the_site_file_can_set_rule_severity() -> None:
    site = site_with(rules={"zone_entry": {"severity": "critical"}})
    alerts = run(Warner(site), [Flight("T1", straight(INBOUND, (-10.0, 0.0)))], 70)
    assert _opened(alerts, "zone_entry")[0].severity is Severity.CRITICAL
