"""Authorisation and spoofing reasons travel on the track objects: from identification
into TrackState, tracks.jsonl and back, and end to end on the ``capital`` scenario."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from skywarden import recording as rec
from skywarden.cli import app
from skywarden.identify import Identified, Identifier, SpoofKind
from skywarden.model import AlertState, FixSource, PositionFix, SensorType, TargetClass, TrackState
from skywarden.sim.run import simulate
from skywarden.sim.scenario import read_scenario
from tests.identify.evidence import FRAME, SITE, evidence, history, line, state_of, votes

POLICE = "1581F5FJD22A00000001"
"""The serial the example site (and ``capital``) authorises."""
STRANGER = "1581F4QWK21B00000777"
CAPITAL = Path(__file__).resolve().parents[1] / "src" / "skywarden" / "sim" / "scenarios" / (
    "capital.yaml")
KINDS = {kind.value for kind in SpoofKind}


def _claims(rows: tuple[tuple[float, ...], ...], serial: str,
            offset_en: tuple[float, float] = (0.0, 0.0)) -> tuple[PositionFix, ...]:
    """The Remote ID fixes a drone flying ``rows`` broadcasts, shifted by ``offset_en``."""
    out = []
    for t, e, n, u, ve, vn, vu in rows:
        lat, lon, alt = FRAME.enu_to_geodetic(np.array([e + offset_en[0], n + offset_en[1], u]))
        out.append(PositionFix(t=t, sensor="rid-1", source=FixSource.REMOTEID, lat=float(lat),
                               lon=float(lon), alt_m=float(alt), h_sigma_m=10.0,
                               v_sigma_m=15.0, vel_enu_mps=(ve, vn, vu), remote_id=serial))
    return tuple(out)


def _fly(serial: str, offset_en: tuple[float, float], seconds: int = 30) -> list[Identified]:
    """Identify a radar-tracked drone broadcasting ``serial`` second by second."""
    identifier = Identifier(SITE)
    rows = history(line(9.0, 80.0), seconds)
    fixes = _claims(rows, serial, offset_en)
    items = []
    for k in range(1, len(rows) + 1):
        seen = rows[:k]
        now = seen[-1][0]
        ev = evidence("T1", seen, remote_id=serial,
                      source_types=frozenset({SensorType.RADAR, SensorType.REMOTEID}),
                      fixes=tuple(f for f in fixes if now - 10.0 <= f.t <= now))
        items.append(identifier.update(now, [state_of("T1", seen)], {"T1": ev})[0])
    return items


def test_a_spoofed_remote_id_track_carries_each_reason_with_its_kind() -> None:
    items = _fly(STRANGER, offset_en=(700.0, -600.0))
    last = items[-1]
    assert last.spoof, "the claim 920 m off the radar track was never doubted"
    assert last.track.spoof == tuple(f"{f.kind.value}: {f.reason}" for f in last.spoof)
    kind, reason = last.track.spoof[0].split(": ", 1)
    assert kind == SpoofKind.INCONSISTENT.value
    assert "m from where sensors see the drone" in reason
    line_ = rec.track_to_dict(last.track)
    assert line_["spoof"] == list(last.track.spoof)
    assert line_["authorised"] is False and line_["remote_id"] == STRANGER
    # Before the claim was caught the track carried no reason.
    assert items[0].track.spoof == ()


def test_an_honest_authorised_drone_is_authorised_on_its_track() -> None:
    items = _fly(POLICE, offset_en=(6.0, -4.0))
    assert all(item.track.authorised and item.track.spoof == () for item in items)
    assert rec.track_to_dict(items[-1].track)["authorised"] is True


def test_a_spoofer_borrowing_the_authorised_serial_loses_the_authorisation() -> None:
    items = _fly(POLICE, offset_en=(700.0, 0.0))
    assert items[0].track.authorised
    assert items[-1].track.spoof and not items[-1].track.authorised


def test_a_dark_track_that_takes_on_an_authorised_identity_is_authorised_too() -> None:
    identifier = Identifier(SITE)
    with_id = history(line(8.0, 70.0), 20)
    sensed = history(lambda tau: (8.0 * tau + 12.0, 0.0, 70.0), 20)
    evs = {"T1": evidence("T1", with_id, remote_id=POLICE, rf_hits=20),
           "T2": evidence("T2", sensed, eo_votes=votes(drone=8.0), rcs_dbsm=-19.0)}
    _, follower = identifier.update(with_id[-1][0],
                                    [state_of("T1", with_id), state_of("T2", sensed)], evs)
    assert follower.track.remote_id == POLICE
    assert follower.track.authorised == follower.authorised is True


def test_flags_round_trip_through_tracks_jsonl(tmp_path: Path) -> None:
    spoofed = TrackState(2.0, "T7", 33.31, 44.36, 120.0, (8.0, 8.0, 0.0), 1.2,
                         TargetClass.DRONE, 0.9, ("rid-1",), STRANGER,
                         spoof=("uncorroborated: no radar has seen it there for 20 s",
                                "impossible_kinematics: claims a speed of 90 m/s"))
    police = TrackState(2.0, "T8", 33.32, 44.37, 60.0, (1.0, 0.0, 0.0), 0.9,
                        TargetClass.DRONE, 0.99, ("radar-n", "rid-1"), POLICE, authorised=True)
    with rec.JsonlWriter(tmp_path / rec.TRACKS_FILE) as writer:
        writer.write(rec.track_to_dict(spoofed))
        writer.write(rec.track_to_dict(police))
    rejections = rec.Rejections()
    assert list(rec.iter_tracks(tmp_path, rejections)) == [spoofed, police]
    assert rejections.total == 0


def _line(**changes: object) -> str:
    base = {"t": 1.0, "track_id": "T1", "lat": 33.31, "lon": 44.36, "alt_m": 150.0,
            "vel_enu_mps": [1.0, 0.0, 0.0], "pos_sigma_m": 5.0, "class": "drone",
            "class_conf": 0.8, "sources": ["radar-n"], "remote_id": None, "icao": None,
            "dark": True}
    base.update(changes)
    return json.dumps(base)


def test_older_lines_read_unflagged_and_a_bad_flag_rejects_only_its_line(
    tmp_path: Path,
) -> None:
    lines = [
        _line(),  # written before the flags existed
        _line(track_id="T2", authorised=None, spoof=None),
        _line(track_id="T3", spoof="uncorroborated: no radar"),
        _line(track_id="T4", authorised="yes"),
        _line(track_id="T5", spoof=["inconsistent_position: 412 m off", 3]),
        _line(track_id="T6", authorised=True, spoof=[]),
    ]
    (tmp_path / rec.TRACKS_FILE).write_text("\n".join(lines) + "\n")
    rejections = rec.Rejections()
    tracks = list(rec.iter_tracks(tmp_path, rejections))
    assert [t.track_id for t in tracks] == ["T1", "T2", "T6"]
    assert [(t.authorised, t.spoof) for t in tracks] == [(False, ()), (False, ()), (True, ())]
    assert rejections.counts == {"spoof: not a list of strings": 2,
                                 "authorised: not a boolean": 1}


@pytest.mark.slow
def test_capital_tracks_show_the_spoofer_with_its_reason_and_the_police_drone_authorised(
    tmp_path: Path,
) -> None:
    recording = tmp_path / "capital"
    simulate(read_scenario(CAPITAL), recording, seed=1, duration_s=90.0)
    result = CliRunner().invoke(app, ["track", str(recording), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    rejections = rec.Rejections()
    tracks = list(rec.iter_tracks(tmp_path / "out", rejections))
    assert rejections.total == 0 and tracks

    spoofed = [t for t in tracks if t.spoof]
    assert spoofed, "the capital spoofer was never flagged on its track"
    assert {t.remote_id for t in spoofed} == {STRANGER}
    assert not any(t.authorised for t in spoofed)
    for track in spoofed:
        for entry in track.spoof:
            kind, reason = entry.split(": ", 1)
            assert kind in KINDS and reason.startswith("Remote ID claims")

    police = [t for t in tracks if t.remote_id == POLICE]
    assert police and all(t.authorised and not t.spoof for t in police)
    assert {t.track_id for t in tracks if t.authorised} <= {t.track_id for t in police}

    # The spoofing alert states the same reasons the track carries at that instant.
    alerts = [a for a in rec.iter_alerts(tmp_path / "out", rejections)
              if a.rule == "spoofed_remote_id" and a.state is not AlertState.CLOSED]
    assert alerts
    by_key = {(t.t, t.track_id): t for t in spoofed}
    for alert in alerts:
        track = by_key[(alert.t, alert.track_id)]
        reasons = "; ".join(entry.split(": ", 1)[1] for entry in track.spoof)
        assert alert.message.endswith(reasons)
