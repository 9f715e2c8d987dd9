"""Sampled runs on a Dask cluster, with the same bytes as the in-process engine at any worker count.

:class:`DaskEngine` is an engine for :func:`rankings.sensitivity.engine.use_engine`: inside
``with DaskEngine(workers=4) as engine, use_engine(engine):`` every
:func:`~rankings.sensitivity.engine.run_engine` call (the sampled runs and the Sobol'
design of :func:`~rankings.sensitivity.analyze.sensitivity`, and any analysis built on the
engine) runs on the cluster. It starts a local cluster of ``workers`` processes on
127.0.0.1, or connects to ``scheduler`` (``tcp://HOST:PORT``).

Why the output does not depend on the cluster:

* a run's inputs depend only on the seed and the run's index: generation block ``b`` is
  drawn from ``SeedSequence(seed, spawn_key=(b,))`` (:func:`rankings.sampling.block_rng`),
  so any worker draws the same numbers for it;
* a task is one generation block of :data:`~rankings.sensitivity.sample.GEN_BLOCK` runs
  (or, for short runs, an aligned power-of-two part of one, so every worker has work); it
  evaluates its range with the in-process engine on one thread and returns its partial
  :class:`~rankings.sensitivity.counters.Counters`;
* the problem and the run inputs (the seeded sampler, or a Sobol' design) are pickled
  once into one task whose result (the bytes) each worker fetches once and unpickles once
  for all its tasks; a worker that dies takes nothing that cannot be recomputed from it;
* partial counters are merged on the workers in run order, in groups of :data:`FAN_IN`
  neighbours (:func:`~rankings.sensitivity.engine.merge_counters`): the totals (the
  compact acceptability of ranks ``1..K``, its coarse bins and rank sums included) are
  integers, and per-run outputs (Sobol' outputs, the run log) are concatenated in order;
* independent pieces that are not runs (SMAA-2 confidence factors, one per contributor
  ranked first somewhere; blocks of bootstrap resamples; blocks of a sampled weight set;
  the groups of the Sobol' bootstrap, :func:`~rankings.sensitivity.sobol.salib_first_total`)
  go through :meth:`DaskEngine.map`, one task each, results in order.

A worker killed mid-run has its tasks recomputed by the scheduler (and a task that
raises is retried :data:`TASK_RETRIES` times); the result is the same. A scheduler that
does not answer within ``timeout`` seconds is a one-line :class:`SettingError`, as is
asking for Dask without the ``distributed`` extra. Dask is imported only when an engine
starts, never by ``import rankings``.
"""

from __future__ import annotations

import logging
import threading
import uuid
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rankings.errors import AnalysisError, SettingError
from rankings.sensitivity.engine import Counters, Progress, RunLog, merge_counters, run_engine
from rankings.sensitivity.memory import check_samples
from rankings.sensitivity.problem import SamplingProblem
from rankings.sensitivity.sample import GEN_BLOCK, RunBatch

