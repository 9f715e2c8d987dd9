"""One-weight sweeps: the focus's rank as one weight goes from 0 to 1, with exact breakpoints.

The other weights keep their proportions. Where the aggregation is linear in the weights
the rank changes only where the path crosses a rival's hyperplane, so the breakpoints are
exact; elsewhere the rank is read on a fine grid and the result says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankings._frames import FrameMixin
from rankings.errors import AnalysisError, UnknownNameError
from rankings.methodology import Methodology
from rankings.sensitivity.exact.common import GRID_POINTS, _Setup, _setup
from rankings.table import ContributorTable


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


def sweep(method: Methodology, table: ContributorTable, focus: str, *,
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

