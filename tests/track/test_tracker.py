"""Tracker behaviour on small scenarios with known truth."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from skywarden.geo import LocalFrame, sensor_measure
from skywarden.model import (
    AcousticReport,
    EoReport,
    FixSource,
    PositionFix,
    RadarReport,
    RfReport,
    SensorType,
    TargetClass,
    TrackEvidence,
)
from skywarden.pipeline import Pipeline
from skywarden.track import measure
from skywarden.track.tracker import Status, TrackInfo
from tests.track.helpers import (
    T0,
    Path,
    arrival_order,
    bearing_reports,
    path_from_waypoints,
    radar_reports,
    run,
    scan_times,
    score,
    sensor,
    site,
)

RADARS = (
    sensor("radar-a", SensorType.RADAR, 0.0, 0.0),
    sensor("radar-b", SensorType.RADAR, 1800.0, 300.0),
)
PASSIVE = (
    sensor("eo-1", SensorType.EO, 300.0, -500.0),
    sensor("eo-2", SensorType.EO, 1400.0, 1500.0),
    sensor("mic-1", SensorType.ACOUSTIC, 700.0, 600.0),
)


def _radar_scans(the_site, paths, rng, duration, **kwargs):  # type: ignore[no-untyped-def]
    reports = []
    for k, radar in enumerate(RADARS):
        times = scan_times(T0, T0 + duration, 1.0, offset=0.5 * k)
        reports += radar_reports(the_site, radar.id, paths, times, rng, **kwargs)
    return reports


def test_one_drone_is_tracked_with_one_id_from_two_radars() -> None:
    rng = np.random.default_rng(3)
    the_site = site(*RADARS)
    # Straight, then a turn of 90 degrees over six seconds, then straight again.
    turn = [(1.0, (9.0 * np.cos(a), 9.0 * np.sin(a), 0.0))
            for a in np.radians(np.linspace(15.0, -90.0, 6))]
    drone = path_from_waypoints("d1", [(22.0, (9.0, 2.0, 0.5)), *turn, (22.0, (0.0, -9.0, 0.0))],
                                (700.0, 900.0, 120.0))
    pictures = run(the_site, arrival_order(_radar_scans(the_site, [drone], rng, 50.0), rng, 1.0))
    result = score(pictures, [drone], LocalFrame(*the_site.origin))
    assert result.tracks == 1
    assert result.id_switches == 0
    assert result.localisation / max(result.instants, 1) < 10.0
    assert result.time_to_first_track_s["d1"] is not None
    assert result.time_to_first_track_s["d1"] <= 4.0


def test_hovering_drone_keeps_one_track_id_through_the_doppler_notch() -> None:
    """The radar's MTI notch hides a hovering drone; cameras and a microphone still see
    it, and the hover model keeps the track still, so it keeps its ID."""
    rng = np.random.default_rng(5)
    the_site = site(*RADARS, *PASSIVE)
    drone = path_from_waypoints(
        "hover", [(20.0, (7.0, 4.0, 0.0)), (30.0, (0.0, 0.0, 0.0)), (20.0, (-6.0, 5.0, 1.0))],
        (600.0, 500.0, 110.0),
    )
    reports = _radar_scans(the_site, [drone], rng, 70.0, min_speed_mps=1.0)
    for cam in PASSIVE:
        reports += bearing_reports(the_site, cam.id, [drone], scan_times(T0, T0 + 70, 0.5), rng)
    pictures = run(the_site, arrival_order(reports, rng, 1.0))
    result = score(pictures, [drone], LocalFrame(*the_site.origin))
    assert result.tracks == 1
    assert result.id_switches == 0 and result.fragmentations == 0
    hovering = [p for p in pictures if T0 + 25 <= p.t <= T0 + 48]
    assert all(len(p.tracks) == 1 for p in hovering)
    evidence = next(iter(hovering[-1].evidence.values()))
    assert evidence.hover_s >= 15.0
    assert evidence.mode_probs["hover"] > 0.5
    assert evidence.source_types == {SensorType.RADAR, SensorType.EO, SensorType.ACOUSTIC}


def test_dark_drone_is_tracked_from_passive_sensors_alone() -> None:
    rng = np.random.default_rng(7)
    the_site = site(*PASSIVE)
    drone = path_from_waypoints("dark", [(40.0, (5.0, 6.0, 0.0))], (400.0, 200.0, 90.0))
    reports = []
    for cam in PASSIVE:
        reports += bearing_reports(the_site, cam.id, [drone], scan_times(T0, T0 + 40, 0.5), rng)
    pictures = run(the_site, arrival_order(reports, rng, 1.0))
    result = score(pictures, [drone], LocalFrame(*the_site.origin))
    assert result.tracks == 1
    assert result.time_to_first_track_s["dark"] is not None
    assert result.time_to_first_track_s["dark"] <= 3.0
    assert result.localisation / result.instants < 15.0
    last = pictures[-1].tracks[0]
    assert last.dark and last.remote_id is None
    assert set(last.sources) == {"eo-1", "eo-2", "mic-1"}


def test_late_out_of_order_reports_give_the_same_tracks_as_in_order() -> None:
    rng = np.random.default_rng(11)
    the_site = site(*RADARS)
    drones = [
        path_from_waypoints("a", [(30.0, (8.0, 0.0, 0.0))], (500.0, 700.0, 100.0)),
        path_from_waypoints("b", [(30.0, (-3.0, 7.0, 0.0))], (1500.0, 600.0, 150.0)),
    ]
    reports = sorted(_radar_scans(the_site, drones, rng, 30.0), key=lambda r: r.t)
    in_order = run(the_site, reports)
    shuffled = run(the_site, arrival_order(reports, rng, 2.5))
    assert [p.t for p in in_order] == [p.t for p in shuffled]
    for a, b in zip(in_order, shuffled, strict=True):
        assert [s.track_id for s in a.tracks] == [s.track_id for s in b.tracks]
        for sa, sb in zip(a.tracks, b.tracks, strict=True):
            assert sa.lat == pytest.approx(sb.lat, abs=1e-6)
            assert sa.lon == pytest.approx(sb.lon, abs=1e-6)


def test_a_report_too_late_for_the_reorder_buffer_is_counted_not_lost() -> None:
    the_site = site(*RADARS)
    pipeline = Pipeline(the_site, latency_s=1.0)
    for t in (T0 + 0.2, T0 + 10.0):
        pipeline.feed(RadarReport(t=t, sensor="radar-a", range_m=900.0, az_deg=10.0,
                                  el_deg=5.0))
    assert [p.t for p in pipeline.ready()] == [T0 + k for k in range(1, 10)]
    pipeline.feed(RadarReport(t=T0 + 8.5, sensor="radar-a", range_m=900.0, az_deg=10.0,
                              el_deg=5.0))
    assert pipeline.tracker.stats.too_late == 1
    assert pipeline.tracker.stats.too_late_by_sensor == {"radar-a": 1}
    pipeline.feed(RadarReport(t=T0 + 9.5, sensor="radar-a", range_m=900.0, az_deg=10.0,
                              el_deg=5.0))
    assert pipeline.tracker.stats.too_late == 1
    assert pipeline.tracker.buffered == 2


def test_clutter_alone_never_makes_a_confirmed_track() -> None:
    rng = np.random.default_rng(13)
    the_site = site(*RADARS)
    pictures = run(the_site, _radar_scans(the_site, [], rng, 120.0, clutter=15.0))
    assert sum(len(p.tracks) for p in pictures) == 0


def test_a_drone_in_heavy_clutter_gets_one_track_and_no_false_ones() -> None:
    rng = np.random.default_rng(17)
    the_site = site(*RADARS)
    drone = path_from_waypoints("d", [(60.0, (6.0, -5.0, 0.0))], (900.0, 1500.0, 130.0))
    reports = _radar_scans(the_site, [drone], rng, 60.0, clutter=15.0, pd=0.85)
    result = score(run(the_site, arrival_order(reports, rng, 1.0)), [drone],
                   LocalFrame(*the_site.origin))
    assert result.tracks == 1
    assert result.false_tracks == 0
    assert result.fragmentations == 0


def test_a_tight_swarm_is_separated_into_one_track_per_drone() -> None:
    rng = np.random.default_rng(19)
    the_site = site(*RADARS)
    drones: list[Path] = []
    for row in range(3):
        for col in range(4):
            start = (600.0 + 40.0 * col, 1200.0 + 40.0 * row, 100.0 + 10.0 * row)
            drones.append(path_from_waypoints(f"s{row}{col}", [(40.0, (6.0, -4.0, 0.0))],
                                              start))
    reports = _radar_scans(the_site, drones, rng, 40.0, clutter=3.0, pd=0.95)
    pictures = run(the_site, arrival_order(reports, rng, 1.0))
    result = score(pictures, drones, LocalFrame(*the_site.origin))
    assert result.targets_tracked == 12
    assert result.id_switches == 0
    assert result.false_tracks == 0
    settled = [p for p in pictures if p.t >= T0 + 10]
    assert all(len(p.tracks) == 12 for p in settled)


def test_cooperative_fixes_make_a_track_that_carries_their_identity() -> None:
    the_site = site(*RADARS)
    frame = LocalFrame(*the_site.origin)
    pipeline = Pipeline(the_site, latency_s=0.5)
    for k in range(12):
        lat, lon, alt = frame.enu_to_geodetic(np.array([100.0 + 5.0 * k, 200.0, 80.0]))
        pipeline.feed_fix(PositionFix(
            t=T0 + k, sensor="radar-a", source=FixSource.REMOTEID, lat=float(lat),
            lon=float(lon), alt_m=float(alt), h_sigma_m=3.0, v_sigma_m=4.0,
            vel_enu_mps=(5.0, 0.0, 0.0), remote_id="1581F5FJD22A00000001",
            auth_type="uas_id_signature" if k >= 6 else None,
        ))
    pictures = list(pipeline.ready())
    last = pictures[-1]
    assert len(last.tracks) == 1
    assert last.tracks[0].remote_id == "1581F5FJD22A00000001"
    assert last.tracks[0].remote_id_auth == "uas_id_signature"
    first = next(p for p in pictures if p.tracks)
    assert first.t < T0 + 6 and first.tracks[0].remote_id_auth is None
    assert not last.tracks[0].dark
    evidence = last.evidence[last.tracks[0].track_id]
    assert evidence.cooperative_only
    assert evidence.fixes[-1].remote_id == "1581F5FJD22A00000001"
    assert last.tracks[0].vel_enu_mps[0] == pytest.approx(5.0, abs=0.5)


def test_fixed_returns_leaking_through_the_mti_are_learnt_as_clutter() -> None:
    """Trees and traffic return plots from the same place, scan after scan, with a
    Doppler that swings both ways: after a few scans they stop making tracks."""
    rng = np.random.default_rng(31)
    the_site = site(*RADARS)
    spots = [(rng.uniform(300, 2500), rng.uniform(0, 360), rng.uniform(-0.5, 1.5))
             for _ in range(8)]
    reports = []
    for t in scan_times(T0, T0 + 300.0, 1.0):
        for rng_m, az, el in spots:
            if rng.random() < 0.5:
                reports.append(RadarReport(
                    t=float(t + az / 360.0), sensor="radar-a",
                    range_m=float(rng_m + rng.normal(0, 5.0)),
                    az_deg=float((az + rng.normal(0, 0.4)) % 360.0),
                    el_deg=float(el + rng.normal(0, 0.6)),
                    rr_mps=float(rng.choice([-1.0, 1.0]) * (1.0 + rng.exponential(1.0))),
                ))
    pipeline = Pipeline(the_site)
    for report in reports:
        pipeline.feed(report)
    pictures = [*pipeline.ready(), *pipeline.flush()]
    learnt = [p for p in pictures if p.t >= T0 + 120.0]
    assert sum(len(p.tracks) for p in learnt) == 0
    assert pipeline.tracker.clutter.suppressed > 0.6 * len(reports)


def test_tracks_remember_which_plots_landed_on_a_fixed_return_s_leak_spot() -> None:
    """A fixed return on the corner of four cells, wandering over a couple of degrees,
    gets past the clutter map; once it has leaked for a while, the tracks its plots
    start or update remember that those landed on its leak spot. The track of a drone
    flying elsewhere does not."""
    rng = np.random.default_rng(7)
    the_site = site(RADARS[0])
    drone = path_from_waypoints("d", [(60.0, (6.0, 3.0, 0.0))], (900.0, 700.0, 120.0))
    reports = radar_reports(the_site, "radar-a", [drone], scan_times(T0, T0 + 60.0, 1.0), rng)
    leak_times = [T0 + k + 0.95 for k in range(60) if rng.random() < 0.4]
    for n, t in enumerate(leak_times):
        reports.append(RadarReport(
            t=t, sensor="radar-a", range_m=float(1940.0 + rng.normal(0.0, 5.0)),
            az_deg=float(345.0 + rng.normal(0.0, 0.8)), el_deg=float(1.0 + rng.normal(0, 0.6)),
            rr_mps=(-1.0) ** n * float(1.5 + rng.exponential(1.5))))
    pipeline = Pipeline(the_site)
    on_spot: set[float] = set()
    for report in sorted(reports, key=lambda r: r.t):
        pipeline.feed(report)
        list(pipeline.ready())
        on_spot |= {t for info in pipeline.tracker.info for t, spot in info.leak_spots if spot}
    last = [*pipeline.flush()][-1]
    frame = pipeline.tracker.frame
    miss = {s.track_id: float(np.linalg.norm(frame.geodetic_to_enu(s.lat, s.lon, s.alt_m)
                                             - drone.at(last.t)[0])) for s in last.tracks}
    drone_track = min(miss, key=miss.__getitem__)
    assert miss[drone_track] < 50.0
    assert last.evidence[drone_track].leak_spot_plots == 0
    assert on_spot and min(on_spot) > T0 + 10.0
    assert on_spot <= set(leak_times)


def test_a_track_coasts_when_updates_stop_then_is_deleted() -> None:
    rng = np.random.default_rng(37)
    the_site = site(*RADARS)
    drone = path_from_waypoints("d", [(20.0, (6.0, 3.0, 0.0))], (900.0, 700.0, 120.0))
    pipeline = Pipeline(the_site, latency_s=0.5)
    for report in sorted(_radar_scans(the_site, [drone], rng, 20.0), key=lambda r: r.t):
        pipeline.feed(report)
    list(pipeline.ready())
    track_id = pipeline.advance(T0 + 20.0).tracks[0].track_id
    assert pipeline.tracker.statuses()[track_id] is Status.CONFIRMED
    coasting = pipeline.advance(T0 + 23.0)
    assert [s.track_id for s in coasting.tracks] == [track_id]
    assert pipeline.tracker.statuses()[track_id] is Status.COASTING
    assert pipeline.advance(T0 + 40.0).tracks == []
    assert track_id not in pipeline.tracker.statuses()


def _clutter_plot_on_a_line_of_sight(the_site, drone, t):  # type: ignore[no-untyped-def]
    """A radar plot halfway along eo-1's line of sight to the drone at ``t``."""
    frame = LocalFrame(*the_site.origin)
    cam, radar = the_site.sensor("eo-1"), the_site.sensor("radar-a")
    cam_at = frame.geodetic_to_enu(cam.lat, cam.lon, cam.alt_m)
    spot = cam_at + 0.5 * (drone.at(t)[0] - cam_at)
    az, el, rng_m, _ = sensor_measure(LocalFrame(radar.lat, radar.lon, radar.alt_m), frame,
                                      spot, np.zeros(3))
    return RadarReport(t=t, sensor="radar-a", range_m=float(rng_m), az_deg=float(az),
                       el_deg=float(el), rr_mps=-2.0)


