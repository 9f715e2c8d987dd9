"""Per-metric normalisations: pure, vectorised kernels that trust their callers.

Each function maps a matrix ``X`` (N contributors x M metrics, finite values) to a
matrix ``Z`` of the same shape in which **higher is always better**. ``higher`` is a
boolean vector of length M: ``True`` where the metric is higher-is-better, ``False``
where lower is better. How each normalisation turns a lower-is-better metric around
is stated in its docstring. A column with no spread (every value equal) maps to a
constant, so it cannot change any ranking.

Formulas follow the OECD/JRC Handbook (Nardo et al. 2008, section 5) and the
normalisation functions documented by the COINr package (Becker et al.).

References
----------
.. [1] Nardo M., Saisana M., Saltelli A., Tarantola S., Hoffmann A., Giovannini E.
   (2008). Handbook on Constructing Composite Indicators: Methodology and User Guide.
   OECD Publishing. ISBN 978-92-64-04345-9.
.. [2] Hwang C.L., Yoon K. (1981). Multiple Attribute Decision Making. Springer
   (vector normalisation).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from rankings.errors import MethodologyError

Normalizer = Callable[..., np.ndarray]


def _oriented(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """``X`` with lower-is-better columns negated (an order-reversing affine map)."""
    return np.where(higher[None, :], X, -X)


def _spread(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    span = high - low
    return np.where(span > 0, span, 1.0)


def none(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Raw values: ``z = x``; lower-is-better metrics are negated, ``z = -x``."""
    return _oriented(X, higher).astype(float)


def min_max(X: np.ndarray, higher: np.ndarray, lower: float = 0.0, upper: float = 1.0) -> np.ndarray:
    """Min-max rescaling onto ``[lower, upper]``.

    ``z = lower + (x - min x) / (max x - min x) * (upper - lower)``; for a
    lower-is-better metric ``(max x - x)`` replaces ``(x - min x)``. A constant column
    maps to ``lower``. COINr rescales onto [1, 100] before a geometric mean so that no
    value is zero.
    """
    O = _oriented(X, higher)
    low, high = O.min(axis=0), O.max(axis=0)
    return lower + (O - low) / _spread(low, high) * (upper - lower)


