"""Runs: weights, method choices and data-noise keys drawn together, block by block, from one seed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankings.sampling import block_rng
from rankings.sensitivity.sample.factors import CategoricalFactor
from rankings.sensitivity.sample.weights import GEN_BLOCK, WeightSampler

_CONFIDENCE_KEY = 2**62 + 2
KEEP_BLOCKS = 8
"""Generation blocks a :class:`RunSampler` keeps (a few per worker thread: chunks go forward)."""

@dataclass(frozen=True)
class RunBatch:
    """The inputs of a contiguous range of runs.

    ``weights`` is n x M, ``choices`` n x F level indices (one column per categorical
    factor), ``noise_keys`` n integer keys (or ``None`` without data noise).
    """

    start: int
    weights: np.ndarray
    choices: np.ndarray
    noise_keys: np.ndarray | None

    def __len__(self) -> int:
        return self.weights.shape[0]


@dataclass
class RunSampler:
    """Draws the inputs of runs ``[a, b)`` for a seed, identically for any chunking.

    Safe to share between threads: each generation block is drawn once, by the first thread
    that needs it (numpy's generators release the GIL while they fill), while the others wait
    for that block only; the last :data:`KEEP_BLOCKS` blocks are kept.
    """

    seed: int
    weights: WeightSampler
    factors: tuple[CategoricalFactor, ...] = ()
    noise: bool = False
    _cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray | None]] = field(default_factory=dict, repr=False)
    _lock: Any = field(default_factory=threading.Lock, repr=False)
    _pending: dict[int, threading.Event] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # pickled for another process (a Dask worker): the seed and samplers travel, the cache and lock do not
        state = {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_lock", "_pending")}
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}
        self._lock = threading.Lock()
        self._pending = {}

    def _block(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        while True:
            with self._lock:
                hit = self._cache.get(b)
                if hit is not None:
                    return hit
                pending = self._pending.get(b)
                if pending is None:
                    pending = self._pending[b] = threading.Event()
                    break
            pending.wait()  # another thread draws it; if it failed or was evicted, try again
        value: tuple[np.ndarray, np.ndarray, np.ndarray | None] | None = None
        try:
            value = self._draw(b)
            return value
        finally:
            with self._lock:
                if value is not None:
                    if len(self._cache) >= KEEP_BLOCKS:
                        del self._cache[min(self._cache)]  # runs go forward: the oldest block is done
                    self._cache[b] = value
                del self._pending[b]
            pending.set()

    def _draw(self, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        rng = block_rng(self.seed, b)
        W = self.weights.block(self.seed, b, rng)
        choices = np.empty((GEN_BLOCK, len(self.factors)), dtype=np.int64)
        for k, factor in enumerate(self.factors):
            choices[:, k] = rng.integers(0, len(factor.levels), size=GEN_BLOCK)
        keys = rng.integers(0, 2**62, size=GEN_BLOCK, dtype=np.int64) if self.noise else None
        return W, choices, keys

    def batch(self, a: int, b: int) -> RunBatch:
        parts_w, parts_c, parts_k = [], [], []
        pos = a
        while pos < b:
            blk = pos // GEN_BLOCK
            lo = pos - blk * GEN_BLOCK
            hi = min(GEN_BLOCK, b - blk * GEN_BLOCK)
            W, C, K = self._block(blk)
            parts_w.append(W[lo:hi])
            parts_c.append(C[lo:hi])
            if K is not None:
                parts_k.append(K[lo:hi])
            pos = blk * GEN_BLOCK + hi
        return RunBatch(
            start=a,
            weights=np.concatenate(parts_w),
            choices=np.concatenate(parts_c),
            noise_keys=np.concatenate(parts_k) if self.noise else None,
        )


def confidence_rng(seed: int) -> np.random.Generator:
    """Generator for the extra runs behind SMAA-2 confidence factors."""
    return block_rng(seed, _CONFIDENCE_KEY)
