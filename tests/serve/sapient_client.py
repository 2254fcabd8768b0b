"""A small SAPIENT sensor node for tests: frames, registration, status and detections."""

from __future__ import annotations

import asyncio
import struct
import time

from sapient_msg.bsi_flex_335_v2_0.location_pb2 import (
    Location,
    LocationCoordinateSystem,
    LocationDatum,
)
from sapient_msg.bsi_flex_335_v2_0.range_bearing_pb2 import (
    RangeBearing,
    RangeBearingCoordinateSystem,
    RangeBearingDatum,
)
from sapient_msg.bsi_flex_335_v2_0.registration_pb2 import Registration
from sapient_msg.bsi_flex_335_v2_0.sapient_message_pb2 import SapientMessage
from sapient_msg.bsi_flex_335_v2_0.status_report_pb2 import StatusReport
from ulid import ULID

from skywarden.serve.sapient import encode_frame, read_frame


def lat_lon(lat: float, lon: float, alt: float) -> Location:
    """A WGS84 ellipsoid location in degrees and metres."""
    return Location(x=lon, y=lat, z=alt, x_error=0.00005, y_error=0.00005, z_error=3.0,
                    coordinate_system=LocationCoordinateSystem.LOCATION_COORDINATE_SYSTEM_LAT_LNG_DEG_M,
                    datum=LocationDatum.LOCATION_DATUM_WGS84_E)


def range_bearing(az: float, el: float, rng: float | None) -> RangeBearing:
    """A true-north range and bearing in degrees and metres."""
    rb = RangeBearing(azimuth=az, elevation=el, azimuth_error=0.5, elevation_error=0.8,
                      coordinate_system=RangeBearingCoordinateSystem.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_M,
                      datum=RangeBearingDatum.RANGE_BEARING_DATUM_TRUE)
    if rng is not None:
        rb.range = rng
        rb.range_error = 5.0
    return rb


class Node:
    """One sensor node connected to the fusion node."""

    def __init__(self, node_id: str, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter) -> None:
        self.node_id = node_id
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, node_id: str, port: int) -> Node:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(node_id, reader, writer)

    def message(self, t: float | None = None) -> SapientMessage:
        msg = SapientMessage(node_id=self.node_id)
        msg.timestamp.FromNanoseconds(int((t if t is not None else time.time()) * 1e9))
        return msg

    async def send(self, msg: SapientMessage) -> None:
        self.writer.write(encode_frame(msg))
        await self.writer.drain()

    async def send_raw(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def receive(self) -> SapientMessage:
        return SapientMessage.FromString(await asyncio.wait_for(read_frame(self.reader), 5.0))

    async def register(self, node_type: int = Registration.NODE_TYPE_RADAR) -> SapientMessage:
        msg = self.message()
        msg.registration.name = f"test node {self.node_id[:4]}"
        msg.registration.icd_version = "BSI Flex 335 v2.0"
        msg.registration.node_definition.add(node_type=node_type)
        await self.send(msg)
        return await self.receive()

    async def status(self, lat: float, lon: float, alt: float,
                     system: int = StatusReport.SYSTEM_OK) -> None:
        msg = self.message()
        msg.status_report.report_id = str(ULID())
        msg.status_report.system = system
        msg.status_report.node_location.CopyFrom(lat_lon(lat, lon, alt))
        await self.send(msg)

    async def detect(self, *, t: float, location: Location | None = None,
                     bearing: RangeBearing | None = None, object_id: str | None = None,
                     cls: str | None = None) -> None:
        msg = self.message(t)
        report = msg.detection_report
        report.report_id = str(ULID())
        report.object_id = object_id or str(ULID())
        if location is not None:
            report.location.CopyFrom(location)
        if bearing is not None:
            report.range_bearing.CopyFrom(bearing)
        if cls is not None:
            report.classification.add(type=cls, confidence=0.9)
        await self.send(msg)

    async def closed(self) -> bool:
        """Whether the server closed the connection (EOF within 5 s)."""
        data = await asyncio.wait_for(self.reader.read(1), 5.0)
        return data == b""

    async def close(self) -> None:
        self.writer.close()
        await self.writer.wait_closed()


def frame_with_length(length: int, payload: bytes) -> bytes:
    """A frame that declares ``length`` whatever the payload's real size."""
    return struct.pack("<I", length) + payload
