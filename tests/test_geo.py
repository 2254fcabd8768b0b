"""geo against pyproj, an independent oracle, over the whole globe."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from skywarden import geo

TO_ECEF = Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)
TO_GEODETIC = Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)

latitudes = st.floats(-90.0, 90.0)
longitudes = st.floats(-180.0, 180.0)
heights = st.floats(-1_000.0, 100_000.0)


@settings(max_examples=300, deadline=None)
@given(latitudes, longitudes, heights)
def test_geodetic_to_ecef_matches_pyproj(lat: float, lon: float, alt: float) -> None:
    x, y, z = geo.geodetic_to_ecef(lat, lon, alt)
    ex, ey, ez = TO_ECEF.transform(lon, lat, alt)
    assert np.allclose([x, y, z], [ex, ey, ez], atol=1e-3, rtol=0)


@settings(max_examples=300, deadline=None)
@given(latitudes, longitudes, heights)
def test_ecef_round_trip_is_millimetre_exact(lat: float, lon: float, alt: float) -> None:
    x, y, z = TO_ECEF.transform(lon, lat, alt)
    back_lat, back_lon, back_alt = geo.ecef_to_geodetic(x, y, z)
    ox, oy, oz = geo.geodetic_to_ecef(back_lat, back_lon, back_alt)
    assert np.allclose([ox, oy, oz], [x, y, z], atol=1e-3, rtol=0)
    assert back_alt == pytest.approx(alt, abs=1e-3)
    p_lon, p_lat, _ = TO_GEODETIC.transform(x, y, z)
    assert back_lat == pytest.approx(p_lat, abs=1e-8)
    if abs(lat) < 89.9999:
        lon_error = (float(back_lon) - p_lon + 180.0) % 360.0 - 180.0
        assert abs(lon_error) < 1e-8


def test_poles_and_antimeridian() -> None:
    lat = np.array([90.0, -90.0, 0.0, 0.0, 45.0])
    lon = np.array([0.0, 0.0, 180.0, -180.0, 179.9999999])
    alt = np.array([0.0, 120.0, 10.0, 10.0, 0.0])
    x, y, z = geo.geodetic_to_ecef(lat, lon, alt)
    back_lat, back_lon, back_alt = geo.ecef_to_geodetic(x, y, z)
    assert np.allclose(back_lat, lat, atol=1e-9)
    assert np.allclose(back_alt, alt, atol=1e-3)
    assert np.allclose(np.abs(back_lon[2:4]), 180.0, atol=1e-9)
    assert np.all(np.abs(back_lon) <= 180.0)


@settings(max_examples=200, deadline=None)
@given(latitudes, longitudes, st.floats(-200.0, 200.0), st.floats(-5000.0, 5000.0),
       st.floats(-5000.0, 5000.0), st.floats(-100.0, 3000.0))
def test_enu_matches_pyproj_topocentric(
    lat0: float, lon0: float, alt0: float, east: float, north: float, up: float
) -> None:
    frame = geo.LocalFrame(lat0, lon0, alt0)
    lat, lon, alt = frame.enu_to_geodetic(np.array([east, north, up]))
    topo = Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=cart +ellps=WGS84 "
        f"+step +proj=topocentric +ellps=WGS84 +lat_0={lat0} +lon_0={lon0} +h_0={alt0}"
    )
    e, n, u = topo.transform(float(lon), float(lat), float(alt))
    assert np.allclose([e, n, u], [east, north, up], atol=1e-3, rtol=0)
    assert np.allclose(frame.geodetic_to_enu(lat, lon, alt), [east, north, up], atol=1e-3)


def test_vectorised_over_arrays() -> None:
    frame = geo.LocalFrame(33.3128, 44.3615, 40.0)
    enu = np.random.default_rng(1).uniform(-4000, 4000, size=(1000, 3))
    lat, lon, alt = frame.enu_to_geodetic(enu)
    assert lat.shape == (1000,)
    assert np.allclose(frame.geodetic_to_enu(lat, lon, alt), enu, atol=1e-6)


def test_aer_round_trip_and_conventions() -> None:
    az, el, rng = geo.enu_to_aer(np.array([[0.0, 100.0, 0.0], [100.0, 0.0, 100.0],
                                           [-1.0, -1e-12, 0.0]]))
    assert az[0] == pytest.approx(0.0)
    assert az[1] == pytest.approx(90.0) and el[1] == pytest.approx(45.0)
    assert rng[1] == pytest.approx(100.0 * np.sqrt(2))
    assert 0.0 <= az[2] < 360.0
    back = geo.aer_to_enu(az, el, rng)
    assert np.allclose(back[:2], [[0.0, 100.0, 0.0], [100.0, 0.0, 100.0]], atol=1e-9)


def test_sensor_measure_uses_the_sensors_own_tangent_plane() -> None:
    site = geo.LocalFrame(33.3128, 44.3615, 40.0)
    sensor_lat, sensor_lon, sensor_alt = 33.40, 44.50, 60.0
    sensor = geo.LocalFrame(sensor_lat, sensor_lon, sensor_alt)
    target = site.geodetic_to_enu(33.40, 44.50, 1060.0)  # straight above the sensor
    climbing = sensor.vector_to(site, np.array([0.0, 0.0, 5.0]))
    _, el, rng, rr = geo.sensor_measure(sensor, site, target, climbing)
    assert float(el) == pytest.approx(90.0, abs=1e-6)
    assert float(rng) == pytest.approx(1000.0, abs=1e-3)
    assert float(rr) == pytest.approx(5.0, abs=1e-6)


def test_range_rate_sign() -> None:
    assert geo.range_rate(np.array([100.0, 0, 0]), np.array([3.0, 0, 0])) == pytest.approx(3.0)
    assert geo.range_rate(np.array([100.0, 0, 0]), np.array([-3.0, 4, 0])) == pytest.approx(-3.0)
