"""Target motion: every target's true position and velocity at every time step.

All targets advance together, one fixed step at a time, as NumPy arrays: each step
computes every target's desired velocity for the leg it is on (fly to a point, hover,
orbit, hold a formation slot, scatter), then a first-order response limited by the
target's acceleration, climb rate and speed envelope, plus a random acceleration
(``jitter``: hover wobble, a bird's erratic flight). Terrain-following targets keep
their clearance above roofs ahead of them. Recorded trajectories are interpolated
onto the same time grid. Sensors then sample the stored states at any time by linear
interpolation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from skywarden.sim.scenario import Leg, Scenario, TargetSpec

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

STEP_S = 0.2
"""Integration step: short against drone manoeuvres, long enough to keep runs fast."""
RESPONSE_S = 1.0
"""Time constant of a target's response to a new desired velocity."""
POSITION_GAIN = 0.5
"""Desired speed (m/s) per metre of remaining distance when closing on a point (1/s)."""
ARRIVAL_M = 5.0
TERRAIN_LOOKAHEAD_S = 6.0
"""Terrain followers climb for the roofs they will reach this many seconds ahead."""
_LOOKAHEAD = np.linspace(0.0, TERRAIN_LOOKAHEAD_S, 7)
"""Times ahead at which a terrain follower looks at the roofs on its path."""
TERMINAL_ORBIT_M = {"fixed_wing": 80.0, "bird": 30.0, "helicopter": 250.0, "airliner": 3000.0}
"""Loiter radius of a target that has flown its whole route and cannot hover."""

_GOTO, _HOVER, _ORBIT, _FOLLOW, _SCATTER = range(5)
_KIND_CODES = {"goto": _GOTO, "hover": _HOVER, "orbit": _ORBIT, "follow": _FOLLOW,
               "scatter": _SCATTER}


@dataclass(frozen=True)
class Motion:
    """True states of all targets on a regular time grid (scenario seconds).

    ``pos`` and ``vel`` are ``(S, N, 3)`` site-ENU metres and m/s; ``active`` is
    ``(S, N)``: whether each target is in the air at each step.
    """

    step_s: float
    pos: FloatArray
    vel: FloatArray
    active: BoolArray

    @property
    def end_s(self) -> float:
        """The last time the grid covers."""
        return (len(self.pos) - 1) * self.step_s

    def sample(self, t_s: FloatArray, index: NDArray[np.intp]) -> tuple[
        FloatArray, FloatArray, BoolArray
    ]:
        """Positions, velocities and activity of targets ``index`` at times ``t_s``
        (same shape), linearly interpolated between steps."""
        x = np.clip(np.asarray(t_s, dtype=np.float64) / self.step_s, 0.0, len(self.pos) - 1.0)
        k = np.minimum(x.astype(np.intp), len(self.pos) - 2)
        w = (x - k)[..., None]
        pos = self.pos[k, index] * (1.0 - w) + self.pos[k + 1, index] * w
        vel = self.vel[k, index] * (1.0 - w) + self.vel[k + 1, index] * w
        active = self.active[k, index] & self.active[k + 1, index]
        return pos, vel, active

    def at(self, t_s: float) -> tuple[FloatArray, FloatArray, BoolArray]:
        """All targets at one time: ``(N, 3)`` positions and velocities, ``(N,)`` activity."""
        n = self.pos.shape[1]
        return self.sample(np.full(n, t_s), np.arange(n))


@dataclass
class _Legs:
    """Every target's route as padded ``(N, L)`` arrays."""

    kind: NDArray[np.intp]
    point: FloatArray
    speed: FloatArray
    duration: FloatArray
    radius: FloatArray
    sense: FloatArray
    leader: NDArray[np.intp]
    until: FloatArray
    count: NDArray[np.intp]


def _terminal(target: TargetSpec) -> tuple[Leg, ...]:
    """The route with what the target does once it is flown (unless it loops or never
    ends): a multirotor hovers, anything else loiters over its last point."""
    route = target.route
    if target.loop and route:
        return route
    if route and (math.isinf(route[-1].duration_s) or math.isinf(route[-1].until_s)) and (
        route[-1].kind != "goto" and route[-1].kind != "scatter"
    ):
        return route
    if target.model == "multirotor":
        return (*route, Leg("hover"))
    last = next((leg.point for leg in reversed(route) if leg.kind == "goto"),
                target.start_en_agl)
    return (*route, Leg("orbit", point=last, radius_m=TERMINAL_ORBIT_M[target.model]))


