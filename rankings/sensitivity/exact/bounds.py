"""Best and worst attainable rank of the focus over the (limited) weight simplex.

A sign pre-pass settles the rivals that beat (or cannot beat) the focus everywhere; a
branch-and-bound over the weight polytope (:mod:`.branch`) settles the rest, with a MILP
(HiGHS) where it cannot prove its answer. Non-linear aggregations are answered by seeded
sampling.
"""

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
from rankings.sensitivity.exact.branch import BRANCH_SOLVER, MAX_BRANCH_METRICS, centre, search
from rankings.sensitivity.exact.common import (
    _BEAT_MARGINS,
    _NOT_BEAT_MARGINS,
    DEFAULT_SAMPLES,
    MILP_SOLVER,
    PREPASS_SOLVER,
    RankWitness,
    _classify,
    _clean,
    _feasible_point,
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
    """Wall-clock time of the analysis; kept out of :meth:`to_dict` so replayed JSON matches."""

    @property
    def proven_optimal(self) -> bool:
        return self.best.proven_optimal and self.worst.proven_optimal

    def to_dict(self) -> dict[str, Any]:
        return {"analysis": "bounds", "focus": self.focus, "methodology": self.methodology,
                "contributors": self.n_contributors, "base_rank": self.base_rank,
                "best": self.best.to_dict(), "worst": self.worst.to_dict(),
                "solver": self.solver, "proven_optimal": self.proven_optimal, "exact": self.exact,
                "limits": {k: list(v) for k, v in self.limits.items()}, "notes": list(self.notes)}

    def to_frame(self) -> Any:
        import pandas as pd

        rows = []
        for side, w in (("best", self.best), ("worst", self.worst)):
            rows.append({"bound": side, "rank": w.rank, "proven_optimal": w.proven_optimal, **dict(w.weights)})
        return pd.DataFrame(rows).set_index("bound")


def _side_linear(setup: _Setup, lo: np.ndarray, hi: np.ndarray, worst: bool, time_limit: float,
                 solver: str = "auto") -> tuple[RankWitness, str, list[str]]:
    """Best (``worst=False``) or worst attainable rank: sign pre-pass, branch-and-bound, MILP.

    The branch-and-bound of :mod:`.branch` answers (and proves) the usual few-metric
    problems, usually in under a second at N = 2,500 (M = 4); the MILP is kept for more metrics and for
    degenerate tables on which the search stops at its node budget, or whose witness does
    not re-rank as claimed.
    """
    _, D, tol = setup.scaled()
    m = len(setup.metrics)
    always, uncertain, top, bottom = _classify(D, tol, lo, hi)
    n_always = int(always.sum())
    U = D[uncertain]
    K = U.shape[0]
    side = "worst" if worst else "best"
    if K == 0:
        w = _clean(_feasible_point(setup.base, lo, hi))
        rank = setup.verify(w)
        return RankWitness(rank, _weights_dict(setup.metrics, w), True, 0.0), PREPASS_SOLVER, []
    searched: RankWitness | None = None
    notes: list[str] = []
    if solver == "auto" and m <= MAX_BRANCH_METRICS:
        out = search(U - tol, lo, hi, worst, tol=tol)
        w = _clean(centre(U - tol, out.weights, lo, hi))
        claimed, verified = 1 + n_always + out.count, setup.verify(w)
        searched = RankWitness(verified, _weights_dict(setup.metrics, w), out.proven and verified == claimed,
                               0.0 if out.proven else None)
        if searched.proven_optimal:
            return searched, BRANCH_SOLVER, []
        if not out.proven:
            notes = [f"{side} rank: the branch-and-bound stopped after {out.nodes} regions with the rank between "
                     f"{1 + n_always + min(out.count, out.bound)} and {1 + n_always + max(out.count, out.bound)}; "
                     "solved by MILP"]
        else:
            notes = [f"{side} rank: the branch-and-bound's witness re-ranked to {verified}, not {claimed}; "
                     "solved by MILP"]
    witness, used, milp_notes = _side_milp(setup, U, n_always, top[uncertain], bottom[uncertain], tol, lo, hi,
                                           worst, time_limit)
    if searched is not None and not witness.proven_optimal and \
            (searched.rank > witness.rank if worst else searched.rank < witness.rank):
        witness = RankWitness(searched.rank, searched.weights, False, witness.mip_gap)
        milp_notes = [*milp_notes, f"{side} rank: the branch-and-bound's witness is better than the MILP's"]
    return witness, used, notes + milp_notes


def _side_milp(setup: _Setup, U: np.ndarray, n_always: int, top: np.ndarray, bottom: np.ndarray, tol: float,
               lo: np.ndarray, hi: np.ndarray, worst: bool, time_limit: float
               ) -> tuple[RankWitness, str, list[str]]:
    """The MILP: one binary per uncertain rival, big-M rows valid on the limited simplex."""
    m = len(setup.metrics)
    K = U.shape[0]
    notes: list[str] = []
    margins = _BEAT_MARGINS if worst else _NOT_BEAT_MARGINS
    last: tuple[RankWitness, str, list[str]] | None = None
    failure = ""
    for margin in margins:
        margin = max(margin, 100 * tol) if worst else margin
        if worst:
            # y_k = 1 -> d_k.w >= margin; big-M from the minimum of d_k.w on the box.
            big = margin - bottom + 1e-9
            A = np.hstack([U, -np.diag(big)])
            a_lo, a_hi = margin - big, np.full(K, np.inf)
            c = np.concatenate([np.zeros(m), -np.ones(K)])
        else:
            # y_k = 0 -> d_k.w <= -margin; big-M from the maximum of d_k.w on the box.
            big = top + margin + 1e-9
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
            # HiGHS reports "Solve error" on some tiny problems at the narrowest margin (a 4 x 3
            # textbook matrix); a wider margin solves them, and the answer is re-ranked below anyway
            failure = f"the bounds MILP must find a solution (got status {_status_text(res)} at margin {margin:g})"
            continue
        if failure:
            notes = [f"{'worst' if worst else 'best'} rank: {failure}; solved with the margin widened to {margin:g}"]
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
        if not proven:
            notes = [*notes, f"{'worst' if worst else 'best'} rank: MILP stopped early ({_status_text(res)})"]
        return RankWitness(verified, _weights_dict(setup.metrics, w), proven, gap), MILP_SOLVER, notes
    if last is None:
        raise AnalysisError(failure)
    return last


def rank_bounds(method: Methodology, table: ContributorTable, focus: str, *,
                limits: Mapping[str, tuple[float, float]] | None = None, samples: int = DEFAULT_SAMPLES,
                seed: int | np.random.Generator | None = 0, time_limit: float = 60.0,
                solver: str = "auto") -> BoundsResult:
    """Best and worst attainable rank of ``focus`` over all weightings, with witnesses.

    Linear aggregations: rivals that can never beat the focus (``max d_k.w <= tol`` on
    the feasible weights) or always beat it (``min d_k.w > tol``) are settled by a sign
    pre-pass; the rest are settled by a branch-and-bound over simplices of the weight
    polytope (:mod:`.branch`: exact interval bounds from the vertices, a sampled
    incumbent) for up to six metrics. Where it stops unproven (degenerate tables) or for
    more metrics, a MILP with one binary per rival and big-M constants valid on the
    simplex (``scipy.optimize.milp``, HiGHS) answers: counted rivals must beat the focus
    by a small margin, uncounted ones must not beat it. Each witness is re-ranked through
    :meth:`Methodology.evaluate` and the verified rank is reported.
    Non-linear aggregations: best and worst over a seeded Dirichlet(1) sample
    (``exact=False``, not proven).

    Parameters
    ----------
    limits : metric -> (lo, hi), fractions of the total weight, optional.
    samples, seed : sample size and seed for non-linear aggregations.
    time_limit : seconds per MILP.
    solver : ``"auto"`` (branch-and-bound, MILP where it cannot prove the answer) or
        ``"milp"`` (the MILP only, as before issue #16; kept for comparison).
    """
    started = time.perf_counter()
    if solver not in ("auto", "milp"):
        raise AnalysisError(f"solver must be 'auto' or 'milp' (got {solver!r})")
    setup = _setup(method, table, focus)
    lo, hi = _limit_arrays(setup.metrics, limits)
    base_rank = setup.verify(setup.base)
    if setup.linear:
        best, solver_b, notes_b = _side_linear(setup, lo, hi, False, time_limit, solver)
        worst, solver_w, notes_w = _side_linear(setup, lo, hi, True, time_limit, solver)
        used = next((name for name in (MILP_SOLVER, BRANCH_SOLVER) if name in (solver_b, solver_w)), PREPASS_SOLVER)
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
        used = f"sampled, not proven (Dirichlet(1), {W.shape[0]} weight vectors, seed {seed})"
        notes = ("aggregation not linear in the weights: bounds are over a sample",)
        exact = False
    return BoundsResult(setup.focus_name, method.name, setup.prepared.n_contributors, base_rank, best, worst,
                        exact, used, dict(limits or {}), notes, time.perf_counter() - started)

