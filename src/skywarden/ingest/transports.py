"""Where broadcast Remote ID travels: Wi-Fi and Bluetooth frames, and captures of them.

ASTM F3411 messages are carried four ways, each with a one-byte message counter in
front of the message (or message pack):

- Wi-Fi beacon: a vendor-specific information element (ID 221) with OUI FA:0B:BC and
  OUI type 0x0D.
- Wi-Fi NAN: a NAN service discovery frame (a public vendor-specific action frame,
  OUI 50:6F:9A type 0x13) whose Service Descriptor attribute has the service ID of
  ``org.opendroneid.remoteid`` and carries the messages as service info.
- Bluetooth 4 legacy advertising: AD type 0x16 (service data), UUID 0xFFFA, application
  code 0x0D, one message.
- Bluetooth 5 long-range (extended) advertising: the same service data holding a pack.

:func:`read_capture` reads pcap and pcapng files (with dpkt) of radiotap or raw 802.11
(link types 127, 105) or Bluetooth LE link layer (251, and the nRF Sniffer's 272) and
yields each Remote ID payload found, or a :class:`TransportError` saying why a frame
that should have held one could not be read. Frames that carry no Remote ID at all
(other beacons, NAN synchronisation) are only counted.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import dpkt

ODID_WIFI_OUI = bytes.fromhex("fa0bbc")
ODID_WIFI_OUI_TYPE = 0x0D
WFA_OUI = bytes.fromhex("506f9a")
NAN_OUI_TYPE = 0x13
ODID_NAN_SERVICE_ID = hashlib.sha256(b"org.opendroneid.remoteid").digest()[:6]
"""NAN service IDs are the first 6 bytes of the SHA-256 of the service name."""
ODID_BLE_UUID = 0xFFFA
ODID_BLE_APP_CODE = 0x0D
AD_TYPE_SERVICE_DATA_16 = 0x16
IE_VENDOR_SPECIFIC = 221
NAN_ATTRIBUTE_SERVICE_DESCRIPTOR = 0x03
NAN_SERVICE_INFO_PRESENT = 0x10
PUBLIC_ACTION = 4
PUBLIC_ACTION_VENDOR_SPECIFIC = 9

LINKTYPE_IEEE802_11 = 105
LINKTYPE_RADIOTAP = 127
LINKTYPE_BLUETOOTH_LE_LL = 251
LINKTYPE_NORDIC_BLE = 272

_WIFI_HEADER = 24
_BEACON_FIXED = 12
_FCS = 4
_BLE_ACCESS_ADDRESS = 4
_BLE_CRC = 3
_BLE_ADV_ACCESS_ADDRESS = 0x8E89BED6
_BLE_ADV_EXT_IND = 0x07
_BLE_LEGACY_ADV_TYPES = frozenset({0x00, 0x02, 0x04, 0x06})
_RADIOTAP_FLAG_FCS = 0x10
_PCAP_MAGICS = frozenset(
    {b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"}
)
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


class Transport(StrEnum):
    """How a Remote ID payload reached the receiver."""

    WIFI_BEACON = "wifi_beacon"
    WIFI_NAN = "wifi_nan"
    BLUETOOTH_LEGACY = "bluetooth_legacy"
    BLUETOOTH_LONG_RANGE = "bluetooth_long_range"


class TransportError(ValueError):
    """A frame that should hold Remote ID but cannot be read; ``reason`` says why,
    ``index``, ``t`` and ``packet`` say which captured packet it was."""

    def __init__(
        self, reason: str, index: int = 0, t: float | None = None, packet: bytes = b""
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.index = index
        self.t = t
        self.packet = packet


@dataclass(frozen=True, slots=True)
class RemoteIdFrame:
    """One Remote ID payload (a message or a message pack) and where it came from.

    ``index`` is the frame's 1-based position in its capture, ``source`` the
    transmitter's MAC or Bluetooth address, ``counter`` the transport's message counter.
    """

    t: float
    index: int
    transport: Transport
    source: str
    counter: int
    payload: bytes
    rssi_dbm: float | None = None


@dataclass(frozen=True, slots=True)
class Carried:
    """A payload found in one frame, before capture metadata is attached."""

    transport: Transport
    source: str
    counter: int
    payload: bytes


def _mac(raw: bytes) -> str:
    return ":".join(f"{b:02x}" for b in raw)


def _with_counter(transport: Transport, source: str, body: bytes) -> Carried:
    if len(body) < 2:
        raise TransportError(f"{transport} Remote ID of {len(body)} bytes has no message")
    return Carried(transport, source, body[0], bytes(body[1:]))


# --------------------------------------------------------------------------- Wi-Fi


def beacon_payloads(ies: bytes, source: str) -> list[Carried]:
    """The Remote ID vendor elements among a beacon's information elements."""
    found = []
    offset = 0
    while offset + 2 <= len(ies):
        element_id, length = ies[offset], ies[offset + 1]
        body = ies[offset + 2 : offset + 2 + length]
        if len(body) < length:
            raise TransportError(f"information element {element_id} truncated")
        if (
            element_id == IE_VENDOR_SPECIFIC
            and body[:3] == ODID_WIFI_OUI
            and len(body) > 3
            and body[3] == ODID_WIFI_OUI_TYPE
        ):
            found.append(_with_counter(Transport.WIFI_BEACON, source, body[4:]))
        offset += 2 + length
    return found


