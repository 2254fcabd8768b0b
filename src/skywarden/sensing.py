"""Physical sensor models: how likely a sensor is to detect a target, and how well.

One model serves the simulator (which draws detections from it) and the coverage
planner (which maps it over a grid), so both agree on what a site can see. Every
function is vectorised over targets: ``rel_enu`` is an ``(N, 3)`` array of target
offsets in the sensor's own east-north-up frame (metres), and the result is ``(N,)``.
Line of sight is not modelled here: callers combine these probabilities with the city
model (a building hides a target from every sensor type alike).

The detection model is the same for every sensor type, with a type-specific
propagation law and signature term::

    snr_db = ref_snr_db + signature_term - 10 * k * log10(range / ref_range_m)
    pd     = pfa ** (1 / (1 + snr))            (Swerling-1 fluctuating target)

``k`` is 4 for radar (two-way), 2 for cameras (pixels on target) and acoustic arrays
(spherical spreading, plus air absorption) and ``path_loss_exponent`` (urban, default
2.7) for RF receivers. ``ref_snr_db`` is chosen so that the reference target at
``ref_range_m`` is detected with the sensor's ``pd``; nothing is detected beyond
``max_range_m`` (the instrumented range), below ``min_range_m``, or outside the field
of view.

Site-file keys read here (``Sensor`` fields, then ``Sensor.params`` extras), with
defaults from ``DEFAULTS``:

- every type: ``max_range_m``, ``pd`` (probability of detecting the reference target
  at ``ref_range_m``), ``ref_range_m`` (default ``max_range_m``), ``pfa`` (false-alarm
  probability per resolution cell, sets the slope of the Pd curve), ``min_range_m``,
  ``az_center_deg`` and ``fov_az_deg`` (azimuth sector; 360 = all round),
  ``el_min_deg`` and ``el_max_deg`` (elevation limits).
- radar: ``ref_rcs_dbsm`` (RCS of the reference target), ``mti_blind_mps`` (moving-target
  indicator notch: targets whose radial speed is below it are filtered with the ground).
- rf: ``ref_eirp_dbm`` (reference emitter power), ``path_loss_exponent``.
- acoustic: ``ref_level_db`` (reference source level, dB SPL at 1 m),
  ``absorption_db_per_km``, ``wind_noise_db_per_mps`` (ambient noise rise with wind).
- eo: ``ref_size_m`` (reference target size).
- remoteid: ``ref_eirp_dbm`` (Wi-Fi/Bluetooth broadcast power), ``path_loss_exponent``.
- adsb: ``ref_eirp_dbm`` (1090 MHz transponder power), ``path_loss_exponent``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from skywarden.geo import enu_to_aer, range_rate
from skywarden.model import Sensor, SensorType, TargetClass

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class TargetSignature:
    """What a target offers each kind of sensor.

    ``rcs_dbsm`` is the radar cross-section (a small multirotor is about -20 dBsm, a
    pigeon about -30, a helicopter about +10). ``emitting`` is true while the target's
    radio control or video link is on (RF direction finders hear only those).
    ``acoustic_level_db`` is the source level in dB SPL at 1 m and ``f0_hz`` the rotor
    blade-pass fundamental. ``size_m`` is the largest visible dimension (for cameras).
    ``rf_eirp_dbm`` is the radiated power of its radio link and Remote ID broadcast;
    ``remote_id`` and ``adsb`` say whether it broadcasts those.
    """

    kind: TargetClass
    rcs_dbsm: float = -20.0
    emitting: bool = False
    acoustic_level_db: float = 78.0
    f0_hz: float | None = None
    size_m: float = 0.4
    rf_eirp_dbm: float = 20.0
    remote_id: bool = False
    adsb: bool = False


@dataclass(frozen=True, slots=True)
class SignatureArrays:
    """The signatures of many targets as ``(N,)`` arrays, for vectorised models."""

    rcs_dbsm: FloatArray
    emitting: BoolArray
    acoustic_level_db: FloatArray
    size_m: FloatArray
    rf_eirp_dbm: FloatArray
    remote_id: BoolArray
    adsb: BoolArray

    @staticmethod
    def of(signatures: Sequence[TargetSignature]) -> SignatureArrays:
        """Stack per-target signatures into arrays."""

        def floats(name: str) -> FloatArray:
            return np.array([getattr(s, name) for s in signatures], dtype=np.float64)

        def flags(name: str) -> BoolArray:
            return np.array([getattr(s, name) for s in signatures], dtype=np.bool_)

        return SignatureArrays(
            rcs_dbsm=floats("rcs_dbsm"),
            emitting=flags("emitting"),
            acoustic_level_db=floats("acoustic_level_db"),
            size_m=floats("size_m"),
            rf_eirp_dbm=floats("rf_eirp_dbm"),
            remote_id=flags("remote_id"),
            adsb=flags("adsb"),
        )


Signature = TargetSignature | SignatureArrays
"""One signature for all targets, or one per target."""

TYPICAL_SIGNATURES: Mapping[str, TargetSignature] = {
    "multirotor": TargetSignature(TargetClass.DRONE, rcs_dbsm=-20.0, acoustic_level_db=78.0,
                                  f0_hz=180.0, size_m=0.4),
    "fixed_wing": TargetSignature(TargetClass.DRONE, rcs_dbsm=-15.0, acoustic_level_db=80.0,
                                  f0_hz=120.0, size_m=1.8),
    "bird": TargetSignature(TargetClass.BIRD, rcs_dbsm=-30.0, acoustic_level_db=40.0,
                            size_m=0.35),
    "helicopter": TargetSignature(TargetClass.AIRCRAFT, rcs_dbsm=10.0, acoustic_level_db=115.0,
                                  f0_hz=22.0, size_m=12.0, adsb=True),
    "airliner": TargetSignature(TargetClass.AIRCRAFT, rcs_dbsm=20.0, acoustic_level_db=130.0,
                                size_m=40.0, adsb=True),
}
"""Signatures of common target models, the defaults of the scenario file."""


@dataclass(frozen=True, slots=True)
class TypeDefaults:
    """Defaults of one sensor type's model (see the module docstring for the keys)."""

    max_range_m: float
    pd: float
    exponent: float
    pfa: float = 1e-6
    min_range_m: float = 0.0
    el_min_deg: float = -10.0
    el_max_deg: float = 90.0
    reference: Mapping[str, float] = field(default_factory=dict)
    sigma: Mapping[str, float] = field(default_factory=dict)


