"""The sensitivity kernels: numba and numpy backends agree bit for bit with the reference.

Reference ranks are :func:`rankings.ranking.rank_scores` row by row; engine results
must not depend on the backend, the compute chunk size or the worker thread count.
"""

from __future__ import annotations

import numpy as np
import pytest

from rankings.methodology import Methodology
from rankings.ranking import rank_scores
from rankings.sensitivity import kernels
from rankings.sensitivity.engine import run_engine
from rankings.sensitivity.problem import build_problem
from rankings.sensitivity.sample import RunSampler
from rankings.table import ContributorTable, MetricSpec

HAVE_NUMBA = kernels.numba_available()
BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(not HAVE_NUMBA, reason="numba missing"))]


def _tie_heavy(rng: np.random.Generator, n: int, N: int) -> np.ndarray:
    S = np.round(rng.random((n, N)) * 5) / 5  # many exact ties
    S[:, 1 % N] = S[:, 0]
    if N >= 4:
        S[:5, 2] = S[:5, 0] + 1e-10  # within the tolerance
        S[5:10, 2] = S[5:10, 0] + 0.6e-9  # a chain: 0 ~ 2 ~ 3 but 0 !~ 3
        S[5:10, 3] = S[5:10, 0] + 1.2e-9
    if N >= 5:
        S[10, 3:5] = -np.inf
        S[11, 2] = np.inf
        S[12, :] = 1e-17 * rng.standard_normal(N)  # all ties (round-off noise)
    return S


@pytest.mark.parametrize("N", [2, 3, 20, 24, 25, 64, 65, 300])
@pytest.mark.parametrize("name", BACKENDS)
def test_competition_ranks_match_rank_scores(N, name):
    rng = np.random.default_rng(N)
    for S in (_tie_heavy(rng, 200, N), rng.lognormal(size=(200, N)), -rng.random((50, N))):
        R = kernels.competition_ranks(S, kernels=name)
        expected = np.array([rank_scores(row) for row in S])
        np.testing.assert_array_equal(R, expected)


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba missing")
def test_nan_rows_rank_alike_on_both_backends():
    rng = np.random.default_rng(3)
    for N in (6, 100):
        S = rng.random((20, N))
        S[::3, 1] = np.nan
        np.testing.assert_array_equal(kernels.competition_ranks(S, kernels="numba"),
                                      kernels.competition_ranks(S, kernels="numpy"))


@pytest.mark.skipif(not HAVE_NUMBA, reason="numba missing")
@pytest.mark.parametrize("m", [1, 2, 3, 4, 5, 6])
def test_focus_ranks_and_scores_bit_identical(m):
    rng = np.random.default_rng(m)
    W = rng.dirichlet(np.ones(m), 3000)
    X = np.round(rng.standard_normal((m, 257)), 1)  # integer-like data: exact ties in real arithmetic
    X[:, 7] = 0.0
    for tol in (0.0, 1e-9):
        np.testing.assert_array_equal(kernels.focus_ranks(W, X, tol, kernels="numba"),
                                      kernels.focus_ranks(W, X, tol, kernels="numpy"))
    a = kernels.linear_scores(W, X, kernels="numba")
    b = kernels.linear_scores(W, X, kernels="numpy")
    assert a.tobytes() == b.tobytes()


def _problem(n: int, *, integer: bool = False):
    rng = np.random.default_rng(n)
    values = rng.integers(0, 6, size=(n, 4)).astype(float) if integer else rng.lognormal(size=(n, 4))
    values[3] = values[1]  # duplicate rows must share every rank
    table = ContributorTable([f"c{i}" for i in range(n)], [MetricSpec(f"m{j}") for j in range(4)], values,
                             label="synthetic")
    method = Methodology(name="t", description="min-max weighted sum", normalize="min-max",
                         aggregate="arithmetic")
    return build_problem(method, table, focus="c1")


def _snapshot(c) -> tuple:
    return (c.runs, c.focus_hist.tolist(), c.acceptability.tolist(), [[int(x) for x in r] for r in c.first_weight_sum],
            c.shift_sum.tolist(), c.run_shift_sum, c.run_shift_sq, c.wins.tolist(),
            np.concatenate(c.focus_runs).tolist() if c.focus_runs else None,
            np.concatenate(c.shift_runs).tolist() if c.shift_runs else None)


@pytest.mark.parametrize("n,integer", [(12, True), (40, False), (90, True)])
def test_engine_independent_of_backend_chunk_and_threads(monkeypatch, n, integer):
    problem = _problem(n, integer=integer)
    pairs = [0, 1, 3, 5]
    results = []
    configs = [("numpy", 1000, 1), ("numpy", 777, 2)]
    if HAVE_NUMBA:
        configs += [("numba", 1000, 1), ("numba", 777, 2), ("numba", 4096, 3), ("numba", None, 2)]
    for name, chunk, threads in configs:
        monkeypatch.setenv("RANKINGS_KERNELS", name)
        c = run_engine(problem, RunSampler(5, problem.weights).batch, 6000, chunk_size=chunk, full=True,
                       pair_rows=pairs, store_runs=True, threads=threads)
        results.append(_snapshot(c))
    for r in results[1:]:
        assert r == results[0]
    acc = np.array(results[0][2])
    assert acc[1].tolist() == acc[3].tolist()


@pytest.mark.parametrize("n", [25, 300])
def test_focus_fast_path_independent_of_backend_chunk_and_threads(monkeypatch, n):
    problem = _problem(n, integer=True)
    hists = []
    configs = [("numpy", 1024, 1), ("numpy", 999, 2)]
    if HAVE_NUMBA:
        configs += [("numba", 1024, 1), ("numba", 999, 2), ("numba", None, 3)]
    for name, chunk, threads in configs:
        monkeypatch.setenv("RANKINGS_KERNELS", name)
        c = run_engine(problem, RunSampler(2, problem.weights).batch, 9000, chunk_size=chunk, full=False,
                       threads=threads)
        assert c.runs == 9000
        hists.append(c.focus_hist.tolist())
    assert all(h == hists[0] for h in hists)


def test_backend_selection(monkeypatch):
    monkeypatch.setenv("RANKINGS_KERNELS", "numpy")
    assert kernels.backend() == "numpy"
    assert kernels.describe().startswith("numpy")
    monkeypatch.setenv("RANKINGS_KERNELS", "bogus")
    with pytest.raises(ValueError):
        kernels.backend()
    monkeypatch.setenv("RANKINGS_KERNELS", "auto")
    assert kernels.backend() == ("numba" if HAVE_NUMBA else "numpy")
    monkeypatch.setenv("RANKINGS_THREADS", "3")
    assert kernels.threads() == 3
