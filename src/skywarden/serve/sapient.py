"""A SAPIENT (BSI Flex 335 v2.0) fusion node: a TCP server that sensor nodes report to.

Each frame on the wire is a 4-byte little-endian length followed by a serialised
``SapientMessage`` (protobuf bindings from the ``sapient-msg`` package). A node first
sends a Registration (answered with a RegistrationAck), then StatusReports (its health
and its location) and DetectionReports, whose object is located either by
``range_bearing`` from the node or by ``location`` (latitude, longitude, altitude).

Nodes that the site file knows (a sensor whose ``id`` or ``sapient_node_id`` is the
node's UUID) keep the site's sensor: their range-bearing detections become radar or
bearing reports of that sensor. Other nodes are accepted once registered and placed by
their StatusReport location; their detections become ``PositionFix``es (source
``sapient``), since the tracker has no measurement model for a sensor it was not given.

Bad input is answered, never fatal to anyone else: an undecodable message, a message
from an unregistered node, a non-ULID id or an unsupported unit gets an Error message
and the connection goes on; a frame length of zero or over ``MAX_FRAME_BYTES`` cannot be
resynchronised, so that node gets an Error and is disconnected.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import struct
import time
import uuid
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from sapient_msg.bsi_flex_335_v2_0.detection_report_pb2 import DetectionReport
from sapient_msg.bsi_flex_335_v2_0.error_pb2 import Error
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
from sapient_msg.bsi_flex_335_v2_0.registration_ack_pb2 import RegistrationAck
from sapient_msg.bsi_flex_335_v2_0.registration_pb2 import Registration
from sapient_msg.bsi_flex_335_v2_0.sapient_message_pb2 import SapientMessage
from sapient_msg.bsi_flex_335_v2_0.status_report_pb2 import StatusReport
from ulid import ULID

from skywarden.geo import LocalFrame, aer_to_enu
from skywarden.model import (
    AcousticReport,
    EoReport,
    FixSource,
    PositionFix,
    RadarReport,
    Report,
    RfReport,
    Sensor,
    SensorType,
    TargetClass,
)
from skywarden.serve.runtime import Runtime

log = logging.getLogger(__name__)

SOURCE = "sapient"
MAX_FRAME_BYTES = 1 << 20
"""Largest SAPIENT message accepted (1 MiB); a longer frame is a broken stream."""
ERROR_PACKET_BYTES = 256
"""How much of an offending packet an Error message quotes back."""
DEFAULT_H_SIGMA_M = 10.0
DEFAULT_V_SIGMA_M = 15.0
METRES_PER_DEGREE = 111_320.0

_NODE_TYPES: dict[int, SensorType] = {
    Registration.NODE_TYPE_RADAR: SensorType.RADAR,
    Registration.NODE_TYPE_LIDAR: SensorType.RADAR,
    Registration.NODE_TYPE_CAMERA: SensorType.EO,
    Registration.NODE_TYPE_ACOUSTIC: SensorType.ACOUSTIC,
    Registration.NODE_TYPE_PASSIVE_RF: SensorType.RF,
}
_SYSTEM_STATES = {
    StatusReport.SYSTEM_UNSPECIFIED: "ok",
    StatusReport.SYSTEM_OK: "ok",
    StatusReport.SYSTEM_WARNING: "warning",
    StatusReport.SYSTEM_ERROR: "error",
    StatusReport.SYSTEM_GOODBYE: "offline",
}
_CLASS_WORDS = {
    "drone": TargetClass.DRONE, "uav": TargetClass.DRONE, "uas": TargetClass.DRONE,
    "bird": TargetClass.BIRD, "aircraft": TargetClass.AIRCRAFT,
    "fixed wing": TargetClass.AIRCRAFT, "helicopter": TargetClass.AIRCRAFT,
}


class Rejected(ValueError):
    """A message that gets an Error answer; ``reason`` is the class it is counted by."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}{f': {detail}' if detail else ''}")


