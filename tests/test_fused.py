"""The focus kernel that draws its own weights (rankings.sensitivity.fused): same bits as numpy's draws.

The weights drawn inside the compiled kernel must be those of :meth:`WeightSampler.block`
bit for bit (same Generator stream, numpy's summation order), and the engine's focus
histogram must not change with the worker count, the way blocks are split, or whether the
weights were drawn in the kernel or in numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

from rankings.methodology import Methodology
from rankings.sampling import block_rng
from rankings.sensitivity import fused, kernels
from rankings.sensitivity.engine import run_engine
from rankings.sensitivity.problem import build_problem
from rankings.sensitivity.sample import GEN_BLOCK, RunSampler, WeightSampler
from rankings.table import ContributorTable, MetricSpec

pytestmark = pytest.mark.skipif(not kernels.numba_available(), reason="numba missing")


@pytest.mark.parametrize("m", [2, 3, 4, 5, 7, 8, 9, 16, 17, 31])
def test_kernel_draws_are_numpys_bits(m):
    sampler = WeightSampler(tuple(f"m{j}" for j in range(m)))
    for seed, block in ((0, 0), (11, 3)):
        want = sampler.block(seed, block, block_rng(seed, block))
        got = fused.dirichlet_rows(block_rng(seed, block), 0, GEN_BLOCK, m)
        assert want.tobytes() == got.tobytes()
        part = fused.dirichlet_rows(block_rng(seed, block), 1000, 77, m)  # runs 1000..1076 of the block
        assert want[1000:1077].tobytes() == part.tobytes()
    assert fused.kernel_draws_match(m)


def test_which_samplers_the_kernel_draws():
    assert fused.applies(WeightSampler(("a", "b")))
    assert not fused.applies(WeightSampler(("a",)))
    assert not fused.applies(WeightSampler(("a", "b"), kind="qmc"))
    assert not fused.applies(WeightSampler(("a", "b"), kind="concentrated", base=(0.5, 0.5)))
    assert not fused.applies(WeightSampler(("a", "b"), limits={"a": (0.1, 0.9)}))


def _problem(n: int, m: int):
    rng = np.random.default_rng(n + m)
    values = rng.integers(0, 5, size=(n, m)).astype(float)  # integer data: exact ties between contributors
    values[2] = values[0]
    table = ContributorTable([f"c{i}" for i in range(n)], [MetricSpec(f"m{j}") for j in range(m)], values,
                             label="synthetic")
    method = Methodology(name="t", description="min-max weighted sum", normalize="min-max", aggregate="arithmetic")
    return build_problem(method, table, focus="c0")


@pytest.mark.parametrize("n,m,samples", [(30, 4, 2 * GEN_BLOCK + 123), (40, 3, GEN_BLOCK), (20, 9, 5000),
                                         (700, 4, 3000), (600, 2, GEN_BLOCK + 5)])
def test_drawn_focus_histogram_is_the_same_everywhere(monkeypatch, n, m, samples):
    problem = _problem(n, m)
    sampler = RunSampler(7, problem.weights)
    monkeypatch.setenv("RANKINGS_KERNELS", "numpy")
    want = run_engine(problem, sampler.batch, samples, full=False).focus_hist.tolist()
    monkeypatch.setenv("RANKINGS_KERNELS", "numba")
    calls: list[int] = []
    real = fused.focus_block
    monkeypatch.setattr(fused, "focus_block", lambda *args: (calls.append(args[3]), real(*args)))
    seen: list[int] = []
    for threads in (1, 2, 3):
        seen.clear()
        got = run_engine(problem, RunSampler(7, problem.weights).batch, samples, full=False, threads=threads,
                         progress=lambda done, total: seen.append(done))
        assert got.focus_hist.tolist() == want
        assert got.runs == samples and seen[-1] == samples and seen == sorted(seen)
        assert sum(calls) == samples  # every run was drawn inside the kernel
        calls.clear()
    # weights drawn in numpy (any callable other than RunSampler.batch takes that path)
    plain = run_engine(problem, lambda a, b: sampler.batch(a, b), samples, full=False, chunk_size=999, threads=2)
    assert plain.focus_hist.tolist() == want


def test_focus_counts_match_on_both_backends(monkeypatch):
    from rankings.ranking import rank_scores

    rng = np.random.default_rng(5)
    S = np.round(rng.random((300, 40)), 1)  # many exact ties
    S[:20, 7] = S[:20, 3] + 1e-10  # within the tolerance of the focus 3
    S[20:30, 5] = np.nan
    S[30:40, 9] = np.inf
    S[40:45, 3] = -np.inf
    got = {}
    for name in ("numpy", "numba"):
        monkeypatch.setenv("RANKINGS_KERNELS", name)
        got[name] = fused.focus_counts(S, 3)
    assert got["numpy"].tolist() == got["numba"].tolist()
    finite = np.isfinite(S).all(axis=1)
    assert got["numba"][finite].tolist() == [int(rank_scores(row)[3]) for row in S[finite]]


def test_a_shared_run_sampler_draws_each_block_once(monkeypatch):
    """The engine's workers share one RunSampler: every block is drawn once, whatever the chunk size."""
    from concurrent.futures import ThreadPoolExecutor

    drawn: list[int] = []
    real = RunSampler._draw
    monkeypatch.setattr(RunSampler, "_draw", lambda self, b: (drawn.append(b), real(self, b))[1])
    problem = _problem(30, 3)
    monkeypatch.setenv("RANKINGS_KERNELS", "numpy")
    one = run_engine(problem, RunSampler(4, problem.weights).batch, 3 * GEN_BLOCK, chunk_size=512, full=True,
                     threads=3)
    assert sorted(drawn) == [0, 1, 2]  # not once per worker
    drawn.clear()
    serial = run_engine(problem, RunSampler(4, problem.weights).batch, 3 * GEN_BLOCK, chunk_size=5000,
                        full=True, threads=1)
    assert one.acceptability.tolist() == serial.acceptability.tolist()
    sampler, fresh = RunSampler(9, problem.weights), RunSampler(9, problem.weights)
    starts = list(range(0, 3 * GEN_BLOCK, 512))
    with ThreadPoolExecutor(4) as pool:  # threads asking for the same blocks at once
        got = list(pool.map(lambda a: sampler.batch(a, a + 512).weights, starts))
    for a, w in zip(starts, got):
        assert w.tobytes() == fresh.batch(a, a + 512).weights.tobytes()
