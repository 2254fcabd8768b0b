"""The whole live service in one process: store, runtime, SAPIENT server, feeds, HTTP.

:class:`Service` puts the parts together from a :class:`ServiceConfig` and runs them on
one asyncio loop (uvicorn serves the API on the same loop). ``skywarden serve`` is a thin
command over it; tests and benchmarks start it in-process the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn

from skywarden.model import Site
from skywarden.recording import read_site, site_from_dict, site_to_dict
from skywarden.serve.api import create_app
from skywarden.serve.auth import ADMIN_TOKEN_ENV, Authenticator, ensure_admin_token
from skywarden.serve.feeds import (
    AdsbFormat,
    ReplayClock,
    ReportLineServer,
    adsb_feed,
    first_report_time,
    replay,
    shift_site,
)
from skywarden.serve.runtime import PicturePipeline, Runtime
from skywarden.serve.sapient import SapientServer
from skywarden.serve.store import open_store

log = logging.getLogger(__name__)

REPLAY_LEAD_S = 2.0
"""How long after the service is built a replay starts (the servers start meanwhile)."""
WEB_DIR = Path(__file__).resolve().parent / "web" / "dist"
"""Where ``make web`` puts the built operator map."""

Address = tuple[str, int]


def parse_address(text: str) -> Address:
    """``HOST:PORT`` (or ``:PORT`` for the loopback interface) as a pair."""
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"{text!r} is not HOST:PORT")
    return (host.strip("[]") or "127.0.0.1", int(port))


def default_pipeline(site: Site, period_s: float) -> PicturePipeline:
    """The tracking, identification and warning pipeline of ``skywarden.pipeline``."""
    from skywarden.pipeline import Pipeline

    return Pipeline(site, period_s=period_s)


def with_edited_zones(site: Site, edited: list[dict[str, Any]]) -> Site:
    """The site with the zones edited through the API (kept in the store) in place of
    the site file's, so that the warner watches what the operators last set."""
    if not edited:
        return site
    described = site_to_dict(site)
    zones = {zone["id"]: zone for zone in described.get("zones", [])}
    zones.update({zone["id"]: zone for zone in edited})
    described["zones"] = list(zones.values())
    return site_from_dict(described)


@dataclass
class ServiceConfig:
    """Everything ``skywarden serve`` is told on its command line."""

    site_file: Path
    http: Address = ("127.0.0.1", 8080)
    sapient: Address | None = ("127.0.0.1", 5020)
    db_url: str = "sqlite:///skywarden.db"
    replay: Path | None = None
    speed: float = 1.0
    loop: bool = False
    beast: Address | None = None
    sbs: Address | None = None
    reports: Address | None = None
    tile_url: str | None = None
    period_s: float = 1.0
    lag_s: float = 1.0
    web_dir: Path | None = WEB_DIR
    admin_token: str | None = field(default_factory=lambda: os.environ.get(ADMIN_TOKEN_ENV))


@dataclass(frozen=True, slots=True)
class Started:
    """Where a started service listens, and the admin token to show (first start only)."""

    url: str
    sapient: Address | None
    reports: Address | None
    new_admin_token: str | None
    run_id: int


class Service:
    """A running Skywarden service."""

    def __init__(
        self,
        config: ServiceConfig,
        make_pipeline: Callable[[Site, float], PicturePipeline] = default_pipeline,
    ) -> None:
        self.config = config
        site_path = config.site_file / "site.json" if config.site_file.is_dir() \
            else config.site_file
        self.site = read_site(site_path)
        self.replay_clock: ReplayClock | None = None
        if config.replay is not None:
            t0 = first_report_time(config.replay, self.site)
            if t0 is not None:
                self.replay_clock = ReplayClock(t0, time.time() + REPLAY_LEAD_S, config.speed)
                self.site = shift_site(self.site, self.replay_clock)
        city = self.site.params.get("city")
        self.city_file = site_path.parent / city if isinstance(city, str) else None
        if self.city_file is not None and not self.city_file.is_file():
            log.warning("city data %s not found: the map shows no buildings", self.city_file)
            self.city_file = None
        self.store = open_store(config.db_url)
        self.site = with_edited_zones(self.site, self.store.zones())
        self.runtime = Runtime(self.site, make_pipeline(self.site, config.period_s),
                               self.store, period_s=config.period_s, lag_s=config.lag_s)
        self.auth = Authenticator(self.store, config.admin_token)
        self.sapient = SapientServer(self.runtime)
        self.report_lines = ReportLineServer(self.runtime)
        self.app = create_app(self.runtime, self.auth, web_dir=config.web_dir,
                              city_file=self.city_file, tile_url=config.tile_url)
        self._http: uvicorn.Server | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> Started:
        """Start every part; returns once the HTTP server accepts connections."""
        new_token = await self.runtime.db(ensure_admin_token, self.store,
                                          self.config.admin_token)
        await self.runtime.start(note=f"site {self.site.name}")
        sapient_at = None
        if self.config.sapient is not None:
            sapient_at = await self.sapient.start(*self.config.sapient)
        reports_at = None
        if self.config.reports is not None:
            reports_at = await self.report_lines.start(*self.config.reports)
        host, port = self.config.http
        self._http = uvicorn.Server(uvicorn.Config(
            self.app, host=host, port=port, log_level="warning", lifespan="off",
            ws="websockets-sansio",
        ))
        self._tasks.append(asyncio.create_task(self._http.serve(), name="skywarden-http"))
        while not self._http.started:
            if self._tasks[0].done():
                self._tasks[0].result()
                raise RuntimeError("the HTTP server stopped while starting")
            await asyncio.sleep(0.02)
        bound = self._http.servers[0].sockets[0].getsockname()
        if self.config.replay is not None and self.replay_clock is not None:
            self._tasks.append(asyncio.create_task(
                replay(self.runtime, self.config.replay, self.replay_clock,
                       loop=self.config.loop), name="skywarden-replay"))
        for address, fmt in ((self.config.beast, AdsbFormat.BEAST),
                             (self.config.sbs, AdsbFormat.SBS)):
            if address is not None:
                self._tasks.append(asyncio.create_task(
                    adsb_feed(self.runtime, address, fmt), name=f"skywarden-{fmt.value}"))
        return Started(f"http://{bound[0]}:{bound[1]}/", sapient_at, reports_at, new_token,
                       self.runtime.run_id)

    async def wait(self) -> None:
        """Run until the HTTP server stops (Ctrl-C) or a feed fails."""
        done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()

    async def stop(self) -> None:
        """Stop every part and close the store; nothing committed is lost."""
        if self._http is not None:
            self._http.should_exit = True
        for task in self._tasks[1:]:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.sapient.stop()
        await self.report_lines.stop()
        await self.runtime.stop()
        self.store.close()