def encode_frame(message: SapientMessage) -> bytes:
    """A message as it goes on the wire: little-endian length, then the message."""
    payload = message.SerializeToString()
    return struct.pack("<I", len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> bytes:
    """Read one frame's payload (``IncompleteReadError`` at the end of the stream)."""
    header = await reader.readexactly(4)
    (length,) = struct.unpack("<I", header)
    return await reader.readexactly(length)


@dataclass
class Node:
    """A registered SAPIENT node and where the service has it."""

    node_id: str
    sensor_id: str
    sensor_type: SensorType | None
    name: str
    in_site: bool
    position: tuple[float, float, float] | None = None
    frame: LocalFrame | None = field(default=None, repr=False)

    def place(self, lat: float, lon: float, alt_m: float) -> None:
        """Move the node (and the frame its range-bearing detections are relative to)."""
        if self.position != (lat, lon, alt_m):
            self.position = (lat, lon, alt_m)
            self.frame = LocalFrame(lat, lon, alt_m)


def _check_ulid(value: str, what: str) -> None:
    try:
        ULID.from_str(value)
    except ValueError:
        raise Rejected(f"{what} not a ULID", repr(value)[:40]) from None


def _finite(value: float, what: str) -> float:
    if not math.isfinite(value):
        raise Rejected(f"{what} not finite")
    return value


def _location(location: Location) -> tuple[float, float, float, float, float]:
    """Latitude, longitude, altitude and their 1-sigma errors (metres) of a Location."""
    system = location.coordinate_system
    if system == LocationCoordinateSystem.LOCATION_COORDINATE_SYSTEM_UTM_M:
        raise Rejected("unsupported coordinate system", "UTM; send latitude/longitude")
    if location.datum == LocationDatum.LOCATION_DATUM_WGS84_G:
        raise Rejected("unsupported datum", "geoid heights; send WGS84 ellipsoid heights")
    if not (location.HasField("x") and location.HasField("y")):
        raise Rejected("location without x (longitude) and y (latitude)")
    scale = (180.0 / math.pi
             if system == LocationCoordinateSystem.LOCATION_COORDINATE_SYSTEM_LAT_LNG_RAD_M
             else 1.0)
    lon = _finite(location.x * scale, "longitude")
    lat = _finite(location.y * scale, "latitude")
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise Rejected("location out of range", f"lat {lat:g}, lon {lon:g}")
    alt = _finite(location.z, "altitude") if location.HasField("z") else 0.0
    h_sigma = DEFAULT_H_SIGMA_M
    if location.HasField("x_error") or location.HasField("y_error"):
        lat_err = abs(location.y_error) * scale * METRES_PER_DEGREE
        lon_err = abs(location.x_error) * scale * METRES_PER_DEGREE * math.cos(math.radians(lat))
        h_sigma = max(lat_err, lon_err, 0.5)
    v_sigma = max(abs(location.z_error), 0.5) if location.HasField("z_error") else \
        DEFAULT_V_SIGMA_M
    return lat, lon, alt, h_sigma, v_sigma


@dataclass(frozen=True, slots=True)
class _Aer:
    az_deg: float
    el_deg: float | None
    range_m: float | None
    sigma: dict[str, float]


def _range_bearing(rb: RangeBearing) -> _Aer:
    """Azimuth, elevation (degrees) and range (metres) of a RangeBearing, with errors."""
    if rb.datum not in (RangeBearingDatum.RANGE_BEARING_DATUM_UNSPECIFIED,
                        RangeBearingDatum.RANGE_BEARING_DATUM_TRUE):
        raise Rejected("unsupported bearing datum",
                       f"{RangeBearingDatum.Name(rb.datum)}; send true-north bearings")
    system = rb.coordinate_system
    radians = system in (RangeBearingCoordinateSystem.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_M,
                         RangeBearingCoordinateSystem.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_KM)
    km = system in (RangeBearingCoordinateSystem.RANGE_BEARING_COORDINATE_SYSTEM_DEGREES_KM,
                    RangeBearingCoordinateSystem.RANGE_BEARING_COORDINATE_SYSTEM_RADIANS_KM)
    angle = 180.0 / math.pi if radians else 1.0
    distance = 1000.0 if km else 1.0
    if not rb.HasField("azimuth"):
        raise Rejected("range_bearing without azimuth")
    az = _finite(rb.azimuth * angle, "azimuth") % 360.0
    el = _finite(rb.elevation * angle, "elevation") if rb.HasField("elevation") else None
    if el is not None and not -90.0 <= el <= 90.0:
        raise Rejected("elevation out of range", f"{el:g} degrees")
    rng = _finite(rb.range * distance, "range") if rb.HasField("range") else None
    if rng is not None and rng <= 0.0:
        raise Rejected("range not positive", f"{rng:g} m")
    sigma = {}
    for key, present, value, unit in (
        ("az_deg", rb.HasField("azimuth_error"), rb.azimuth_error, angle),
        ("el_deg", rb.HasField("elevation_error"), rb.elevation_error, angle),
        ("range_m", rb.HasField("range_error"), rb.range_error, distance),
    ):
        if present and math.isfinite(value) and value > 0.0:
            sigma[key] = value * unit
    return _Aer(az, el, rng, sigma)


def _classification(report: DetectionReport) -> tuple[TargetClass | None, float | None]:
    best: tuple[TargetClass | None, float | None] = (None, None)
    for item in report.classification:
        cls = _CLASS_WORDS.get(item.type.strip().lower())
        conf = item.confidence if item.HasField("confidence") else None
        if cls is not None and (best[1] is None or (conf or 0.0) > best[1]):
            best = (cls, conf)
    return best


class SapientServer:
    """The fusion node: accepts sensor nodes and hands their detections to the runtime."""

    def __init__(self, runtime: Runtime, *, max_frame_bytes: int = MAX_FRAME_BYTES) -> None:
        self.runtime = runtime
        self.node_id = str(uuid.uuid4())
        self.nodes: dict[str, Node] = {}
        self.max_frame_bytes = max_frame_bytes
        self._site_nodes: dict[str, Sensor] = {}
        for sensor in runtime.site.sensors:
            self._site_nodes[sensor.id] = sensor
            declared = sensor.params.get("sapient_node_id")
            if isinstance(declared, str):
                self._site_nodes[declared] = sensor
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> tuple[str, int]:
        """Listen; returns the address actually bound (port 0 picks a free one)."""
        self._server = await asyncio.start_server(self._serve, host, port)
        address = self._server.sockets[0].getsockname()
        return str(address[0]), int(address[1])

    async def stop(self) -> None:
        """Stop listening and close every connection."""
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        for task in list(self._connections):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._server is not None:
            await self._server.wait_closed()

    # --- connection -----------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        peer = writer.get_extra_info("peername")
        try:
            await self._read_loop(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
            log.debug("SAPIENT connection from %s closed", peer)

    async def _read_loop(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            header = await reader.readexactly(4)
            (length,) = struct.unpack("<I", header)
            if length == 0 or length > self.max_frame_bytes:
                self.runtime.reject(SOURCE, "bad frame length")
                log.warning("SAPIENT frame length %d out of range: disconnecting", length)
                await self._send(writer, self._error(None, header,
                                                     f"frame length {length} out of range "
                                                     f"(1..{self.max_frame_bytes}); disconnecting"))
                return
            payload = await reader.readexactly(length)
            reply = await self._handle(payload)
            if reply is not None:
                await self._send(writer, reply)

    @staticmethod
    async def _send(writer: asyncio.StreamWriter, message: SapientMessage) -> None:
        writer.write(encode_frame(message))
        await writer.drain()

    def _envelope(self, destination: str | None) -> SapientMessage:
        message = SapientMessage(node_id=self.node_id)
        message.timestamp.GetCurrentTime()
        if destination:
            message.destination_id = destination
        return message

    def _error(self, destination: str | None, packet: bytes, text: str) -> SapientMessage:
        message = self._envelope(destination)
        message.error.CopyFrom(Error(packet=packet[:ERROR_PACKET_BYTES], error_message=[text]))
        return message

    # --- messages -------------------------------------------------------------------

    async def _handle(self, payload: bytes) -> SapientMessage | None:
        """Act on one message; the reply to send back, if any."""
        node_id: str | None = None
        try:
            try:
                message = SapientMessage.FromString(payload)
            except DecodeError:
                raise Rejected("undecodable message") from None
            node_id = message.node_id or None
            content = message.WhichOneof("content")
            if content is None:
                raise Rejected("message without content")
            if not node_id:
                raise Rejected("message without node_id")
            try:
                uuid.UUID(node_id)
            except ValueError:
                raise Rejected("node_id not a UUID", repr(node_id)[:40]) from None
            if content == "registration":
                return self._register(node_id, message.registration)
            node = self.nodes.get(node_id)
            if node is None:
                raise Rejected("node not registered", node_id)
            t = (message.timestamp.ToNanoseconds() / 1e9 if message.HasField("timestamp")
                 else time.time())
            if content == "status_report":
                self._status(node, message.status_report)
            elif content == "detection_report":
                await self._detection(node, t, message.detection_report)
            else:
                raise Rejected("unsupported message", content)
            return None
        except Rejected as error:
            self.runtime.reject(SOURCE, error.reason)
            log.warning("SAPIENT message from %s rejected: %s", node_id or "?", error)
            return self._error(node_id, payload, str(error))

    def _register(self, node_id: str, registration: Registration) -> SapientMessage:
        site_sensor = self._site_nodes.get(node_id)
        node_type = next((_NODE_TYPES[d.node_type] for d in registration.node_definition
                          if d.node_type in _NODE_TYPES), None)
        name = registration.short_name or registration.name or node_id
        if site_sensor is not None:
            node = Node(node_id, site_sensor.id, site_sensor.type, name, in_site=True)
            node.place(site_sensor.lat, site_sensor.lon, site_sensor.alt_m)
        else:
            node = Node(node_id, f"sapient-{node_id[:8]}", node_type, name, in_site=False)
        previous = self.nodes.get(node_id)
        if previous is not None and previous.position is not None and not node.in_site:
            node.place(*previous.position)
        self.nodes[node_id] = node
        self.runtime.board.declare(node.sensor_id, (node.sensor_type or "sapient"), "ok",
                                   position=node.position, detail=f"SAPIENT node {name}",
                                   origin="site" if node.in_site else "sapient")
        self.runtime.metrics.sapient_nodes.set(len(self.nodes))
        log.info("SAPIENT node %s (%s) registered as %s", node_id, name, node.sensor_id)
        reply = self._envelope(node_id)
        reply.registration_ack.CopyFrom(RegistrationAck(acceptance=True))
        return reply

    def _status(self, node: Node, status: StatusReport) -> None:
        if status.report_id:
            _check_ulid(status.report_id, "report_id")
        if status.HasField("node_location"):
            lat, lon, alt, _, _ = _location(status.node_location)
            node.place(lat, lon, alt)
        state = _SYSTEM_STATES.get(status.system, "ok")
        faults = [s.status_value for s in status.status if s.status_value]
        self.runtime.board.declare(
            node.sensor_id, (node.sensor_type or "sapient"), state, position=node.position,
            detail="; ".join(faults) or f"SAPIENT node {node.name}",
            origin="site" if node.in_site else "sapient",
        )

    async def _detection(self, node: Node, t: float, report: DetectionReport) -> None:
        if not report.report_id or not report.object_id:
            raise Rejected("detection without report_id and object_id")
        _check_ulid(report.report_id, "report_id")
        _check_ulid(report.object_id, "object_id")
        form = report.WhichOneof("location_oneof")
        if form is None:
            raise Rejected("detection without location or range_bearing")
        cls, conf = _classification(report)
        item: Report | PositionFix
        if form == "location":
            lat, lon, alt, h_sigma, v_sigma = _location(report.location)
            item = self._fix(node, t, report, (lat, lon, alt), h_sigma, v_sigma, cls)
        else:
            aer = _range_bearing(report.range_bearing)
            item = (self._site_report(node, t, aer, cls, conf) if node.in_site
                    else self._relative_fix(node, t, report, aer, cls))
        await self.runtime.submit(SOURCE, item)

    @staticmethod
    def _fix(node: Node, t: float, report: DetectionReport,
             position: tuple[float, float, float], h_sigma: float, v_sigma: float,
             cls: TargetClass | None) -> PositionFix:
        velocity = None
        if report.HasField("enu_velocity"):
            v = report.enu_velocity
            velocity = (_finite(v.east_rate, "east_rate"), _finite(v.north_rate, "north_rate"),
                        _finite(v.up_rate, "up_rate"))
        return PositionFix(
            t=t, sensor=node.sensor_id, source=FixSource.SAPIENT,
            lat=position[0], lon=position[1], alt_m=position[2],
            h_sigma_m=h_sigma, v_sigma_m=v_sigma, vel_enu_mps=velocity,
            object_id=f"{node.node_id}/{report.object_id}", cls=cls,
        )

    def _relative_fix(self, node: Node, t: float, report: DetectionReport, aer: _Aer,
                      cls: TargetClass | None) -> PositionFix:
        if node.frame is None:
            raise Rejected("node location unknown",
                           "send a StatusReport with node_location before range_bearing")
        if aer.range_m is None:
            raise Rejected("bearing-only detection from a node not in the site file")
        el = aer.el_deg or 0.0
        enu = aer_to_enu(aer.az_deg, el, aer.range_m)
        lat, lon, alt = node.frame.enu_to_geodetic(enu)
        az_sigma = math.radians(aer.sigma.get("az_deg", 1.0))
        h_sigma = max(aer.sigma.get("range_m", 5.0), aer.range_m * az_sigma)
        v_sigma = max(aer.range_m * math.radians(aer.sigma.get("el_deg", 1.0)), 1.0)
        return self._fix(node, t, report, (float(lat), float(lon), float(alt)), h_sigma,
                         v_sigma, cls)

    @staticmethod
    def _site_report(node: Node, t: float, aer: _Aer, cls: TargetClass | None,
                     conf: float | None) -> Report:
        sigma = aer.sigma or None
        match node.sensor_type:
            case SensorType.RADAR:
                if aer.range_m is None or aer.el_deg is None:
                    raise Rejected("radar detection without range and elevation")
                return RadarReport(t, node.sensor_id, aer.range_m, aer.az_deg, aer.el_deg,
                                   sigma=sigma)
            case SensorType.EO:
                if aer.el_deg is None:
                    raise Rejected("camera detection without elevation")
                return EoReport(t, node.sensor_id, aer.az_deg, aer.el_deg, cls=cls, conf=conf,
                                sigma=sigma)
            case SensorType.ACOUSTIC:
                return AcousticReport(t, node.sensor_id, aer.az_deg, aer.el_deg, sigma=sigma)
            case SensorType.RF:
                return RfReport(t, node.sensor_id, aer.az_deg, aer.el_deg, sigma=sigma)
        raise Rejected("range_bearing from a sensor type without bearings",
                       str(node.sensor_type))
