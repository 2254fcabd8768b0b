"""The whole service running in a background thread, for HTTP, WebSocket and browser
tests: real sockets, a real store, the echo pipeline, and a SAPIENT node flying a drone
across the example site."""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from sapient_msg.bsi_flex_335_v2_0.registration_pb2 import Registration
from ulid import ULID

from skywarden.model import Site
from skywarden.serve.runtime import PicturePipeline
from skywarden.serve.service import Service, ServiceConfig, Started
from tests.serve.conftest import free_port
from tests.serve.fakes import EchoPipeline
from tests.serve.sapient_client import Node, lat_lon

ADMIN_TOKEN = "test-admin-token-0123456789"
DRONE_NODE = "0b9e4c1e-2f4d-4b6a-8c3d-6e1f2a3b4c5d"


@dataclass
class Live:
    """A started service and how to reach it."""

    service: Service
    started: Started
    loop: asyncio.AbstractEventLoop

    @property
    def url(self) -> str:
        return self.started.url.rstrip("/")

    def call(self, coroutine: object) -> object:
        """Run a coroutine on the service's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(30)  # type: ignore[arg-type]


def _echo(site: Site, period_s: float) -> PicturePipeline:
    return EchoPipeline(site)


async def fly_drone(port: int, stop: asyncio.Event) -> None:
    """A SAPIENT node reporting a drone that circles the Ministry compound."""
    node = await Node.connect(DRONE_NODE, port)
    await node.register(Registration.NODE_TYPE_CAMERA)
    await node.status(33.3140, 44.3630, 85.0)
    object_id = str(ULID())
    start = time.time()
    while not stop.is_set():
        a = (time.time() - start) * 0.15
        await node.detect(t=time.time(), object_id=object_id, cls="UAV",
                          location=lat_lon(33.3110 + 0.0012 * math.sin(a),
                                           44.3611 + 0.0015 * math.cos(a), 140.0))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 0.25)
    await node.close()


@contextlib.contextmanager
def live_service(site_file: Path, db_url: str, *, with_drone: bool = True,
                 web_dir: Path | None = None) -> Iterator[Live]:
    """Run the service (and a drone) in a thread until the block ends."""
    config = ServiceConfig(site_file=site_file, http=("127.0.0.1", free_port()),
                           sapient=("127.0.0.1", 0), db_url=db_url, period_s=0.5,
                           admin_token=ADMIN_TOKEN)
    if web_dir is not None:
        config.web_dir = web_dir
    ready: Future[Live] = Future()
    finished = threading.Event()

    async def main() -> None:
        service = Service(config, make_pipeline=_echo)
        stop = asyncio.Event()
        try:
            started = await service.start()
            flight = None
            if with_drone and started.sapient is not None:
                flight = asyncio.create_task(fly_drone(started.sapient[1], stop))
            ready.set_result(Live(service, started, asyncio.get_running_loop()))
            while not finished.is_set():
                await asyncio.sleep(0.05)
            stop.set()
            if flight is not None:
                await flight
        except BaseException as error:
            if not ready.done():
                ready.set_exception(error)
            raise
        finally:
            await service.stop()

    thread = threading.Thread(target=asyncio.run, args=(main(),), daemon=True)
    thread.start()
    try:
        yield ready.result(30)
    finally:
        finished.set()
        thread.join(30)
