"""GOSPA against Stone Soup's implementation, and the track-continuity measures."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from stonesoup.measures import Euclidean
from stonesoup.metricgenerator.ospametric import GOSPAMetric
from stonesoup.types.state import State

from skywarden.geo import LocalFrame
from skywarden.metrics import Scorer, TruthTable, gospa
from skywarden.model import TargetClass, TruthPoint


def _stonesoup_gospa(truth: np.ndarray, tracks: np.ndarray, c: float, p: float) -> dict:
    when = dt.datetime(2026, 1, 1)
    metric = GOSPAMetric(c=c, p=p, measure=Euclidean(mapping=(0, 1, 2)))
    result, _ = metric.compute_gospa_metric(
        [State(row.reshape(3, 1), timestamp=when) for row in tracks],
        [State(row.reshape(3, 1), timestamp=when) for row in truth],
    )
    return dict(result.value)


@pytest.mark.parametrize("seed", range(12))
def test_gospa_matches_stone_soup_on_random_sets(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = rng.integers(0, 7, size=2)
    if n + m == 0:
        n = 1
    truth = rng.uniform(-150, 150, size=(n, 3))
    # Tracks near some targets, plus far-off false ones.
    near = truth[: min(n, m)] + rng.normal(0, 20, size=(min(n, m), 3))
    tracks = np.vstack([near, rng.uniform(-400, 400, size=(m - min(n, m), 3))])
    c, p = [(50.0, 1.0), (30.0, 2.0), (100.0, 1.0)][seed % 3]
    ours = gospa(truth, tracks, c=c, p=p)
    theirs = _stonesoup_gospa(truth, tracks, c, p)
    assert ours.distance == pytest.approx(theirs["distance"], rel=1e-9, abs=1e-9)
    assert ours.localisation == pytest.approx(theirs["localisation"], rel=1e-9, abs=1e-9)
    assert ours.missed == pytest.approx(theirs["missed"], rel=1e-9, abs=1e-9)
    assert ours.false == pytest.approx(theirs["false"], rel=1e-9, abs=1e-9)


def test_gospa_charges_a_far_track_as_one_miss_and_one_false() -> None:
    result = gospa(np.zeros((1, 3)), np.array([[0.0, 0.0, 80.0]]))
    assert result.localisation == 0.0
    assert result.missed == 25.0 and result.false == 25.0
    assert result.distance == 50.0
    assert result.pairs == ()


def test_gospa_rejects_bad_parameters() -> None:
    with pytest.raises(ValueError):
        gospa(np.zeros((1, 3)), np.zeros((1, 3)), c=0.0)
    with pytest.raises(ValueError):
        gospa(np.zeros((1, 3)), np.zeros((1, 3)), alpha=3.0)


def test_scorer_counts_switches_fragments_and_false_tracks() -> None:
    scorer = Scorer()
    target = {"d1": np.zeros(3)}
    far = np.array([1000.0, 0.0, 0.0])
    sequence = [
        {},                                       # t0: target not yet tracked
        {"T1": np.array([2.0, 0.0, 0.0])},        # t1: first track
        {"T1": np.array([1.0, 0.0, 0.0])},
        {"T9": far},                              # t3: gap, only a false track
        {"T2": np.array([0.0, 3.0, 0.0]), "T9": far},  # t4: back, under a new id
    ]
    for k, tracks in enumerate(sequence):
        scorer.add(float(k), target, tracks)
    score = scorer.result()
    assert score.id_switches == 1
    assert score.fragmentations == 1
    assert score.false_tracks == 1
    assert score.tracks == 3
    assert score.time_to_first_track_s == {"d1": 1.0}
    assert score.instants == 5
    assert score.localisation == pytest.approx((2.0 + 1.0 + 3.0) / 5)


def test_truth_table_interpolates_between_samples_and_only_inside_a_span() -> None:
    frame = LocalFrame(60.17, 24.94, 0.0)
    lat1, lon1, alt1 = frame.enu_to_geodetic(np.array([100.0, 0.0, 50.0]))
    points = [
        TruthPoint(10.0, "d", TargetClass.DRONE, 60.17, 24.94, 50.0, (10.0, 0.0, 0.0)),
        TruthPoint(20.0, "d", TargetClass.DRONE, float(lat1), float(lon1), float(alt1),
                   (10.0, 0.0, 0.0)),
    ]
    table = TruthTable(points, frame)
    assert table.at(15.0)["d"] == pytest.approx([50.0, 0.0, 50.0], abs=0.05)
    assert table.at(25.0) == {}
