"""What the exact analyses share: the linear problem of one focus, weight limits, the MILP call.

Rival ``k`` beats the focus ``f`` under weights ``w`` exactly when ``d_k . w > tol`` with
``d_k = l_k - l_f`` (see :mod:`rankings.sensitivity.linear`). :class:`_Setup` holds those
differences for one methodology, table and focus; the helpers here turn weight limits into
arrays, call HiGHS, and draw the seeded weight samples used where the aggregation is not
linear in the weights.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankings.errors import AnalysisError, UnknownNameError
from rankings.methodology import Methodology
from rankings.ranking import RELATIVE_TOLERANCE
from rankings.sensitivity.linear import LinearProblem, linear_problem
from rankings.table import ContributorTable

MILP_SOLVER = "HiGHS MILP"
LP_SOLVER = "HiGHS LP"
PREPASS_SOLVER = "sign pre-pass (no MILP needed)"
GRID_POINTS = 1001
DEFAULT_SAMPLES = 20_000
MAX_SUBSET_METRICS = 10

# Margins in units of max|d| (the differences are rescaled so their largest entry is 1).
# HiGHS enforces constraints to about 1e-7, so "beats the focus" is asked with a margin
# well above that; "does not beat" starts at 0 and widens only if verification disagrees.
_BEAT_MARGINS = (1e-6, 1e-5, 1e-4)
_NOT_BEAT_MARGINS = (0.0, 1e-7, 1e-6, 1e-5)


# ---------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------

def parse_limits(text: str) -> dict[str, tuple[float, float]]:
    """Parse ``"metric=lo:hi,metric=lo:hi"`` (fractions of the total weight)."""
    limits: dict[str, tuple[float, float]] = {}
    for part in [p for p in text.split(",") if p.strip()]:
        key, sep, rest = part.partition("=")
        lo_text, colon, hi_text = rest.partition(":")
        key = key.strip()
        if not sep or not colon or not key:
            raise AnalysisError(f"limits must look like metric=lo:hi (got {part.strip()!r})")
        try:
            lo, hi = float(lo_text), float(hi_text)
        except ValueError:
            raise AnalysisError(f"limits of {key!r} must be numbers lo:hi (got {rest.strip()!r})") from None
        if key in limits:
            raise AnalysisError(f"each metric may be limited once (got {key!r} twice)")
        limits[key] = (lo, hi)
    if not limits:
        raise AnalysisError(f"limits must name at least one metric (got {text!r})")
    return limits


def _limits_text(limits: Mapping[str, tuple[float, float]] | None) -> str:
    return ",".join(f"{k}={lo:g}:{hi:g}" for k, (lo, hi) in (limits or {}).items())


def _limit_arrays(metrics: Sequence[str], limits: Mapping[str, tuple[float, float]] | None
                  ) -> tuple[np.ndarray, np.ndarray]:
    m = len(metrics)
    lo, hi = np.zeros(m), np.ones(m)
    for key, pair in (limits or {}).items():
        if key not in metrics:
            raise AnalysisError(f"limits name a metric the methodology does not read: "
                                f"{UnknownNameError('metric', key, metrics)}")
        a, b = (float(v) for v in pair)
        if not (math.isfinite(a) and math.isfinite(b)) or a < 0 or b > 1 or a > b:
            raise AnalysisError(f"limits of {key!r} must satisfy 0 <= lo <= hi <= 1 (got {a:g}:{b:g})")
        j = metrics.index(key)
        lo[j], hi[j] = a, b
    if lo.sum() > 1 + 1e-12 or hi.sum() < 1 - 1e-12:
        raise AnalysisError(
            "limits must leave some weights summing to 1: lower limits sum to "
            f"{lo.sum():g} and upper limits to {hi.sum():g} (got {_limits_text(limits)})"
        )
    return lo, hi


def _extreme(D: np.ndarray, lo: np.ndarray, hi: np.ndarray, maximize: bool = True) -> np.ndarray:
    """Max (or min) of each row's ``d . w`` over ``{lo <= w <= hi, sum w = 1}``.

    A fractional knapsack: start from ``lo`` and pour the remaining mass into the
    coordinates in order of decreasing ``d`` (increasing for the minimum). Exact.
    """
    D = np.atleast_2d(D)
    if D.shape[0] == 0:
        return np.zeros(0)
    sign = 1.0 if maximize else -1.0
    S = sign * D
    order = np.argsort(-S, axis=1, kind="stable")
    cap = (hi - lo)[order]
    room = 1.0 - lo.sum()
    before = np.cumsum(cap, axis=1) - cap
    alloc = np.clip(room - before, 0.0, cap)
    return sign * (S @ lo + np.sum(np.take_along_axis(S, order, axis=1) * alloc, axis=1))


def _clean(w: np.ndarray) -> np.ndarray:
    w = np.clip(np.asarray(w, dtype=float), 0.0, None)
    w[w < 1e-13] = 0.0
    total = w.sum()
    if total <= 0:
        raise AnalysisError("a solver returned an all-zero weight vector (got sum 0)")
    return w / total


def _weights_dict(metrics: Sequence[str], w: np.ndarray) -> dict[str, float]:
    return {m: float(v) for m, v in zip(metrics, w)}


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray, n: int) -> np.ndarray:
    return rng.dirichlet(alpha, size=n)


# ---------------------------------------------------------------------------------------
# the problem set-up shared by every analysis
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class _Setup:
    method: Methodology
    table: ContributorTable          # as given (evaluate prepares it again)
    prepared: ContributorTable
    focus: int
    problem: LinearProblem | None
    base: np.ndarray

    @property
    def focus_name(self) -> str:
        return self.prepared.contributors[self.focus]

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.prepared.metric_names

    @property
    def linear(self) -> bool:
        return self.problem is not None

    def scaled(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Rival indices, ``D`` of the rivals divided by ``max|D|``, and the scaled tolerance."""
        assert self.problem is not None
        D = self.problem.differences(self.focus)
        rivals = np.array([k for k in range(D.shape[0]) if k != self.focus], dtype=int)
        D = D[rivals]
        scale = float(np.max(np.abs(D))) if D.size else 0.0
        if scale <= 0:
            return rivals, np.zeros_like(D), 1.0
        return rivals, D / scale, self.problem.tolerance() / scale

    def evaluate(self, w: np.ndarray) -> Any:
        return self.method.with_overrides(weights=_weights_dict(self.metrics, w)).evaluate(self.table)

    def verify(self, w: np.ndarray) -> int:
        return int(self.evaluate(w).rank_of(self.focus_name))

    def focus_ranks(self, W: np.ndarray) -> np.ndarray:
        """Competition rank of the focus for each weight row (sampling path).

        Non-linear aggregations score :data:`SCORE_ROWS` rows at a time; inside
        :func:`~rankings.sensitivity.engine.use_engine` (``--workers``/``--scheduler``)
        whole groups of those rows are scored on that engine, with the same ranks.
        """
        from rankings.sensitivity.engine import active_engine, map_problem

        W = np.atleast_2d(W)
        if self.problem is not None:
            return self.problem.focus_rank(self.focus, W)
        normalized = self.method.normalized(self.prepared) if self.method.declarative else None
        shared = (self, normalized)
        if active_engine() is None:
            return _nonlinear_focus_ranks(shared, W)
        step = SCORE_ROWS * max(1, TASK_SCORES // (SCORE_ROWS * max(1, self.prepared.n_contributors)))
        parts = map_problem(shared, _nonlinear_focus_ranks, [W[a:a + step] for a in range(0, W.shape[0], step)])
        return np.concatenate(parts) if parts else np.empty(0, dtype=int)


SCORE_ROWS = 2048
"""Weight rows scored at once on the sampling path."""
TASK_SCORES = 2**22
"""About this many scores (rows x contributors) per task on a cluster engine, in whole groups of SCORE_ROWS."""


def _nonlinear_focus_ranks(shared: tuple[_Setup, Any], W: np.ndarray) -> np.ndarray:
    """The focus's competition rank for each row of ``W`` under a non-linear aggregation."""
    setup, normalized = shared
    out = np.empty(W.shape[0], dtype=int)
    for start in range(0, W.shape[0], SCORE_ROWS):
        S = setup.method.score_matrix(setup.prepared, W[start:start + SCORE_ROWS], prepared=True,
                                      normalized=normalized)
        finite = np.where(np.isfinite(S), S, 0.0)
        tol = RELATIVE_TOLERANCE * np.max(np.abs(finite), axis=1) + 1e-12
        gap = S - S[:, [setup.focus]]
        out[start:start + SCORE_ROWS] = 1 + np.count_nonzero(gap > tol[:, None], axis=1)
    return out


def _setup(method: Methodology, table: ContributorTable, focus: str) -> _Setup:
    if not isinstance(focus, str) or not focus:
        raise AnalysisError(f"focus must name a contributor (got {focus!r})")
    prepared = method.prepare(table)
    if focus not in prepared.contributors and focus in table.contributors:
        raise AnalysisError(f"focus must survive the missing rule (got {focus!r}, dropped by --missing drop)")
    f = prepared.contributor_index(focus)
    problem = linear_problem(method, table)
    if problem is not None:
        base = problem.base_weights.astype(float)
    else:
        weights = method.weights_for(prepared)
        base = np.array([weights[m] for m in prepared.metric_names], dtype=float)
    return _Setup(method, table, prepared, f, problem, base / base.sum())


def _classify(D: np.ndarray, tol: float, lo: np.ndarray, hi: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rivals that always beat, may beat, with the extremes of ``d . w`` on the box."""
    top = _extreme(D, lo, hi, True)
    bottom = _extreme(D, lo, hi, False)
    always = bottom > tol
    uncertain = (top > tol) & ~always
    return always, uncertain, top, bottom


def _milp(c: np.ndarray, A: np.ndarray, a_lo: np.ndarray, a_hi: np.ndarray, lb: np.ndarray, ub: np.ndarray,
          integrality: np.ndarray, time_limit: float) -> Any:
    from scipy.optimize import Bounds, LinearConstraint, milp

    options = {"time_limit": float(time_limit), "mip_rel_gap": 1e-7, "presolve": True}
    res = milp(c, constraints=LinearConstraint(A, a_lo, a_hi), integrality=integrality,
               bounds=Bounds(lb, ub), options=options)
    if res.x is None and res.status == 4:
        # HiGHS' presolve reports "Solve error" on some tiny, well-posed problems (seen on a 4 x 3
        # textbook matrix with scipy 1.17); the same problem solves without presolve.
        res = milp(c, constraints=LinearConstraint(A, a_lo, a_hi), integrality=integrality,
                   bounds=Bounds(lb, ub), options={**options, "presolve": False})
    return res


def _status_text(res: Any) -> str:
    return {0: "optimal", 1: "time or iteration limit", 2: "infeasible", 3: "unbounded"}.get(res.status, str(res.message))


@dataclass(frozen=True)
class RankWitness:
    """An attained rank and weights that attain it (verified through ``evaluate``)."""

    rank: int
    weights: Mapping[str, float]
    proven_optimal: bool
    mip_gap: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"rank": self.rank, "weights": dict(self.weights), "proven_optimal": self.proven_optimal,
                "mip_gap": self.mip_gap}


def _feasible_point(base: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A point of the limited simplex, near the base (bisection on a shift)."""
    lo_s, hi_s = -2.0, 2.0
    for _ in range(100):
        mid = (lo_s + hi_s) / 2
        if np.clip(base + mid, lo, hi).sum() > 1:
            hi_s = mid
        else:
            lo_s = mid
    return np.clip(base + (lo_s + hi_s) / 2, lo, hi)


def _samples(setup: _Setup, lo: np.ndarray, hi: np.ndarray, n: int, rng: np.random.Generator,
             around: np.ndarray | None = None) -> np.ndarray:
    """Dirichlet(1) weights (and, with ``around``, Dirichlet clouds near it) within the limits."""
    m = len(setup.metrics)
    parts = [_dirichlet(rng, np.ones(m), n), np.eye(m), setup.base[None, :]]
    if around is not None:
        for kappa in (3.0, 10.0, 30.0, 100.0, 300.0, 1000.0, 3000.0):
            parts.append(_dirichlet(rng, kappa * around + 0.02, max(n // 4, 1)))
    W = np.vstack(parts)
    keep = np.all((W >= lo - 1e-12) & (W <= hi + 1e-12), axis=1)
    W = W[keep]
    if W.shape[0] == 0:
        raise AnalysisError(f"limits must leave room to sample weights (got no sample inside {n} draws)")
    return W


