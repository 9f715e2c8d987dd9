"""The exact best or worst count on one small region of the branch-and-bound, by its vertices.

Inside a simplex region ``R`` with vertices ``V`` write ``w = lambda . V`` (``lambda >= 0``,
``sum lambda = 1``): each uncertain rival's ``e_k . w`` is the linear form ``vals_k . lambda``
of its values at the vertices. The planes of the few rivals still uncertain and the facets
``lambda_i = 0`` make an arrangement with at most ``C(C + k, k - 1)`` vertices, and

- the fewest rivals ahead (closed "does not beat") is attained at one of them: the sets
  ``{count <= c}`` are unions of polytopes;
- the most rivals ahead is attained next to one of them: the best cell is an open polytope
  whose closure has a vertex ``p``, and next to ``p`` the count is that of the rivals
  positive at ``p`` plus the most of those through ``p`` positive in one direction of the
  region's tangent cone (:func:`.ties.cone_max`, exact however many planes meet there).

So a region with few uncertain rivals is settled at once instead of being bisected until
every plane is separated, which is where most of the search's regions went on tables whose
focus sits among many near-equal rivals.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from rankings.sensitivity.exact.ties import cone_max, tangent_basis

# Uncertain rivals up to which a region is settled by its vertices (C(C + 4, 3) small systems).
MAX_LEAF = 16
_ON = 1e-11


@lru_cache(maxsize=64)
def _combos(n: int, r: int) -> np.ndarray:
    return np.array(list(itertools.combinations(range(n), r)), dtype=np.intp).reshape(-1, r)


_COFACTORS = [((1, 2, 3), 1.0), ((0, 2, 3), -1.0), ((0, 1, 3), 1.0), ((0, 1, 2), -1.0)]


def _det3(a: np.ndarray, b: np.ndarray, c: np.ndarray, cols: tuple[int, int, int]) -> np.ndarray:
    i, j, k = cols
    return (a[:, i] * (b[:, j] * c[:, k] - b[:, k] * c[:, j]) - a[:, j] * (b[:, i] * c[:, k] - b[:, k] * c[:, i])
            + a[:, k] * (b[:, i] * c[:, j] - b[:, j] * c[:, i]))


def _vertices(vals: np.ndarray) -> np.ndarray:
    """Barycentric coordinates (rows) of the arrangement's vertices inside the region."""
    C, k = vals.shape
    rows = np.vstack([vals, np.eye(k)])
    rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-300)
    combos = _combos(C + k, k - 1)
    if k == 4:
        # three planes in barycentric 4-space meet on the line of their generalised cross
        # product (cofactors of the 3 x 4 matrix); it hits sum = 1 unless parallel to it
        a, b, c = rows[combos[:, 0]], rows[combos[:, 1]], rows[combos[:, 2]]
        n = np.stack([_det3(a, b, c, cols) * sgn for cols, sgn in _COFACTORS], axis=1)
        total = n.sum(axis=1)
        ok = np.abs(total) > 1e-10
        lam = n[ok] / total[ok, None]
        return lam[np.all(lam >= -1e-12, axis=1)]
    A = np.empty((len(combos), k, k))
    A[:, 0, :] = 1.0 / np.sqrt(k)
    A[:, 1:, :] = rows[combos]
    ok = np.abs(np.linalg.det(A)) > 1e-10
    b = np.zeros(k)
    b[0] = 1.0 / np.sqrt(k)
    lam = np.linalg.solve(A[ok], np.broadcast_to(b, (int(ok.sum()), k))[..., None])[..., 0]
    return lam[np.all(lam >= -1e-12, axis=1)]


def settle(V: np.ndarray, vals: np.ndarray, base: int, worst: bool, offer: Callable[..., None],
           E: np.ndarray) -> int:
    """The exact fewest (most) rivals ahead on the region, witnesses offered; the count is ``base`` plus
    the uncertain rivals ahead (rows ``E``, ``vals = E @ V.T``).

    Witnesses are counted at the point offered (``E @ w``), never from the arrangement; a
    vertex on a plane is offered only as a last resort and counted as beaten by that rival.
    """
    k = len(V)
    lam = _vertices(vals)
    if len(lam) == 0:                  # round-off lost every vertex: the bound of the bisection
        return base + len(vals) if worst else base
    g = lam @ vals.T
    Q = tangent_basis(k)
    scale = _ON * np.maximum(np.abs(vals).max(axis=1), 1e-300)
    on = np.abs(g) <= scale[None, :]
    positive = (g > 0) & ~on
    if worst:
        optimistic = np.count_nonzero(positive | on, axis=1)
        found = -1
        for i in np.argsort(-optimistic, kind="stable"):
            if optimistic[i] <= found:
                break
            c, u = cone_max(vals[on[i]] @ Q, np.eye(k)[lam[i] <= 1e-12] @ Q)
            if u is None or int(np.count_nonzero(positive[i])) + c <= found:
                continue
            found = int(np.count_nonzero(positive[i])) + c
            _offer_near(V, vals, lam[i], Q @ u, on[i], base, offer, E)
        return base + (found if found >= 0 else int(optimistic.max()))
    fewest = np.count_nonzero(positive, axis=1)
    low = int(fewest.min())
    for i in np.flatnonzero(fewest == low)[:4]:
        # step off the vertex along the direction that keeps the most planes through it behind (all
        # of them unless the fewest is reached only at the vertex itself, a tie of several rivals)
        c, u = cone_max(-vals[on[i]] @ Q, np.eye(k)[lam[i] <= 1e-12] @ Q)
        if u is not None:
            _offer_near(V, vals, lam[i], Q @ u, on[i], base, offer, E)
        w = lam[i] @ V
        offer(np.array([base + int(np.count_nonzero((E @ w > 0) | on[i]))]), w[None, :])
    return base + low


def _offer_near(V: np.ndarray, vals: np.ndarray, lam: np.ndarray, step: np.ndarray, on: np.ndarray, base: int,
                offer: Callable[..., None], E: np.ndarray) -> None:
    """Offer points ``lam + t step`` for a few small ``t`` that keep every plane off the vertex on its side."""
    g, lean = vals @ lam, vals @ step
    limits = np.abs(g[~on]) / np.maximum(np.abs(lean[~on]), 1e-300)
    inside = step < 0
    limits = np.concatenate([limits, lam[inside] / -step[inside]])
    t_max = 0.5 * float(limits[limits > 0].min()) if np.any(limits > 0) else 1.0
    T = t_max * np.array([1.0, 1e-2, 1e-4])
    L = np.clip(lam[None, :] + T[:, None] * step[None, :], 0.0, None)
    L /= L.sum(axis=1, keepdims=True)
    W = L @ V
    offer(base + np.count_nonzero(W @ E.T > 0, axis=1), W)
