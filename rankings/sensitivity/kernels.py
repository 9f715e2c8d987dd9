"""Inner loops of the sampled sensitivity engine: compiled (numba) and pure numpy.

Two interchangeable backends give bit-identical results:

* ``numba`` (used when numba imports): serial, GIL-free kernels compiled on first
  use and cached on disk when the package folder is writable. The engine runs them
  from several Python threads, each on its own compute chunk with its own counters,
  so generation (numpy, partly GIL-free) and ranking both use every core.
* ``numpy``: the same arithmetic with array operations, chunk by chunk.

Set ``RANKINGS_KERNELS=numpy`` to force the numpy backend (``numba`` to require the
compiled one) and ``RANKINGS_THREADS`` to fix the worker thread count.

Shared arithmetic (so that both backends agree to the last bit):

* linear scores and focus differences are summed left to right over the metrics,
  ``((w0*x0 + w1*x1) + w2*x2) + ...``, with no fused multiply-add and no BLAS;
* ties follow :mod:`rankings.ranking`: tolerance ``1e-9 * max|finite s| + 1e-12`` per
  score vector, and neighbours in sorted order closer than it share the best position
  of their group (chains included). For small N ranks come from an O(N^2) pairwise
  count, which equals the sorted rule unless two scores differ by a nonzero amount
  within the tolerance (or a score is NaN); such rows are re-ranked by sorting.
* central-weight sums are integers (weights in units of 2**-32), so every counter is
  an integer and sums over threads do not depend on scheduling.
"""

from __future__ import annotations

import os
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from rankings.ranking import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE
from rankings.sensitivity.backends import (  # noqa: F401 - re-exported: kernels.backend() and friends
    BACKENDS,
    KERNELS_ENV,
    THREADS_ENV,
    backend,
    describe,
    numba_available,
    numba_installed,
    prefer_numpy_for,
    threads,
)

WEIGHT_SCALE = 2.0**32
COUNTING_MAX_N = 64
"""Up to this many contributors, ranks come from the pairwise count (numba backend;
measured faster than sorting up to about N = 64 here)."""
NUMPY_COUNTING_MAX_N = 24
"""The numpy pairwise count materialises runs x N x N booleans: keep it for tiny N."""

_lock = threading.Lock()
_compiled: dict[str, Any] = {}


# ---------------------------------------------------------------------------------------
# Kernel sources (plain Python; compiled by numba on first use)
# ---------------------------------------------------------------------------------------

def _py_focus_ranks(W, DT, tol, out):  # pragma: no cover - runs compiled
    """out[s] = 1 + #{k : sum_j W[s, j] * DT[j, k] > tol}, summed left to right."""
    n, m = W.shape
    N = DT.shape[1]
    if m == 4:
        d0, d1, d2, d3 = DT[0], DT[1], DT[2], DT[3]
        for s in range(n):
            w0, w1, w2, w3 = W[s, 0], W[s, 1], W[s, 2], W[s, 3]
            c = 0
            for k in range(N):
                c += (((w0 * d0[k] + w1 * d1[k]) + w2 * d2[k]) + w3 * d3[k]) > tol
            out[s] = 1 + c
    elif m == 3:
        d0, d1, d2 = DT[0], DT[1], DT[2]
        for s in range(n):
            w0, w1, w2 = W[s, 0], W[s, 1], W[s, 2]
            c = 0
            for k in range(N):
                c += ((w0 * d0[k] + w1 * d1[k]) + w2 * d2[k]) > tol
            out[s] = 1 + c
    elif m == 2:
        d0, d1 = DT[0], DT[1]
        for s in range(n):
            w0, w1 = W[s, 0], W[s, 1]
            c = 0
            for k in range(N):
                c += (w0 * d0[k] + w1 * d1[k]) > tol
            out[s] = 1 + c
    else:
        g = np.empty(N)
        for s in range(n):
            w0 = W[s, 0]
            for k in range(N):
                g[k] = w0 * DT[0, k]
            for j in range(1, m):
                wj = W[s, j]
                dj = DT[j]
                for k in range(N):
                    g[k] = g[k] + wj * dj[k]
            c = 0
            for k in range(N):
                c += g[k] > tol
            out[s] = 1 + c


def _py_linear_scores(W, LT, out):  # pragma: no cover - runs compiled
    """out[s, k] = sum_j W[s, j] * LT[j, k], summed left to right."""
    n, m = W.shape
    N = LT.shape[1]
    for s in range(n):
        row = out[s]
        w0 = W[s, 0]
        for k in range(N):
            row[k] = w0 * LT[0, k]
        for j in range(1, m):
            wj = W[s, j]
            lj = LT[j]
            for k in range(N):
                row[k] = row[k] + wj * lj[k]


