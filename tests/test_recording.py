"""The recording format: validation line by line, streaming, and round trips."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from skywarden import recording as rec
from skywarden.model import (
    Alert,
    AlertState,
    EoReport,
    LaunchPoint,
    RadarReport,
    Severity,
    TargetClass,
    TrackState,
    TruthPoint,
)
from tests.recordings import BROKEN_LINES, EXAMPLE_SITE, GOOD_LINES, write_recording


def test_site_round_trip_keeps_every_field() -> None:
    site = rec.site_from_dict(EXAMPLE_SITE)
    assert site.sensor("radar-n").sigma["rr_mps"] == 0.5
    assert site.zones[0].polygon[0] == (44.3601, 33.3101)
    assert site.assets[0].radius_m == 300.0
    assert rec.site_from_dict(rec.site_to_dict(site)) == site


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda s: s.pop("sensors"), "no sensor"),
        (lambda s: s["sensors"][0].update(type="sonar"), "sensors[0].type"),
        (lambda s: s["sensors"][1].update(lat=95.0), "sensors[1].lat"),
        (lambda s: s["sensors"].append(dict(s["sensors"][0])), "duplicate"),
        (lambda s: s["zones"][0].update(polygon=[[1, 2]]), "zones[0].polygon"),
    ],
)
def test_bad_site_says_where(mutate, message: str) -> None:  # type: ignore[no-untyped-def]
    import copy

    site = copy.deepcopy(EXAMPLE_SITE)
    mutate(site)
    with pytest.raises(rec.SiteError, match=message.replace("[", r"\[").replace("]", r"\]")):
        rec.site_from_dict(site)


def test_missing_site_file(tmp_path: Path) -> None:
    with pytest.raises(rec.SiteError, match="missing"):
        rec.read_site(tmp_path)


def test_every_good_line_is_read_and_every_bad_one_rejected_alone(tmp_path: Path) -> None:
    lines = [GOOD_LINES[0], *BROKEN_LINES.values(), *GOOD_LINES[1:]]
    folder = write_recording(tmp_path / "r", lines)
    rejections = rec.Rejections()
    reports = list(rec.iter_reports(folder, rec.read_site(folder), rejections))
    assert len(reports) == len(GOOD_LINES)
    assert rejections.total == len(BROKEN_LINES)
    assert set(rejections.counts) == {
        "invalid JSON",
        "range_m: not a finite number",
        "sensor: unknown sensor",
        "range_m: missing",
        "az_deg: out of range",
    }
    first = rejections.first["az_deg: out of range"]
    assert first.line == 6 and "400" in first.message
    radar = reports[0]
    assert isinstance(radar, RadarReport) and radar.rr_mps == -6.3
    eo = next(r for r in reports if isinstance(r, EoReport))
    assert eo.cls is TargetClass.DRONE and eo.conf == 0.8


@pytest.mark.parametrize(
    ("line", "error_class"),
    [
        ('{"t": 1.0, "sensor": "rid-1", "odid": "0102"}', "odid: bad length"),
        ('{"t": 1.0, "sensor": "rid-1", "odid": "zz"}', "odid: not a hex string"),
        ('{"t": 1.0, "sensor": "adsb-1", "modes": "8D4005"}', "modes: bad length"),
        ('{"t": 1.0, "sensor": "eo-1", "az_deg": 1, "el_deg": 1, "class": "ufo"}',
         "class: unknown class"),
        ('{"t": 1.0, "sensor": "eo-1", "az_deg": 1, "el_deg": 91}', "el_deg: out of range"),
        ('{"t": 1.0, "sensor": "eo-1", "az_deg": "1", "el_deg": 9}', "az_deg: not a number"),
        ('{"t": 1.0, "sensor": "eo-1", "az_deg": true, "el_deg": 9}', "az_deg: not a number"),
        ('{"t": Infinity, "sensor": "eo-1", "az_deg": 1, "el_deg": 9}', "t: not a finite number"),
        ('[1, 2]', "not a JSON object"),
        ('{"t": 1.0, "sensor": "radar-n", "range_m": -5, "az_deg": 1, "el_deg": 1}',
         "range_m: not positive"),
        ('{"t": 1.0, "sensor": "radar-n", "range_m": 5, "az_deg": 1, "el_deg": 1, '
         '"sigma": {"range_m": 0}}', "sigma.range_m: not positive"),
    ],
)
def test_each_fault_has_its_class(tmp_path: Path, line: str, error_class: str) -> None:
    folder = write_recording(tmp_path / "r", [line, GOOD_LINES[1]])
    rejections = rec.Rejections()
    assert len(list(rec.iter_reports(folder, rec.read_site(folder), rejections))) == 1
    assert dict(rejections.counts) == {error_class: 1}


def test_message_pack_accepted(tmp_path: Path) -> None:
    pack = "F019" + "02" + ("00" + "00" * 24) * 2
    folder = write_recording(tmp_path / "r", [f'{{"t": 1.0, "sensor": "rid-1", "odid": "{pack}"}}'])
    rejections = rec.Rejections()
    (report,) = rec.iter_reports(folder, rec.read_site(folder), rejections)
    assert len(report.odid) == 53 and rejections.total == 0  # type: ignore[union-attr]


def test_reports_round_trip(tmp_path: Path) -> None:
    folder = write_recording(tmp_path / "a", GOOD_LINES)
    site = rec.read_site(folder)
    reports = list(rec.iter_reports(folder, site, rec.Rejections()))
    with rec.RecordingWriter(tmp_path / "b", site) as writer:
        for report in reports:
            writer.report(report)
    again = list(rec.iter_reports(tmp_path / "b", rec.read_site(tmp_path / "b"), rec.Rejections()))
    assert again == reports


def test_truth_tracks_alerts_round_trip(tmp_path: Path) -> None:
    truth = TruthPoint(1.0, "d1", TargetClass.DRONE, 33.31, 44.36, 150.0, (3.0, -1.0, 0.0),
                       emitting=False, remote_id=None, icao=None)
    track = TrackState(2.0, "T1", 33.31, 44.36, 151.0, (2.9, -1.1, 0.1), 6.5,
                       TargetClass.DRONE, 0.83, ("radar-n", "eo-1"), None, None, True)
    signed = TrackState(2.0, "T2", 33.32, 44.36, 90.0, (0.0, 0.0, 0.0), 2.0, TargetClass.DRONE,
                        0.99, ("rid-1",), "SIGNED-1", remote_id_auth="uas_id_signature")
    alert = Alert(3.0, "A1", AlertState.OPEN, "zone_entry", Severity.HIGH, "T1",
                  "Dark drone entered", 33.31, 44.36, 140.0, zone="hq",
                  launch_point=LaunchPoint(33.29, 44.34, 120.0))
    with rec.JsonlWriter(tmp_path / rec.TRUTH_FILE) as w:
        w.write(rec.truth_to_dict(truth))
    with rec.JsonlWriter(tmp_path / rec.TRACKS_FILE) as w:
        w.write(rec.track_to_dict(track))
        w.write(rec.track_to_dict(signed))
    with rec.JsonlWriter(tmp_path / rec.ALERTS_FILE) as w:
        w.write(rec.alert_to_dict(alert))
    rejections = rec.Rejections()
    assert list(rec.iter_truth(tmp_path, rejections)) == [truth]
    assert list(rec.iter_tracks(tmp_path, rejections)) == [track, signed]
    assert list(rec.iter_alerts(tmp_path, rejections)) == [alert]
    assert rejections.total == 0
    line = (tmp_path / rec.TRACKS_FILE).read_text()
    assert '"class":"drone"' in line and '"remote_id":null' in line


def test_reader_streams_instead_of_loading_the_file(tmp_path: Path) -> None:
    line = GOOD_LINES[0] + "\n"
    count = 200_000
    folder = write_recording(tmp_path / "big", [])
    with open(folder / rec.DETECTIONS_FILE, "w") as stream:
        stream.write(line * count)
    site = rec.read_site(folder)
    tracemalloc.start()
    seen = sum(1 for _ in rec.iter_reports(folder, site, rec.Rejections()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    file_size = (folder / rec.DETECTIONS_FILE).stat().st_size
    assert seen == count
    assert peak < file_size / 20
