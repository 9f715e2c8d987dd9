"""Weights derived from the data: entropy, CRITIC, principal components, standard deviation, MEREC, equal.

A methodology may write ``weights = "entropy"`` (or another name of :data:`SCHEMES`) instead
of a table of numbers: its weights are then computed from the contributor table it scores,
after its preparation (directions, missing rule, outlier treatment), so they change with the
lens, the data snapshot and the imputation like any other derived quantity. Every function
here takes the N x M matrix of values read and a boolean vector ``higher`` (True where a
higher value is better) and returns M non-negative weights summing to 1; none of them reads
a contributor's name, and bad shapes or values raise :class:`~rankings.errors.WeightError`
with a one-line message.

The schemes measure how much the metrics *discriminate* (spread, contrast, conflict), not how
much they matter to anyone: the Handbook's warning (Nardo et al. 2008, §6) that statistical
weights correct for overlap and dispersion, and are not importance coefficients, applies.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from rankings.errors import WeightError

WeightScheme = Callable[[np.ndarray, np.ndarray], np.ndarray]

PCA_SHARE = 0.10
"""A principal component is kept when it explains more than this share of the variance (Handbook §6.1 (ii))."""
PCA_CUMULATIVE = 0.60
"""...and components are added until they explain more than this share together (Handbook §6.1 (iii))."""


def _checked(X: np.ndarray, higher: np.ndarray, scheme: str, *, positive: bool = False,
             nonnegative: bool = False) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=float)
    higher = np.asarray(higher, dtype=bool)
    if X.ndim != 2 or X.shape[1] != higher.shape[0]:
        raise WeightError(f"{scheme} weights need an N x M matrix and M directions (got {X.shape} and {higher.shape})")
    if X.shape[0] < 2:
        raise WeightError(f"{scheme} weights need at least 2 contributors (got {X.shape[0]})")
    if np.isnan(X).any():
        raise WeightError(f"{scheme} weights need every value present (got {int(np.isnan(X).sum())} missing); "
                          "choose a missing rule that fills or drops them")
    if positive and (X <= 0).any():
        raise WeightError(f"{scheme} weights need positive values (got a minimum of {X.min():g}); "
                          "shift the data or choose another scheme")
    if nonnegative and (X < 0).any():
        raise WeightError(f"{scheme} weights need non-negative values (got a minimum of {X.min():g})")
    return X, higher


def _unit(raw: np.ndarray, scheme: str) -> np.ndarray:
    raw = np.where(np.isfinite(raw), np.maximum(raw, 0.0), 0.0)
    total = raw.sum()
    if not total > 0:
        raise WeightError(f"{scheme} weights are undefined on this table (every metric is constant)")
    return raw / total


def _min_max(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    Z = (X - lo) / span
    return np.where(higher, Z, 1.0 - Z) * (hi > lo)


def equal_weights(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """``w_j = 1 / M``: the OECD/JRC Handbook's default when nothing argues for another scheme (§6)."""
    X, higher = _checked(X, higher, "equal")
    return np.full(X.shape[1], 1.0 / X.shape[1])


