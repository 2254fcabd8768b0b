"""Remote ID spoofing checks: each flag raised for its reason, and none on honest drones."""

from __future__ import annotations

import numpy as np

from skywarden.identify import Identifier, SpoofKind
from skywarden.model import FixSource, PositionFix, SensorType, TrackEvidence
from tests.identify.evidence import FRAME, SITE, evidence, history, line, state_of

SERIAL = "1581F4QWK21B00000777"


def _fixes(rows: tuple, offset_en: tuple[float, float] = (0.0, 0.0), every: int = 1,
           vel_scale: float = 1.0, serial: str = SERIAL) -> tuple[PositionFix, ...]:
    out = []
    for t, e, n, u, ve, vn, vu in rows[::every]:
        lat, lon, alt = FRAME.enu_to_geodetic(np.array([e + offset_en[0], n + offset_en[1], u]))
        out.append(PositionFix(t=t, sensor="rid-1", source=FixSource.REMOTEID, lat=float(lat),
                               lon=float(lon), alt_m=float(alt), h_sigma_m=10.0, v_sigma_m=15.0,
                               vel_enu_mps=(ve * vel_scale, vn * vel_scale, vu),
                               remote_id=serial))
    return tuple(out)


def _run(rows: tuple, fixes: tuple[PositionFix, ...], cooperative_only: bool = False,
         serial: str = SERIAL, step: int = 1) -> list:
    """Identify the track at every ``step``-th row, with the fixes heard so far."""
    identifier = Identifier(SITE)
    items = []
    types = (frozenset({SensorType.REMOTEID}) if cooperative_only
             else frozenset({SensorType.RADAR, SensorType.REMOTEID}))
    for k in range(step, len(rows) + 1, step):
        seen = rows[:k]
        now = seen[-1][0]
        ev = TrackEvidence("T1", seen[0][0], now, seen, source_types=types,
                           remote_id=serial, cooperative_only=cooperative_only,
                           fixes=tuple(f for f in fixes if now - 10.0 <= f.t <= now))
        items.append(identifier.update(now, [state_of("T1", seen)], {"T1": ev})[0])
    return items


def test_an_honest_drone_that_sensors_see_where_it_claims_raises_no_flag() -> None:
    rows = history(line(9.0, 80.0), 40)
    items = _run(rows, _fixes(rows, offset_en=(6.0, -4.0)))
    assert all(not item.spoof for item in items)
    assert items[-1].track.remote_id == SERIAL


def test_a_claimed_position_far_from_the_sensed_track_is_inconsistent() -> None:
    rows = history(line(9.0, 80.0), 30)
    items = _run(rows, _fixes(rows, offset_en=(700.0, -600.0)))
    flags = items[-1].spoof
    assert [f.kind for f in flags] == [SpoofKind.INCONSISTENT]
    assert "m from where sensors see the drone" in flags[0].reason
    assert not items[-1].authorised


def test_a_cooperative_only_claim_inside_radar_cover_is_uncorroborated_after_a_while() -> None:
    rows = history(line(5.0, 80.0), 30)
    items = _run(rows, _fixes(rows), cooperative_only=True)
    flagged_at = [k for k, item in enumerate(items) if item.spoof]
    assert flagged_at and 19 <= flagged_at[0] <= 21
    flag = items[-1].spoof[0]
    assert flag.kind is SpoofKind.UNCORROBORATED
    assert "radar-n" in flag.reason and "no radar has seen it there" in flag.reason


def test_a_claim_that_only_bearing_sensors_follow_is_uncorroborated() -> None:
    rows = history(line(5.0, 80.0), 30)
    identifier = Identifier(SITE)
    flags = ()
    for k in range(1, len(rows) + 1):
        seen = rows[:k]
        ev = TrackEvidence("T1", seen[0][0], seen[-1][0], seen, remote_id=SERIAL,
                           source_types=frozenset({SensorType.REMOTEID, SensorType.EO,
                                                   SensorType.RF}),
                           fixes=_fixes(seen)[-3:])
        flags = identifier.update(seen[-1][0], [state_of("T1", seen)], {"T1": ev})[0].spoof
    assert [f.kind for f in flags] == [SpoofKind.UNCORROBORATED]


def test_a_cooperative_only_claim_beyond_every_radar_is_not_doubted() -> None:
    far = history(lambda tau: (20_000.0 + 5.0 * tau, 0.0, 80.0), 30)
    items = _run(far, _fixes(far), cooperative_only=True)
    assert all(not item.spoof for item in items)


def test_a_claimed_position_that_jumps_is_impossible() -> None:
    rows = history(line(9.0, 80.0), 20)
    honest = _fixes(rows[:10])
    jumped = _fixes(rows[10:], offset_en=(900.0, 0.0))
    items = _run(rows, honest + jumped, cooperative_only=True, step=5)
    kinds = {f.kind for f in items[-1].spoof}
    assert SpoofKind.IMPOSSIBLE in kinds
    reason = next(f.reason for f in items[-1].spoof if f.kind is SpoofKind.IMPOSSIBLE)
    assert "jumped 909 m in 1.0 s" in reason


def test_a_claimed_speed_beyond_any_drone_is_impossible() -> None:
    rows = history(line(9.0, 80.0), 10)
    items = _run(rows, _fixes(rows, vel_scale=10.0))
    assert [f.kind for f in items[-1].spoof] == [SpoofKind.IMPOSSIBLE]
    assert "speed of 90 m/s" in items[-1].spoof[0].reason


def test_a_spoofer_using_an_authorised_serial_is_not_authorised() -> None:
    authorised = "1581F5FJD22A00000001"
    rows = history(line(9.0, 80.0), 30)
    items = _run(rows, _fixes(rows, offset_en=(700.0, 0.0), serial=authorised),
                 serial=authorised)
    assert items[0].authorised
    assert items[-1].spoof and not items[-1].authorised


def test_flags_follow_a_merged_track() -> None:
    rows = history(line(9.0, 80.0), 30)
    items = _run(rows, _fixes(rows, offset_en=(700.0, -600.0)))
    assert items[-1].spoof
    identifier = Identifier(SITE)
    ev = TrackEvidence("T1", rows[0][0], rows[-1][0], rows, remote_id=SERIAL,
                       source_types=frozenset({SensorType.RADAR}),
                       fixes=_fixes(rows, offset_en=(700.0, -600.0)))
    identifier.update(rows[-1][0], [state_of("T1", rows)], {"T1": ev})
    identifier.merge("T1", "T7")
    later = identifier.update(rows[-1][0] + 1.0, [state_of("T7", rows)],
                              {"T7": evidence("T7", rows, remote_id=SERIAL)})[0]
    assert [f.kind for f in later.spoof] == [SpoofKind.INCONSISTENT]
