"""Drawing a block of bootstrap resamples of the records: the seeded stream and its two kernels.

The stream. Block ``b`` of a record kind reads the raw 64-bit words of one PCG64 bit
generator seeded with ``SeedSequence(seed, spawn_key=(salt, b))`` (``salt``: the kind's, see
:func:`rankings.sensitivity.sample.records.kind_salt`). Each word gives two 32-bit
candidates ``x``, its low half first. With ``n`` records:

* if ``n * n < 2**32``, a candidate gives two record indices: ``x * n * n`` is written
  ``q * 2**32 + l``; it is rejected when ``l < (2**32 - n*n) mod (n*n)``, otherwise it gives
  ``q // n`` then ``q % n`` (computed as two multiply-shifts, ``hi(x*n)`` then
  ``hi(lo(x*n) * n)``: Brackett-Rozinsky and Lemire 2024, "Batched ranged random integer
  generation", Software: Practice and Experience 55(1));
* otherwise a candidate gives one index ``hi(x*n)``, rejected when ``lo(x*n) < (2**32 - n) mod n``
  (Lemire 2019, "Fast random integer generation in an interval", ACM TOMACS 29(1)).

Both are exactly uniform. The accepted indices, in order, are the block's draws: resample
``r`` of the block draws indices ``r*n .. r*n + n - 1`` (``n`` records with replacement).
The stream depends only on the seed, the block and ``n``, never on the compute chunk or
the worker count; PCG64's raw words are stable across numpy versions (its
``Generator.integers`` stream is not promised to be).

A resample's metric values are, for each (metric, contributor), the sum over the records
in the incidence's storage order of ``credit * count`` (the order of the sparse product
``incidence.T @ counts``), rounded to 10 decimals as the table is. Two kernels compute it
and give the same bits:

* ``numpy``: the indices drawn as above with array operations, counted with ``bincount``
  and multiplied by the incidence (:meth:`RecordIncidence.values`);
* ``numba`` (compiled, cached on disk): per group of :data:`GROUP` resamples, one pass that
  draws and counts them (in stream order), then one pass over the incidence (every metric
  at once, when the metrics share their sparsity pattern, as the incidences of a record
  kind do) that sums all of them; no records x runs count matrix. Own code because it is the point: on
  25,000 records it is several times faster than the numpy path, whose vectorised draws,
  count matrix and product each cost more than this pass
  (``benchmarks/bench_resample.py`` measures it).

Small tables (fewer than :data:`COMPILED_MIN_RECORDS` records) always use numpy, so that
small runs never import numba; larger ones follow ``RANKINGS_KERNELS`` (numba when it
imports).
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

import numpy as np

from rankings.sensitivity import backends

GROUP = 16
"""Resamples the compiled kernel counts and sums together (their counts stay in cache together)."""
COMPILED_MIN_RECORDS = 2_000
"""From this many records, a block is drawn by the compiled kernel (when the backend is numba)."""
_MASK = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)
_lock = threading.Lock()
_compiled: dict[str, Any] = {}


def block_bitgen(seed: int, salt: int, block: int) -> np.random.PCG64:
    """The bit generator of block ``block``."""
    return np.random.PCG64(np.random.SeedSequence(int(seed), spawn_key=(int(salt), int(block))))


def _rule(n: int) -> tuple[int, int, int]:
    """(indices per candidate, range of a candidate, rejection threshold) for ``n`` records."""
    if not 1 <= n < 2**32:
        raise ValueError(f"bootstrap needs between 1 and 2**32 - 1 records (got {n})")
    per = 2 if n * n < 2**32 else 1
    span = n**per
    return per, span, (2**32 - span) % span


def _words(need: int, per: int) -> int:
    """Raw words to draw for ``need`` indices: the expected need and a margin for rejections."""
    candidates = -(-need // per)
    return (candidates + 1) // 2 + 16 + candidates // 6  # rejections stay below 1/8 of candidates when per = 2


def stream_indices(bitgen: np.random.BitGenerator, n: int, need: int) -> np.ndarray:
    """The first ``need`` record indices (int64) of the stream read from ``bitgen`` (numpy kernel)."""
    per, span, threshold = _rule(n)
    parts: list[np.ndarray] = []
    have = 0
    while have < need:
        raw = bitgen.random_raw(_words(need - have, per))
        # the 32-bit halves, low first (little-endian bytes whatever the host)
        x = raw.astype("<u8", copy=False).view("<u4").astype(np.uint64)
        x *= np.uint64(span)  # < 2**64: x < 2**32 and span < 2**32
        q = (x >> _SHIFT)[(x & _MASK) >= np.uint64(threshold)].astype(np.int64)
        if per == 1:
            got = q
        else:
            got = np.empty(2 * q.size, dtype=np.int64)
            np.floor_divide(q, n, out=got[0::2])
            got[1::2] = q - got[0::2] * n
        parts.append(got)
        have += got.size
    return (np.concatenate(parts) if len(parts) > 1 else parts[0])[:need]


def block_counts(seed: int, salt: int, block: int, n: int, runs: int) -> np.ndarray:
    """Multinomial(n; 1/n each) counts of the first ``runs`` resamples of a block, records x runs (float64)."""
    picks = stream_indices(block_bitgen(seed, salt, block), n, n * runs).reshape(runs, n)
    picks *= runs
    picks += np.arange(runs, dtype=np.int64)[:, None]
    return np.bincount(picks.ravel(), minlength=runs * n).reshape(n, runs).astype(np.float64)


# ---------------------------------------------------------------------------------------
# The compiled kernel (plain Python; numba compiles it on first use)
# ---------------------------------------------------------------------------------------

def _py_draw_counts(raw, h0, n, per, span, t, runs, drawn, counts):  # pragma: no cover - runs compiled
    """Count the draws of ``runs`` resamples read from ``raw`` (from candidate ``h0`` on) into
    ``counts`` (records x G, G >= runs; columns past ``runs`` count 0).

    ``drawn`` (G x records) is scratch: the draws are counted resample by resample (a row
    stays in cache), then laid side by side. Returns the candidate the next resample starts
    at, or -1 when ``raw`` ran out (the caller draws more words and calls again: the result
    depends only on the stream).
    """
    nn = np.uint64(n)
    ss = np.uint64(span)
    tt = np.uint64(t)
    mask = np.uint64(0xFFFFFFFF)
    shift = np.uint64(32)
    total = 2 * raw.shape[0]
    G = counts.shape[1]
    drawn[:, :] = 0
    h = h0
    g = 0
    got = 0
    while g < runs:
        if h >= total:
            return -1
        w = raw[h >> 1]
        x = (w & mask) if (h & 1) == 0 else (w >> shift)
        h += 1
        m = x * ss
        if (m & mask) < tt:
            continue
        if per == 1:
            drawn[g, m >> shift] += 1
            got += 1
            if got == n:
                got = 0
                g += 1
        else:
            m1 = x * nn
            drawn[g, m1 >> shift] += 1
            got += 1
            if got == n:
                got = 0
                g += 1
            if g < runs:
                drawn[g, ((m1 & mask) * nn) >> shift] += 1
                got += 1
                if got == n:
                    got = 0
                    g += 1
    for r in range(n):
        for q in range(G):
            counts[r, q] = drawn[q, r]
    return h


def _py_sum_counts(indptr, indices, data, counts, out):  # pragma: no cover - runs compiled
    """out[r, i, k] = round10(sum over row i's entries, in storage order, of data[jj, k] * counts[col, r]).

    One pass over the CSR (N x records, data nnz x K) serves the G resamples of ``counts``.
    """
    runs = out.shape[0]
    K = data.shape[1]
    G = counts.shape[1]
    acc = np.empty((K, G))
    for i in range(indptr.shape[0] - 1):
        acc[:, :] = 0.0
        for jj in range(indptr[i], indptr[i + 1]):
            c = counts[indices[jj]]
            for k in range(K):
                a = data[jj, k]
                for q in range(G):  # the full group (unused columns count 0): a fixed, vectorised loop
                    acc[k, q] += a * np.float64(c[q])
        for q in range(runs):
            for k in range(K):
                out[q, i, k] = np.rint(acc[k, q] * 1e10) / 1e10


def _compile() -> dict[str, Any]:
    with _lock:
        if not _compiled:
            from rankings.sensitivity.kernels import _jit  # the package's one njit (cache while usable)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # cache-related NumbaWarnings on read-only installs
                for name, fn in (("draw_counts", _py_draw_counts), ("sum_counts", _py_sum_counts)):
                    _compiled[name] = _jit(fn)
        return _compiled


def shared_pattern(inc: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(indptr, indices, data nnz x metrics) of the contributors x records incidence, when every
    metric stores the same entries in the same order (else None: the numpy kernel is used); cached."""
    cache = inc._stacked
    if "pattern" not in cache:
        cache["pattern"] = _pattern(inc)
    return cache["pattern"]  # type: ignore[no-any-return]


def _pattern(inc: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    stacked = inc.stacked()
    N, K = len(inc.contributors), len(inc.metrics)
    ip = stacked.indptr
    first = ip[:N + 1] - ip[0]
    cols = stacked.indices[ip[0]:ip[N]]
    data = []
    for k in range(K):
        seg = ip[k * N:(k + 1) * N + 1]
        if not np.array_equal(seg - seg[0], first) or not np.array_equal(stacked.indices[seg[0]:seg[-1]], cols):
            return None
        data.append(stacked.data[seg[0]:seg[-1]])
    return np.ascontiguousarray(first), np.ascontiguousarray(cols), np.column_stack(data)


def _compiled_values(inc: Any, pattern: tuple[np.ndarray, np.ndarray, np.ndarray], bitgen: np.random.BitGenerator,
                     runs: int) -> np.ndarray:
    """The block drawn and summed group by group, on the calling thread (a worker thread for the
    sums measured slower on two loaded cores: the engine's own threads use them)."""
    n = inc.n_records
    per, span, t = _rule(n)
    kernels = _compile()
    draw_counts, sum_counts = kernels["draw_counts"], kernels["sum_counts"]
    indptr, indices, data = pattern
    out = np.empty((runs, len(inc.contributors), len(inc.metrics)))
    # a count is at most n: 16-bit counts when they fit (half the cache a group's counts take)
    dtype = np.uint16 if n < 2**16 else np.int32 if n < 2**31 else np.int64
    drawn = np.empty((GROUP, n), dtype=dtype)
    counts = np.empty((n, GROUP), dtype=dtype)
    raw = np.empty(0, dtype=np.uint64)
    h0 = 0  # the next candidate: half h0 % 2 of raw[h0 // 2]
    for a in range(0, runs, GROUP):
        size = min(GROUP, runs - a)
        words = _words(n * size, per)
        raw = raw[h0 // 2:]
        h0 %= 2
        if raw.size < words:  # top up the words left from the last group, in stream order
            raw = np.concatenate([raw, bitgen.random_raw(words - raw.size)])
        while (h := draw_counts(raw, h0, n, per, span, t, size, drawn, counts)) < 0:
            raw = np.concatenate([raw, bitgen.random_raw(words // 4 + 16)])
        h0 = h
        sum_counts(indptr, indices, data, counts, out[a:a + size])
    return out


def block_values(inc: Any, seed: int, salt: int, block: int, runs: int, *, kernels: str | None = None) -> np.ndarray:
    """Metric values (runs x N x metrics) of the first ``runs`` resamples of block ``block``.

    Cells missing in the table stay NaN. ``kernels`` forces ``numpy`` or ``numba``; by
    default small tables use numpy and larger ones the backend (``RANKINGS_KERNELS``).
    """
    if kernels is None and inc.n_records < COMPILED_MIN_RECORDS:
        name = "numpy"
    else:
        name = backends.backend(kernels)
    pattern = shared_pattern(inc) if name == "numba" else None
    if pattern is not None:
        out = _compiled_values(inc, pattern, block_bitgen(seed, salt, block), runs)
        missing = np.isnan(inc.observed)
        if missing.any():
            out[:, missing] = np.nan
        return out
    return inc.values(block_counts(seed, salt, block, inc.n_records, runs), transposed=True)