DEFAULTS: Mapping[SensorType, TypeDefaults] = {
    SensorType.RADAR: TypeDefaults(
        max_range_m=5000.0, pd=0.9, exponent=4.0, min_range_m=30.0, el_min_deg=-5.0,
        el_max_deg=60.0, reference={"ref_rcs_dbsm": -20.0, "mti_blind_mps": 1.0},
        sigma={"range_m": 5.0, "az_deg": 0.5, "el_deg": 0.8, "rr_mps": 0.5},
    ),
    SensorType.RF: TypeDefaults(
        max_range_m=3000.0, pd=0.9, exponent=2.7, pfa=1e-4,
        reference={"ref_eirp_dbm": 20.0, "path_loss_exponent": 2.7},
        sigma={"az_deg": 3.0, "el_deg": 5.0, "freq_mhz": 0.5},
    ),
    SensorType.ACOUSTIC: TypeDefaults(
        max_range_m=400.0, pd=0.8, exponent=2.0, pfa=1e-4, el_min_deg=0.0,
        reference={"ref_level_db": 78.0, "absorption_db_per_km": 5.0,
                   "wind_noise_db_per_mps": 1.0},
        sigma={"az_deg": 4.0, "el_deg": 6.0, "f0_hz": 3.0},
    ),
    SensorType.EO: TypeDefaults(
        max_range_m=2500.0, pd=0.9, exponent=2.0, pfa=1e-4, el_min_deg=-20.0,
        reference={"ref_size_m": 0.4}, sigma={"az_deg": 0.2, "el_deg": 0.2},
    ),
    SensorType.REMOTEID: TypeDefaults(
        max_range_m=1500.0, pd=0.9, exponent=2.7, pfa=1e-4, el_min_deg=-90.0,
        reference={"ref_eirp_dbm": 20.0, "path_loss_exponent": 2.7},
    ),
    SensorType.ADSB: TypeDefaults(
        max_range_m=150_000.0, pd=0.95, exponent=2.0, pfa=1e-4, el_min_deg=-90.0,
        reference={"ref_eirp_dbm": 51.0, "path_loss_exponent": 2.0},
    ),
}
"""Default model parameters of each sensor type."""


