"""Sums over a sliding window of time: what a track's sensors said of it lately.

A track may follow one object for minutes and then, after a crossing or a long
coast, another: a swarm drone's track that takes up a gull keeps every camera vote
and radar cross-section of the drone it followed before. Identity evidence that
describes the object the track follows *now* is therefore kept only for the last
:data:`~skywarden.model.RECENT_EVIDENCE_S` seconds.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)

KEPT_ITEMS = 512
"""Most items a window holds; older ones leave early (2 Hz from 3 cameras over 30 s
is 180)."""


@dataclass
class RecentSums(Generic[Key]):
    """Weights added under keys at times, summed over the last ``window_s`` seconds.

    Items are expected in roughly increasing time (measurements are processed in
    time order) and leave from the front once they are older than the window."""

    window_s: float
    items: deque[tuple[float, Key, float]] = field(default_factory=deque)
    sums: dict[Key, float] = field(default_factory=dict)
    counts: dict[Key, int] = field(default_factory=dict)

    def add(self, t: float, key: Key, weight: float = 1.0) -> None:
        """Count ``weight`` under ``key`` at time ``t``."""
        if len(self.items) >= KEPT_ITEMS:
            self._drop_first()
        self.items.append((t, key, weight))
        self.sums[key] = self.sums.get(key, 0.0) + weight
        self.counts[key] = self.counts.get(key, 0) + 1

    def expire(self, now: float) -> None:
        """Let go of the items older than the window at ``now``."""
        oldest = now - self.window_s
        while self.items and self.items[0][0] < oldest:
            self._drop_first()

    def total(self, now: float) -> tuple[float, int]:
        """Sum of weights and number of items within the window, all keys together."""
        self.expire(now)
        return sum(self.sums.values()), len(self.items)

    def by_key(self, now: float) -> dict[Key, float]:
        """Sum of weights per key within the window (keys with items only)."""
        self.expire(now)
        return dict(self.sums)

    def absorb(self, other: RecentSums[Key]) -> None:
        """Take in the items of another window (two tracks found on one target)."""
        merged = sorted([*self.items, *other.items], key=lambda item: item[0])
        self.items.clear()
        self.sums.clear()
        self.counts.clear()
        for t, key, weight in merged[-KEPT_ITEMS:]:
            self.add(t, key, weight)

    def _drop_first(self) -> None:
        _, key, weight = self.items.popleft()
        left = self.counts[key] - 1
        if left:
            self.counts[key] = left
            self.sums[key] -= weight
        else:
            del self.counts[key]
            del self.sums[key]
