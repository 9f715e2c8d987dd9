"""Exact sensitivity of the focus contributor's rank to the weights.

For a methodology that is linear in the weights (see :mod:`rankings.sensitivity.linear`)
rival ``k`` beats the focus ``f`` under weights ``w`` exactly when ``d_k . w > tol``
with ``d_k = l_k - l_f``. The rank of the focus, ``1 + #{k : d_k . w > tol}``, is then
piecewise constant on the weight simplex, cut by one hyperplane per rival, and

- :func:`sweep` finds the exact breakpoints of a one-weight sweep;
- :func:`rank_bounds` finds the best and worst attainable rank (a MILP per side);
- :func:`tipping_point` finds the smallest L1 or L-infinity weight change that moves
  the focus to a target rank (a MILP);
- :func:`winners` finds who can be ranked first (one LP per contributor) and which
  subsets of metrics can put the focus first;
- :func:`exact_rank_distribution` integrates the rank over uniform weights exactly,
  every rank, for up to three metrics and for four metrics with up to 150 contributors.

Every witness weight vector is re-ranked through
:meth:`~rankings.methodology.Methodology.evaluate`, the code path of ``rankings rank``,
and the rank reported is the verified one. Aggregations that are not linear in the
weights (TOPSIS, WASPAS, Copeland, Kemeny, lexicographic, plugins) get the same
answers from a fine grid or a seeded Dirichlet sample, flagged ``exact=False``.

References
----------
Lahdelma R., Salminen P. (2001). SMAA-2: Stochastic multicriteria acceptability
analysis for group decision making. Operations Research 49(3):444-454.
Triantaphyllou E., Sanchez A. (1997). A sensitivity analysis approach for some
deterministic multi-criteria decision-making methods. Decision Sciences 28(1):151-194.
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankings._frames import FrameMixin
from rankings.errors import AnalysisError, UnknownNameError
from rankings.methodology import Methodology
from rankings.ranking import RELATIVE_TOLERANCE
from rankings.sampling import make_rng
from rankings.sensitivity.linear import LinearProblem, linear_problem
from rankings.table import ContributorTable

__all__ = [
    "BoundsResult",
    "RankWitness",
    "SubsetResult",
    "SweepCurve",
    "SweepResult",
    "TippingResult",
    "WinnersResult",
    "exact_rank_distribution",
    "parse_limits",
    "rank_bounds",
    "sweep",
    "tipping_point",
    "winners",
]

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

# Exact rank volumes for four metrics: contributors supported (the cost grows like N^4),
# vertex values (of rows scaled to max 1) that count as on a plane, unit normals that
# count as the same plane, and probabilities below which a rank is round-off.
MAX_EXACT_M4_CONTRIBUTORS = 150
_VERTEX_EPS = 1e-12
_SAME_PLANE = 1e-10
_ROUND_OFF = 1e-13


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
        """Competition rank of the focus for each weight row (sampling path)."""
        W = np.atleast_2d(W)
        if self.problem is not None:
            return self.problem.focus_rank(self.focus, W)
        out = np.empty(W.shape[0], dtype=int)
        normalized = self.method.normalized(self.prepared) if self.method.declarative else None
        for start in range(0, W.shape[0], 2048):
            S = self.method.score_matrix(self.prepared, W[start:start + 2048], prepared=True,
                                         normalized=normalized)
            finite = np.where(np.isfinite(S), S, 0.0)
            tol = RELATIVE_TOLERANCE * np.max(np.abs(finite), axis=1) + 1e-12
            gap = S - S[:, [self.focus]]
            out[start:start + 2048] = 1 + np.count_nonzero(gap > tol[:, None], axis=1)
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
    return milp(c, constraints=LinearConstraint(A, a_lo, a_hi), integrality=integrality,
                bounds=Bounds(lb, ub), options=options)


def _status_text(res: Any) -> str:
    return {0: "optimal", 1: "time or iteration limit", 2: "infeasible", 3: "unbounded"}.get(res.status, str(res.message))


# ---------------------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SweepCurve:
    """The focus's rank as the weight of one metric goes from 0 to 1.

    ``intervals`` are ``(lo, hi, rank)`` on the swept weight ``t`` (open intervals;
    neighbours with the same rank are merged). ``crossings`` are ``(t, rival, change)``
    with change ``"passes"`` (the focus moves ahead of the rival as t grows) or
    ``"falls behind"``.
    """

    metric: str
    base_weight: float
    base_rank: int
    intervals: tuple[tuple[float, float, int], ...]
    crossings: tuple[tuple[float, str, str], ...]
    stability: tuple[float, float]
    exact: bool

    @property
    def best_rank(self) -> int:
        return min(r for _, _, r in self.intervals)

    @property
    def worst_rank(self) -> int:
        return max(r for _, _, r in self.intervals)

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric, "base_weight": self.base_weight, "base_rank": self.base_rank,
            "best_rank": self.best_rank, "worst_rank": self.worst_rank,
            "stability_interval": list(self.stability),
            "intervals": [{"from": a, "to": b, "rank": r} for a, b, r in self.intervals],
            "crossings": [{"weight": t, "rival": k, "change": c} for t, k, c in self.crossings],
            "exact": self.exact,
        }


@dataclass(frozen=True)
class SweepResult(FrameMixin):
    """One :class:`SweepCurve` per swept metric."""

    focus: str
    methodology: str
    n_contributors: int
    curves: tuple[SweepCurve, ...]
    exact: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {"analysis": "sweep", "focus": self.focus, "methodology": self.methodology,
                "contributors": self.n_contributors, "exact": self.exact, "note": self.note,
                "metrics": [c.to_dict() for c in self.curves]}

    def to_frame(self) -> Any:
        import pandas as pd

        rows = [{"metric": c.metric, "from": a, "to": b, "rank": r,
                 "contains_base": a <= c.base_weight <= b}
                for c in self.curves for a, b, r in c.intervals]
        return pd.DataFrame(rows, columns=["metric", "from", "to", "rank", "contains_base"])


def _sweep_path(base: np.ndarray, j: int) -> np.ndarray:
    """``w^(-j)``: the base with metric j zeroed and renormalised (equal if nothing is left)."""
    rest = base.copy()
    rest[j] = 0.0
    if rest.sum() <= 0:
        rest = np.ones_like(base)
        rest[j] = 0.0
    return rest / rest.sum()


def _merge(intervals: list[tuple[float, float, int]]) -> tuple[tuple[float, float, int], ...]:
    out: list[list[Any]] = []
    for a, b, r in intervals:
        if out and out[-1][2] == r:
            out[-1][1] = b
        else:
            out.append([a, b, r])
    return tuple((float(a), float(b), int(r)) for a, b, r in out)


def _stability(intervals: Sequence[tuple[float, float, int]], t0: float) -> tuple[float, float]:
    for a, b, _ in intervals:
        if a <= t0 <= b:
            return (a, b)
    return (t0, t0)


def _sweep_linear(setup: _Setup, j: int) -> SweepCurve:
    rivals, D, tol = setup.scaled()
    names = setup.prepared.contributors
    rest = _sweep_path(setup.base, j)
    t0 = float(setup.base[j])
    a = D @ rest                      # d_k . w(0)
    b = D[:, j]                       # d_k . w(1)
    # g_k(t) = a_k + t (b_k - a_k); the rival beats the focus where g_k(t) > tol.
    slope = b - a
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = np.where(slope != 0, (tol - a) / slope, np.nan)
    inside = np.isfinite(cross) & (cross > 0) & (cross < 1)
    points = np.unique(np.concatenate([[0.0, 1.0], cross[inside]]))
    mids = (points[:-1] + points[1:]) / 2
    counts = np.count_nonzero(a[None, :] + mids[:, None] * slope[None, :] > tol, axis=1)
    intervals = _merge([(points[i], points[i + 1], 1 + int(counts[i])) for i in range(len(mids))])
    crossings = sorted(
        (float(cross[k]), names[rivals[k]], "falls behind" if slope[k] > 0 else "passes")
        for k in np.flatnonzero(inside)
    )
    base_rank = 1 + int(np.count_nonzero(a + t0 * slope > tol))
    return SweepCurve(setup.metrics[j], t0, base_rank, intervals, tuple(crossings),
                      _stability(intervals, t0), True)


def _sweep_sampled(setup: _Setup, j: int, points: int) -> SweepCurve:
    rest = _sweep_path(setup.base, j)
    t0 = float(setup.base[j])
    grid = np.unique(np.concatenate([np.linspace(0.0, 1.0, points), [t0]]))
    e = np.zeros_like(rest)
    e[j] = 1.0
    W = grid[:, None] * e[None, :] + (1 - grid[:, None]) * rest[None, :]
    ranks = setup.focus_ranks(W)
    cuts = np.flatnonzero(np.diff(ranks) != 0)
    edges = np.concatenate([[0.0], (grid[cuts] + grid[cuts + 1]) / 2, [1.0]])
    rank_values = np.concatenate([ranks[cuts], [ranks[-1]]])
    intervals = _merge([(edges[i], edges[i + 1], int(rank_values[i])) for i in range(len(rank_values))])
    crossings = tuple((float(edges[i + 1]), "", "rank " + f"{int(ranks[c])}->{int(ranks[c + 1])}")
                      for i, c in enumerate(cuts))
    base_rank = int(ranks[np.searchsorted(grid, t0)])
    return SweepCurve(setup.metrics[j], t0, base_rank, intervals, crossings, _stability(intervals, t0), False)


def sweep(method: Methodology, table: ContributorTable, focus: str = "Alibaba", *,
          metric: str | None = None, grid_points: int = GRID_POINTS) -> SweepResult:
    """Rank of ``focus`` as one weight goes from 0 to 1, the others rescaled in proportion.

    Along ``w(t) = t e_j + (1 - t) w^(-j)``, where ``w^(-j)`` is the base weighting with
    metric j removed and renormalised, each rival crosses the focus at most once, so the
    breakpoints are exact for linear aggregations. Other aggregations are evaluated on
    a grid of ``grid_points`` values of t plus the base point (``exact=False``).

    Parameters
    ----------
    method, table : the methodology and the (unprepared) contributor table.
    focus : contributor whose rank is followed.
    metric : sweep only this metric (default: every metric read).
    grid_points : grid size for non-linear aggregations.

    References
    ----------
    Triantaphyllou E., Sanchez A. (1997). Decision Sciences 28(1):151-194.
    """
    setup = _setup(method, table, focus)
    metrics = setup.metrics
    if len(metrics) < 2:
        raise AnalysisError(f"sweep needs at least two metrics (got {len(metrics)})")
    if metric is not None and metric not in metrics:
        raise AnalysisError(f"metric to sweep must be one the methodology reads: "
                            f"{UnknownNameError('metric', metric, metrics)}")
    if grid_points < 3:
        raise AnalysisError(f"grid points must be at least 3 (got {grid_points})")
    chosen = [metrics.index(metric)] if metric is not None else list(range(len(metrics)))
    if setup.linear:
        curves = tuple(_sweep_linear(setup, j) for j in chosen)
        note = "exact breakpoints (aggregation linear in the weights)"
    else:
        curves = tuple(_sweep_sampled(setup, j, grid_points) for j in chosen)
        note = f"sampled, not exact: {grid_points}-point grid (aggregation not linear in the weights)"
    return SweepResult(setup.focus_name, method.name, setup.prepared.n_contributors, curves, setup.linear, note)


# ---------------------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------------------

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


@dataclass(frozen=True)
class BoundsResult(FrameMixin):
    """Best and worst attainable rank of the focus over the (limited) weight simplex."""

    focus: str
    methodology: str
    n_contributors: int
    base_rank: int
    best: RankWitness
    worst: RankWitness
    exact: bool
    solver: str
    limits: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def proven_optimal(self) -> bool:
        return self.best.proven_optimal and self.worst.proven_optimal

    def to_dict(self) -> dict[str, Any]:
        return {"analysis": "bounds", "focus": self.focus, "methodology": self.methodology,
                "contributors": self.n_contributors, "base_rank": self.base_rank,
                "best": self.best.to_dict(), "worst": self.worst.to_dict(),
                "solver": self.solver, "proven_optimal": self.proven_optimal, "exact": self.exact,
                "limits": {k: list(v) for k, v in self.limits.items()}, "notes": list(self.notes),
                "seconds": round(self.seconds, 4)}

    def to_frame(self) -> Any:
        import pandas as pd

        rows = []
        for side, w in (("best", self.best), ("worst", self.worst)):
            rows.append({"bound": side, "rank": w.rank, "proven_optimal": w.proven_optimal, **dict(w.weights)})
        return pd.DataFrame(rows).set_index("bound")


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


def _side_linear(setup: _Setup, lo: np.ndarray, hi: np.ndarray, worst: bool, time_limit: float
                 ) -> tuple[RankWitness, str, list[str]]:
    """Best (``worst=False``) or worst attainable rank by MILP after a sign pre-pass."""
    _, D, tol = setup.scaled()
    m = len(setup.metrics)
    always, uncertain, top, bottom = _classify(D, tol, lo, hi)
    n_always = int(always.sum())
    U = D[uncertain]
    K = U.shape[0]
    notes: list[str] = []
    if K == 0:
        w = _clean(_feasible_point(setup.base, lo, hi))
        rank = setup.verify(w)
        return RankWitness(rank, _weights_dict(setup.metrics, w), True, 0.0), PREPASS_SOLVER, notes
    margins = _BEAT_MARGINS if worst else _NOT_BEAT_MARGINS
    last: tuple[RankWitness, str, list[str]] | None = None
    for margin in margins:
        margin = max(margin, 100 * tol) if worst else margin
        if worst:
            # y_k = 1 -> d_k.w >= margin; big-M from the minimum of d_k.w on the box.
            big = margin - bottom[uncertain] + 1e-9
            A = np.hstack([U, -np.diag(big)])
            a_lo, a_hi = margin - big, np.full(K, np.inf)
            c = np.concatenate([np.zeros(m), -np.ones(K)])
        else:
            # y_k = 0 -> d_k.w <= -margin; big-M from the maximum of d_k.w on the box.
            big = top[uncertain] + margin + 1e-9
            A = np.hstack([U, -np.diag(big)])
            a_lo, a_hi = np.full(K, -np.inf), np.full(K, -margin)
            c = np.concatenate([np.zeros(m), np.ones(K)])
        A = np.vstack([A, np.concatenate([np.ones(m), np.zeros(K)])])
        a_lo = np.append(a_lo, 1.0)
        a_hi = np.append(a_hi, 1.0)
        lb = np.concatenate([lo, np.zeros(K)])
        ub = np.concatenate([hi, np.ones(K)])
        integrality = np.concatenate([np.zeros(m), np.ones(K)])
        res = _milp(c, A, a_lo, a_hi, lb, ub, integrality, time_limit)
        if res.x is None:
            raise AnalysisError(f"the bounds MILP must find a solution (got status {_status_text(res)})")
        w = _clean(res.x[:m])
        count = int(round(float(np.sum(res.x[m:]))))
        claimed = 1 + n_always + count
        verified = setup.verify(w)
        proven = res.status == 0
        gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
        if verified != claimed:
            notes = [f"{'worst' if worst else 'best'} rank: the MILP claimed {claimed}, re-ranking gave {verified} "
                     f"at margin {margin:g}; margins widened"]
            last = (RankWitness(verified, _weights_dict(setup.metrics, w), False, gap), MILP_SOLVER, notes)
            continue
        notes = [] if proven else [f"{'worst' if worst else 'best'} rank: MILP stopped early ({_status_text(res)})"]
        return RankWitness(verified, _weights_dict(setup.metrics, w), proven, gap), MILP_SOLVER, notes
    assert last is not None
    return last


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


def rank_bounds(method: Methodology, table: ContributorTable, focus: str = "Alibaba", *,
                limits: Mapping[str, tuple[float, float]] | None = None, samples: int = DEFAULT_SAMPLES,
                seed: int | np.random.Generator | None = 0, time_limit: float = 60.0) -> BoundsResult:
    """Best and worst attainable rank of ``focus`` over all weightings, with witnesses.

    Linear aggregations: rivals that can never beat the focus (``max d_k.w <= tol`` on
    the feasible weights) or always beat it (``min d_k.w > tol``) are settled by a sign
    pre-pass; the rest enter a MILP with one binary per rival and big-M constants
    valid on the simplex (``scipy.optimize.milp``, HiGHS). Counted rivals must beat the
    focus by a small margin, uncounted ones must not beat it; each witness is re-ranked
    through :meth:`Methodology.evaluate` and the verified rank is reported.
    Non-linear aggregations: best and worst over a seeded Dirichlet(1) sample
    (``exact=False``, not proven).

    Parameters
    ----------
    limits : metric -> (lo, hi), fractions of the total weight, optional.
    samples, seed : sample size and seed for non-linear aggregations.
    time_limit : seconds per MILP.
    """
    started = time.perf_counter()
    setup = _setup(method, table, focus)
    lo, hi = _limit_arrays(setup.metrics, limits)
    base_rank = setup.verify(setup.base)
    if setup.linear:
        best, solver_b, notes_b = _side_linear(setup, lo, hi, False, time_limit)
        worst, solver_w, notes_w = _side_linear(setup, lo, hi, True, time_limit)
        solver = MILP_SOLVER if MILP_SOLVER in (solver_b, solver_w) else PREPASS_SOLVER
        notes = tuple(notes_b + notes_w)
        exact = True
    else:
        if samples < 1:
            raise AnalysisError(f"samples must be at least 1 (got {samples})")
        rng = make_rng(seed)
        W = _samples(setup, lo, hi, samples, rng)
        ranks = setup.focus_ranks(W)
        i_best, i_worst = int(np.argmin(ranks)), int(np.argmax(ranks))
        wb, ww = _clean(W[i_best]), _clean(W[i_worst])
        best = RankWitness(setup.verify(wb), _weights_dict(setup.metrics, wb), False)
        worst = RankWitness(setup.verify(ww), _weights_dict(setup.metrics, ww), False)
        solver = f"sampled, not proven (Dirichlet(1), {W.shape[0]} weight vectors, seed {seed})"
        notes = ("aggregation not linear in the weights: bounds are over a sample",)
        exact = False
    return BoundsResult(setup.focus_name, method.name, setup.prepared.n_contributors, base_rank, best, worst,
                        exact, solver, dict(limits or {}), notes, time.perf_counter() - started)


# ---------------------------------------------------------------------------------------
# tipping point
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TippingResult(FrameMixin):
    """Smallest weight change moving the focus to a target rank."""

    focus: str
    methodology: str
    base_rank: int
    target: int
    direction: str
    reached_rank: int
    norm: str
    distance: float
    base_weights: Mapping[str, float]
    weights: Mapping[str, float]
    passes: tuple[str, ...]
    falls_behind: tuple[str, ...]
    exact: bool
    solver: str
    proven_optimal: bool
    mip_gap: float | None = None
    limits: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"analysis": "tipping", "focus": self.focus, "methodology": self.methodology,
                "base_rank": self.base_rank, "target": self.target, "direction": self.direction,
                "reached_rank": self.reached_rank, "norm": self.norm, "distance": self.distance,
                "base_weights": dict(self.base_weights), "weights": dict(self.weights),
                "change": {m: self.weights[m] - self.base_weights[m] for m in self.weights},
                "passes": list(self.passes), "falls_behind": list(self.falls_behind),
                "solver": self.solver, "proven_optimal": self.proven_optimal, "mip_gap": self.mip_gap,
                "exact": self.exact, "limits": {k: list(v) for k, v in self.limits.items()},
                "notes": list(self.notes), "seconds": round(self.seconds, 4)}

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame({"base": dict(self.base_weights), "new": dict(self.weights)}).assign(
            change=lambda f: f["new"] - f["base"])


def _distance(w: np.ndarray, base: np.ndarray, norm: str) -> float:
    diff = np.abs(np.asarray(w) - base)
    return float(diff.sum() if norm == "l1" else diff.max())


def _distances(W: np.ndarray, base: np.ndarray, norm: str) -> np.ndarray:
    diff = np.abs(W - base[None, :])
    return diff.sum(axis=1) if norm == "l1" else diff.max(axis=1)


def _reaches(rank: np.ndarray | int, target: int, up: bool) -> Any:
    return rank <= target if up else rank >= target


def _ball_extremes(D: np.ndarray, base: np.ndarray, radius: float, norm: str, lo: np.ndarray,
                   hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on ``d_k . w`` for feasible ``w`` within ``radius`` of the base."""
    top = _extreme(D, lo, hi, True)
    bottom = _extreme(D, lo, hi, False)
    if norm == "linf":
        blo, bhi = np.maximum(lo, base - radius), np.minimum(hi, base + radius)
        if blo.sum() <= 1 <= bhi.sum():
            top = np.minimum(top, _extreme(D, blo, bhi, True))
            bottom = np.maximum(bottom, _extreme(D, blo, bhi, False))
    else:
        spread = D.max(axis=1) - D.min(axis=1)
        centre = D @ base
        top = np.minimum(top, centre + radius / 2 * spread)
        bottom = np.maximum(bottom, centre - radius / 2 * spread)
    return top, bottom


