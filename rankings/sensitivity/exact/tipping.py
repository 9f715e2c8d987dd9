"""Tipping points: the smallest L1 or L-infinity weight change that moves the focus to a target rank."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankings._frames import FrameMixin
from rankings.errors import AnalysisError
from rankings.methodology import Methodology
from rankings.sampling import make_rng
from rankings.sensitivity.exact.bounds import _side_linear
from rankings.sensitivity.exact.common import (
    _BEAT_MARGINS,
    _NOT_BEAT_MARGINS,
    DEFAULT_SAMPLES,
    MILP_SOLVER,
    _clean,
    _extreme,
    _limit_arrays,
    _milp,
    _samples,
    _Setup,
    _setup,
    _status_text,
    _weights_dict,
)
from rankings.table import ContributorTable


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
    """Wall-clock time of the analysis; kept out of :meth:`to_dict` so replayed JSON matches."""

    def to_dict(self) -> dict[str, Any]:
        return {"analysis": "tipping", "focus": self.focus, "methodology": self.methodology,
                "base_rank": self.base_rank, "target": self.target, "direction": self.direction,
                "reached_rank": self.reached_rank, "norm": self.norm, "distance": self.distance,
                "base_weights": dict(self.base_weights), "weights": dict(self.weights),
                "change": {m: self.weights[m] - self.base_weights[m] for m in self.weights},
                "passes": list(self.passes), "falls_behind": list(self.falls_behind),
                "solver": self.solver, "proven_optimal": self.proven_optimal, "mip_gap": self.mip_gap,
                "exact": self.exact, "limits": {k: list(v) for k, v in self.limits.items()},
                "notes": list(self.notes)}

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


def tipping_point(method: Methodology, table: ContributorTable, focus: str, *,
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
    moves = target is None  # the target comes from --up / --down (one place up by default)
    if target is None:
        target = base_rank + int(down) if down is not None else base_rank - int(up if up is not None else 1)
    target = int(target)
    if moves and target < 1:
        raise AnalysisError(f"{setup.focus_name} is ranked {base_rank} with the methodology's weights, so it cannot "
                            f"move up {int(up or 1)} place(s) (got a target rank of {target}); try --down")
    if moves and target > n:
        raise AnalysisError(f"{setup.focus_name} is ranked {base_rank} of {n}, so it cannot move down {int(down or 0)} "
                            f"place(s) (got a target rank of {target}); try --up")
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

