"""Benchmark of the Dask engine against the in-process engine (a script, not a test).

One large method-choice study: N synthetic contributors (default 2,500) x 6 metrics,
``equal-weights`` with three ``--vary`` factor groups (normalisation min-max / rank /
percentile, aggregation arithmetic / geometric, dropping one metric) on top of the six
weights (9 factor groups), ``--samples`` Dirichlet runs and Sobol' indices on a Saltelli
design of ``--base`` rows (default 2^12: 2^12 x 11 = 45,056 runs). It is run

* in process (the default engine, as ``rankings sensitivity`` runs it today),
* on a local Dask cluster of 1 worker and of 2 workers (one thread each, 127.0.0.1),

and the script prints, for each, the wall time of the study, runs per second, the
speedup against the in-process engine and whether the result is byte-identical to it
(``json.dumps(result.to_dict())``). It also measures the scheduling cost of the
cluster: the round trip of empty tasks, and the extra time per task of the 1-worker
cluster over the in-process engine. Cluster start-up and each worker's first load of the
compiled kernels are timed apart (a warm-up run), as a long study pays them once.

From the measured per-task cost it prints an estimate for the same study at 10x the runs
on 64 workers (see benchmarks/README.md).

Usage::

    python benchmarks/bench_distributed.py            # the full study (several minutes)
    python benchmarks/bench_distributed.py --quick    # 400 contributors, base 2^9
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time

import numpy as np


def _study(n: int):
    import pandas as pd

    import rankings
    from rankings.sensitivity.sample import parse_vary

    rng = np.random.default_rng(2026)
    frame = pd.DataFrame({f"m{j}": rng.lognormal(1.0, 1.0, n).round(4) + 0.01 for j in range(6)},
                         index=pd.Index([f"c{i:05d}" for i in range(n)], name="unit"))
    table = rankings.ContributorTable.from_frame(frame)
    method = rankings.get_methodology("equal-weights")
    metrics = method.prepare(table).metric_names
    factors = parse_vary(["normalize=min-max,rank,percentile", "aggregate=arithmetic,geometric", "drop-metric"],
                         metrics=metrics, lens_available=False)
    scores = method.evaluate(table).scores
    focus = table.contributors[int(np.argsort(-np.asarray(scores))[n // 50])]  # about the 2nd percentile
    return method, table, factors, focus


def _run(method, table, factors, focus, samples: int, base: int, seed: int = 7):
    from rankings.sensitivity.analyze import sensitivity

    return sensitivity(method, table, focus=focus, samples=samples, seed=seed, factors=factors, sobol=True,
                       sobol_samples=base)


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _empty_task_cost(client, count: int = 400) -> float:
    """Seconds per task of a no-op task round trip (submit, schedule, run, gather)."""
    futures = client.map(lambda i: i, range(count), pure=False)
    client.gather(futures)  # warm
    t0 = time.perf_counter()
    futures = client.map(lambda i: i + 1, range(count), pure=False)
    client.gather(futures)
    return (time.perf_counter() - t0) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contributors", type=int, default=2500)
    parser.add_argument("--samples", type=int, default=16384)
    parser.add_argument("--base", type=int, default=2**12)
    parser.add_argument("--quick", action="store_true", help="400 contributors, 4096 samples, base 2^9")
    args = parser.parse_args()
    if args.quick:
        args.contributors, args.samples, args.base = 400, 4096, 2**9

    import distributed

    from rankings.sensitivity import distributed as dask_engine
    from rankings.sensitivity.engine import use_engine

    method, table, factors, focus = _study(args.contributors)
    groups = 6 + len(factors)
    runs = args.samples + args.base * (groups + 2)
    print(f"study: {args.contributors} contributors x 6 metrics, {len(factors)} method-choice factors "
          f"({groups} Sobol' groups), {args.samples} samples + Sobol' base {args.base} = {runs} runs")
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min), "
          f"{os.cpu_count()} CPUs")
    _run(method, table, factors, focus, 1024, 16)  # load the kernels in this process
    reference, t_in = _timed(lambda: _run(method, table, factors, focus, args.samples, args.base))
    ref_text = json.dumps(reference.to_dict())
    rows = [("in-process", t_in, True, None)]
    per_task: dict[int, float] = {}
    serial: dict[int, float] = {}
    empty: dict[int, float] = {}
    tasks: dict[int, int] = {}
    for workers in (1, 2):
        cluster, t_up = _timed(lambda w=workers: distributed.LocalCluster(
            n_workers=w, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None,
            scheduler_kwargs={"dashboard": False}, silence_logs=logging.CRITICAL))
        try:
            with dask_engine.DaskEngine(scheduler=cluster.scheduler_address) as engine, use_engine(engine):
                _, t_warm = _timed(lambda w=workers: _run(method, table, factors, focus, 1024 * w, 16))
                before, spent = engine.tasks + engine.map_tasks, engine.seconds
                result, t = _timed(lambda: _run(method, table, factors, focus, args.samples, args.base))
                tasks[workers] = engine.tasks + engine.map_tasks - before
                on_cluster = engine.seconds - spent
                empty[workers] = _empty_task_cost(engine.client)
        finally:
            cluster.close()
        same = json.dumps(result.to_dict()) == ref_text
        rows.append((f"dask, {workers} worker{'s' if workers > 1 else ''}", t, same, (t_up, t_warm)))
        per_task[workers] = on_cluster / tasks[workers]  # wall time per task on the cluster
        serial[workers] = t - on_cluster  # this process: problem, Sobol' design, SALib, post-processing
    print(f"{'engine':<18}{'seconds':>9}{'runs/s':>10}{'speedup':>9}  identical  start-up + warm-up s")
    for name, t, same, extra in rows:
        up = "" if extra is None else f"{extra[0]:.1f} + {extra[1]:.1f}"
        print(f"{name:<18}{t:>9.1f}{runs / t:>10.0f}{t_in / t:>8.2f}x  {'yes' if same else 'NO':<9}  {up}")
    overhead = (rows[1][1] - t_in) / tasks[1]
    print(f"tasks per study: {tasks[1]} (blocks of up to 16384 runs, and one per SMAA-2 confidence factor; "
          f"merges apart); cluster time per task: "
          f"{per_task[1]:.2f} s on 1 worker, {per_task[2]:.2f} s per task on 2 workers; serial part in this "
          f"process: {serial[1]:.1f} s")
    print(f"scheduling overhead per task: empty-task round trip {empty[1] * 1e3:.1f} ms (1 worker), "
          f"{empty[2] * 1e3:.1f} ms (2 workers); 1-worker cluster over in-process: {overhead * 1e3:+.0f} ms per task")
    # 10x the runs on 64 workers: the run tasks scale with the runs and spread over the workers; the
    # serial part (SALib's bootstrap over the base rows, post-processing) is taken as 10x, an upper bound.
    cost = per_task[1] + empty[2]
    estimate = 10 * tasks[1] * cost / 64 + 10 * serial[1]
    print(f"estimate, 10x the runs on 64 workers: {10 * tasks[1]} tasks x {cost:.2f} s / 64 + serial "
          f"{10 * serial[1]:.0f} s = {estimate:.0f} s (in process: about {10 * t_in:.0f} s)")


if __name__ == "__main__":
    main()
