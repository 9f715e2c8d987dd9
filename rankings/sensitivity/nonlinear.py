"""Scores of the non-linear aggregations (TOPSIS, WASPAS, geometric) for the engine, without BLAS.

:meth:`Methodology.score_matrix` computes these aggregations with matrix products (BLAS).
The engine scores them here instead, with the same formulas (:mod:`rankings.aggregate`)
but every weighted sum taken left to right over the metrics by
:func:`rankings.sensitivity.kernels.linear_scores` (compiled, GIL-free, no FMA) and the
rest in numpy element by element. Two reasons:

* the bits: a BLAS product of one weight row (``gemv``) differs from the same row inside
  a larger product (``gemm``) in the last bit for about a third of the scores (measured
  with OpenBLAS), so a chunk of one run could rank differently from the same run in a
  larger chunk; ordered sums give the same bits for any chunk, thread count and backend;
* the cores: with no BLAS call inside a chunk, the engine runs one chunk per core
  (threaded BLAS on tiny ``K = M`` products cannot use them, and several workers calling
  it oversubscribe the machine).

The scores differ from :meth:`Methodology.score_matrix`'s by rounding only (a few units
in the last place), so ranks differ only where two scores sit at the tie tolerance.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from rankings.aggregate import AGGREGATIONS, _positive_log
from rankings.errors import RankingsError
from rankings.sensitivity import kernels

ORDERED = ("geometric", "topsis", "waspas")
"""Aggregations scored here (the linear ones go through their linear form)."""

Scorer = Callable[[np.ndarray], np.ndarray]


def _sums(W: np.ndarray, XT: np.ndarray) -> np.ndarray:
    return kernels.linear_scores(W, XT)


class _Geometric:
    """``exp(W @ log Z)`` with the zero veto; vetoed scores come out as ``exp(-inf) = 0``, the same
    0.0 as ``np.where(veto, 0.0, ...)``. ``exp`` is numpy's on both backends (numba's may round
    differently), after the compiled log sums."""

    def __init__(self, Z: np.ndarray) -> None:
        logs, zero = _positive_log(Z)  # raises on negative values, as the kernel does
        self.logsT = np.ascontiguousarray(logs.T)
        cols = np.flatnonzero(zero.any(axis=0))  # metrics where some contributor is 0
        self.zero_cols = cols.astype(np.int64)
        self.zeroT = np.ascontiguousarray(zero[:, cols].T)
        where = [np.flatnonzero(z) for z in self.zeroT]  # the zeros of each such metric, for the kernel
        self.zero_starts = np.concatenate([[0], np.cumsum([len(w) for w in where])]).astype(np.int64)
        self.zero_rows = np.concatenate(where).astype(np.int64) if where else np.empty(0, dtype=np.int64)

    def __call__(self, W: np.ndarray) -> np.ndarray:
        out = _sums(W, self.logsT)  # compiled on the numba backend: metric by metric over whole rows
        if kernels.backend() == "numba":
            if len(self.zero_cols):
                _kernel("veto")(np.ascontiguousarray(W), self.zero_cols, self.zero_starts, self.zero_rows, out)
        else:
            if len(self.zero_cols):
                # sums of 0/1 terms: exact in any order, so ``> 0`` is the kernel's veto test
                veto = _sums(np.ascontiguousarray((W[:, self.zero_cols] > 0).astype(float)),
                             np.ascontiguousarray(self.zeroT.astype(float))) > 0
                out[veto] = -np.inf
        return np.exp(out, out=out)


def _py_veto(W, cols, starts, rows, out):  # pragma: no cover - runs compiled
    """``out[s, k] = -inf`` where contributor ``k`` has a zero value on a metric that run ``s`` weighs:
    ``rows[starts[c]:starts[c + 1]]`` are the contributors with a zero on metric ``cols[c]`` (a
    list, so a row costs its zeros, not N tests)."""
    n = W.shape[0]
    for s in range(n):
        row = out[s]
        for c in range(cols.shape[0]):
            if W[s, cols[c]] > 0:
                for p in range(starts[c], starts[c + 1]):
                    row[rows[p]] = -np.inf


def _py_topsis(W, plusT, minusT, out):  # pragma: no cover - runs compiled
    """``_Topsis.__call__`` in one pass: the same operations in the same order (no FMA).

    As in :func:`kernels._py_linear_scores`, the distances are summed metric by metric over the
    whole row in two scratch rows, then the closeness is taken over the row: vectorised
    loops, the same bits, measured 3.8x faster at N = 250 than contributor by contributor."""
    n, m = W.shape
    N = plusT.shape[1]
    p = np.empty(N)
    q = np.empty(N)
    for s in range(n):
        w2 = W[s, 0] * W[s, 0]
        for k in range(N):
            p[k] = w2 * plusT[0, k]
            q[k] = w2 * minusT[0, k]
        for j in range(1, m):
            w2 = W[s, j] * W[s, j]
            pj = plusT[j]
            qj = minusT[j]
            for k in range(N):
                p[k] = p[k] + w2 * pj[k]
                q[k] = q[k] + w2 * qj[k]
        row = out[s]
        for k in range(N):
            d_plus = np.sqrt(p[k])
            d_minus = np.sqrt(q[k])
            total = d_plus + d_minus
            row[k] = d_minus / total if total > 0 else 0.5


_compiled: dict[str, Any] = {}
_lock = threading.Lock()


def _kernel(name: str) -> Any:
    with _lock:
        if not _compiled:
            from rankings.sensitivity.fused import _jit

            _compiled["topsis"] = _jit(_py_topsis)
            _compiled["veto"] = _jit(_py_veto)
        return _compiled[name]


class _Topsis:
    def __init__(self, Z: np.ndarray) -> None:
        self.plusT = np.ascontiguousarray(((Z - Z.max(axis=0)) ** 2).T)
        self.minusT = np.ascontiguousarray(((Z - Z.min(axis=0)) ** 2).T)

    def __call__(self, W: np.ndarray) -> np.ndarray:
        if kernels.backend() == "numba":
            W = np.ascontiguousarray(W)
            out = np.empty((W.shape[0], self.plusT.shape[1]))
            _kernel("topsis")(W, self.plusT, self.minusT, out)
            return out
        W2 = W * W
        d_plus = np.sqrt(_sums(W2, self.plusT))
        d_minus = np.sqrt(_sums(W2, self.minusT))
        total = d_plus + d_minus
        return np.where(total > 0, d_minus / np.where(total > 0, total, 1.0), 0.5)


class _Waspas:
    def __init__(self, Z: np.ndarray, lam: float = 0.5) -> None:
        if not 0.0 <= lam <= 1.0:
            raise ValueError("lambda out of range")  # score_matrix reports it
        self.lam = lam
        self.ZT = np.ascontiguousarray(Z.T)
        self.geometric = _Geometric(Z)

    def __call__(self, W: np.ndarray) -> np.ndarray:
        return self.lam * _sums(W, self.ZT) + (1.0 - self.lam) * self.geometric(W)


def _normalised(inner: Callable[[np.ndarray], np.ndarray]) -> Scorer:
    def score(W: np.ndarray) -> np.ndarray:
        W = np.atleast_2d(np.asarray(W, dtype=float))
        return inner(W / W.sum(axis=1, keepdims=True))  # as score_matrix rescales the rows

    return score


def ordered_scorer(method: Any, Z: np.ndarray | None) -> Scorer | None:
    """A BLAS-free scorer ``W -> S`` equal to ``method.score_matrix`` up to rounding, or ``None``.

    ``None`` when the methodology is not one of :data:`ORDERED` on its normalised matrix
    ``Z`` (a plugin, pillars, another aggregation), or when the data or a parameter is
    invalid (then ``score_matrix`` raises its own error as before).
    """
    name = method.aggregate or "arithmetic"
    if Z is None or not method.declarative or name not in ORDERED:
        return None
    if method.pillars is not None and not method.pillars.flat:
        return None
    agg = AGGREGATIONS[name]
    params = {k: v for k, v in method.parameters.items() if k in agg.parameters}
    Z = np.asarray(Z, dtype=float)
    try:
        if name == "geometric":
            inner: Callable[[np.ndarray], np.ndarray] = _Geometric(Z)
        elif name == "topsis":
            inner = _Topsis(Z)
        else:
            inner = _Waspas(Z, float(params.get("lam", 0.5)))
    except (RankingsError, ValueError, TypeError):
        return None
    return _normalised(inner)
