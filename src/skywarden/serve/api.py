"""The HTTP and WebSocket interface of the live service, and the operator map's files.

Every endpoint but ``/healthz`` (and the static files of the map, which hold no data)
needs ``Authorization: Bearer TOKEN``; the WebSocket takes the token as ``?token=``
since browsers cannot set headers on it. A missing or unknown token is answered 401, a
role too low for the action 403.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, HTTPException, Query, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field, field_validator, model_validator

from skywarden.recording import site_to_dict
from skywarden.serve.auth import Authenticator, Principal, Role
from skywarden.serve.runtime import Runtime

WS_UNAUTHORISED = 4401
"""WebSocket close code for a missing or unknown token (HTTP 401 in the 4000 range)."""
HISTORY_MAX_S = 6 * 3600.0
"""Longest window the timeline may ask for at once."""

BEARER = HTTPBearer(auto_error=False)
"""Reads ``Authorization: Bearer TOKEN`` (and documents it in the OpenAPI schema)."""

NOT_BUILT = """<!doctype html><title>Skywarden</title>
<p>The operator map is not built: run <code>make web</code>. The API is at
<a href="/docs">/docs</a>.</p>"""


class AckRequest(BaseModel):
    """An acknowledgement, with an optional note for the log."""

    note: str = Field("", max_length=500)


class TokenRequest(BaseModel):
    """A token to issue: its role and who or what it is for."""

    role: Role
    name: str = Field(min_length=1, max_length=100)


class ZoneBody(BaseModel):
    """A protected zone as in the site file: a polygon of ``[lon, lat]`` between two
    altitudes (metres above the WGS84 ellipsoid)."""

    name: str = Field(min_length=1, max_length=200)
    polygon: list[tuple[float, float]] = Field(min_length=3)
    floor_m: float = 0.0
    ceiling_m: float = 10_000.0

    @field_validator("polygon")
    @classmethod
    def _on_earth(cls, polygon: list[tuple[float, float]]) -> list[tuple[float, float]]:
        for lon, lat in polygon:
            if not (math.isfinite(lon) and math.isfinite(lat)
                    and -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
                raise ValueError(f"[{lon}, {lat}] is not a [lon, lat] pair on Earth")
        return polygon

    @model_validator(mode="after")
    def _ceiling_above_floor(self) -> ZoneBody:
        if not (math.isfinite(self.floor_m) and math.isfinite(self.ceiling_m)):
            raise ValueError("floor_m and ceiling_m must be finite")
        if self.ceiling_m <= self.floor_m:
            raise ValueError("ceiling_m must be above floor_m")
        return self


def create_app(
    runtime: Runtime,
    auth: Authenticator,
    *,
    web_dir: Path | None = None,
    city_file: Path | None = None,
    tile_url: str | None = None,
) -> FastAPI:
    """The FastAPI application of a running service."""
    app = FastAPI(
        title="Skywarden",
        summary="Live air picture, alerts and sensors of a Skywarden site.",
        version="1",
    )
    def principal_for(role: Role) -> Any:
        def check(
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
        ) -> Principal:
            principal = auth.principal(credentials.credentials if credentials else None)
            if principal is None:
                raise HTTPException(401, "missing or unknown bearer token",
                                    headers={"WWW-Authenticate": "Bearer"})
            if not principal.role.allows(role):
                raise HTTPException(403, f"needs the {role.value} role")
            return principal

        return Depends(check)

    viewer = principal_for(Role.VIEWER)
    operator = principal_for(Role.OPERATOR)
    admin = principal_for(Role.ADMIN)

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        """Liveness: answers without a token."""
        return {"status": "ok", "run": runtime.run_id, "picture_t": runtime.picture_t,
                "queue_depth": runtime.queue_depth}

    @app.get("/metrics", tags=["service"])
    async def metrics(_: Principal = viewer) -> Response:
        """Prometheus metrics."""
        return Response(generate_latest(runtime.metrics.registry),
                        media_type=CONTENT_TYPE_LATEST)

    @app.get("/api/me", tags=["service"])
    async def me(who: Principal = viewer) -> dict[str, str]:
        """Who the token belongs to, and its role."""
        return {"name": who.name, "role": who.role.value}

    @app.get("/api/site", tags=["site"])
    async def site(_: Principal = viewer) -> dict[str, Any]:
        """The site: sensors, assets (convoy routes), origin, and map settings."""
        described = site_to_dict(runtime.site)
        lat, lon, alt = runtime.site.origin
        return {
            "name": runtime.site.name,
            "origin": {"lat": lat, "lon": lon, "alt_m": alt},
            "sensors": described.get("sensors", []),
            "assets": described.get("assets", []),
            "city": "/api/site/city.geojson" if city_file is not None else None,
            "tile_url": tile_url,
        }

    @app.get("/api/site/city.geojson", tags=["site"])
    async def city(_: Principal = viewer) -> FileResponse:
        """The buildings of the site's city, for the offline basemap."""
        if city_file is None:
            raise HTTPException(404, "the site has no city data")
        return FileResponse(city_file, media_type="application/geo+json")

    @app.get("/api/tracks", tags=["tracks"])
    async def tracks(_: Principal = viewer) -> list[dict[str, Any]]:
        """The confirmed tracks of the latest picture (fields as in tracks.jsonl)."""
        return list(runtime.tracks.values())

    @app.get("/api/tracks/{track_id}", tags=["tracks"])
    async def track(track_id: str, _: Principal = viewer,
                    limit: Annotated[int, Query(ge=1, le=3600)] = 600) -> dict[str, Any]:
        """A track's latest state with its stored history (oldest first)."""
        history = await runtime.db(runtime.store.track_history, track_id, limit)
        current = runtime.tracks.get(track_id) or (history[-1] if history else None)
        if current is None:
            raise HTTPException(404, f"no track {track_id}")
        return {**current, "live": track_id in runtime.tracks, "history": history}

    @app.get("/api/history", tags=["tracks"])
    async def history(
        t0: Annotated[float, Query(description="start, UTC seconds")],
        t1: Annotated[float, Query(description="end, UTC seconds")],
        _: Principal = viewer,
    ) -> dict[str, Any]:
        """Stored track states between two times, for the timeline replay."""
        if not (math.isfinite(t0) and math.isfinite(t1)) or t1 < t0 or t1 - t0 > HISTORY_MAX_S:
            raise HTTPException(422, f"need t0 <= t1 at most {HISTORY_MAX_S:.0f} s apart")
        states = await runtime.db(runtime.store.tracks_between, t0, t1)
        return {"t0": t0, "t1": t1, "tracks": states}

    @app.get("/api/history/span", tags=["tracks"])
    async def history_span(_: Principal = viewer) -> dict[str, float | None]:
        """The first and last time of the stored history."""
        span = await runtime.db(runtime.store.history_span)
        return {"t0": span[0] if span else None, "t1": span[1] if span else None}

    @app.get("/api/alerts", tags=["alerts"])
    async def alerts(
        _: Principal = viewer,
        state: Annotated[str, Query(pattern="^(open|closed|unacked|all)$")] = "all",
        limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    ) -> list[dict[str, Any]]:
        """Alerts, latest first, with their lifecycle times and acknowledgement."""
        return await runtime.db(runtime.store.alerts, None if state == "all" else state, limit)

    @app.get("/api/alerts/{alert_id}", tags=["alerts"])
    async def alert(alert_id: str, _: Principal = viewer) -> dict[str, Any]:
        """One alert with every state it went through."""
        found = await runtime.db(runtime.store.alert, alert_id)
        if found is None:
            raise HTTPException(404, f"no alert {alert_id}")
        return found

    @app.post("/api/alerts/{alert_id}/ack", tags=["alerts"])
    async def acknowledge(
        alert_id: str,
        who: Principal = operator,
        body: Annotated[AckRequest | None, Body()] = None,
    ) -> dict[str, Any]:
        """Acknowledge an alert (operators and admins); the first acknowledgement stands."""
        acked = await runtime.acknowledge(alert_id, who.name, who.role.value,
                                          body.note if body else "")
        if acked is None:
            raise HTTPException(404, f"no alert {alert_id}")
        return acked

    @app.get("/api/sensors", tags=["sensors"])
    async def sensors(_: Principal = viewer) -> list[dict[str, Any]]:
        """Every sensor's health, last report and report rate."""
        return runtime.board.snapshot(runtime.clock())

    @app.get("/api/zones", tags=["zones"])
    async def zones(_: Principal = viewer) -> list[dict[str, Any]]:
        """The protected zones, as edited."""
        return list(runtime.zones.values())

    @app.put("/api/zones/{zone_id}", tags=["zones"])
    async def put_zone(zone_id: str, body: ZoneBody, who: Principal = admin) -> dict[str, Any]:
        """Create or replace a zone (admins). The map and the API show it at once, and
        the warning rules watch it from the next picture on."""
        zone = {"id": zone_id, **body.model_dump()}
        zone["polygon"] = [list(p) for p in body.polygon]
        await runtime.update_zone(zone, who.name, who.role.value)
        return zone

    @app.get("/api/audit", tags=["service"])
    async def audit(_: Principal = admin,
                    limit: Annotated[int, Query(ge=1, le=5000)] = 200) -> list[dict[str, Any]]:
        """The operator actions, latest first (admins)."""
        return await runtime.db(runtime.store.audit_log, limit)

    @app.post("/api/tokens", tags=["service"])
    async def issue_token(body: TokenRequest, who: Principal = admin) -> dict[str, str]:
        """Issue a token for a role (admins); it is shown only in this answer."""
        token = await runtime.db(auth.issue, body.role, body.name)
        await runtime.db(runtime.store.audit, runtime.clock(), who.name, who.role.value,
                         "issue_token", body.name, {"role": body.role.value})
        return {"token": token, "role": body.role.value, "name": body.name}

    @app.websocket("/ws")
    async def stream(websocket: WebSocket, token: str | None = None) -> None:
        """Track, alert, sensor and zone updates as JSON messages; a snapshot first."""
        await websocket.accept()
        if auth.principal(token) is None:
            await websocket.close(code=WS_UNAUTHORISED, reason="missing or unknown token")
            return
        subscriber = runtime.subscribe()
        try:
            open_alerts = await runtime.db(runtime.store.alerts, "open")
            await websocket.send_json({
                "type": "snapshot", "t": runtime.picture_t, "run": runtime.run_id,
                "tracks": list(runtime.tracks.values()), "alerts": open_alerts,
                "sensors": runtime.board.snapshot(runtime.clock()),
                "zones": list(runtime.zones.values()),
            })
            closed = asyncio.create_task(_wait_closed(websocket))
            while not closed.done():
                getter = asyncio.create_task(subscriber.queue.get())
                done, _ = await asyncio.wait({getter, closed}, return_when=asyncio.FIRST_COMPLETED)
                if getter in done:
                    await websocket.send_text(getter.result())
                else:
                    getter.cancel()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            runtime.unsubscribe(subscriber)

    if web_dir is not None and (web_dir / "index.html").is_file():
        app.mount("/", StaticFiles(directory=web_dir, html=True), name="map")
    else:
        @app.get("/", include_in_schema=False)
        async def not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT)

    return app


async def _wait_closed(websocket: WebSocket) -> None:
    """Return when the client goes away (it sends nothing else)."""
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