def param(sensor: Sensor, key: str) -> float:
    """A numeric model parameter of a sensor: its field or ``params`` entry, else the
    type's default. ``KeyError`` when the type has no such parameter."""
    defaults = DEFAULTS[sensor.type]
    value: object = getattr(sensor, key, None) if key in _SENSOR_FIELDS else None
    if value is None:
        value = sensor.params.get(key)
    if value is None:
        if key == "ref_range_m":
            return param(sensor, "max_range_m")
        if key in defaults.reference:
            return defaults.reference[key]
        if key in _GEOMETRY_DEFAULTS:
            return _GEOMETRY_DEFAULTS[key]
        value = getattr(defaults, key)
    return float(value)  # type: ignore[arg-type]


_SENSOR_FIELDS = frozenset({"max_range_m", "pd", "clutter_per_scan", "period_s"})
_GEOMETRY_DEFAULTS: Mapping[str, float] = {"az_center_deg": 0.0, "fov_az_deg": 360.0}


def sigma(sensor: Sensor, name: str, wind_mps: float = 0.0) -> float:
    """The 1-sigma noise of a reported field: the site's value, else the type default.

    Acoustic bearings degrade in wind (turbulence and wind noise on the array): their
    angular sigma grows by 10 % per m/s.
    """
    value = sensor.sigma.get(name)
    if value is None:
        value = DEFAULTS[sensor.type].sigma.get(name, 0.0)
    if sensor.type is SensorType.ACOUSTIC and name in ("az_deg", "el_deg"):
        value *= 1.0 + 0.1 * max(wind_mps, 0.0)
    return float(value)


def _exponent(sensor: Sensor) -> float:
    if "path_loss_exponent" in DEFAULTS[sensor.type].reference:
        return param(sensor, "path_loss_exponent")
    return DEFAULTS[sensor.type].exponent


def reference_snr_db(sensor: Sensor) -> float:
    """The SNR (dB) at which the reference target at ``ref_range_m`` has Pd = ``pd``."""
    pd = min(max(param(sensor, "pd"), 1e-6), 1.0 - 1e-9)
    pfa = param(sensor, "pfa")
    snr = math.log(pfa) / math.log(pd) - 1.0
    return 10.0 * math.log10(max(snr, 1e-9))


def _signature_term(sensor: Sensor, signature: Signature) -> FloatArray:
    """Signature advantage (dB) over the sensor's reference target; -inf when the
    target offers nothing this sensor can detect."""
    kind = sensor.type
    if kind is SensorType.RADAR:
        return np.asarray(signature.rcs_dbsm, dtype=np.float64) - param(sensor, "ref_rcs_dbsm")
    if kind is SensorType.EO:
        size = np.maximum(np.asarray(signature.size_m, dtype=np.float64), 1e-3)
        return 20.0 * np.log10(size / param(sensor, "ref_size_m"))
    if kind is SensorType.ACOUSTIC:
        return (np.asarray(signature.acoustic_level_db, dtype=np.float64)
                - param(sensor, "ref_level_db"))
    if kind is SensorType.ADSB:
        return np.where(np.asarray(signature.adsb), 0.0, -np.inf)
    flag = signature.emitting if kind is SensorType.RF else signature.remote_id
    eirp = np.asarray(signature.rf_eirp_dbm, dtype=np.float64)
    return np.where(np.asarray(flag), eirp - param(sensor, "ref_eirp_dbm"), -np.inf)