def entropy_weights(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Shannon-entropy weights: a metric on which contributors differ more gets more weight.

    ``p_ij = x_ij / sum_i x_ij``, ``E_j = -sum_i p_ij ln p_ij / ln N`` (with ``0 ln 0 = 0``),
    ``w_j = (1 - E_j) / sum_k (1 - E_k)``. Values must be non-negative (shares of a total); the
    direction does not enter (the entropy of a column is that of its shares).

    References
    ----------
    Zeleny M. (1982). Multiple Criteria Decision Making. McGraw-Hill, ch. 7 (entropy as contrast intensity).
    Hwang C.L., Yoon K. (1981). Multiple Attribute Decision Making. Springer, §4.1 (the entropy method).
    """
    X, higher = _checked(X, higher, "entropy", nonnegative=True)
    totals = X.sum(axis=0)
    if (totals <= 0).any():
        j = int(np.flatnonzero(totals <= 0)[0])
        raise WeightError(f"entropy weights need a positive total in every metric (got 0 in column {j + 1})")
    P = X / totals
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * np.log(P), 0.0)
    E = -terms.sum(axis=0) / np.log(X.shape[0])
    return _unit(1.0 - E, "entropy")


def std_weights(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Standard-deviation weights: ``w_j`` proportional to the standard deviation (ddof 1) of
    the min-max normalised metric ``z_ij``.

    References
    ----------
    Diakoulaki D., Mavrotas G., Papayannakis L. (1995), §2 (the contrast term of CRITIC on its own).
    """
    X, higher = _checked(X, higher, "std")
    return _unit(_min_max(X, higher).std(axis=0, ddof=1), "std")


def critic_weights(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """CRITIC (CRiteria Importance Through Intercriteria Correlation).

    With ``z_ij`` the min-max normalised values (costs inverted), ``s_j`` the standard deviation
    of column ``j`` (ddof 1) and ``r_jk`` the Pearson correlation of columns ``j`` and ``k``:
    ``C_j = s_j * sum_k (1 - r_jk)``, ``w_j = C_j / sum_k C_k``. A metric that spreads the
    contributors widely and disagrees with the others carries more information.

    References
    ----------
    Diakoulaki D., Mavrotas G., Papayannakis L. (1995). Determining objective weights in multiple
    criteria problems: the CRITIC method. Computers & Operations Research 22(7):763-770.
    """
    X, higher = _checked(X, higher, "critic")
    Z = _min_max(X, higher)
    s = Z.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        R = np.corrcoef(Z, rowvar=False) if Z.shape[1] > 1 else np.ones((1, 1))
    R = np.where(np.isfinite(np.atleast_2d(R)), np.atleast_2d(R), 0.0)
    return _unit(s * (1.0 - R).sum(axis=0), "critic")


def merec_weights(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """MEREC (MEthod based on the Removal Effects of Criteria).

    ``n_ij = min_k x_kj / x_ij`` for a benefit metric and ``x_ij / max_k x_kj`` for a cost;
    ``S_i = ln(1 + (1/M) sum_j |ln n_ij|)``; ``S'_ij`` the same with metric ``j`` left out of
    the sum (the divisor stays M); ``E_j = sum_i |S'_ij - S_i|``; ``w_j = E_j / sum_k E_k``.
    Values must be positive.

    References
    ----------
    Keshavarz-Ghorabaee M., Amiri M., Zavadskas E.K., Turskis Z., Antucheviciene J. (2021).
    Determination of objective weights using a new method based on the removal effects of
    criteria (MEREC). Symmetry 13(4):525.
    """
    X, higher = _checked(X, higher, "merec", positive=True)
    N = np.where(higher, X.min(axis=0) / X, X / X.max(axis=0))
    A = np.abs(np.log(N))
    m = X.shape[1]
    S = np.log1p(A.sum(axis=1) / m)
    S_without = np.log1p((A.sum(axis=1, keepdims=True) - A) / m)
    return _unit(np.abs(S_without - S[:, None]).sum(axis=0), "merec")


def _varimax(L: np.ndarray, iterations: int = 500, tol: float = 1e-10) -> np.ndarray:
    """Kaiser's varimax rotation of a loading matrix (raw, without Kaiser normalisation).

    Written here (a dozen lines of linear algebra) because scipy has no factor rotation and
    the project's dependencies carry none.
    """
    p, k = L.shape
    if k < 2:
        return L
    R = np.eye(k)
    last = 0.0
    for _ in range(iterations):
        LR = L @ R
        u, s, vt = np.linalg.svd(L.T @ (LR ** 3 - LR @ np.diag((LR ** 2).sum(axis=0)) / p))
        R = u @ vt
        if s.sum() < last * (1 + tol):
            break
        last = s.sum()
    return L @ R


def pca_weights(X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """Weights from principal components, as in the OECD/JRC Handbook (Nardo et al. 2008, §6.1).

    1. Principal components of the correlation matrix of the metrics (costs sign-flipped).
    2. Keep the components that each explain more than :data:`PCA_SHARE` of the variance,
       adding components until together they explain more than :data:`PCA_CUMULATIVE`.
    3. Rotate the kept loadings (varimax).
    4. Square the rotated loadings and scale each factor's column to unity sum (divide by the
       variance the factor explains after rotation).
    5. Each metric joins the factor on which its scaled squared loading is largest, with that
       value as its weight inside the factor; a factor weighs its share of the variance explained
       by the kept factors. ``w_j`` = scaled squared loading x factor share, rescaled to sum 1.

    Needs more contributors than metrics (a correlation matrix of M metrics from N <= M rows is
    singular, and its components describe the sample, not the metrics).

    References
    ----------
    Nardo M., Saisana M., Saltelli A., Tarantola S., Hoffman A., Giovannini E. (2008). Handbook on
    Constructing Composite Indicators: Methodology and User Guide. OECD/JRC. §6.1, Tables 16-18.
    Nicoletti G., Scarpetta S., Boylaud O. (2000). Summary indicators of product market regulation.
    OECD Economics Department Working Paper 226.
    """
    X, higher = _checked(X, higher, "pca")
    n, m = X.shape
    if n <= m:
        raise WeightError(f"pca weights need more contributors than metrics (got {n} contributors, {m} metrics)")
    if m == 1:
        return np.ones(1)
    sd = X.std(axis=0, ddof=1)
    if (sd <= 0).any():
        j = int(np.flatnonzero(sd <= 0)[0])
        raise WeightError(f"pca weights need every metric to vary (column {j + 1} is constant)")
    Z = (X - X.mean(axis=0)) / sd * np.where(higher, 1.0, -1.0)
    eigenvalues, vectors = np.linalg.eigh(np.corrcoef(Z, rowvar=False))
    order = np.argsort(eigenvalues)[::-1]
    eigenvalues, vectors = np.maximum(eigenvalues[order], 0.0), vectors[:, order]
    share = eigenvalues / eigenvalues.sum()
    keep = int(max(np.sum(share > PCA_SHARE), np.searchsorted(np.cumsum(share), PCA_CUMULATIVE, side="right") + 1, 1))
    keep = min(keep, m)
    loadings = _varimax(vectors[:, :keep] * np.sqrt(eigenvalues[:keep]))
    squared = loadings ** 2
    explained = squared.sum(axis=0)
    scaled = squared / explained
    factor = np.argmax(scaled, axis=1)
    return _unit(scaled[np.arange(m), factor] * (explained / explained.sum())[factor], "pca")


SCHEMES: Mapping[str, WeightScheme] = {
    "equal": equal_weights,
    "entropy": entropy_weights,
    "critic": critic_weights,
    "pca": pca_weights,
    "std": std_weights,
    "merec": merec_weights,
}
"""Name -> function ``(X, higher) -> M weights``; the names a TOML ``weights = "..."`` may give."""


def derive(scheme: str, X: np.ndarray, higher: np.ndarray) -> np.ndarray:
    """The weights of ``scheme`` on the N x M matrix ``X``."""
    if scheme not in SCHEMES:
        raise WeightError(f"weighting scheme must be one of {', '.join(SCHEMES)} (got {scheme!r})")
    return SCHEMES[scheme](X, higher)