@pytest.mark.parametrize("looks", [1, 2])
def test_a_clutter_plot_on_a_cameras_line_of_sight_does_not_confirm(looks: int) -> None:
    """One camera's bearings to a far drone pass through a stray radar plot: they say
    the target lies on a line, not where on it, so the plot must not confirm on them
    (it did when one placement in space was enough)."""
    rng = np.random.default_rng(41)
    the_site = site(RADARS[0], PASSIVE[0])
    drone = path_from_waypoints("far", [(12.0, (2.0, 1.0, 0.0))], (2600.0, 2200.0, 150.0))
    reports: list[RadarReport | EoReport | AcousticReport] = [
        _clutter_plot_on_a_line_of_sight(the_site, drone, T0 + 2.0)]
    reports += bearing_reports(the_site, "eo-1", [drone], scan_times(T0, T0 + 12.0, 0.5), rng)
    pipeline = Pipeline(the_site, latency_s=1.0)
    pipeline.tracker.config = dataclasses.replace(pipeline.tracker.config,
                                                  confirm_min_looks=looks)
    pictures = []
    for report in sorted(reports, key=lambda r: r.t):
        pipeline.feed(report)
        pictures.extend(pipeline.ready())
    pictures.extend(pipeline.flush())
    confirmed = {s.track_id for p in pictures for s in p.tracks}
    assert pipeline.tracker.stats.tracks_started >= 1
    assert (confirmed == set()) is (looks == 2)