def _py_row_tolerance(row):  # pragma: no cover - runs compiled
    """The tolerance of :func:`row_tolerance` for one row: the largest finite ``|x|`` (NaN and inf
    skipped) in four running maxima, so that the comparisons pipeline (a maximum is exact in
    any order; measured 2.3x faster than one running maximum at N = 250)."""
    N = row.shape[0]
    b0 = 0.0
    b1 = 0.0
    b2 = 0.0
    b3 = 0.0
    k = 0
    while k + 4 <= N:
        a = abs(row[k])
        b0 = a if (a > b0 and a != np.inf) else b0
        a = abs(row[k + 1])
        b1 = a if (a > b1 and a != np.inf) else b1
        a = abs(row[k + 2])
        b2 = a if (a > b2 and a != np.inf) else b2
        a = abs(row[k + 3])
        b3 = a if (a > b3 and a != np.inf) else b3
        k += 4
    while k < N:
        a = abs(row[k])
        b0 = a if (a > b0 and a != np.inf) else b0
        k += 1
    return RELATIVE_TOLERANCE * max(max(b0, b1), max(b2, b3)) + ABSOLUTE_TOLERANCE


def _py_count_ranks(row, tol, ranks):  # pragma: no cover - runs compiled
    """Pairwise-count ranks; False (ranks unusable) if a near-tie chain or NaN is present."""
    N = row.shape[0]
    for k in range(N):
        if row[k] != row[k]:
            return False
    for i in range(N):
        si = row[i]
        c = 0
        near = 0
        for k in range(N):
            d = row[k] - si
            c += d > tol
            near += (d != 0.0) & (abs(d) <= tol)
        if near:
            return False
        ranks[i] = 1 + c
    return True


def _py_radix_order(row, keys, tmpk, idx, tmpi, counts):  # pragma: no cover - runs compiled
    """Ascending order of a NaN-free row: stable LSD radix sort on order-preserving bit keys."""
    N = row.shape[0]
    bits = row.view(np.uint64)
    sign = np.uint64(1) << np.uint64(63)
    for k in range(N):
        b = bits[k]
        keys[k] = ~b if b & sign else b | sign
        idx[k] = k
    counts[:, :] = 0
    for k in range(N):
        x = keys[k]
        for p in range(8):
            counts[p, (x >> np.uint64(8 * p)) & np.uint64(255)] += 1
    srck, srci, dstk, dsti = keys, idx, tmpk, tmpi
    for p in range(8):
        shift = np.uint64(8 * p)
        if counts[p, (srck[0] >> shift) & np.uint64(255)] == N:
            continue  # every key has the same digit here
        total = 0
        for d in range(256):
            c = counts[p, d]
            counts[p, d] = total
            total += c
        for k in range(N):
            x = srck[k]
            d = (x >> shift) & np.uint64(255)
            pos = counts[p, d]
            counts[p, d] = pos + 1
            dstk[pos] = x
            dsti[pos] = srci[k]
        srck, dstk = dstk, srck
        srci, dsti = dsti, srci
    return srci


def _py_sort_ranks(row, tol, ranks, keys, tmpk, idx, tmpi, counts):  # pragma: no cover - runs compiled
    """Sorted-order ranks: a new group starts where the gap to the previous score exceeds tol."""
    N = row.shape[0]
    has_nan = False
    for k in range(N):
        if row[k] != row[k]:
            has_nan = True
            break
    if has_nan:
        order = np.argsort(row, kind="mergesort")  # NaN last, as numpy
    else:
        order = _nb_radix_order(row, keys, tmpk, idx, tmpi, counts)
    _nb_order_ranks(row, order, tol, ranks)


def _py_order_ranks(row, order, tol, ranks):  # pragma: no cover - runs compiled
    """Ranks of a row from its ascending order and the tolerance rule: walking down from the top,
    a new group starts where the gap to the previous score exceeds ``tol``."""
    N = row.shape[0]
    top = order[N - 1]
    prev = row[top]
    ranks[top] = 1
    start = 0
    for p in range(1, N):
        i = order[N - 1 - p]
        cur = row[i]
        if prev - cur > tol:
            start = p
        ranks[i] = start + 1
        prev = cur


