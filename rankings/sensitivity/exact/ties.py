"""Regions where the rivals still uncertain all tie the focus at one weight vector.

Integer-valued tables (counts of papers, models) make many rivals tie the focus at the
same weights: their planes ``d_k . w = tol`` then pass within ``tol`` of one point ``p``
with ``d_k . p = 0``, and bisection alone never separates them (the cells between them
are about ``tol`` wide). Near such a point the rank is decided by directions instead:
rival ``k`` beats the focus at ``w`` only if ``d_k . (w - p) > 0``, so on any region whose
uncertain rivals all tie at ``p`` at most ``c`` of them beat the focus, where ``c`` is
the most of them positive in one direction of the tangent cone of the weight polytope at
``p`` (:func:`cone_max`); and ``p + eps * u`` along the best direction ``u`` is a weight
vector whose rank is counted exactly. :mod:`.branch` uses both, which closes the
search on such tables.
"""

from __future__ import annotations

import itertools

import numpy as np

# Uncertain rivals up to which a region is checked for a common tie point (the cone
# maximum enumerates pairs of planes; beyond this the region is bisected as usual).
MAX_TIED = 48
_EPS = 1e-12


def tie_point(D: np.ndarray, centre: np.ndarray, tol: float) -> np.ndarray | None:
    """The weight vector nearest ``centre`` with ``|d_k . p| <= tol / 2`` for every row, if any."""
    m = D.shape[1]
    A = np.vstack([D, np.ones(m)])
    b = np.append(np.zeros(len(D)), 1.0)
    p = centre + np.linalg.lstsq(A, b - A @ centre, rcond=None)[0]
    if np.max(np.abs(D @ p)) > tol / 2 or abs(p.sum() - 1.0) > 1e-9:
        return None
    return p


def tangent_basis(m: int) -> np.ndarray:
    """Orthonormal basis (m x (m-1)) of ``{u : sum u = 0}``."""
    q, _ = np.linalg.qr(np.vstack([np.ones(m), np.eye(m)[:-1]]).T)
    return q[:, 1:]


def cone_max(G: np.ndarray, F: np.ndarray) -> tuple[int, np.ndarray | None]:
    """Most rows of ``G`` positive at one direction ``u`` with ``F u > 0``, and such a ``u``.

    Exact: after reduction to the span of the rows, every cell of the central arrangement
    of ``G`` and ``F`` is a pointed cone, and next to each extreme ray ``r`` (where ``d-1``
    independent planes meet) the count is that of the rows off ``r`` plus the best count of
    the rows through ``r``, a problem of one dimension less. Returns ``(-1, None)`` when
    the cone ``F u > 0`` is empty.
    """
    d = G.shape[1]
    if len(F) and np.any(np.linalg.norm(F, axis=1) == 0):
        return -1, None                # 0 > 0 cannot hold
    G = G[np.linalg.norm(G, axis=1) > 0]   # a zero row is positive nowhere
    M = np.vstack([G, F])
    if M.shape[0] == 0 or d == 0:
        return 0, np.eye(d)[0] if d else np.zeros(0)
    _, s, vt = np.linalg.svd(M)
    rank = int(np.count_nonzero(s > _EPS * max(1.0, float(s[0]))))
    if rank == 0:
        return (0, np.eye(d)[0]) if len(F) == 0 else (-1, None)
    if rank == len(M):
        # independent rows (the usual vertex: as many planes as dimensions, or fewer): every
        # sign pattern occurs, so all of G can be positive together, at u with M u = 1
        u = np.linalg.lstsq(M, np.ones(len(M)), rcond=None)[0]
        return len(G), u
    if rank < d:
        B = vt[:rank].T
        c, u = cone_max(G @ B, F @ B)
        return c, None if u is None else B @ u
    if d == 1:
        best: tuple[int, np.ndarray | None] = (-1, None)
        for u in (np.ones(1), -np.ones(1)):
            if np.all(F @ u > 0):
                c = int(np.count_nonzero(G @ u > 0))
                if c > best[0]:
                    best = (c, u)
        return best
    # extreme rays: null vectors of (d-1)-subsets of independent rows, both orientations
    R = _rays(M)
    if len(R) == 0:
        return -1, None
    GR, FR = G @ R.T, F @ R.T
    scale = np.linalg.norm(M, axis=1)[:, None] * 1e-9
    on_G, on_F = np.abs(GR) <= scale[:len(G)], np.abs(FR) <= scale[len(G):]
    feasible = np.all((FR > 0) | on_F, axis=0)
    off = np.count_nonzero((GR > 0) & ~on_G, axis=0)
    optimistic = off + np.count_nonzero(on_G, axis=0)
    best = (-1, None)
    for i in np.argsort(-optimistic, kind="stable"):
        if not feasible[i] or optimistic[i] <= best[0]:
            continue
        r = R[i]
        basis = np.linalg.svd(r[None, :])[2][1:].T            # r's orthogonal complement
        c, v = cone_max(G[on_G[:, i]] @ basis, F[on_F[:, i]] @ basis)
        if v is None or off[i] + c <= best[0]:
            continue
        # step off r into the cell: small enough that no row off r changes sign
        step = basis @ v
        lean = np.abs(M @ step)
        margin = np.abs(M @ r)
        off_rows = ~np.concatenate([on_G[:, i], on_F[:, i]])
        delta = 0.5 * float(np.min(margin[off_rows] / np.maximum(lean[off_rows], 1e-300))) if off_rows.any() else 1.0
        best = (int(off[i] + c), r + min(delta, 1.0) * step)
    return best


def active_facets(p: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Rows ``f`` with ``f . u >= 0`` for the directions ``u`` that stay in the polytope at ``p``."""
    m = len(p)
    rows = [np.eye(m)[j] for j in range(m) if p[j] <= lo[j] + 1e-12]
    rows += [-np.eye(m)[j] for j in range(m) if p[j] >= hi[j] - 1e-12]
    return np.array(rows).reshape(-1, m)


def _rays(M: np.ndarray) -> np.ndarray:
    """Unit null vectors of every independent ``d - 1`` rows of ``M`` (d columns), both signs, deduplicated."""
    d = M.shape[1]
    unit = M / np.linalg.norm(M, axis=1, keepdims=True)
    if d == 2:
        R = np.stack([-unit[:, 1], unit[:, 0]], axis=1)
    elif d == 3:
        i, j = np.triu_indices(len(unit), 1)
        R = np.cross(unit[i], unit[j])
        norms = np.linalg.norm(R, axis=1)
        R = R[norms > 1e-9] / norms[norms > 1e-9, None]
    else:
        rays = []
        for rows in itertools.combinations(range(len(M)), d - 1):
            _, s_sub, vt_sub = np.linalg.svd(unit[list(rows)])
            if len(s_sub) == d - 1 and s_sub[-1] > 1e-9:
                rays.append(vt_sub[-1])
        R = np.array(rays).reshape(-1, d)
    R = np.vstack([R, -R])
    _, keep = np.unique(np.round(R, 9), axis=0, return_index=True)
    return R[np.sort(keep)]
