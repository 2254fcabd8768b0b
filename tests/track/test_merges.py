"""The tracker tells its caller which track survived each merge."""

from __future__ import annotations

import numpy as np

from skywarden.track.tracker import Tracker, TrackMerge
from tests.track.helpers import T0, duplicate_track_scene


def _track_each_second(seed: int) -> tuple[Tracker, list[tuple[float, list[TrackMerge],
                                                                 set[str]]]]:
    the_site, reports = duplicate_track_scene(np.random.default_rng(seed))
    tracker = Tracker(the_site)
    for report in reports:
        tracker.add(report)
    seconds = []
    for k in range(1, 81):
        t = T0 + k
        tracker.process_until(t)
        merges = tracker.take_merges()
        tracks, _ = tracker.snapshot(t)
        seconds.append((t, merges, {track.track_id for track in tracks}))
    return tracker, seconds


def test_a_merge_names_the_absorbed_and_the_older_surviving_track_once() -> None:
    tracker, seconds = _track_each_second(seed=2)
    merges = [m for _, taken, _ in seconds for m in taken]
    assert merges == [TrackMerge("T2", "T1", merges[0].t)]
    assert tracker.stats.tracks_merged == 1
    t_merge = merges[0].t
    before = [ids for t, _, ids in seconds if t < t_merge]
    after = [ids for t, _, ids in seconds if t >= t_merge]
    assert any(ids == {"T1", "T2"} for ids in before)
    assert all(ids == {"T1"} for ids in after)
    assert tracker.take_merges() == []


def test_merges_wait_for_the_caller_to_take_them() -> None:
    the_site, reports = duplicate_track_scene(np.random.default_rng(2))
    tracker = Tracker(the_site)
    for report in reports:
        tracker.add(report)
    for k in range(1, 81):
        tracker.process_until(T0 + k)
    merges = tracker.take_merges()
    assert [(m.absorbed_id, m.survivor_id) for m in merges] == [("T2", "T1")]
    assert T0 < merges[0].t <= T0 + 80
    assert tracker.take_merges() == []
