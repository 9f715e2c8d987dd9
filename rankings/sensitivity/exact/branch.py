"""Best or worst attainable rank by branch-and-bound over simplices of the weight polytope.

Why not only the MILP: with one binary per rival and big-M rows, the LP relaxation of the
bounds MILP is weak (every binary can sit at a fraction), so HiGHS branches for minutes at
N = 2,500 without closing the gap (issue #16). The weight polytope, however, has dimension
M - 1, which is 3 for the usual four metrics, and the rank is decided by the signs of
``e_k . w`` with ``e_k = d_k - tol`` (``sum w = 1``). On a simplex ``R`` of weights each
``e_k . w`` is linear, so its sign range over ``R`` is read off its values at the vertices
of ``R``, exactly:

- positive at every vertex: rival ``k`` beats the focus everywhere in ``R``;
- at most 0 at every vertex: it beats the focus nowhere in ``R``;
- otherwise its plane crosses ``R``: it stays *uncertain* and is handed to the children.

So ``1 + #always`` is a lower bound on the focus's rank in ``R`` and ``1 + #always +
#uncertain`` an upper bound, while every vertex is a weight vector whose rank is known: an
incumbent. Best-first bisection of the longest edge shrinks the regions; a region whose
bound cannot beat the incumbent is dropped, and when no region is left the incumbent is
proven optimal. The uncertain rivals of a child are a subset of its parent's, so the work
per region falls quickly with depth. A full arrangement (cell enumeration) would be exact
too, but a 3-D arrangement of N planes has O(N^3) cells (about 2.6e9 at N = 2,500); the
branch-and-bound only refines where the bound and the incumbent still disagree. An
incumbent from a seeded sample of the polytope (plus its vertices) starts the pruning.

Two exact steps end the bisection early: a region with at most :data:`.leaf.MAX_LEAF`
uncertain rivals is settled from the vertices of its own small arrangement
(:mod:`.leaf`), and a region whose uncertain rivals all tie the focus at one point (integer
tables) is bounded by the most of them ahead in one direction (:mod:`.ties`).
Degenerate tables that still keep regions open (an optimum reached only at a single
point, where no witness re-ranks to it) stop at a node budget and report what they have
(not proven); :mod:`.bounds` then falls back to the MILP.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from rankings.sensitivity.exact.leaf import MAX_LEAF, settle
from rankings.sensitivity.exact.ties import MAX_TIED, active_facets, cone_max, tangent_basis, tie_point

# Regions examined before the search gives up (degenerate tables; see the module docstring).
MAX_NODES = 200_000
# Weight vectors sampled for the starting incumbent (seeded: the proven answer does not depend on it).
START_SAMPLES = 4096
BRANCH_SOLVER = "branch-and-bound over weight simplices"
# Metrics up to which the search is tried (the polytope has dimension M - 1; the number of
# regions to refine grows quickly with it). Above, the MILP is used directly.
MAX_BRANCH_METRICS = 6


@dataclass(frozen=True)
class BranchOutcome:
    """Best (or worst) number of uncertain rivals beating the focus, its witness, and whether it is proven."""

    count: int
    weights: np.ndarray
    proven: bool
    nodes: int
    bound: int


def polytope_vertices(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Vertices of ``{lo <= w <= hi, sum w = 1}``: at least M - 1 coordinates sit at a limit."""
    m = len(lo)
    points = []
    for free in range(m):
        others = [j for j in range(m) if j != free]
        for pick in itertools.product((0, 1), repeat=m - 1):
            w = np.empty(m)
            for j, p in zip(others, pick):
                w[j] = hi[j] if p else lo[j]
            w[free] = 1.0 - w[others].sum()
            if lo[free] - 1e-12 <= w[free] <= hi[free] + 1e-12:
                w[free] = min(max(w[free], lo[free]), hi[free])
                points.append(w)
    V = np.array(points)
    _, keep = np.unique(np.round(V, 12), axis=0, return_index=True)
    return V[np.sort(keep)]