def _compile_legs(targets: Sequence[TargetSpec]) -> _Legs:
    routes = [_terminal(t) for t in targets]
    n, width = len(targets), max((len(r) for r in routes), default=1)
    index = {t.id: i for i, t in enumerate(targets)}
    legs = _Legs(
        kind=np.full((n, width), _HOVER, dtype=np.intp),
        point=np.zeros((n, width, 3)),
        speed=np.full((n, width), np.nan),
        duration=np.full((n, width), np.inf),
        radius=np.zeros((n, width)),
        sense=np.ones((n, width)),
        leader=np.zeros((n, width), dtype=np.intp),
        until=np.full((n, width), np.inf),
        count=np.array([len(r) for r in routes], dtype=np.intp),
    )
    for i, route in enumerate(routes):
        for j, leg in enumerate(route):
            legs.kind[i, j] = _KIND_CODES[leg.kind]
            legs.point[i, j] = leg.point
            legs.speed[i, j] = np.nan if leg.speed_mps is None else leg.speed_mps
            legs.duration[i, j] = leg.duration_s
            legs.radius[i, j] = leg.radius_m
            legs.sense[i, j] = 1.0 if leg.clockwise else -1.0
            legs.leader[i, j] = index[leg.leader] if leg.leader is not None else i
            legs.until[i, j] = leg.until_s
    return legs


def _limit_norm(v: FloatArray, limit: FloatArray) -> FloatArray:
    norm = np.linalg.norm(v, axis=-1)
    scale = np.where(norm > limit, limit / np.maximum(norm, 1e-12), 1.0)
    return np.asarray(v * scale[..., None], dtype=np.float64)


def simulate_motion(
    scenario: Scenario,
    duration_s: float,
    rng: np.random.Generator,
    progress: Callable[[float], None] | None = None,
) -> Motion:
    """Fly every target of the scenario for ``duration_s`` seconds."""
    targets = scenario.targets
    n = len(targets)
    steps = math.ceil(duration_s / STEP_S) + 1
    pos_hist = np.zeros((steps, n, 3))
    vel_hist = np.zeros((steps, n, 3))
    active_hist = np.zeros((steps, n), dtype=bool)
    if n == 0:
        return Motion(STEP_S, pos_hist, vel_hist, active_hist)

    env = [t.envelope for t in targets]
    cruise = np.array([e.speed_mps for e in env])
    accel = np.array([e.max_accel_mps2 for e in env])
    climb = np.array([e.climb_mps for e in env])
    min_speed = np.array([e.min_speed_mps for e in env])
    jitter = np.array([e.jitter_mps2 for e in env])
    clearance = np.array([np.nan if t.terrain_clearance_m is None else t.terrain_clearance_m
                          for t in targets])
    follows_terrain = np.flatnonzero(np.isfinite(clearance))
    start = np.array([t.start_s for t in targets])
    end = np.array([t.end_s for t in targets])
    loop = np.array([t.loop for t in targets])
    scripted = np.array([t.trajectory is not None for t in targets])
    legs = _compile_legs(targets)
    rows = np.arange(n)

    first = np.array([t.start_en_agl for t in targets], dtype=np.float64)
    pos = first.copy()
    pos[:, 2] = scenario.ground_up(first[:, 0], first[:, 1]) + first[:, 2]
    initial_vel = _initial_velocity(targets, first, cruise)
    vel = initial_vel.copy()
    current = np.zeros(n, dtype=np.intp)
    leg_t0 = start.copy()
    leg_p0 = pos.copy()

    for k in range(steps):
        t = k * STEP_S
        active = (t >= start) & (t < end)
        pos_hist[k], vel_hist[k], active_hist[k] = pos, vel, active
        if progress is not None and k % 500 == 0:
            progress(k / steps)
        kind = legs.kind[rows, current]
        point = legs.point[rows, current]
        leg_speed = legs.speed[rows, current]
        speed = np.where(np.isnan(leg_speed), cruise, leg_speed)
        ground = scenario.ground_up(pos[:, 0], pos[:, 1])

        # Where each leg kind wants to be.
        goal = point.copy()
        goal[:, 2] += scenario.ground_up(point[:, 0], point[:, 1])
        scatter = kind == _SCATTER
        goal[scatter, :2] = leg_p0[scatter, :2] + point[scatter, :2]
        goal[scatter, 2] = ground[scatter] + point[scatter, 2]
        hover = kind == _HOVER
        goal[hover] = leg_p0[hover]
        leader = legs.leader[rows, current]
        follow = kind == _FOLLOW
        goal[follow] = pos[leader[follow]] + point[follow]
        if len(follows_terrain):
            here = pos[follows_terrain, :2]
            ahead = here[None] + vel[None, follows_terrain, :2] * _LOOKAHEAD[:, None, None]
            roofs = scenario.buildings.roof_height_at(ahead[..., 0], ahead[..., 1]).max(axis=0)
            floor = ground[follows_terrain] + roofs + clearance[follows_terrain]
            goal[follows_terrain, 2] = np.maximum(goal[follows_terrain, 2], floor)

        delta = goal - pos
        distance = np.linalg.norm(delta[:, :2], axis=1)
        direction = delta[:, :2] / np.maximum(distance, 1e-9)[:, None]
        want = np.zeros((n, 3))
        want[:, :2] = direction * np.minimum(speed, distance * POSITION_GAIN)[:, None]
        want[:, 2] = np.clip(delta[:, 2] * POSITION_GAIN, -climb, climb)

        orbit = kind == _ORBIT
        if orbit.any():
            radial = pos[orbit, :2] - point[orbit, :2]
            r = np.maximum(np.linalg.norm(radial, axis=1), 1e-9)
            unit = radial / r[:, None]
            sense = legs.sense[rows[orbit], current[orbit]]
            tangent = np.column_stack([unit[:, 1], -unit[:, 0]]) * sense[:, None]
            radius = legs.radius[rows[orbit], current[orbit]]
            correction = np.clip((radius - r) * POSITION_GAIN, -speed[orbit], speed[orbit])
            want[orbit, :2] = tangent * speed[orbit, None] + unit * correction[:, None]
        if follow.any():
            want[follow] = vel[leader[follow]] + delta[follow] * 0.8

        # Leg changes: arrived, held long enough, or formation released.
        elapsed = t - leg_t0
        arrived = (distance < np.maximum(ARRIVAL_M, speed * STEP_S * 2.0)) & (
            np.abs(delta[:, 2]) < ARRIVAL_M
        )
        done = np.where((kind == _GOTO) | scatter, arrived,
                        elapsed >= legs.duration[rows, current])
        done |= follow & (t >= legs.until[rows, current])
        done &= active & ~scripted
        if done.any():
            following = current[done] + 1
            wrap = following >= legs.count[done]
            following = np.where(wrap & loop[done], 0,
                                 np.minimum(following, legs.count[done] - 1))
            current[done] = following
            leg_t0[done] = t
            leg_p0[done] = pos[done]

        # Response, limited by the envelope, plus random acceleration.
        acc = (want - vel) / RESPONSE_S
        acc[:, :2] = _limit_norm(acc[:, :2], accel)
        acc[:, 2] = np.clip(acc[:, 2], -accel, accel)
        acc += rng.normal(0.0, 1.0, (n, 3)) * (jitter[:, None] * np.array([1.0, 1.0, 0.3]))
        new_vel = vel + acc * STEP_S
        cap = np.where(follow, cruise * 1.5, np.maximum(cruise, speed) * 1.05)
        new_vel[:, :2] = _limit_norm(new_vel[:, :2], cap)
        new_vel[:, 2] = np.clip(new_vel[:, 2], -climb, climb)
        horizontal = np.linalg.norm(new_vel[:, :2], axis=1)
        slow = (horizontal < min_speed) & (min_speed > 0.0)
        if slow.any():
            heading = np.where(horizontal[slow, None] > 1e-6,
                               new_vel[slow, :2] / np.maximum(horizontal[slow, None], 1e-9),
                               direction[slow])
            new_vel[slow, :2] = heading * min_speed[slow, None]
        moving = active & ~scripted
        waiting = (t < start)[:, None]
        vel = np.where(moving[:, None], new_vel, np.where(waiting, initial_vel, 0.0))
        pos = pos + np.where(moving[:, None], vel, 0.0) * STEP_S
        pos[:, 2] = np.maximum(pos[:, 2], ground + 1.0)

    _replay_trajectories(scenario, pos_hist, vel_hist, active_hist)
    if progress is not None:
        progress(1.0)
    return Motion(STEP_S, pos_hist, vel_hist, active_hist)


