"""The planner's choices follow its objective and the zones' weights."""

from __future__ import annotations

import math

import shapely

from skywarden.model import Sensor, SensorType, Site, Zone
from skywarden.plan.area import Candidate
from skywarden.plan.planner import PlanOptions, plan_coverage

LAT, LON = 60.17, 24.94
M_LAT = 1 / 111_320
M_LON = M_LAT / math.cos(math.radians(LAT))
AREA = shapely.box(LON - 1500 * M_LON, LAT - 800 * M_LAT, LON + 1500 * M_LON, LAT + 800 * M_LAT)


def at(east: float, north: float, kind: SensorType, name: str, **fields: float) -> Sensor:
    return Sensor(name, kind, LAT + north * M_LAT, LON + east * M_LON, 10.0, **fields)


def test_zone_weight_draws_the_choice_to_the_zone() -> None:
    west = at(-900, 0, SensorType.ACOUSTIC, "mic-west")
    east = at(900, 0, SensorType.ACOUSTIC, "mic-east")
    candidates = [Candidate(west), Candidate(east)]
    options = PlanOptions(resolution_m=25.0, bands_m=(30.0, 200.0), count=1)
    open_site = Site("open", ())
    # Equal discs on open ground: the tie goes to the first candidate.
    assert [c.sensor.id for c in plan_coverage(open_site, AREA, None, candidates, options).chosen
            ] == ["mic-west"]
    square = tuple((LON + e * M_LON, LAT + n * M_LAT)
                   for e, n in ((700, -200), (1100, -200), (1100, 200), (700, 200)))
    zone = Zone("z", "Embassy", square, floor_m=0.0, ceiling_m=100.0, params={"weight": 50.0})
    result = plan_coverage(Site("zoned", (), zones=(zone,)), AREA, None, candidates, options)
    assert [c.sensor.id for c in result.chosen] == ["mic-east"]
    # The zone's cells lie in the 30 m band only (its ceiling is 100 m).
    mask = result.band_view(result.zone_masks["z"].astype(float))
    assert mask[0].sum() > 0 and mask[1].sum() == 0


def test_non_rf_objective_passes_over_rf_finders() -> None:
    rf = at(0, 0, SensorType.RF, "rf-wide", max_range_m=3000.0)
    eo = at(300, 0, SensorType.EO, "eo-short", max_range_m=400.0)
    candidates = [Candidate(rf), Candidate(eo)]
    site = Site("empty", ())
    any_sensor = plan_coverage(site, AREA, None, candidates,
                               PlanOptions(resolution_m=25.0, bands_m=(60.0,), count=1))
    dark = plan_coverage(site, AREA, None, candidates,
                         PlanOptions(resolution_m=25.0, bands_m=(60.0,), count=1,
                                     objective="non-rf"))
    assert [c.sensor.id for c in any_sensor.chosen] == ["rf-wide"]
    assert [c.sensor.id for c in dark.chosen] == ["eo-short"]
    assert dark.steps[-1].non_emission_fraction > any_sensor.steps[-1].non_emission_fraction
