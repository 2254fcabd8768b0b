"""Helpers to read the real Remote ID captures in the shared data folder."""

from __future__ import annotations

from pathlib import Path

from skywarden.ingest.remoteid import Message, RemoteIdError, decode_each
from skywarden.ingest.transports import RemoteIdFrame, TransportError, read_capture

BEACON_CAPTURE = "odid_wifi_bcn_sample.pcap"
NAN_CAPTURE = "odid_wifi_sample.pcap"
BT5_CAPTURE = "odid_bt5_lr_sample.pcapng"


def capture(shared_data: Path, name: str) -> Path:
    return shared_data / "remoteid" / name


def frames(shared_data: Path, name: str) -> list[RemoteIdFrame | TransportError]:
    return list(read_capture(capture(shared_data, name)))


def messages(frame: RemoteIdFrame) -> list[Message]:
    """The messages of a frame, failing the test if any is rejected."""
    decoded = decode_each(frame.payload)
    errors = [d for d in decoded if isinstance(d, RemoteIdError)]
    assert not errors, f"frame {frame.index}: {errors[0].reason}"
    return [d for d in decoded if not isinstance(d, RemoteIdError)]
