"""Where each protected asset (a convoy) is, and how fast it moves.

An asset with ``speed_mps`` and ``start_t`` follows its route: before ``start_t`` it
waits at the first point, then it drives along the polyline at that speed and stops
at the last point. An asset told its position by a live feed (:meth:`AssetPositions.report`)
is where the latest report puts it, moving at the velocity of its last two reports;
the feed, when there is one, wins over the timetable. An asset with a one-point route
stands still there. Any other asset has no known position and is not protected until a
report arrives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray

from skywarden.geo import LocalFrame
from skywarden.model import Asset
from skywarden.warn.zones import project_lonlat

FloatArray = NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class AssetState:
    """An asset's east-north position (m) and velocity (m/s) at one time."""

    asset: Asset
    en: FloatArray
    vel_en: FloatArray


@dataclass(slots=True)
class _Feed:
    t: float
    en: FloatArray
    vel_en: FloatArray


class AssetPositions:
    """Positions of all assets of a site, from their timetables or a live feed."""

    def __init__(self, assets: tuple[Asset, ...], frame: LocalFrame) -> None:
        self._frame = frame
        self._assets = {a.id: a for a in assets}
        self._routes = {
            a.id: shapely.LineString(project_lonlat(frame, a.route))
            for a in assets if len(a.route) >= 2
        }
        self._feeds: dict[str, _Feed] = {}

    def report(self, asset_id: str, t: float, lat: float, lon: float) -> None:
        """A live position of an asset; ``KeyError`` for an asset the site does not have."""
        if asset_id not in self._assets:
            raise KeyError(asset_id)
        en = np.asarray(self._frame.geodetic_to_enu(lat, lon, self._frame.alt_m)[:2])
        previous = self._feeds.get(asset_id)
        vel = np.zeros(2)
        if previous is not None and t > previous.t:
            vel = (en - previous.en) / (t - previous.t)
        if previous is None or t >= previous.t:
            self._feeds[asset_id] = _Feed(t, en, vel)

    def states(self, t: float) -> list[AssetState]:
        """Every asset whose position is known at ``t``, in site order."""
        out = []
        for asset in self._assets.values():
            state = self._state(asset, t)
            if state is not None:
                out.append(state)
        return out

    def _state(self, asset: Asset, t: float) -> AssetState | None:
        feed = self._feeds.get(asset.id)
        if feed is not None:
            return AssetState(asset, feed.en + feed.vel_en * max(t - feed.t, 0.0), feed.vel_en)
        if len(asset.route) == 1:
            return AssetState(asset, project_lonlat(self._frame, asset.route)[0], np.zeros(2))
        route = self._routes.get(asset.id)
        if route is None or asset.speed_mps is None or asset.start_t is None:
            return None
        travelled = asset.speed_mps * (t - asset.start_t)
        along = min(max(travelled, 0.0), route.length)
        here = route.interpolate(along)
        vel = np.zeros(2)
        if 0.0 < travelled < route.length:
            ahead = route.interpolate(min(along + 1.0, route.length))
            step = np.array([ahead.x - here.x, ahead.y - here.y])
            norm = float(np.linalg.norm(step))
            if norm > 0.0:
                vel = step / norm * asset.speed_mps
        return AssetState(asset, np.array([here.x, here.y]), vel)
