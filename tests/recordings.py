"""Small hand-written recordings for tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXAMPLE_SITE: dict[str, Any] = {
    "name": "example",
    "sensors": [
        {"id": "radar-n", "type": "radar", "lat": 33.3152, "lon": 44.3661, "alt_m": 95.0,
         "sigma": {"range_m": 5.0, "az_deg": 0.5, "el_deg": 0.8, "rr_mps": 0.5},
         "max_range_m": 5000.0, "pd": 0.9, "clutter_per_scan": 2.0, "period_s": 1.0},
        {"id": "rf-1", "type": "rf", "lat": 33.31, "lon": 44.37, "alt_m": 80.0,
         "sigma": {"az_deg": 3.0}, "max_range_m": 3000.0},
        {"id": "mic-1", "type": "acoustic", "lat": 33.312, "lon": 44.361, "alt_m": 70.0,
         "sigma": {"az_deg": 4.0, "el_deg": 6.0}, "max_range_m": 400.0},
        {"id": "eo-1", "type": "eo", "lat": 33.313, "lon": 44.362, "alt_m": 90.0,
         "sigma": {"az_deg": 0.2, "el_deg": 0.2}, "max_range_m": 2500.0},
        {"id": "rid-1", "type": "remoteid", "lat": 33.311, "lon": 44.365, "alt_m": 60.0},
        {"id": "adsb-1", "type": "adsb", "lat": 33.311, "lon": 44.365, "alt_m": 60.0},
    ],
    "zones": [
        {"id": "hq", "name": "Ministry compound", "floor_m": 0.0, "ceiling_m": 500.0,
         "polygon": [[44.3601, 33.3101], [44.3622, 33.3101], [44.3622, 33.3120],
                     [44.3601, 33.3120]]}
    ],
    "assets": [
        {"id": "convoy-7", "name": "Convoy 7", "radius_m": 300.0,
         "route": [[44.350, 33.300], [44.360, 33.305], [44.370, 33.312]]}
    ],
    "authorised": [{"remote_id": "1581F5FJD22A00000001", "note": "police drone"}],
}

GOOD_LINES = [
    '{"t": 1767261600.10, "sensor": "radar-n", "range_m": 1834.2, "az_deg": 211.9, '
    '"el_deg": 2.41, "rr_mps": -6.3, "snr_db": 13.1}',
    '{"t": 1767261600.35, "sensor": "rf-1", "az_deg": 187.4, "freq_mhz": 2437.0}',
    '{"t": 1767261600.30, "sensor": "mic-1", "az_deg": 10.0, "el_deg": 20.0, "f0_hz": 180.0}',
    '{"t": 1767261600.36, "sensor": "eo-1", "az_deg": 12.0, "el_deg": 3.0, "class": "drone",'
    ' "conf": 0.8}',
    '{"t": 1767261600.40, "sensor": "rid-1", "odid": "' + "02" + "00" * 24 + '"}',
    '{"t": 1767261600.52, "sensor": "adsb-1", "modes": "8D40058B58C901375147EFD09357"}',
    '{"t": 1767261600.05, "sensor": "radar-n", "range_m": 900.0, "az_deg": 0.0, '
    '"el_deg": 5.0, "future_field": [1, 2]}',
]

BROKEN_LINES = {
    "truncated": '{"t": 1767261601.0, "sensor": "radar-n", "range_m": 18',
    "nan": '{"t": 1767261601.0, "sensor": "radar-n", "range_m": NaN, "az_deg": 1.0, '
    '"el_deg": 1.0}',
    "unknown_sensor": '{"t": 1767261601.0, "sensor": "radar-x", "range_m": 100.0, '
    '"az_deg": 1.0, "el_deg": 1.0}',
    "missing_field": '{"t": 1767261601.0, "sensor": "radar-n", "az_deg": 1.0, "el_deg": 1.0}',
    "azimuth_400": '{"t": 1767261601.0, "sensor": "eo-1", "az_deg": 400.0, "el_deg": 1.0}',
}


def write_recording(folder: Path, lines: list[str], site: dict[str, Any] | None = None) -> Path:
    """Write a recording folder with the given detection lines."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "site.json").write_text(json.dumps(site or EXAMPLE_SITE))
    (folder / "detections.jsonl").write_text("\n".join(lines) + "\n")
    return folder
