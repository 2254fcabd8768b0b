"""Choosing sensor sites: greedy on marginal coverage gain, with lazy evaluation.

The objective is the weighted expected coverage ``sum(w * (1 - miss))`` over every cell
of every band, where ``miss`` is the probability that no chosen (or already installed)
sensor detects the drone there and ``w`` weighs protected zones above open city. It is
monotone and submodular (adding a site never helps more later than now), so the greedy
choice of the best gain per unit cost is within ``1 - 1/e`` of the optimum for a count
and a site's gain can only shrink as others are chosen: lazy evaluation keeps every
candidate's last gain as an upper bound in a heap and re-evaluates only the top one,
which is then chosen if it still beats the next bound.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywarden.plan.coverage import Footprint

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Choice:
    """One greedy step: the candidate chosen, its gain and the objective after it."""

    candidate: int
    gain: float
    cost: float
    objective: float
    spent: float


@dataclass(frozen=True)
class Placement:
    """The greedy sequence of choices and what it took to find it."""

    choices: tuple[Choice, ...]
    base_objective: float
    """Objective of the installed sensors alone."""
    max_objective: float
    """Objective of perfect coverage (the sum of the weights)."""
    evaluations: int
    """Marginal gains computed: the work lazy evaluation saves."""

    @property
    def chosen(self) -> list[int]:
        """Indices of the chosen candidates, in the order chosen."""
        return [c.candidate for c in self.choices]


def marginal_gain(fp: Footprint, weights: FloatArray, miss: FloatArray) -> float:
    """Objective gained by adding a footprint to a network whose miss is ``miss``."""
    if fp.is_empty:
        return 0.0
    idx = fp.index
    return float(np.dot(weights[idx] * miss[idx], fp.pd))


def greedy_placement(
    candidates: Sequence[Footprint],
    costs: Sequence[float],
    weights: FloatArray,
    base_miss: FloatArray,
    *,
    budget: float | None = None,
    count: int | None = None,
    lazy: bool = True,
    on_choice: Callable[[Choice], None] | None = None,
) -> Placement:
    """Choose candidates by the best marginal gain per unit cost until the budget or
    the count is used up or no candidate adds anything.

    ``base_miss`` is the miss probability of the installed sensors (ones for none);
    ``lazy=False`` re-evaluates every candidate at every step (same choices, more work).
    """
    if len(candidates) != len(costs):
        raise ValueError("one cost per candidate is needed")
    if any(not c > 0.0 for c in costs):
        raise ValueError("costs must be positive")
    miss = np.array(base_miss, dtype=np.float64, copy=True)
    total = float(weights.sum())
    objective = total - float(np.dot(weights, miss))
    base = objective
    remaining = float("inf") if budget is None else float(budget)
    limit = len(candidates) if count is None else count
    evaluations = 0
    choices: list[Choice] = []
    spent = 0.0

    def ratio(i: int) -> float:
        nonlocal evaluations
        evaluations += 1
        return marginal_gain(candidates[i], weights, miss) / costs[i]

    # Heap of (-bound, index, step at which the bound was computed).
    heap = [(-ratio(i), i, 0) for i in range(len(candidates))]
    heapq.heapify(heap)
    step = 0
    while heap and len(choices) < limit:
        heap = [h for h in heap if costs[h[1]] <= remaining + 1e-12]
        heapq.heapify(heap)
        if not heap:
            break
        if lazy:
            best = _lazy_pop(heap, step, ratio)
        else:
            heap = [(-ratio(i), i, step) for _, i, _ in heap]
            heapq.heapify(heap)
            best = heapq.heappop(heap)
        neg_ratio, chosen, _ = best
        if -neg_ratio <= 0.0:
            break
        fp = candidates[chosen]
        gain = -neg_ratio * costs[chosen]
        if not fp.is_empty:
            miss[fp.index] *= 1.0 - fp.pd
        objective = total - float(np.dot(weights, miss))
        remaining -= costs[chosen]
        spent += costs[chosen]
        step += 1
        choice = Choice(chosen, gain, costs[chosen], objective, spent)
        choices.append(choice)
        if on_choice is not None:
            on_choice(choice)
    return Placement(tuple(choices), base, total, evaluations)


def _lazy_pop(
    heap: list[tuple[float, int, int]], step: int, ratio: Callable[[int], float]
) -> tuple[float, int, int]:
    """Pop the candidate with the best current ratio, re-evaluating stale bounds only
    while a stale one is on top."""
    while True:
        neg_bound, index, computed_at = heapq.heappop(heap)
        if computed_at == step:
            return neg_bound, index, computed_at
        heapq.heappush(heap, (-ratio(index), index, step))
