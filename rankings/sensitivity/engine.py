"""The engine: chunked, vectorised evaluation of sampled runs with memory flat in the run count.

A :class:`SamplingProblem` fixes a methodology, a contributor table (restricted to the
contributors present under every lens variant), a focus contributor and the
uncertain inputs. :func:`run_engine` walks the runs in compute chunks, scores each chunk
in one vectorised call per method variant (or once per run when data noise makes every
run's table different), turns scores into competition ranks and adds them to running
counters (:class:`Counters`). Nothing of size runs x contributors is ever held beyond one
chunk.

Fast paths:

* linear methodology, no method choices, no data noise, focus only: the focus rank is
  ``1 + #{k : (W @ D.T)[s, k] > tol}`` with ``D = L - l_f``; with uniform weights on the
  numba backend the kernel draws the weights itself, one generation block per task
  (:mod:`rankings.sensitivity.fused`: the same bits as numpy's draws);
* linear methodology otherwise: scores are ``W @ L.T`` (a strictly increasing transform
  of the true score, so ranks are identical);
* TOPSIS, WASPAS and geometric (without a linear form): the same formulas with ordered,
  BLAS-free sums (:mod:`rankings.sensitivity.nonlinear`), one chunk per core;
* anything else: :meth:`Methodology.score_matrix` per chunk and variant (one worker
  unless BLAS is single-threaded).

Ties are competition ranks with the tolerance rule of :mod:`rankings.ranking`
(``1e-9 * max|s| + 1e-12`` over each run's score vector, neighbours closer than it
share a rank), so identical rows always get identical ranks.
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from rankings._atomic import AtomicFile
from rankings.errors import AnalysisError
from rankings.sensitivity import accept_kernels, fused, kernels
from rankings.sensitivity.accept_kernels import RankLayout

# Counters and merge_counters live in their own module; they are re-exported here, where
# callers have always found them.
from rankings.sensitivity.counters import Counters as Counters
from rankings.sensitivity.counters import merge_counters as merge_counters
from rankings.sensitivity.memory import Estimate, check_run_size, estimate_run, refuse_if_too_big
from rankings.sensitivity.problem import SamplingProblem
from rankings.sensitivity.sample import (
    GEN_BLOCK,
    RunBatch,
    RunSampler,
)

DEFAULT_CHUNK = None
"""``None`` picks a chunk size from N (about 2**20 scores per chunk, at least N rows)."""

def auto_chunk(n: int) -> int:
    return int(min(65536, max(256, 2**20 // max(n, 1), n)))


# ---------------------------------------------------------------------------------------
# The run log
# ---------------------------------------------------------------------------------------

class RunLog:
    """Streams one CSV row per run to a temp file that becomes ``path`` on success.

    Written by :class:`rankings._atomic.AtomicFile`: the file gets the permissions of
    any other output (0666 less the umask, or those of the file it replaces), follows
    symlinks, writes through to devices, FIFOs and ``-``, and its temp file is removed
    on every failure path (a full disk at the last flush included).
    """

    def __init__(self, path: str | Path, problem: SamplingProblem) -> None:
        self.path = Path(path)
        self.out = AtomicFile(path, what="--log-runs", error=AnalysisError)
        self.tmp = str(self.out.tmp)
        self.problem = problem
        header = ["run", *[f"w_{m}" for m in problem.metrics], *[f.name for f in problem.factors]]
        if problem.noise.active:
            header.append("noise_key")
        header.append("focus_rank")
        try:
            self.out.write(",".join(header) + "\n")
        except BaseException:
            self.out.close(False)
            raise

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
        self.out.write(buffer.getvalue())

    def close(self, ok: bool) -> None:
        self.out.close(ok)


# ---------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------

Progress = Callable[[int, int], None]

_ENGINE: ContextVar[Any] = ContextVar("rankings_engine", default=None)
"""Another engine (an object with ``run(problem, batches, samples, **options) -> Counters``),
set by :func:`use_engine`; ``None`` runs in this process."""


@contextmanager
def use_engine(engine: Any) -> Iterator[Any]:
    """Send every :func:`run_engine` call inside the block to ``engine`` (e.g. a Dask cluster).

    ``engine.run`` receives the arguments of :func:`run_engine` and must return the same
    counters; see :mod:`rankings.sensitivity.distributed`.
    """
    token = _ENGINE.set(engine)
    try:
        yield engine
    finally:
        _ENGINE.reset(token)


def active_engine() -> Any:
    """The engine of the enclosing :func:`use_engine` block, or ``None`` (in this process)."""
    return _ENGINE.get()


def engine_chunk(n: int, *, full: bool, compiled: bool) -> int:
    """Default compute chunk: a multiple of the generation block, or a divisor of it for large N.

    numpy: about 2**20 scores per chunk and at least N rows (the per-chunk bincount
    costs N^2). Compiled ranking accumulates in place, so its chunk bounds the score and
    sorted-key buffers (about 2**21 scores per worker; the ranks buffer of
    accept_kernels.AcceptCounters spans chunks, so small chunks still count many runs per
    visit of a contributor's counter row).
    """
    rows = max(1, 2**21 // max(n, 1)) if (full and compiled) else auto_chunk(n)
    if rows >= GEN_BLOCK:
        return int(min(2**20, GEN_BLOCK * round(rows / GEN_BLOCK)))
    # Large N: a power of two below the block size divides the block, so chunks tile it;
    # each worker caches the block it is reading, and generation is cheap next to ranking.
    return int(max(64, 2 ** int(np.floor(np.log2(rows)))))


def _blas_single() -> bool:
    return any(os.environ.get(k) == "1" for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"))


def _per_worker_batches(batches: Callable[[int, int], RunBatch]) -> Callable[[], Callable[[int, int], RunBatch]]:
    """A factory of ``batches`` for each worker thread.

    A :class:`RunSampler` is shared as it is: it draws each generation block once, for every
    worker (blocks in parallel, see :class:`RunSampler`), so chunks smaller than a block do
    not make each worker draw the whole block again. Other callables are shared as they are.
    """
    return lambda: batches


def check_analysis_size(n: int, m: int, *, samples: int, chunk_size: int | None, pairs: int,
                        output: str = "table", sobol_samples: int | None = None, sobol_groups: int = 0,
                        top_ranks: int | None = None, full_requested: bool = False) -> Estimate:
    """Refuse a whole analysis (engine, post-processing, Sobol' design, output) that would not fit.

    Called before any work with an upper bound of N; the engine's chunk and worker count
    are the largest :func:`run_engine` may pick. ``top_ranks``: the ranks of the
    acceptability kept (default all); ``full_requested``: the N x N matrix was asked for.
    """
    with kernels.prefer_numpy_for(samples * n):
        compiled = kernels.backend() == "numba"
    chunk = engine_chunk(n, full=True, compiled=compiled) if chunk_size is None else int(chunk_size)
    need = estimate_run(n, m, samples=samples, chunk=chunk, pairs=pairs, workers=kernels.threads(),
                        compiled=compiled, output=output, sobol_samples=sobol_samples,
                        sobol_groups=sobol_groups, sobol_inputs=sobol_groups, kept=top_ranks,
                        full_requested=full_requested)
    refuse_if_too_big(need)
    return need


def _drawn_seed(batches: Callable[[int, int], RunBatch], problem: SamplingProblem) -> int | None:
    """The seed when the focus kernel can draw the weights itself (uniform weights of a plain
    :class:`RunSampler`, bit-identical draws checked), else ``None``."""
    owner = getattr(batches, "__self__", None)
    if not (isinstance(owner, RunSampler) and getattr(batches, "__func__", None) is RunSampler.batch):
        return None
    if owner.factors or owner.noise or owner.weights != problem.weights or not fused.applies(owner.weights):
        return None
    return int(owner.seed) if fused.kernel_draws_match(owner.weights.m) else None


def _run_drawn(problem: SamplingProblem, seed: int, DT: np.ndarray, tol: float, samples: int, workers: int,
               counters: Counters, progress: Progress | None) -> np.ndarray:
    """The focus histogram of runs ``0 .. samples-1``, weights drawn inside the kernel block by block.

    Work units are whole generation blocks (each drawn once, by one worker); with fewer
    blocks than ``8 x workers`` and many contributors, blocks are split in parts, each part
    drawing and discarding the runs before it (cheap next to counting at large N).
    """
    n = problem.n
    blocks = -(-samples // GEN_BLOCK)
    parts = 1
    if 0 < blocks < 8 * workers:
        parts = int(max(1, min(-(-8 * workers // blocks), n // 250, 16)))
    units = []
    for b in range(blocks):
        size = min(GEN_BLOCK, samples - b * GEN_BLOCK)
        step = -(-size // parts)
        units += [(b, lo, min(step, size - lo)) for lo in range(0, size, step)]
    local = threading.local()
    hists: list[np.ndarray] = []
    hists_lock = threading.Lock()

    def work(unit: tuple[int, int, int]) -> int:
        hist = getattr(local, "hist", None)
        if hist is None:
            hist = local.hist = np.zeros(n + 1, dtype=np.int64)  # focus ranks 1..n
            with hists_lock:
                hists.append(hist)
        fused.focus_block(seed, *unit, DT, tol, hist)
        return unit[2]

    done = 0
    workers = max(1, min(workers, len(units)))
    with ThreadPoolExecutor(workers) as pool:
        for count in pool.map(work, units):  # in order: progress counts whole runs
            done += count
            counters.runs += count
            if progress is not None:
                progress(done, samples)
    total = np.zeros(n + 1, dtype=np.int64)
    for hist in hists:
        total += hist
    return total


Shared = TypeVar("Shared")
"""What :func:`map_problem` sends to every piece: a :class:`SamplingProblem` or any picklable set-up."""


@dataclass
class _Worker:
    batches: Callable[[int, int], RunBatch]
    counters: accept_kernels.AcceptCounters | None
    hist: np.ndarray


def map_problem(problem: Shared, func: Callable[[Shared, Any], Any], items: Sequence[Any], *,
                threads: int = 1) -> list[Any]:
    """``[func(problem, item) for item in items]``, on the engine of :func:`use_engine` when it has ``map``.

    For independent pieces of an analysis that are not runs of the engine (e.g. SMAA-2
    confidence factors, one per contributor; bootstrap blocks; weight blocks of the exact
    analyses' sampled path; the groups of a Sobol' bootstrap); results come back in the
    order of ``items``. ``problem`` is anything picklable shared by every piece (sent to
    each worker once). In process the pieces run on ``threads`` threads (for pieces that
    release the GIL); an engine's ``map`` is told the same number for its own in-process path.
    """
    other = _ENGINE.get()
    if other is not None and hasattr(other, "map") and len(items) > 1:
        token = _ENGINE.set(None)
        try:
            return list(other.map(problem, func, items, threads=threads))
        finally:
            _ENGINE.reset(token)
    if threads > 1 and len(items) > 1:
        with ThreadPoolExecutor(min(threads, len(items))) as pool:
            return list(pool.map(lambda item: func(problem, item), items))
    return [func(problem, item) for item in items]


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
    top_ranks: int | None = None,
) -> Counters:
    """Evaluate runs ``0 .. samples-1`` (inputs from ``batches(a, b)``) into counters.

    ``full=False`` keeps only the focus rank histogram (fast path for linear methods).
    ``top_ranks`` (with ``full``): acceptability counted for ranks ``1..top_ranks`` only,
    ranks beyond in coarse bins (default: every rank, the N x N matrix).
    ``store_runs`` also keeps each run's focus rank and mean absolute rank shift (for
    Sobol' analysis; memory grows with the run count).

    Chunks run on ``threads`` worker threads (default :func:`kernels.threads`), each
    with its own integer counters, summed at the end; per-run outputs (log, stored
    runs, progress) are handled in run order. Results do not depend on the chunk size
    or the thread count. Inside :func:`use_engine` the runs go to that engine instead. Small runs
    (samples x contributors up to :data:`~rankings.sensitivity.backends.AUTO_NUMPY_WORK`) use the
    numpy kernels under ``auto``, so they never pay numba's import.
    """
    other = _ENGINE.get()
    if other is not None:
        token = _ENGINE.set(None)  # the engine evaluates its pieces here, in process
        try:
            extra = {} if top_ranks is None else {"top_ranks": top_ranks}
            return other.run(problem, batches, samples, chunk_size=chunk_size, full=full, pair_rows=pair_rows,
                             store_runs=store_runs, log_runs=log_runs, progress=progress, threads=threads, **extra)
        finally:
            _ENGINE.reset(token)
    work = samples * problem.n if isinstance(samples, (int, np.integer)) else -1
    with kernels.prefer_numpy_for(work):
        return _run_engine(problem, batches, samples, chunk_size=chunk_size, full=full, pair_rows=pair_rows,
                           store_runs=store_runs, log_runs=log_runs, progress=progress, threads=threads,
                           top_ranks=top_ranks)


def _run_engine(problem: SamplingProblem, batches: Callable[[int, int], RunBatch], samples: int, *,
                chunk_size: int | None, full: bool, pair_rows: Sequence[int], store_runs: bool,
                log_runs: str | Path | None, progress: Progress | None, threads: int | None,
                top_ranks: int | None) -> Counters:
    n, m = problem.n, len(problem.metrics)
    compiled = kernels.backend() == "numba"
    need_full = full or store_runs
    fast = None if (need_full or log_runs is not None) else problem.focus_fast_path()
    blas_free = problem.blas_free()
    chunk = engine_chunk(n, full=need_full or fast is None, compiled=compiled) if chunk_size is None \
        else int(chunk_size)
    if chunk_size is None and compiled and not problem.factors and problem.variant(()).scorer is not None:
        # non-linear scores pass over each chunk two or three times: keep it in L2 (about 2**19 scores,
        # 4 MB; with the row-vectorised kernels measured 15-25% faster than 2**17 at N = 250 and 2,500)
        chunk = min(chunk, max(64, 2 ** int(round(np.log2(max(1.0, 2**19 / max(n, 1)))))))
    pair_index = np.asarray(sorted(set(int(i) for i in pair_rows)), dtype=np.int64)
    workers = kernels.threads() if threads is None else max(1, int(threads))
    if not blas_free and not _blas_single():
        workers = 1  # scoring may call multi-threaded BLAS: extra workers would oversubscribe the cores
    starts = range(0, samples, chunk) if isinstance(samples, (int, np.integer)) and samples > 0 else range(0)
    workers = max(1, min(workers, len(starts)))
    layout = RankLayout.for_ranks(n, top_ranks)
    check_run_size(samples, n, m, chunk, full=need_full, store_runs=store_runs, pairs=len(pair_index),
                   workers=workers, compiled=compiled, kept=layout.kept)
    counters = Counters(n, m, need_full, pair_index, kept=layout.kept)
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
            st = _Worker(make_batches(), accept_kernels.AcceptCounters(layout, m, pair_index) if need_full else None,
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
            focus_rank = fused.focus_counts(S, f)
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

    drawn = _drawn_seed(batches, problem) if (fast is not None and compiled) else None
    if drawn is not None and fast is not None:
        counters.focus_hist += _run_drawn(problem, drawn, fast, tol, samples, workers, counters, progress)
        return counters
    log = RunLog(log_runs, problem) if log_runs is not None else None  # last, just before its try
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
                assert counters.beyond is not None and counters.rank_sum is not None
                if st is states[0]:  # take the first worker's matrices: the zeros allocated above are never touched
                    counters.acceptability, counters.beyond = st.counters.acceptability, st.counters.beyond
                else:
                    st.counters.add_top_to(counters.acceptability)  # no int64 copy of this worker's counts
                    counters.beyond += st.counters.beyond
                counters.rank_sum += st.counters.rank_sum
                counters.first_weight_sum += st.counters.first_weight_big
                counters.shift_sum += st.counters.shift_sum
                counters.wins += st.counters.wins
        ok = True
    finally:
        if log is not None:
            log.close(ok)
    return counters