def triangulate(lo: np.ndarray, hi: np.ndarray) -> list[np.ndarray]:
    """Simplices (rows: vertex weight vectors) covering the limited weight polytope.

    The polytope may be lower-dimensional (a weight fixed by ``lo == hi``): it is
    triangulated in its affine hull.
    """
    V = polytope_vertices(lo, hi)
    if len(V) == 1:
        return [V]
    centre = V.mean(axis=0)
    _, s, vt = np.linalg.svd(V - centre)
    dim = int(np.count_nonzero(s > 1e-10 * max(1.0, float(s[0]))))
    if dim == 0:
        return [V[:1]]
    X = (V - centre) @ vt[:dim].T
    if dim == 1:
        order = np.argsort(X[:, 0])
        return [V[[order[0], order[-1]]]]
    from scipy.spatial import Delaunay

    tri = Delaunay(X)
    return [V[simplex] for simplex in tri.simplices]


def search(E: np.ndarray, lo: np.ndarray, hi: np.ndarray, worst: bool, *, tol: float = 0.0,
           max_nodes: int | None = None, seed: int = 0) -> BranchOutcome:
    """Fewest (``worst=False``) or most (``worst=True``) rows with ``e_k . w > 0`` over the polytope.

    ``E`` holds the uncertain rivals' ``d_k - tol`` (scaled); the caller adds the rivals
    that beat the focus everywhere. With ``tol > 0`` regions whose uncertain rivals all
    tie the focus at one point are settled by :mod:`.ties`.
    """
    K, m = E.shape
    max_nodes = MAX_NODES if max_nodes is None else max_nodes
    sign = -1 if worst else 1          # minimise sign * count
    best_w = np.full(m, np.nan)
    best = None
    inside = False                     # is the witness the centroid of a settled region?

    def offer(counts: np.ndarray, points: np.ndarray, settled: bool = False) -> None:
        nonlocal best, best_w, inside
        i = int(np.argmin(sign * counts))
        c = int(counts[i])
        if best is None or sign * c < sign * best or (c == best and settled and not inside):
            best, best_w, inside = c, points[i].copy(), settled

    # starting incumbent: a seeded sample of the polytope (rejection from Dirichlet(1)) and its vertices
    rng = np.random.default_rng(seed)
    W = rng.dirichlet(np.ones(m), size=START_SAMPLES)
    W = W[np.all((W >= lo) & (W <= hi), axis=1)]
    if len(W):
        offer(np.count_nonzero(E @ W.T > 0, axis=0), W)

    heap: list[tuple[int, int, np.ndarray, np.ndarray, np.ndarray, int, int]] = []
    # the tie analysis needs a full-dimensional polytope (its tangent cones have interiors)
    full = tol > 0 and bool(np.all(hi - lo > 1e-9)) and lo.sum() < 1 - 1e-9 < hi.sum() - 2e-9
    Q = tangent_basis(m)
    tick = itertools.count()
    stuck: list[int] = []
    pairs = {k: np.triu_indices(k, 1) for k in range(2, m + 1)}
    nodes = 0

    def push(V: np.ndarray, idx: np.ndarray, vals: np.ndarray, base: int, tied: int = 0) -> None:
        """Classify the rivals on region ``V`` and keep it if its bound can beat the incumbent."""
        nonlocal nodes
        nodes += 1
        positive = vals > 0
        at = positive.sum(axis=1)                       # vertices where each rival is ahead
        everywhere = at == len(V)
        crossing = (at > 0) & ~everywhere
        n_crossing = int(np.count_nonzero(crossing))
        if n_crossing == 0:
            # settled: every point of V has this rank; the centroid is the witness farthest from the planes
            offer(np.array([base + int(np.count_nonzero(everywhere))]), V.mean(axis=0, keepdims=True), True)
        offer(base + positive.sum(axis=0), V)
        base += int(np.count_nonzero(everywhere))
        bound = base + n_crossing if worst else base    # the most (fewest) beating anywhere in V
        assert best is not None
        if n_crossing and sign * bound < sign * best:
            if n_crossing == len(idx):
                # the split settled nothing here: worth asking whether the rivals tie at one point
                tied = -abs(tied) if tied else -n_crossing - 1
            else:
                idx, vals = idx[crossing], vals[crossing]
            heapq.heappush(heap, (sign * bound, next(tick), V, idx, vals, base, tied))

    everyone = np.arange(K)
    for V in triangulate(lo, hi):
        push(V, everyone, E @ V.T, 0)
    while heap and nodes < max_nodes:
        key, _, V, idx, vals, base, tied = heapq.heappop(heap)
        assert best is not None
        if key >= sign * best:
            continue                    # the incumbent improved since the region was queued
        # tied < 0: the last split left every rival uncertain; |tied|: crossing count at the last tie check
        if full and tied < 0 and len(idx) <= MAX_TIED and len(idx) < -tied:
            tied = len(idx)
            if _settle_tied(E, idx, V, base, tol, lo, hi, Q, worst, offer) >= sign * best:
                continue
        if len(idx) <= MAX_LEAF:
            # few planes left: the region's exact answer from its arrangement's vertices
            exact = sign * settle(V, vals, base, worst, offer, E[idx])
            if exact < sign * best:
                stuck.append(exact)     # exact, but no witness re-counted to it (round-off)
            continue
        # bisect the longest edge
        ia, ib = pairs[len(V)]
        diff = V[ia] - V[ib]
        j = int(np.argmax(np.einsum("ij,ij->i", diff, diff)))
        a, b = int(ia[j]), int(ib[j])
        tied = abs(tied)
        mid = (V[a] + V[b]) / 2
        mid_vals = E[idx] @ mid
        for replaced in (a, b):
            child_V = V.copy()
            child_V[replaced] = mid
            child_vals = vals.copy()
            child_vals[:, replaced] = mid_vals
            push(child_V, idx, child_vals, base, tied)
    assert best is not None
    open_keys = [k for k, *_ in heap if k < sign * best] + [k for k in stuck if k < sign * best]
    bound = best if not open_keys else sign * min(open_keys)
    return BranchOutcome(best, best_w, not open_keys, nodes, bound)


