"""Chunked, vectorised evaluation of sampled runs with memory flat in the run count.

A :class:`SamplingProblem` fixes a methodology, a contributor table (restricted to the
contributors present under every lens variant), a focus contributor and the
uncertain inputs. :func:`run_engine` walks the runs in compute chunks, scores each chunk
in one vectorised call per method variant (or once per run when data noise makes every
run's table different), turns scores into competition ranks and adds them to running
counters (:class:`Counters`). Nothing of size runs x contributors is ever held beyond one
chunk.

Fast paths:

* linear methodology, no method choices, no data noise, focus only: the focus rank is
  ``1 + #{k : (W @ D.T)[s, k] > tol}`` with ``D = L - l_f``;
* linear methodology otherwise: scores are ``W @ L.T`` (a strictly increasing transform
  of the true score, so ranks are identical);
* anything else: :meth:`Methodology.score_matrix` per chunk and variant.

Ties are competition ranks with the tolerance rule of :mod:`rankings.ranking`
(``1e-9 * max|s| + 1e-12`` over each run's score vector, neighbours closer than it
share a rank), so identical rows always get identical ranks.
"""

from __future__ import annotations

import copy
import csv
import io
import os
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

from rankings.errors import AnalysisError, RankingsError
from rankings.methodology import Methodology
from rankings.ranking import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, rank_scores
from rankings.sensitivity import kernels
from rankings.sensitivity.linear import linear_problem
from rankings.sensitivity.sample import (
    GEN_BLOCK,
    LENS_FACTORS,
    CategoricalFactor,
    DataNoise,
    RunBatch,
    RunSampler,
    WeightSampler,
)
from rankings.table import ContributorTable

DEFAULT_CHUNK = None
"""``None`` picks a chunk size from N (about 2**20 scores per chunk, at least N rows)."""

MAX_SAMPLES = 10**12
WEIGHT_SCALE = 2.0**32
"""Central-weight sums are kept as integers in units of ``1 / WEIGHT_SCALE``."""
COUNTING_KERNEL_MAX_N = kernels.NUMPY_COUNTING_MAX_N
"""Up to this many contributors the numpy backend ranks by an O(N^2) pairwise count."""


