"""Benchmark of the Dask engine against the in-process engine (a script, not a test).

One large method-choice study: N synthetic contributors (default 2,500) x 7 metrics,
``equal-weights`` with three ``--vary`` factor groups (normalisation min-max / rank /
percentile, aggregation arithmetic / geometric, dropping one metric) on top of the seven
weights (10 factor groups), ``--samples`` Dirichlet runs (default 16,384; the SMAA-2
confidence factors score as many draws for each contributor that ranks first in some run)
and Sobol' indices on a Saltelli design of ``--base`` rows (default 2^13: 2^13 x 12 =
98,304 runs), 114,688 runs in all. It is run

* in process (the default engine, as ``rankings sensitivity`` runs it),
* on a local Dask cluster of 1 worker and of 2 workers (one thread each, 127.0.0.1),

and the script prints, for each, the wall time, runs per second, the speedup against the
in-process engine and whether the result is byte-identical to it
(``json.dumps(result.to_dict())``), with the time split into the engine's run tasks, its
confidence-factor tasks and what stays in this process (the problem, the Sobol' design,
SALib's bootstrap, the post-processing). It measures the scheduling cost (an empty task's
round trip; the 1-worker cluster's time over the in-process engine, per task), the bytes
sent to the workers (the problem and run inputs, once per engine call) and back (the
partial counters of a run task), the share of the study that cannot be spread (Amdahl's
bound on 2 workers), and from the measured per-task costs an estimate of the same study at
10x the runs on 64 workers (see benchmarks/README.md). Cluster start-up and each worker's
first load of the library and the compiled kernels are timed apart, as a long study pays
them once.

Usage::

    python benchmarks/bench_distributed.py            # the study (about 1-2 min in process; 4-6 min in all)
    python benchmarks/bench_distributed.py --quick    # 600 contributors, base 2^10 (about a minute in all)
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import time
from typing import Any

import numpy as np

METRICS = 7
VARY = ["normalize=min-max,rank,percentile", "aggregate=arithmetic,geometric", "drop-metric"]


def _table(n: int) -> Any:
    import pandas as pd

    import rankings

    rng = np.random.default_rng(2026)
    frame = pd.DataFrame({f"m{j}": rng.lognormal(1.0, 1.0, n).round(4) + 0.01 for j in range(METRICS)},
                         index=pd.Index([f"c{i:05d}" for i in range(n)], name="unit"))
    return rankings.ContributorTable.from_frame(frame)


def _study(n: int) -> tuple[Any, Any, Any, str]:
    import rankings
    from rankings.sensitivity.sample import parse_vary

    table = _table(n)
    method = rankings.get_methodology("equal-weights")
    factors = parse_vary(VARY, metrics=method.prepare(table).metric_names, lens_available=False)
    scores = method.evaluate(table).scores
    focus = table.contributors[int(np.argsort(-np.asarray(scores))[n // 50])]  # about the 2nd percentile
    return method, table, factors, focus


def _run(method: Any, table: Any, factors: Any, focus: str, samples: int, base: int, seed: int = 7) -> Any:
    from rankings.sensitivity.analyze import sensitivity

    return sensitivity(method, table, focus=focus, samples=samples, seed=seed, factors=factors, sobol=True,
                       sobol_samples=base)


def _warm_worker() -> str:
    """On a worker: import the library and load every compiled kernel the study calls (a tiny study)."""
    os.environ["RANKINGS_KERNELS"] = "numba"  # small runs would otherwise take the numpy kernels
    try:
        method, table, factors, focus = _study(60)
        _run(method, table, factors, focus, 512, 8)
    finally:
        del os.environ["RANKINGS_KERNELS"]
    return "ok"


class Timed:
    """An engine that times the runs and maps of another (``None``: the in-process engine)."""

    def __init__(self, inner: Any = None) -> None:
        self.inner = inner
        self.run_s = self.map_s = 0.0
        self.run_calls = self.map_calls = self.map_items = 0
        self.by_kind: dict[str, list[float]] = {}  # mapped function -> [seconds, pieces]
        self.run_samples: list[int] = []

    def run(self, problem: Any, batches: Any, samples: int, **options: Any) -> Any:
        from rankings.sensitivity.engine import run_engine

        t0 = time.perf_counter()
        try:
            if self.inner is None:
                return run_engine(problem, batches, samples, **options)  # in process: no engine is active here
            return self.inner.run(problem, batches, samples, **options)
        finally:
            self.run_s += time.perf_counter() - t0
            self.run_calls += 1
            self.run_samples.append(int(samples))

    def map(self, problem: Any, func: Any, items: Any, *, threads: int = 1) -> list[Any]:
        from rankings.sensitivity.engine import map_problem

        t0 = time.perf_counter()
        try:
            if self.inner is None:  # the in-process path, as without an engine (map_problem unset it)
                return map_problem(problem, func, items, threads=threads)
            return self.inner.map(problem, func, items, threads=threads)
        finally:
            self.map_s += time.perf_counter() - t0
            kind = self.by_kind.setdefault(getattr(func, "__name__", "?"), [0.0, 0])
            kind[0] += time.perf_counter() - t0
            kind[1] += len(items)
            self.map_calls += 1
            self.map_items += len(items)


def _timed(fn: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _empty_task_cost(client: Any, count: int = 400) -> float:
    """Seconds per task of a no-op task round trip (submit, schedule, run, gather)."""
    client.gather(client.map(lambda i: i, range(count), pure=False))  # warm
    t0 = time.perf_counter()
    client.gather(client.map(lambda i: i + 1, range(count), pure=False))
    return (time.perf_counter() - t0) / count


def _bytes(method: Any, table: Any, factors: Any, focus: str) -> tuple[int, int, int]:
    """Pickled bytes of the problem with its method variants built (what an engine call sends once), and of
    one run task's counters: the main runs (ranks 1..K kept, K as ``sensitivity()`` picks it) and the Sobol' runs
    (per-run outputs only), 256 runs."""
    import cloudpickle

    from rankings.sensitivity.accept_kernels import default_top_ranks
    from rankings.sensitivity.distributed import _per_run_only
    from rankings.sensitivity.engine import run_engine
    from rankings.sensitivity.problem import build_problem
    from rankings.sensitivity.sample import RunSampler

    problem = build_problem(method, table, focus=focus, factors=factors)
    runs = RunSampler(7, problem.weights, tuple(problem.factors), False)
    full = run_engine(problem, runs.batch, 256, full=True, threads=1, top_ranks=default_top_ranks(problem.n))
    stored = _per_run_only(run_engine(problem, runs.batch, 256, full=False, store_runs=True, threads=1))
    return len(cloudpickle.dumps((problem, runs.batch))), len(pickle.dumps(full)), len(pickle.dumps(stored))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributors", type=int, default=2500)
    parser.add_argument("--samples", type=int, default=16384)
    parser.add_argument("--base", type=int, default=2**13)
    parser.add_argument("--quick", action="store_true", help="600 contributors, 1024 samples, base 2^10")
    args = parser.parse_args()
    if args.quick:
        args.contributors, args.samples, args.base = 600, 1024, 2**10

    from rankings.sensitivity import distributed as dask_engine
    from rankings.sensitivity.engine import use_engine

    started = time.perf_counter()
    method, table, factors, focus = _study(args.contributors)
    groups = METRICS + len(factors)
    runs = args.samples + args.base * (groups + 2)
    print(f"study: {args.contributors} contributors x {METRICS} metrics, {len(factors)} method-choice factors "
          f"({groups} Sobol' groups), {args.samples} samples + Sobol' base {args.base} = {runs} runs")
    load = os.getloadavg()
    print(f"load: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min), {os.cpu_count()} CPUs")
    _warm_worker()  # load the kernels in this process too
    inproc = Timed()
    cpu0 = time.process_time()
    with use_engine(inproc):
        reference, t_in = _timed(lambda: _run(method, table, factors, focus, args.samples, args.base))
    cpu: dict[str, tuple[float, float]] = {"in-process": (time.process_time() - cpu0, 0.0)}
    ref_text = json.dumps(reference.to_dict())
    rows: list[tuple[str, float, bool, Timed, tuple[float, float] | None]] = [("in-process", t_in, True, inproc, None)]
    tasks: dict[int, tuple[int, int]] = {}
    empty: dict[int, float] = {}
    for workers in (1, 2):
        cluster, t_up = _timed(lambda w=workers: dask_engine.local_cluster(w))  # as --workers N starts it
        try:
            with dask_engine.DaskEngine(scheduler=cluster.scheduler_address) as engine:
                _, t_warm = _timed(lambda: engine.client.run(_warm_worker))
                timed = Timed(engine)
                with use_engine(timed):
                    before = (engine.tasks, engine.map_tasks)
                    here0, there0 = time.process_time(), engine.client.run(time.process_time)
                    result, t = _timed(lambda: _run(method, table, factors, focus, args.samples, args.base))
                    there1 = engine.client.run(time.process_time)
                    tasks[workers] = (engine.tasks - before[0], engine.map_tasks - before[1])
                # CPU seconds: this process (client and scheduler) and the workers (their busiest one)
                spent = [there1[w] - there0[w] for w in there1 if w in there0]
                cpu[f"dask, {workers}"] = (time.process_time() - here0, max(spent) if spent else float("nan"))
                empty[workers] = _empty_task_cost(engine.client)
        finally:
            cluster.close()
        same = json.dumps(result.to_dict()) == ref_text
        rows.append((f"dask, {workers} worker{'s' if workers > 1 else ''}", t, same, timed, (t_up, t_warm)))

    print(f"\n{'engine':<16}{'seconds':>8}{'runs/s':>8}{'speedup':>9}  same  {'run tasks':>9}{'factors':>9}"
          f"{'here':>7}  {'CPU s here, busiest worker':>27}  start-up + warm-up s")
    for (name, t, same, timed, extra), (here_cpu, worker_cpu) in zip(rows, cpu.values()):
        here = t - timed.run_s - timed.map_s
        up = "" if extra is None else f"{extra[0]:.1f} + {extra[1]:.1f}"
        print(f"{name:<16}{t:>8.1f}{runs / t:>8.0f}{t_in / t:>8.2f}x  {'yes' if same else 'NO':<4}  "
              f"{timed.run_s:>8.1f}s{timed.map_s:>8.1f}s{here:>6.1f}s  {here_cpu:>13.1f}{worker_cpu:>14.1f}  {up}")
    one = rows[1][3]
    run_tasks, map_tasks = tasks[1]
    print(f"\nengine calls: {one.run_calls} of runs ({' + '.join(map(str, one.run_samples))} runs; "
          f"{run_tasks} tasks on 1 worker, {tasks[2][0]} on 2), {one.map_calls} of mapped pieces "
          f"({one.map_items} pieces: confidence factors of {args.samples} draws each and the Sobol' bootstrap's "
          f"groups, in {map_tasks} tasks on 1 worker, {tasks[2][1]} on 2)")
    per_run_task = one.run_s / max(run_tasks, 1)
    per_map_task = one.map_s / max(map_tasks, 1)
    per_factor = one.map_s / max(one.map_items, 1)
    print(f"cluster time per task on 1 worker: {per_run_task:.2f} s (runs), {per_map_task:.2f} s (mapped "
          f"pieces, {per_factor * 1e3:.0f} ms each); in process the same work took {inproc.run_s:.1f} s + {inproc.map_s:.1f} s")
    payload, full_b, stored_b = _bytes(method, table, factors, focus)
    print(f"sent once per engine call: the problem and run inputs, {payload / 1e6:.1f} MB pickled (each worker "
          f"fetches it once); back per run task: {full_b / 1e6:.1f} MB of counters for the main runs "
          f"(ranks 1..K kept), {stored_b / 1e3:.0f} kB per 256 runs for the Sobol' runs (per-run outputs only)")
    overhead = (rows[1][1] - t_in) / max(run_tasks + map_tasks, 1)
    print(f"scheduling overhead per task: empty-task round trip {empty[1] * 1e3:.1f} ms (1 worker), "
          f"{empty[2] * 1e3:.1f} ms (2 workers); 1-worker cluster over in-process: {overhead * 1e3:+.0f} ms per task")
    here_in = t_in - inproc.run_s - inproc.map_s
    share = here_in / t_in
    bound = 1.0 / (share + (1.0 - share) / 2.0)
    c_in, (c1_here, c1_w), (c2_here, c2_w) = cpu["in-process"][0], cpu["dask, 1"], cpu["dask, 2"]
    print(f"CPU seconds (less sensitive to the load than wall time): in process {c_in:.1f}; 1 worker "
          f"{c1_w:.1f} + {c1_here:.1f} here ({(c1_w + c1_here - c_in) / max(run_tasks + map_tasks, 1) * 1e3:+.0f} ms "
          f"per task); 2 workers: busiest {c2_w:.1f} + {c2_here:.1f} here -> on two free cores "
          f"{c_in / (c2_w + c2_here):.2f}x (none of this process's work overlaps the workers') to "
          f"{c_in / max(c2_w, c2_here, 1e-9):.2f}x (all of it does)")
    print(f"in this process whatever the engine: {here_in:.1f} s of {t_in:.1f} s ({100 * share:.1f}%): "
          f"Amdahl's bound on 2 workers {bound:.2f}x; measured {t_in / rows[2][1]:.2f}x "
          f"(2 workers over 1: {rows[1][1] / rows[2][1]:.2f}x)")

    # 10x the runs (samples and Sobol' base) on 64 workers of one core each, from the 1-worker costs.
    per_run = one.run_s / runs  # cluster seconds per run, scheduling and counters included
    big_runs = 10 * runs
    calls = []  # per engine call of runs (the main runs, the Sobol' design): tasks, their size, rounds on 64
    for n_runs in (10 * r for r in one.run_samples):
        size = dask_engine.GEN_BLOCK
        while size > dask_engine.MIN_TASK_RUNS and -(-n_runs // size) < 4 * 64:
            size //= 2
        calls.append((-(-n_runs // size), size, math.ceil(-(-n_runs // size) / 64)))
    big_tasks = sum(c[0] for c in calls)
    t_runs = sum(rounds * size for _, size, rounds in calls) * per_run
    factors_n = one.map_items
    # each kind of mapped piece (confidence factor, Sobol' bootstrap group), one task each, 10x the work each
    kinds = {name: (sec / max(count, 1), count) for name, (sec, count) in one.by_kind.items()}
    t_factors = sum(math.ceil(count / 64) * 10 * each for each, count in kinds.values())
    t_sched = (big_tasks + min(factors_n, 4 * 64)) * empty[2]
    t_here = 10 * here_in  # an upper bound: the post-processing here does not grow 10x (the bootstrap is mapped)
    total = t_runs + t_factors + t_sched + t_here
    print(f"\nestimate, 10x the runs ({big_runs}) on 64 workers:")
    print("  runs: " + " + ".join(f"{t} tasks of {z} ({r} rounds)" for t, z, r in calls) + " -> ("
          + " + ".join(f"{r} x {z}" for _, z, r in calls) + f") runs x {per_run * 1e3:.2f} ms = {t_runs:.1f} s")
    print("  mapped pieces: " + " + ".join(f"{name} {count} -> {math.ceil(count / 64)} rounds x 10 x {each:.3f} s"
                                          for name, (each, count) in kinds.items()) + f" = {t_factors:.1f} s")
    print(f"  scheduling: {big_tasks + min(factors_n, 4 * 64)} tasks x {empty[2] * 1e3:.1f} ms = {t_sched:.1f} s (if not overlapped)")
    print(f"  in this process: 10 x {here_in:.1f} s = {t_here:.1f} s (upper bound)")
    print(f"  total about {total:.0f} s after start-up, against 10 x {t_in:.0f} s = {10 * t_in:.0f} s in process "
          f"({10 * t_in / total:.0f}x)")
    load = os.getloadavg()
    print(f"\nwhole script: {time.perf_counter() - started:.0f} s; load at the end {load[0]:.2f} {load[1]:.2f}")


if __name__ == "__main__":
    main()
