"""A synthetic city district: street blocks of buildings, generated from a seed.

Built-in scenarios need a plausible city without shipping a map file: a street grid
whose blocks are split into buildings of varied footprint and height, with open areas
(squares, parks, a compound's grounds) left clear and a few landmark buildings placed
by hand. The same layout and seed always give the same buildings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from skywarden.city import Buildings
from skywarden.geo import LocalFrame


@dataclass(frozen=True)
class CityLayout:
    """How to generate a district (all lengths in metres, centred on the site origin).

    ``extent_m`` is the side of the square district, ``block_m`` the side of a street
    block and ``street_m`` the street width. Building heights are drawn between
    ``min_height_m`` and ``max_height_m`` (mostly low, a few towers). ``open_areas``
    are ``[east, north, radius_m]`` circles kept free of generated buildings;
    ``landmarks`` are ``[east, north, width_m, depth_m, height_m]`` buildings placed as
    given. ``park_fraction`` of the blocks are left empty.
    """

    seed: int = 0
    extent_m: float = 2000.0
    block_m: float = 90.0
    street_m: float = 18.0
    min_height_m: float = 6.0
    max_height_m: float = 40.0
    park_fraction: float = 0.08
    open_areas: Sequence[Sequence[float]] = ()
    landmarks: Sequence[Sequence[float]] = ()

    def __post_init__(self) -> None:
        for name in ("extent_m", "block_m", "street_m", "min_height_m", "max_height_m"):
            if not float(getattr(self, name)) > 0.0:
                raise ValueError(f"{name}: must be positive")
        if self.street_m >= self.block_m:
            raise ValueError("street_m: must be narrower than block_m")
        if self.max_height_m < self.min_height_m:
            raise ValueError("max_height_m: below min_height_m")
        if not 0.0 <= self.park_fraction < 1.0:
            raise ValueError("park_fraction: must be in [0, 1)")
        for name, size in (("open_areas", 3), ("landmarks", 5)):
            for i, item in enumerate(getattr(self, name)):
                if len(item) != size or not all(isinstance(v, int | float) for v in item):
                    raise ValueError(f"{name}[{i}]: expected {size} numbers")


def generate_city(layout: CityLayout, frame: LocalFrame, ground_alt_m: float) -> Buildings:
    """The buildings of a synthetic district in the frame's east/north metres."""
    rng = np.random.default_rng(layout.seed)
    pitch = layout.block_m
    count = max(1, int(layout.extent_m // pitch))
    first = -pitch * (count - 1) / 2.0
    footprints: list[list[tuple[float, float]]] = []
    heights: list[float] = []
    ids: list[str] = []
    usable = layout.block_m - layout.street_m
    for row in range(count):
        for col in range(count):
            centre_e = first + col * pitch
            centre_n = first + row * pitch
            if rng.random() < layout.park_fraction or _in_open_area(
                layout, centre_e, centre_n, pitch / 2.0
            ):
                continue
            split_e, split_n = int(rng.integers(1, 4)), int(rng.integers(1, 3))
            width, depth = usable / split_e, usable / split_n
            for i in range(split_e):
                for j in range(split_n):
                    gap = float(rng.uniform(1.0, 4.0))
                    west = centre_e - usable / 2.0 + i * width + gap / 2.0
                    south = centre_n - usable / 2.0 + j * depth + gap / 2.0
                    east = west + width * float(rng.uniform(0.75, 1.0)) - gap / 2.0
                    north = south + depth * float(rng.uniform(0.75, 1.0)) - gap / 2.0
                    footprints.append([(west, south), (east, south), (east, north),
                                       (west, north)])
                    heights.append(_height(layout, rng))
                    ids.append(f"block-{row}-{col}-{i}{j}")
    for index, (east, north, width, depth, height) in enumerate(layout.landmarks):
        half_w, half_d = width / 2.0, depth / 2.0
        footprints.append([(east - half_w, north - half_d), (east + half_w, north - half_d),
                           (east + half_w, north + half_d), (east - half_w, north + half_d)])
        heights.append(float(height))
        ids.append(f"landmark-{index}")
    return Buildings.from_enu(footprints, heights, frame, ground_alt_m, ids)


def _in_open_area(layout: CityLayout, east: float, north: float, half: float) -> bool:
    return any(
        math.hypot(east - e, north - n) < r + half for e, n, r in layout.open_areas
    )


def _height(layout: CityLayout, rng: np.random.Generator) -> float:
    """Mostly low-rise, occasionally a tower: a skewed draw between the limits."""
    span = layout.max_height_m - layout.min_height_m
    return round(layout.min_height_m + span * float(rng.beta(1.4, 4.0)), 1)
