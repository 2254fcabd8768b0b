"""Reading the area to plan over and the candidate sites."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skywarden.model import Sensor, SensorType, Site
from skywarden.plan.area import PlanInputError, read_area, read_candidates

SITE = Site(
    "t",
    (Sensor("radar-n", SensorType.RADAR, 60.17, 24.94, 50.0, max_range_m=4000.0, pd=0.8,
            params={"ref_range_m": 2000.0}),),
)


def point(lon: float, lat: float, **props: object) -> dict[str, object]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": props}


def test_area_from_bbox_and_geojson(tmp_path: Path) -> None:
    box = read_area("24.93,60.16,24.95,60.18")
    assert box.bounds == (24.93, 60.16, 24.95, 60.18)
    with pytest.raises(PlanInputError, match="empty bounding box"):
        read_area("24.95,60.16,24.93,60.18")
    two = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": {
                "type": "Polygon",
                "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}},
            {"type": "Feature", "properties": {}, "geometry": {
                "type": "Polygon",
                "coordinates": [[[2, 0], [3, 0], [3, 1], [2, 1], [2, 0]]]}},
            point(5.0, 5.0),
        ],
    }
    path = tmp_path / "area.geojson"
    path.write_text(json.dumps(two))
    area = read_area(path)
    assert area.area == pytest.approx(2.0)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [point(1.0, 1.0)]}))
    with pytest.raises(PlanInputError, match="no Polygon"):
        read_area(path)


def test_candidates_by_type_and_template_and_bad_ones_skipped(tmp_path: Path) -> None:
    features = [
        point(24.941, 60.171, id="roof-a", type="eo", height_m=30, cost=2.5, fov_az_deg=90,
              az_center_deg=45),
        point(24.942, 60.172, id="mast-b", template="radar-n", alt_m=80.0, pd=0.7),
        point(24.943, 60.173, type="acoustic"),
        point(24.944, 60.174, id="bad-type", type="sonar"),
        point(24.945, 60.175, id="bad-template", template="radar-x"),
        point(24.946, 60.176, id="free", type="rf", cost=0),
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]}},
        point(24.947, 60.177, id="roof-a", type="rf"),
    ]
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    candidates = read_candidates(path, SITE, ground_alt_m=12.0)
    assert [c.sensor.id for c in candidates] == ["roof-a", "mast-b", "candidate-3"]
    roof, mast, mic = candidates
    assert roof.cost == 2.5 and roof.sensor.type is SensorType.EO
    assert roof.sensor.alt_m == 42.0 and roof.sensor.params["fov_az_deg"] == 90
    assert mast.sensor.type is SensorType.RADAR and mast.sensor.alt_m == 80.0
    assert mast.sensor.pd == 0.7 and mast.sensor.max_range_m == 4000.0
    assert mast.sensor.params["ref_range_m"] == 2000.0
    assert mic.sensor.alt_m == 22.0 and mic.cost == 1.0


def test_no_usable_candidate_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "sites.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [point(0, 0)]}))
    with pytest.raises(PlanInputError, match="no usable candidate"):
        read_candidates(path, SITE, 0.0)