def test_camera_votes_and_cross_section_describe_what_the_track_follows_now() -> None:
    """A track that a camera saw as a drone for a minute, then as a bird (it took up a
    gull after a crossing): what it reports of itself is the bird of the last
    half-minute, not the drone of before."""
    rng = np.random.default_rng(43)
    the_site = site(RADARS[0], PASSIVE[0])
    flier = path_from_waypoints("f", [(100.0, (6.0, 2.0, 0.0))], (700.0, 600.0, 90.0))
    swap_t = T0 + 60.0

    def seen(report: RadarReport | EoReport | AcousticReport) -> RadarReport | EoReport:
        drone = report.t < swap_t
        if isinstance(report, RadarReport):
            return dataclasses.replace(report, rcs_dbsm=-18.0 if drone else -28.0)
        assert isinstance(report, EoReport)
        return dataclasses.replace(report, cls=TargetClass.DRONE if drone else TargetClass.BIRD,
                                   conf=0.9)

    reports = [seen(r) for r in radar_reports(the_site, "radar-a", [flier],
                                              scan_times(T0, T0 + 100.0, 1.0), rng)]
    reports += [seen(r) for r in bearing_reports(the_site, "eo-1", [flier],
                                                 scan_times(T0, T0 + 100.0, 0.5), rng)]
    pipeline = Pipeline(the_site, latency_s=0.5)

    def evidence_until(t: float) -> dict[str, TrackEvidence]:
        for report in sorted((r for r in reports if r.t < t), key=lambda r: r.t):
            pipeline.feed(report)
        pipeline.advance(t)
        return pipeline.tracker.snapshot(t)[1]

    before = evidence_until(swap_t)
    reports = [r for r in reports if r.t >= swap_t]
    after = evidence_until(T0 + 100.0)
    assert len(before) == len(after) == 1
    (was,), (now,) = before.values(), after.values()
    assert was.track_id == now.track_id
    assert set(was.eo_votes) == {TargetClass.DRONE}
    assert was.rcs_dbsm == pytest.approx(-18.0)
    assert set(now.eo_votes) == {TargetClass.BIRD}
    assert now.eo_votes[TargetClass.BIRD] == pytest.approx(0.9 * 60, abs=2.0)
    assert now.rcs_dbsm == pytest.approx(-28.0)


