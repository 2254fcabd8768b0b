"""Detection probability over the grid: per sensor, per sensor type and for the network.

A sensor's footprint is the probability that it detects the planning drone over each
cell of each band: the shared sensor model (``skywarden.sensing``: range law, field of
view, elevation limits) times line of sight through the city (``viewshed``). Only the
cells it can reach are stored, so a hundred candidate sites fit in memory.

Sensors are taken as independent, so the network misses a drone with the product of
the sensors' miss probabilities. Coverage is reported three ways: detected by at least
one sensor; by two or more (needed to triangulate a dark drone from bearings); and by
a sensor that needs nothing from the drone (radar, acoustic, EO: a dark drone emits
nothing for RF direction finders or Remote ID receivers to hear).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import LocalFrame
from skywarden.model import Sensor, SensorType
from skywarden.plan.grid import Grid
from skywarden.plan.viewshed import HeightRaster, visible_from
from skywarden.sensing import TYPICAL_SIGNATURES, TargetSignature, detection_probability, param

FloatArray = NDArray[np.float64]

NON_EMISSION_TYPES = frozenset({SensorType.RADAR, SensorType.ACOUSTIC, SensorType.EO})
"""Sensor types that detect a drone without its help: the "non-RF" coverage."""


def planning_signature(model: str = "multirotor") -> TargetSignature:
    """The drone a plan is made for: a typical model of ``sensing.TYPICAL_SIGNATURES``
    with its control link on (RF finders can hear it) and no Remote ID broadcast (a
    non-cooperative drone)."""
    try:
        signature = TYPICAL_SIGNATURES[model]
    except KeyError:
        known = ", ".join(TYPICAL_SIGNATURES)
        raise ValueError(f"unknown drone model {model!r} (known: {known})") from None
    return replace(signature, emitting=True, remote_id=False)


@dataclass(frozen=True)
class Footprint:
    """Where one sensor detects the planning drone: flat ``band * cells + cell`` indices
    and the detection probability there (zero elsewhere). Stored as 32-bit numbers: a
    hundred long-range candidates over a 10 km grid hold tens of millions of them."""

    sensor: Sensor
    index: NDArray[np.int32]
    pd: NDArray[np.float32]

    @property
    def is_empty(self) -> bool:
        """True when the sensor detects the drone nowhere in the area."""
        return len(self.index) == 0


def footprint(
    grid: Grid, raster: HeightRaster, sensor: Sensor, signature: TargetSignature
) -> Footprint:
    """Detection probability of one sensor over the grid, line of sight included."""
    sensor_enu = grid.sensor_enu(sensor.lat, sensor.lon, sensor.alt_m)
    cell_x, cell_y = grid.x, grid.y
    reach = param(sensor, "max_range_m")
    horizontal = np.hypot(cell_x - sensor_enu[0], cell_y - sensor_enu[1])
    near = np.flatnonzero(horizontal <= reach)
    bands = len(grid.bands_m)
    if len(near) == 0:
        return empty_footprint(sensor)
    targets = grid.targets_enu[:, near]
    own = LocalFrame(sensor.lat, sensor.lon, sensor.alt_m)
    rel = own.ecef_to_enu(grid.frame.enu_to_ecef(targets.reshape(-1, 3)))
    pd = detection_probability(sensor, rel, signature).reshape(bands, len(near))
    reached = pd.max(axis=0) > 0.0
    near, pd, targets = near[reached], pd[:, reached], targets[:, reached]
    if len(near):
        pd = pd * visible_from(raster, sensor_enu, cell_x[near], cell_y[near], targets[..., 2])
    band_index, column = np.nonzero(pd)
    return Footprint(
        sensor=sensor,
        index=(band_index * grid.cells + near[column]).astype(np.int32),
        pd=pd[band_index, column].astype(np.float32),
    )


def empty_footprint(sensor: Sensor) -> Footprint:
    """The footprint of a sensor that detects the planning drone nowhere."""
    return Footprint(sensor, np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32))


@dataclass
class NetworkCoverage:
    """Running detection probabilities of a growing set of sensors, per flat cell.

    ``miss`` is the probability that no sensor detects the drone, ``single`` that exactly
    one does, ``miss_non_emission`` that no radar, acoustic array or camera does, and
    ``miss_by_type`` the miss probability of each sensor type on its own.
    """

    size: int
    miss: FloatArray = field(init=False)
    single: FloatArray = field(init=False)
    miss_non_emission: FloatArray = field(init=False)
    miss_by_type: dict[SensorType, FloatArray] = field(init=False, default_factory=dict)
    sensors: list[Sensor] = field(init=False, default_factory=list)

    def __post_init__(self) -> None:
        self.miss = np.ones(self.size)
        self.single = np.zeros(self.size)
        self.miss_non_emission = np.ones(self.size)

    @classmethod
    def of(cls, size: int, prints: Sequence[Footprint]) -> NetworkCoverage:
        """The coverage of a set of footprints over ``size`` flat cells."""
        network = cls(size)
        for fp in prints:
            network.add(fp)
        return network

    def add(self, fp: Footprint) -> None:
        """Add one sensor's footprint."""
        self.sensors.append(fp.sensor)
        by_type = self.miss_by_type.setdefault(fp.sensor.type, np.ones(self.size))
        if fp.is_empty:
            return
        idx, pd = fp.index, fp.pd
        keep = 1.0 - pd
        self.single[idx] = self.single[idx] * keep + self.miss[idx] * pd
        self.miss[idx] *= keep
        by_type[idx] *= keep
        if fp.sensor.type in NON_EMISSION_TYPES:
            self.miss_non_emission[idx] *= keep

    @property
    def p_any(self) -> FloatArray:
        """Probability that at least one sensor detects the drone."""
        return 1.0 - self.miss

    @property
    def p_two(self) -> FloatArray:
        """Probability that two or more sensors detect the drone."""
        return np.clip(1.0 - self.miss - self.single, 0.0, 1.0)

    @property
    def p_non_emission(self) -> FloatArray:
        """Probability that a radar, acoustic array or camera detects the drone."""
        return 1.0 - self.miss_non_emission

    def p_type(self, kind: SensorType) -> FloatArray:
        """Probability that a sensor of this type detects the drone."""
        miss = self.miss_by_type.get(kind)
        return np.zeros(self.size) if miss is None else 1.0 - miss
