"""Classification of tracks from their kinematics and sensor evidence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skywarden.identify import Identifier
from skywarden.identify.classify import CLUTTER
from skywarden.model import RangeMotion, TargetClass
from skywarden.warn.corroboration import DEFAULT_LIMITS
from tests.identify.evidence import GROUND_UP, SITE, evidence, history, line, state_of, votes, weave
from tests.warn.real_flights import delivery_flight, stonesoup_flight


def _identify(ev_kw: dict, rows: tuple, track_id: str = "T1") -> tuple:
    identifier = Identifier(SITE)
    item = identifier.update(rows[-1][0], [state_of(track_id, rows)],
                             {track_id: evidence(track_id, rows, **ev_kw)})[0]
    return item.track.cls, item.track.class_conf, item


def test_a_drone_heard_on_rf_with_a_rotor_tone_is_a_drone() -> None:
    cls, conf, item = _identify({"rf_hits": 6, "f0_hz": 180.0, "rcs_dbsm": -19.0},
                                history(line(9.0, 80.0), 20))
    assert cls is TargetClass.DRONE and conf > 0.95
    assert not item.track.dark


def test_a_silent_drone_seen_by_cameras_is_a_dark_drone() -> None:
    cls, _, item = _identify({"eo_votes": votes(drone=5.0), "rcs_dbsm": -19.0},
                             history(line(8.0, 60.0), 20))
    assert cls is TargetClass.DRONE
    assert item.track.dark


def test_one_stray_rf_bearing_does_not_make_a_silent_drone_an_emitting_one() -> None:
    rows = history(line(8.0, 60.0), 20)
    _, _, strayed = _identify({"eo_votes": votes(drone=5.0), "rf_hits": 1}, rows)
    _, _, heard = _identify({"eo_votes": votes(drone=5.0), "rf_hits": 3}, rows)
    _, _, once = _identify({"eo_votes": votes(drone=5.0), "rf_hits": 40, "rf_recent": 0}, rows)
    assert strayed.track.dark and once.track.dark
    assert not heard.track.dark


def test_rf_bearings_too_few_to_show_an_emitter_do_not_make_a_bird_a_drone() -> None:
    """A flock that wins two bearings of some drone's link, in a sky where they gate a
    dozen tracks, has not been heard emit: it stays a bird, with the class confidence
    it has when nothing was heard. Heard on every look, the same flock would be in
    doubt."""
    rows = history(weave(11.0, 50.0, seed=1), 30)
    flock = {"eo_votes": votes(bird=1.0), "rcs_dbsm": -29.0}
    _, silent, _ = _identify(flock, rows)
    cls, crossed, _ = _identify({**flock, "rf_hits": 2}, rows)
    _, heard, _ = _identify({**flock, "rf_hits": 30}, rows)
    assert cls is TargetClass.BIRD and crossed == pytest.approx(silent)
    assert heard < silent


def test_a_return_whose_doppler_swings_both_ways_is_no_object() -> None:
    """A slow, small echo 70 m up that only a radar sees could be a drone. If its range
    rate changes sign between half its successive plots, it is a fixed return leaking
    through the MTI, likely no object at all: enough that it may open no alert
    (:class:`~skywarden.warn.corroboration.CorroborationLimits`, ``max_clutter``).
    Plots that keep one sign say it moves."""
    rows = history(line(2.5, 70.0), 12)
    echo = {"rcs_dbsm": -24.5}
    _, _, swinging = _identify({**echo, "doppler_flips": (4.0, 8)}, rows)
    _, _, steady = _identify({**echo, "doppler_flips": (0.0, 8)}, rows)
    assert swinging.classification.probs[CLUTTER] > DEFAULT_LIMITS.max_clutter
    assert steady.classification.probs[CLUTTER] < DEFAULT_LIMITS.max_clutter
    assert steady.track.cls is TargetClass.DRONE


def test_a_return_whose_range_stands_still_against_its_doppler_is_no_object() -> None:
    """The same echo, its range rate a steady +1.8 m/s on every plot: a fixed return
    whose leaks happened to keep one sign, since its range has not moved in 9 s. Had
    the range grown as the Doppler says, it would be a mover."""
    rows = history(line(2.5, 70.0), 12)
    echo = {"rcs_dbsm": -24.5, "doppler_flips": (0.0, 5)}
    _, _, still = _identify({**echo, "range_motion": (RangeMotion(0.1, 1.8, 0.6),)}, rows)
    _, _, moving = _identify({**echo, "range_motion": (RangeMotion(1.9, 1.8, 0.6),)}, rows)
    assert still.classification.probs[CLUTTER] > DEFAULT_LIMITS.max_clutter
    assert moving.classification.probs[CLUTTER] < DEFAULT_LIMITS.max_clutter


def test_a_return_whose_plots_land_where_a_fixed_return_leaks_is_no_object() -> None:
    """The same echo, its Doppler steady so far: if its three latest plots landed
    where the clutter map has seen a fixed return leak for a while, it is that return,
    likely no object at all. Plots elsewhere leave it a drone."""
    rows = history(line(2.5, 70.0), 12)
    echo = {"rcs_dbsm": -24.5, "doppler_flips": (0.0, 3)}
    _, _, spot = _identify({**echo, "leak_spot_plots": 3}, rows)
    cls, _, elsewhere = _identify({**echo, "leak_spot_plots": 0}, rows)
    assert spot.classification.probs[CLUTTER] > DEFAULT_LIMITS.max_clutter
    assert elsewhere.classification.probs[CLUTTER] < DEFAULT_LIMITS.max_clutter
    assert cls is TargetClass.DRONE


def test_a_bird_by_its_flight_cross_section_and_the_cameras_is_a_bird() -> None:
    cls, conf, item = _identify({"eo_votes": votes(bird=3.0), "rcs_dbsm": -29.0},
                                history(weave(11.0, 50.0, seed=1), 30))
    assert cls is TargetClass.BIRD and conf > 0.9
    assert not item.track.dark


def test_a_track_that_took_up_a_bird_is_not_held_a_drone_by_emissions_long_past() -> None:
    """A track that followed an emitting drone for minutes, then lost it and took up a
    bird: the RF hits and the rotor tone are of the past, the cameras see a bird."""
    rows = history(weave(9.0, 50.0, seed=2), 30)
    then = {"eo_votes": votes(bird=3.0), "rcs_dbsm": -26.0, "rf_hits": 150}
    cls, conf, _ = _identify({**then, "rf_recent": 0}, rows)
    assert cls is TargetClass.BIRD and conf > 0.9
    heard_now, _, _ = _identify({**then, "rf_recent": 150, "f0_hz": 180.0}, rows)
    assert heard_now is TargetClass.DRONE


def test_an_ads_b_aircraft_is_an_aircraft() -> None:
    cls, conf, _ = _identify({"icao": "72A1F3", "rcs_dbsm": 12.0},
                             history(line(60.0, 300.0), 20))
    assert cls is TargetClass.AIRCRAFT and conf > 0.95


def test_a_fast_big_echo_without_transponder_is_still_an_aircraft() -> None:
    cls, _, _ = _identify({"rcs_dbsm": 9.0}, history(line(55.0, 400.0), 20))
    assert cls is TargetClass.AIRCRAFT


def test_a_remote_id_broadcast_makes_a_drone_and_is_carried_on_the_track() -> None:
    cls, _, item = _identify({"remote_id": "1596F3C2B7D400000042"},
                             history(line(7.0, 70.0), 20))
    assert cls is TargetClass.DRONE
    assert item.track.remote_id == "1596F3C2B7D400000042"
    assert not item.track.dark and not item.authorised


def test_an_authorised_serial_is_labelled_authorised() -> None:
    _, _, item = _identify({"remote_id": "1581F5FJD22A00000001"}, history(line(7.0, 70.0), 20))
    assert item.authorised


def test_a_hovering_drone_with_a_small_echo_does_not_become_a_bird() -> None:
    rows = history(lambda tau: (0.3 * np.sin(tau), 0.3 * np.cos(tau), 60.0), 30)
    cls, _, _ = _identify({"rcs_dbsm": -26.0, "hover_s": 25.0}, rows)
    assert cls is TargetClass.DRONE


def test_a_drone_that_hovered_stays_a_drone_when_it_flies_off_like_a_bird() -> None:
    identifier = Identifier(SITE)
    hover = history(lambda tau: (0.0, 0.0, 60.0), 20)
    identifier.update(hover[-1][0], [state_of("T1", hover)],
                      {"T1": evidence("T1", hover, rcs_dbsm=-24.0, hover_s=20.0)})
    fly = history(line(11.0, 60.0), 30, t0=hover[-1][0] + 1.0)
    item = identifier.update(fly[-1][0], [state_of("T1", fly)],
                             {"T1": evidence("T1", fly, rcs_dbsm=-24.0, hover_s=0.0)})[0]
    assert item.track.cls is not TargetClass.BIRD


def test_no_member_of_a_bird_flock_is_called_a_drone() -> None:
    identifier = Identifier(SITE)
    tracks, evs = [], {}
    for k in range(12):
        rows = history(weave(9.0 + k % 4, 40.0 + 5 * k, seed=k), 40)
        track_id = f"T{k}"
        tracks.append(state_of(track_id, rows))
        evs[track_id] = evidence(track_id, rows, rcs_dbsm=-28.0 + (k % 5),
                                 eo_votes=votes(bird=1.0) if k % 3 == 0 else {})
    classes = [i.track.cls for i in identifier.update(tracks[0].t, tracks, evs)]
    assert TargetClass.DRONE not in classes
    assert classes.count(TargetClass.BIRD) >= 10


def test_an_empty_track_is_unknown_rather_than_guessed() -> None:
    identifier = Identifier(SITE)
    rows = history(line(10.0, 100.0), 0)
    item = identifier.update(rows[0][0], [state_of("T1", rows)], {})[0]
    assert item.track.cls is TargetClass.UNKNOWN


def _real_flight_classes(rows: np.ndarray) -> list[TargetClass]:
    """Classes of a real flight replayed from kinematics alone, every 5 s."""
    identifier = Identifier(SITE)
    out = []
    for end in range(10, len(rows), 5):
        window = tuple(map(tuple, rows[max(0, end - 30):end]))
        hover = float(np.sum(np.hypot(rows[:end, 4], rows[:end, 5]) < 1.0))
        item = identifier.update(window[-1][0], [state_of("T1", window)],
                                 {"T1": evidence("T1", window, hover_s=hover)})[0]
        out.append(item.track.cls)
    return out


@pytest.mark.parametrize("flight", ["delivery", "stonesoup"])
def test_real_drone_flights_are_never_called_aircraft_from_their_kinematics(
    shared_data: Path, flight: str
) -> None:
    if flight == "delivery":
        rows = delivery_flight(shared_data)
        ground = float(rows[:, 3].min())
    else:
        rows, _ = stonesoup_flight(shared_data)
        ground = 0.0
    rows = rows.copy()
    rows[:, 3] += GROUND_UP - ground
    classes = _real_flight_classes(rows)
    assert TargetClass.AIRCRAFT not in classes
    assert classes.count(TargetClass.DRONE) > classes.count(TargetClass.BIRD)


def _pair(offset_m: float) -> list:
    """A Remote ID drone track and a sensor-only drone track ``offset_m`` east of it."""
    identifier = Identifier(SITE)
    with_id = history(line(8.0, 70.0), 20)
    sensed = history(lambda tau: (8.0 * tau + offset_m, 0.0, 70.0), 20)
    evs = {"T1": evidence("T1", with_id, remote_id="1581F5FJD22A00000001", rf_hits=20),
           "T2": evidence("T2", sensed, eo_votes=votes(drone=8.0), rcs_dbsm=-19.0)}
    return identifier.update(with_id[-1][0], [state_of("T1", with_id), state_of("T2", sensed)],
                             evs)


def test_a_sensor_track_on_top_of_a_remote_id_track_shares_its_identity() -> None:
    carrier, follower = _pair(12.0)
    assert carrier.authorised
    assert follower.track.remote_id == "1581F5FJD22A00000001"
    assert follower.authorised and not follower.track.dark


def test_a_dark_drone_away_from_a_remote_id_track_stays_dark() -> None:
    _, stranger = _pair(400.0)
    assert stranger.track.remote_id is None
    assert stranger.track.dark and not stranger.authorised