def _tipping_linear(setup: _Setup, target: int, up: bool, norm: str, lo: np.ndarray, hi: np.ndarray,
                    incumbent: np.ndarray, time_limit: float) -> tuple[np.ndarray, bool, float | None, list[str]]:
    _, D, tol = setup.scaled()
    m = len(setup.metrics)
    base = setup.base
    radius = _distance(incumbent, base, norm) * (1 + 1e-9) + 1e-12
    top, bottom = _ball_extremes(D, base, radius, norm, lo, hi)
    always = bottom > tol
    uncertain = (top > tol) & ~always
    n_always = int(always.sum())
    U = D[uncertain]
    K = U.shape[0]
    n_u = m if norm == "l1" else 1
    notes: list[str] = [f"{K} of {D.shape[0]} rivals undecided within distance {radius:.4g} of the base"]
    margins = _NOT_BEAT_MARGINS if up else _BEAT_MARGINS
    best_fallback = None
    for margin in margins:
        margin = margin if up else max(margin, 100 * tol)
        rows, r_lo, r_hi = [], [], []
        width = m + n_u + K
        # |w - base| <= u (per metric for L1, one u for L-infinity)
        for j in range(m):
            row = np.zeros(width)
            row[j] = 1.0
            row[m + (j if norm == "l1" else 0)] = -1.0
            rows.append(row)
            r_lo.append(-np.inf)
            r_hi.append(base[j])
            row = np.zeros(width)
            row[j] = -1.0
            row[m + (j if norm == "l1" else 0)] = -1.0
            rows.append(row)
            r_lo.append(-np.inf)
            r_hi.append(-base[j])
        row = np.zeros(width)
        row[:m] = 1.0
        rows.append(row)
        r_lo.append(1.0)
        r_hi.append(1.0)
        # the incumbent bounds the optimum: stay inside its ball (keeps the big-M valid)
        row = np.zeros(width)
        row[m:m + n_u] = 1.0
        rows.append(row)
        r_lo.append(-np.inf)
        r_hi.append(radius + 1e-9)
        if K:
            block = np.zeros((K, width))
            block[:, :m] = U
            if up:
                big = top[uncertain] + margin + 1e-9       # y=1: the rival may beat the focus
                block[:, m + n_u:] = -np.diag(big)
                rows.extend(block)
                r_lo.extend([-np.inf] * K)
                r_hi.extend([-margin] * K)
                row = np.zeros(width)
                row[m + n_u:] = 1.0
                rows.append(row)
                r_lo.append(-np.inf)
                r_hi.append(target - 1 - n_always)
            else:
                big = margin - bottom[uncertain] + 1e-9    # y=1: the rival must beat the focus
                block[:, m + n_u:] = -np.diag(big)
                rows.extend(block)
                r_lo.extend(list(margin - big))
                r_hi.extend([np.inf] * K)
                row = np.zeros(width)
                row[m + n_u:] = 1.0
                rows.append(row)
                r_lo.append(target - 1 - n_always)
                r_hi.append(np.inf)
        c = np.concatenate([np.zeros(m), np.ones(n_u), np.zeros(K)])
        lb = np.concatenate([lo, np.zeros(n_u), np.zeros(K)])
        ub = np.concatenate([hi, np.full(n_u, np.inf), np.ones(K)])
        integrality = np.concatenate([np.zeros(m + n_u), np.ones(K)])
        res = _milp(c, np.array(rows), np.array(r_lo), np.array(r_hi), lb, ub, integrality, time_limit)
        if res.x is None:
            notes.append(f"MILP found no solution at margin {margin:g} ({_status_text(res)})")
            continue
        w = _clean(res.x[:m])
        verified = setup.verify(w)
        gap = float(getattr(res, "mip_gap", 0.0) or 0.0)
        if _reaches(verified, target, up):
            return w, res.status == 0, gap, notes
        notes.append(f"re-ranking the MILP weights gave rank {verified} at margin {margin:g}; margins widened")
        best_fallback = best_fallback or (w, gap)
    notes.append("fell back to the best sampled weights that reach the target")
    return incumbent, False, None, notes


