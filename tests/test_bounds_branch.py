"""The branch-and-bound behind ``rank_bounds`` against the MILP and against brute force.

Brute force: the rank of the focus is ``1 + #{k : e_k . w > 0}`` with ``e_k = d_k - tol``
(scaled, ``sum w = 1``), piecewise constant on the arrangement of the rivals' planes cut
by the polytope of admissible weights. The fewest rivals ahead (closed "does not beat")
is attained at a vertex of that arrangement; on a generic table the most rivals ahead is
too, counting the planes through the vertex as beating (every sign pattern of the
independent planes through a simple vertex occurs next to it). Small tables have few
enough vertices to try every one.
"""

from __future__ import annotations

import contextlib
import itertools
from unittest import mock

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankings.methodology import Methodology
from rankings.sensitivity.exact import branch as branch_module
from rankings.sensitivity.exact import rank_bounds
from rankings.sensitivity.exact.branch import BRANCH_SOLVER, polytope_vertices, search, triangulate
from rankings.sensitivity.exact.common import MILP_SOLVER, _limit_arrays, _setup
from rankings.sensitivity.exact.leaf import settle as leaf_settle
from rankings.sensitivity.exact.ties import cone_max
from rankings.table import ContributorTable, MetricSpec

METHOD = Methodology(name="test-linear", description="test", normalize="min-max", aggregate="arithmetic")
ON_PLANE = 1e-12


def _table(values: np.ndarray) -> ContributorTable:
    n, m = values.shape
    return ContributorTable(contributors=tuple(f"c{i}" for i in range(n)),
                            metrics=tuple(MetricSpec(name=f"m{j}") for j in range(m)), values=values, label="t")


@contextlib.contextmanager
def bisection_only():
    """The search without its exact small-region and tie-point steps: plain bisection."""
    with mock.patch.object(branch_module, "MAX_LEAF", 0), mock.patch.object(branch_module, "MAX_TIED", 0):
        yield


def _vertex_ranks(table: ContributorTable, focus: str, limits) -> tuple[int, int]:
    """Fewest and most rivals ahead over every vertex of the arrangement (see the module docstring)."""
    setup = _setup(METHOD, table, focus)
    lo, hi = _limit_arrays(setup.metrics, limits)
    _, D, tol = setup.scaled()
    E = D - tol
    m = len(lo)
    planes = [(e, 0.0) for e in E]
    planes += [(np.eye(m)[j], b) for j in range(m) for b in (lo[j], hi[j])]
    fewest, most = None, None
    for combo in itertools.combinations(planes, m - 1):
        A = np.vstack([np.ones(m), *[a for a, _ in combo]])
        b = np.array([1.0, *[c for _, c in combo]])
        if np.linalg.matrix_rank(A, tol=1e-10) < m:
            continue
        w = np.linalg.solve(A, b)
        if np.any(w < lo - 1e-12) or np.any(w > hi + 1e-12):
            continue
        v = E @ w
        low, high = int(np.count_nonzero(v > ON_PLANE)), int(np.count_nonzero(v >= -ON_PLANE))
        fewest = low if fewest is None else min(fewest, low)
        most = high if most is None else max(most, high)
    assert fewest is not None and most is not None
    return 1 + fewest, 1 + most


@st.composite
def generic_cases(draw):
    n = draw(st.integers(2, 9))
    m = draw(st.integers(2, 4))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 1.0, size=(n, m)) * rng.uniform(0.5, 3.0, size=m)
    focus = f"c{draw(st.integers(0, n - 1))}"
    limits = None
    if draw(st.booleans()):
        j = draw(st.integers(0, m - 1))
        a = draw(st.sampled_from([0.0, 0.1, 0.2]))
        limits = {f"m{j}": (a, a + draw(st.sampled_from([0.3, 0.5])))}
    return _table(values), focus, limits


@given(generic_cases())
def test_branch_agrees_with_the_milp_and_with_brute_force(case):
    table, focus, limits = case
    new = rank_bounds(METHOD, table, focus, limits=limits)
    old = rank_bounds(METHOD, table, focus, limits=limits, solver="milp")
    with bisection_only():
        bisected = rank_bounds(METHOD, table, focus, limits=limits)
    assert new.proven_optimal and new.exact and bisected.proven_optimal
    assert (new.best.rank, new.worst.rank) == (old.best.rank, old.worst.rank)
    assert (new.best.rank, new.worst.rank) == (bisected.best.rank, bisected.worst.rank)
    assert (new.best.rank, new.worst.rank) == _vertex_ranks(table, focus, limits)
    assert new.to_dict().keys() == old.to_dict().keys()
    for witness in (new.best, new.worst):
        assert METHOD.with_overrides(weights=witness.weights).evaluate(table).rank_of(focus) == witness.rank


