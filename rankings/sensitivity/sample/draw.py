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
* ``numba`` (compiled, cached on disk): the whole block in one call. Per group of
  :data:`GROUP` resamples, one pass that draws and counts them (in stream order, reading
  each word from the bit generator as it is needed, so no raw words are stored or
  copied), then one pass over the incidence (every metric at once, when the metrics share
  their sparsity pattern, as the incidences of a record kind do) that sums all of them; no
  records x runs count matrix. Own code because it is the point: on 25,000 records it is
  about ten times faster than the numpy path, whose vectorised draws, count matrix and
  product each cost more than this pass (``benchmarks/bench_resample.py`` measures it).

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

def _py_fill(next_word, state, n, per, t, idx, pos, need):  # pragma: no cover - runs compiled
    """Append the stream's next record indices to ``idx[:pos]`` until it holds at least ``need``;
    return its length.

    The words come straight from the block's bit generator (``next_word(state)``, its
    ``ctypes`` interface: the words ``random_raw`` gives, in order), so none is stored.
    Branch-free: both indices of a candidate are written and the length moves past them
    only when the candidate is accepted (``idx`` holds ``need + 3``: a word adds at most 4).
    """
    nn = np.uint64(n)
    tt = np.uint64(t)
    mask = np.uint64(0xFFFFFFFF)
    shift = np.uint64(32)
    if per == 2:
        # x * n * n mod 2**32 is lo(lo(x*n) * n): the second index's product also decides acceptance
        while pos < need:
            w = next_word(state)
            m1 = (w & mask) * nn  # the low half first
            m2 = (m1 & mask) * nn
            idx[pos] = m1 >> shift
            idx[pos + 1] = m2 >> shift
            pos += 2 * np.int64((m2 & mask) >= tt)
            m1 = (w >> shift) * nn
            m2 = (m1 & mask) * nn
            idx[pos] = m1 >> shift
            idx[pos + 1] = m2 >> shift
            pos += 2 * np.int64((m2 & mask) >= tt)
    else:
        while pos < need:
            w = next_word(state)
            m = (w & mask) * nn
            idx[pos] = m >> shift
            pos += np.int64((m & mask) >= tt)
            m = (w >> shift) * nn
            idx[pos] = m >> shift
            pos += np.int64((m & mask) >= tt)
    return pos


def _py_draw_counts(next_word, state, n, per, t, runs, idx, pos, counts):  # pragma: no cover - runs compiled
    """Draw the next ``runs`` resamples of the stream and count them into ``counts`` (records x G,
    G >= runs; columns past ``runs`` count 0), the layout the sums read.

    ``idx[:pos]`` are indices already drawn and not yet used (a word's last ones can start
    the next resample); returns how many are left after these resamples. While a whole
    word's indices (at most 4) belong to the resample, they are counted as they are drawn,
    branch-free (a rejected candidate adds 0 to the records its indices name); the last
    few go through ``idx`` (:func:`_py_fill`), which keeps what spills into the next resample.
    """
    nn = np.uint64(n)
    tt = np.uint64(t)
    mask = np.uint64(0xFFFFFFFF)
    shift = np.uint64(32)
    counts[:, :] = 0
    for g in range(runs):
        got = min(pos, n)  # the leftovers first (at most 3)
        for j in range(got):
            counts[idx[j], g] += 1
        for j in range(pos - got):
            idx[j] = idx[got + j]
        pos -= got
        if per == 2:
            while got + 4 <= n:
                w = next_word(state)
                m1 = (w & mask) * nn
                m2 = (m1 & mask) * nn
                ok = np.int64((m2 & mask) >= tt)
                counts[m1 >> shift, g] += ok
                counts[m2 >> shift, g] += ok
                got += 2 * ok
                m1 = (w >> shift) * nn
                m2 = (m1 & mask) * nn
                ok = np.int64((m2 & mask) >= tt)
                counts[m1 >> shift, g] += ok
                counts[m2 >> shift, g] += ok
                got += 2 * ok
        else:
            while got + 2 <= n:
                w = next_word(state)
                m = (w & mask) * nn
                ok = np.int64((m & mask) >= tt)
                counts[m >> shift, g] += ok
                got += ok
                m = (w >> shift) * nn
                ok = np.int64((m & mask) >= tt)
                counts[m >> shift, g] += ok
                got += ok
        if got < n:  # then every leftover was used (pos is 0)
            need = n - got
            pos = _nb_fill(next_word, state, n, per, t, idx, 0, need)
            for j in range(need):
                counts[idx[j], g] += 1
            for j in range(pos - need):
                idx[j] = idx[need + j]
            pos -= need
    return pos


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
        for k in range(K):  # rounded where the sums lie side by side (vectorised), then laid out
            for q in range(G):
                acc[k, q] = np.rint(acc[k, q] * 1e10) / 1e10
        for q in range(runs):
            for k in range(K):
                out[q, i, k] = acc[k, q]


def _py_block(next_word, state, n, per, t, indptr, indices, data, idx, counts, out):  # pragma: no cover - runs compiled
    """The values ``out`` (runs x N x metrics) of a block's resamples: drawn and summed group by
    group, in one call (the GIL released throughout)."""
    runs = out.shape[0]
    G = counts.shape[1]
    pos = 0
    for a in range(0, runs, G):
        size = min(G, runs - a)
        pos = _nb_draw_counts(next_word, state, n, per, t, size, idx, pos, counts)
        _nb_sum_counts(indptr, indices, data, counts, out[a:a + size])


_nb_fill: Any = None
_nb_draw_counts: Any = None
_nb_sum_counts: Any = None


def _compile() -> dict[str, Any]:
    global _nb_fill, _nb_draw_counts, _nb_sum_counts
    with _lock:
        if not _compiled:
            from rankings.sensitivity.kernels import _jit  # the package's one njit (cache while usable)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # cache-related NumbaWarnings on read-only installs
                # the callees first: _py_block and _py_draw_counts call them through these globals
                _nb_fill = _jit(_py_fill)
                _nb_draw_counts = _jit(_py_draw_counts)
                _nb_sum_counts = _jit(_py_sum_counts)
                _compiled["block"] = _jit(_py_block)
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
    """The block drawn and summed group by group in one compiled call, on the calling thread (a
    worker thread for the sums measured slower on two loaded cores: the engine's own threads use them).

    The kernel reads the words from ``bitgen`` itself, without its lock: the generator is this
    block's own and nothing else reads it.
    """
    n = inc.n_records
    per, _, t = _rule(n)
    block = _compile()["block"]
    indptr, indices, data = pattern
    out = np.empty((runs, len(inc.contributors), len(inc.metrics)))
    # an index is below n and a count at most n: 16-bit when they fit (half the cache they take)
    dtype = np.uint16 if n < 2**16 else np.int32 if n < 2**31 else np.int64
    counts = np.empty((n, GROUP), dtype=dtype)
    idx = np.empty(n + 4, dtype=dtype)
    iface = bitgen.ctypes  # raw pointers into bitgen, which this frame keeps alive during the call
    block(iface.next_uint64, iface.state_address, n, per, t, indptr, indices, data, idx, counts, out)
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
