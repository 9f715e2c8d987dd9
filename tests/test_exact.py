"""Exact weight analyses against brute force: sampling, fine grids, Monte Carlo volumes.

Every exact claim is checked against an independent computation through
``LinearProblem.focus_rank`` (vectorised ranking of sampled weights) or
``Methodology.evaluate`` (the code path of ``rankings rank``).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from rankings.data import load_default
from rankings.errors import AnalysisError, RankingsError
from rankings.methodology import Methodology
from rankings.registry import default_registry
from rankings.sensitivity.exact import (
    exact_rank_distribution,
    parse_limits,
    rank_bounds,
    sweep,
    tipping_point,
    winners,
)
from rankings.sensitivity.exact.volumes import MAX_EXACT_M4_CONTRIBUTORS, _distribution_m4, _first_and_last_volumes
from rankings.sensitivity.linear import LinearProblem, linear_problem
from rankings.table import ContributorTable, MetricSpec


def _table(n: int, m: int, seed: int) -> ContributorTable:
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 1.0, size=(n, m)) * rng.uniform(0.5, 3.0, size=m)
    metrics = tuple(MetricSpec(name=f"m{j}") for j in range(m))
    return ContributorTable(contributors=tuple(f"c{i:02d}" for i in range(n)), metrics=metrics,
                            values=values, label="random")


def _method(aggregate: str = "arithmetic", normalize: str = "min-max", weights=None) -> Methodology:
    return Methodology(name="test-linear", description="test", weights=weights, normalize=normalize,
                       aggregate=aggregate)


@pytest.fixture(scope="module")
def default_case():
    return default_registry().get("equal-core"), load_default()


@pytest.fixture(scope="module")
def random_case():
    table = _table(30, 4, seed=11)
    method = _method(weights={"m0": 0.4, "m1": 0.3, "m2": 0.2, "m3": 0.1})
    # a focus in the middle of the pack, so both bounds are informative
    result = method.evaluate(table)
    focus = table.contributors[int(np.argsort(result.ranks)[12])]
    return method, table, focus


def _dirichlet(n: int, m: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).dirichlet(np.ones(m), size=n)


# ---------------------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("solver", ["auto", "milp"])
@pytest.mark.parametrize("case", ["random_case", "default_case"])
def test_bounds_never_beaten_by_random_weights(case, solver, request):
    if case == "random_case":
        method, table, focus = request.getfixturevalue(case)
    else:
        method, table = request.getfixturevalue(case)
        focus = "Alibaba"
    result = rank_bounds(method, table, focus, solver=solver)
    expected = "branch-and-bound over weight simplices" if solver == "auto" else "HiGHS MILP"
    assert result.exact and result.proven_optimal and result.solver == expected
    problem = linear_problem(method, table)
    f = problem.table.contributor_index(focus)
    ranks = problem.focus_rank(f, _dirichlet(100_000, len(problem.metrics), seed=5))
    assert ranks.min() >= result.best.rank
    assert ranks.max() <= result.worst.rank
    assert result.best.rank <= result.base_rank <= result.worst.rank
    # the witnesses attain the ranks claimed (through the ranking code path)
    for witness in (result.best, result.worst):
        assert method.with_overrides(weights=witness.weights).evaluate(table).rank_of(focus) == witness.rank
        assert math.isclose(sum(witness.weights.values()), 1.0, rel_tol=1e-12)


def test_bounds_are_tight_where_sampling_reaches(random_case):
    method, table, focus = random_case
    result = rank_bounds(method, table, focus)
    problem = linear_problem(method, table)
    ranks = problem.focus_rank(problem.table.contributor_index(focus), _dirichlet(100_000, 4, seed=9))
    # a 30 x 4 arrangement: uniform sampling should come within a couple of places
    assert ranks.min() - result.best.rank <= 2
    assert result.worst.rank - ranks.max() <= 2


def test_bounds_respect_limits(random_case):
    method, table, focus = random_case
    limits = {"m0": (0.2, 0.5), "m3": (0.0, 0.1)}
    result = rank_bounds(method, table, focus, limits=limits)
    free = rank_bounds(method, table, focus)
    assert free.best.rank <= result.best.rank and result.worst.rank <= free.worst.rank
    for witness in (result.best, result.worst):
        assert 0.2 - 1e-9 <= witness.weights["m0"] <= 0.5 + 1e-9
        assert witness.weights["m3"] <= 0.1 + 1e-9
    problem = linear_problem(method, table)
    W = _dirichlet(200_000, 4, seed=3)
    W = W[(W[:, 0] >= 0.2) & (W[:, 0] <= 0.5) & (W[:, 3] <= 0.1)]
    ranks = problem.focus_rank(problem.table.contributor_index(focus), W)
    assert ranks.min() >= result.best.rank and ranks.max() <= result.worst.rank


def test_bounds_sampled_for_nonlinear_aggregation(random_case):
    method, table, focus = random_case
    topsis = method.with_overrides(aggregate="topsis", normalize="vector")
    result = rank_bounds(topsis, table, focus, samples=2000, seed=1)
    assert not result.exact and not result.proven_optimal and "sampled" in result.solver
    assert result.best.rank <= result.base_rank <= result.worst.rank
    again = rank_bounds(topsis, table, focus, samples=2000, seed=1)
    assert again.to_dict()["best"] == result.to_dict()["best"]


# ---------------------------------------------------------------------------------------
# tipping
# ---------------------------------------------------------------------------------------

def _near_base(base: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    parts = [rng.dirichlet(np.ones(len(base)), size=n // 4)]
    for kappa in (5.0, 20.0, 80.0):
        parts.append(rng.dirichlet(kappa * base + 0.05, size=n // 4))
    return np.vstack(parts)


@pytest.mark.parametrize("norm", ["l1", "linf"])
@pytest.mark.parametrize("move", [{"up": 1}, {"up": 3}, {"down": 2}])
def test_tipping_reaches_target_and_nothing_closer_does(random_case, norm, move):
    method, table, focus = random_case
    result = tipping_point(method, table, focus, norm=norm, **move)
    assert result.exact and result.proven_optimal
    reached = method.with_overrides(weights=result.weights).evaluate(table).rank_of(focus)
    assert reached == result.reached_rank
    up = result.direction == "up"
    assert reached <= result.target if up else reached >= result.target
    problem = linear_problem(method, table)
    base = np.array([result.base_weights[m] for m in problem.metrics])
    W = _near_base(base, 100_000, seed=21)
    ranks = problem.focus_rank(problem.table.contributor_index(focus), W)
    hits = ranks <= result.target if up else ranks >= result.target
    diff = np.abs(W[hits] - base)
    dist = diff.sum(axis=1) if norm == "l1" else diff.max(axis=1)
    assert hits.any()
    # margins make the MILP optimum the infimum up to ~1e-6 of the score scale
    assert dist.min() >= result.distance - 1e-5
    # and the optimum is no worse than the best sampled hit (every hit is feasible)
    assert result.distance <= dist.min() + 1e-5


def test_tipping_default_dataset(default_case):
    method, table = default_case
    result = tipping_point(method, table, "Alibaba")
    assert result.base_rank == 3 and result.target == 2 and result.reached_rank <= 2
    assert result.passes and result.proven_optimal
    assert 0 < result.distance <= 2


def test_tipping_errors(random_case):
    method, table, focus = random_case
    bounds = rank_bounds(method, table, focus)
    with pytest.raises(AnalysisError, match="target rank must be reachable"):
        tipping_point(method, table, focus, target=bounds.best.rank - 1) if bounds.best.rank > 1 else \
            tipping_point(method, table, focus, target=bounds.worst.rank + 1)
    with pytest.raises(AnalysisError, match="must differ from the current rank"):
        tipping_point(method, table, focus, target=bounds.base_rank)
    with pytest.raises(AnalysisError, match="between 1 and 30"):
        tipping_point(method, table, focus, target=31)
    with pytest.raises(AnalysisError, match="norm must be l1 or linf"):
        tipping_point(method, table, focus, norm="l2")


# ---------------------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", ["random_case", "default_case"])
def test_sweep_matches_fine_grid(case, request):
    if case == "random_case":
        method, table, focus = request.getfixturevalue(case)
    else:
        method, table = request.getfixturevalue(case)
        focus = "Alibaba"
    result = sweep(method, table, focus)
    problem = linear_problem(method, table)
    f = problem.table.contributor_index(focus)
    base = problem.base_weights / problem.base_weights.sum()
    t = np.linspace(0, 1, 20_001)
    assert result.exact
    for j, curve in enumerate(result.curves):
        rest = base.copy()
        rest[j] = 0
        rest /= rest.sum()
        e = np.eye(len(base))[j]
        ranks = problem.focus_rank(f, t[:, None] * e + (1 - t[:, None]) * rest)
        edges = np.array([a for a, _, _ in curve.intervals[1:]])
        expected = np.array([r for _, _, r in curve.intervals])[np.searchsorted(edges, t, side="right")]
        away = np.all(np.abs(t[:, None] - edges[None, :]) > 1e-9, axis=1) if edges.size else np.ones_like(t, bool)
        assert np.array_equal(ranks[away], expected[away]), curve.metric
        # every change of rank on the grid lies at a reported breakpoint
        changes = np.flatnonzero(np.diff(ranks) != 0)
        for c in changes:
            assert np.any((edges >= t[c] - 1e-12) & (edges <= t[c + 1] + 1e-12)), (curve.metric, t[c])
        assert curve.base_rank == method.evaluate(table).rank_of(focus)
        lo, hi = curve.stability
        assert lo <= curve.base_weight <= hi


def test_sweep_nonlinear_is_marked_sampled(random_case):
    method, table, focus = random_case
    result = sweep(method.with_overrides(aggregate="topsis", normalize="vector"), table, focus, metric="m1")
    assert not result.exact and "sampled" in result.note and len(result.curves) == 1
    assert result.curves[0].base_rank == method.with_overrides(aggregate="topsis", normalize="vector") \
        .evaluate(table).rank_of(focus)


# ---------------------------------------------------------------------------------------
# winners
# ---------------------------------------------------------------------------------------

def test_winners_agree_with_sampling(random_case):
    method, table, focus = random_case
    result = winners(method, table, focus)
    problem = linear_problem(method, table)
    scores = _dirichlet(100_000, 4, seed=13) @ problem.L.T
    sampled = {table.contributors[i] for i in np.unique(np.argmax(scores, axis=1))}
    assert sampled <= set(result.winners)
    for name, weights in result.winners.items():
        assert method.with_overrides(weights=weights).evaluate(table).rank_of(name) == 1
    # metric subsets for a contributor that can win: monotone, and witnesses work
    champion = next(iter(result.winners))
    own = winners(method, table, champion)
    good = {s.metrics for s in own.focus_subsets if s.can_be_first}
    assert tuple(problem.metrics) in good
    for s in own.focus_subsets:
        if s.can_be_first:
            assert all(v == 0 for k, v in s.weights.items() if k not in s.metrics)
            assert method.with_overrides(weights=s.weights).evaluate(table).rank_of(champion) == 1
            for other in own.focus_subsets:
                if set(s.metrics) < set(other.metrics):
                    assert other.can_be_first
        if len(s.metrics) == 1:
            j = problem.metrics.index(s.metrics[0])
            assert s.can_be_first == (problem.L[table.contributors.index(champion), j] >= problem.L[:, j].max())


def test_winners_default_dataset(default_case):
    method, table = default_case
    result = winners(method, table, "Alibaba")
    assert not result.focus_can_win
    assert "Google" in result.winners
    assert not any(s.can_be_first for s in result.focus_subsets)


# ---------------------------------------------------------------------------------------
# exact volumes
# ---------------------------------------------------------------------------------------

def _check_against_mc(problem, focus: int, exact: dict[int, float], complete: bool, seed: int) -> None:
    S = 200_000
    ranks = problem.focus_rank(focus, _dirichlet(S, len(problem.metrics), seed))
    observed = np.bincount(ranks, minlength=problem.L.shape[0] + 2) / S
    if complete:
        assert math.isclose(sum(exact.values()), 1.0, abs_tol=1e-9)
        checked = range(1, len(observed))
    else:
        checked = exact.keys()
    for r in checked:
        p = exact.get(r, 0.0)
        se = math.sqrt(max(p * (1 - p), 1.0 / S) / S)
        # 4.5 standard errors: a Bonferroni bound over ~30 ranks keeps false alarms < 1e-4
        assert abs(observed[r] - p) <= 4.5 * se, (r, observed[r], p)


@pytest.mark.parametrize("m,seed", [(2, 1), (3, 2), (3, 7), (4, 3)])
def test_exact_volumes_agree_with_monte_carlo(m, seed):
    table = _table(30, m, seed)
    problem = linear_problem(_method(), table)
    rng = np.random.default_rng(seed)
    for focus in rng.choice(30, size=3, replace=False):
        exact = exact_rank_distribution(problem, int(focus))
        _check_against_mc(problem, int(focus), exact, complete=True, seed=seed + 100)


def _integer_table(n: int, top: int, seed: int) -> ContributorTable:
    """Small integer scores: many tied rows, parallel rival planes, planes through vertices."""
    values = np.random.default_rng(seed).integers(0, top + 1, size=(n, 4)).astype(float)
    return ContributorTable(contributors=tuple(f"c{i:02d}" for i in range(n)),
                            metrics=tuple(MetricSpec(name=f"m{j}") for j in range(4)), values=values, label="ties")


@pytest.mark.parametrize("table", [_table(20, 4, 12), _integer_table(24, 2, 5)], ids=["random", "ties"])
def test_exact_volumes_m4_every_rank_agrees_with_monte_carlo(table):
    problem = linear_problem(_method(), table)
    n = len(table.contributors)
    if table.label == "ties":
        assert len({tuple(row) for row in problem.L}) < n      # the table really has tied rows
    for focus in (0, n // 3, n // 2, n - 1):
        exact = exact_rank_distribution(problem, focus)
        assert all(v > 0 for v in exact.values())
        _check_against_mc(problem, focus, exact, complete=True, seed=200 + focus)
        # ranks 1 and last are convex polytopes: Qhull's volumes must agree
        D = np.delete(problem.differences(focus), focus, axis=0)
        for r, volume in _first_and_last_volumes(D, problem.tolerance()).items():
            assert exact.get(r, 0.0) == pytest.approx(volume, abs=1e-9), r


def _cell_volume(A: np.ndarray, b: np.ndarray) -> float:
    """Volume of the bounded polytope ``{x in R^3 : A x + b <= 0}`` from all its vertices."""
    from scipy.spatial import ConvexHull

    points = []
    for rows in itertools.combinations(range(len(A)), 3):
        M = A[list(rows)]
        if abs(np.linalg.det(M)) < 1e-12:
            continue
        x = np.linalg.solve(M, -b[list(rows)])
        if np.all(A @ x + b <= 1e-13):
            points.append(x)
    if len(points) < 4:
        return 0.0
    P = np.array(points)
    if np.linalg.matrix_rank(P[1:] - P[0], tol=1e-13) < 3:
        return 0.0
    return float(ConvexHull(P).volume)


def _cell_enumeration(D: np.ndarray, tol: float) -> dict[int, float]:
    """P(rank) as the sum of the volumes of all 2^(N-1) sign cells (x = w1..w3, w4 = 1 - sum)."""
    A = D[:, :3] - D[:, [3]]
    b = D[:, 3] - tol
    simplex_A = np.vstack([-np.eye(3), np.ones((1, 3))])
    simplex_b = np.array([0.0, 0.0, 0.0, -1.0])
    out: dict[int, float] = {}
    for signs in itertools.product([1.0, -1.0], repeat=len(D)):
        s = np.array(signs)             # +1: a . x + b > 0 (beats), -1: <= 0
        volume = 6.0 * _cell_volume(np.vstack([simplex_A, -s[:, None] * A]), np.concatenate([simplex_b, -s * b]))
        rank = 1 + int(np.count_nonzero(s > 0))
        out[rank] = out.get(rank, 0.0) + volume
    return out


@pytest.mark.parametrize("top,seed", [(1, 2), (1, 3), (2, 1), (3, 141), (None, 0)])
def test_exact_volumes_m4_equal_cell_enumeration(top, seed):
    # every sign cell's volume from its vertices, summed by rank: an independent exact answer;
    # 0/1 and 0..3 tables put rival planes on facets, edges, vertices and at distance tol
    table = _integer_table(8, top, seed) if top is not None else _table(8, 4, seed)
    problem = linear_problem(_method(), table)
    focus = seed % 8
    exact = exact_rank_distribution(problem, focus)
    expected = _cell_enumeration(np.delete(problem.differences(focus), focus, axis=0), problem.tolerance())
    assert sum(exact.values()) == pytest.approx(1.0, abs=1e-12)
    for r in set(exact) | set(expected):
        assert exact.get(r, 0.0) == pytest.approx(expected.get(r, 0.0), abs=1e-12), r


def test_exact_volumes_m4_degenerate_rivals():
    # hand-made L: copies of the focus, duplicated rivals, a rival at 2x another's gap
    # (a parallel plane tol away), planes through the centroid, vertices and edges
    L = np.array([[0.5, 0.5, 0.5, 0.5],      # focus
                  [0.5, 0.5, 0.5, 0.5],      # tied with the focus everywhere
                  [1.0, 0.0, 0.5, 0.5],
                  [1.0, 0.0, 0.5, 0.5],      # duplicate rival: one plane, counted twice
                  [1.5, -0.5, 0.5, 0.5],     # 2x the gap of the rival above
                  [0.5, 0.5, 1.0, 0.0],
                  [1.0, 1.0, 0.0, 0.0],
                  [1.0, 0.5, 0.5, 0.5],      # beats wherever w1 > tol-ish
                  [0.0, 0.5, 0.5, 0.5]])     # never beats
    table = ContributorTable(contributors=tuple(f"c{i}" for i in range(len(L))),
                             metrics=tuple(MetricSpec(name=f"m{j}") for j in range(4)), values=L, label="hand")
    problem = LinearProblem(_method(), table, L, np.full(4, 0.25))
    exact = exact_rank_distribution(problem, 0)
    assert sum(exact.values()) == pytest.approx(1.0, abs=1e-12)
    expected = _cell_enumeration(np.delete(problem.differences(0), 0, axis=0), problem.tolerance())
    for r in set(exact) | set(expected):
        assert exact.get(r, 0.0) == pytest.approx(expected.get(r, 0.0), abs=1e-12), r
    _check_against_mc(problem, 0, exact, complete=True, seed=31)


def test_exact_volumes_m4_first_and_last_rank_match_polytopes():
    table = _table(30, 4, 4)
    problem = linear_problem(_method(), table)
    for focus, rank in ((int(np.argmax(problem.L.sum(axis=1))), 1), (int(np.argmin(problem.L.sum(axis=1))), 30)):
        exact = exact_rank_distribution(problem, focus)
        assert exact[rank] > 0.05
        D = np.delete(problem.differences(focus), focus, axis=0)
        polytopes = _first_and_last_volumes(D, problem.tolerance())
        assert exact[rank] == pytest.approx(polytopes[rank], abs=1e-9)
        assert exact.get(1, 0.0) == pytest.approx(polytopes[1], abs=1e-9)
        _check_against_mc(problem, focus, exact, complete=True, seed=77 + rank)


def test_exact_volumes_m4_opposite_and_coincident_planes():
    # with no tie margin, rivals d and -d cut the simplex along one plane from opposite
    # sides, and d, 2d along the same side; only the Monte Carlo count can judge these
    rng = np.random.default_rng(8)
    d = rng.normal(size=(3, 4))
    D = np.vstack([d, -d[:2], 2 * d[1:], [[1.0, -1.0, 0.0, 0.0]], [[0.0, 0.0, 0.0, 0.0]]])
    exact = _distribution_m4(D.copy(), 0.0)
    assert sum(exact.values()) == pytest.approx(1.0, abs=1e-12)
    S = 200_000
    counts = np.count_nonzero(_dirichlet(S, 4, 9) @ D.T > 0, axis=1)
    observed = np.bincount(counts, minlength=len(D) + 1) / S
    for c, freq in enumerate(observed):
        p = exact.get(c + 1, 0.0)
        assert abs(freq - p) <= 4.5 * math.sqrt(max(p * (1 - p), 1.0 / S) / S), (c + 1, freq, p)


def test_exact_volumes_reject_large_problems():
    problem = linear_problem(_method(), _table(10, 5, 0))
    with pytest.raises(AnalysisError, match="at most 4 metrics"):
        exact_rank_distribution(problem, 0)
    n = MAX_EXACT_M4_CONTRIBUTORS + 1
    problem = linear_problem(_method(), _table(n, 4, 0))
    with pytest.raises(AnalysisError, match=f"at most {MAX_EXACT_M4_CONTRIBUTORS} contributors "
                                            f"\\(got {n}\\).*rankings sensitivity"):
        exact_rank_distribution(problem, 0)


# ---------------------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("limits,message", [
    ({"m0": (0.8, 1.0), "m1": (0.8, 1.0)}, "lower limits sum to 1.6"),
    ({"m0": (0.0, 0.1), "m1": (0.0, 0.1), "m2": (0.0, 0.1), "m3": (0.0, 0.1)}, "upper limits to 0.4"),
    ({"zz": (0.0, 0.5)}, "unknown metric 'zz'"),
    ({"m0": (-0.1, 0.5)}, r"0 <= lo <= hi <= 1 \(got -0.1:0.5\)"),
    ({"m0": (0.6, 0.5)}, r"0 <= lo <= hi <= 1"),
])
def test_bad_limits(random_case, limits, message):
    method, table, focus = random_case
    for call in (rank_bounds, winners, tipping_point):
        with pytest.raises(AnalysisError, match=message) as info:
            call(method, table, focus, limits=limits)
        assert "\n" not in str(info.value)


def test_parse_limits():
    assert parse_limits("a=0.1:0.5, b=0:1") == {"a": (0.1, 0.5), "b": (0.0, 1.0)}
    for bad in ("a=0.1", "a=x:1", "a=0:1,a=0:1", ""):
        with pytest.raises(AnalysisError):
            parse_limits(bad)


def test_unknown_focus_and_metric(random_case):
    method, table, _ = random_case
    with pytest.raises(RankingsError, match="unknown contributor"):
        rank_bounds(method, table, "Nobody")
    with pytest.raises(AnalysisError, match="unknown metric 'm9'"):
        sweep(method, table, "c00", metric="m9")
