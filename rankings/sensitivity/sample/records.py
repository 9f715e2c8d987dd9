"""Record resampling: each run's table rebuilt from a bootstrap resample of the records behind it.

:class:`RecordResampling` plays the part of :class:`~rankings.sensitivity.sample.noise.DataNoise`
in the engine (the per-run path that scores a different table in every run): its
:meth:`~RecordResampling.plan` gives, for one lens variant's table, a :class:`ResamplePlan`
whose ``draw(values, key)`` returns the table of resample number ``key``.

Resamples are drawn in blocks of :data:`RESAMPLE_BLOCK`: block ``b`` comes from its own
generator per record kind, PCG64 seeded with ``SeedSequence(seed, spawn_key=(kind_salt(kind), b))``,
so resample ``r`` depends only on the seed and ``r``, never on the compute chunk or the
worker count. A block draws, per record kind, the records with replacement (as many as
there are) from that generator's raw words (the stream is spelled out in :mod:`.draw`) and sums each
resample's credits through the lens's sparse incidence
(:func:`rankings.data.resample.record_incidence`): a compiled pass for large tables, a
bincount and one sparse product for small ones, the same bits either way; never a loop
per run in Python. The analyses key run ``i`` to resample ``i`` (:func:`resample_batches`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from rankings.errors import AnalysisError
from rankings.sensitivity.sample.draw import block_counts, block_values
from rankings.sensitivity.sample.noise import DataNoise, NoisePlan
from rankings.sensitivity.sample.runs import RunBatch

RESAMPLE_BLOCK = 256
"""Resamples per generation block (bounds the block's tables: RESAMPLE_BLOCK x N x metrics)."""
RESAMPLE_SALT = 2**62 + 11


def kind_salt(kind: str) -> int:
    """The first spawn-key entry of a record kind's resamples (models: RESAMPLE_SALT, papers: + 2; + 1 keys noise)."""
    from rankings.data.resample import RESAMPLE_KINDS

    return RESAMPLE_SALT + 2 * RESAMPLE_KINDS.index(kind)
_CACHE_BYTES = 64 * 2**20  # blocks kept per lens variant: a Sobol' design reads them in any order
SOBOL_POOL = 1024
"""Resamples a Sobol' design picks from (a design row's uniform chooses one of them)."""


def bootstrap_counts(seed: int, n_records: int, runs: int, *, block: int = 0) -> np.ndarray:
    """Multinomial(n_records; 1/n_records each) counts of resamples ``0 .. runs - 1`` of block ``block``
    of ``seed`` (the model records' stream), laid out records x runs (float64).

    Each resample draws ``n_records`` record indices with replacement from the block's
    stream (:mod:`.draw`; ``runs`` may exceed :data:`RESAMPLE_BLOCK`, the stream then goes
    on); column ``r`` holds how often each record was drawn.
    """
    return block_counts(seed, kind_salt("models"), block, n_records, runs)


@dataclass(frozen=True)
class RecordResampling:
    """Bootstrap resampling of model and/or paper records, with optional per-cell noise on top.

    ``incidence(kind, lens)`` returns the :class:`~rankings.data.resample.RecordIncidence`
    of a lens (a dict of the table's ``lens``); ``noise`` is applied to each resampled
    table with a key derived from (seed, run).
    """

    kinds: tuple[str, ...]
    seed: int
    incidence: Callable[[str, Mapping[str, Any]], Any] = field(repr=False, compare=False)
    noise: DataNoise = field(default_factory=DataNoise)
    source: str = "default dataset"

    @property
    def active(self) -> bool:
        return True

    @property
    def cells(self) -> tuple[Any, ...]:
        return self.noise.cells

    @property
    def poisson(self) -> bool:
        return self.noise.poisson

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = self.noise.describe() if self.noise.active else {
            "uncertainty_file": None, "cells": 0, "poisson_counts": False}
        out["resample"] = list(self.kinds)
        where = "the default dataset" if self.source == "default dataset" else self.source
        out["resample_method"] = (f"bootstrap of the {' and '.join(self.kinds)} records of {where} "
                                  f"(multinomial counts, blocks of {RESAMPLE_BLOCK})")
        return out

    def plan(self, contributors: Sequence[str], metrics: Sequence[str], kinds: Sequence[str],
             table: Any = None) -> ResamplePlan:
        if table is None:
            raise AnalysisError("record resampling needs the table of each lens variant")
        parts = []
        for kind in self.kinds:
            inc = self.incidence(kind, dict(table.lens))
            where = {c: i for i, c in enumerate(inc.contributors)}
            missing = [c for c in contributors if c not in where]
            if missing:
                raise AnalysisError(f"resample {kind}: contributor {missing[0]!r} has no column in the records")
            rows = np.asarray([where[c] for c in contributors], dtype=np.int64)
            cols = [(metrics.index(m), k) for k, m in enumerate(inc.metrics) if m in metrics]
            parts.append((inc, rows, cols))
        inner = self.noise.plan(contributors, metrics, kinds) if self.noise.active else None
        return ResamplePlan(self.seed, tuple(parts), inner)

    def sobol_keys(self, u: np.ndarray) -> np.ndarray:
        """Resample numbers for a Sobol' design's uniforms (one of :data:`SOBOL_POOL`)."""
        return np.minimum((np.asarray(u) * SOBOL_POOL).astype(np.int64), SOBOL_POOL - 1)

    def notes(self, metrics: Sequence[str], lens: Mapping[str, Any]) -> list[str]:
        """What the resampling rebuilds and what it holds as observed (empty when it rebuilds all)."""
        held = self.fixed_metrics(metrics, lens)
        if not held:
            return []
        rebuilt = [m for m in metrics if m not in held]
        return [f"record resampling rebuilds {', '.join(rebuilt) or 'no metric read'}; {', '.join(held)} held "
                f"as observed (not sums over the resampled records)"]

    def fixed_metrics(self, metrics: Sequence[str], lens: Mapping[str, Any]) -> tuple[str, ...]:
        """The metrics of ``metrics`` that no resampled record kind rebuilds (held as observed)."""
        rebuilt: set[str] = set()
        for kind in self.kinds:
            rebuilt |= set(self.incidence(kind, dict(lens)).metrics)
        return tuple(m for m in metrics if m not in rebuilt)


@dataclass
class ResamplePlan:
    """One lens variant's resampled tables, block by block (a few blocks cached)."""

    seed: int
    parts: tuple[tuple[Any, np.ndarray, list[tuple[int, int]]], ...]
    inner: NoisePlan | None = None
    _cache: dict[int, list[np.ndarray]] = field(default_factory=dict, repr=False)
    _lock: Any = field(default_factory=threading.Lock, repr=False)

    _pending: dict[int, threading.Event] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # pickled for another process (a Dask worker): the seed and incidences travel, the cache and lock do not
        return {k: v for k, v in self.__dict__.items() if k not in ("_cache", "_lock", "_pending")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._cache = {}
        self._lock = threading.Lock()
        self._pending = {}

    def block(self, b: int) -> list[np.ndarray]:
        """Per record kind, the metric values (RESAMPLE_BLOCK x N x kind metrics) of block ``b``.

        Thread-safe without serialising the work: the lock guards only the cache, so the
        engine's worker threads draw different blocks at the same time (the compiled
        kernel releases the GIL), and a thread asking for a block another thread is
        drawing waits for it instead of drawing it twice. A block depends only on
        (seed, block), so whoever draws it gives the same bytes.
        """
        with self._lock:
            hit = self._cache.get(b)
            if hit is not None:
                return hit
            pending = self._pending.get(b)
            mine = pending is None
            if pending is None:
                pending = self._pending[b] = threading.Event()
        if not mine:
            pending.wait()
            with self._lock:
                hit = self._cache.get(b)
            return hit if hit is not None else self._compute(b)
        try:
            out = self._compute(b)
            size = sum(v.nbytes for v in out)
            with self._lock:
                if len(self._cache) >= max(4, _CACHE_BYTES // max(size, 1)):
                    self._cache.clear()
                self._cache[b] = out
        finally:
            with self._lock:
                self._pending.pop(b, None)
            pending.set()
        return out

    def _compute(self, b: int) -> list[np.ndarray]:
        out = []
        for inc, rows, _ in self.parts:
            values = block_values(inc, self.seed, kind_salt(inc.kind), b, RESAMPLE_BLOCK)
            identity = rows.size == values.shape[1] and bool((rows == np.arange(rows.size)).all())
            out.append(values if identity else values[:, rows, :])
        return out

    def draw(self, values: np.ndarray, key: int) -> np.ndarray:
        """The table values of resample ``key``: resampled cells replace observed ones.

        A cell the methodology's missing rule filled (NaN in the records' table) keeps
        its filled value; a metric no record kind rebuilds keeps its observed value.
        """
        key = int(key)
        b, r = divmod(key, RESAMPLE_BLOCK)
        out = np.array(values, dtype=float, copy=True)
        for (_, _, cols), block in zip(self.parts, self.block(b)):
            for j, k in cols:
                new = block[r, :, k]
                ok = np.isfinite(new)
                out[ok, j] = new[ok]
        if self.inner is not None:
            mixed = int(np.random.SeedSequence(int(self.seed), spawn_key=(RESAMPLE_SALT + 1, key))
                        .generate_state(1, np.uint64)[0] >> np.uint64(2))
            out = self.inner.draw(out, mixed)
        return out


def resample_batches(batches: Callable[[int, int], RunBatch]) -> Callable[[int, int], RunBatch]:
    """``batches`` with each run's data key set to its run index (run i reads resample i)."""
    def keyed(a: int, b: int) -> RunBatch:
        return replace(batches(a, b), noise_keys=np.arange(a, b, dtype=np.int64))
    return keyed


class _DefaultIncidence:
    """Builds (and caches, per record kind and lens) the incidence of the default dataset or a model file.

    A class rather than a closure so it pickles for a Dask worker: the built incidences
    travel with it (each worker need not rebuild them), the lock does not.
    """

    def __init__(self, models_path: str | Path | None = None) -> None:
        self.models_path = models_path
        self.cache: dict[tuple[str, str], Any] = {}
        self.lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        with self.lock:
            return {"models_path": self.models_path, "cache": dict(self.cache)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.models_path = state["models_path"]
        self.cache = state["cache"]
        self.lock = threading.Lock()

    def __call__(self, kind: str, lens: Mapping[str, Any]) -> Any:
        from rankings.data import Lens
        from rankings.data.resample import record_incidence

        parsed = Lens.from_dict(lens)
        key = (kind, repr(parsed))
        with self.lock:
            if key not in self.cache:
                self.cache[key] = record_incidence(kind, parsed, models_path=self.models_path)
            return self.cache[key]


def default_incidence(models_path: str | Path | None = None) -> Callable[[str, Mapping[str, Any]], Any]:
    """An incidence builder for the default dataset (or a user's model records), cached per lens."""
    return _DefaultIncidence(models_path)


def record_resampling(table: Any, kinds: Sequence[str], *, seed: int, noise: DataNoise | None = None,
                      models_path: str | None = None) -> RecordResampling:
    """The :class:`RecordResampling` of ``kinds`` for ``table`` (the default dataset or a user's model records).

    A table without a lens (a user's ``--data`` file) has no records behind it: an
    :class:`AnalysisError` names ``--models FILE``.
    """
    from rankings.data.resample import RESAMPLE_KINDS

    kinds = tuple(dict.fromkeys(kinds))
    bad = [k for k in kinds if k not in RESAMPLE_KINDS]
    if bad:
        raise AnalysisError(f"--resample must be one of {', '.join(RESAMPLE_KINDS)} or snapshots (got {bad[0]!r})")
    if not table.lens:
        raise AnalysisError(f"--resample {kinds[0]} needs the records behind the table: use the default dataset "
                            f"or give model records with --models FILE (got a --data table: {table.label})")
    if models_path is not None and "papers" in kinds:
        raise AnalysisError("--resample papers reads the default dataset's venue papers; it cannot be combined "
                            "with --models")
    return RecordResampling(kinds=kinds, seed=seed, incidence=default_incidence(models_path),
                            noise=noise or DataNoise(), source=str(models_path) if models_path else table.label)
