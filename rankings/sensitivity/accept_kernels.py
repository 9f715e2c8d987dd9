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
index packed into their low bits, GIL released, the ranks then read from the sorted keys or
from an exact fix-up of their order: ranking and counting 1.4-1.9x faster than with numpy's
``argsort`` of the chunk, which is kept as ``ordering="argsort"``), applying the tolerance
rule of :mod:`rankings.ranking` in that order, and one compiled pass that counts. Ranks depend only on the scores, never on how equal scores were ordered, so both
backends, both orderings, any chunk size and any thread count give the same counters.
Rows with NaN or infinite scores are ranked by the numpy path of
:mod:`rankings.sensitivity.kernels`.

Counting: ranks of up to ``R`` runs are buffered (across chunks), then counted contributor by
contributor, so each contributor's row of the N x K counters is read and written once per ``R``
increments; reading a counter (or :meth:`AcceptCounters.flush`) counts what is buffered.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankings.sensitivity import kernels, key_order, row_ranks
from rankings.sensitivity.backends import backend

COUNTING_MAX_N = 28
"""Up to this many contributors ranks come from the pairwise count (measured faster than
argsort below about N = 30 on the development machine)."""
MIN_TOP_RANKS = 50
FULL_BY_DEFAULT_MAX_N = 1000
"""Up to this many contributors the default keeps every rank (N x N integers: 8 MB)."""
DEFAULT_BINS = 512
"""About this many coarse bins per contributor beyond rank K (fewer when they would be under 1 rank)."""

BUFFER_CELLS = 2**23
"""Ranks buffered before counting (int32, 32 MB per worker, kept between chunks): each visit of a
contributor's counter row reads and writes it (the N x N matrix at N = 2,500 is 50 MB, beyond the
caches), so the more runs per visit the less memory traffic. At N = 2,500, one thread, chunks of 512
runs, per score (loaded machine): 13.8 ns with 838 runs buffered, 12.1 with 1,677, 11.3 with 3,355;
at most 2,048 runs (:func:`buffer_rows`; 4,096 was no faster at N = 250 or 2,500)."""

FOLD_RUNS = 2**31 - 1
"""Runs counted in int32 before they are folded into the int64 counters (a cell counts one per run at most)."""


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

def _py_accumulate(S, order, bits, W, ref, pairs, focus, use_count, ranks, got, pair_ranks, kept, shift_bits, top,
                   beyond, rank_sum, first_w, shift_sum, wins, focus_out, shift_out, fallback):  # pragma: no cover
    """Rank each row of S into the buffer ``ranks`` (``got`` rows already in it) and the per-run counters;
    a full buffer is counted (_py_count_buffer). Rows it cannot rank are flagged in ``fallback``.

    Returns (rows flagged, rows now in the buffer). The buffer is kept between chunks, so a
    contributor's counter row is visited once per buffer of ``R`` runs however small the chunks
    (an N x N matrix does not fit in cache for large N: each visit reads and writes its row).
    """
    n, N = S.shape
    m = W.shape[1]
    P = pairs.shape[0]
    R = ranks.shape[0]
    rk = np.empty(N, dtype=np.int64)
    seq = np.empty(N, dtype=np.int64)
    vals = np.empty(N, dtype=np.float64)
    keyed = bits >= 0 and order.shape[0] > 0
    nfall = 0
    for s in range(n):
        row = S[s]
        if keyed:
            ok = _nb_keyed_ranks(row, order[s], bits, rk, seq, vals)
        else:
            tol, finite = _nb_tolerance(row)
            ok = False
            if finite:
                if use_count:
                    ok = _nb_count_ranks(row, tol, rk)
                if not ok:
                    _nb_rank_by_order(row, order, s, tol, rk)
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
            pair_ranks[a] = rk[pairs[a]]
        for a in range(P):  # branch-free: a win of a over b is a 50:50 branch on random data
            ra = pair_ranks[a]
            for b in range(P):
                wins[a, b] += ra < pair_ranks[b]
        got += 1
        if got == R:
            _nb_count_buffer(ranks, got, ref, kept, shift_bits, top, beyond, rank_sum, shift_sum)
            got = 0
    return nfall, got