def _py_rank_rows(S, use_count, out):  # pragma: no cover - runs compiled
    N = S.shape[1]
    ranks = np.empty(N, dtype=np.int64)
    keys, tmpk = np.empty(N, dtype=np.uint64), np.empty(N, dtype=np.uint64)
    idx, tmpi = np.empty(N, dtype=np.int64), np.empty(N, dtype=np.int64)
    counts = np.empty((8, 256), dtype=np.int64)
    for s in range(S.shape[0]):
        row = S[s]
        tol = _nb_row_tolerance(row)
        if not (use_count and _nb_count_ranks(row, tol, ranks)):
            _nb_sort_ranks(row, tol, ranks, keys, tmpk, idx, tmpi, counts)
        for i in range(N):
            out[s, i] = ranks[i]


# Names the compiled kernels call each other by (bound to dispatchers in _compile).
_nb_row_tolerance: Any = None
_nb_count_ranks: Any = None
_nb_sort_ranks: Any = None
_nb_radix_order: Any = None
_nb_order_ranks: Any = None


_use_cache = True
"""False once numba's on-disk cache proved unreadable: the kernels are then compiled in memory."""


def _jit(fn: Any, **options: Any) -> Any:
    """``numba.njit`` (GIL released) with the on-disk cache while it is usable; every compiled kernel
    of the package is made here (``options``: further njit options, e.g. ``inline``)."""
    import numba

    try:
        return numba.njit(nogil=True, cache=_use_cache, **options)(fn)
    except Exception:  # read-only install without a usable cache folder: compile in memory
        return numba.njit(nogil=True, cache=False, **options)(fn)


def _from_numba_cache(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while numba read its on-disk cache (a corrupted or truncated file)."""
    import traceback

    frames = traceback.extract_tb(exc.__traceback__)
    return any("numba" in f.filename and "caching" in f.filename for f in frames)


def _call(name: str, *args: Any) -> Any:
    """Call a compiled kernel; an unreadable cache is recompiled in memory once, with a warning."""
    global _use_cache
    try:
        return _kernel(name)(*args)
    except Exception as exc:
        if not _use_cache or not _from_numba_cache(exc):
            raise
        from rankings.errors import RankingsWarning

        folder = os.path.join(os.path.dirname(os.path.abspath(__file__)), "__pycache__")
        warnings.warn(f"numba's kernel cache in {folder} could not be read ({type(exc).__name__}: "
                      f"{str(exc).splitlines()[0] if str(exc) else 'unreadable'}); the kernels were compiled "
                      "afresh in memory this time; delete that folder to rebuild the cache", RankingsWarning,
                      stacklevel=2)
        with _lock:
            _use_cache = False
            _compiled.clear()
        return _kernel(name)(*args)


def _compile() -> dict[str, Any]:
    global _nb_row_tolerance, _nb_count_ranks, _nb_sort_ranks, _nb_radix_order, _nb_order_ranks
    with _lock:
        if _compiled:
            return _compiled
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cache-related NumbaWarnings on read-only installs
            _nb_row_tolerance = _jit(_py_row_tolerance)
            _nb_count_ranks = _jit(_py_count_ranks)
            _nb_radix_order = _jit(_py_radix_order)
            _nb_order_ranks = _jit(_py_order_ranks)
            _nb_sort_ranks = _jit(_py_sort_ranks)
            _compiled.update(
                focus_ranks=_jit(_py_focus_ranks),
                linear_scores=_jit(_py_linear_scores),
                rank_rows=_jit(_py_rank_rows),
            )
        return _compiled


def cache_folders() -> list[Path]:
    """Where numba keeps this module's kernel cache: ``$NUMBA_CACHE_DIR`` alone when it is set (numba
    then reads and writes only there), else ``__pycache__`` beside this file or, when that folder
    cannot be written (a read-only install), the user cache folder (e.g. ``~/.cache/numba``)."""
    override = os.environ.get("NUMBA_CACHE_DIR")
    if override:
        return [Path(override)]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return [Path(__file__).resolve().parent / "__pycache__", Path(base) / "numba"]


def cache_ready() -> bool:
    """Whether the acceptability kernel's cache (the largest compile) is on disk, read without numba."""
    pattern = f"accept_kernels._py_accumulate-*.py{sys.version_info[0]}{sys.version_info[1]}.nbi"
    for folder in cache_folders():
        if not folder.is_dir():
            continue
        hits = folder.glob(pattern) if folder.name == "__pycache__" else folder.rglob(pattern)
        if next(iter(hits), None) is not None:
            return True
    return False


def _kernel(name: str) -> Any:
    return (_compiled or _compile())[name]


