"""Measurement-to-track association: spatial pre-gating, statistical gating, and global
nearest-neighbour (GNN) assignment solved per connected cluster.

Pre-gating queries a k-d tree of the batch's measurements with each track's own radius,
so the work grows with the number of plausible pairs, not with tracks x measurements.
The surviving pairs get an exact Mahalanobis gate in measurement space; the gated pairs
form a bipartite graph whose connected clusters are solved independently: isolated
pairs directly, the rest with a linear-assignment solver on a small dense matrix.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from skywarden.track import measure
from skywarden.track.measure import MeasurementBatch

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.intp]

CHI2_GATE: dict[int, float] = {1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52, 6: 22.46}
"""Chi-square quantiles at 0.999 by degrees of freedom: a true measurement falls outside
the gate one time in a thousand."""

PREGATE_SIGMAS = 4.5
"""Pre-gate radius in (upper-bound) standard deviations: wider than the exact gate of
any measurement dimension, which follows."""
MAX_CANDIDATES = 6
"""Measurements considered per track in one batch."""


def candidate_pairs(
    track_points: FloatArray,
    track_spread: FloatArray,
    meas_points: FloatArray,
    meas_spread: FloatArray,
) -> tuple[IntArray, IntArray]:
    """Track and measurement indices of every pair close enough to be worth a gate test:
    for each track, its ``MAX_CANDIDATES`` nearest measurements inside its pre-gate.

    Bounding the candidates per track keeps the work linear in the number of tracks
    even where wide gates overlap (a bearing line crossing a dense swarm): a
    measurement that is not among a track's few nearest is not the one it will get.
    """
    empty = np.zeros(0, dtype=np.intp)
    n, m = track_points.shape[0], meas_points.shape[0]
    if n == 0 or m == 0:
        return empty, empty
    from scipy.spatial import cKDTree

    tree = cKDTree(meas_points)
    radius = PREGATE_SIGMAS * np.sqrt(track_spread**2 + float(np.max(meas_spread)) ** 2)
    k = min(MAX_CANDIDATES, m)
    distance, index = tree.query(track_points, k=k, distance_upper_bound=float(radius.max()))
    distance = distance.reshape(n, k)
    index = index.reshape(n, k)
    inside = distance <= radius[:, None]
    tracks = np.broadcast_to(np.arange(n, dtype=np.intp)[:, None], (n, k))[inside]
    return tracks, index[inside].astype(np.intp)


def gate(
    batch: MeasurementBatch,
    x: FloatArray,
    p: FloatArray,
    tracks: IntArray,
    meas: IntArray,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Keep the pairs inside the chi-square gate; returns them with their GNN cost.

    The cost is the squared Mahalanobis distance plus the log-determinant of the
    innovation covariance, so that a vague tentative track does not win a measurement
    from a precise one just because its gate is wide.
    """
    if tracks.shape[0] == 0:
        return tracks, meas, np.zeros(0)
    zhat, jac = measure.predict(batch, x[tracks])
    nu = measure.innovation(batch, batch.z[meas], zhat)
    s = jac @ p[tracks] @ jac.transpose(0, 2, 1)
    diag = np.arange(batch.dim)
    s[:, diag, diag] += batch.sigma[meas] ** 2
    d2 = np.einsum("ki,ki->k", nu, np.linalg.solve(s, nu[:, :, None])[:, :, 0])
    _, logdet = np.linalg.slogdet(s)
    keep = d2 < CHI2_GATE[batch.dim]
    return tracks[keep], meas[keep], (d2 + logdet)[keep]


def assign(
    n_tracks: int, n_meas: int, tracks: IntArray, meas: IntArray, cost: FloatArray
) -> tuple[IntArray, IntArray]:
    """Global nearest-neighbour assignment of gated pairs: each track takes at most one
    measurement and each measurement goes to at most one track, the most pairs first and
    then the least total cost, solved cluster by cluster."""
    if tracks.shape[0] == 0:
        return tracks, meas
    track_deg = np.bincount(tracks, minlength=n_tracks)
    meas_deg = np.bincount(meas, minlength=n_meas)
    alone = (track_deg[tracks] == 1) & (meas_deg[meas] == 1)
    out_t = [tracks[alone]]
    out_m = [meas[alone]]
    shared = ~alone
    if shared.any():
        from scipy.optimize import linear_sum_assignment
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        st, sm, sc = tracks[shared], meas[shared], cost[shared]
        graph = coo_matrix(
            (np.ones(st.shape[0]), (st, sm + n_tracks)), shape=(n_tracks + n_meas,) * 2
        )
        _, labels = connected_components(graph, directed=False)
        cluster = labels[st]
        order = np.argsort(cluster, kind="stable")
        bounds = np.flatnonzero(np.diff(cluster[order])) + 1
        # Unassigned pairs cost more than any real pair, so the solver maximises the
        # number of assignments before it minimises their cost.
        big = float(np.max(np.abs(sc))) * 4.0 + 1e6
        for group in np.split(order, bounds):
            gt, gm, gc = st[group], sm[group], sc[group]
            rows, row_index = np.unique(gt, return_inverse=True)
            cols, col_index = np.unique(gm, return_inverse=True)
            matrix = np.full((rows.shape[0], cols.shape[0]), big)
            matrix[row_index, col_index] = gc
            r, c = linear_sum_assignment(matrix)
            real = matrix[r, c] < big
            out_t.append(rows[r[real]])
            out_m.append(cols[c[real]])
    return np.concatenate(out_t), np.concatenate(out_m)
