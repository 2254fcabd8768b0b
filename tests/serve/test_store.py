"""The store keeps tracks, alerts with their acknowledgements, audit, health, raw reports
and zones across a restart, the same over SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from skywarden.serve.store import StoreError, open_store


def _alert(state: str, t: float, severity: str = "high") -> dict[str, object]:
    return {"t": t, "alert_id": "R1-A3", "state": state, "rule": "zone_entry",
            "severity": severity, "track_id": "T17", "zone": "hq", "asset": None,
            "message": "Dark drone entered Ministry compound", "lat": 33.31, "lon": 44.36,
            "alt_m": 140.0, "launch_point": {"lat": 33.29, "lon": 44.34, "sigma_m": 120.0,
                                             "source": "track"}}


def test_alert_lifecycle_and_acknowledgement_survive_a_restart(store_url: str) -> None:
    store = open_store(store_url)
    run = store.start_run(1000.0)
    store.save_alert(run, _alert("open", 1767261630.0))
    acked = store.acknowledge("R1-A3", "alice", 1767261635.0, "watching it")
    store.audit(1767261635.0, "alice", "operator", "acknowledge", "R1-A3", {"note": "x"})
    store.save_alert(run, _alert("update", 1767261640.0, severity="critical"))
    assert acked is not None and acked["ack"]["by"] == "alice"
    store.close()

    store = open_store(store_url)
    assert store.start_run(2000.0) == run + 1
    open_alerts = store.alerts("open")
    assert [a["alert_id"] for a in open_alerts] == ["R1-A3"]
    alert = store.alert("R1-A3")
    assert alert is not None
    assert alert["severity"] == "critical"
    assert alert["ack"] == {"by": "alice", "at": 1767261635.0, "note": "watching it"}
    assert alert["opened_t"] == 1767261630.0 and alert["updated_t"] == 1767261640.0
    assert [e["state"] for e in alert["events"]] == ["open", "update"]
    assert alert["launch_point"]["sigma_m"] == 120.0
    assert store.audit_log()[0]["action"] == "acknowledge"
    assert store.alerts("unacked") == []
    store.save_alert(run, _alert("closed", 1767261650.0))
    assert store.alerts("open") == []
    assert store.alerts("closed")[0]["closed_t"] == 1767261650.0
    # A second acknowledgement does not overwrite the first.
    again = store.acknowledge("R1-A3", "bob", 1767261700.0)
    assert again is not None and again["ack"]["by"] == "alice"
    assert store.acknowledge("R9-A9", "bob", 1767261700.0) is None
    with pytest.raises(ValueError, match="unknown alert state"):
        store.alerts("sideways")
    store.close()


def test_history_health_raw_reports_zones_and_tokens(store_url: str) -> None:
    store = open_store(store_url)
    run = store.start_run(1000.0)
    for k in range(5):
        store.save_tracks(run, [
            {"t": 100.0 + k, "track_id": "T1", "lat": 33.3 + k * 1e-4, "lon": 44.3,
             "alt_m": 100.0},
            {"t": 100.0 + k, "track_id": "T2", "lat": 33.2, "lon": 44.2, "alt_m": 50.0},
        ])
    store.save_sensor_health(100.0, [{"id": "radar-n", "status": "ok"}])
    store.save_sensor_health(101.0, [{"id": "radar-n", "status": "silent"}])
    store.log_reports([(100.5, 100.1, "replay", "radar-n", {"sensor": "radar-n", "t": 100.1})])
    store.save_zone(100.0, {"id": "hq", "name": "HQ", "polygon": [[44.36, 33.31]]})
    store.add_token("abc123", "viewer", "wall screen", 100.0)
    store.close()

    store = open_store(store_url)
    history = store.track_history("T1")
    assert [h["t"] for h in history] == [100.0, 101.0, 102.0, 103.0, 104.0]
    assert store.track_history("T1", limit=2)[-1]["lat"] == pytest.approx(33.3004)
    # After a restart, "T1" names a new track: its history does not mix with the old.
    later = store.start_run(2000.0)
    store.save_tracks(later, [{"t": 2001.0, "track_id": "T1", "lat": 1.0, "lon": 2.0,
                               "alt_m": 3.0}])
    assert [h["t"] for h in store.track_history("T1")] == [2001.0]
    assert [h["t"] for h in store.track_history("T2")][-1] == 104.0
    assert len(store.tracks_between(101.0, 102.0)) == 4
    assert store.history_span() == (100.0, 2001.0)
    assert store.sensor_health() == [{"id": "radar-n", "status": "silent"}]
    raw = store.raw_reports(100.0, 101.0)
    assert raw[0]["source"] == "replay" and raw[0]["report"]["sensor"] == "radar-n"
    assert store.zones()[0]["name"] == "HQ"
    record = store.token("abc123")
    assert record is not None and record.role == "viewer" and record.name == "wall screen"
    assert store.token("nope") is None
    assert store.has_token_named("wall screen")
    store.close()


def test_unusable_urls_are_refused_with_a_reason(tmp_path: object) -> None:
    with pytest.raises(StoreError, match="unsupported database URL"):
        open_store("mysql://localhost/x")
    with pytest.raises(StoreError, match="no database file"):
        open_store("sqlite:///")
    with pytest.raises(StoreError, match="cannot connect to PostgreSQL"):
        open_store("postgresql://skywarden@127.0.0.1:1/postgres")
