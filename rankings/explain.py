"""Why one contributor sits above another, and how methodologies compare.

For an additive aggregation (weighted arithmetic mean, Borda, PROMETHEE II with the
usual criterion) the score gap splits exactly into per-metric parts
``w_j (l_Aj - l_Bj)``. For a weighted geometric mean the same split holds for the gap
in log score. For every other aggregation (TOPSIS, WASPAS, Copeland, Kemeny,
lexicographic, plugins, pillars aggregated differently from the top) the gap is split by Shapley values over metrics: the "value"
of a set S of metrics is the gap that remains when A's row takes A's values on S and
B's values elsewhere (everything else fixed). Shapley parts add up to the gap exactly.
With pillars (:mod:`rankings.pillars`) each pillar's part is the sum of its metrics' parts.

References
----------
Shapley L.S. (1953). A value for n-person games. In Contributions to the Theory of
Games II, Annals of Mathematics Studies 28:307-317.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np

from rankings._frames import FrameMixin
from rankings.aggregate import AGGREGATIONS
from rankings.errors import AnalysisError
from rankings.methodology import Methodology
from rankings.ranking import kendall_tau
from rankings.result import RankingResult
from rankings.table import ContributorTable

SHAPLEY_MAX_METRICS = 10


@dataclass(frozen=True)
class Explanation(FrameMixin):
    """The score gap between two contributors split per metric."""

    methodology: str
    first: str
    second: str
    first_rank: int | float
    second_rank: int | float
    first_score: float
    second_score: float
    gap: float
    method: str
    """``"additive"``, ``"log-additive"`` or ``"shapley"``."""
    contributions: Mapping[str, float]
    weights: Mapping[str, float]
    values: Mapping[str, tuple[float, float]]
    normalized: Mapping[str, tuple[float, float]] | None
    pillars: Mapping[str, float] | None = None
    """Pillar -> the sum of its metrics' contributions (methodologies with pillars)."""

    def to_frame(self) -> Any:
        """One row per metric: weight, both values, normalised values, contribution."""
        return _explanation_frame(self)

    def to_dict(self) -> dict[str, Any]:
        return {
            "methodology": self.methodology,
            "contributor": self.first, "rival": self.second,
            "rank": self.first_rank, "rival_rank": self.second_rank,
            "score": self.first_score, "rival_score": self.second_score,
            "gap": self.gap, "decomposition": self.method,
            "metrics": [
                {
                    "metric": m, "weight": self.weights[m],
                    "value": self.values[m][0], "rival_value": self.values[m][1],
                    "normalized": None if self.normalized is None else self.normalized[m][0],
                    "rival_normalized": None if self.normalized is None else self.normalized[m][1],
                    "contribution": self.contributions[m],
                }
                for m in self.contributions
            ],
            "pillars": None if self.pillars is None else dict(self.pillars),
        }


def _explanation_frame(explanation: Explanation) -> Any:
    import pandas as pd

    rows = explanation.to_dict()["metrics"]
    return pd.DataFrame(rows).set_index("metric")


def explain_gap(result: RankingResult, first: str, second: str) -> Explanation:
    """Split the score gap ``score(first) - score(second)`` per metric."""
    table = result.table
    a, b = table.contributor_index(first), table.contributor_index(second)
    if a == b:
        raise AnalysisError(f"--vs must name a different contributor (got {table.contributors[a]!r} twice)")
    method = result.methodology
    names = table.metric_names
    w = np.array([result.weights[m] for m in names])
    gap = float(result.scores[a] - result.scores[b])
    contributions: np.ndarray
    kind = "shapley"
    if method.declarative and result.normalized is not None and (method.pillars is None or method.pillars.flat):
        agg = AGGREGATIONS[method.aggregate or "arithmetic"]
        L = agg.linear_form(result.normalized) if agg.linear_form is not None else None
        if L is not None and agg.additive:
            contributions, kind = w * (L[a] - L[b]), "additive"
        elif L is not None and agg.name == "geometric":
            contributions, kind = w * (L[a] - L[b]), "log-additive"
            gap = float(np.log(result.scores[a]) - np.log(result.scores[b]))
    if kind == "shapley":
        contributions = _shapley(method, table, result.weights, a, b)
    norm = None
    if result.normalized is not None:
        norm = {m: (float(result.normalized[a, j]), float(result.normalized[b, j])) for j, m in enumerate(names)}
    return Explanation(
        methodology=method.name, first=table.contributors[a], second=table.contributors[b],
        first_rank=result.rank_of(table.contributors[a]), second_rank=result.rank_of(table.contributors[b]),
        first_score=float(result.scores[a]), second_score=float(result.scores[b]), gap=gap, method=kind,
        contributions={m: float(contributions[j]) for j, m in enumerate(names)},
        weights=dict(result.weights),
        values={m: (float(table.values[a, j]), float(table.values[b, j])) for j, m in enumerate(names)},
        normalized=norm,
        pillars=None if method.pillars is None else {
            p: float(sum(contributions[names.index(m)] for m in method.pillars.leaves(p) if m in names))
            for p in method.pillars.pillars},
    )