# ---------------------------------------------------------------------------------------
# Public kernels (dispatch on the backend)
# ---------------------------------------------------------------------------------------

def focus_ranks(W: np.ndarray, DT: np.ndarray, tol: float, *, kernels: str | None = None) -> np.ndarray:
    """Focus rank per weight row: ``1 + #{k : (W @ DT)[s, k] > tol}`` (int64, length S)."""
    W = np.ascontiguousarray(W, dtype=np.float64)
    DT = np.ascontiguousarray(DT, dtype=np.float64)
    out = np.empty(W.shape[0], dtype=np.int64)
    if backend(kernels) == "numba":
        _call("focus_ranks", W, DT, float(tol), out)
        return out
    step = max(1, 2**18 // max(DT.shape[1], 1))
    g = np.empty((min(step, W.shape[0]), DT.shape[1]))
    tmp = np.empty_like(g)
    for a in range(0, W.shape[0], step):
        w = W[a:a + step]
        gg, tt = g[: len(w)], tmp[: len(w)]
        _ordered_product(w, DT, gg, tt)
        out[a:a + step] = 1 + np.count_nonzero(gg > tol, axis=1)
    return out


def _ordered_product(W: np.ndarray, XT: np.ndarray, out: np.ndarray, tmp: np.ndarray) -> None:
    np.multiply(W[:, 0:1], XT[0], out=out)
    for j in range(1, W.shape[1]):
        np.multiply(W[:, j:j + 1], XT[j], out=tmp)
        np.add(out, tmp, out=out)


def linear_scores(W: np.ndarray, LT: np.ndarray, *, kernels: str | None = None) -> np.ndarray:
    """``W @ LT`` (S x N) summed left to right over the metrics (no BLAS, no FMA)."""
    W = np.ascontiguousarray(W, dtype=np.float64)
    LT = np.ascontiguousarray(LT, dtype=np.float64)
    out = np.empty((W.shape[0], LT.shape[1]))
    if W.shape[0] == 0:
        return out
    if backend(kernels) == "numba":
        _call("linear_scores", W, LT, out)
        return out
    _ordered_product(W, LT, out, np.empty_like(out))
    return out


def row_tolerance(S: np.ndarray) -> np.ndarray:
    finite = np.where(np.isfinite(S), np.abs(S), 0.0)
    return RELATIVE_TOLERANCE * finite.max(axis=1) + ABSOLUTE_TOLERANCE


def _numpy_sort_ranks(S: np.ndarray, tol: np.ndarray) -> np.ndarray:
    n, N = S.shape
    order = np.argsort(S, axis=1)[:, ::-1]
    ss = np.take_along_axis(S, order, axis=1)
    with np.errstate(invalid="ignore"):
        new = (ss[:, :-1] - ss[:, 1:]) > tol[:, None]
    start = np.zeros((n, N), dtype=np.int64)
    start[:, 1:] = np.where(new, np.arange(1, N, dtype=np.int64), 0)
    np.maximum.accumulate(start, axis=1, out=start)
    ranks = np.empty((n, N), dtype=np.int64)
    np.put_along_axis(ranks, order, start + 1, axis=1)
    return ranks


def _numpy_ranks(S: np.ndarray) -> np.ndarray:
    n, N = S.shape
    tol = row_tolerance(S)
    if N > NUMPY_COUNTING_MAX_N or n == 0:
        return _numpy_sort_ranks(S, tol)
    with np.errstate(invalid="ignore"):
        d = S[:, None, :] - S[:, :, None]  # d[s, i, k] = S[s, k] - S[s, i]
        ranks = 1 + np.count_nonzero(d > tol[:, None, None], axis=2)
        chain = ((d != 0) & (np.abs(d) <= tol[:, None, None])).any(axis=(1, 2)) | np.isnan(S).any(axis=1)
    if chain.any():
        ranks[chain] = _numpy_sort_ranks(S[chain], tol[chain])
    return ranks


def competition_ranks(S: np.ndarray, *, kernels: str | None = None) -> np.ndarray:
    """Competition ranks (1 best, int64) of each row of ``S`` with the tolerance rule."""
    S = np.ascontiguousarray(S, dtype=np.float64)
    if S.ndim != 2:
        raise ValueError(f"scores must be runs x contributors (got shape {S.shape})")
    if backend(kernels) == "numba" and S.shape[1]:
        out = np.empty(S.shape, dtype=np.int64)
        _call("rank_rows", S, S.shape[1] <= COUNTING_MAX_N, out)
        return out
    return _numpy_ranks(S)
