"""The runtime's queue pushes back on sources when the pipeline is slow, rejects a bad
report alone, and pictures trail the clock by the configured lag."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from skywarden.model import RadarReport, Report, Site
from skywarden.serve.runtime import Runtime
from skywarden.serve.store import open_store
from tests.serve.fakes import EchoPipeline
from tests.serve.service import until


@dataclass
class GatedPipeline(EchoPipeline):
    """Blocks in ``feed`` until the gate opens; refuses reports at a negative range."""

    gate: threading.Event = field(default_factory=threading.Event)

    def feed(self, report: Report) -> None:
        self.gate.wait(10.0)
        if isinstance(report, RadarReport) and report.range_m < 0.0:
            raise ValueError("negative range")
        super().feed(report)


def _radar(t: float, range_m: float = 900.0) -> RadarReport:
    return RadarReport(t=t, sensor="radar-n", range_m=range_m, az_deg=10.0, el_deg=3.0)


def test_full_queue_makes_sources_wait_and_nothing_is_lost(site: Site, tmp_path: Path) -> None:
    async def scenario() -> None:
        store = open_store(f"sqlite:///{tmp_path / 'db'}")
        pipeline = GatedPipeline(site)
        runtime = Runtime(site, pipeline, store, period_s=0.2, queue_size=5)
        await runtime.start()
        now = time.time()

        async def source() -> None:
            for k in range(20):
                await runtime.submit("test", _radar(now + k * 1e-3, -1.0 if k == 7 else 900.0))

        producer = asyncio.create_task(source())
        await asyncio.sleep(0.3)
        assert not producer.done(), "the source should wait while the pipeline is stuck"
        assert runtime.queue_depth == 5
        pipeline.gate.set()
        await asyncio.wait_for(producer, 5.0)
        await until(lambda: len(pipeline.reports) == 19)
        assert [r.t for r in pipeline.reports] == [now + k * 1e-3 for k in range(20) if k != 7]
        rejected = {s.labels["reason"]: s.value for m in runtime.metrics.rejected.collect()
                    for s in m.samples if s.name.endswith("_total")}
        assert rejected == {"ValueError": 1.0}
        await runtime.stop()
        store.close()

    asyncio.run(scenario())


def test_pictures_trail_the_clock_by_the_lag(site: Site, tmp_path: Path) -> None:
    async def scenario() -> None:
        store = open_store(f"sqlite:///{tmp_path / 'db'}")
        pipeline = EchoPipeline(site)
        runtime = Runtime(site, pipeline, store, period_s=0.25, lag_s=0.75)
        await runtime.start()
        await until(lambda: len(pipeline.instants) >= 3)
        called = time.time()
        await runtime.stop()
        store.close()
        steps = [b - a for a, b in zip(pipeline.instants, pipeline.instants[1:], strict=False)]
        assert all(abs(step - 0.25) < 1e-9 for step in steps)
        assert all(abs((t + 0.75) / 0.25 - round((t + 0.75) / 0.25)) < 1e-6
                   for t in pipeline.instants)
        assert pipeline.instants[-1] <= called - 0.75 + 1e-6

    asyncio.run(scenario())