def _shapley(method: Methodology, table: ContributorTable, weights: Mapping[str, float], a: int, b: int) -> np.ndarray:
    names = table.metric_names
    m = len(names)
    if m > SHAPLEY_MAX_METRICS:
        raise AnalysisError(f"a Shapley split needs at most {SHAPLEY_MAX_METRICS} metrics (got {m})")
    vector = np.array([weights[k] for k in names])

    def value(subset: frozenset[int]) -> float:
        values = np.array(table.values, copy=True)
        hybrid = values[b].copy()
        for j in subset:
            hybrid[j] = values[a, j]
        values[a] = hybrid
        scores = method.score_matrix(table.with_values(values), vector[None, :], prepared=True)[0]
        return float(scores[a] - scores[b])

    cache: dict[frozenset[int], float] = {}

    def v(subset: frozenset[int]) -> float:
        if subset not in cache:
            cache[subset] = value(subset)
        return cache[subset]

    out = np.zeros(m)
    for j in range(m):
        others = [k for k in range(m) if k != j]
        for size in range(m):
            coefficient = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
            for subset in combinations(others, size):
                s = frozenset(subset)
                out[j] += coefficient * (v(s | {j}) - v(s))
    return out


@dataclass(frozen=True)
class Comparison(FrameMixin):
    """Ranks of the same contributors under several methodologies."""

    methodologies: tuple[str, ...]
    contributors: tuple[str, ...]
    ranks: np.ndarray
    """N x K ranks, one column per methodology (NaN where a contributor was dropped)."""
    kendall: np.ndarray
    """K x K Kendall tau-b over the contributors ranked by both."""
    kendall_n: np.ndarray | None = None
    """K x K number of contributors ranked by both (the rows each tau covers)."""

    def kendall_n_text(self, i: int, j: int) -> str:
        """``" (n=10 of 158)"`` when the tau of ``i`` and ``j`` covers fewer than all rows, else ``""``."""
        if self.kendall_n is None or int(self.kendall_n[i, j]) == len(self.contributors):
            return ""
        return f" (n={int(self.kendall_n[i, j])} of {len(self.contributors)})"

    def shifts(self) -> np.ndarray:
        """Rank change of each methodology against the first (positive = moved up)."""
        return self.ranks[:, :1] - self.ranks

    def to_dict(self) -> dict[str, Any]:
        rows = []
        for i, name in enumerate(self.contributors):
            rows.append({
                "contributor": name,
                "ranks": {m: _maybe_int(self.ranks[i, k]) for k, m in enumerate(self.methodologies)},
                "shift": {m: _maybe_int(self.shifts()[i, k]) for k, m in enumerate(self.methodologies)},
            })
        return {
            "methodologies": list(self.methodologies),
            "ranking": rows,
            "kendall_tau": {
                a: {b: (None if math.isnan(self.kendall[i, j]) else float(self.kendall[i, j]))
                    for j, b in enumerate(self.methodologies)}
                for i, a in enumerate(self.methodologies)
            },
            "kendall_n": None if self.kendall_n is None else {
                a: {b: int(self.kendall_n[i, j]) for j, b in enumerate(self.methodologies)}
                for i, a in enumerate(self.methodologies)
            },
            "contributors": len(self.contributors),
        }

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.ranks, index=pd.Index(self.contributors, name="contributor"),
                            columns=list(self.methodologies))


def _maybe_int(value: float) -> int | float | None:
    if math.isnan(value):
        return None
    return int(value) if float(value).is_integer() else float(value)


def compare(results: Sequence[RankingResult]) -> Comparison:
    """Put several rankings side by side (contributors of the first result first)."""
    if len(results) < 1:
        raise AnalysisError("compare needs at least one methodology")
    names: list[str] = []
    for result in results:
        for c in result.table.contributors:
            if c not in names:
                names.append(c)
    ranks = np.full((len(names), len(results)), np.nan)
    for k, result in enumerate(results):
        for i, c in enumerate(result.table.contributors):
            ranks[names.index(c), k] = result.ranks[i]
    order = sorted(range(len(names)), key=lambda i: (np.nan_to_num(ranks[i, 0], nan=np.inf), names[i]))
    ranks = ranks[order]
    names = [names[i] for i in order]
    k = len(results)
    tau = np.full((k, k), np.nan)
    counts = np.zeros((k, k), dtype=int)
    for i in range(k):
        for j in range(k):
            both = ~np.isnan(ranks[:, i]) & ~np.isnan(ranks[:, j])
            counts[i, j] = int(both.sum())
            if both.sum() >= 2:
                tau[i, j] = kendall_tau(ranks[both, i], ranks[both, j])
    return Comparison(tuple(r.methodology.name for r in results), tuple(names), ranks, tau, counts)

