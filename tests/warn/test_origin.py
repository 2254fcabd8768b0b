"""Launch points: back-extrapolation of real flights, and the Remote ID operator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from skywarden.geo import LocalFrame
from skywarden.model import TrackEvidence
from skywarden.warn.origin import LaunchPointEstimator
from tests.warn.real_flights import delivery_flight, stonesoup_flight

FIRST_SEEN = 40
"""Rows of history the tracker hands over when the track is first confirmed."""


def _error_m(frame: LocalFrame, est: LaunchPointEstimator, rows: np.ndarray,
             truth_en: np.ndarray) -> tuple[float, float]:
    ev = TrackEvidence("T1", rows[0, 0], rows[-1, 0], tuple(map(tuple, rows[:FIRST_SEEN])))
    lp = est.launch_point(ev)
    assert lp is not None and lp.source == "track"
    en = frame.geodetic_to_enu(lp.lat, lp.lon, frame.alt_m)[:2]
    return float(np.linalg.norm(en - truth_en)), lp.sigma_m


@pytest.mark.parametrize("first_seen_row", [0, 3, 5, 7])
def test_a_climbing_delivery_drone_is_traced_back_to_its_pad(
    shared_data: Path, first_seen_row: int
) -> None:
    rows = delivery_flight(shared_data)
    ground = float(rows[:, 3].min())
    pad = rows[-1, 1:3]
    frame = LocalFrame(40.4589, -79.7827, 0.0)
    error, sigma = _error_m(frame, LaunchPointEstimator(frame, ground), rows[first_seen_row:],
                            pad)
    assert error < 10.0
    assert error <= 2.0 * sigma


@pytest.mark.parametrize("first_seen_row", [18, 22, 30])
def test_a_drone_first_seen_in_level_flight_lies_within_its_radius(
    shared_data: Path, first_seen_row: int
) -> None:
    rows, frame = stonesoup_flight(shared_data)
    est = LaunchPointEstimator(frame, 0.0)
    error, sigma = _error_m(frame, est, rows[first_seen_row:], rows[-1, 1:3])
    assert error <= 2.0 * sigma
    assert sigma < 100.0


def test_the_estimate_made_early_is_kept_when_history_moves_on(shared_data: Path) -> None:
    rows = delivery_flight(shared_data)
    frame = LocalFrame(40.4589, -79.7827, 0.0)
    est = LaunchPointEstimator(frame, float(rows[:, 3].min()))
    first = est.launch_point(TrackEvidence("T1", rows[0, 0], rows[20, 0],
                                           tuple(map(tuple, rows[:20]))))
    later = est.launch_point(TrackEvidence("T1", rows[0, 0], rows[-1, 0],
                                           tuple(map(tuple, rows[60:]))))
    assert later == first


def test_the_remote_id_operator_position_is_stated_as_such() -> None:
    frame = LocalFrame(33.31, 44.36, 0.0)
    est = LaunchPointEstimator(frame, 0.0)
    ev = TrackEvidence("T1", 0.0, 1.0, ((0.0, 100.0, 0.0, 50.0, 5.0, 0.0, 0.0),),
                       operator_lat=33.30, operator_lon=44.35)
    lp = est.launch_point(ev)
    assert lp is not None
    assert (lp.lat, lp.lon, lp.source) == (33.30, 44.35, "remote_id")


def test_a_merged_track_keeps_the_earlier_estimate() -> None:
    frame = LocalFrame(33.31, 44.36, 0.0)
    est = LaunchPointEstimator(frame, 0.0)
    climb = tuple((float(k), 0.0, 0.0, 3.0 * k + 9.0, 0.0, 0.0, 3.0) for k in range(10))
    first = est.launch_point(TrackEvidence("T1", 0.0, 9.0, climb))
    est.merge("T1", "T2")
    later = est.launch_point(TrackEvidence("T2", 20.0, 30.0, ((20.0, 900.0, 0.0, 60.0,
                                                              10.0, 0.0, 0.0),)))
    assert later == first
