"""Exact rank volumes: the focus's rank distribution under uniform weights, integrated exactly.

Every rank for two and three metrics, and for four metrics with up to
:data:`MAX_EXACT_M4_CONTRIBUTORS` contributors (signed cones over boundary pieces).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rankings.errors import AnalysisError
from rankings.sensitivity.linear import LinearProblem

# Exact rank volumes for four metrics: contributors supported (the cost grows like N^4),
# vertex values (of rows scaled to max 1) that count as on a plane, unit normals that
# count as the same plane, and probabilities below which a rank is round-off.
MAX_EXACT_M4_CONTRIBUTORS = 150
_VERTEX_EPS = 1e-12
_SAME_PLANE = 1e-10
_ROUND_OFF = 1e-13
def _distribution_m2(D: np.ndarray, tol: float) -> dict[int, float]:
    # w = (t, 1 - t): g_k(t) = d_k2 + t (d_k1 - d_k2); t is uniform on [0, 1].
    a, slope = D[:, 1], D[:, 0] - D[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(slope != 0, (tol - a) / slope, np.nan)
    cross = cross[np.isfinite(cross) & (cross > 0) & (cross < 1)]
    points = np.unique(np.concatenate([[0.0, 1.0], cross]))
    mids = (points[:-1] + points[1:]) / 2
    counts = np.count_nonzero(a[None, :] + mids[:, None] * slope[None, :] > tol, axis=1)
    out: dict[int, float] = {}
    for length, c in zip(np.diff(points), counts):
        out[1 + int(c)] = out.get(1 + int(c), 0.0) + float(length)
    return out


def _triangle_levels(p: np.ndarray, q: np.ndarray, r: np.ndarray, chunk: int = 512) -> np.ndarray:
    """Fraction of the triangle ``{x, y >= 0, x + y <= 1}`` where exactly k lines are positive.

    Line k is positive where ``p_k + q_k x + r_k y > 0``. Slab sweep over x: between
    consecutive x-coordinates of line-line and line-edge intersections no two lines
    cross, so every cell's vertical extent is linear in x and the midpoint rule
    integrates it exactly. Returns an array of length ``len(p) + 1`` summing to 1.
    Degenerate input is fine: lines with ``q = r = 0`` count by the sign of ``p``;
    coincident and concurrent lines, and lines along an edge or through a corner (which
    the M = 4 sections produce all the time), need no special case, because every
    count is decided at points strictly inside a slab and never on an edge.
    """
    n = len(p)
    # a line positive (negative) at all three corners is so on the whole triangle
    corners = np.stack([p, p + q, p + r])
    above, below = np.all(corners > 0, axis=0), np.all(corners < 0, axis=0)
    offset = int(np.count_nonzero(above))
    p, q, r = p[~(above | below)], q[~(above | below)], r[~(above | below)]
    xs = [np.array([0.0, 1.0])]
    with np.errstate(divide="ignore", invalid="ignore"):
        xs.append(-p / q)                          # y = 0
        xs.append(-(p + r) / (q - r))              # x + y = 1
        vertical = r == 0
        xs.append((-p / q)[vertical])
        i, j = np.triu_indices(len(p), 1)
        det = q[i] * r[j] - q[j] * r[i]
        ok = det != 0
        xs.append((r[i][ok] * p[j][ok] - r[j][ok] * p[i][ok]) / det[ok])
    x = np.concatenate(xs)
    x = np.unique(x[np.isfinite(x) & (x >= 0) & (x <= 1)])
    lefts, rights = x[:-1], x[1:]
    keep = rights - lefts > 0
    lefts, rights = lefts[keep], rights[keep]
    total = np.zeros(n + 1)
    sloped = r != 0
    ps, qs, rs = p[sloped], q[sloped], r[sloped]
    step = np.where(rs > 0, 1, -1)
    for start in range(0, len(lefts), chunk):
        xl, xr = lefts[start:start + chunk], rights[start:start + chunk]
        xm = (xl + xr) / 2
        width = xr - xl
        ymax = 1.0 - xm
        # lines not crossing the slab are signed half-way up it (robust when a line runs
        # along an edge); lines crossing it start positive below their crossing iff r < 0
        middle = p[None, :] + q[None, :] * xm[:, None] + r[None, :] * (ymax / 2)[:, None]
        if ps.size:
            H = -(ps[None, :] + qs[None, :] * xm[:, None]) / rs[None, :]
            inside = (H > 0) & (H < ymax[:, None])
            crossing = np.zeros(middle.shape, dtype=bool)
            crossing[:, sloped] = inside
            base_count = np.count_nonzero((middle > 0) & ~crossing, axis=1) + \
                np.count_nonzero(inside & (rs < 0)[None, :], axis=1)
            H = np.where(inside, H, ymax[:, None])
            signs = np.where(inside, step[None, :], 0)
            order = np.argsort(H, axis=1)
            Hs = np.take_along_axis(H, order, axis=1)
            Ss = np.take_along_axis(signs, order, axis=1)
            edges = np.hstack([np.zeros((len(xm), 1)), Hs, ymax[:, None]])
            lengths = np.diff(edges, axis=1)
            counts = base_count[:, None] + np.hstack([np.zeros((len(xm), 1), dtype=int), np.cumsum(Ss, axis=1)])
        else:
            lengths = ymax[:, None]
            counts = np.count_nonzero(middle > 0, axis=1)[:, None]
        total += np.bincount(offset + counts.ravel(), weights=(lengths * width[:, None]).ravel(), minlength=n + 1)
    return total * 2.0                             # the triangle has area 1/2


def _distribution_m3(D: np.ndarray, tol: float) -> dict[int, float]:
    """Slab sweep over x = w1 on the triangle {x, y >= 0, x + y <= 1}, y = w2.

    Rival k beats the focus where ``p_k + q_k x + r_k y > 0`` with ``p = d3 - tol``,
    ``q = d1 - d3``, ``r = d2 - d3`` (see :func:`_triangle_levels`).
    """
    levels = _triangle_levels(D[:, 2] - tol, D[:, 0] - D[:, 2], D[:, 1] - D[:, 2])
    return {1 + k: float(v) for k, v in enumerate(levels) if v > 0}


def _polytope_volume(A: np.ndarray, b: np.ndarray) -> float:
    """Volume of ``{x : A x + b <= 0}`` (bounded, 3-D) by Chebyshev centre + Qhull."""
    from scipy.optimize import linprog
    from scipy.spatial import ConvexHull, HalfspaceIntersection

    norms = np.linalg.norm(A, axis=1)
    keep = norms > 0
    if np.any(~keep & (b > 0)):
        return 0.0
    A, b, norms = A[keep], b[keep], norms[keep]
    d = A.shape[1]
    res = linprog(np.concatenate([np.zeros(d), [-1.0]]), A_ub=np.hstack([A, norms[:, None]]), b_ub=-b,
                  bounds=[(None, None)] * d + [(0, None)], method="highs")
    if res.status != 0 or res.x[-1] < 1e-10:
        return 0.0
    centre = res.x[:d]
    try:
        hs = HalfspaceIntersection(np.hstack([A, b[:, None]]), centre)
        return float(ConvexHull(hs.intersections).volume)
    except Exception as exc:  # Qhull precision trouble on a sliver
        raise AnalysisError(f"exact volume must be computable (Qhull failed: {str(exc).splitlines()[0]})") from None


def _first_and_last_volumes(D: np.ndarray, tol: float) -> dict[int, float]:
    """Ranks 1 and last for four metrics by Qhull: each is one convex polytope.

    An independent check of :func:`_distribution_m4` (used by the tests).
    """
    # x = (w1, w2, w3), w4 = 1 - sum; d.w - tol = (d_j - d_4) x + d_4 - tol.
    simplex_A = np.vstack([-np.eye(3), np.ones((1, 3))])
    simplex_b = np.array([0.0, 0.0, 0.0, -1.0])
    rivals = D[np.any(D != 0, axis=1)]          # identical rows always tie with the focus
    A_r = rivals[:, :3] - rivals[:, [3]]
    b_r = rivals[:, 3] - tol
    first = _polytope_volume(np.vstack([simplex_A, A_r]), np.concatenate([simplex_b, b_r])) * 6.0
    out = {1: first}
    if rivals.shape[0]:
        last = _polytope_volume(np.vstack([simplex_A, -A_r]), np.concatenate([simplex_b, -b_r])) * 6.0
        out[1 + rivals.shape[0]] = last
    return out


def _plane_polygon(e: np.ndarray) -> list[np.ndarray]:
    """Corners (weight vectors, in cyclic order) of ``{w in simplex : e . w = 0}``.

    ``e`` is scaled to ``max|e| = 1`` and takes both signs beyond ``_VERTEX_EPS`` at the
    vertices of the simplex; vertex values within it count as on the plane. The section
    is a triangle or, when two vertices lie on each side, a quadrilateral.
    """
    eye = np.eye(len(e))
    pos = [i for i in range(len(e)) if e[i] > _VERTEX_EPS]
    neg = [i for i in range(len(e)) if e[i] < -_VERTEX_EPS]
    on = [i for i in range(len(e)) if abs(e[i]) <= _VERTEX_EPS]

    def crossing(i: int, j: int) -> np.ndarray:
        t = e[i] / (e[i] - e[j])
        point: np.ndarray = (1.0 - t) * eye[i] + t * eye[j]
        return point

    if len(pos) == 2 and len(neg) == 2:
        (a, b), (c, d) = pos, neg
        return [crossing(a, c), crossing(a, d), crossing(b, d), crossing(b, c)]
    return [eye[i] for i in on] + [crossing(i, j) for i in pos for j in neg]


def _levels_on(E: np.ndarray, corners: Sequence[np.ndarray]) -> np.ndarray:
    """Fraction of the triangle ``corners`` (weight vectors) where exactly k rows of E are positive."""
    w0, w1, w2 = corners
    return _triangle_levels(E @ w0, E @ (w1 - w0), E @ (w2 - w0))


def _distribution_m4(D: np.ndarray, tol: float) -> dict[int, float]:
    """Every rank for four metrics, by the divergence theorem on each rank region.

    Write ``e_k = d_k - tol`` so that rival k beats the focus where ``e_k . w > 0``
    on the simplex (``sum w = 1``). The region ``R_c`` where exactly c rivals beat is a
    union of cells of the plane arrangement; with ``o`` the centroid of the simplex,
    ``vol(R_c) = sum over boundary pieces F of the signed volume of the cone from o
    over F`` (``(1/3) (x - o) . n dS`` integrated; ``(x - o) . n`` is constant on a
    plane). Boundary pieces lie on the simplex facets and on the rival planes:

    - a facet's cone is 1/4 of the simplex, split by the fraction of the facet where
      c rivals beat (a triangle with the rival lines on it, :func:`_triangle_levels`);
    - a rival plane's section of the simplex (a triangle or quadrilateral, cut into
      triangles) is split the same way by the other rivals' lines; a piece where m
      other rivals beat bounds ``R_{m + n+}`` on the plane's positive side and
      ``R_{m + n-}`` on its negative side (``n+`` and ``n-`` count the rivals on this
      very plane that beat on that side, so identical rivals are one plane), with cone
      volumes of opposite sign.

    Rivals whose plane misses the open simplex beat everywhere or nowhere and just
    shift the count. Every piece is an exact area, so the result is exact up to
    round-off; it costs one line arrangement per distinct plane, O(N^4) in all.
    """
    E = D - tol
    scale = np.max(np.abs(E), axis=1)
    E[scale == 0] = -1.0                       # d = tol exactly: e . w = 0, never beats
    E = E / np.where(scale == 0, 1.0, scale)[:, None]
    hi, lo = E.max(axis=1), E.min(axis=1)
    cutting = (hi > _VERTEX_EPS) & (lo < -_VERTEX_EPS)
    always = int(np.count_nonzero(~cutting & (hi > _VERTEX_EPS)))
    Ec = E[cutting]
    prob = np.zeros(E.shape[0] + 1)
    eye = np.eye(4)
    for j in range(4):                         # the facets w_j = 0
        levels = _levels_on(Ec, [eye[i] for i in range(4) if i != j])
        prob[always:always + len(levels)] += 0.25 * levels
    U = Ec / np.linalg.norm(Ec, axis=1, keepdims=True)
    done = np.zeros(len(Ec), dtype=bool)
    centre = np.full(3, 0.25)
    for k in range(len(Ec)):
        if done[k]:
            continue
        same = np.linalg.norm(U - U[k], axis=1) < _SAME_PLANE
        opposite = np.linalg.norm(U + U[k], axis=1) < _SAME_PLANE
        done |= same | opposite
        side = np.sign(Ec[k].mean())           # sign of e . o: which side the centroid is on
        if side == 0:
            continue                           # plane through o: its cones are flat
        n_plus, n_minus = int(np.count_nonzero(same)), int(np.count_nonzero(opposite))
        others = Ec[~(same | opposite)]
        corners = _plane_polygon(Ec[k])
        for t in range(1, len(corners) - 1):
            tri = (corners[0], corners[t], corners[t + 1])
            # six times the cone volume (probabilities are volumes over 1/6)
            weight = side * abs(float(np.linalg.det(np.array([c[:3] - centre for c in tri]))))
            levels = _levels_on(others, tri)
            prob[always + n_plus:always + n_plus + len(levels)] += weight * levels
            prob[always + n_minus:always + n_minus + len(levels)] -= weight * levels
    return {1 + c: float(v) for c, v in enumerate(prob) if v > _ROUND_OFF}


def exact_rank_distribution(problem: LinearProblem, focus: int | str) -> dict[int, float]:
    """Exact probability of each rank of the focus under uniform (Dirichlet(1)) weights.

    Parameters
    ----------
    problem : LinearProblem
        From :func:`rankings.sensitivity.linear.linear_problem`.
    focus : int or str
        Row index or contributor name.

    Returns
    -------
    dict
        rank -> probability, complete (summing to 1 up to round-off; ranks of
        probability below 1e-13 are left out). Ranks use the tie rule of
        ``problem.focus_rank`` (``d . w > tol`` beats). By number of metrics M:

        - M = 2: breakpoints on a segment, O(N log N);
        - M = 3: slab sweep of the line arrangement in the triangle, O(K N log N)
          with K <= N^2 / 2 intersections inside it;
        - M = 4: every rank, for at most ``MAX_EXACT_M4_CONTRIBUTORS`` (150)
          contributors. Each rank region's volume is a sum of signed cones from the
          centroid over its boundary pieces on the four facets and on the rival
          planes (the divergence theorem), and each piece is an exact area from the
          M = 3 sweep of the other rivals' lines on that facet or plane section, so
          the cost is O(N^4): about 2 ms at N = 10, 10 ms at N = 25, 20-60 ms at
          N = 50, 0.2-0.5 s at N = 100 and 0.6-2.5 s at N = 150.

    Raises
    ------
    AnalysisError
        With more than four metrics, or four metrics and more than
        ``MAX_EXACT_M4_CONTRIBUTORS`` contributors (sample with ``rankings
        sensitivity`` instead).

    References
    ----------
    Lahdelma R., Salminen P. (2001). Operations Research 49(3):444-454.
    """
    f = problem.table.contributor_index(focus) if isinstance(focus, str) else int(focus)
    n = problem.L.shape[0]
    if not 0 <= f < n:
        raise AnalysisError(f"focus must be a row of the table (got {focus})")
    m = problem.L.shape[1]
    if m > 4:
        raise AnalysisError(f"exact rank volumes need at most 4 metrics (got {m}); "
                            "use `rankings sensitivity` to sample the rank distribution")
    if m == 4 and n > MAX_EXACT_M4_CONTRIBUTORS:
        raise AnalysisError(f"exact rank volumes for 4 metrics support at most {MAX_EXACT_M4_CONTRIBUTORS} "
                            f"contributors (got {n}); use `rankings sensitivity` to sample the rank distribution")
    D = np.delete(problem.differences(f), f, axis=0)
    tol = problem.tolerance()
    if m == 1 or D.shape[0] == 0:
        return {1 + int(np.count_nonzero(D[:, 0] > tol)) if D.size else 1: 1.0}  # one weighting only
    if m == 2:
        return _distribution_m2(D, tol)
    if m == 3:
        return _distribution_m3(D, tol)
    return _distribution_m4(D, tol)


def exact_ranks_known(problem: LinearProblem) -> str:
    """Which ranks :func:`exact_rank_distribution` computes for this problem's size."""
    m = problem.L.shape[1]
    if m <= 3 or (m == 4 and problem.L.shape[0] <= MAX_EXACT_M4_CONTRIBUTORS):
        return "all"
    return "none"

