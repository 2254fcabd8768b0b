"""Real drone flights from ../shared/data/trajectories as tracker-style history rows."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import numpy as np

from skywarden.geo import LocalFrame

Rows = np.ndarray
"""``(N, 7)`` rows of ``(t, east, north, up, v_east, v_north, v_up)``."""


def _rows(t: np.ndarray, enu: np.ndarray) -> Rows:
    vel = np.gradient(enu, t, axis=0)
    return np.column_stack([t, enu, vel])


def delivery_flight(data: Path) -> Rows:
    """The Pittsburgh delivery flight: local x/y/z metres, taken as east/north/up."""
    with (data / "trajectories" / "cphyml_package_delivery_flight_100.csv").open() as f:
        rows = list(csv.DictReader(f))
    t = np.array([datetime.fromisoformat(r["time"][:26]).timestamp() for r in rows])
    enu = np.array([[float(r["x"]), float(r["y"]), float(r["z"])] for r in rows])
    return _rows(t, enu)


def stonesoup_flight(data: Path) -> tuple[Rows, LocalFrame]:
    """The Stone Soup UAV flight (GPS latitude, longitude, altitude) in a frame at its
    first point."""
    with (data / "trajectories" / "stonesoup_UAV_Rot.csv").open() as f:
        rows = list(csv.DictReader(f))
    t = np.array([datetime.fromisoformat(r["time"]).timestamp() for r in rows])
    lat = np.array([float(r["latitude"]) for r in rows])
    lon = np.array([float(r["longitude"]) for r in rows])
    alt = np.array([float(r["altitude (m)"]) for r in rows])
    frame = LocalFrame(float(lat[0]), float(lon[0]), float(alt[0]))
    return _rows(t, frame.geodetic_to_enu(lat, lon, alt)), frame
