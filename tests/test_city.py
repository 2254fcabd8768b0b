"""City geometry: heights from tags, footprints from GeoJSON and OpenStreetMap, and exact
line of sight through buildings on hand-computable cases."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely

from skywarden.city import (
    DEFAULT_HEIGHT_M,
    Buildings,
    CityError,
    building_height_m,
    load_buildings,
    parse_length_m,
)
from skywarden.geo import LocalFrame

FRAME = LocalFrame(60.17, 24.94, 0.0)
HELSINKI_BUILDING_OBJECTS = 500
"""Ways and relations tagged building in the extract (data/README.md)."""


def wall(height_m: float, east_m: float = 50.0) -> Buildings:
    """A wall 2 m thick across the east axis, 200 m long, ``height_m`` tall."""
    footprint = [(east_m - 1, -100), (east_m + 1, -100), (east_m + 1, 100), (east_m - 1, 100)]
    return Buildings.from_enu([footprint], [height_m], FRAME)


def test_heights_from_tags() -> None:
    assert parse_length_m("12.13 m") == pytest.approx(12.13)
    assert parse_length_m("40 ft") == pytest.approx(12.192)
    assert parse_length_m("tall") is None
    assert parse_length_m(-3) is None
    assert building_height_m({"height": "18"}) == 18.0
    assert building_height_m({"height_m": 7.5, "height": 30}) == 7.5
    assert building_height_m({"building:levels": "4"}) == 12.0
    assert building_height_m({"building:levels": "4", "roof:levels": "1"}) == 15.0
    assert building_height_m({"building": "yes"}) == DEFAULT_HEIGHT_M


def test_wall_hides_low_target_and_not_high_one() -> None:
    # Sensor at 10 m, wall 20 m tall at 50 m east, target at 100 m east: the ray
    # crosses the wall (49..51 m) at height 10 + (z - 10) * 49/100 on its near face
    # and 10 + (z - 10) * 51/100 on its far face; it clears the roof when the lower
    # of these, the near face, is above 20 m: z > 10 + 10 * 100/49 = 30.408 m.
    buildings = wall(20.0)
    sensor = np.array([0.0, 0.0, 10.0])
    threshold = 10.0 + 10.0 * 100.0 / 49.0
    targets = np.array(
        [
            [100.0, 0.0, 1.0],
            [100.0, 0.0, threshold - 0.01],
            [100.0, 0.0, threshold + 0.01],
            [100.0, 0.0, 200.0],
            [-100.0, 0.0, 1.0],  # behind the sensor: no wall between
            [100.0, 150.0, 1.0],  # ray crosses the wall at north 75 m
            [100.0, 300.0, 1.0],  # ray crosses x=50 at y=150: beyond the wall's end
            [40.0, 0.0, 1.0],  # in front of the wall
        ]
    )
    seen = buildings.visible(sensor, targets)
    assert seen.tolist() == [False, False, True, True, True, False, True, True]


def test_sensor_above_roof_sees_over_the_wall_and_target_inside_is_hidden() -> None:
    buildings = wall(20.0)
    sensor = np.array([0.0, 0.0, 50.0])
    # Line from 50 m down to 0 m over 100 m: at the far face (51 m) it is at 24.5 m.
    assert buildings.visible(sensor, np.array([[100.0, 0.0, 0.0]])).tolist() == [True]
    # A target inside the wall, below its roof, is hidden; above the roof it is seen.
    inside = np.array([[50.0, 0.0, 19.0], [50.0, 0.0, 21.0]])
    assert buildings.visible(sensor, inside).tolist() == [False, True]
    # A sensor inside the wall, below its roof, sees nothing.
    assert not buildings.visible(np.array([50.0, 0.0, 5.0]), inside).any()
    # Straight down onto the roof from above; straight down into it.
    above = np.array([50.0, 0.0, 60.0])
    assert buildings.visible(above, np.array([[50.0, 0.0, 25.0], [50.0, 0.0, 5.0]])).tolist() == [
        True,
        False,
    ]


def test_no_buildings_hide_nothing() -> None:
    empty = Buildings.empty()
    targets = np.random.default_rng(1).uniform(-500, 500, (50, 3))
    assert empty.visible(np.zeros(3), targets).all()


def test_roof_height_lookup() -> None:
    buildings = Buildings.from_enu(
        [[(0, 0), (10, 0), (10, 10), (0, 10)], [(5, 5), (20, 5), (20, 20), (5, 20)]],
        [12.0, 30.0],
        FRAME,
    )
    heights = buildings.roof_height_at(np.array([1.0, 7.0, 15.0, 50.0]), np.array([1.0, 7, 15, 50]))
    assert heights.tolist() == [12.0, 30.0, 30.0, 0.0]


def test_geojson_round_trip_keeps_footprint_and_height(tmp_path: Path) -> None:
    original = Buildings.from_enu(
        [[(100, 100), (140, 100), (140, 130), (100, 130)]], [25.0], FRAME, ground_alt_m=20.0
    )
    collection = original.to_geojson(FRAME)
    collection["features"].append(
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.9, 60.1]}}
    )
    path = tmp_path / "city.geojson"
    path.write_text(json.dumps(collection))
    again = load_buildings(path, FRAME, ground_alt_m=20.0)
    assert len(again) == 1 and again.skipped == 1
    assert again.heights_m.tolist() == [25.0]
    assert again.footprints[0].area == pytest.approx(1200.0, rel=1e-5)
    assert shapely.hausdorff_distance(again.footprints[0], original.footprints[0]) < 0.01
    assert again.roof_up_m[0] == pytest.approx(45.0, abs=0.01)


def test_geojson_multipolygon_and_levels() -> None:
    square = [[24.940, 60.170], [24.941, 60.170], [24.941, 60.1705], [24.940, 60.1705]]
    shifted = [[x + 0.002, y] for x, y in square]
    obj = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "MultiPolygon", "coordinates": [[square], [shifted]]},
                "properties": {"building:levels": 5},
            },
            {"type": "Feature", "properties": {}},
        ],
    }
    buildings = Buildings.from_geojson(obj, FRAME)
    assert len(buildings) == 2 and buildings.skipped == 1
    assert buildings.heights_m.tolist() == [15.0, 15.0]


def test_unknown_city_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CityError, match="unknown city file type"):
        load_buildings(tmp_path / "city.shp", FRAME)
    bad = tmp_path / "city.geojson"
    bad.write_text("{not json")
    with pytest.raises(CityError, match="not a readable GeoJSON"):
        load_buildings(bad, FRAME)


def test_helsinki_extract_loads(shared_data: Path) -> None:
    frame = LocalFrame(60.1715, 24.944, 0.0)
    buildings = load_buildings(shared_data / "city" / "helsinki.osm.pbf", frame)
    sources = set(buildings.ids)
    # Every building object is either assembled or counted as cut off by the extract.
    assert len(sources) + buildings.skipped == HELSINKI_BUILDING_OBJECTS
    assert len(sources) > 400
    assert {s.split("/")[0] for s in sources} == {"way", "relation"}
    assert buildings.heights_m.min() >= 3.0 and buildings.heights_m.max() <= 100.0
    assert np.median(buildings.heights_m) == pytest.approx(DEFAULT_HEIGHT_M, abs=8.0)
    # The extract spans about 1 km east-west and 1.7 km north-south around the frame.
    west, south, east, north = buildings.bounds
    assert -700 < west < -300 and 300 < east < 700
    assert -1000 < south < -500 and 500 < north < 1000
    assert all(f.is_valid and f.area > 1.0 for f in buildings.footprints)
    # From street level in the middle of the city most of the ground is hidden,
    # from 300 m up almost nothing is.
    rng = np.random.default_rng(7)
    targets = np.column_stack(
        [rng.uniform(-400, 400, 300), rng.uniform(-700, 700, 300), np.full(300, 2.0)]
    )
    low = buildings.visible(np.array([0.0, 0.0, 2.0]), targets).mean()
    high = buildings.visible(np.array([0.0, 0.0, 300.0]), targets).mean()
    assert low < 0.5 < high


def reference_visible(buildings: Buildings, sensor: np.ndarray, targets: np.ndarray) -> list[bool]:
    """Line of sight the plain way: intersect each sight line with each footprint in
    shapely and check the line's height at every point of the intersection."""
    seen = []
    for target in targets:
        line = shapely.LineString([sensor[:2], target[:2]])
        length = line.length
        clear = True
        for footprint, roof in zip(buildings.footprints, buildings.roof_up_m, strict=True):
            piece = line.intersection(footprint)
            if piece.is_empty:
                continue
            for x, y in shapely.get_coordinates(piece):
                along = np.hypot(x - sensor[0], y - sensor[1]) / length
                if sensor[2] + along * (target[2] - sensor[2]) < roof - 1e-6:
                    clear = False
        seen.append(clear)
    return seen


def test_visible_matches_plain_shapely_over_helsinki(shared_data: Path) -> None:
    frame = LocalFrame(60.1715, 24.944, 0.0)
    buildings = load_buildings(shared_data / "city" / "helsinki.osm.pbf", frame)
    rng = np.random.default_rng(21)
    targets = np.column_stack(
        [rng.uniform(-450, 450, 120), rng.uniform(-750, 750, 120), rng.uniform(0, 60, 120)]
    )
    for sensor in (np.array([12.0, -30.0, 25.0]), np.array([-200.0, 300.0, 8.0])):
        fast = buildings.visible(sensor, targets)
        assert fast.tolist() == reference_visible(buildings, sensor, targets)
        assert 0.1 < fast.mean() < 0.95