def snr_db(
    sensor: Sensor, range_m: FloatArray, signature: Signature, *, wind_mps: float = 0.0
) -> FloatArray:
    """Signal-to-noise ratio (dB) of target(s) at slant range(s) ``range_m``."""
    r = np.maximum(np.asarray(range_m, dtype=np.float64), 1.0)
    loss = 10.0 * _exponent(sensor) * np.log10(r / param(sensor, "ref_range_m"))
    out = reference_snr_db(sensor) + _signature_term(sensor, signature) - loss
    if sensor.type is SensorType.ACOUSTIC:
        absorption = param(sensor, "absorption_db_per_km")
        out = out - absorption * (r - param(sensor, "ref_range_m")) / 1000.0
        out = out - param(sensor, "wind_noise_db_per_mps") * max(wind_mps, 0.0)
    return np.asarray(out, dtype=np.float64)


def pd_from_snr(sensor: Sensor, snr: FloatArray) -> FloatArray:
    """Swerling-1 detection probability at the sensor's false-alarm probability; zero
    where the SNR is minus infinity (the target offers nothing this sensor detects)."""
    snr = np.asarray(snr, dtype=np.float64)
    pd = np.power(param(sensor, "pfa"), 1.0 / (1.0 + np.power(10.0, snr / 10.0)))
    return np.asarray(np.where(np.isneginf(snr), 0.0, pd), dtype=np.float64)


def in_field_of_view(
    sensor: Sensor, az_deg: FloatArray, el_deg: FloatArray, range_m: FloatArray
) -> BoolArray:
    """True where a line of sight lies in the sensor's sector, elevation limits and
    range interval."""
    fov = param(sensor, "fov_az_deg")
    ok = (range_m <= param(sensor, "max_range_m")) & (range_m >= param(sensor, "min_range_m"))
    ok &= (el_deg >= param(sensor, "el_min_deg")) & (el_deg <= param(sensor, "el_max_deg"))
    if fov < 360.0:
        off = np.abs((az_deg - param(sensor, "az_center_deg") + 180.0) % 360.0 - 180.0)
        ok &= off <= fov / 2.0
    return np.asarray(ok, dtype=np.bool_)


def detection_probability(
    sensor: Sensor,
    rel_enu: FloatArray,
    signature: Signature,
    vel_enu: FloatArray | None = None,
    *,
    wind_mps: float = 0.0,
) -> FloatArray:
    """Probability that ``sensor`` detects each target in one look, line of sight aside.

    ``rel_enu`` holds ``(N, 3)`` target offsets in the sensor's own ENU frame (metres)
    and ``vel_enu`` their velocities in that frame (m/s); when velocities are given a
    radar's MTI notch zeroes targets with a radial speed below ``mti_blind_mps``
    (hovering or flying tangentially). ``wind_mps`` raises an acoustic array's noise.
    """
    rel = np.asarray(rel_enu, dtype=np.float64).reshape(-1, 3)
    az, el, rng = enu_to_aer(rel)
    pd = pd_from_snr(sensor, snr_db(sensor, rng, signature, wind_mps=wind_mps))
    pd = np.where(in_field_of_view(sensor, az, el, rng), pd, 0.0)
    if vel_enu is not None and sensor.type is SensorType.RADAR:
        rr = range_rate(rel, np.asarray(vel_enu, dtype=np.float64).reshape(-1, 3))
        pd = np.where(np.abs(rr) < param(sensor, "mti_blind_mps"), 0.0, pd)
    return np.asarray(pd, dtype=np.float64)
