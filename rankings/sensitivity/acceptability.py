"""Rank acceptability from the engine's counters: ranks kept, rank bands and their precision.

The engine counts ranks ``1..K`` one by one for every contributor (``K`` from
:func:`~rankings.sensitivity.accept_kernels.default_top_ranks`, ``--top-ranks`` or, with
``--full-acceptability``, ``K = N``), ranks past ``K`` in coarse bins of ``w`` ranks (a
power of two), the sum of each contributor's ranks, and the focus's rank in full.

What is exact and what is not:

* acceptability ``P(rank_i = r)`` for ``r <= K``, the mean rank, P(first), holistic
  acceptability and everything about the focus (its full distribution) are exact counts;
* a rank band (5th, 50th, 95th percentile) is exact when its quantile falls within ranks
  ``1..K`` (always for the focus). Otherwise it is only known to lie in a bin of ``w``
  ranks: a level below the median (the 5th percentile) is reported as the bin's first
  rank, a level above it (the 95th) as its last
  (so the reported 90% band contains the exact one) and the median as the bin's middle
  rank, within ``w / 2`` ranks of the exact median. Such bands are flagged as approximate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

BAND_LEVELS: tuple[float, float, float] = (0.05, 0.50, 0.95)


def rank_bands(counts: np.ndarray, levels: Sequence[float] = BAND_LEVELS) -> np.ndarray:
    """Per row of rank counts (N x N), the rank at each quantile level (smallest r with CDF >= q)."""
    total = counts.sum(axis=1, keepdims=True)
    cdf = np.cumsum(counts, axis=1) / np.where(total > 0, total, 1)
    out = np.empty((counts.shape[0], len(levels)), dtype=np.int64)
    for k, q in enumerate(levels):
        out[:, k] = 1 + np.argmax(cdf >= q - 1e-12, axis=1)
    return out


def compact_bands(top: np.ndarray, beyond: np.ndarray, width: int, n: int,
                  levels: Sequence[float] = BAND_LEVELS) -> tuple[np.ndarray, np.ndarray]:
    """Bands from counts of ranks ``1..K`` (``top``, N x K) and bins of ``width`` ranks past K (``beyond``).

    Returns (bands N x levels, exact N x levels booleans); see the module docstring for
    what an approximate entry means. With no bins (``K = N``) this is :func:`rank_bands`.
    """
    kept = top.shape[1]
    step = max(1, 2**22 // max(1, kept + beyond.shape[1]))  # rows at a time: temporaries stay small
    col = np.concatenate([rank_bands(np.concatenate([top[a:a + step], beyond[a:a + step]], axis=1), levels) - 1
                          for a in range(0, top.shape[0], step)] or [np.zeros((0, len(levels)), np.int64)])
    exact = (col < kept) | (width == 1)  # the first column (rank or bin) reaching each level
    b = np.maximum(col - kept, 0)
    first = kept + 1 + b * width
    last = np.minimum(kept + (b + 1) * width, n)
    middle = (first + last) // 2
    pick = np.array([0 if q < 0.5 else 2 if q > 0.5 else 1 for q in levels])
    approx = np.where(pick == 0, first, np.where(pick == 2, last, middle))
    bands = np.where(exact, col + 1, approx)
    return bands.astype(np.int64), exact


def band_note(exact: np.ndarray, kept: int, width: int, n: int) -> str | None:
    """The stated precision of the bands when some are approximate (else ``None``)."""
    rows = int((~exact).any(axis=1).sum())
    if not rows:
        return None
    return (f"rank bands past rank {kept} are known to bins of {width} ranks: {rows} of {n} contributors' bands "
            f"are approximate (marked ~ in tables; p05 the bin's first rank, p95 its last, p50 its middle); --full-acceptability "
            f"or a larger --top-ranks makes them exact")


def summarize(counters: Any, focus: int) -> dict[str, Any]:
    """The acceptability outputs of full counters (:class:`~rankings.sensitivity.engine.Counters`).

    Keys: ``acceptability`` and ``acceptability_se`` (N x K shares and binomial standard
    errors ``sqrt(b (1 - b) / S)``), ``focus_acceptability`` and its ``_se`` (length N),
    ``mean_rank`` (from the exact rank sums), ``holistic`` (SMAA-2 holistic acceptability
    with linear meta-weights ``(N - r) / (N - 1)``, i.e. ``(N - mean rank) / (N - 1)``),
    ``bands``, ``bands_exact`` and ``note`` (the bands' precision, or ``None``).
    """
    assert counters.acceptability is not None and counters.beyond is not None and counters.rank_sum is not None
    n, runs = counters.n, counters.runs
    acc = counters.acceptability / runs
    focus_acc = counters.focus_hist[1:] / runs
    mean_rank = counters.rank_sum / runs
    holistic = (n - mean_rank) / (n - 1) if n > 1 else np.ones(1)
    bands, exact = compact_bands(counters.acceptability, counters.beyond, counters.bin_width, n)
    bands[focus] = rank_bands(counters.focus_hist[None, 1:])[0]
    exact[focus] = True
    return {"acceptability": acc, "acceptability_se": np.sqrt(acc * (1 - acc) / runs),
            "focus_acceptability": focus_acc, "focus_acceptability_se": np.sqrt(focus_acc * (1 - focus_acc) / runs),
            "mean_rank": mean_rank, "holistic": holistic, "bands": bands, "bands_exact": exact.all(axis=1),
            "note": band_note(exact, counters.acceptability.shape[1], counters.bin_width, n)}