def _py_count_buffer(ranks, got, ref, kept, shift_bits, top, beyond, rank_sum, shift_sum):  # pragma: no cover
    """Count the first ``got`` buffered runs contributor by contributor.

    A contributor's ranks are counted into a small histogram (in L1 cache), which is then added
    to its counter row in one sequential pass: the row is read and written as a stream, instead
    of by scattered increments that each miss the cache when the N x K matrix does not fit
    (at N = 2,500 with every rank kept: 50 MB; the counting cost halved). ``top`` is the int32
    staging matrix of :class:`AcceptCounters` (half the bytes to stream per visit).
    """
    N = ranks.shape[1]
    hist = np.zeros(kept, dtype=top.dtype)
    for i in range(N):
        ri = ref[i]
        tot = 0
        sh = 0
        for g in range(got):
            r = np.int64(ranks[g, i])
            if r <= kept:
                hist[r - 1] += 1
            else:
                beyond[i, (r - 1 - kept) >> shift_bits] += 1
            tot += r
            d = r - ri
            sh += d if d >= 0 else -d
        row = top[i]
        for r in range(kept):
            row[r] += hist[r]
            hist[r] = 0
        rank_sum[i] += tot
        shift_sum[i] += sh


_nb_tolerance: Any = None
_nb_count_ranks: Any = None
_nb_rank_by_order: Any = None
_nb_keyed_ranks: Any = None
_nb_count_buffer: Any = None


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
    global _nb_tolerance, _nb_count_ranks, _nb_rank_by_order, _nb_keyed_ranks, _nb_count_buffer
    with _lock:
        if _compiled:
            return _compiled
        row = row_ranks.compile_kernels()
        _nb_tolerance, _nb_count_ranks = row["tolerance"], row["count_ranks"]
        _nb_rank_by_order, _nb_keyed_ranks = row["rank_by_order"], row["keyed_ranks"]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # cache-related NumbaWarnings on read-only installs
            _nb_count_buffer = kernels._jit(_py_count_buffer)
            _compiled.update(accumulate=kernels._jit(_py_accumulate), count_buffer=_nb_count_buffer,
                             rank_rows=kernels._jit(_py_rank_rows), pack_keys=row["pack_keys"])
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
        row_ranks.clear()
        return _kernel(name)(*args)


