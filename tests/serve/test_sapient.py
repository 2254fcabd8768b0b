"""The SAPIENT fusion node over a real TCP socket: registration, status, detections in
both location forms, and bad input answered without disturbing other nodes."""

from __future__ import annotations

import asyncio
import math
import time
from pathlib import Path

import pytest
from sapient_msg.bsi_flex_335_v2_0.registration_pb2 import Registration
from sapient_msg.bsi_flex_335_v2_0.status_report_pb2 import StatusReport
from ulid import ULID

from skywarden.geo import LocalFrame
from skywarden.model import FixSource, RadarReport, Site, TargetClass
from tests.serve.sapient_client import Node, frame_with_length, lat_lon, range_bearing
from tests.serve.service import running_service, until

SITE_RADAR_NODE = "5d0c7a34-8f0e-4c3e-9a57-0a4b7d9e1f01"
LIVE_NODE = "0b9e4c1e-2f4d-4b6a-8c3d-6e1f2a3b4c5d"
OTHER_NODE = "7f3a9d2e-1c4b-4e5f-9a8b-2c3d4e5f6a7b"


def _db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'skywarden.db'}"


def test_registration_status_and_location_detection(site: Site, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_service(site, _db(tmp_path)) as service:
            node = await Node.connect(LIVE_NODE, service.sapient_port)
            ack = await node.register(Registration.NODE_TYPE_CAMERA)
            assert ack.WhichOneof("content") == "registration_ack"
            assert ack.registration_ack.acceptance
            assert ack.destination_id == LIVE_NODE
            await node.status(33.3140, 44.3630, 85.0, StatusReport.SYSTEM_WARNING)
            t = time.time()
            object_id = str(ULID())
            await node.detect(t=t, location=lat_lon(33.3105, 44.3610, 140.0),
                              object_id=object_id, cls="UAV")
            await until(lambda: len(service.pipeline.fixes) == 1)
            fix = service.pipeline.fixes[0]
            assert fix.source is FixSource.SAPIENT
            assert (fix.lat, fix.lon, fix.alt_m) == (33.3105, 44.3610, 140.0)
            assert fix.t == pytest.approx(t, abs=1e-6)
            assert fix.cls is TargetClass.DRONE
            assert fix.object_id == f"{LIVE_NODE}/{object_id}"
            assert fix.h_sigma_m == pytest.approx(0.00005 * 111_320.0, rel=0.01)
            health = service.runtime.board.get(fix.sensor)
            assert health is not None
            assert (health.lat, health.lon, health.alt_m) == (33.3140, 44.3630, 85.0)
            assert health.status(time.time()) == "warning"
            assert health.reports_total == 1
            await node.close()

    asyncio.run(scenario())


def test_range_bearing_from_a_node_placed_by_its_status(site: Site, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_service(site, _db(tmp_path)) as service:
            node = await Node.connect(LIVE_NODE, service.sapient_port)
            await node.register(Registration.NODE_TYPE_RADAR)
            # Before the node says where it is, a relative detection cannot be placed.
            await node.detect(t=time.time(), bearing=range_bearing(45.0, 10.0, 1000.0))
            error = await node.receive()
            assert "node location unknown" in error.error.error_message[0]
            await node.status(33.3140, 44.3630, 85.0)
            await node.detect(t=time.time(), bearing=range_bearing(45.0, 10.0, 1000.0))
            await until(lambda: len(service.pipeline.fixes) == 1)
            fix = service.pipeline.fixes[0]
            enu = LocalFrame(33.3140, 44.3630, 85.0).geodetic_to_enu(fix.lat, fix.lon, fix.alt_m)
            horizontal = 1000.0 * math.cos(math.radians(10.0))
            assert enu[0] == pytest.approx(horizontal * math.sin(math.radians(45.0)), abs=0.01)
            assert enu[1] == pytest.approx(horizontal * math.cos(math.radians(45.0)), abs=0.01)
            assert enu[2] == pytest.approx(1000.0 * math.sin(math.radians(10.0)), abs=0.01)
            # 0.5 degree of azimuth error at 1 km dominates the 5 m range error.
            assert fix.h_sigma_m == pytest.approx(1000.0 * math.radians(0.5), rel=1e-6)
            await node.close()

    asyncio.run(scenario())


def test_site_node_range_bearing_becomes_a_radar_report(site: Site, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_service(site, _db(tmp_path)) as service:
            node = await Node.connect(SITE_RADAR_NODE, service.sapient_port)
            await node.register(Registration.NODE_TYPE_RADAR)
            t = time.time()
            await node.detect(t=t, bearing=range_bearing(211.9, 2.41, 1834.2))
            await until(lambda: len(service.pipeline.reports) == 1)
            report = service.pipeline.reports[0]
            assert isinstance(report, RadarReport)
            assert report.sensor == "radar-n"
            assert (report.range_m, report.az_deg, report.el_deg) == (1834.2, 211.9, 2.41)
            assert report.sigma == {"az_deg": 0.5, "el_deg": 0.8, "range_m": 5.0}
            # The picture carries the track to the store and to subscribers.
            await until(lambda: "T1" in service.runtime.tracks)
            await node.close()

    asyncio.run(scenario())


def test_bad_frames_are_answered_and_other_nodes_go_on(site: Site, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_service(site, _db(tmp_path)) as service:
            good = await Node.connect(OTHER_NODE, service.sapient_port)
            await good.register()
            await good.status(33.3140, 44.3630, 85.0)

            # Garbage that is no protobuf: an Error quoting it, and the connection stays.
            noisy = await Node.connect(LIVE_NODE, service.sapient_port)
            await noisy.send_raw(frame_with_length(9, b"\xff\xff\xffgarbage"[:9]))
            error = await noisy.receive()
            assert error.WhichOneof("content") == "error"
            assert error.error.packet == b"\xff\xff\xffgarbage"[:9]
            # An unregistered node's detection: refused by name.
            await noisy.detect(t=time.time(), location=lat_lon(33.31, 44.36, 100.0))
            error = await noisy.receive()
            assert "node not registered" in error.error.error_message[0]
            # Ids must be ULIDs.
            await noisy.register()
            msg = noisy.message()
            msg.detection_report.report_id = "not-a-ulid"
            msg.detection_report.object_id = str(ULID())
            msg.detection_report.location.CopyFrom(lat_lon(33.31, 44.36, 100.0))
            await noisy.send(msg)
            error = await noisy.receive()
            assert "report_id not a ULID" in error.error.error_message[0]
            # A length that cannot be resynchronised: an Error, then the connection ends.
            await noisy.send_raw(frame_with_length(0x7FFFFFFF, b"\x00" * 16))
            error = await noisy.receive()
            assert "out of range" in error.error.error_message[0]
            assert await noisy.closed()
            zero = await Node.connect(LIVE_NODE, service.sapient_port)
            await zero.send_raw(frame_with_length(0, b""))
            assert (await zero.receive()).WhichOneof("content") == "error"
            assert await zero.closed()

            # The well-behaved node was never disturbed.
            await good.detect(t=time.time(), bearing=range_bearing(90.0, 5.0, 500.0))
            await until(lambda: len(service.pipeline.fixes) == 1)
            assert service.pipeline.fixes[0].sensor == f"sapient-{OTHER_NODE[:8]}"
            rejected = {
                sample.labels["reason"]: sample.value
                for metric in service.runtime.metrics.rejected.collect()
                for sample in metric.samples if sample.name.endswith("_total")
            }
            assert rejected == {"undecodable message": 1.0, "node not registered": 1.0,
                                "report_id not a ULID": 1.0, "bad frame length": 2.0}
            await good.close()

    asyncio.run(scenario())
