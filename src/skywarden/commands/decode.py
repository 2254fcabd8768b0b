"""``skywarden decode``: what is this receiver actually hearing?"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer


class Protocol(StrEnum):
    """The broadcast to decode."""

    REMOTEID = "remoteid"
    ADSB = "adsb"


def decode(
    protocol: Annotated[Protocol, typer.Argument(help="remoteid or adsb.")],
    source: Annotated[
        str,
        typer.Argument(
            help="A hex frame, or a file: pcap/pcapng capture (remoteid), Beast capture "
            "(adsb), text with one hex frame, raw '*...;' or SBS line a line, or a "
            "recording (its folder or detections.jsonl)."
        ),
    ],
    reference: Annotated[
        str | None,
        typer.Option(help="ADS-B receiver position LAT,LON (with --range-m) to place "
                     "single frames."),
    ] = None,
    range_m: Annotated[
        float | None,
        typer.Option("--range-m", help="ADS-B receiver range in metres; farther positions "
                     "are rejected."),
    ] = None,
) -> None:
    """Print every decoded message as one JSON object a line (standard field names, SI
    units) and every rejected frame with its reason; exit 1 only if nothing decoded.

    For Remote ID, the authentication records reassembled from the pages follow the
    messages: one line per whole record, incomplete set and rejected page."""
    import orjson

    from skywarden.ingest.records import adsb_records, remote_id_records

    reassembly = None
    if protocol is Protocol.REMOTEID:
        from skywarden.ingest.authentication import DecodedPageReassembly

        reassembly = DecodedPageReassembly()
        records = reassembly.follow(remote_id_records(source))
    else:
        records = adsb_records(source, _position(reference), range_m)
    decoded = rejected = 0
    out = sys.stdout.buffer
    for record in records:
        if "rejected" in record:
            rejected += 1
        elif "record" not in record:
            decoded += 1
        out.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
    out.flush()
    print(f"{decoded} messages decoded, {rejected} frames rejected", file=sys.stderr)
    if reassembly is not None and reassembly.pages:
        print(reassembly.summary(), file=sys.stderr)
    if decoded == 0:
        raise typer.Exit(code=1)


def _position(text: str | None) -> tuple[float, float] | None:
    if text is None:
        return None
    try:
        lat, lon = (float(part) for part in text.split(","))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not LAT,LON", param_hint="--reference") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise typer.BadParameter(f"{text!r} is not a WGS84 position", param_hint="--reference")
    return lat, lon
