"""Rank-acceptability kernels: full ranking of every run into compact counters (numba and numpy).

Each run's scores are ranked in full (the mean rank, the rank shifts and the bands need
every contributor's rank) and counted into a :class:`RankLayout`:

* ranks ``1..K`` exactly, one column per rank (``K = N`` gives the full N x N matrix);
* ranks beyond ``K`` in coarse bins of ``2**b`` ranks (for the rank bands only);
* per contributor: the sum of its ranks, the sum of its absolute rank shifts and, when
  ranked first, its weights in units of ``2**-32`` (SMAA-2 central weights); pairwise wins.

Memory is ``N x (K + bins)`` integers per worker instead of ``N x N``.

Ranking: up to :data:`COUNTING_MAX_N` contributors, the O(N^2) pairwise count of
:mod:`rankings.sensitivity.kernels` (counting beats sorting for small N); above it the key
sort of :mod:`rankings.sensitivity.key_order` (numpy's SIMD sort of the scores with each
index packed into their low bits, GIL released, then an exact fix-up pass: 2.5-3x faster
than numpy's ``argsort`` of the chunk, which is kept as ``ordering="argsort"``) and one
compiled pass that applies the tolerance rule of :mod:`rankings.ranking` in that order and
counts. Ranks depend only on the scores, never on how equal scores were ordered, so both
backends, both orderings, any chunk size and any thread count give the same counters.
Rows with NaN or infinite scores are ranked by the numpy path of
:mod:`rankings.sensitivity.kernels`.

Counting: ranks of up to ``R`` runs are buffered, then counted contributor by contributor,
so each contributor's row of the N x K counters stays in cache for ``R`` increments.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankings.ranking import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE
from rankings.sensitivity import kernels, key_order
from rankings.sensitivity.backends import backend

COUNTING_MAX_N = 28
"""Up to this many contributors ranks come from the pairwise count (measured faster than
argsort below about N = 30 on the development machine)."""
MIN_TOP_RANKS = 50
FULL_BY_DEFAULT_MAX_N = 1000
"""Up to this many contributors the default keeps every rank (N x N integers: 8 MB)."""
DEFAULT_BINS = 512
"""About this many coarse bins per contributor beyond rank K (fewer when they would be under 1 rank)."""

BUFFER_CELLS = 2**21
"""Ranks buffered before counting (int32): more runs per visit of a contributor's counter row
keep it in cache (at N = 2,500, 838 runs counted 1.5x faster than 26)."""


def buffer_rows(n: int) -> int:
    return max(8, min(2048, BUFFER_CELLS // max(n, 1)))


_lock = threading.Lock()
_compiled: dict[str, Any] = {}


def default_top_ranks(n: int) -> int:
    """Ranks kept per contributor by default: all of them up to 1000 contributors, else max(50, N / 100)."""
    if n <= FULL_BY_DEFAULT_MAX_N:
        return max(int(n), 1)
    return int(min(n, max(MIN_TOP_RANKS, -(-n // 100))))


@dataclass(frozen=True)
class RankLayout:
    """Ranks ``1..kept`` counted one by one, ranks beyond in ``bins`` bins of ``width`` (a power of 2)."""

    n: int
    kept: int
    width: int
    bins: int

    @classmethod
    def for_ranks(cls, n: int, kept: int | None = None) -> RankLayout:
        k = int(n if kept is None else min(max(int(kept), 1), n))
        rest = n - k
        if rest <= 0:
            return cls(int(n), k, 1, 0)
        width = 1
        while width * DEFAULT_BINS < rest:
            width *= 2
        return cls(int(n), k, width, -(-rest // width))

    @property
    def full(self) -> bool:
        return self.kept >= self.n


# ---------------------------------------------------------------------------------------
# Kernel sources (plain Python; compiled by numba on first use)
# ---------------------------------------------------------------------------------------

def _py_tolerance(row):  # pragma: no cover - runs compiled
    """(tolerance, all finite): the rule of kernels.row_tolerance, and whether the row has no NaN/inf."""
    # four running maxima and a branch-free finiteness test, so the comparisons pipeline (as in
    # kernels._py_row_tolerance; a maximum is exact in any order)
    N = row.shape[0]
    b0 = 0.0
    b1 = 0.0
    b2 = 0.0
    b3 = 0.0
    bad = 0
    k = 0
    while k + 4 <= N:
        a = abs(row[k])
        bad += (a == np.inf) | (a != a)
        b0 = a if (a > b0 and a != np.inf) else b0
        a = abs(row[k + 1])
        bad += (a == np.inf) | (a != a)
        b1 = a if (a > b1 and a != np.inf) else b1
        a = abs(row[k + 2])
        bad += (a == np.inf) | (a != a)
        b2 = a if (a > b2 and a != np.inf) else b2
        a = abs(row[k + 3])
        bad += (a == np.inf) | (a != a)
        b3 = a if (a > b3 and a != np.inf) else b3
        k += 4
    while k < N:
        a = abs(row[k])
        bad += (a == np.inf) | (a != a)
        b0 = a if (a > b0 and a != np.inf) else b0
        k += 1
    return RELATIVE_TOLERANCE * max(max(b0, b1), max(b2, b3)) + ABSOLUTE_TOLERANCE, bad == 0


def _py_count_ranks(row, tol, ranks):  # pragma: no cover - runs compiled
    """Pairwise-count ranks of a finite row; False if a near-tie chain is present."""
    N = row.shape[0]
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


def _py_order_ranks(row, order, tol, ranks):  # pragma: no cover - runs compiled
    """Ranks of a finite row from its ascending order (numpy's argsort) and the tolerance rule."""
    N = row.shape[0]
    top = order[N - 1]
    prev = row[top]
    ranks[top] = 1
    first = 0
    for p in range(1, N):
        i = order[N - 1 - p]
        cur = row[i]
        if prev - cur > tol:
            first = p
        ranks[i] = first + 1
        prev = cur


def _py_sorted_ranks(vals, order, tol, ranks):  # pragma: no cover - runs compiled
    """_py_order_ranks with the row's values given in ascending order (``vals[p] == row[order[p]]``)."""
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


def _py_rank_by_order(row, order, s, bits, tol, ranks, seq, vals):  # pragma: no cover - runs compiled
    """Ranks of the finite row ``s`` from ``order``: its sorted keys (``bits`` >= 0, see key_order), an
    argsort order (``bits`` < 0), or nothing (an empty array: sort this row here)."""
    if order.shape[0] == 0:  # a near-tie chain under the pairwise count
        _nb_order_ranks(row, np.argsort(row), tol, ranks)
    elif bits < 0:
        _nb_order_ranks(row, order[s], tol, ranks)
    elif _nb_key_order(order[s], row, bits, seq, vals):
        _nb_sorted_ranks(vals, seq, tol, ranks)
    else:  # scores crowded within a few units in the last place: the fix-up gave up
        _nb_order_ranks(row, np.argsort(row), tol, ranks)


def _py_accumulate(S, order, bits, W, ref, pairs, focus, use_count, kept, shift_bits, R, top, beyond, rank_sum, first_w,
                   shift_sum, wins, focus_out, shift_out, fallback):  # pragma: no cover - runs compiled
    """Rank each row of S and add it to the counters; rows it cannot rank are flagged in ``fallback``.

    Ranks of up to ``R`` rows are buffered and then counted contributor by contributor, so
    each contributor's counter row is touched ``R`` times in a row (it stays in cache)
    rather than once per run (an N x N matrix does not fit in cache for large N).
    """
    n, N = S.shape
    m = W.shape[1]
    P = pairs.shape[0]
    ranks = np.empty((R, N), dtype=np.int32)
    rk = np.empty(N, dtype=np.int64)
    seq = np.empty(N, dtype=np.int64)
    vals = np.empty(N, dtype=np.float64)
    nfall = 0
    for s0 in range(0, n, R):
        s1 = min(n, s0 + R)
        got = 0
        for s in range(s0, s1):
            row = S[s]
            tol, finite = _nb_tolerance(row)
            ok = False
            if finite:
                if use_count:
                    ok = _nb_count_ranks(row, tol, rk)
                if not ok:
                    _nb_rank_by_order(row, order, s, bits, tol, rk, seq, vals)
                    ok = True
            if not ok:
                fallback[nfall] = s
                nfall += 1
                continue
            mine = ranks[got]
            total = 0
            for i in range(N):
                r = rk[i]
                mine[i] = r
                d = r - ref[i]
                if d < 0:
                    d = -d
                total += d
                if r == 1:
                    for j in range(m):
                        first_w[i, j] += np.int64(np.rint(W[s, j] * 4294967296.0))
            shift_out[s] = total
            focus_out[s] = rk[focus]
            for a in range(P):
                ra = rk[pairs[a]]
                for b in range(P):
                    if ra < rk[pairs[b]]:
                        wins[a, b] += 1
            got += 1
        for i in range(N):
            ri = ref[i]
            tot = 0
            sh = 0
            for g in range(got):
                r = np.int64(ranks[g, i])
                if r <= kept:
                    top[i, r - 1] += 1
                else:
                    beyond[i, (r - 1 - kept) >> shift_bits] += 1
                tot += r
                d = r - ri
                sh += d if d >= 0 else -d
            rank_sum[i] += tot
            shift_sum[i] += sh
    return nfall


_nb_tolerance: Any = None
_nb_count_ranks: Any = None
_nb_order_ranks: Any = None
_nb_sorted_ranks: Any = None
_nb_key_order: Any = None
_nb_rank_by_order: Any = None


ORDERINGS = ("keys", "argsort")
"""How rows above COUNTING_MAX_N are ordered: the key sort of :mod:`key_order` (the default), or numpy's
argsort (kept to check the key sort against and to time it)."""


def _order(S: np.ndarray, ordering: str = "keys") -> tuple[np.ndarray, int]:
    """What orders each row, and ``bits``: the sorted keys of :mod:`key_order` and their index bits, numpy's
    argsort and -1, or an empty array when the pairwise count ranks the rows. Both sorts release the GIL."""
    if S.shape[1] <= COUNTING_MAX_N:
        return np.empty((0, 0), dtype=np.int64), -1
    if ordering == "argsort":
        return np.argsort(S, axis=1), -1
    if ordering != "keys":
        raise ValueError(f"ordering: expected one of {ORDERINGS}, found {ordering!r}")
    return key_order.sorted_keys(S, lambda *a: _call("pack_keys", *a)), key_order.index_bits(S.shape[1])


def _compile() -> dict[str, Any]:
    global _nb_tolerance, _nb_count_ranks, _nb_order_ranks, _nb_sorted_ranks, _nb_key_order, _nb_rank_by_order
    with _lock:
        if _compiled:
            return _compiled
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cache-related NumbaWarnings on read-only installs
            _nb_tolerance = kernels._jit(_py_tolerance)
            _nb_count_ranks = kernels._jit(_py_count_ranks)
            _nb_order_ranks = kernels._jit(_py_order_ranks)
            _nb_sorted_ranks = kernels._jit(_py_sorted_ranks)
            _nb_key_order = kernels._jit(key_order._py_key_order)
            _nb_rank_by_order = kernels._jit(_py_rank_by_order)
            _compiled.update(accumulate=kernels._jit(_py_accumulate), rank_rows=kernels._jit(_py_rank_rows),
                             pack_keys=kernels._jit(key_order._py_pack_keys))
        return _compiled


def _kernel(name: str) -> Any:
    return (_compiled or _compile())[name]


def _call(name: str, *args: Any) -> Any:
    """Call a compiled kernel; an unreadable on-disk cache is recompiled in memory once, with a warning."""
    try:
        return _kernel(name)(*args)
    except Exception as exc:
        if not kernels._use_cache or not kernels._from_numba_cache(exc):
            raise
        from rankings.errors import RankingsWarning

        warnings.warn(f"numba's kernel cache of the acceptability kernels could not be read ({type(exc).__name__}); they "
                      "were compiled afresh in memory this time; delete rankings/sensitivity/__pycache__ to rebuild "
                      "it", RankingsWarning, stacklevel=2)
        with _lock:
            kernels._use_cache = False
            _compiled.clear()
        return _kernel(name)(*args)


def _py_rank_rows(S, order, bits, use_count, out, fallback):  # pragma: no cover - runs compiled
    """Ranks of each row of S into out (the ranking of _py_accumulate, without counting)."""
    n, N = S.shape
    seq = np.empty(N, dtype=np.int64)
    vals = np.empty(N, dtype=np.float64)
    nfall = 0
    for s in range(n):
        row = S[s]
        tol, finite = _nb_tolerance(row)
        ok = False
        if finite:
            if use_count:
                ok = _nb_count_ranks(row, tol, out[s])
            if not ok:
                _nb_rank_by_order(row, order, s, bits, tol, out[s], seq, vals)
                ok = True
        if not ok:
            fallback[nfall] = s
            nfall += 1
    return nfall


def rank_rows(S: np.ndarray, ordering: str = "keys") -> np.ndarray:
    """Competition ranks of each row of ``S`` by the compiled ranking of this module (tests, benchmarks)."""
    S = np.ascontiguousarray(S, dtype=np.float64)
    n, N = S.shape
    out = np.empty((n, N), dtype=np.int64)
    fallback = np.empty(n, dtype=np.int64)
    nfall = _call("rank_rows", S, *_order(S, ordering), N <= COUNTING_MAX_N, out, fallback)
    if nfall:
        rows = fallback[:nfall]
        out[rows] = kernels.competition_ranks(S[rows], kernels="numpy")
    return out


# ---------------------------------------------------------------------------------------
# Counters of one worker
# ---------------------------------------------------------------------------------------

class AcceptCounters:
    """Integer counters of one worker thread in a :class:`RankLayout` (summed over workers at the end)."""

    def __init__(self, layout: RankLayout, m: int, pairs: np.ndarray) -> None:
        n = layout.n
        self.layout = layout
        self.acceptability = np.zeros((n, layout.kept), dtype=np.int64)
        self.beyond = np.zeros((n, layout.bins), dtype=np.int64)
        self.rank_sum = np.zeros(n, dtype=np.int64)
        self.first_weight = np.zeros((n, m), dtype=np.int64)
        self.first_weight_big = np.zeros((n, m), dtype=np.int64).astype(object)  # exact beyond int64
        self.shift_sum = np.zeros(n, dtype=np.int64)
        self.wins = np.zeros((len(pairs), len(pairs)), dtype=np.int64)
        self.pairs = np.ascontiguousarray(pairs, dtype=np.int64)

    def add_chunk(self, S: np.ndarray, W: np.ndarray, ref: np.ndarray, focus: int, *,
                  choice: str | None = None, ordering: str = "keys") -> tuple[np.ndarray, np.ndarray]:
        """Rank a chunk of scores into the counters; returns (focus rank, total |rank shift|) per run.

        ``ordering`` (numba backend, above COUNTING_MAX_N): one of ORDERINGS; the counters do not depend on it."""
        S = np.ascontiguousarray(S, dtype=np.float64)
        W = np.ascontiguousarray(W, dtype=np.float64)
        ref = np.ascontiguousarray(ref, dtype=np.int64)
        n, N = S.shape
        focus_out = np.empty(n, dtype=np.int64)
        shift_out = np.empty(n, dtype=np.int64)
        self.first_weight[...] = 0
        lay = self.layout
        if backend(choice) == "numba" and N:
            fallback = np.empty(n, dtype=np.int64)
            nfall = _call("accumulate", S, *_order(S, ordering), W, ref, self.pairs, int(focus), N <= COUNTING_MAX_N,
                          lay.kept, lay.width.bit_length() - 1, buffer_rows(N), self.acceptability, self.beyond,
                          self.rank_sum, self.first_weight, self.shift_sum, self.wins, focus_out, shift_out, fallback)
            if nfall:  # NaN / infinite scores: ranked by the sorting rule of kernels.py
                rows = fallback[:nfall]
                f_out, s_out = self._add_numpy(S[rows], W[rows], ref, focus)
                focus_out[rows], shift_out[rows] = f_out, s_out
        else:
            focus_out[:], shift_out[:] = self._add_numpy(S, W, ref, focus)
        rows_ = np.flatnonzero(self.first_weight.any(axis=1))
        if len(rows_):
            self.first_weight_big[rows_] += self.first_weight[rows_].astype(object)
        return focus_out, shift_out

    def _add_numpy(self, S: np.ndarray, W: np.ndarray, ref: np.ndarray, focus: int) -> tuple[np.ndarray, np.ndarray]:
        n, N = S.shape
        lay = self.layout
        ranks = kernels.competition_ranks(S, kernels="numpy")
        who = np.broadcast_to(np.arange(N, dtype=np.int64), ranks.shape)
        inside = ranks <= lay.kept
        idx = who[inside] * lay.kept + (ranks[inside] - 1)
        self.acceptability += np.bincount(idx, minlength=N * lay.kept).reshape(N, lay.kept)
        if lay.bins:
            out = ~inside
            idx = who[out] * lay.bins + (ranks[out] - 1 - lay.kept) // lay.width
            self.beyond += np.bincount(idx, minlength=N * lay.bins).reshape(N, lay.bins)
        self.rank_sum += ranks.sum(axis=0)
        run, first = np.nonzero(ranks == 1)
        Wi = np.rint(W[run] * kernels.WEIGHT_SCALE).astype(np.int64)
        for j in range(W.shape[1]):
            np.add.at(self.first_weight[:, j], first, Wi[:, j])
        shift = np.abs(ranks - ref)
        self.shift_sum += shift.sum(axis=0)
        if len(self.pairs):
            sub = ranks[:, self.pairs]
            self.wins += np.count_nonzero(sub[:, :, None] < sub[:, None, :], axis=0)
        return ranks[:, focus], shift.sum(axis=1)
