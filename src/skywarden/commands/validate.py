"""``skywarden validate``: is this recording usable, and what is wrong with it?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def validate(
    recording: Annotated[
        Path, typer.Argument(help="Recording folder (site.json, detections.jsonl).")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object for machines.")
    ] = False,
    max_rejected: Annotated[
        int, typer.Option(help="Rejected lines tolerated before the recording counts as unusable.")
    ] = 0,
) -> None:
    """Check a recording: reports per sensor, time spans, late reports, rejected lines."""
    from skywarden.console import print_message, print_table
    from skywarden.validate import validate_recording

    result = validate_recording(recording)
    usable = result.usable(max_rejected)
    if as_json:
        print(json.dumps(result.to_dict(max_rejected), indent=2))
    else:
        print_table(
            f"Sensors of {recording}",
            ["sensor", "type", "reports", "first t", "span s", "out of order", "max late s"],
            [
                [s.sensor_id, s.sensor_type, s.reports, s.t_first, s.span_s, s.out_of_order,
                 s.max_lateness_s]
                for s in sorted(result.per_sensor.values(), key=lambda s: s.sensor_id)
            ],
        )
        errors = result.errors()
        if errors:
            print_table(
                "Rejected",
                ["class", "count", "first example"],
                [[e["class"], e["count"], _example(e["first_example"])] for e in errors],
            )
        print_message(
            f"{result.accepted} reports accepted, {result.rejected} lines rejected, "
            f"{result.truth_points} truth points"
        )
        if not usable:
            reason = result.fatal[0] if result.fatal else (
                f"{result.rejected} rejected lines (more than --max-rejected {max_rejected})"
            )
            print_message(f"Recording not usable: {reason}", error=True)
    if not usable:
        raise typer.Exit(code=1)


def _example(first: dict[str, object]) -> str:
    if "line" in first:
        return f"{first['file']}:{first['line']}: {first['message']} | {first['text']}"
    return str(first["message"])