def z_score(X: np.ndarray, higher: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Standardisation: ``z = (x - mean x) / sd x``.

    ``sd`` is the sample standard deviation (``ddof = 1``, the Handbook's choice) unless
    ``ddof = 0`` is asked for. Lower-is-better metrics are negated: ``z = (mean - x)/sd``.
    A constant column maps to 0, and so does a column whose spread is within rounding
    of zero: the float mean of (0.1, 0.1, 0.1) is not exactly 0.1, so the raw formula
    would give -0.8165 for every row. The test is scikit-learn's
    (``sklearn.preprocessing._data._is_constant_feature``, after Chan, Golub and LeVeque
    1983): a variance ``var <= n eps var + (n eps mean)^2`` is rounding error.
    """
    O = _oriented(X, higher)
    n = O.shape[0]
    mean = O.mean(axis=0)
    centred = O - mean
    if n - ddof <= 0:
        return np.zeros_like(O, dtype=float)
    var = (centred**2).sum(axis=0) / n
    eps = np.finfo(float).eps
    constant = (O.max(axis=0) == O.min(axis=0)) | (var <= n * eps * var + (n * eps * mean) ** 2)
    sd = np.sqrt(var * n / (n - ddof))
    live = ~constant & (sd > 0)
    return np.where(live, centred / np.where(live, sd, 1.0), 0.0)


def _average_ranks_ascending(O: np.ndarray) -> np.ndarray:
    """Per column, the average rank from the bottom (1 = lowest), ties share the mean."""
    from rankings.ranking import average_ranks

    return average_ranks(O)


def rank(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Rank scores (Borda points): ``z = number of contributors below + half the ties``.

    Equivalent to ``average rank from the bottom - 1``; the best of N gets N - 1. For a
    lower-is-better metric the ranking is taken from the top instead.
    """
    return _average_ranks_ascending(_oriented(X, higher)) - 1.0


def percentile(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Percentile rank in [0, 1]: ``z = (r - 1) / (N - 1)`` with average ranks ``r``.

    Lower-is-better metrics rank from the top. With N = 1 every value maps to 1.
    """
    n = X.shape[0]
    if n < 2:
        return np.ones_like(X, dtype=float)
    return (_average_ranks_ascending(_oriented(X, higher)) - 1.0) / (n - 1)


def log_min_max(X: np.ndarray, higher: np.ndarray, lower: float = 0.0, upper: float = 1.0) -> np.ndarray:
    """``log(1 + x)`` then min-max: tames heavy-tailed counts.

    Needs ``x > -1``. The log is applied to the raw value, and min-max then turns a
    lower-is-better metric around as :func:`min_max` does.
    """
    if (X <= -1).any():
        raise MethodologyError("log-min-max needs every value above -1 (got a value <= -1)")
    return min_max(np.log1p(X), higher, lower=lower, upper=upper)


def share(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Share of the column total: ``z = x / sum x``.

    Needs non-negative values. For a lower-is-better metric the shares of reciprocals
    are used, ``z = (1/x) / sum(1/x)``, which needs positive values.
    """
    if (X < 0).any():
        raise MethodologyError("share normalisation needs non-negative values (got a negative value)")
    out = np.empty_like(X, dtype=float)
    for j in range(X.shape[1]):
        col = X[:, j].astype(float)
        if not higher[j]:
            if (col <= 0).any():
                raise MethodologyError("share of a lower-is-better metric needs positive values (got 0)")
            col = 1.0 / col
        total = col.sum()
        out[:, j] = col / total if total > 0 else 0.0
    return out


def ratio_to_leader(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Ratio to the best value: ``z = x / max x``; lower-is-better ``z = min x / x``.

    Needs non-negative values (positive for lower-is-better). The leader gets 1. This is
    the linear normalisation used by WASPAS (Zavadskas et al. 2012).
    """
    if (X < 0).any():
        raise MethodologyError("ratio-to-leader needs non-negative values (got a negative value)")
    out = np.empty_like(X, dtype=float)
    for j in range(X.shape[1]):
        col = X[:, j].astype(float)
        if higher[j]:
            top = col.max()
            out[:, j] = col / top if top > 0 else 0.0
        else:
            if (col <= 0).any():
                raise MethodologyError("ratio-to-leader of a lower-is-better metric needs positive values (got 0)")
            out[:, j] = col.min() / col
    return out


def distance_to_reference(X: np.ndarray, higher: np.ndarray, reference: Sequence[float] | np.ndarray) -> np.ndarray:
    """Ratio to a reference value per metric: ``z = x / ref`` (Handbook, Table 3).

    ``reference`` holds one positive value per metric (a reference contributor's row,
    or fixed targets). The reference scores 1. Lower-is-better: ``z = ref / x``, which
    needs positive values.
    """
    ref = np.asarray(reference, dtype=float)
    if ref.shape != (X.shape[1],) or (ref <= 0).any():
        raise MethodologyError(f"distance-to-reference needs one positive reference per metric (got {ref.tolist()})")
    out = np.where(higher[None, :], X / ref[None, :], 0.0)
    if not higher.all():
        low = ~higher
        if (X[:, low] <= 0).any():
            raise MethodologyError("distance-to-reference of a lower-is-better metric needs positive values (got 0)")
        out[:, low] = ref[low][None, :] / X[:, low]
    return out


def goalposts(
    X: np.ndarray,
    higher: np.ndarray,
    bounds: Sequence[tuple[float, float]],
    clip: bool = False,
) -> np.ndarray:
    """Fixed goalposts: ``z = (x - L) / (U - L)`` with external bounds ``(L, U)`` per metric.

    Lower-is-better: ``z = (U - x) / (U - L)``. Values outside the bounds extrapolate
    (``z < 0`` or ``z > 1``) unless ``clip`` is set, which truncates to [0, 1]. Because
    the bounds do not depend on the data, adding or removing a contributor never
    changes anyone else's normalised value (as in the UNDP Human Development Index).
    """
    b = np.asarray(bounds, dtype=float)
    if b.shape != (X.shape[1], 2) or not (b[:, 1] > b[:, 0]).all():
        raise MethodologyError(f"goalposts need bounds lo:hi with hi > lo for every metric (got {b.tolist()})")
    low, high = b[:, 0], b[:, 1]
    Z = np.where(higher[None, :], (X - low) / (high - low), (high - X) / (high - low))
    return np.clip(Z, 0.0, 1.0) if clip else Z


def vector(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Vector (Euclidean) normalisation: ``z = x / ||x||_2`` (classic TOPSIS, [2]).

    Lower-is-better metrics are negated after scaling, ``z = -x / ||x||_2``: under a
    weighted sum or TOPSIS this is exactly the classic treatment of a cost criterion
    (its ideal is the column minimum). An all-zero column maps to 0.
    """
    norms = np.sqrt((X.astype(float) ** 2).sum(axis=0))
    Z = X / np.where(norms > 0, norms, 1.0)
    return _oriented(Z, higher)


NORMALIZERS: Mapping[str, Normalizer] = {
    "none": none,
    "min-max": min_max,
    "z-score": z_score,
    "rank": rank,
    "percentile": percentile,
    "log-min-max": log_min_max,
    "share": share,
    "ratio-to-leader": ratio_to_leader,
    "distance-to-reference": distance_to_reference,
    "goalposts": goalposts,
    "vector": vector,
}

NORMALIZER_PARAMETERS: Mapping[str, tuple[str, ...]] = {
    "min-max": ("lower", "upper"),
    "log-min-max": ("lower", "upper"),
    "z-score": ("ddof",),
    "distance-to-reference": ("reference",),
    "goalposts": ("bounds", "clip"),
}


def apply(name: str, X: np.ndarray, higher: np.ndarray, **params: Any) -> np.ndarray:
    """Apply the normalisation called ``name`` with its parameters."""
    return NORMALIZERS[name](np.asarray(X, dtype=float), np.asarray(higher, dtype=bool), **params)
