"""Turning scores into ranks: the one place where ties are decided.

Rank 1 is best (highest score). Scores that differ by no more than a tolerance tied
to the scale of the whole score vector are ties, so the same input ranks the same
whatever the row order or the BLAS build that produced the scores.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from rankings.errors import RankingsError

TieRule = Literal["competition", "dense", "average"]
TIE_RULES: tuple[str, ...] = ("competition", "dense", "average")

RELATIVE_TOLERANCE = 1e-9
ABSOLUTE_TOLERANCE = 1e-12


def tie_tolerance(scores: np.ndarray) -> float:
    """Largest gap treated as a tie: ``1e-9 * max|s| + 1e-12`` over the whole vector.

    A pairwise-relative tolerance would order an all-tie vector of round-off noise
    (see the project's research notes, section 2.4); a whole-vector scale does not.
    """
    finite = scores[np.isfinite(scores)]
    scale = float(np.max(np.abs(finite))) if finite.size else 0.0
    return RELATIVE_TOLERANCE * scale + ABSOLUTE_TOLERANCE


SMALL_N = 32
"""Up to this many scores, :func:`tie_groups` works on Python floats: numpy's per-call overhead
(about 100 us) dominates for the small tables of ``rankings check`` and the exact analyses."""


def _small_tie_groups(values: list[float]) -> np.ndarray:
    """:func:`tie_groups` on a short NaN-free list, the same arithmetic in Python floats.

    ``sorted`` is stable like ``argsort(kind="stable")``; ``inf - inf`` is NaN in both, and a
    NaN gap never starts a group.
    """
    finite = [abs(v) for v in values if v - v == 0.0]
    tol = RELATIVE_TOLERANCE * (max(finite) if finite else 0.0) + ABSOLUTE_TOLERANCE
    order = sorted(range(len(values)), key=lambda i: -values[i])
    groups = [0] * len(values)
    group = 0
    prev = values[order[0]]
    for i in order[1:]:
        cur = values[i]
        if prev - cur > tol:
            group += 1
        groups[i] = group
        prev = cur
    return np.array(groups, dtype=int)


def tie_groups(scores: np.ndarray) -> np.ndarray:
    """Group id per entry (0 = best group); entries closer than the tolerance share one.

    Groups are formed on the sorted scores by joining neighbours whose gap is within
    :func:`tie_tolerance`, so the result never depends on the input order. ``-inf``
    scores form one worst group; NaN is rejected.
    """
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise RankingsError(f"scores must be one-dimensional (got shape {scores.shape})")
    if np.isnan(scores).any():
        raise RankingsError("scores must not contain NaN")
    n = scores.size
    if n == 0:
        return np.zeros(0, dtype=int)
    if n <= SMALL_N:
        return _small_tie_groups(scores.tolist())
    tol = tie_tolerance(scores)
    order = np.argsort(-scores, kind="stable")
    sorted_scores = scores[order]
    with np.errstate(invalid="ignore"):
        gaps = sorted_scores[:-1] - sorted_scores[1:]
    # -inf - -inf is nan: two -inf scores are tied.
    new_group = np.where(np.isnan(gaps), False, gaps > tol)
    group_sorted = np.concatenate([[0], np.cumsum(new_group)])
    groups = np.empty(n, dtype=int)
    groups[order] = group_sorted
    return groups


def rank_scores(scores: np.ndarray, ties: str = "competition") -> np.ndarray:
    """Rank scores, higher is better, with a named tie rule.

    Parameters
    ----------
    scores : array of shape (N,)
    ties : {"competition", "dense", "average"}
        ``competition`` ("1224"): a tied group takes the best position it spans;
        ``dense`` ("1223"): groups are numbered consecutively;
        ``average`` ("1 2.5 2.5 4"): a tied group takes the mean of its positions.

    Returns
    -------
    ndarray
        Integer ranks (float for ``average``), 1 is best.

    Examples
    --------
    >>> rank_scores(np.array([3.0, 5.0, 5.0, 1.0])).tolist()
    [3, 1, 1, 4]
    >>> rank_scores(np.array([3.0, 5.0, 5.0, 1.0]), "dense").tolist()
    [2, 1, 1, 3]
    >>> rank_scores(np.array([3.0, 5.0, 5.0, 1.0]), "average").tolist()
    [3.0, 1.5, 1.5, 4.0]
    """
    if ties not in TIE_RULES:
        raise RankingsError(f"tie rule must be one of {', '.join(TIE_RULES)} (got {ties!r})")
    groups = tie_groups(scores)
    if groups.size == 0:
        return groups
    sizes = np.bincount(groups)
    if ties == "dense":
        return groups + 1
    before = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    if ties == "competition":
        return (before + 1)[groups]
    return (before + (sizes + 1) / 2.0)[groups]


def average_ranks(X: np.ndarray) -> np.ndarray:
    """Per column, ranks from the bottom (1 = smallest) with ties sharing their mean rank.

    Equal to ``scipy.stats.rankdata(X, method="average", axis=0)``; written here because
    importing ``scipy.stats`` costs most of a second, longer than a whole ``rankings rank``.
    """
    X = np.asarray(X, dtype=float)
    column = X.ndim == 1
    X2 = X[:, None] if column else X
    n, m = X2.shape
    out = np.empty((n, m))
    for j in range(m):
        values = X2[:, j]
        order = np.argsort(values, kind="stable")
        sorted_values = values[order]
        starts = np.concatenate([[True], sorted_values[1:] != sorted_values[:-1]])
        group = np.cumsum(starts) - 1
        first = np.flatnonzero(starts)
        sizes = np.diff(np.append(first, n))
        mean_rank = first + (sizes + 1) / 2.0
        out[order, j] = mean_rank[group]
    return out[:, 0] if column else out


def kendall_tau(ranks_a: np.ndarray, ranks_b: np.ndarray) -> float:
    """Kendall's tau-b between two rankings of the same contributors.

    ``tau_b = (concordant - discordant) / sqrt((n0 - ties_a) (n0 - ties_b))`` over all
    pairs, the tie-corrected form that ``scipy.stats.kendalltau`` computes by default.
    NaN when either ranking is constant or there are fewer than two contributors.
    """
    a = np.asarray(ranks_a, dtype=float)
    b = np.asarray(ranks_b, dtype=float)
    if a.size < 2:
        return float("nan")
    da = np.sign(a[:, None] - a[None, :])
    db = np.sign(b[:, None] - b[None, :])
    upper = np.triu_indices(a.size, k=1)
    da, db = da[upper], db[upper]
    n0 = da.size
    ties_a = np.count_nonzero(da == 0)
    ties_b = np.count_nonzero(db == 0)
    denominator = np.sqrt(float(n0 - ties_a) * float(n0 - ties_b))
    if denominator == 0:
        return float("nan")
    return float(np.sum(da * db) / denominator)
