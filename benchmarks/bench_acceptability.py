"""Benchmark of the full rank acceptability (a script, not a test): rates, the limit, memory at N = 25,000.

For N contributors x 4 metrics (synthetic log-normal data, min-max + weighted sum,
Dirichlet(1) weights), in one process:

* ``engine N x N``: :func:`rankings.sensitivity.engine.run_engine` with the full N x N
  acceptability (what ``--full-acceptability`` runs: generation, scores, ranks, every counter);
* ``engine N x K``: the same with the default ranks kept (all of them up to N = 1,000);
* ``numpy ref``: a plain numpy reference on the same weights, chunk by chunk: ``W @ L.T``,
  ``argsort`` (ties ignored, so it does less than the engine), ranks by inverse
  permutation, ``bincount`` into the N x N matrix;
* the stages alone on one thread, per element: generation, scores, ``np.sort`` of the scores
  (values only, no indices), and the ranking + N x N counting (``AcceptCounters.add_chunk``,
  4 chunks) with the key sort and with numpy's ``argsort`` (the previous ordering);
* the limit: any method that orders every run must at least generate, score and sort each
  run's scores, and numpy's SIMD sort of the values alone is the fastest sort at hand, so
  ``limit = cores / (t_generate + t_score + t_sort values)`` per element; it is printed beside
  the target (10x the numpy reference in the same run), with whether the target is above the
  limit (then no method that sorts every run can meet it), and how close the engine is.

Rates are samples x contributors per second of wall time, and per CPU-second (``cpu``:
the process's user + system time), best of ``--repeat`` runs. On a loaded machine compare
the ratios, which are measured in the same process.

Then, in a fresh subprocess, the peak memory increase of ``sensitivity()`` (what
``rankings sensitivity`` runs, table output) at N = 25,000 (``--big-n``) with 10^5 samples
(``--big-samples``; memory does not grow with the samples, so a smaller run measures the same
peak faster): ``VmHWM`` reset after a warm-up, less ``VmRSS`` then.

Usage::

    python benchmarks/bench_acceptability.py                     # N = 250, 2500; memory at 25,000 x 10^5
    python benchmarks/bench_acceptability.py --big-samples 10000 # a quicker memory case
    python benchmarks/bench_acceptability.py --no-memory
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
from _memory import reset_peak, status_kb  # benchmarks/, the script's own folder


def _problem(n: int):
    from rankings.methodology import Methodology
    from rankings.sensitivity.problem import build_problem
    from rankings.table import ContributorTable, MetricSpec

    rng = np.random.default_rng(12345)
    values = rng.lognormal(0.0, 1.0, size=(n, 4))
    table = ContributorTable([f"c{i}" for i in range(n)], [MetricSpec(f"m{j}") for j in range(4)], values,
                             label="synthetic")
    method = Methodology(name="bench", description="min-max weighted sum", normalize="min-max",
                         aggregate="arithmetic")
    scores = method.scores(method.prepare(table))
    focus = int(np.argsort(-scores)[n // 5])
    return method, table, build_problem(method, table, focus=f"c{focus}")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _timed(func, repeat: int) -> tuple[float, float]:
    """Best wall and best CPU seconds of ``repeat`` calls."""
    walls, cpus = [], []
    for _ in range(repeat):
        c0, t0 = _cpu(), time.perf_counter()
        func()
        walls.append(time.perf_counter() - t0)
        cpus.append(_cpu() - c0)
    return min(walls), min(cpus)


def numpy_reference(W: np.ndarray, LT: np.ndarray, chunk: int) -> np.ndarray:
    """Plain numpy full acceptability: scores, argsort, inverse permutation, bincount (ties ignored)."""
    n = LT.shape[1]
    acc = np.zeros(n * n, dtype=np.int64)
    offset = np.arange(n, dtype=np.int64) * n
    for a in range(0, len(W), chunk):
        S = W[a:a + chunk] @ LT
        order = np.argsort(-S, axis=1)
        ranks = np.empty_like(order)
        np.put_along_axis(ranks, order, np.arange(n, dtype=np.int64)[None, :].repeat(len(S), 0), axis=1)
        acc += np.bincount((ranks + offset).ravel(), minlength=n * n)
    return acc.reshape(n, n)


def rates(n: int, samples: int, repeat: int) -> dict:
    from rankings.sensitivity import accept_kernels, kernels
    from rankings.sensitivity.engine import engine_chunk, run_engine
    from rankings.sensitivity.sample import RunSampler

    method, table, problem = _problem(n)
    sampler = RunSampler(0, problem.weights)
    work = samples * n
    with kernels.prefer_numpy_for(-1):
        run_engine(problem, RunSampler(1, problem.weights).batch, 2048, full=True)  # load / compile the kernels
        full = _timed(lambda: run_engine(problem, sampler.batch, samples, full=True), repeat)
        kept = accept_kernels.default_top_ranks(n)
        compact = _timed(lambda: run_engine(problem, sampler.batch, samples, full=True, top_ranks=kept), repeat)
        W = sampler.batch(0, samples).weights
        LT = np.ascontiguousarray(problem.variant(()).L.T)
        chunk = engine_chunk(n, full=True, compiled=True)
        ref = _timed(lambda: numpy_reference(W, LT, chunk), 1)
        # the stages alone on one thread, per element; the limit: generate + score + sort the values
        gen = _timed(lambda: [RunSampler(0, problem.weights).batch(a, min(samples, a + 4096))
                              for a in range(0, samples, 4096)], repeat)
        S = kernels.linear_scores(W[:chunk], LT)
        score = _timed(lambda: kernels.linear_scores(W[:chunk], LT), repeat)
        sort = _timed(lambda: np.sort(S, axis=1), repeat)
        ranks0 = problem.nominal_ranks.astype(np.int64)
        # ranking + counting over 4 chunks (the ranks buffer spans chunks), flushed at the end
        S4, W4 = kernels.linear_scores(W[:4 * chunk], LT), W[:4 * chunk]
        count = {}
        for ordering in accept_kernels.ORDERINGS:
            counters = accept_kernels.AcceptCounters(accept_kernels.RankLayout.for_ranks(n), 4, np.arange(11))

            def add(counters=counters, ordering=ordering) -> None:
                for a in range(0, len(S4), chunk):
                    counters.add_chunk(S4[a:a + chunk], W4[a:a + chunk], ranks0, problem.focus, ordering=ordering)
                counters.flush()
            add()
            count[ordering] = _timed(add, repeat)[1] / S4.size
    cores = kernels.threads()
    per_element = gen[1] / work + score[1] / S.size + sort[1] / S.size
    return {"n": n, "samples": samples, "cores": cores, "full": full, "compact": compact, "kept": kept, "ref": ref,
            "work": work, "chunk_work": S.size, "generate": gen[1] / work, "score": score[1] / S.size,
            "sort": sort[1] / S.size, "rank_and_count": count["keys"],
            "rank_and_count_argsort": count["argsort"], "limit": cores / per_element, "kernels": kernels.describe()}


def memory_case(n: int, samples: int) -> dict:
    from rankings.sensitivity import kernels
    from rankings.sensitivity.analyze import sensitivity

    method, table, problem = _problem(n)
    focus = problem.contributors[problem.focus]
    t0 = time.perf_counter()
    with kernels.prefer_numpy_for(-1):
        sensitivity(method, table, focus=focus, samples=256, seed=1, pairwise_top=10)  # warm-up: imports, kernels
    warm = time.perf_counter() - t0
    base = reset_peak()
    t0 = time.perf_counter()
    r = sensitivity(method, table, focus=focus, samples=samples, seed=0)
    dt = time.perf_counter() - t0
    peak = status_kb("VmHWM:")
    return {"n": n, "samples": samples, "seconds": dt, "warm": warm, "kept": r.ranks_kept,
            "peak_mb": (peak - base) / 1024 if peak and base else float("nan"), "exact_bands": int(r.bands_exact.sum())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--big-n", type=int, default=25_000)
    parser.add_argument("--big-samples", type=int, default=100_000)
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--memory-case", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_case:
        print(json.dumps(memory_case(*args.memory_case)))
        return
    print(f"numpy {np.__version__}; M = 4, weighted sum of min-max values, Dirichlet(1) weights; rates in samples x "
          f"contributors per second (wall / per CPU-second), best of {args.repeat}; load {os.getloadavg()[0]:.1f}")
    target = 5e7
    for n, samples in ((250, 200_000), (2500, 20_000)):
        r = rates(n, samples, args.repeat)
        w = r["work"]
        full, compact, ref = (w / r["full"][0], w / r["full"][1]), (w / r["compact"][0], w / r["compact"][1]), \
            (w / r["ref"][0], w / r["ref"][1])
        print(f"\nN = {n}, {samples} samples, {r['cores']} worker threads, kernels {r['kernels']}")
        print(f"  engine N x N     {full[0]:9.3g} /s wall {full[1]:9.3g} /s cpu   target {target:.0e} wall: "
              f"{'met' if full[0] >= target else 'NOT met'} ({full[0] / target:.2f}x)")
        print(f"  engine N x {r['kept']:<5} {compact[0]:9.3g} /s wall {compact[1]:9.3g} /s cpu")
        print(f"  numpy reference  {ref[0]:9.3g} /s wall {ref[1]:9.3g} /s cpu   engine N x N / reference: "
              f"{full[0] / ref[0]:.1f}x wall, {full[1] / ref[1]:.1f}x per CPU-second (target 10x)")
        print(f"  stages, one thread, ns per element: generate {1e9 * r['generate']:.2f}, score "
              f"{1e9 * r['score']:.2f}, np.sort of the values {1e9 * r['sort']:.2f}; rank + count N x N: key sort {1e9 * r['rank_and_count']:.2f}, "
              f"argsort {1e9 * r['rank_and_count_argsort']:.2f} "
              f"({r['rank_and_count_argsort'] / r['rank_and_count']:.2f}x)")
        goal = 10 * ref[0]
        print(f"  limit (generate + score + np.sort of the values, {r['cores']} cores): {r['limit']:.3g}/s; target "
              f"10x reference: {goal:.3g}/s wall, {'ABOVE' if goal > r['limit'] else 'below'} the limit "
              f"({goal / r['limit']:.2f}x it); the engine reaches {full[1] * r['cores'] / r['limit']:.0%} of the "
              f"limit per CPU-second, {full[0] / r['limit']:.0%} in wall time")
    if args.no_memory:
        return
    out = subprocess.run([sys.executable, __file__, "--memory-case", str(args.big_n), str(args.big_samples)],
                         capture_output=True, text=True, check=True)
    m = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"\nsensitivity() at N = {m['n']}, {m['samples']} samples (K = {m['kept']}, table output): "
          f"{m['seconds']:.1f} s, peak memory increase {m['peak_mb']:.0f} MB (target < 1024 MB: "
          f"{'met' if m['peak_mb'] < 1024 else 'NOT met'}); {m['exact_bands']} of {m['n']} bands exact; "
          f"warm-up {m['warm']:.1f} s")


if __name__ == "__main__":
    main()