def _on_one_line_of_sight(offset_deg: float) -> tuple[Path, Path]:
    """A bird 300 m from eo-1 and a drone 1500 m away, crossing its view together,
    ``offset_deg`` apart as the camera sees them."""
    cam = np.array([300.0, -500.0, 30.0])
    el = np.radians(5.0)

    def crossing(name: str, distance: float, offset: float) -> Path:
        a = np.radians(40.0 + offset)
        ray = np.array([np.sin(a) * np.cos(el), np.cos(a) * np.cos(el), np.sin(el)])
        across = np.array([np.cos(a), -np.sin(a), 0.0])
        start = cam + distance * ray
        return path_from_waypoints(name, [(60.0, tuple(across * distance / 300.0))],
                                   (start[0], start[1], start[2]))

    return crossing("bird", 300.0, 0.0), crossing("drone", 1500.0, offset_deg)


@pytest.mark.parametrize("offset_deg", [0.0, 8.0])
def test_a_camera_label_is_credited_to_no_track_when_near_and_far_ones_share_its_view(
        offset_deg: float) -> None:
    """The camera boxes the far drone, and a near bird lies on the same line of sight:
    the label may be of either, so neither is given it (once both tracks are
    established). Apart, the drone's track has it."""
    rng = np.random.default_rng(47)
    the_site = site(RADARS[0], PASSIVE[0])
    bird, drone = _on_one_line_of_sight(offset_deg)
    reports: list[RadarReport | EoReport | AcousticReport] = list(radar_reports(
        the_site, "radar-a", [bird, drone], scan_times(T0, T0 + 60.0, 1.0), rng))
    reports += [dataclasses.replace(r, cls=TargetClass.DRONE, conf=0.9) for r in bearing_reports(
        the_site, "eo-1", [drone], scan_times(T0, T0 + 60.0, 0.5), rng)]
    pipeline = Pipeline(the_site, latency_s=0.5)
    for report in sorted(reports, key=lambda r: r.t):
        pipeline.feed(report)
    pipeline.advance(T0 + 60.0)
    frame = LocalFrame(*the_site.origin)
    states, evidence = pipeline.tracker.snapshot(T0 + 59.0)
    assert len(states) == 2
    votes = {}
    for state in states:
        east, north, _ = frame.geodetic_to_enu(state.lat, state.lon, state.alt_m)
        near = np.hypot(east - 300.0, north + 500.0) < 800.0
        votes["bird" if near else "drone"] = evidence[state.track_id].eo_votes
    assert votes["bird"] == {}
    assert (votes["drone"] == {}) is (offset_deg == 0.0)