def _lp_worst(table: ContributorTable, focus: str) -> int:
    """Most rivals ahead by trying every set of rivals: can they all beat the focus at once (an LP each)?

    On small-integer tables a set that can beat the focus does so by a clear margin (the
    differences are multiples of 1/range), so a margin above the LP's feasibility tolerance decides.
    """
    from scipy.optimize import linprog

    setup = _setup(METHOD, table, focus)
    _, D, tol = setup.scaled()
    K, m = D.shape
    most = 0
    for size in range(K, 0, -1):
        for S in itertools.combinations(range(K), size):
            # maximise t: d_k . w >= tol + t for k in S, w on the simplex, t <= 1
            A = np.hstack([-D[list(S)], np.ones((size, 1))])
            res = linprog(np.append(np.zeros(m), -1.0), A_ub=A, b_ub=np.full(size, -tol),
                          A_eq=np.append(np.ones(m), 0.0)[None, :], b_eq=[1.0],
                          bounds=[(0, 1)] * m + [(None, 1.0)], method="highs")
            if res.status == 0 and res.x[-1] > 1e-7:
                return 1 + size
    return 1 + most


@given(st.integers(3, 7).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.integers(0, 3), min_size=3, max_size=3), min_size=n, max_size=n),
    st.integers(0, n - 1))))
def test_branch_on_tied_integer_tables_is_never_wrong_when_it_claims_a_proof(case):
    rows, f = case
    values = np.array(rows, dtype=float)
    if np.any(values.max(axis=0) == values.min(axis=0)):
        values[0] += 1.0                   # min-max needs some spread on every metric
    table = _table(values)
    focus = f"c{f}"
    new = rank_bounds(METHOD, table, focus)
    with bisection_only():
        bisected = rank_bounds(METHOD, table, focus)
    fewest, most = _vertex_ranks(table, focus, None)
    for result in (new, bisected):
        for side, exact in ((result.best, fewest), (result.worst, _lp_worst(table, focus))):
            assert side.rank == exact if side.proven_optimal else True
    assert fewest <= new.best.rank and new.worst.rank <= most
    if new.best.proven_optimal:
        assert new.best.rank == fewest
    worst = _lp_worst(table, focus)
    assert new.worst.rank <= worst
    if new.worst.proven_optimal:
        assert new.worst.rank == worst
    old = rank_bounds(METHOD, table, focus, solver="milp")
    if new.proven_optimal and old.proven_optimal:
        assert (new.best.rank, new.worst.rank) == (old.best.rank, old.worst.rank)
    for witness in (new.best, new.worst):
        assert METHOD.with_overrides(weights=witness.weights).evaluate(table).rank_of(focus) == witness.rank


def test_polytope_vertices_and_triangulation_cover_the_limited_simplex():
    lo, hi = np.array([0.1, 0.0, 0.0, 0.2]), np.array([0.5, 1.0, 0.3, 1.0])
    V = polytope_vertices(lo, hi)
    assert np.allclose(V.sum(axis=1), 1) and np.all(V >= lo - 1e-12) and np.all(V <= hi + 1e-12)
    simplices = triangulate(lo, hi)
    # every sampled admissible point lies in some simplex (barycentric coordinates >= 0)
    W = np.random.default_rng(0).dirichlet(np.ones(4), size=20_000)
    W = W[np.all((W >= lo) & (W <= hi), axis=1)]
    covered = np.zeros(len(W), dtype=bool)
    for S in simplices:
        A = np.vstack([S.T, np.ones(len(S))])
        lam = np.linalg.lstsq(A, np.vstack([W.T, np.ones(len(W))]), rcond=None)[0]
        covered |= np.all(lam >= -1e-9, axis=0)
    assert len(W) > 100 and covered.all()
    # a fixed weight: a lower-dimensional polytope, triangulated in its affine hull
    flat = triangulate(np.array([0.25, 0.0, 0.0, 0.0]), np.array([0.25, 1.0, 1.0, 1.0]))
    assert all(len(S) == 3 for S in flat) and all(np.allclose(S[:, 0], 0.25) for S in flat)


def test_search_reports_no_proof_when_the_node_budget_runs_out():
    rng = np.random.default_rng(3)
    E = rng.normal(size=(400, 4))
    lo, hi = np.zeros(4), np.ones(4)
    cut = search(E, lo, hi, True, max_nodes=3)
    full = search(E, lo, hi, True)
    assert full.proven and not cut.proven and cut.count <= full.count <= cut.bound