def nan_payloads(attributes: bytes, source: str) -> list[Carried]:
    """The Remote ID service info among the attributes of a NAN service discovery frame."""
    found = []
    offset = 0
    while offset + 3 <= len(attributes):
        attribute_id = attributes[offset]
        (length,) = struct.unpack_from("<H", attributes, offset + 1)
        body = attributes[offset + 3 : offset + 3 + length]
        if len(body) < length:
            raise TransportError(f"NAN attribute {attribute_id} truncated")
        if (
            attribute_id == NAN_ATTRIBUTE_SERVICE_DESCRIPTOR
            and body[:6] == ODID_NAN_SERVICE_ID
        ):
            found.append(_service_info(body, source))
        offset += 3 + length
    return found


def _service_info(descriptor: bytes, source: str) -> Carried:
    # service ID (6), instance ID, requestor instance ID, service control
    if len(descriptor) < 10:
        raise TransportError("NAN service descriptor truncated")
    control = descriptor[8]
    if not control & NAN_SERVICE_INFO_PRESENT:
        raise TransportError("Remote ID NAN service descriptor without service info")
    offset = 9
    if control & 0x40:  # binding bitmap
        offset += 2
    for present in (0x04, 0x08):  # matching filter, service response filter
        if control & present:
            if offset >= len(descriptor):
                raise TransportError("NAN service descriptor truncated")
            offset += 1 + descriptor[offset]
    if offset >= len(descriptor):
        raise TransportError("NAN service descriptor truncated")
    length = descriptor[offset]
    info = descriptor[offset + 1 : offset + 1 + length]
    if len(info) < length:
        raise TransportError("NAN service info truncated")
    return _with_counter(Transport.WIFI_NAN, source, info)


def wifi_payloads(frame: bytes, has_fcs: bool = False) -> list[Carried]:
    """Remote ID carried by one 802.11 frame (beacon or NAN action); [] when none."""
    if has_fcs:
        frame = frame[:-_FCS]
    if len(frame) < _WIFI_HEADER:
        return []
    frame_type, subtype = (frame[0] >> 2) & 0x03, frame[0] >> 4
    if frame_type != 0:  # only management frames carry Remote ID
        return []
    source = _mac(frame[10:16])
    body = frame[_WIFI_HEADER:]
    if subtype in (5, 8):  # probe response, beacon
        return beacon_payloads(body[_BEACON_FIXED:], source)
    if (
        subtype == 13
        and len(body) >= 6
        and body[0] == PUBLIC_ACTION
        and body[1] == PUBLIC_ACTION_VENDOR_SPECIFIC
        and body[2:5] == WFA_OUI
        and body[5] == NAN_OUI_TYPE
    ):
        return nan_payloads(body[6:], source)
    return []


_RADIOTAP_FIELDS = ((8, 8), (1, 1), (1, 1), (4, 2), (2, 2))
"""Size and alignment of radiotap fields 0-4 (TSFT, flags, rate, channel, FHSS),
which precede field 5, the antenna signal in dBm."""