def _initial_velocity(targets: Sequence[TargetSpec], first: FloatArray,
                      cruise: FloatArray) -> FloatArray:
    """Aircraft and fixed wings enter the scene already flying, at cruise speed towards
    their first waypoint (or orbit centre); multirotors and birds start from rest."""
    vel = np.zeros((len(targets), 3))
    for i, target in enumerate(targets):
        if target.model not in ("fixed_wing", "helicopter", "airliner") or not target.route:
            continue
        towards = np.asarray(target.route[0].point[:2]) - first[i, :2]
        distance = float(np.hypot(*towards))
        if distance > 1.0:
            vel[i, :2] = towards / distance * cruise[i]
    return vel


def _replay_trajectories(scenario: Scenario, pos: FloatArray, vel: FloatArray,
                         active: BoolArray) -> None:
    """Overwrite recorded-trajectory targets with their interpolated tracks."""
    times = np.arange(len(pos)) * STEP_S
    for i, target in enumerate(scenario.targets):
        track = target.trajectory
        if track is None:
            continue
        local = times - target.start_s
        inside = (local >= 0.0) & (local <= track[-1, 0]) & (times < target.end_s)
        east = np.interp(local, track[:, 0], track[:, 1])
        north = np.interp(local, track[:, 0], track[:, 2])
        up = scenario.ground_up(east, north) + np.interp(local, track[:, 0], track[:, 3])
        pos[:, i] = np.column_stack([east, north, up])
        vel[:, i] = np.gradient(pos[:, i], STEP_S, axis=0)
        vel[~inside, i] = 0.0
        active[:, i] = inside