def auto_chunk(n: int) -> int:
    return int(min(65536, max(256, 2**20 // max(n, 1), n)))


# ---------------------------------------------------------------------------------------
# Ranks from a chunk of scores
# ---------------------------------------------------------------------------------------

def _row_tolerance(S: np.ndarray) -> np.ndarray:
    return kernels.row_tolerance(S)


def competition_ranks(S: np.ndarray) -> np.ndarray:
    """Competition ranks (1 best) of each row of ``S`` (runs x N), ties by tolerance.

    Matches :func:`rankings.ranking.rank_scores` row by row (chains of near-ties
    included), with the compiled kernel when numba is available (see
    :mod:`rankings.sensitivity.kernels`).
    """
    return kernels.competition_ranks(S)


# ---------------------------------------------------------------------------------------
# The problem
# ---------------------------------------------------------------------------------------

@dataclass
class Variant:
    method: Methodology
    table: ContributorTable
    drop: int | None
    L: np.ndarray | None
    Z: np.ndarray | None
    noise_plan: Any
    LT: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.L is not None:
            self.LT = np.ascontiguousarray(self.L.T)


@dataclass
class SamplingProblem:
    """Everything fixed across runs; see :func:`build_problem`."""

    method: Methodology
    table: ContributorTable
    focus: int
    weights: WeightSampler
    factors: tuple[CategoricalFactor, ...]
    noise: DataNoise
    nominal_ranks: np.ndarray
    notes: tuple[str, ...]
    lens_tables: dict[tuple[str, ...], ContributorTable] = field(repr=False)
    _variants: dict[tuple[int, ...], Variant] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return self.table.n_contributors

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.table.metric_names

    @property
    def contributors(self) -> tuple[str, ...]:
        return self.table.contributors

    def _lens_key(self, choice: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(f.levels[c] for f, c in zip(self.factors, choice) if f.name in LENS_FACTORS)

    def variant(self, choice: tuple[int, ...]) -> Variant:
        hit = self._variants.get(choice)
        if hit is not None:
            return hit
        levels = {f.name: f.levels[c] for f, c in zip(self.factors, choice)}
        method = self.method
        if "normalize" in levels or "aggregate" in levels:
            method = method.with_overrides(normalize=levels.get("normalize"), aggregate=levels.get("aggregate"))
        table = self.lens_tables[self._lens_key(choice)]
        drop_name = levels.get("drop-metric", "none")
        drop = None if drop_name == "none" else self.metrics.index(drop_name)
        L = Z = None
        plan = None
        if self.noise.active:
            plan = self.noise.plan(table.contributors, table.metric_names, [s.kind for s in table.metrics])
        else:
            try:
                lp = linear_problem(method, table)
            except RankingsError as exc:
                raise AnalysisError(f"method variant {_variant_text(levels)} cannot score the data: {exc}") from None
            if lp is not None:
                L = np.ascontiguousarray(lp.L)
            elif method.declarative:
                Z = method.normalized(table)
        var = Variant(method, table, drop, L, Z, plan)
        if len(self._variants) > 4096:
            self._variants.clear()
        self._variants[choice] = var
        return var

    def effective_weights(self, batch: RunBatch) -> np.ndarray:
        """Weights as used: a dropped metric's weight is set to 0 and the rest rescaled."""
        W = batch.weights
        names = [f.name for f in self.factors]
        if "drop-metric" not in names:
            return W
        k = names.index("drop-metric")
        factor = self.factors[k]
        W = W.copy()
        for level_index, level in enumerate(factor.levels):
            if level == "none":
                continue
            rows = batch.choices[:, k] == level_index
            W[rows, self.metrics.index(level)] = 0.0
        total = W.sum(axis=1, keepdims=True)
        empty = total[:, 0] <= 0
        if empty.any():
            # All weight sat on the dropped metric: spread it equally over the others.
            for r in np.flatnonzero(empty):
                level = factor.levels[batch.choices[r, k]]
                W[r] = 1.0
                W[r, self.metrics.index(level)] = 0.0
            total = W.sum(axis=1, keepdims=True)
        return W / total

    def score(self, batch: RunBatch, W: np.ndarray | None = None) -> np.ndarray:
        """Scores (runs x N) of a batch; ``W`` overrides the effective weights."""
        W = self.effective_weights(batch) if W is None else W
        n = len(batch)
        out = np.empty((n, self.n))
        if batch.choices.shape[1]:
            keys, inverse = np.unique(batch.choices, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            groups = [(tuple(int(x) for x in key), np.flatnonzero(inverse == g)) for g, key in enumerate(keys)]
        else:
            groups = [((), None)]  # type: ignore[list-item]
        for choice, rows in groups:
            var = self.variant(choice)
            Wg = W if rows is None else W[rows]
            if var.noise_plan is not None:
                assert batch.noise_keys is not None
                keys_g = batch.noise_keys if rows is None else batch.noise_keys[rows]
                res = np.empty((len(Wg), self.n))
                for r, (w, key) in enumerate(zip(Wg, keys_g)):
                    res[r] = self._noisy_scores(var, w[None, :], int(key))[0]
            elif var.LT is not None:
                # Summed left to right over the metrics (no BLAS): bit-identical on every
                # backend, build and thread count.
                res = kernels.linear_scores(Wg, var.LT)
            else:
                try:
                    res = var.method.score_matrix(var.table, Wg, prepared=True, normalized=var.Z)
                except RankingsError as exc:
                    raise AnalysisError(f"method variant cannot score the data: {exc}") from None
            if rows is None:
                out = res
            else:
                out[rows] = res
        return out

    def _noisy_scores(self, var: Variant, W: np.ndarray, key: int) -> np.ndarray:
        values = var.noise_plan.draw(var.table.values, key)
        for j, spec in enumerate(var.table.metrics):
            if spec.kind == "count":
                np.maximum(values[:, j], 0.0, out=values[:, j])
        table = var.table.with_values(values)
        try:
            return var.method.score_matrix(table, W, prepared=True)
        except RankingsError as exc:
            raise AnalysisError(f"a noisy copy of the data cannot be scored: {exc}") from None

    def focus_fast_path(self) -> np.ndarray | None:
        """``D.T`` (M x N, focus column zeroed) when the focus-only kernel applies."""
        if self.factors or self.noise.active:
            return None
        var = self.variant(())
        if var.L is None:
            return None
        return np.ascontiguousarray((var.L - var.L[self.focus]).T)

    def linear_tolerance(self) -> float:
        var = self.variant(())
        assert var.L is not None
        return RELATIVE_TOLERANCE * float(np.max(np.abs(var.L))) + ABSOLUTE_TOLERANCE


def _variant_text(levels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in levels.items()) or "nominal"


def default_loader(table: ContributorTable) -> Callable[[dict[str, Any]], ContributorTable]:
    """Reload the default dataset under ``table``'s lens with some fields changed."""
    def load(overrides: dict[str, Any]) -> ContributorTable:
        from rankings.data import DEFAULT_LENS, Lens, load_default

        lens = dict(table.lens)
        lens["years"] = tuple(lens.get("years", DEFAULT_LENS.years))
        lens.update(overrides)
        return load_default(Lens(**lens))

    return load


def build_problem(
    method: Methodology,
    table: ContributorTable,
    *,
    focus: str,
    weights: WeightSampler | None = None,
    factors: Sequence[CategoricalFactor] = (),
    noise: DataNoise | None = None,
    loader: Callable[[dict[str, Any]], ContributorTable] | None = None,
) -> SamplingProblem:
    """Prepare a sampling problem.

    Lens factors (counting, year, snapshot) reload the data through ``loader`` (by
    default the default dataset under ``table.lens`` with the factor changed). The
    contributors analysed are those present under every lens variant after the
    methodology's missing rule; a note says how many were left out.
    """
    from rankings.data import parse_years

    factors = tuple(factors)
    noise = noise or DataNoise()
    notes: list[str] = []
    prepared = method.prepare(table)
    metrics = prepared.metric_names
    weights = weights or WeightSampler(metrics)
    if tuple(weights.metrics) != tuple(metrics):
        raise AnalysisError(f"weights must range over the methodology's metrics {', '.join(metrics)} "
                            f"(got {', '.join(weights.metrics)})")
    lens_factors = [f for f in factors if f.name in LENS_FACTORS]
    if lens_factors and not table.lens:
        raise AnalysisError("lens factors (counting, year, snapshot) need the default dataset (got a data file)")
    if any(f.name == "drop-metric" for f in factors) and len(metrics) < 2:
        raise AnalysisError(f"--vary drop-metric needs at least 2 metrics (got {len(metrics)})")
    lens_tables: dict[tuple[str, ...], ContributorTable] = {}
    if lens_factors:
        load = loader or default_loader(table)
        for combo in product(*[f.levels for f in lens_factors]):
            overrides: dict[str, Any] = {}
            for f, level in zip(lens_factors, combo):
                overrides["years" if f.name == "year" else f.name] = (
                    parse_years(level) if f.name == "year" else level)
            try:
                raw = load(overrides)
            except RankingsError as exc:
                text = ", ".join(f"{f.name}={lv}" for f, lv in zip(lens_factors, combo))
                raise AnalysisError(f"lens variant {text} cannot be loaded: {exc}") from None
            lens_tables[tuple(combo)] = method.prepare(raw)
    else:
        lens_tables[()] = prepared
    common = set(prepared.contributors)
    for t in lens_tables.values():
        common &= set(t.contributors)
    universe = [c for c in prepared.contributors if c in common]
    if focus not in prepared.contributors:
        prepared.contributor_index(focus)  # raises UnknownNameError with a suggestion
    if focus not in common:
        raise AnalysisError(f"focus {focus!r} must be present under every lens variant (it is missing from some)")
    if len(universe) < prepared.n_contributors:
        notes.append(f"{prepared.n_contributors - len(universe)} contributor(s) absent under some lens variant "
                     f"were left out; {len(universe)} remain")
    if len(universe) < 2:
        raise AnalysisError(f"sensitivity needs at least 2 contributors (got {len(universe)})")
    for key, t in list(lens_tables.items()):
        index = {c: i for i, c in enumerate(t.contributors)}
        lens_tables[key] = t.take([index[c] for c in universe]) if len(t.contributors) != len(universe) \
            or tuple(t.contributors) != tuple(universe) else t
    nominal_table = prepared.take([prepared.contributor_index(c) for c in universe]) \
        if len(universe) != prepared.n_contributors else prepared
    # The nominal lens key is the one whose levels match the table's lens, if present.
    base = method.weights_for(nominal_table)
    scores = method.score_matrix(nominal_table, np.array([[base[m] for m in metrics]]), prepared=True)[0]
    nominal_ranks = rank_scores(scores)
    if noise.active:
        for cell in noise.cells:
            if cell.contributor not in universe:
                raise AnalysisError(f"uncertainty file names {cell.contributor!r}, which is not analysed")
    problem = SamplingProblem(
        method=method, table=nominal_table, focus=universe.index(focus), weights=weights, factors=factors,
        noise=noise, nominal_ranks=nominal_ranks, notes=tuple(notes), lens_tables=lens_tables,
    )
    # Check every normalisation x aggregation pair once, at the base weights.
    names = [f.name for f in factors]
    if "normalize" in names or "aggregate" in names:
        first_lens = {f.name: 0 for f in factors}
        ranges = [range(len(f.levels)) if f.name in ("normalize", "aggregate") else [0] for f in factors]
        for choice in product(*ranges):
            var = problem.variant(tuple(choice))
            if var.L is None and not problem.noise.active:
                try:
                    var.method.score_matrix(var.table, np.array([[base[m] for m in metrics]]), prepared=True,
                                            normalized=var.Z)
                except RankingsError as exc:
                    levels = {f.name: f.levels[c] for f, c in zip(factors, choice) if f.name in first_lens}
                    raise AnalysisError(f"method variant {_variant_text(levels)} cannot score the data: {exc}") from None
    return problem


# ---------------------------------------------------------------------------------------
# Counters
# ---------------------------------------------------------------------------------------

@dataclass
class Counters:
    """Running totals over runs (all int64 / float64, size independent of the run count)."""

    n: int
    m: int
    full: bool
    pair_rows: np.ndarray
    runs: int = 0
    focus_hist: np.ndarray = field(init=False)
    acceptability: np.ndarray | None = field(init=False)
    first_weight_sum: np.ndarray | None = field(init=False)
    shift_sum: np.ndarray | None = field(init=False)
    run_shift_sum: int = 0
    run_shift_sq: int = 0
    wins: np.ndarray | None = field(init=False)
    focus_runs: list[np.ndarray] = field(default_factory=list)
    shift_runs: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.focus_hist = np.zeros(self.n + 1, dtype=np.int64)
        if self.full:
            self.acceptability = np.zeros((self.n, self.n), dtype=np.int64)
            self.first_weight_sum = np.zeros((self.n, self.m), dtype=np.int64).astype(object)
            self.shift_sum = np.zeros(self.n, dtype=np.int64)
            p = len(self.pair_rows)
            self.wins = np.zeros((p, p), dtype=np.int64)
        else:
            self.acceptability = self.first_weight_sum = self.shift_sum = self.wins = None


def estimate_memory(n: int, m: int, chunk: int, *, full: bool, samples: int, store_runs: bool,
                    pairs: int, workers: int = 1, compiled: bool = False) -> int:
    """Bytes the engine needs at peak (per-worker chunk working set and counters + stored runs)."""
    if full:
        per_chunk = chunk * n * 8 * 2 if compiled else chunk * n * (8 * 5 + 1)
    else:
        per_chunk = chunk * m * 8 * 2 if compiled else chunk * n * 9
    if full and not compiled and n <= COUNTING_KERNEL_MAX_N:
        per_chunk += min(chunk, max(1, 2**20 // (n * n))) * n * n * 12
    counters = n * n * 8 if full else n * 8
    counters += n * m * 8 * 2 + pairs * pairs * 8
    stored = samples * 16 if store_runs else 0
    return int(workers * (per_chunk + counters + chunk * m * 8 * 4) + counters + stored)


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable``), or physical memory as a fallback."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 8 * 2**30


def _human(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1024 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} PB"  # pragma: no cover


def check_run_size(samples: int, n: int, m: int, chunk: int, *, full: bool, store_runs: bool, pairs: int,
                   workers: int = 1, compiled: bool = False) -> None:
    """Refuse before starting when the sample count or the memory needed is impossible."""
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise AnalysisError(f"samples must be a positive integer (got {samples})")
    if samples > MAX_SAMPLES:
        raise AnalysisError(f"samples must be at most {MAX_SAMPLES:.0e} (got {samples:.3g})")
    if chunk < 1 or chunk > 2**20:
        raise AnalysisError(f"chunk size must be an integer from 1 to {2**20} (got {chunk})")
    need = estimate_memory(n, m, chunk, full=full, samples=samples, store_runs=store_runs, pairs=pairs,
                           workers=workers, compiled=compiled)
    have = available_memory()
    if need > 0.8 * have:
        raise AnalysisError(f"the run needs about {_human(need)} of memory but {_human(have)} is available "
                            f"({n} contributors, chunk {chunk}); use fewer contributors or a smaller chunk")


# ---------------------------------------------------------------------------------------
# The run log
# ---------------------------------------------------------------------------------------

class RunLog:
    """Streams one CSV row per run to a temp file, renamed into place on success."""

    def __init__(self, path: str | Path, problem: SamplingProblem) -> None:
        self.path = Path(path)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        if self.path.is_dir():
            raise AnalysisError(f"--log-runs must be a file path (got the folder {str(self.path)!r})")
        if not folder.is_dir():
            raise AnalysisError(f"--log-runs folder must exist (got {str(folder)!r})")
        fd, self.tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=folder)
        self.handle = os.fdopen(fd, "w", encoding="utf-8", newline="")
        self.problem = problem
        header = ["run", *[f"w_{m}" for m in problem.metrics], *[f.name for f in problem.factors]]
        if problem.noise.active:
            header.append("noise_key")
        header.append("focus_rank")
        self.handle.write(",".join(header) + "\n")

    def write(self, batch: RunBatch, W: np.ndarray, focus_rank: np.ndarray) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        levels = [f.levels for f in self.problem.factors]
        for r in range(len(batch)):
            row: list[Any] = [batch.start + r, *[repr(float(x)) for x in W[r]]]
            row += [levels[k][batch.choices[r, k]] for k in range(len(levels))]
            if batch.noise_keys is not None:
                row.append(int(batch.noise_keys[r]))
            row.append(int(focus_rank[r]))
            writer.writerow(row)
        self.handle.write(buffer.getvalue())

    def close(self, ok: bool) -> None:
        self.handle.close()
        if ok:
            os.replace(self.tmp, self.path)
        else:
            Path(self.tmp).unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------

Progress = Callable[[int, int], None]


def engine_chunk(n: int, *, full: bool, compiled: bool) -> int:
    """Default compute chunk: a multiple of the generation block, or a divisor of it for large N.

    numpy: about 2**20 scores per chunk and at least N rows (the per-chunk bincount
    costs N^2). Compiled ranking accumulates in place, so its chunk only bounds the
    score buffer (about 2**19 scores per worker).
    """
    rows = max(1, 2**19 // max(n, 1)) if (full and compiled) else auto_chunk(n)
    if rows >= GEN_BLOCK:
        return int(min(2**20, GEN_BLOCK * round(rows / GEN_BLOCK)))
    # Large N: a power of two below the block size divides the block, so chunks tile it;
    # each worker caches the block it is reading, and generation is cheap next to ranking.
    return int(max(64, 2 ** int(np.floor(np.log2(rows)))))


def _blas_single() -> bool:
    return any(os.environ.get(k) == "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"))


def _per_worker_batches(batches: Callable[[int, int], RunBatch]) -> Callable[[], Callable[[int, int], RunBatch]]:
    """A factory of ``batches`` for each worker thread.

    A :class:`RunSampler` serialises generation behind its lock and shares one block
    cache; each worker gets its own copy (same seed, same bytes), so generation runs
    in parallel. Other callables are shared as they are.
    """
    owner = getattr(batches, "__self__", None)
    if isinstance(owner, RunSampler) and getattr(batches, "__func__", None) is RunSampler.batch:
        def make() -> Callable[[int, int], RunBatch]:
            mine = copy.copy(owner)
            mine._cache = {}
            mine._lock = threading.Lock()
            return mine.batch
        return make
    return lambda: batches


@dataclass
class _Worker:
    batches: Callable[[int, int], RunBatch]
    counters: kernels.RankCounters | None
    hist: np.ndarray


def run_engine(
    problem: SamplingProblem,
    batches: Callable[[int, int], RunBatch],
    samples: int,
    *,
    chunk_size: int | None = DEFAULT_CHUNK,
    full: bool = True,
    pair_rows: Sequence[int] = (),
    store_runs: bool = False,
    log_runs: str | Path | None = None,
    progress: Progress | None = None,
    threads: int | None = None,
) -> Counters:
    """Evaluate runs ``0 .. samples-1`` (inputs from ``batches(a, b)``) into counters.

    ``full=False`` keeps only the focus rank histogram (fast path for linear methods).
    ``store_runs`` also keeps each run's focus rank and mean absolute rank shift (for
    Sobol' analysis; memory grows with the run count).

    Chunks run on ``threads`` worker threads (default :func:`kernels.threads`), each
    with its own integer counters, summed at the end; per-run outputs (log, stored
    runs, progress) are handled in run order. Results do not depend on the chunk size
    or the thread count.
    """
    n, m = problem.n, len(problem.metrics)
    compiled = kernels.backend() == "numba"
    need_full = full or store_runs
    fast = None if (need_full or log_runs is not None) else problem.focus_fast_path()
    linear = not problem.factors and not problem.noise.active and problem.variant(()).L is not None
    chunk = engine_chunk(n, full=need_full or fast is None, compiled=compiled) if chunk_size is None \
        else int(chunk_size)
    pair_index = np.asarray(sorted(set(int(i) for i in pair_rows)), dtype=np.int64)
    workers = kernels.threads() if threads is None else max(1, int(threads))
    if not linear and not _blas_single():
        workers = 1  # scoring may call multi-threaded BLAS: extra workers would oversubscribe the cores
    starts = range(0, samples, chunk) if isinstance(samples, (int, np.integer)) and samples > 0 else range(0)
    workers = max(1, min(workers, len(starts)))
    check_run_size(samples, n, m, chunk, full=need_full, store_runs=store_runs, pairs=len(pair_index),
                   workers=workers, compiled=compiled)
    counters = Counters(n, m, need_full, pair_index)
    log = RunLog(log_runs, problem) if log_runs is not None else None
    ref = problem.nominal_ranks.astype(np.int64)
    f = problem.focus
    tol = problem.linear_tolerance() if fast is not None else 0.0
    make_batches = _per_worker_batches(batches)
    local = threading.local()
    states: list[_Worker] = []
    states_lock = threading.Lock()

    def state() -> _Worker:
        st = getattr(local, "state", None)
        if st is None:
            st = _Worker(make_batches(), kernels.RankCounters(n, m, pair_index) if need_full else None,
                         np.zeros(n + 1, dtype=np.int64))
            with states_lock:
                states.append(st)
            local.state = st
        return st

    def work(a: int) -> tuple[RunBatch | None, np.ndarray | None, np.ndarray | None]:
        st = state()
        b = min(samples, a + chunk)
        batch = st.batches(a, b)
        if fast is not None:
            st.hist += np.bincount(kernels.focus_ranks(batch.weights, fast, tol), minlength=n + 1)
            return None, None, None
        W = problem.effective_weights(batch)
        S = problem.score(batch, W)
        if st.counters is not None:
            focus_rank, shift = st.counters.add_chunk(S, W, ref, f)
        else:
            row_tol = _row_tolerance(S)
            focus_rank = 1 + np.count_nonzero(S - S[:, f:f + 1] > row_tol[:, None], axis=1)
            shift = None
        return (batch if log is not None else None), focus_rank, shift

    def collect(a: int, result: tuple[RunBatch | None, np.ndarray | None, np.ndarray | None]) -> None:
        batch, focus_rank, shift = result
        b = min(samples, a + chunk)
        if focus_rank is not None:
            counters.focus_hist += np.bincount(focus_rank, minlength=n + 1)
        if shift is not None:
            counters.run_shift_sum += int(shift.sum())
            counters.run_shift_sq += sum(int(x) * int(x) for x in shift) if n > 2000 \
                else int((shift * shift).sum())
            if store_runs:
                counters.focus_runs.append(np.asarray(focus_rank, dtype=np.int32))
                counters.shift_runs.append(shift / n)
        if log is not None and batch is not None and focus_rank is not None:
            log.write(batch, batch.weights, focus_rank)
        counters.runs += b - a
        if progress is not None:
            progress(b, samples)

    ok = False
    try:
        if workers == 1:
            for a in starts:
                collect(a, work(a))
        else:
            with ThreadPoolExecutor(workers) as pool:
                pending: deque[tuple[int, Future[Any]]] = deque()
                try:
                    for a in starts:
                        pending.append((a, pool.submit(work, a)))
                        while len(pending) >= 2 * workers:
                            a0, fut = pending.popleft()
                            collect(a0, fut.result())
                    while pending:
                        a0, fut = pending.popleft()
                        collect(a0, fut.result())
                finally:
                    for _, fut in pending:
                        fut.cancel()
        for st in states:
            counters.focus_hist += st.hist
            if st.counters is not None:
                assert counters.acceptability is not None and counters.first_weight_sum is not None
                assert counters.shift_sum is not None and counters.wins is not None
                counters.acceptability += st.counters.acceptability
                counters.first_weight_sum += st.counters.first_weight_big
                counters.shift_sum += st.counters.shift_sum
                counters.wins += st.counters.wins
        ok = True
    finally:
        if log is not None:
            log.close(ok)
    return counters


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0