def split_radiotap(packet: bytes) -> tuple[bytes, bool, float | None]:
    """The 802.11 frame inside a radiotap header, whether it ends in an FCS, and the
    antenna signal in dBm when the header gives it."""
    if len(packet) < 8:
        raise TransportError("radiotap header truncated")
    (length,) = struct.unpack_from("<H", packet, 2)
    if length > len(packet) or length < 8:
        raise TransportError(f"radiotap length {length} does not fit a {len(packet)}-byte packet")
    (present,) = struct.unpack_from("<I", packet, 4)
    offset = 8
    word = present
    while word & 0x80000000 and offset + 4 <= length:  # extended presence bitmaps
        (word,) = struct.unpack_from("<I", packet, offset)
        offset += 4
    flags = 0
    signal = None
    for bit, (size, align) in enumerate(_RADIOTAP_FIELDS):
        if present & (1 << bit):
            offset += -offset % align
            if bit == 1 and offset < length:
                flags = packet[offset]
            offset += size
    if present & (1 << 5) and offset < length:
        signal = float(struct.unpack_from("<b", packet, offset)[0])
    return packet[length:], bool(flags & _RADIOTAP_FLAG_FCS), signal


# --------------------------------------------------------------------------- Bluetooth


def advertising_payloads(ad: bytes, source: str, long_range: bool) -> list[Carried]:
    """The Remote ID service data among Bluetooth advertising data structures."""
    transport = Transport.BLUETOOTH_LONG_RANGE if long_range else Transport.BLUETOOTH_LEGACY
    found = []
    offset = 0
    while offset < len(ad):
        length = ad[offset]
        if length == 0:  # early end of significant advertising data
            break
        structure = ad[offset + 1 : offset + 1 + length]
        if len(structure) < length:
            raise TransportError(f"advertising data structure of {length} bytes truncated")
        if (
            structure[0] == AD_TYPE_SERVICE_DATA_16
            and len(structure) >= 4
            and struct.unpack_from("<H", structure, 1)[0] == ODID_BLE_UUID
            and structure[3] == ODID_BLE_APP_CODE
        ):
            found.append(_with_counter(transport, source, structure[4:]))
        offset += 1 + length
    return found


def ble_payloads(pdu: bytes) -> list[Carried]:
    """Remote ID in one advertising channel PDU (2-byte header, then payload)."""
    if len(pdu) < 2:
        return []
    pdu_type, length = pdu[0] & 0x0F, pdu[1]
    payload = pdu[2 : 2 + length]
    if len(payload) < length:
        raise TransportError(f"advertising PDU of {length} bytes truncated")
    if pdu_type in _BLE_LEGACY_ADV_TYPES:
        if len(payload) < 6:
            return []
        source = _mac(payload[5::-1])
        return advertising_payloads(payload[6:], source, long_range=False)
    if pdu_type == _BLE_ADV_EXT_IND and payload:
        header_length = payload[0] & 0x3F
        header = payload[1 : 1 + header_length]
        source = _mac(header[6:0:-1]) if header and header[0] & 0x01 and len(header) >= 7 else ""
        return advertising_payloads(payload[1 + header_length :], source, long_range=True)
    return []


def split_nordic_ble(packet: bytes) -> tuple[bytes, bool, float | None]:
    """The advertising PDU inside an nRF Sniffer packet, whether its CRC checked, and
    the RSSI in dBm."""
    # board (1), payload length (2), protocol version (1), counter (2), packet id (1),
    # header length (1), flags (1), channel (1), RSSI (1), event counter (2), time (4)
    if len(packet) < 17:
        raise TransportError("nRF Sniffer header truncated")
    version = packet[3]
    if version not in (2, 3):
        raise TransportError(f"nRF Sniffer protocol version {version} not supported")
    header_end = 7 + packet[7]  # the header length counts itself
    flags = packet[8]
    rssi = -float(packet[10])
    link = packet[header_end:]
    if len(link) < _BLE_ACCESS_ADDRESS + 2 + _BLE_CRC:
        raise TransportError("Bluetooth LE packet truncated")
    (access_address,) = struct.unpack_from("<I", link, 0)
    if access_address != _BLE_ADV_ACCESS_ADDRESS:
        return b"", True, rssi
    coded_phy = (flags >> 4) & 0x07 == 2
    start = _BLE_ACCESS_ADDRESS + (1 if coded_phy else 0)  # coded PHY: coding indicator
    return link[start:-_BLE_CRC], bool(flags & 0x01), rssi


