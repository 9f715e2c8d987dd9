"""Exact sensitivity of the focus contributor's rank to the weights, one module per analysis.

For a methodology that is linear in the weights (see :mod:`rankings.sensitivity.linear`)
rival ``k`` beats the focus ``f`` under weights ``w`` exactly when ``d_k . w > tol``
with ``d_k = l_k - l_f``. The rank of the focus, ``1 + #{k : d_k . w > tol}``, is then
piecewise constant on the weight simplex, cut by one hyperplane per rival, and

- :func:`sweep` finds the exact breakpoints of a one-weight sweep;
- :func:`rank_bounds` finds the best and worst attainable rank (a branch-and-bound
  over the weight simplex per side, a MILP where it cannot prove its answer);
- :func:`tipping_point` finds the smallest L1 or L-infinity weight change that moves
  the focus to a target rank (a MILP);
- :func:`winners` finds who can be ranked first (one LP per contributor) and which
  subsets of metrics can put the focus first;
- :func:`exact_rank_distribution` integrates the rank over uniform weights exactly,
  every rank, for up to three metrics and for four metrics with up to 150 contributors.

Modules: :mod:`.common` (the linear problem, limits, MILP call), :mod:`.sweep`,
:mod:`.bounds`, :mod:`.branch` (with :mod:`.ties`, :mod:`.leaf`), :mod:`.tipping`, :mod:`.winners`, :mod:`.volumes`.

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

from rankings.sensitivity.exact.bounds import BoundsResult, rank_bounds
from rankings.sensitivity.exact.common import RankWitness, parse_limits
from rankings.sensitivity.exact.sweep import SweepCurve, SweepResult, sweep
from rankings.sensitivity.exact.tipping import TippingResult, tipping_point
from rankings.sensitivity.exact.volumes import exact_rank_distribution, exact_ranks_known
from rankings.sensitivity.exact.winners import SubsetResult, WinnersResult, winners

__all__ = [
    "BoundsResult",
    "RankWitness",
    "SubsetResult",
    "SweepCurve",
    "SweepResult",
    "TippingResult",
    "WinnersResult",
    "exact_rank_distribution",
    "exact_ranks_known",
    "parse_limits",
    "rank_bounds",
    "sweep",
    "tipping_point",
    "winners",
]
