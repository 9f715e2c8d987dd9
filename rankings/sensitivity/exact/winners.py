"""Who can be ranked first (one LP per contributor), and on which subsets of metrics the focus can."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankings._frames import FrameMixin
from rankings.methodology import Methodology
from rankings.ranking import RELATIVE_TOLERANCE
from rankings.sampling import make_rng
from rankings.sensitivity.exact.common import (
    DEFAULT_SAMPLES,
    LP_SOLVER,
    MAX_SUBSET_METRICS,
    _clean,
    _extreme,
    _feasible_point,
    _limit_arrays,
    _samples,
    _setup,
    _weights_dict,
)
from rankings.table import ContributorTable


@dataclass(frozen=True)
class SubsetResult:
    """Can the focus be first with weight only on ``metrics``?"""

    metrics: tuple[str, ...]
    can_be_first: bool
    always_first: bool
    weights: Mapping[str, float] | None

    def to_dict(self) -> dict[str, Any]:
        return {"metrics": list(self.metrics), "can_be_first": self.can_be_first,
                "always_first": self.always_first, "weights": None if self.weights is None else dict(self.weights)}


@dataclass(frozen=True)
class WinnersResult(FrameMixin):
    """Who can be ranked first under some weighting, and how the focus can."""

    focus: str
    methodology: str
    n_contributors: int
    winners: Mapping[str, Mapping[str, float]]
    focus_subsets: tuple[SubsetResult, ...]
    exact: bool
    solver: str
    limits: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def focus_can_win(self) -> bool:
        return self.focus in self.winners

    def minimal_subsets(self) -> list[tuple[str, ...]]:
        good = [s.metrics for s in self.focus_subsets if s.can_be_first]
        return [s for s in good if not any(set(o) < set(s) for o in good)]

    def to_dict(self) -> dict[str, Any]:
        return {"analysis": "winners", "focus": self.focus, "methodology": self.methodology,
                "contributors": self.n_contributors, "exact": self.exact, "solver": self.solver,
                "winners": [{"contributor": k, "weights": dict(v)} for k, v in self.winners.items()],
                "focus_can_be_first": self.focus_can_win,
                "focus_subsets": [s.to_dict() for s in self.focus_subsets],
                "focus_minimal_subsets": [list(s) for s in self.minimal_subsets()],
                "limits": {k: list(v) for k, v in self.limits.items()}, "notes": list(self.notes)}

    def to_frame(self) -> Any:
        import pandas as pd

        rows = [{"contributor": k, **dict(v)} for k, v in self.winners.items()]
        return pd.DataFrame(rows).set_index("contributor") if rows else pd.DataFrame()


def _first_lp(C: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[float, np.ndarray | None]:
    """``min_w max_k c_k . w`` on the limited simplex: the best worst-gap, and its weights."""
    from scipy.optimize import linprog

    m = C.shape[1] if C.ndim == 2 else len(lo)
    if C.shape[0] == 0:
        return -math.inf, _feasible_point(np.full(m, 1.0 / m), lo, hi)
    c = np.concatenate([np.zeros(m), [1.0]])
    A = np.hstack([C, -np.ones((C.shape[0], 1))])
    res = linprog(c, A_ub=A, b_ub=np.zeros(C.shape[0]), A_eq=np.concatenate([np.ones(m), [0.0]])[None, :],
                  b_eq=[1.0], bounds=list(zip(lo, hi)) + [(None, None)], method="highs")
    if res.status != 0:
        return math.inf, None
    return float(res.fun), res.x[:m]


def _pareto_rows(L: np.ndarray) -> np.ndarray:
    """Rows not weakly dominated by another distinct row (enough to decide who is first)."""
    keep = np.ones(L.shape[0], dtype=bool)
    order = np.argsort(-L.sum(axis=1), kind="stable")
    kept: list[int] = []
    for i in order:
        row = L[i]
        if any(np.all(L[k] >= row) for k in kept):
            keep[i] = False
            continue
        kept.append(i)
    return keep


def winners(method: Methodology, table: ContributorTable, focus: str, *,
            limits: Mapping[str, tuple[float, float]] | None = None, samples: int = DEFAULT_SAMPLES,
            seed: int | np.random.Generator | None = 0) -> WinnersResult:
    """Contributors that can be ranked first under some weighting, with witness weights.

    Linear aggregations: contributor i can be first when ``min_w max_k (l_k - l_i) . w``
    is at most the tie tolerance (one LP per contributor; only rows on the Pareto front
    of ``L`` need be checked as rivals, and contributors strictly below another on every
    metric are skipped). For the focus, every non-empty subset of metrics (up to 10
    metrics) is checked with the other weights fixed at 0: can some weighting on it put
    the focus first, and does every weighting on it do so. Non-linear aggregations
    sample Dirichlet(1) weights instead (``exact=False``).
    """
    setup = _setup(method, table, focus)
    metrics = setup.metrics
    lo, hi = _limit_arrays(metrics, limits)
    names = setup.prepared.contributors
    m = len(metrics)
    found: dict[str, dict[str, float]] = {}
    subsets: list[SubsetResult] = []
    notes: list[str] = []
    subset_list = [s for r in range(1, m + 1) for s in itertools.combinations(range(m), r)] if m <= MAX_SUBSET_METRICS else []
    if m > MAX_SUBSET_METRICS:
        notes.append(f"metric subsets are enumerated only up to {MAX_SUBSET_METRICS} metrics (got {m})")
    if setup.linear:
        assert setup.problem is not None
        L = setup.problem.L
        scale = float(np.max(np.abs(L - L.mean(axis=0)))) or 1.0
        Ls = L / scale
        tol = setup.problem.tolerance() / scale
        front = np.flatnonzero(_pareto_rows(Ls))
        for i in range(len(names)):
            if np.any(np.all(Ls - Ls[i] > tol, axis=1)):
                continue        # strictly below someone on every metric: never first
            C = Ls[front] - Ls[i]
            C = C[np.any(np.abs(C) > 0, axis=1)]
            value, w = _first_lp(C, lo, hi)
            if w is not None and value <= tol:
                w = _clean(w)
                found[names[i]] = _weights_dict(metrics, w)
        # verify every witness through the ranking code path
        for name, wd in list(found.items()):
            result = method.with_overrides(weights=wd).evaluate(table)
            if result.rank_of(name) != 1:
                notes.append(f"{name}: LP says it can tie for first; re-ranking its weights gave rank "
                             f"{result.rank_of(name)}")
        _, Df, tol_f = setup.scaled()
        Df_rows = Df[np.any(np.abs(Df) > 0, axis=1)]
        for subset in subset_list:
            s_lo, s_hi = lo.copy(), hi.copy()
            outside = [j for j in range(m) if j not in subset]
            if np.any(lo[outside] > 0):
                subsets.append(SubsetResult(tuple(metrics[j] for j in subset), False, False, None))
                continue
            s_hi[outside] = 0.0
            if s_hi.sum() < 1 - 1e-12:
                subsets.append(SubsetResult(tuple(metrics[j] for j in subset), False, False, None))
                continue
            value, w = _first_lp(Df_rows, s_lo, s_hi)
            can = w is not None and value <= tol_f
            always = bool(can and (Df_rows.shape[0] == 0 or np.all(_extreme(Df_rows, s_lo, s_hi, True) <= tol_f)))
            subsets.append(SubsetResult(tuple(metrics[j] for j in subset), bool(can), always,
                                        _weights_dict(metrics, _clean(w)) if can and w is not None else None))
        solver = LP_SOLVER
        exact = True
    else:
        rng = make_rng(seed)
        W = _samples(setup, lo, hi, max(samples, 1), rng)
        normalized = method.normalized(setup.prepared) if method.declarative else None
        for start in range(0, W.shape[0], 2048):
            block = W[start:start + 2048]
            S = method.score_matrix(setup.prepared, block, prepared=True, normalized=normalized)
            tol = RELATIVE_TOLERANCE * np.max(np.abs(np.where(np.isfinite(S), S, 0)), axis=1) + 1e-12
            first = S >= (S.max(axis=1) - tol)[:, None]
            for i in (int(k) for k in np.flatnonzero(first.any(axis=0))):
                if names[i] not in found:
                    row = int(np.flatnonzero(first[:, i])[0])
                    found[names[i]] = _weights_dict(metrics, block[row])
        per_subset = max(200, samples // 50)
        if m > 6:
            subset_list = []
            notes.append("metric subsets are sampled only up to 6 metrics for non-linear aggregations")
        for subset in subset_list:
            idx = list(subset)
            if np.any(np.delete(lo, idx) > 0):
                subsets.append(SubsetResult(tuple(metrics[j] for j in subset), False, False, None))
                continue
            Ws = np.zeros((per_subset, m))
            Ws[:, idx] = rng.dirichlet(np.ones(len(idx)), size=per_subset)
            Ws = Ws[np.all((Ws >= lo - 1e-12) & (Ws <= hi + 1e-12), axis=1)]
            if Ws.shape[0] == 0:
                subsets.append(SubsetResult(tuple(metrics[j] for j in subset), False, False, None))
                continue
            ranks = setup.focus_ranks(Ws)
            ok = np.flatnonzero(ranks == 1)
            subsets.append(SubsetResult(tuple(metrics[j] for j in subset), bool(ok.size), bool(ok.size == len(ranks)),
                                        _weights_dict(metrics, Ws[ok[0]]) if ok.size else None))
        solver = f"sampled, not proven (Dirichlet(1), {W.shape[0]} weight vectors, seed {seed})"
        exact = False
        notes.append("aggregation not linear in the weights: winners found by sampling")
    order = {name: k for k, name in enumerate(names)}
    ordered = dict(sorted(found.items(), key=lambda kv: order[kv[0]]))
    return WinnersResult(setup.focus_name, method.name, len(names), ordered, tuple(subsets), exact, solver,
                         dict(limits or {}), tuple(notes))