def _py_rank_rows(S, order, bits, use_count, out, fallback):  # pragma: no cover - runs compiled
    """Ranks of each row of S into out (the ranking of _py_accumulate, without counting)."""
    n, N = S.shape
    seq = np.empty(N, dtype=np.int64)
    vals = np.empty(N, dtype=np.float64)
    nfall = 0
    for s in range(n):
        row = S[s]
        if bits >= 0 and order.shape[0] > 0:
            ok = _nb_keyed_ranks(row, order[s], bits, out[s], seq, vals)
        else:
            tol, finite = _nb_tolerance(row)
            ok = False
            if finite:
                if use_count:
                    ok = _nb_count_ranks(row, tol, out[s])
                if not ok:
                    _nb_rank_by_order(row, order, s, tol, out[s])
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
        self._top: np.ndarray | None = None  # int64 counts of ranks 1..kept, made when first needed
        self._beyond = np.zeros((n, layout.bins), dtype=np.int64)
        self._rank_sum = np.zeros(n, dtype=np.int64)
        self.first_weight = np.zeros((n, m), dtype=np.int64)
        self.first_weight_big = np.zeros((n, m), dtype=np.int64).astype(object)  # exact beyond int64
        self._shift_sum = np.zeros(n, dtype=np.int64)
        self.wins = np.zeros((len(pairs), len(pairs)), dtype=np.int64)
        self.pairs = np.ascontiguousarray(pairs, dtype=np.int64)
        self._pair_ranks = np.empty(len(pairs), dtype=np.int64)
        # ranks of runs not counted yet (compiled path): counted when the buffer is full, or when a
        # counter below is read, so small chunks still count many runs per visit of a counter row
        self._buffer = np.empty((0, n), dtype=np.int32)
        self._buffered = 0
        self._ref = np.empty(0, dtype=np.int64)
        # the compiled path counts ranks 1..kept in int32 (each visit of a counter row streams half the
        # bytes), folded into _top (then released) when read and before any cell could pass 2**31 - 1;
        # during a run a worker holds only this int32 matrix
        self._top32 = np.zeros((0, layout.kept), dtype=np.int32)
        self._since_fold = 0

    def _count_buffered(self) -> None:
        if self._buffered:
            lay = self.layout
            _call("count_buffer", self._buffer, self._buffered, self._ref, lay.kept, lay.width.bit_length() - 1,
                  self._top32, self._beyond, self._rank_sum, self._shift_sum)
            self._buffered = 0

    def add_top_to(self, out: np.ndarray) -> None:
        """Add the counts of ranks 1..kept to ``out`` (N x kept, int64) without an int64 copy of them."""
        self._count_buffered()
        if self._top is not None:
            out += self._top
        if self._since_fold:
            out += self._top32

    def flush(self) -> None:
        """Count the buffered runs into the counters, and fold the int32 counts into the int64 ones
        (reading any counter below does it)."""
        self._count_buffered()
        if self._since_fold:
            if self._top is None:
                self._top = self._top32.astype(np.int64)
            else:
                self._top += self._top32
            self._top32 = np.zeros((0, self.layout.kept), dtype=np.int32)
            self._since_fold = 0

    def _top64(self) -> np.ndarray:
        if self._top is None:
            self._top = np.zeros((self.layout.n, self.layout.kept), dtype=np.int64)
        return self._top

    @property
    def acceptability(self) -> np.ndarray:
        """Counts of ranks 1..kept, N x kept."""
        self.flush()
        return self._top64()

    @property
    def beyond(self) -> np.ndarray:
        """Counts of ranks beyond kept in bins of ``layout.width`` ranks."""
        self.flush()
        return self._beyond

    @property
    def rank_sum(self) -> np.ndarray:
        self.flush()
        return self._rank_sum

    @property
    def shift_sum(self) -> np.ndarray:
        """Sum over runs of each contributor's absolute rank shift from ``ref``."""
        self.flush()
        return self._shift_sum

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
            if not np.array_equal(ref, self._ref):
                self.flush()  # the buffered runs' shifts are counted from the ranks they were given with
                self._ref = ref.copy()  # a copy: the caller may change its array before the count
            if self._since_fold + n > FOLD_RUNS:
                self.flush()  # no int32 count may overflow: a cell counts at most one per run
            if not len(self._buffer):
                self._buffer = np.empty((buffer_rows(N), N), dtype=np.int32)
            if not len(self._top32):
                self._top32 = np.zeros((N, lay.kept), dtype=np.int32)
            self._since_fold += n
            fallback = np.empty(n, dtype=np.int64)
            nfall, self._buffered = _call(
                "accumulate", S, *_order(S, ordering), W, ref, self.pairs, int(focus), N <= COUNTING_MAX_N,
                self._buffer, self._buffered, self._pair_ranks, lay.kept, lay.width.bit_length() - 1, self._top32,
                self._beyond, self._rank_sum, self.first_weight, self._shift_sum, self.wins, focus_out, shift_out,
                fallback)
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
        self._top64()[...] += np.bincount(idx, minlength=N * lay.kept).reshape(N, lay.kept)
        if lay.bins:
            out = ~inside
            idx = who[out] * lay.bins + (ranks[out] - 1 - lay.kept) // lay.width
            self._beyond += np.bincount(idx, minlength=N * lay.bins).reshape(N, lay.bins)
        self._rank_sum += ranks.sum(axis=0)
        run, first = np.nonzero(ranks == 1)
        Wi = np.rint(W[run] * kernels.WEIGHT_SCALE).astype(np.int64)
        for j in range(W.shape[1]):
            np.add.at(self.first_weight[:, j], first, Wi[:, j])
        shift = np.abs(ranks - ref)
        self._shift_sum += shift.sum(axis=0)
        if len(self.pairs):
            sub = ranks[:, self.pairs]
            self.wins += np.count_nonzero(sub[:, :, None] < sub[:, None, :], axis=0)
        return ranks[:, focus], shift.sum(axis=1)
