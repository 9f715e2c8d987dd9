"""Aggregations: from a normalised matrix and weight vectors to scores.

Every kernel takes ``Z`` (N x M, oriented so that higher is better on every metric)
and ``W`` (S x M, each row non-negative and summing to 1) and returns an S x N matrix
of scores, higher is better. One weight vector is simply ``S = 1``. Kernels trust their
inputs: the methodology layer validates weights and data before calling them.

Several aggregations are *linear in the weights* on some matrix ``L`` derived from
``Z``: the score is a strictly increasing function of ``W @ L.T``. They expose ``L``
through :attr:`Aggregation.linear_form`, which lets the sensitivity engine use exact
geometry (breakpoints, linear programmes) instead of sampling.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from rankings.errors import AnalysisError, MethodologyError
from rankings.ranking import average_ranks

KEMENY_MAX_ALTERNATIVES = 12
"""Default largest number of distinct contributors for which the exact Kemeny search runs."""
KEMENY_ALTERNATIVES_CAP = 14
"""Largest ``max_alternatives`` a methodology may ask for. The search is O(2^K K^2) in
pure Python: measured about 0.14 s per ranking at K = 12, 0.25 s at 13, 0.4 s at 14, and
it more than doubles with each further contributor (a sensitivity run ranks thousands of
times)."""

_TIE = 1e-12


def arithmetic(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Weighted arithmetic mean, ``s_i = sum_j w_j z_ij`` (fully compensatory).

    References
    ----------
    Nardo M. et al. (2008). Handbook on Constructing Composite Indicators, OECD, 6.1.
    """
    return W @ Z.T