# --------------------------------------------------------------------------- captures


def _payloads(link_type: int, packet: bytes) -> tuple[list[Carried], float | None]:
    """Remote ID in one captured packet, and its signal strength when known."""
    if link_type == LINKTYPE_RADIOTAP:
        frame, has_fcs, signal = split_radiotap(packet)
        return wifi_payloads(frame, has_fcs), signal
    if link_type == LINKTYPE_IEEE802_11:
        return wifi_payloads(packet), None
    if link_type == LINKTYPE_NORDIC_BLE:
        pdu, crc_ok, rssi = split_nordic_ble(packet)
        if not pdu:
            return [], rssi
        if not crc_ok:
            carried = ble_payloads(pdu) if len(pdu) >= 2 else []
            if carried:
                raise TransportError("Bluetooth LE CRC check failed (damaged on air)")
            return [], rssi
        return ble_payloads(pdu), rssi
    if link_type == LINKTYPE_BLUETOOTH_LE_LL:
        if len(packet) < _BLE_ACCESS_ADDRESS + 2 + _BLE_CRC:
            raise TransportError("Bluetooth LE packet truncated")
        if struct.unpack_from("<I", packet, 0)[0] != _BLE_ADV_ACCESS_ADDRESS:
            return [], None
        return ble_payloads(packet[_BLE_ACCESS_ADDRESS:-_BLE_CRC]), None
    raise TransportError(f"link type {link_type} carries no Remote ID transport Skywarden reads")


def _reader(stream: BinaryIO) -> dpkt.pcap.Reader | dpkt.pcapng.Reader:
    magic = stream.read(4)
    stream.seek(0)
    if magic == _PCAPNG_MAGIC:
        return dpkt.pcapng.Reader(stream)
    if magic in _PCAP_MAGICS:
        return dpkt.pcap.Reader(stream)
    raise TransportError(f"not a pcap or pcapng file (starts {magic.hex()})")


def is_capture(path: Path) -> bool:
    """True when the file starts like a pcap or pcapng capture."""
    with path.open("rb") as stream:
        magic = stream.read(4)
    return magic == _PCAPNG_MAGIC or magic in _PCAP_MAGICS


@dataclass(slots=True)
class CaptureStats:
    """What reading a capture found: packets, and those that held no Remote ID."""

    packets: int = 0
    without_remote_id: int = 0


def _packets(
    reader: dpkt.pcap.Reader | dpkt.pcapng.Reader,
) -> Iterator[tuple[float, bytes | TransportError]]:
    """The capture's packets; a damaged record ends the capture with its error, since
    the records after it cannot be found again."""
    records = iter(reader)
    while True:
        try:
            t, packet = next(records)
        except StopIteration:
            return
        except (ValueError, dpkt.Error) as error:
            yield 0.0, TransportError(f"capture damaged here, reading stops: {error!r}")
            return
        yield float(t), bytes(packet)


def read_capture(
    path: Path, stats: CaptureStats | None = None
) -> Iterator[RemoteIdFrame | TransportError]:
    """Every Remote ID payload in a pcap or pcapng capture, in capture order.

    A packet that should hold Remote ID but is damaged (a truncated element, a failed
    Bluetooth CRC) yields a :class:`TransportError` with its index and time, and reading
    goes on. A file that is no capture at all raises :class:`TransportError`.
    """
    counts = stats if stats is not None else CaptureStats()
    with path.open("rb") as stream:
        try:
            reader = _reader(stream)
            link_type = reader.datalink()
        except TransportError:
            raise
        except (ValueError, dpkt.Error) as error:
            raise TransportError(f"unreadable capture: {error!r}") from None
        for index, (t, packet) in enumerate(_packets(reader), start=1):
            if isinstance(packet, TransportError):
                yield TransportError(packet.reason, index)
                return
            counts.packets += 1
            try:
                carried, signal = _payloads(link_type, bytes(packet))
            except TransportError as error:
                yield TransportError(error.reason, index, float(t), bytes(packet))
                continue
            except (IndexError, struct.error) as error:
                yield TransportError(f"malformed packet: {error}", index, float(t), bytes(packet))
                continue
            if not carried:
                counts.without_remote_id += 1
            for item in carried:
                yield RemoteIdFrame(
                    float(t), index, item.transport, item.source, item.counter,
                    item.payload, signal,
                )
