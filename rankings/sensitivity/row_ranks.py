"""Ranking one row of scores, compiled by numba on first use (the row kernels of :mod:`accept_kernels`).

* :func:`_py_tolerance`: the tie tolerance of a row (the rule of :mod:`rankings.ranking`) and
  whether every score is finite;
* ``count_ranks``: ranks by the O(N^2) pairwise count (small N; :func:`kernels._py_count_ranks`);
* ``order_ranks``: ranks walking an ascending order (:func:`kernels._py_order_ranks`; the order
  from numpy's argsort, or :func:`_py_heap_order` for the rare rows the other paths leave);
* :func:`_py_keyed_ranks`: ranks from a row's sorted keys (:mod:`key_order`), walking the
  values in order (:func:`_py_sorted_ranks`).

Every function gives the same ranks for the same row: ranks depend only on the scores.
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np

from rankings.ranking import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE
from rankings.sensitivity import kernels, key_order

_lock = threading.Lock()
_compiled: dict[str, Any] = {}


def _py_tolerance(row):  # pragma: no cover - runs compiled
    """(tolerance, all finite): kernels.row_tolerance's rule for the row (its compiled four-maxima
    pass), and whether the row has no NaN/inf (a branch-free count, a second pass in cache)."""
    bad = 0
    for k in range(row.shape[0]):
        a = abs(row[k])
        bad += (a == np.inf) | (a != a)
    return _nb_row_tolerance(row), bad == 0


def _py_heap_order(row):  # pragma: no cover - runs compiled
    """An ascending order of ``row`` by heapsort, for the rare rows the fast paths cannot rank.

    Own code instead of numba's ``np.argsort``: any ascending order gives the same ranks, and
    compiling numba's sort took about 2 s of the first run's compile (this takes a fraction).
    """
    N = row.shape[0]
    out = np.arange(N)
    if N < 2:
        return out
    left = N // 2
    right = N - 1
    while True:
        if left > 0:
            left -= 1
            t = out[left]
        else:
            t = out[right]
            out[right] = out[0]
            right -= 1
            if right == 0:
                out[0] = t
                return out
        i = left
        j = 2 * left + 1
        while j <= right:
            if j < right and row[out[j]] < row[out[j + 1]]:
                j += 1
            if row[t] < row[out[j]]:
                out[i] = out[j]
                i = j
                j = 2 * j + 1
            else:
                break
        out[i] = t


def _py_sorted_ranks(vals, order, tol, ranks):  # pragma: no cover - runs compiled
    """kernels._py_order_ranks with the row's values given in ascending order (``vals[p] == row[order[p]]``)."""
    N = vals.shape[0]
    prev = vals[N - 1]
    ranks[order[N - 1]] = 1
    first = 0
    for p in range(1, N):
        cur = vals[N - 1 - p]
        if prev - cur > tol:
            first = p
        ranks[order[N - 1 - p]] = first + 1
        prev = cur


def _py_rank_by_order(row, order, s, tol, ranks):  # pragma: no cover - runs compiled
    """Ranks of the finite row ``s`` from ``order``: an argsort order, or nothing (an empty array: sort
    this row here)."""
    if order.shape[0] == 0:  # a near-tie chain under the pairwise count
        _nb_order_ranks(row, _nb_heap_order(row), tol, ranks)
    else:
        _nb_order_ranks(row, order[s], tol, ranks)


def _py_keyed_ranks(row, keys, bits, ranks, seq, vals):  # pragma: no cover - runs compiled
    """Ranks of a row from its sorted keys (see key_order); False if the row has NaN or infinite scores.

    numpy sorts NaN keys last, and a non-finite score gives a non-finite key (exponent bits all
    ones), so the row is finite if its first and last keys are. Its largest absolute score is
    then at one end of the sorted values, so the tolerance is that of _py_tolerance, same bits,
    without another pass over the row.
    """
    N = row.shape[0]
    if (keys[0] >> 52) & 0x7FF == 0x7FF or (keys[N - 1] >> 52) & 0x7FF == 0x7FF:
        return False
    if bits <= key_order.WALK_MAX_BITS and _nb_walk_ranks(keys, row, bits, ranks):
        pass
    elif _nb_key_order(keys, row, bits, seq, vals):
        tol = RELATIVE_TOLERANCE * max(abs(vals[0]), abs(vals[N - 1])) + ABSOLUTE_TOLERANCE
        _nb_sorted_ranks(vals, seq, tol, ranks)
    else:  # scores crowded within a few units in the last place: the fix-up gave up
        tol, finite = _nb_tolerance(row)
        _nb_order_ranks(row, _nb_heap_order(row), tol, ranks)
    return True


_nb_tolerance: Any = None
_nb_row_tolerance: Any = None
_nb_order_ranks: Any = None
_nb_sorted_ranks: Any = None
_nb_key_order: Any = None
_nb_walk_ranks: Any = None
_nb_heap_order: Any = None


def compile_kernels() -> dict[str, Any]:
    """The compiled row kernels by name (tolerance, count_ranks, order_ranks, rank_by_order, keyed_ranks)."""
    global _nb_tolerance, _nb_row_tolerance, _nb_order_ranks, _nb_sorted_ranks, _nb_key_order, _nb_walk_ranks, _nb_heap_order
    with _lock:
        if _compiled:
            return _compiled
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cache-related NumbaWarnings on read-only installs
            _nb_row_tolerance = kernels._jit(kernels._py_row_tolerance, inline="always")
            _nb_tolerance = kernels._jit(_py_tolerance)
            _nb_order_ranks = kernels._jit(kernels._py_order_ranks)
            _nb_sorted_ranks = kernels._jit(_py_sorted_ranks)
            _nb_key_order = kernels._jit(key_order._py_key_order)
            _nb_walk_ranks = kernels._jit(key_order._py_walk_ranks)
            _nb_heap_order = kernels._jit(_py_heap_order)
            _compiled.update(tolerance=_nb_tolerance, count_ranks=kernels._jit(kernels._py_count_ranks),
                             order_ranks=_nb_order_ranks, rank_by_order=kernels._jit(_py_rank_by_order),
                             keyed_ranks=kernels._jit(_py_keyed_ranks), key_order=_nb_key_order,
                             pack_keys=kernels._jit(key_order._py_pack_keys))
        return _compiled


def clear() -> None:
    """Forget the compiled kernels (an unreadable on-disk cache: compile afresh)."""
    with _lock:
        _compiled.clear()