EXTRA = 'pip install "rankings[distributed]"'
"""How to get Dask: the optional extra."""
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
"""Dask's own convention for the address of an existing scheduler."""
CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a scheduler (and for its first worker) before giving up."""
TASK_RETRIES = 2
"""Times a task that raised is tried again (a killed worker's tasks are rescheduled anyway)."""
FAN_IN = 8
"""Partial counters merged per reduction task."""
MAP_TASKS_PER_WORKER = 4
""":meth:`DaskEngine.map` sends at most this many tasks per worker (consecutive items grouped)."""
MIN_TASK_RUNS = 1024
"""The smallest task: a power-of-two part of a generation block (short runs only)."""


def dask_available() -> bool:
    """Whether ``distributed`` can be imported (the ``rankings[distributed]`` extra)."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


def _distributed() -> Any:
    try:
        import distributed
    except ImportError:
        raise SettingError(f"running on Dask needs the optional extra: {EXTRA} (dask.distributed is not installed)") \
            from None
    return distributed


def local_cluster(workers: int) -> Any:
    """A ``LocalCluster`` of ``workers`` processes of one thread each on 127.0.0.1 (what ``--workers N`` starts).

    Dask's nannies set ``MALLOC_TRIM_THRESHOLD_=65536`` in their workers to hand memory back to
    the system sooner; setting it switches off glibc's adaptive mmap threshold, so every array
    above 128 kB (each chunk's scores, N x chunk) is mapped and page-faulted afresh. Measured
    on the benchmark study's runs (N = 2,500): 0.64 CPU s per 4,096 runs without it, 0.85-0.95 s
    with it. Workers here keep glibc's default (one thread each, single-threaded BLAS, as Dask sets).
    """
    import dask

    distributed = _distributed()
    with dask.config.set({"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}):
        return distributed.LocalCluster(
            n_workers=int(workers), threads_per_worker=1, processes=True, host="127.0.0.1",
            dashboard_address=None, scheduler_kwargs={"dashboard": False}, silence_logs=logging.CRITICAL)


def task_ranges(samples: int, workers: int) -> list[tuple[int, int]]:
    """Run ranges of the tasks: whole generation blocks, or aligned parts of one so each worker gets ~4 tasks."""
    size = GEN_BLOCK
    while size > MIN_TASK_RUNS and -(-samples // size) < 4 * max(1, workers):
        size //= 2
    return [(a, min(samples, a + size)) for a in range(0, samples, size)]


# ---------------------------------------------------------------------------------------
# What runs on a worker
# ---------------------------------------------------------------------------------------

_LOADED: OrderedDict[str, Any] = OrderedDict()
_LOADED_LOCK = threading.Lock()
LOADED_KEEP = 2
"""Unpickled inputs a worker process keeps (the latest engine calls')."""


def _keep(key: str, blob: bytes) -> tuple[str, bytes]:
    return key, blob


def _loaded(inputs: tuple[str, bytes]) -> Any:
    """The inputs of an engine call, unpickled once per worker process and shared by its tasks.

    Workers hand each other the pickled bytes, never the live objects: a problem fills its
    caches (method variants, resample blocks) as tasks run, and a worker pickling it for
    another meanwhile failed ("dictionary changed size during iteration").
    """
    import cloudpickle

    key, blob = inputs
    with _LOADED_LOCK:
        hit = _LOADED.get(key)
        if hit is None:
            hit = _LOADED[key] = cloudpickle.loads(blob)
            while len(_LOADED) > LOADED_KEEP:
                _LOADED.popitem(last=False)
        else:
            _LOADED.move_to_end(key)
        return hit


def _evaluate(inputs: tuple[str, bytes], a: int, b: int, options: dict[str, Any]) -> Counters:
    """The counters of runs ``[a, b)``: the in-process engine on one thread (one task per worker thread)."""
    problem, batches = _loaded(inputs)

    def shifted(lo: int, hi: int) -> RunBatch:
        return batches(a + lo, a + hi)

    counters = run_engine(problem, shifted, b - a, threads=1, **options)
    return counters if options["full"] else _per_run_only(counters)


def _per_run_only(counters: Counters) -> Counters:
    """What ``full=False`` asks for (the focus histogram, shift totals, stored runs), without the N x N
    counters that storing runs computes anyway: those would be sent and merged for nothing (50 MB a task
    at N = 2,500)."""
    if counters.full:
        counters.drop_full()  # the same ranks-kept layout as every other part, so the parts merge
    return counters


def _merge(*parts: Counters) -> Counters:
    return merge_counters(parts)


def _apply(inputs: tuple[str, bytes], func: Callable[[Any, Any], Any], items: list[Any]) -> list[Any]:
    shared = _loaded(inputs)[0]
    return [func(shared, item) for item in items]


# ---------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------

class DaskEngine:
    """Runs :func:`~rankings.sensitivity.engine.run_engine` on a Dask cluster (use as a context manager).

    Parameters
    ----------
    workers : start a local cluster of this many worker processes (one thread each) on 127.0.0.1.
    scheduler : or connect to this scheduler (``tcp://HOST:PORT``); its workers are used as they are.
    timeout : seconds to wait for the scheduler and for a first worker.
    """

    def __init__(self, *, workers: int | None = None, scheduler: str | None = None,
                 timeout: float = CONNECT_TIMEOUT) -> None:
        if (workers is None) == (scheduler is None):
            raise SettingError("a Dask engine needs either a worker count or a scheduler address (got "
                               + ("both" if workers is not None else "neither") + ")")
        if workers is not None and (isinstance(workers, bool) or int(workers) < 1):
            raise SettingError(f"workers must be a positive integer (got {workers})")
        if not timeout > 0:
            raise SettingError(f"scheduler timeout must be a positive number of seconds (got {timeout})")
        self.workers = None if workers is None else int(workers)
        self.scheduler = scheduler
        self.timeout = float(timeout)
        self.client: Any = None
        self.cluster: Any = None
        self.tasks = self.map_tasks = 0
        self.seconds = 0.0
        """Tasks of runs and of :meth:`map` submitted, wall time spent in both (for benchmarks and logs)."""

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> DaskEngine:
        distributed = _distributed()
        if self.workers is not None:
            self.cluster = local_cluster(self.workers)
            self.client = distributed.Client(self.cluster, timeout=self.timeout)
            return self
        address = str(self.scheduler)
        try:
            self.client = distributed.Client(address, timeout=self.timeout)
        except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError: all mean "not reachable"
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise SettingError(f"the Dask scheduler at {address} must answer within {self.timeout:g} s "
                               f"(got no answer: {reason[:160]})") from None
        try:
            self.client.wait_for_workers(1, timeout=self.timeout)
        except Exception:  # noqa: BLE001 - a TimeoutError under another name in some versions
            self.close()
            raise SettingError(f"the Dask scheduler at {address} must have a worker within {self.timeout:g} s "
                               "(got none)") from None
        return self

    def close(self) -> None:
        client, cluster = self.client, self.cluster
        self.client = self.cluster = None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def __enter__(self) -> DaskEngine:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def worker_count(self) -> int:
        if self.client is None:
            return 0
        return len(self.client.scheduler_info().get("workers", {}))

    def describe(self) -> dict[str, Any]:
        """What the manifest records: the engine, the cluster and its workers at the start."""
        return {"engine": "dask", "scheduler": "local" if self.scheduler is None else self.scheduler,
                "workers": self.worker_count()}

    # -- running --------------------------------------------------------------------------

    def run(self, problem: SamplingProblem, batches: Callable[[int, int], RunBatch], samples: int, *,
            chunk_size: int | None = None, full: bool = True, pair_rows: Sequence[int] = (),
            store_runs: bool = False, log_runs: str | Path | None = None, progress: Progress | None = None,
            threads: int | None = None, top_ranks: int | None = None) -> Counters:
        """The counters of :func:`~rankings.sensitivity.engine.run_engine` with the same arguments.

        With ``full=False`` the N x N counters are left out even where ``store_runs`` computes them.
        """
        import time

        distributed = _distributed()
        t0 = time.perf_counter()
        if self.client is None:
            raise SettingError("the Dask engine must be started first (use it as a context manager)")
        check_samples(samples)
        keep_runs = store_runs or log_runs is not None
        options = {"chunk_size": chunk_size, "full": full, "pair_rows": tuple(int(i) for i in pair_rows),
                   "store_runs": keep_runs, "top_ranks": top_ranks}
        log = RunLog(log_runs, problem) if log_runs is not None else None
        ok = False
        try:
            client = self.client
            token = uuid.uuid4().hex[:12]
            payload = self._inputs(problem, batches)
            ranges = task_ranges(int(samples), self.worker_count())
            leaves = [client.submit(_evaluate, payload, a, b, options, key=f"rankings-runs-{a}-{b}-{token}",
                                    retries=TASK_RETRIES, pure=False) for a, b in ranges]
            size = {f.key: b - a for f, (a, b) in zip(leaves, ranges)}
            self.tasks += len(leaves)
            level, depth = list(leaves), 0
            while len(level) > 1:
                depth += 1
                level = [client.submit(_merge, *level[i:i + FAN_IN], key=f"rankings-merge-{depth}-{i}-{token}",
                                       retries=TASK_RETRIES, pure=False) for i in range(0, len(level), FAN_IN)]
            final = level[0]
            done = distributed.as_completed(leaves)
            del leaves, payload, level  # each piece is released once merged, so cluster memory stays flat
            finished = 0
            try:
                for future in done:
                    finished += size[future.key]
                    if future.status == "error":
                        break  # the merge raises it below
                    if progress is not None:
                        progress(finished, int(samples))
                counters = final.result()
            except distributed.KilledWorker as exc:
                raise AnalysisError(f"a task of the run was lost with {TASK_RETRIES + 1} workers in a row; the "
                                    f"cluster cannot finish it ({exc})") from None
            finally:
                del done
                final.release()
            if log is not None:
                self._write_log(log, batches, counters, int(samples), chunk_size)
            if not store_runs:
                counters.focus_runs, counters.shift_runs = [], []
            if not (full or store_runs) and counters.full:
                counters.drop_full()
            ok = True
            return counters
        finally:
            self.seconds += time.perf_counter() - t0
            if log is not None:
                log.close(ok)

    def map(self, problem: Any, func: Callable[[Any, Any], Any], items: Sequence[Any], *,
            threads: int = 1) -> list[Any]:
        """``[func(problem, item) for item in items]`` in tasks of consecutive items (see ``engine.map_problem``;
        ``threads``, its in-process thread count, does not apply on a cluster).

        ``problem`` (a :class:`SamplingProblem` or another picklable set-up) is sent once. Items go
        out in at most :data:`MAP_TASKS_PER_WORKER` tasks per worker: a confidence factor is about
        15 ms of work, as much as a task's round trip and bookkeeping (measured: 125 one-item tasks
        took 3.5 s on one worker against 1.6 s in process).
        """
        import time

        distributed = _distributed()
        if self.client is None:
            raise SettingError("the Dask engine must be started first (use it as a context manager)")
        futures = []
        t0 = time.perf_counter()
        per = -(-len(items) // max(1, MAP_TASKS_PER_WORKER * self.worker_count()))
        groups = [list(items[i:i + per]) for i in range(0, len(items), per)]
        self.map_tasks += len(groups)
        try:
            payload = self._inputs(problem, None)
            futures = [self.client.submit(_apply, payload, func, group, retries=TASK_RETRIES, pure=False)
                       for group in groups]
            del payload
            return [out for part in self.client.gather(futures) for out in part]
        except distributed.KilledWorker as exc:
            raise AnalysisError(f"a task of the run was lost with {TASK_RETRIES + 1} workers in a row; the "
                                f"cluster cannot finish it ({exc})") from None
        finally:
            self.seconds += time.perf_counter() - t0
            for future in futures:
                future.release()

    def _inputs(self, problem: SamplingProblem, batches: Any) -> Any:
        """One task holding the pickled problem and run inputs, fetched once by each worker that needs them."""
        import cloudpickle

        blob = cloudpickle.dumps((problem, batches))
        key = f"rankings-inputs-{uuid.uuid4().hex[:12]}"
        with warnings.catch_warnings():
            # sent once by design (Dask suggests scatter, which a dying worker could lose for good)
            warnings.filterwarnings("ignore", message="Sending large graph")
            return self.client.submit(_keep, key, blob, key=key, pure=False)

    @staticmethod
    def _write_log(log: RunLog, batches: Callable[[int, int], RunBatch], counters: Counters, samples: int,
                   chunk_size: int | None) -> None:
        """The run log in run order: inputs drawn again here (cheap), focus ranks from the cluster."""
        focus = np.concatenate(counters.focus_runs) if counters.focus_runs else np.zeros(0, dtype=np.int32)
        step = int(chunk_size or GEN_BLOCK)
        for a in range(0, samples, step):
            b = min(samples, a + step)
            batch = batches(a, b)
            log.write(batch, batch.weights, focus[a:b])