@pytest.mark.parametrize(("rival_status", "rival_fed", "contested"), [
    (Status.CONFIRMED, False, True),
    (Status.COASTING, False, True),
    (Status.CONFIRMED, True, False),
    (Status.TENTATIVE, False, False),
])
def test_a_plot_an_unfed_established_track_also_gates_is_contested(
        rival_status: Status, rival_fed: bool, contested: bool) -> None:
    """Track 0 takes plot 0, which track 1 gates too. The plot may as well be track
    1's object when track 1 is established and took no plot of the scan; then it does
    not range track 0. If track 1 took a plot of its own (two drones side by side), or
    is tentative, track 0's plot is its own."""
    the_site = site(RADARS[0])
    pipeline = Pipeline(the_site)
    tracker = pipeline.tracker
    tracker.store.n = 2
    tracker.store.status[:2] = [Status.CONFIRMED, rival_status]
    plots = [RadarReport(t=T0, sensor="radar-a", az_deg=10.0 * k, el_deg=2.0,
                         range_m=1000.0) for k in range(2)]
    batch = measure.build_batch(plots, tracker.geometry["radar-a"], tracker.frame)
    at, am = (np.array([0, 1]), np.array([0, 1])) if rival_fed else (np.array([0]), np.array([0]))
    flags = tracker._contested(batch, np.array([0, 1, 1]), np.array([0, 0, 1]), at, am)
    assert flags.tolist() == [contested, False]