def _settle_tied(E: np.ndarray, idx: np.ndarray, V: np.ndarray, base: int, tol: float, lo: np.ndarray,
                 hi: np.ndarray, Q: np.ndarray, worst: bool, offer: Callable[..., None]) -> float:
    """Offer the witnesses of a common tie point of the region's uncertain rivals; return its bound.

    The bound (``sign * count``, comparable with the heap keys) holds on the whole region;
    without a tie point it is the trivial one.
    """
    sign = -1 if worst else 1
    trivial = sign * (base + len(idx)) if worst else float(base)
    D = E[idx] + tol
    p = tie_point(D, V.mean(axis=0), tol)
    if p is None or np.any(p < lo - 1e-12) or np.any(p > hi + 1e-12):
        return trivial
    p = np.clip(p, lo, hi)
    if not worst:
        # every uncertain rival ties the focus at p: p's rank is the fewest the region allows
        offer(np.array([np.count_nonzero(E @ p > 0)]), p[None, :])
        return trivial
    c, u = cone_max(D @ Q, active_facets(p, lo, hi) @ Q)
    if u is None or c < 0:
        return trivial
    step = Q @ u
    W = p[None, :] + np.logspace(-2, -9, 8)[:, None] * (step / np.max(np.abs(step)))[None, :]
    W = W[np.all((W >= lo) & (W <= hi), axis=1)]
    if len(W):
        offer(np.count_nonzero(E @ W.T > 0, axis=0), W)
    return float(sign * (base + c))


def centre(E: np.ndarray, w: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The point of ``w``'s cell (same sign of every ``e_k . w``) farthest from its planes.

    One LP (HiGHS): maximise the clearance ``t`` with ``s_k e_k . w >= t |e_k|`` on the
    limited simplex. A witness in the middle of its cell re-ranks the same way however the
    scores are rounded; where the cell is flat (``t = 0``) or the LP fails, ``w`` is kept.
    """
    from scipy.optimize import linprog

    m = len(w)
    s = np.where(E @ w > 0, 1.0, -1.0)
    norms = np.linalg.norm(E, axis=1)
    A = np.hstack([-s[:, None] * E, norms[:, None]])
    res = linprog(np.append(np.zeros(m), -1.0), A_ub=A, b_ub=np.zeros(len(E)),
                  A_eq=np.append(np.ones(m), 0.0)[None, :], b_eq=[1.0],
                  bounds=[*zip(lo, hi), (0.0, 1.0)], method="highs")
    if res.status != 0 or res.x[-1] <= 0:
        return w
    x = np.clip(res.x[:m], lo, hi)
    return x if np.array_equal(E @ x > 0, s > 0) else w
