"""The linear form of a methodology on a fixed table.

For the weighted arithmetic mean, Borda, PROMETHEE II (usual criterion) and, when
every normalised value is positive, the weighted geometric mean, a contributor's
score is a strictly increasing function of ``w . l_i`` for a row ``l_i`` of a matrix
``L`` that does not depend on the weights. The rank of the focus ``f`` under weights
``w`` is then ``1 + #{k : (l_k - l_f) . w > tol}``: piecewise constant on the weight
simplex, cut by one hyperplane per rival. That is what makes exact sweeps, bounds and
tipping points possible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rankings.aggregate import AGGREGATIONS
from rankings.methodology import Methodology
from rankings.ranking import RELATIVE_TOLERANCE
from rankings.table import ContributorTable


@dataclass(frozen=True, eq=False)
class LinearProblem:
    """``L`` (N x M) on a prepared table, with the methodology's base weights."""

    method: Methodology
    table: ContributorTable
    L: np.ndarray
    base_weights: np.ndarray

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.table.metric_names

    @property
    def contributors(self) -> tuple[str, ...]:
        return self.table.contributors

    def differences(self, focus: int) -> np.ndarray:
        """``D = L - l_f``: row k is positive on ``w`` exactly when k beats the focus."""
        return self.L - self.L[focus]

    def tolerance(self) -> float:
        """Gap below which two linear scores count as tied (scale of the whole matrix)."""
        return RELATIVE_TOLERANCE * float(np.max(np.abs(self.L))) + 1e-12

    def focus_rank(self, focus: int, weights: np.ndarray) -> np.ndarray:
        """Competition rank of the focus for each weight row (S x M -> S)."""
        W = np.atleast_2d(weights)
        W = W / W.sum(axis=1, keepdims=True)
        return 1 + np.count_nonzero(W @ self.differences(focus).T > self.tolerance(), axis=1)


def linear_problem(method: Methodology, table: ContributorTable) -> LinearProblem | None:
    """The linear form of ``method`` on ``table``, or ``None`` if it has none.

    ``table`` may be unprepared; the methodology's metric selection and missing rule
    are applied first.
    """
    if not method.declarative or (method.pillars is not None and not method.pillars.flat):
        return None  # pillars aggregated unlike the top: the whole is not one linear form in the weights
    prepared = method.prepare(table)
    agg = AGGREGATIONS[method.aggregate or "arithmetic"]
    if agg.linear_form is None:
        return None
    L = agg.linear_form(method.normalized(prepared))
    if L is None:
        return None
    weights = method.weights_for(prepared)
    base = np.array([weights[m] for m in prepared.metric_names])
    return LinearProblem(method, prepared, np.asarray(L, dtype=float), base)
