"""The HTTP API and WebSocket of a running service: tokens and roles, the live stream,
zones, metrics, and a restart that loses no alert and no acknowledgement."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.recordings import EXAMPLE_SITE
from tests.serve import live as live_module
from tests.serve.flagged import POLICE, POLICE_AUTH, POLICE_TRACK, SPOOF_REASON, flagging
from tests.serve.live import ADMIN_TOKEN, Live, live_service

READ_PATHS = ["/api/me", "/api/site", "/api/tracks", "/api/tracks/T1", "/api/alerts?state=open",
              "/api/alerts/R1-A1", "/api/sensors", "/api/zones", "/api/history/span",
              "/api/history?t0=0&t1=10", "/metrics"]


@pytest.fixture()
def site_file(tmp_path: Path) -> Path:
    path = tmp_path / "site.json"
    path.write_text(json.dumps(EXAMPLE_SITE))
    return path


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _wait_for(live: Live, path: str, token: str, ok: object, timeout_s: float = 10.0) -> object:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        body = httpx.get(live.url + path, headers=_bearer(token)).json()
        if ok(body):  # type: ignore[operator]
            return body
        time.sleep(0.1)
    raise AssertionError(f"{path} never satisfied the condition")


def _issue(live: Live, role: str, name: str) -> str:
    answer = httpx.post(live.url + "/api/tokens", headers=_bearer(ADMIN_TOKEN),
                        json={"role": role, "name": name})
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def test_tokens_and_roles(site_file: Path, tmp_path: Path) -> None:
    with live_service(site_file, f"sqlite:///{tmp_path / 'db.sqlite'}") as live:
        assert httpx.get(live.url + "/healthz").json()["status"] == "ok"
        for path in READ_PATHS:
            answer = httpx.get(live.url + path)
            assert answer.status_code == 401, path
            assert answer.headers["www-authenticate"] == "Bearer"
            assert httpx.get(live.url + path, headers=_bearer("guess")).status_code == 401
        viewer = _issue(live, "viewer", "wall screen")
        operator = _issue(live, "operator", "duty officer")
        assert httpx.get(live.url + "/api/me", headers=_bearer(viewer)).json() == {
            "name": "wall screen", "role": "viewer"}
        _wait_for(live, "/api/alerts?state=open", viewer, lambda alerts: len(alerts) == 1)

        # Viewers look; only operators and admins acknowledge; only admins edit zones.
        ack = "/api/alerts/R1-A1/ack"
        assert httpx.post(live.url + ack, headers=_bearer(viewer)).status_code == 403
        assert httpx.post(live.url + "/api/alerts/R9-A9/ack",
                          headers=_bearer(operator)).status_code == 404
        acked = httpx.post(live.url + ack, headers=_bearer(operator), json={"note": "eyes on"})
        assert acked.status_code == 200
        assert acked.json()["ack"]["by"] == "duty officer"
        zone = {"name": "Bridge", "floor_m": 0.0, "ceiling_m": 300.0,
                "polygon": [[44.35, 33.30], [44.36, 33.30], [44.36, 33.31]]}
        for token in (viewer, operator):
            assert httpx.put(live.url + "/api/zones/bridge", headers=_bearer(token),
                             json=zone).status_code == 403
        assert httpx.put(live.url + "/api/zones/bridge", headers=_bearer(ADMIN_TOKEN),
                         json={**zone, "ceiling_m": -1.0}).status_code == 422
        assert httpx.put(live.url + "/api/zones/bridge", headers=_bearer(ADMIN_TOKEN),
                         json={**zone, "polygon": [[200.0, 33.0]] * 3}).status_code == 422
        assert httpx.put(live.url + "/api/zones/bridge", headers=_bearer(ADMIN_TOKEN),
                         json=zone).status_code == 200
        zones = httpx.get(live.url + "/api/zones", headers=_bearer(viewer)).json()
        assert {z["id"] for z in zones} == {"hq", "bridge"}
        hq = next(z for z in zones if z["id"] == "hq")
        assert httpx.put(live.url + "/api/zones/hq", headers=_bearer(ADMIN_TOKEN),
                         json={**hq, "ceiling_m": 250.0}).status_code == 200
        watched = live.service.runtime.pipeline.zones  # type: ignore[attr-defined]
        assert {z.id: z.ceiling_m for z in watched} == {"hq": 250.0, "bridge": 300.0}
        audit = httpx.get(live.url + "/api/audit", headers=_bearer(ADMIN_TOKEN)).json()
        assert [a["action"] for a in audit][:3] == ["edit_zone", "edit_zone", "acknowledge"]
        assert httpx.get(live.url + "/api/audit", headers=_bearer(operator)).status_code == 403
        metrics = httpx.get(live.url + "/metrics", headers=_bearer(viewer)).text
        assert 'skywarden_reports_total{source="sapient"}' in metrics
        assert "skywarden_report_to_publish_seconds_bucket" in metrics

    # The next start hands the edited zones to the pipeline (and so to the warner).
    with live_service(site_file, f"sqlite:///{tmp_path / 'db.sqlite'}",
                      with_drone=False) as live:
        zones = {z.id: z for z in live.service.runtime.pipeline.site.zones}  # type: ignore[attr-defined]
        assert set(zones) == {"hq", "bridge"}
        assert zones["hq"].ceiling_m == 250.0
        assert zones["bridge"].polygon == ((44.35, 33.30), (44.36, 33.30), (44.36, 33.31))


def test_websocket_streams_moving_tracks_and_alerts(site_file: Path, tmp_path: Path) -> None:
    with live_service(site_file, f"sqlite:///{tmp_path / 'db.sqlite'}") as live:
        ws_url = live.url.replace("http://", "ws://") + "/ws"
        with pytest.raises(ConnectionClosed) as refused, connect(ws_url) as socket:
            socket.recv(5)
        assert refused.value.rcvd is not None and refused.value.rcvd.code == 4401

        with connect(f"{ws_url}?token={ADMIN_TOKEN}") as socket:
            first = json.loads(socket.recv(5))
            assert first["type"] == "snapshot"
            assert {"tracks", "alerts", "sensors", "zones"} <= set(first)
            positions = []
            kinds = set()
            deadline = time.monotonic() + 10.0
            while len(positions) < 4 and time.monotonic() < deadline:
                message = json.loads(socket.recv(5))
                kinds.add(message["type"])
                if message["type"] == "tracks" and message["tracks"]:
                    track = message["tracks"][0]
                    assert set(track) >= {"t", "track_id", "lat", "lon", "alt_m", "vel_enu_mps",
                                          "pos_sigma_m", "class", "class_conf", "sources",
                                          "remote_id", "icao", "dark"}
                    positions.append((track["t"], track["lat"], track["lon"]))
            assert len(positions) == 4
            assert len({(lat, lon) for _, lat, lon in positions}) > 1, "the track never moved"
            assert [t for t, _, _ in positions] == sorted(t for t, _, _ in positions)
            assert {"tracks", "sensors"} <= kinds
            httpx.post(live.url + "/api/alerts/R1-A1/ack", headers=_bearer(ADMIN_TOKEN))
            while True:
                message = json.loads(socket.recv(5))
                if message["type"] == "alert" and message["alert"]["ack"]:
                    assert message["alert"]["ack"]["by"] == "admin"
                    break


def test_restart_loses_no_alert_and_no_acknowledgement(site_file: Path, store_url: str) -> None:
    db_url = store_url
    with live_service(site_file, db_url) as live:
        _wait_for(live, "/api/alerts?state=open", ADMIN_TOKEN, lambda alerts: len(alerts) == 1)
        httpx.post(live.url + "/api/alerts/R1-A1/ack", headers=_bearer(ADMIN_TOKEN),
                   json={"note": "handed to police"})
        track = _wait_for(live, "/api/tracks/T1", ADMIN_TOKEN,
                          lambda body: len(body.get("history", [])) >= 2)
    with live_service(site_file, db_url, with_drone=False) as live:
        assert live.started.run_id == 2
        alerts = httpx.get(live.url + "/api/alerts?state=open", headers=_bearer(ADMIN_TOKEN))
        (alert,) = alerts.json()
        assert alert["alert_id"] == "R1-A1"
        assert alert["ack"]["by"] == "admin" and alert["ack"]["note"] == "handed to police"
        stored = httpx.get(live.url + "/api/tracks/T1", headers=_bearer(ADMIN_TOKEN)).json()
        assert stored["live"] is False
        assert len(stored["history"]) >= len(track["history"])  # type: ignore[index]
        assert stored["history"][0] == track["history"][0]  # type: ignore[index]
        audit = httpx.get(live.url + "/api/audit", headers=_bearer(ADMIN_TOKEN)).json()
        assert audit[0]["action"] == "acknowledge" and audit[0]["target"] == "R1-A1"


def _flags(track: dict[str, object]) -> tuple[object, object]:
    return track["authorised"], track["spoof"]


def test_tracks_carry_the_authorised_flag_and_the_spoofing_reasons(
    site_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_module, "_echo", flagging)
    expected = {"T1": (False, [SPOOF_REASON]), POLICE_TRACK: (True, [])}
    with live_service(site_file, f"sqlite:///{tmp_path / 'db.sqlite'}") as live:
        ws_url = live.url.replace("http://", "ws://") + f"/ws?token={ADMIN_TOKEN}"
        with connect(ws_url) as socket:
            streamed: dict[str, tuple[object, object]] = {}
            deadline = time.monotonic() + 10.0
            while len(streamed) < 2 and time.monotonic() < deadline:
                message = json.loads(socket.recv(5))
                for track in message.get("tracks", []) if message["type"] == "tracks" else []:
                    streamed[track["track_id"]] = _flags(track)
            assert streamed == expected

        current: Any = _wait_for(live, "/api/tracks", ADMIN_TOKEN, lambda body: len(body) == 2)
        assert {t["track_id"]: _flags(t) for t in current} == expected
        one: Any = _wait_for(live, "/api/tracks/T1", ADMIN_TOKEN,
                             lambda body: len(body.get("history", [])) >= 2)
        assert _flags(one) == expected["T1"]
        assert all(_flags(h) == expected["T1"] for h in one["history"])
        police = httpx.get(live.url + f"/api/tracks/{POLICE_TRACK}",
                           headers=_bearer(ADMIN_TOKEN)).json()
        assert police["authorised"] is True and police["remote_id"] == POLICE
        assert police["remote_id_auth"] == POLICE_AUTH
        span = httpx.get(live.url + "/api/history/span", headers=_bearer(ADMIN_TOKEN)).json()
        stored = httpx.get(live.url + "/api/history", headers=_bearer(ADMIN_TOKEN),
                           params={"t0": span["t0"], "t1": span["t1"]}).json()["tracks"]
        assert stored and {t["track_id"]: _flags(t) for t in stored} == expected