def tipping_point(method: Methodology, table: ContributorTable, focus: str = "Alibaba", *,
                  target: int | None = None, up: int | None = None, down: int | None = None,
                  norm: str = "l1", limits: Mapping[str, tuple[float, float]] | None = None,
                  samples: int = DEFAULT_SAMPLES, seed: int | np.random.Generator | None = 0,
                  time_limit: float = 60.0) -> TippingResult:
    """Smallest change of the methodology's weights that moves ``focus`` to a target rank.

    The target is ``target`` (a rank), or ``up``/``down`` places from the current rank
    (default one place up). Moving up means reaching that rank or better, moving down
    that rank or worse. The distance is the L1 norm (``norm="l1"``, at most 2 on the
    simplex) or the largest single change (``norm="linf"``) between weight vectors that
    sum to 1.

    Linear aggregations: a MILP (one binary per undecided rival) seeded by the nearest
    sampled weights that reach the target, which bound the search to a ball around the
    base. The focus must stay strictly ahead of rivals it passes, so the distance is
    the infimum up to a margin of about 1e-6 of the score scale. Non-linear
    aggregations: the nearest of a seeded sample of weights (``exact=False``).

    References
    ----------
    Triantaphyllou E., Sanchez A. (1997). Decision Sciences 28(1):151-194.
    """
    started = time.perf_counter()
    norm = norm.lower()
    if norm not in ("l1", "linf"):
        raise AnalysisError(f"norm must be l1 or linf (got {norm!r})")
    given = [x is not None for x in (target, up, down)]
    if sum(given) > 1:
        raise AnalysisError("give one of target, up or down (got more than one)")
    for label, value in (("up", up), ("down", down)):
        if value is not None and (isinstance(value, bool) or int(value) < 1):
            raise AnalysisError(f"{label} must be a positive number of places (got {value})")
    setup = _setup(method, table, focus)
    lo, hi = _limit_arrays(setup.metrics, limits)
    n = setup.prepared.n_contributors
    base_result = setup.evaluate(setup.base)
    base_rank = int(base_result.rank_of(setup.focus_name))
    if target is None:
        target = base_rank + int(down) if down is not None else base_rank - int(up if up is not None else 1)
    target = int(target)
    if target < 1 or target > n:
        raise AnalysisError(f"target rank must lie between 1 and {n} (got {target})")
    if target == base_rank:
        raise AnalysisError(f"target rank must differ from the current rank {base_rank} (got {target})")
    going_up = target < base_rank
    rng = make_rng(seed)
    W = _samples(setup, lo, hi, max(samples, 1), rng, around=setup.base)
    ranks = setup.focus_ranks(W)
    hits = np.flatnonzero(_reaches(ranks, target, going_up))
    witness: np.ndarray | None = None
    if hits.size == 0 or not setup.linear:
        # no sampled weights reach the target: the bound on that side decides reachability
        if setup.linear:
            side, _, _ = _side_linear(setup, lo, hi, not going_up, time_limit)
            reachable = side.rank <= target if going_up else side.rank >= target
            bound_text = f"{'best' if going_up else 'worst'} attainable rank is {side.rank}"
        else:
            best_rank, worst_rank = int(ranks.min()), int(ranks.max())
            side = None
            reachable = hits.size > 0
            bound_text = f"sampled ranks span {best_rank}-{worst_rank}"
        if not reachable:
            raise AnalysisError(
                f"target rank must be reachable: {setup.focus_name}'s {bound_text} under any weights"
                f"{' within the limits' if limits else ''} (got {target})"
            )
        if side is not None:
            witness = np.array([side.weights[m] for m in setup.metrics])
            line = np.linspace(0.0, 1.0, 401)[1:, None]
            W = setup.base[None, :] + line * (witness - setup.base)[None, :]
            ranks = setup.focus_ranks(W)
            hits = np.flatnonzero(_reaches(ranks, target, going_up))
    d = _distances(W[hits], setup.base, norm)
    incumbent = W[hits[int(np.argmin(d))]]
    if not _reaches(setup.verify(incumbent), target, going_up) and witness is not None:
        incumbent = witness
    notes: list[str] = []
    if setup.linear:
        w, proven, gap, notes = _tipping_linear(setup, target, going_up, norm, lo, hi, incumbent, time_limit)
        solver, exact = MILP_SOLVER, True
        if w is incumbent:
            exact = False
            solver = "sampled (MILP fallback)"
    else:
        w, proven, gap = _clean(incumbent), False, None
        solver = f"sampled, not proven (Dirichlet around the base, {W.shape[0]} weight vectors, seed {seed})"
        exact = False
        notes.append("aggregation not linear in the weights: nearest sampled weights reaching the target")
    w = _clean(w)
    result = setup.evaluate(w)
    reached = int(result.rank_of(setup.focus_name))
    names = setup.prepared.contributors
    f = setup.focus
    before = {names[k] for k in range(n) if base_result.ranks[k] < base_result.ranks[f]}
    after_names = result.table.contributors
    fa = after_names.index(setup.focus_name)
    after = {after_names[k] for k in range(n) if result.ranks[k] < result.ranks[fa]}
    return TippingResult(
        setup.focus_name, method.name, base_rank, target, "up" if going_up else "down", reached, norm,
        _distance(w, setup.base, norm), _weights_dict(setup.metrics, setup.base), _weights_dict(setup.metrics, w),
        tuple(sorted(before - after)), tuple(sorted(after - before)), exact, solver, bool(proven), gap,
        dict(limits or {}), tuple(notes), time.perf_counter() - started,
    )


# ---------------------------------------------------------------------------------------
# winners
# ---------------------------------------------------------------------------------------

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


def winners(method: Methodology, table: ContributorTable, focus: str = "Alibaba", *,
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


# ---------------------------------------------------------------------------------------
# exact volumes
# ---------------------------------------------------------------------------------------

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

