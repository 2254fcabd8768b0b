"""A radar clutter map: places that keep returning plots are not targets.

A moving-target-indicator radar still leaks a few fixed returns (trees in the wind,
road traffic, rotating machinery) that come back, scan after scan, from the same
range, bearing and elevation. A drone the radar can see is moving (the MTI notch
hides anything slower), so it does not stay in one small cell for long. The map
counts plots per cell of range and bearing of each radar (cells at least three sigmas
wide, so that measurement noise keeps a fixed return in one cell; elevation is left
out, as leaking returns sit near the horizon); a cell hit in at least ``min_hits``
scans spread over at least ``min_span_s`` is clutter when its Doppler has no steady
sign (foliage in the wind swings both ways; a formation of drones streaming through
the cell all recede or all approach), and its plots then neither start nor update
tracks until the cell has been quiet for ``memory_s``.

Noise scatters a fixed return that sits near a cell's edge over two or three cells,
none of which may fill up. Withholding plots by wider blocks of cells would also
withhold drones flying past clutter, so the map only names the plots that land
where such a scattered return has been leaking (:meth:`ClutterMap.leak_spots`), and
the classifier weighs that as evidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywarden.track.measure import MeasurementBatch


@dataclass(frozen=True, slots=True)
class ClutterConfig:
    """Cell size and the persistence that makes a cell clutter."""

    cell_m: float = 20.0
    cell_deg: float = 1.5
    min_hits: int = 5
    min_span_s: float = 10.0
    memory_s: float = 60.0
    max_doppler_bias: float = 0.5
    """A cell whose mean range rate exceeds this fraction of its mean absolute range
    rate has a steady Doppler sign: a stream of movers, not clutter."""


class ClutterMap:
    """Persistent-return cells of every radar, learnt from the plots themselves."""

    def __init__(self, config: ClutterConfig | None = None) -> None:
        self.config = config or ClutterConfig()
        self._cells: dict[tuple[str, int, int], list[float]] = {}
        """Cell -> [first hit t, last hit t, hits, sum of range rates, sum of their sizes]."""
        self._pruned_t = -math.inf
        self.suppressed = 0
        """Plots withheld so far."""

    def _cells_of(self, batch: MeasurementBatch) -> tuple[list[int], list[int]]:
        """The range and azimuth cell of each plot of a radar batch."""
        cfg = self.config
        az_cell = max(math.radians(cfg.cell_deg), 3.0 * float(batch.sigma[:, 0].max()))
        range_cell = max(cfg.cell_m, 3.0 * float(batch.sigma[:, 2].max()))
        ranges = np.floor(batch.z[:, 2] / range_cell).astype(np.int64).tolist()
        azimuths = np.floor(batch.z[:, 0] / az_cell).astype(np.int64).tolist()
        return ranges, azimuths

    def _leaking(self, first_t: float, last_t: float, hits: float, rate_sum: float,
                 rate_size: float) -> bool:
        """Whether plots counted in a cell (or a block of cells) are a fixed return:
        many, over a long time, with no steady Doppler sign."""
        cfg = self.config
        return (hits >= cfg.min_hits and last_t - first_t >= cfg.min_span_s
                and abs(rate_sum) <= cfg.max_doppler_bias * rate_size)

    def screen(self, batch: MeasurementBatch) -> NDArray[np.bool_]:
        """Learn from a radar batch; True for the plots that are not clutter."""
        cfg = self.config
        ranges, azimuths = self._cells_of(batch)
        rates = (batch.z[:, 3] if batch.has_rate else np.zeros(batch.size)).tolist()
        keep = np.ones(batch.size, dtype=bool)
        sensor = batch.sensor_id
        cells = self._cells
        rows = zip(ranges, azimuths, batch.t.tolist(), rates, strict=True)
        for k, (r, a, t, rate) in enumerate(rows):
            key = (sensor, r, a)
            cell = cells.get(key)
            if cell is None or t - cell[1] > cfg.memory_s:
                cells[key] = [t, t, 1.0, rate, abs(rate)]
                continue
            cell[1] = max(cell[1], t)
            cell[2] += 1.0
            cell[3] += rate
            cell[4] += abs(rate)
            if self._leaking(*cell):
                keep[k] = False
        self.suppressed += int((~keep).sum())
        now = float(batch.t.max())
        if now - self._pruned_t > cfg.memory_s:
            self._cells = {k: v for k, v in cells.items() if now - v[1] <= cfg.memory_s}
            self._pruned_t = now
        return keep

    def leak_spots(self, batch: MeasurementBatch) -> NDArray[np.bool_]:
        """Per plot of a screened radar batch: whether it lands where a fixed return
        has been leaking, its own cell and the eight around it counted together."""
        ranges, azimuths = self._cells_of(batch)
        sensor = batch.sensor_id
        cells = self._cells
        out = np.zeros(batch.size, dtype=bool)
        fresh_after = (batch.t - self.config.memory_s).tolist()
        for k, (r, a) in enumerate(zip(ranges, azimuths, strict=True)):
            block = [cell for dr in (-1, 0, 1) for da in (-1, 0, 1)
                     if (cell := cells.get((sensor, r + dr, a + da))) is not None
                     and cell[1] >= fresh_after[k]]
            if len(block) < 2:
                continue
            out[k] = self._leaking(min(c[0] for c in block), max(c[1] for c in block),
                                   sum(c[2] for c in block), sum(c[3] for c in block),
                                   sum(c[4] for c in block))
        return out