def test_an_rf_bearing_counts_for_the_share_of_its_emission_likely_the_taker_s() -> None:
    """Bearing 0 gates tracks 0 and 1 equally well and track 0 takes it: the emission
    is as likely track 1's, so it counts half. A tentative track that gated it too is
    not counted. Bearing 1 gates only its taker, track 1: it counts whole."""
    the_site = site(sensor("rf-1", SensorType.RF, 0.0, 0.0))
    tracker = Pipeline(the_site).tracker
    tracker.store.n = 3
    tracker.store.status[:3] = [Status.CONFIRMED, Status.CONFIRMED, Status.TENTATIVE]
    bearings = [RfReport(t=T0, sensor="rf-1", az_deg=10.0 * k) for k in range(2)]
    batch = measure.build_batch(bearings, tracker.geometry["rf-1"], tracker.frame)
    shares = tracker._shares(batch, np.array([0, 1, 2, 1]), np.array([0, 0, 0, 1]),
                             np.array([-4.0, -4.0, -9.0, -3.0]), np.array([0, 1]),
                             np.array([0, 1]))
    assert shares.tolist() == pytest.approx([0.5, 1.0])


def test_range_rate_sign_changes_are_counted_between_plots_of_one_radar() -> None:
    """Two radars see a target from different sides, so their signs differ; only a
    change between successive plots of one radar counts."""
    info = TrackInfo("T1", T0)
    plots = [("radar-a", 2.0), ("radar-b", -3.0), ("radar-a", 1.5), ("radar-a", -1.0),
             ("radar-b", -2.5)]
    for k, (radar, rate) in enumerate(plots):
        plot = RadarReport(t=T0 + k, sensor=radar, az_deg=0.0, el_deg=1.0, range_m=900.0,
                           rr_mps=rate)
        info.absorb(plot, SensorType.RADAR, T0 + k)
    assert info.doppler_flips.total(T0 + 5.0) == (1.0, 3)


def test_established_tracks_share_out_plots_before_a_tentative_one_takes_any() -> None:
    """A confirmed drone track gates two plots, a tentative track born of a stray plot
    beside it gates one of them: the drone's track takes its best plot and the
    tentative track gets nothing, even though giving each one plot would pair more."""
    pipeline = Pipeline(site(RADARS[0]))
    tracker = pipeline.tracker
    tracker.store.n = 2
    tracker.store.status[:2] = [Status.CONFIRMED, Status.TENTATIVE]
    pairs_t = np.array([0, 0, 1])
    pairs_m = np.array([0, 1, 0])
    cost = np.array([1.0, 5.0, 3.0])
    at, am = tracker._assign(2, pairs_t, pairs_m, cost)
    assert sorted(zip(at.tolist(), am.tolist(), strict=True)) == [(0, 0)]
    tracker.store.status[1] = Status.CONFIRMED
    at, am = tracker._assign(2, pairs_t, pairs_m, cost)
    assert sorted(zip(at.tolist(), am.tolist(), strict=True)) == [(0, 1), (1, 0)]
