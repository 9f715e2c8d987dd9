"""The focus-rank kernel that draws its own weights: Dirichlet(1) generation fused with the count.

The linear focus-only fast path (:meth:`SamplingProblem.focus_fast_path`) counts, for each
run, ``1 + #{k : sum_j w_j D[j, k] > tol}``. With uniform weights and no limits, drawing
the weights in numpy costs more than the count itself below a few hundred contributors
(about 70 ns a run for the exponentials, the row sums and the division, against about
25 ns inside a compiled loop), and it needs the GIL. This module draws them inside the
compiled kernel, one generation block at a time, with the block's own numpy ``Generator``
(:func:`rankings.sampling.block_rng`): numba's ``Generator.standard_exponential`` runs
numpy's ziggurat on the same bit generator, so the draws are the same numbers, and the
row sum follows numpy's pairwise summation, so the weights are the same bits as
:meth:`WeightSampler.block` (checked once per process and metric count by
:func:`kernel_draws_match`, and by ``tests/test_fused.py``; on a mismatch, e.g. another
numpy, the engine keeps drawing in numpy).

A run's weights therefore still depend only on the seed and its generation block, and the
histogram of focus ranks is the same integers whichever way the blocks are cut or
shared between worker threads.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from rankings.sensitivity import kernels
from rankings.sensitivity.sample.weights import GEN_BLOCK, WeightSampler

MAX_METRICS = 128
"""Up to this many metrics numpy sums a row in one pairwise block (the kernel follows it)."""

_lock = threading.Lock()
_compiled: dict[str, Any] = {}
_checked: dict[int, bool] = {}


# ---------------------------------------------------------------------------------------
# Kernel sources (plain Python; compiled by numba on first use)
# ---------------------------------------------------------------------------------------

def _py_row_sum(g, m):  # pragma: no cover - runs compiled
    """``g[:m].sum()`` in numpy's order: sequential below 8, else 8 pairwise lanes (m <= 128)."""
    if m < 8:
        res = 0.0
        for j in range(m):
            res += g[j]
        return res
    r0, r1, r2, r3, r4, r5, r6, r7 = g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]
    i = 8
    end = m - m % 8
    while i < end:
        r0 += g[i]
        r1 += g[i + 1]
        r2 += g[i + 2]
        r3 += g[i + 3]
        r4 += g[i + 4]
        r5 += g[i + 5]
        r6 += g[i + 6]
        r7 += g[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < m:
        res += g[i]
        i += 1
    return res


def _py_draw(rng, m, g):  # pragma: no cover - runs compiled (inlined)
    """One Dirichlet(1) weight vector into ``g`` (the rule of ``sample.weights._dirichlet``)."""
    if m < 8:
        total = 0.0
        for j in range(m):
            x = rng.standard_exponential()
            g[j] = x
            total += x
    else:
        for j in range(m):
            g[j] = rng.standard_exponential()
        total = _nb_row_sum(g, m)
    if total <= 0.0:  # every exponential underflowed: all weight on the first metric
        for j in range(m):
            g[j] = 0.0
        g[0] = 1.0
        total = 1.0
    for j in range(m):
        g[j] = g[j] / total


def _py_dirichlet_rows(rng, skip, m, out):  # pragma: no cover - runs compiled
    """Rows ``skip .. skip + len(out)`` of a block's weights (for the self-check)."""
    g = np.empty(m)
    for _ in range(skip):
        _nb_draw(rng, m, g)
    for s in range(out.shape[0]):
        _nb_draw(rng, m, g)
        for j in range(m):
            out[s, j] = g[j]


def _py_focus_block(rng, skip, count, DT, tol, hist):  # pragma: no cover - runs compiled
    """``hist[r] += 1`` for the focus rank ``r`` of runs ``skip .. skip + count`` of a block.

    The same sum as ``kernels._py_focus_ranks``: left to right over the metrics, no FMA.
    """
    m, N = DT.shape
    g = np.empty(m)
    for _ in range(skip):
        _nb_draw(rng, m, g)
    if m == 4:
        d0, d1, d2, d3 = DT[0], DT[1], DT[2], DT[3]
        for _ in range(count):
            # _py_draw written out for four metrics (measured 16 ns a run against 25 through g)
            e0 = rng.standard_exponential()
            e1 = rng.standard_exponential()
            e2 = rng.standard_exponential()
            e3 = rng.standard_exponential()
            total = ((e0 + e1) + e2) + e3
            if total <= 0.0:
                e0, e1, e2, e3, total = 1.0, 0.0, 0.0, 0.0, 1.0
            w0, w1, w2, w3 = e0 / total, e1 / total, e2 / total, e3 / total
            c = 0
            for k in range(N):
                c += (((w0 * d0[k] + w1 * d1[k]) + w2 * d2[k]) + w3 * d3[k]) > tol
            hist[1 + c] += 1
    elif m == 3:
        d0, d1, d2 = DT[0], DT[1], DT[2]
        for _ in range(count):
            _nb_draw(rng, m, g)
            w0, w1, w2 = g[0], g[1], g[2]
            c = 0
            for k in range(N):
                c += ((w0 * d0[k] + w1 * d1[k]) + w2 * d2[k]) > tol
            hist[1 + c] += 1
    elif m == 2:
        d0, d1 = DT[0], DT[1]
        for _ in range(count):
            _nb_draw(rng, m, g)
            w0, w1 = g[0], g[1]
            c = 0
            for k in range(N):
                c += (w0 * d0[k] + w1 * d1[k]) > tol
            hist[1 + c] += 1
    else:
        acc = np.empty(N)
        for _ in range(count):
            _nb_draw(rng, m, g)
            w0 = g[0]
            for k in range(N):
                acc[k] = w0 * DT[0, k]
            for j in range(1, m):
                wj = g[j]
                dj = DT[j]
                for k in range(N):
                    acc[k] = acc[k] + wj * dj[k]
            c = 0
            for k in range(N):
                c += acc[k] > tol
            hist[1 + c] += 1


def _py_focus_counts(S, f, out):  # pragma: no cover - runs compiled
    """``out[s] = 1 + #{k : S[s, k] - S[s, f] > tol_s}``, ``tol_s`` the tolerance of row ``s``."""
    n, N = S.shape
    for s in range(n):
        tol = _nb_row_tolerance(S[s])
        sf = S[s, f]
        c = 0
        for k in range(N):
            c += (S[s, k] - sf) > tol
        out[s] = 1 + c


_nb_row_sum: Any = None
_nb_draw: Any = None
_nb_row_tolerance: Any = None


_jit = kernels._jit


def _compile() -> dict[str, Any]:
    global _nb_row_sum, _nb_draw, _nb_row_tolerance
    with _lock:
        if _compiled:
            return _compiled
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cache-related NumbaWarnings on read-only installs
            _nb_row_sum = _jit(_py_row_sum)
            _nb_draw = _jit(_py_draw, inline="always")
            _nb_row_tolerance = _jit(kernels._py_row_tolerance, inline="always")
            _compiled.update(dirichlet_rows=_jit(_py_dirichlet_rows), focus_block=_jit(_py_focus_block),
                             focus_counts=_jit(_py_focus_counts))
        return _compiled


# ---------------------------------------------------------------------------------------
# Public entry points
# ---------------------------------------------------------------------------------------

def applies(sampler: WeightSampler) -> bool:
    """Whether the kernel can draw this sampler's weights (uniform, no limits, 2..128 metrics)."""
    return sampler.kind == "dirichlet" and not sampler.limits and 2 <= sampler.m <= MAX_METRICS


def dirichlet_rows(rng: np.random.Generator, skip: int, count: int, m: int) -> np.ndarray:
    """Rows ``skip .. skip + count`` of a uniform weight block drawn by the kernel (count x m)."""
    out = np.empty((count, m))
    (_compiled or _compile())["dirichlet_rows"](rng, int(skip), m, out)
    return out


def kernel_draws_match(m: int) -> bool:
    """Once per metric count: the kernel's draws equal :meth:`WeightSampler.block`'s, bit for bit."""
    hit = _checked.get(m)
    if hit is None:
        from rankings.sampling import block_rng

        sampler = WeightSampler(tuple(f"m{j}" for j in range(m)))
        want = sampler.block(0, 0, block_rng(0, 0))
        got = dirichlet_rows(block_rng(0, 0), 0, GEN_BLOCK, m)
        hit = _checked[m] = bool(np.array_equal(want.view(np.uint64), got.view(np.uint64)))
    return hit


def focus_block(seed: int, block: int, skip: int, count: int, DT: np.ndarray, tol: float,
                hist: np.ndarray) -> None:
    """Add the focus ranks of runs ``skip .. skip + count`` of generation block ``block`` to ``hist``.

    Releases the GIL while it runs (only the block's ``Generator`` is made under it).
    """
    from rankings.sampling import block_rng

    (_compiled or _compile())["focus_block"](block_rng(seed, block), int(skip), int(count), DT, float(tol), hist)


def focus_counts(S: np.ndarray, f: int) -> np.ndarray:
    """Focus rank of each row of a score chunk (runs x N) with the tolerance rule of
    :mod:`rankings.ranking`: ``1 + #{k : S[s, k] - S[s, f] > tol_s}`` (int64). One pass per
    row on the numba backend; the numpy one makes the same comparisons."""
    S = np.ascontiguousarray(S, dtype=np.float64)
    if kernels.backend() == "numba":
        out = np.empty(S.shape[0], dtype=np.int64)
        (_compiled or _compile())["focus_counts"](S, int(f), out)
        return out
    row_tol = kernels.row_tolerance(S)
    with np.errstate(invalid="ignore"):  # inf - inf: not above the focus, as in the kernel
        return 1 + np.count_nonzero(S - S[:, f:f + 1] > row_tol[:, None], axis=1)
