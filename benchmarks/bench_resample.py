"""Benchmark of record resampling (a script, not a test).

Rebuilding the contributor table from a bootstrap resample of the records, runs per second:

* vectorised: :class:`rankings.sensitivity.sample.records.ResamplePlan` blocks of 256
  resamples, every record-derived metric, as the analyses draw them: the kernel ``auto``
  picks (:mod:`rankings.sensitivity.sample.draw`: numpy's bincount and one sparse product
  below 2,000 records, the compiled draw-and-sum pass from there when numba imports);
* the numpy kernel forced (``RANKINGS_KERNELS=numpy``'s path), for comparison;
* baseline: a plain pandas loop that, for each run, draws the records with replacement,
  joins them to their contributors (credit, open weights, citations) and sums per
  contributor (``merge`` + ``groupby``), the table rebuilt run by run;

on the default lens (2025 notable models, 106 records x 158 contributors) and on a
synthetic table of 25,000 records x 2,500 contributors (1-3 contributors per record,
heavy-tailed), both in the same process, and checks that both give the same table for the
same counts and that both kernels give the same bytes. Peak memory (``ru_maxrss``) of the vectorised path is measured in fresh
processes for two run counts, to show it is flat in the run count.

Every timed case is run ``--repeat`` times (3 by default) one after another in this process
and its best rate kept, the pandas loop's as well as the kernels' (as ``timeit`` advises:
the best is the least disturbed by other processes on a shared machine).

Usage::

    python benchmarks/bench_resample.py              # both tables
    python benchmarks/bench_resample.py --quick      # fewer runs
    python benchmarks/bench_resample.py --repeat 1   # one timing per case
    python benchmarks/bench_resample.py --profile    # where a block's time goes, stage by stage
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import numpy as np

CPU_RATES: dict[str, float] = {}
"""Runs per CPU-second of this process (every thread) of the last timed case: less moved by other
processes' load than wall-clock rates."""


def _default():
    from rankings.data import Lens
    from rankings.data.resample import record_incidence

    return record_incidence("models", Lens())


def _synthetic(n_records: int = 25_000, n_contributors: int = 2_500, seed: int = 1):
    import scipy.sparse as sp

    from rankings.data.resample import RecordIncidence

    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3], size=n_records, p=[0.6, 0.3, 0.1])
    weights = 1.0 / np.arange(1, n_contributors + 1) ** 0.8
    weights /= weights.sum()
    rows, cols = [], []
    for r, k in enumerate(sizes):
        for c in np.unique(rng.choice(n_contributors, size=k, p=weights)):
            rows.append(r)
            cols.append(int(c))
    rows_a, cols_a = np.array(rows), np.array(cols)
    open_w = rng.random(n_records) < 0.4
    cites = rng.lognormal(3, 1.5, n_records)
    shape = (n_records, n_contributors)
    mats = {"notable_models": sp.csr_matrix((np.ones(len(rows_a)), (rows_a, cols_a)), shape=shape),
            "open_weight_models": sp.csr_matrix((open_w[rows_a].astype(float), (rows_a, cols_a)), shape=shape),
            "model_citations": sp.csr_matrix((cites[rows_a], (rows_a, cols_a)), shape=shape)}
    names = tuple(f"c{i}" for i in range(n_contributors))
    observed = np.column_stack([np.asarray(m.sum(axis=0)).ravel() for m in mats.values()])
    return RecordIncidence("models", names, tuple(mats), mats, observed, records=tuple(map(str, range(n_records))))


def _long_frame(inc):
    """The records joined to their contributors, one row per (record, contributor) credit."""
    import pandas as pd

    coo = {m: inc.matrices[m].tocoo() for m in inc.metrics}
    first = coo[inc.metrics[0]]
    frame = pd.DataFrame({"record": first.row, "contributor": np.asarray(inc.contributors)[first.col]})
    for m in inc.metrics:
        frame[m] = inc.matrices[m][first.row, first.col].A1
    return frame


def pandas_loop(inc, runs: int, seed: int = 0) -> tuple[float, np.ndarray]:
    """Runs per second of the per-run pandas rebuild, and the last run's table."""
    import pandas as pd

    long = _long_frame(inc)
    rng = np.random.default_rng(seed)
    names = list(inc.contributors)
    n = inc.n_records
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(runs):
        picked = pd.DataFrame({"record": rng.integers(0, n, size=n)})
        merged = picked.merge(long, on="record")
        table = merged.groupby("contributor")[list(inc.metrics)].sum().reindex(names, fill_value=0.0)
    CPU_RATES["pandas"] = runs / (time.process_time() - c0)
    return runs / (time.perf_counter() - t0), table.to_numpy()