def test_rank_bounds_falls_back_to_the_milp_when_the_search_stops(monkeypatch):
    rng = np.random.default_rng(5)
    table = _table(rng.gamma(2.0, 1.0, size=(60, 4)))
    reference = rank_bounds(METHOD, table, "c7")
    assert reference.solver == BRANCH_SOLVER
    monkeypatch.setattr(branch_module, "MAX_NODES", 1)
    result = rank_bounds(METHOD, table, "c7")
    assert result.solver == MILP_SOLVER and result.proven_optimal
    assert (result.best.rank, result.worst.rank) == (reference.best.rank, reference.worst.rank)
    assert any("branch-and-bound stopped" in note for note in result.notes)


def test_unknown_solver_is_refused():
    from rankings.errors import AnalysisError

    with pytest.raises(AnalysisError, match="solver must be 'auto' or 'milp'"):
        rank_bounds(METHOD, _table(np.eye(3)), "c0", solver="simplex")


@given(st.integers(0, 2**32 - 1), st.integers(1, 3), st.integers(0, 2))
def test_cone_max_is_attained_and_never_beaten_by_sampled_directions(seed, d, n_facets):
    rng = np.random.default_rng(seed)
    # small integer normals: many planes share rays, as tied integer tables produce
    G = rng.integers(-2, 3, size=(int(rng.integers(1, 12)), d)).astype(float)
    F = np.eye(d)[:min(n_facets, d)]
    c, u = cone_max(G, F)
    assert u is not None and c >= 0
    assert np.all(F @ u > 0) and np.count_nonzero(G @ u > 0) == c
    U = rng.normal(size=(20_000, d))
    U = U[np.all(U @ F.T > 0, axis=1)]
    assert np.count_nonzero(U @ G.T > 0, axis=1).max(initial=0) <= c


def test_tied_integer_tables_agree_with_the_milp_and_brute_force():
    rng = np.random.default_rng(0)
    for _ in range(6):
        values = rng.integers(0, 4, size=(40, 4)).astype(float)
        table = _table(values)
        focus = f"c{int(rng.integers(0, 40))}"
        new = rank_bounds(METHOD, table, focus)
        old = rank_bounds(METHOD, table, focus, solver="milp")
        with bisection_only():
            bisected = rank_bounds(METHOD, table, focus)
        assert new.proven_optimal and new.solver == BRANCH_SOLVER
        if bisected.proven_optimal:
            assert (new.best.rank, new.worst.rank) == (bisected.best.rank, bisected.worst.rank)
        assert new.best.rank == _vertex_ranks(table, focus, None)[0]
        if old.proven_optimal:
            assert (new.best.rank, new.worst.rank) == (old.best.rank, old.worst.rank)


@given(st.integers(0, 2**32 - 1), st.booleans(), st.booleans())
def test_leaf_settles_a_region_exactly_with_a_witness(seed, worst, tied):
    """The small-region step alone: its count is attained by an offered point and never beaten by samples."""
    rng = np.random.default_rng(seed)
    V = rng.dirichlet(np.ones(4), size=4)              # a random simplex region of the weight simplex
    C = int(rng.integers(1, 12))
    E = rng.normal(size=(C, 4))
    if tied:                                           # several planes through one point of the region
        p = rng.dirichlet(np.ones(4)) @ V
        E[: C // 2 + 1] -= (E[: C // 2 + 1] @ p)[:, None]
    vals = E @ V.T
    offered: list[tuple[int, np.ndarray]] = []

    def offer(counts, points, settled=False):
        for c, w in zip(counts, points):
            offered.append((int(c), w))

    exact = leaf_settle(V, vals, 3, worst, offer, E)
    lam = rng.dirichlet(np.ones(4), size=50_000)
    sampled = 3 + np.count_nonzero(lam @ vals.T > 0, axis=1)
    counts = [c for c, _ in offered]
    if worst:
        assert sampled.max() <= exact and max(counts) == exact
    else:
        # planes forced through one point may leave the fewest at that point alone, where the
        # witness (counted as beaten on a plane) cannot show it: then only the bound is exact
        assert sampled.min() >= exact and min(counts) >= exact
        assert min(counts) == exact or tied
    # every offered point is in the region and its count is honest (a vertex on a plane, offered
    # only for the fewest, counts that plane's rival as ahead: never better than the truth)
    for c, w in offered:
        bary = np.linalg.lstsq(np.vstack([V.T, np.ones(4)]), np.append(w, 1.0), rcond=None)[0]
        honest = 3 + np.count_nonzero(E @ w > 0)
        assert np.all(bary >= -1e-9) and (c == honest if worst else c >= honest)
