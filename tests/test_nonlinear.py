"""BLAS-free scoring of TOPSIS, WASPAS and geometric in the engine (rankings.sensitivity.nonlinear).

The ordered scorers must equal :meth:`Methodology.score_matrix` up to rounding, give the
same bits for a weight row alone or inside any chunk, and make engine results independent
of the chunk size (a chunk of one run included), the worker count and the backend.
"""

from __future__ import annotations

import numpy as np
import pytest

from rankings.methodology import Methodology
from rankings.sensitivity import kernels
from rankings.sensitivity.engine import run_engine
from rankings.sensitivity.nonlinear import ordered_scorer
from rankings.sensitivity.problem import build_problem
from rankings.sensitivity.sample import RunSampler
from rankings.table import ContributorTable, MetricSpec

CASES = [("vector", "topsis", {}), ("min-max", "waspas", {"lam": 0.3}), ("min-max", "geometric", {}),
         ("ratio-to-leader", "geometric", {})]


def _table(n: int, seed: int = 0) -> ContributorTable:
    rng = np.random.default_rng(seed)
    values = np.round(rng.lognormal(size=(n, 4)), 2)
    values[4] = values[2]  # duplicate rows share every rank
    return ContributorTable([f"c{i}" for i in range(n)], [MetricSpec(f"m{j}") for j in range(4)], values,
                            label="synthetic")


def _method(normalize: str, aggregate: str, params: dict) -> Methodology:
    return Methodology(name="t", description="non-linear", normalize=normalize, aggregate=aggregate,
                       parameters=params)


@pytest.mark.parametrize("normalize,aggregate,params", CASES)
def test_ordered_scores_equal_score_matrix_up_to_rounding(monkeypatch, normalize, aggregate, params):
    method = _method(normalize, aggregate, params)
    table = method.prepare(_table(60))
    Z = method.normalized(table)
    score = ordered_scorer(method, Z)
    assert score is not None
    W = np.random.default_rng(1).dirichlet(np.ones(4), 500)
    W[:50, 0] = 0.0  # a zero weight: a zero value on that metric must not veto
    got = score(W)
    want = method.score_matrix(table, W, prepared=True, normalized=Z)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-15)
    if normalize == "min-max" and aggregate == "geometric":
        assert (Z == 0).any() and (got == 0).any()  # the veto of a zero is kept
    alone = np.vstack([score(W[i:i + 1]) for i in range(0, 500, 37)])
    assert alone.tobytes() == got[::37].tobytes()  # one row alone: the same bits
    if kernels.numba_available():
        for name in ("numba", "numpy"):
            monkeypatch.setenv("RANKINGS_KERNELS", name)
            assert score(W).tobytes() == got.tobytes()  # the same bits on both backends


def test_other_aggregations_keep_score_matrix():
    method = _method("min-max", "arithmetic", {})
    table = method.prepare(_table(10))
    assert ordered_scorer(method, method.normalized(table)) is None
    plugin = Methodology(name="p", description="own score", score=lambda table, w: table.values[:, 0])
    assert ordered_scorer(plugin, np.ones((3, 1))) is None


@pytest.mark.parametrize("normalize,aggregate,params", CASES[:3])
def test_engine_is_independent_of_chunk_threads_and_backend(monkeypatch, normalize, aggregate, params):
    method = _method(normalize, aggregate, params)
    problem = build_problem(method, _table(40, seed=2), focus="c3")
    assert problem.blas_free()
    configs = [("numpy", 1000, 1), ("numpy", 1, 2)]  # a chunk of one run: BLAS would use gemv there
    if kernels.numba_available():
        configs += [("numba", 333, 2), ("numba", None, 3)]
    seen = []
    for name, chunk, threads in configs:
        monkeypatch.setenv("RANKINGS_KERNELS", name)
        c = run_engine(problem, RunSampler(3, problem.weights).batch, 1500, chunk_size=chunk, full=True,
                       pair_rows=[0, 3], threads=threads)
        seen.append((c.focus_hist.tolist(), c.acceptability.tolist(), c.wins.tolist(), c.run_shift_sq))
    assert all(s == seen[0] for s in seen)
    acc = np.array(seen[0][1])
    assert acc[2].tolist() == acc[4].tolist()