def vectorised(inc, runs: int, seed: int = 0, kernels: str | None = None, threads: int = 1) -> float:
    """Runs per second of the block path (tables of every metric for every run).

    ``threads > 1`` draws the blocks on that many threads sharing one plan, as the engine's
    worker threads do (the compiled kernel releases the GIL; each block depends only on
    (seed, block), so the tables are the same bytes)."""
    import os
    from concurrent.futures import ThreadPoolExecutor

    from rankings.sensitivity.sample.records import RESAMPLE_BLOCK, ResamplePlan

    old = os.environ.get("RANKINGS_KERNELS")
    if kernels:
        os.environ["RANKINGS_KERNELS"] = kernels
    try:
        plan = ResamplePlan(seed, ((inc, np.arange(len(inc.contributors)), []),))
        blocks = max(1, runs // RESAMPLE_BLOCK)
        plan.block(0)  # warm-up (imports, compilation or the kernel cache, first allocation)
        plan._cache.clear()
        def one(b: int) -> float:
            return float(plan.block(b)[0][:, :, 0].sum())  # the plan keeps only its few-block cache

        t0, c0 = time.perf_counter(), time.process_time()
        if threads == 1:
            total = sum(one(b) for b in range(blocks))
        else:
            with ThreadPoolExecutor(threads) as pool:
                total = sum(pool.map(one, range(blocks)))
        assert np.isfinite(total)
        CPU_RATES[f"{kernels or 'auto'}x{threads}"] = blocks * RESAMPLE_BLOCK / (time.process_time() - c0)
        return blocks * RESAMPLE_BLOCK / (time.perf_counter() - t0)
    finally:
        if kernels:
            if old is None:
                os.environ.pop("RANKINGS_KERNELS", None)
            else:
                os.environ["RANKINGS_KERNELS"] = old


def kernels_agree(inc) -> bool:
    """The compiled and the numpy kernels draw the same bytes (block 3 of seed 5)."""
    from rankings.sensitivity import backends
    from rankings.sensitivity.sample.draw import block_values
    from rankings.sensitivity.sample.records import RESAMPLE_BLOCK, kind_salt

    if not backends.numba_available():
        return True
    args = (inc, 5, kind_salt(inc.kind), 3, RESAMPLE_BLOCK)
    return block_values(*args, kernels="numpy").tobytes() == block_values(*args, kernels="numba").tobytes()


def agree(inc) -> bool:
    """Both paths give the same table for the same resample counts."""
    import pandas as pd

    rng = np.random.default_rng(3)
    picks = rng.integers(0, inc.n_records, size=inc.n_records)
    counts = np.bincount(picks, minlength=inc.n_records)[None, :].astype(float)
    fast = inc.values(counts)[0]
    merged = pd.DataFrame({"record": picks}).merge(_long_frame(inc), on="record")
    slow = merged.groupby("contributor")[list(inc.metrics)].sum().reindex(list(inc.contributors), fill_value=0.0)
    return bool(np.allclose(np.nan_to_num(fast), slow.to_numpy(), rtol=1e-9, atol=1e-6))


def stage_profile(inc, blocks: int = 4, repeat: int = 5) -> dict[str, float]:
    """CPU milliseconds per group of ``GROUP`` resamples of each stage of the compiled kernel
    (blocks of 256 drawn group by group, each stage called alone; the best of ``repeat``), and
    of the whole block as the plan calls it (:func:`block_values`, the one compiled call)."""
    from rankings.sensitivity.sample import draw
    from rankings.sensitivity.sample.records import RESAMPLE_BLOCK, kind_salt

    n = inc.n_records
    per, _, t = draw._rule(n)
    indptr, indices, data = draw.shared_pattern(inc)
    salt, G = kind_salt(inc.kind), draw.GROUP
    draw.block_values(inc, 0, salt, 0, G, kernels="numba")  # compiled (or loaded from the cache)
    dtype = np.uint16 if n < 2**16 else np.int64
    counts, idx = np.empty((n, G), dtype=dtype), np.empty(n + 4, dtype=dtype)
    best: dict[str, float] = {}
    for _ in range(repeat):
        spent = {"draw (words, accept, count)": 0.0, "sum": 0.0}
        kept: list[np.ndarray] = []
        for b in range(1, blocks + 1):
            bitgen = draw.block_bitgen(0, salt, b)
            gen = bitgen.ctypes  # pointers into bitgen: it stays referenced while they are used
            out = np.empty((RESAMPLE_BLOCK, len(inc.contributors), len(inc.metrics)))
            pos = 0
            for a in range(0, RESAMPLE_BLOCK, G):
                t0 = time.thread_time()
                pos = draw._nb_draw_counts(gen.next_uint64, gen.state_address, n, per, t, G, idx, pos, counts)
                t1 = time.thread_time()
                draw._nb_sum_counts(indptr, indices, data, counts, out[a:a + G])
                spent["sum"] += time.thread_time() - t1
                spent["draw (words, accept, count)"] += t1 - t0
            kept = [*kept[-3:], out]  # as the plan's cache keeps blocks
        t0 = time.thread_time()
        for b in range(1, blocks + 1):
            kept = [*kept[-3:], draw.block_values(inc, 0, salt, b, RESAMPLE_BLOCK, kernels="numba")]
        spent["whole block (block_values)"] = time.thread_time() - t0
        for k, v in spent.items():
            best[k] = min(best.get(k, np.inf), v * 1e3 / (blocks * RESAMPLE_BLOCK / G))
    return best


def peak_memory(which: str, runs: int) -> int:
    """Peak RSS (MiB) of a fresh process streaming ``runs`` resamples."""
    code = ("import sys; sys.path.insert(0, 'benchmarks'); import bench_resample as b, resource; "
            f"inc = b._default() if {which!r} == 'default' else b._synthetic(); b.vectorised(inc, {runs}); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return int(out.stdout.strip().splitlines()[-1]) // 1024


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=3, help="timings per case, the best kept (default 3)")
    parser.add_argument("--profile", action="store_true",
                        help="only the compiled kernel's stages on the synthetic table (CPU ms per group)")
    args = parser.parse_args()
    repeat = max(1, args.repeat)
    if args.profile:
        from rankings.sensitivity.sample.draw import GROUP

        stages = stage_profile(_synthetic())
        print(f"load average (1 min): {os.getloadavg()[0]:.2f}; synthetic 25,000 x 2,500, CPU ms per group of "
              f"{GROUP} resamples (best of 5 over 4 blocks of 256):")
        for k, v in stages.items():
            print(f"  {k:30} {v:.3f}")
        return

    def best(key: str, timed, *a, **kw) -> float:
        """The best of ``repeat`` wall-clock rates of ``timed(*a, **kw)``; CPU_RATES[key] the best CPU rate."""
        rates, cpu = [], []
        for _ in range(repeat):
            got = timed(*a, **kw)
            rates.append(got[0] if isinstance(got, tuple) else got)
            cpu.append(CPU_RATES[key])
        CPU_RATES[key] = max(cpu)
        return max(rates)

    rows = []
    for which, build, fast_runs, loop_runs in (("default lens", _default, 25_600, 300),
                                               ("synthetic 25,000 x 2,500", _synthetic, 2_560, 40)):
        inc = build()
        if args.quick:
            fast_runs, loop_runs = max(256, fast_runs // 4), max(10, loop_runs // 4)
        v1 = best("autox1", vectorised, inc, fast_runs)
        v = best("autox2", vectorised, inc, fast_runs, threads=2)
        p = best("pandas", pandas_loop, inc, loop_runs)
        cpu_ratio = CPU_RATES["autox1"] / CPU_RATES["pandas"]
        numpy_rate = best("numpyx1", vectorised, inc, max(256, fast_runs // 4), kernels="numpy")
        key = "default" if which.startswith("default") else "synthetic"
        mem = [peak_memory(key, r) for r in (fast_runs // 4, fast_runs)]
        rows.append({"table": which, "records": inc.n_records, "contributors": len(inc.contributors),
                     "vectorised_runs_per_s": round(v, 1), "one_thread_runs_per_s": round(v1, 1),
                     "numpy_kernel_runs_per_s": round(numpy_rate, 1),
                     "pandas_loop_runs_per_s": round(p, 1), "ratio": round(v / p, 1), "one_thread_ratio": round(v1 / p, 1), "cpu_ratio": round(cpu_ratio, 1),
                     "same_table": agree(inc), "kernels_agree": kernels_agree(inc),
                     "peak_mib": {str(fast_runs // 4): mem[0], str(fast_runs): mem[1]}})
    load = os.getloadavg()[0]
    if args.json:
        print(json.dumps({"load_1min": load, "repeat": repeat, "rows": rows}, indent=2))
        return
    print(f"load average (1 min): {load:.2f} on {os.cpu_count()} CPUs; ratios are measured in this one process, "
          f"each rate the best of {repeat} timing{'s' if repeat > 1 else ''}")
    print(f"{'table':26} {'records':>8} {'contrib':>8} {'2 threads/s':>12} {'1 thread/s':>11} {'numpy/s':>9} "
          f"{'pandas/s':>9} {'ratio':>7} {'1-thr':>6} {'CPU ratio':>10} {'same':>5}  peak MiB by run count")
    for r in rows:
        same = r["same_table"] and r["kernels_agree"]
        print(f"{r['table']:26} {r['records']:>8} {r['contributors']:>8} {r['vectorised_runs_per_s']:>12,.0f} "
              f"{r['one_thread_runs_per_s']:>11,.0f} {r['numpy_kernel_runs_per_s']:>9,.0f} "
              f"{r['pandas_loop_runs_per_s']:>9,.1f} {r['ratio']:>6.0f}x {r['one_thread_ratio']:>5.0f}x "
              f"{r['cpu_ratio']:>9.0f}x {str(same):>5}  " + ", ".join(f"{k}: {v}" for k, v in r["peak_mib"].items()))
    print("ratio: runs per second of the auto kernel on 2 threads sharing one plan (as the engine's workers draw")
    print("blocks) over the pandas loop's, wall clock (target: at least 100x); 1-thr: the same on one thread;")
    print("CPU ratio: one thread's runs per CPU-second over the pandas loop's, less moved by other processes")


if __name__ == "__main__":
    main()