def _positive_log(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if (Z < 0).any():
        raise MethodologyError(
            "the geometric mean needs non-negative normalised values (got a negative one); "
            "use min-max with lower=1, ratio-to-leader or share"
        )
    zero = Z <= 0
    return np.where(zero, 0.0, np.log(np.where(zero, 1.0, Z))), zero


def geometric(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Weighted geometric mean, ``s_i = prod_j z_ij ** w_j``, computed in log space.

    Rule for zeros: a zero on a metric with positive weight makes the score 0 (the
    product is 0, a veto); a zero on a metric with weight 0 is ignored (``0 ** 0 = 1``).
    Negative values are an error. Partially compensatory; invariant to rescaling any
    metric by a positive constant.

    References
    ----------
    Nardo M. et al. (2008). Handbook on Constructing Composite Indicators, OECD, 6.1.
    """
    logs, zero = _positive_log(Z)
    log_score = W @ logs.T
    veto = (W > 0) @ zero.T.astype(float) > 0
    return np.where(veto, 0.0, np.exp(log_score))


def topsis(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """TOPSIS closeness to the ideal solution.

    With weighted values ``v_ij = w_j z_ij``, ideal ``A+_j = max_i v_ij`` and anti-ideal
    ``A-_j = min_i v_ij``, the score is ``C_i = D-_i / (D+_i + D-_i)`` where ``D±`` are
    Euclidean distances to ``A±``. Because ``w_j >= 0``, ``(v_ij - A+_j)^2 =
    w_j^2 (z_ij - max_i z_ij)^2``, so both distances are one matrix product per batch.
    Lower-is-better metrics arrive negated, which makes their ideal the column minimum
    as in the classic method. If every contributor sits on both points, ``C = 1/2``.

    References
    ----------
    Hwang C.L., Yoon K. (1981). Multiple Attribute Decision Making: Methods and
    Applications. Springer, pp. 128-140.
    """
    W2 = W * W
    d_plus = np.sqrt(W2 @ ((Z - Z.max(axis=0)) ** 2).T)
    d_minus = np.sqrt(W2 @ ((Z - Z.min(axis=0)) ** 2).T)
    total = d_plus + d_minus
    return np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)


def waspas(Z: np.ndarray, W: np.ndarray, lam: float = 0.5) -> np.ndarray:
    """WASPAS joint criterion, ``Q = lam * WSM + (1 - lam) * WPM``.

    ``WSM_i = sum_j w_j z_ij`` and ``WPM_i = prod_j z_ij ** w_j`` on linearly normalised
    values (ratio to the leader in the original method); ``lam = 0.5`` by default. The
    product follows the zero rule of :func:`geometric`.

    References
    ----------
    Zavadskas E.K., Turskis Z., Antucheviciene J., Zakarevicius A. (2012). Optimization
    of weighted aggregated sum product assessment. Elektronika ir Elektrotechnika
    122(6):3-6.
    """
    if not 0.0 <= lam <= 1.0:
        raise MethodologyError(f"WASPAS lambda must lie in [0, 1] (got {lam})")
    return lam * arithmetic(Z, W) + (1.0 - lam) * geometric(Z, W)


def _net_wins(Z: np.ndarray) -> np.ndarray:
    """Per metric, the number of contributors beaten minus the number beating, N x M."""
    n, m = Z.shape
    out = np.empty((n, m))
    for j in range(m):
        col = np.sort(Z[:, j])
        below = np.searchsorted(col, Z[:, j], side="left")
        above = n - np.searchsorted(col, Z[:, j], side="right")
        out[:, j] = below - above
    return out


def promethee_ii(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """PROMETHEE II net outranking flow with the usual criterion ``P(d) = 1[d > 0]``.

    ``pi(a, b) = sum_j w_j P(z_aj - z_bj)``, ``phi+(a) = sum_b pi(a, b) / (N - 1)``,
    ``phi-(a) = sum_b pi(b, a) / (N - 1)``, score ``phi(a) = phi+(a) - phi-(a)``. With
    the usual criterion the flow is linear in the weights:
    ``phi(a) = sum_j w_j (wins_aj - losses_aj) / (N - 1)``.

    References
    ----------
    Brans J.P., Vincke Ph. (1985). A preference ranking organisation method.
    Management Science 31(6):647-656.
    """
    n = Z.shape[0]
    if n < 2:
        return np.zeros((W.shape[0], n))
    return W @ (_net_wins(Z) / (n - 1)).T


def _points(Z: np.ndarray) -> np.ndarray:
    return average_ranks(Z) - 1.0


def borda(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Weighted Borda count on per-metric ranks, ``B_i = sum_j w_j (N - r_ij)``.

    ``r_ij`` is contributor i's rank on metric j (1 = best, ties take the average
    rank), so the best of N gets N - 1 points per unit of weight.

    References
    ----------
    de Borda J.-C. (1781). Memoire sur les elections au scrutin. Histoire de
    l'Academie Royale des Sciences.
    """
    return W @ _points(Z).T


def _pairwise(Z: np.ndarray) -> np.ndarray:
    """G[j, a, b] = 1 if a beats b on metric j, 1/2 if tied, 0 if beaten."""
    diff = Z.T[:, :, None] - Z.T[:, None, :]
    return (diff > 0) + 0.5 * (diff == 0)


def copeland(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Weighted Copeland score: wins minus losses in weighted pairwise majorities.

    ``e_ab = sum_j w_j (1[z_aj > z_bj] + 1/2 1[z_aj = z_bj])`` and
    ``C_a = sum_{b != a} sign(e_ab - 1/2)``.

    References
    ----------
    Copeland A.H. (1951). A reasonable social welfare function. University of Michigan
    seminar; Munda G., Nardo M. (2009). Noncompensatory/nonlinear composite indicators
    for ranking countries: a defensible setting. Applied Economics 41:1513-1523.
    """
    n, m = Z.shape
    G = _pairwise(Z).reshape(m, n * n)
    E = (W @ G).reshape(W.shape[0], n, n) - 0.5
    E[np.abs(E) <= _TIE] = 0.0
    return np.sign(E).sum(axis=2)


def _kemeny_order(P: np.ndarray, key: np.ndarray) -> list[int]:
    """Exact Kemeny order by dynamic programming over subsets.

    ``P[a, b]`` is the (weighted) support for "a before b". ``best[mask]`` is the largest
    support of any order of the set ``mask`` placed last. Among optimal orders, the one
    whose earlier positions go to larger ``key`` is returned, so no label decides.
    """
    n = P.shape[0]
    full = (1 << n) - 1
    best = np.full(1 << n, -np.inf)
    best[0] = 0.0
    members = [[i for i in range(n) if mask >> i & 1] for mask in range(1 << n)]
    for mask in range(1, 1 << n):
        inside = members[mask]
        value = -np.inf
        for a in inside:
            rest = mask & ~(1 << a)
            # a goes first among the elements of mask: it precedes all of rest
            gain = sum(P[a, b] for b in members[rest]) + best[rest]
            if gain > value:
                value = gain
        best[mask] = value
    order: list[int] = []
    mask = full
    while mask:
        candidates = []
        for a in members[mask]:
            rest = mask & ~(1 << a)
            total = sum(P[a, b] for b in members[rest]) + best[rest]
            if total >= best[mask] - 1e-9:
                candidates.append(a)
        pick = max(candidates, key=lambda a: tuple(key[a]))
        order.append(pick)
        mask &= ~(1 << pick)
    return order


def kemeny(Z: np.ndarray, W: np.ndarray, max_alternatives: int = KEMENY_MAX_ALTERNATIVES) -> np.ndarray:
    """Kemeny-Young consensus of the per-metric rankings, each metric a weighted voter.

    The consensus order maximises ``sum over pairs (a before b) of
    sum_j w_j (1[z_aj > z_bj] + 1/2 1[z_aj = z_bj])``. Solved exactly by dynamic
    programming over subsets (O(2^K K^2) for K distinct rows). Identical rows are merged
    first (they are adjacent in some optimal order) and share a score; among several
    optimal orders the one favouring higher Borda points, then higher values, is taken,
    so the answer never depends on names or row order. Score = minus the position.

    Raises an error above ``max_alternatives`` distinct contributors;
    ``max_alternatives`` itself is at most :data:`KEMENY_ALTERNATIVES_CAP`.

    References
    ----------
    Kemeny J.G. (1959). Mathematics without numbers. Daedalus 88(4):577-591;
    Young H.P., Levenglick A. (1978). A consistent extension of Condorcet's election
    principle. SIAM J. Appl. Math. 35(2):285-300.
    """
    if not 1 <= max_alternatives <= KEMENY_ALTERNATIVES_CAP:
        raise MethodologyError(
            f"kemeny max_alternatives must be an integer in [1, {KEMENY_ALTERNATIVES_CAP}] (got {max_alternatives!r})"
        )
    distinct, inverse, counts = np.unique(Z, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    k = distinct.shape[0]
    if k > max_alternatives:
        raise AnalysisError(
            f"exact Kemeny needs at most {max_alternatives} distinct contributors (got {k}); "
            "use borda or copeland, or --data with fewer rows"
        )
    m = Z.shape[1]
    G = _pairwise(distinct)
    weight_pairs = counts[:, None] * counts[None, :]
    points = _points(distinct)
    out = np.empty((W.shape[0], Z.shape[0]))
    for s, w in enumerate(W):
        P = np.tensordot(w, G, axes=(0, 0)) * weight_pairs
        key = np.column_stack([points @ w, distinct]) if m else points @ w
        order = _kemeny_order(P, key)
        position = np.empty(k)
        position[order] = np.arange(k)
        out[s] = 0.0 - position[inverse]
    return out


def lexicographic(Z: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Lexicographic order: metrics by decreasing weight, each breaking ties of the last.

    Ties in weight are broken by metric position; metrics with weight 0 are ignored.
    The score is the number of contributors strictly beaten, so the order is exactly
    the lexicographic one and equal rows tie.

    References
    ----------
    Fishburn P.C. (1974). Lexicographic orders, utilities and decision rules: a survey.
    Management Science 20(11):1442-1471.
    """
    n = Z.shape[0]
    out = np.empty((W.shape[0], n))
    priorities = [tuple(j for j in np.argsort(-w, kind="stable") if w[j] > 0) for w in W]
    cache: dict[tuple[int, ...], np.ndarray] = {}
    for s, prio in enumerate(priorities):
        if prio not in cache:
            keys = Z[:, list(prio)] if prio else np.zeros((n, 1))
            # sort rows lexicographically (first priority most significant)
            order = np.lexsort(keys.T[::-1])
            sorted_keys = keys[order]
            new = np.concatenate([[True], (np.diff(sorted_keys, axis=0) != 0).any(axis=1)])
            first_index = np.maximum.accumulate(np.where(new, np.arange(n), 0))
            score = np.empty(n)
            score[order] = first_index
            cache[prio] = score
        out[s] = cache[prio]
    return out


@dataclass(frozen=True)
class Aggregation:
    """An aggregation kernel with what the rest of the library needs to know about it.

    ``linear_form(Z)`` returns ``L`` such that scores are a strictly increasing function
    of ``W @ L.T``, or ``None`` when the aggregation is not of that form for this ``Z``.
    """

    name: str
    kernel: Callable[..., np.ndarray]
    description: str
    parameters: tuple[str, ...] = ()
    linear_form: Callable[[np.ndarray], np.ndarray | None] | None = None
    additive: bool = False
    """True when the score itself (not just its order) is ``W @ L.T``."""
    normalization: str | None = None
    """The normalisation the method's literature pairs with it, used by a what-if that changes
    the aggregation without naming a normalisation (TOPSIS: vector)."""
    scale_free: bool = False
    """True when rescaling a metric by a positive constant cannot change the order of the scores."""

    def __call__(self, Z: np.ndarray, W: np.ndarray, **params: Any) -> np.ndarray:
        return self.kernel(Z, W, **params)


def _log_form(Z: np.ndarray) -> np.ndarray | None:
    if (Z <= 0).any():
        return None
    return np.log(Z)


def _promethee_form(Z: np.ndarray) -> np.ndarray:
    return _net_wins(Z) / max(Z.shape[0] - 1, 1)


AGGREGATIONS: Mapping[str, Aggregation] = {
    a.name: a
    for a in (
        Aggregation("arithmetic", arithmetic, "weighted arithmetic mean", linear_form=lambda Z: Z, additive=True),
        Aggregation("geometric", geometric, "weighted geometric mean (zero on a weighted metric gives 0)",
                    linear_form=_log_form, scale_free=True),
        Aggregation("topsis", topsis, "closeness to the ideal point (TOPSIS)", normalization="vector"),
        Aggregation("waspas", waspas, "half weighted sum, half weighted product (WASPAS)", parameters=("lam",)),
        Aggregation("promethee-ii", promethee_ii, "PROMETHEE II net flow, usual criterion",
                    linear_form=_promethee_form, additive=True, scale_free=True),
        Aggregation("borda", borda, "weighted Borda count on per-metric ranks", linear_form=_points, additive=True,
                    scale_free=True),
        Aggregation("copeland", copeland, "weighted Copeland pairwise majority", scale_free=True),
        Aggregation("kemeny", kemeny, "exact Kemeny-Young consensus of per-metric rankings",
                    parameters=("max_alternatives",), scale_free=True),
        Aggregation("lexicographic", lexicographic, "lexicographic by decreasing weight", scale_free=True),
    )
}


def pairs(n: int) -> list[tuple[int, int]]:
    """All unordered index pairs of ``range(n)``."""
    return list(combinations(range(n), 2))
