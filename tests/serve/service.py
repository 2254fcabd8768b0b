"""Run the service's runtime and SAPIENT server inside a test's event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from skywarden.model import Site
from skywarden.serve.runtime import Runtime
from skywarden.serve.sapient import SapientServer
from skywarden.serve.store import open_store
from tests.serve.fakes import EchoPipeline


@dataclass
class Service:
    runtime: Runtime
    pipeline: EchoPipeline
    sapient: SapientServer
    sapient_port: int


@asynccontextmanager
async def running_service(site: Site, db_url: str) -> AsyncIterator[Service]:
    """A runtime over an echo pipeline, with a SAPIENT server on a free loopback port."""
    store = open_store(db_url)
    pipeline = EchoPipeline(site)
    runtime = Runtime(site, pipeline, store, period_s=0.2)
    await runtime.start()
    sapient = SapientServer(runtime)
    _, port = await sapient.start("127.0.0.1", 0)
    try:
        yield Service(runtime, pipeline, sapient, port)
    finally:
        await sapient.stop()
        await runtime.stop()
        store.close()


async def until(condition: Callable[[], bool], timeout_s: float = 5.0) -> None:
    """Wait until a condition holds; fail the test when it does not in time."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)
