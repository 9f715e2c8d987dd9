"""Benchmark of the sampled sensitivity engine (a script, not a test).

For N contributors x 4 metrics (synthetic log-normal data, min-max + weighted
arithmetic mean, Dirichlet(1) weights) and S weight samples it measures:

* focus rank only (linear fast path): samples x contributors per second;
* the full rank-acceptability matrix (plus bands, shifts, central weights): same unit;
* the full case runs what ``rankings sensitivity`` runs (:func:`rankings.sensitivity.analyze.
  sensitivity`: engine, acceptability, bands, shifts, pairwise, central weights, confidence);
* a pymcdm-style per-sample loop that prepares (and normalises) the table ONCE and then
  scores one weight vector at a time (``score_matrix(prepared, w[None], prepared=True,
  normalized=Z)``), ranks it with ``rank_scores`` and counts the focus rank, on a subset of
  samples, extrapolated;
* the ratio of each engine rate to the loop rate;
* peak memory of each case as the increase over the process's base (``VmHWM`` reset after
  the warm-up, less ``VmRSS`` then), in a fresh subprocess, and which kernel backend ran
  (``RANKINGS_KERNELS=numpy`` forces the numpy fallback).

Each case warms the kernels up first (a 2048-sample run, which loads or compiles the
numba kernels); the one-off warm-up time is printed as ``warm s``.

Before the grid, two tables timed in this process (issue #16), wall time, interleaved repeats:

* focus rank against a hand-fused numba reference (one pass, Dirichlet weights drawn inside,
  ``prange`` over both cores; :func:`_fused_reference`) at N = 25, 250 and 2,500, and the
  previous path (weights drawn in numpy by each worker) against the same reference;
* TOPSIS, WASPAS and geometric (focus rank) against plain numpy (Dirichlet draws, the
  aggregation's own numpy kernel with threaded BLAS, the focus count).

Usage::

    python benchmarks/bench_sensitivity.py --tables-only   # the two tables (about two minutes)
    python benchmarks/bench_sensitivity.py            # the full grid (several minutes)
    python benchmarks/bench_sensitivity.py --quick    # a small grid
    RANKINGS_KERNELS=numpy python benchmarks/bench_sensitivity.py   # the numpy fallback
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
    focus = int(np.argsort(-scores)[n // 5])  # about the 20th percentile
    return method, table, build_problem(method, table, focus=f"c{focus}")


def case(n: int, s: int, mode: str) -> dict:
    """One measurement (run in its own process for a clean peak-memory reading)."""
    from rankings.sensitivity import kernels
    from rankings.sensitivity.analyze import sensitivity
    from rankings.sensitivity.engine import run_engine
    from rankings.sensitivity.sample import RunSampler

    method, table, problem = _problem(n)
    full = mode != "focus"
    focus = problem.contributors[problem.focus]
    t0 = time.perf_counter()
    with kernels.prefer_numpy_for(-1):  # warm the backend the measured run will use
        run_engine(problem, RunSampler(1, problem.weights).batch, 2048, full=full)  # load / compile kernels
    warm = time.perf_counter() - t0
    base = reset_peak()
    t0 = time.perf_counter()
    if full:
        r = sensitivity(method, table, focus=focus, samples=s, seed=0)
        check = int(round(float(r.focus_distribution() @ np.arange(1, n + 1)) * s))
    else:
        c = run_engine(problem, RunSampler(0, problem.weights).batch, s, full=False)
        check = int(c.focus_hist @ np.arange(n + 1))
    dt = time.perf_counter() - t0
    peak = status_kb("VmHWM:")
    return {"n": n, "s": s, "mode": mode, "seconds": dt, "rate": s * n / dt, "warm": warm,
            "peak_mb": (peak - base) / 1024 if peak and base else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "kernels": kernels.describe(), "check": check}


def naive(n: int, samples: int) -> dict:
    """A pymcdm-style loop: prepare and normalise once, then score one weight vector at a time.

    ``method.score_matrix(prepared, w[None], prepared=True, normalized=Z)`` and
    :func:`rankings.ranking.rank_scores`; measured on ``samples`` weight vectors and
    extrapolated as a rate.
    """
    from rankings.ranking import rank_scores
    from rankings.sensitivity.sample import RunSampler

    method, table, problem = _problem(n)
    focus = table.contributors.index(problem.contributors[problem.focus])
    W = RunSampler(0, problem.weights).batch(0, samples).weights
    hist = np.zeros(n + 1, dtype=np.int64)
    prepared = method.prepare(table)
    Z = method.normalized(prepared)
    t0 = time.perf_counter()
    for w in W:
        scores = method.score_matrix(prepared, w[None], prepared=True, normalized=Z)[0]
        hist[rank_scores(scores)[focus]] += 1
    dt = time.perf_counter() - t0
    return {"n": n, "s": samples, "seconds": dt, "rate": samples * n / dt}


def _fused_reference():
    """The hand-fused reference: one pass, weights drawn inside, both cores through prange.

    Each prange slice draws Dirichlet(1) weights with its own numpy ``Generator`` (numba's
    ziggurat ``standard_exponential``, the fastest exponential numba offers), normalises
    them, sums the focus differences left to right and counts into its own histogram: no
    buffers, no Python between blocks, no seeded-block bookkeeping. It is the fastest simple
    way to write the whole computation, not the engine's code (its stream is not the
    engine's seeded blocks, so only the rates compare, not the histograms).
    """
    import numba

    @numba.njit(parallel=True, nogil=True, cache=False)
    def reference(samples, DT, tol, rngs):  # pragma: no cover - compiled
        m, N = DT.shape
        T = len(rngs)
        hists = np.zeros((T, N + 1 + 64), dtype=np.int64)  # padded rows: no false sharing
        for t in numba.prange(T):
            rng = rngs[t]
            g = np.empty(m)
            for _ in range(t * samples // T, (t + 1) * samples // T):
                total = 0.0
                for j in range(m):
                    g[j] = rng.standard_exponential()
                    total += g[j]
                c = 0
                if m == 4:
                    w0, w1, w2, w3 = g[0] / total, g[1] / total, g[2] / total, g[3] / total
                    d0, d1, d2, d3 = DT[0], DT[1], DT[2], DT[3]
                    for k in range(N):
                        c += (((w0 * d0[k] + w1 * d1[k]) + w2 * d2[k]) + w3 * d3[k]) > tol
                else:
                    for k in range(N):
                        x = 0.0
                        for j in range(m):
                            x += g[j] / total * DT[j, k]
                        c += x > tol
                hists[t, 1 + c] += 1
        return hists.sum(axis=0)[: N + 1]

    T = numba.get_num_threads()
    return lambda samples, DT, tol: reference(samples, DT, tol,
                                              tuple(np.random.default_rng(t) for t in range(T)))


class _Wrapped:
    """``sampler.batch`` behind another callable (the engine then draws weights in numpy)."""

    def __init__(self, sampler) -> None:
        self.sampler = sampler

    def __call__(self, a: int, b: int):
        return self.sampler.batch(a, b)


def _median_time(repeats: int, fn, *args, **kwargs) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        times.append(time.perf_counter() - t0)
    return sorted(times)[len(times) // 2]


def reference_table(ns=(25, 250, 2500), repeats: int = 3) -> None:
    """Focus rank: the engine against the fused reference kernel, in this process, wall time."""
    from rankings.sensitivity import kernels
    from rankings.sensitivity.engine import run_engine
    from rankings.sensitivity.sample import RunSampler

    os.environ.setdefault("RANKINGS_KERNELS", "numba")
    reference = _fused_reference()
    import numba

    print(f"focus rank, wall time, medians of {repeats}, M = 4, {kernels.threads()} engine threads, "
          f"{numba.get_num_threads()} numba threads; ratio = median over repeats of reference s / engine s, timed back to back (target >= 0.9); "
          "numpy-drawn = the engine with weights drawn in numpy by each worker (the previous path)")
    print(f"{'N':>6} {'S':>9} {'engine s':>9} {'rate':>9} {'ref s':>8} {'ratio':>6} {'numpy-drawn s':>13} "
          f"{'ratio':>6} {'CPU/wall':>8}")
    for n in ns:
        _, _, problem = _problem(n)
        # runs of 0.2-0.6 s: at 0.05-0.07 s (the sizes before) the ratio at N = 25 moved between 0.79 and
        # 1.59 from one quiet run to the next
        s = {25: 16_000_000, 250: 8_000_000}.get(n, 2_000_000)
        DT = problem.focus_fast_path()
        tol = problem.linear_tolerance()
        sampler = RunSampler(0, problem.weights)
        with kernels.prefer_numpy_for(-1):  # the compiled kernels the timed runs use (N = 25 would warm numpy)
            run_engine(problem, sampler.batch, 2 * 16384, full=False)  # load / compile
        reference(1000, DT, tol)
        # interleaved: each repeat times the three back to back, so a change of load hits all three
        runs = {"engine": [], "ref": [], "old": [], "cpu": []}
        for _ in range(repeats):
            c0 = time.process_time()
            runs["engine"].append(_median_time(1, run_engine, problem, RunSampler(0, problem.weights).batch, s,
                                               full=False))
            runs["cpu"].append((time.process_time() - c0) / runs["engine"][-1])
            runs["ref"].append(_median_time(1, reference, s, DT, tol))
            # any callable other than RunSampler.batch: weights drawn in numpy, chunk by chunk
            runs["old"].append(_median_time(1, run_engine, problem, _Wrapped(sampler), s, full=False))
        med = {k: float(np.median(v)) for k, v in runs.items()}
        ratio = float(np.median(np.array(runs["ref"]) / np.array(runs["engine"])))
        ratio_old = float(np.median(np.array(runs["ref"]) / np.array(runs["old"])))
        print(f"{n:>6} {s:>9} {med['engine']:>9.3f} {s * n / med['engine']:>9.3g} {med['ref']:>8.3f} {ratio:>6.2f} "
              f"{med['old']:>13.3f} {ratio_old:>6.2f} {med['cpu']:>8.2f}", flush=True)


def _nonlinear_problem(n: int, aggregate: str):
    from rankings.methodology import Methodology
    from rankings.sensitivity.problem import build_problem
    from rankings.table import ContributorTable, MetricSpec

    rng = np.random.default_rng(12345)
    values = rng.lognormal(0.0, 1.0, size=(n, 4))
    values[: n // 10, 1] = 0.0  # zeros: the geometric mean is not log-linear (the veto applies)
    table = ContributorTable([f"c{i}" for i in range(n)], [MetricSpec(f"m{j}") for j in range(4)], values,
                             label="synthetic")
    normalize = {"topsis": "vector"}.get(aggregate, "min-max")
    method = Methodology(name="bench", description=aggregate, normalize=normalize, aggregate=aggregate)
    scores = method.scores(method.prepare(table))
    focus = int(np.argsort(-scores)[n // 5])
    return method, table, build_problem(method, table, focus=f"c{focus}")


def _plain_numpy(method, table, focus: int, samples: int) -> np.ndarray:
    """Plain numpy: Dirichlet(1) draws, the aggregation's own kernel (BLAS products), the focus count."""
    from rankings.aggregate import AGGREGATIONS

    prepared = method.prepare(table)
    Z = method.normalized(prepared)
    agg = AGGREGATIONS[method.aggregate]
    rng = np.random.default_rng(0)
    hist = np.zeros(table.n_contributors + 1, dtype=np.int64)
    for a in range(0, samples, 16384):
        g = rng.standard_exponential((min(16384, samples - a), Z.shape[1]))
        S = agg(Z, g / g.sum(axis=1, keepdims=True))
        tol = 1e-9 * np.abs(S).max(axis=1) + 1e-12
        hist += np.bincount(1 + np.count_nonzero(S - S[:, focus:focus + 1] > tol[:, None], axis=1),
                            minlength=len(hist))
    return hist


def nonlinear_table(ns=(250, 2500), repeats: int = 3) -> None:
    """TOPSIS, WASPAS, geometric (focus rank): the engine against plain numpy, in this process, wall time."""
    from rankings.sensitivity import kernels
    from rankings.sensitivity.engine import run_engine
    from rankings.sensitivity.sample import RunSampler

    print(f"non-linear aggregations, focus rank, wall time, medians of {repeats}, M = 4, "
          f"{kernels.threads()} engine threads; plain numpy = Dirichlet draws + the aggregation's numpy kernel "
          "(threaded BLAS) + focus count, blocks of 16384; ratio = median over repeats of numpy s / engine s, timed back to back (target >= 3)")
    print(f"{'aggregation':>12} {'N':>6} {'S':>8} {'engine s':>9} {'numpy s':>8} {'ratio':>6} {'CPU/wall':>8}")
    for aggregate in ("topsis", "waspas", "geometric"):
        for n in ns:
            method, table, problem = _nonlinear_problem(n, aggregate)
            assert problem.variant(()).scorer is not None
            s = 200_000 if n <= 250 else 40_000
            with kernels.prefer_numpy_for(-1):  # 4096 x 250 alone would warm the numpy kernels
                run_engine(problem, RunSampler(1, problem.weights).batch, 4096, full=False)  # load / compile
            focus = table.contributors.index(problem.contributors[problem.focus])
            runs = {"engine": [], "numpy": [], "cpu": []}
            for _ in range(repeats):  # interleaved, as in reference_table
                # OpenBLAS's worker threads spin for a while after each call of the reference: timed at
                # once, the engine ran 0.128 s for geometric at N = 250 against 0.085-0.090 s after a
                # pause. A pause before each timing, on both sides, keeps one side's threads out of the other's.
                time.sleep(0.5)
                c0 = time.process_time()
                runs["engine"].append(_median_time(1, run_engine, problem, RunSampler(0, problem.weights).batch, s,
                                                   full=False))
                runs["cpu"].append((time.process_time() - c0) / runs["engine"][-1])
                time.sleep(0.5)
                runs["numpy"].append(_median_time(1, _plain_numpy, method, table, focus, s))
            med = {k: float(np.median(v)) for k, v in runs.items()}
            ratio = float(np.median(np.array(runs["numpy"]) / np.array(runs["engine"])))
            print(f"{aggregate:>12} {n:>6} {s:>8} {med['engine']:>9.3f} {med['numpy']:>8.3f} {ratio:>6.2f} "
                  f"{med['cpu']:>8.2f}", flush=True)


def _subprocess(n: int, s: int, mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--case", str(n), str(s), mode], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs=3, metavar=("N", "S", "MODE"))
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--tables-only", action="store_true",
                        help="only the reference and non-linear tables (no subprocess grid)")
    args = parser.parse_args()
    if args.case:
        n, s, mode = int(args.case[0]), int(args.case[1]), args.case[2]
        print(json.dumps(case(n, s, mode)))
        return
    if os.environ.get("RANKINGS_KERNELS", "numba") == "numba":  # both tables time the compiled kernels
        saved = os.environ.get("RANKINGS_KERNELS")
        os.environ["RANKINGS_KERNELS"] = "numba"
        reference_table(repeats=3 if args.quick else 5)
        print()
        nonlinear_table(repeats=3 if args.quick else 5)
        print()
        if saved is None:
            del os.environ["RANKINGS_KERNELS"]
    if args.tables_only:
        return
    ns = (25, 250, 2500)
    ss = (10**4, 10**5) if args.quick else (10**4, 10**5, 10**6)
    rows = [(n, s, mode) for n in ns for s in ss for mode in ("focus", "full")
            if not (mode == "full" and n == 2500 and s == 10**6)]  # ~35 s; --case 2500 1000000 full
    if not args.quick:
        rows += [(n, 10**7, "focus") for n in ns]
    loops = {n: naive(n, 300 if n < 2500 else 100) for n in ns}
    print(f"numpy {np.__version__}; M = 4; rates in samples x contributors per second; "
          f"loop = per-sample score_matrix on a table prepared once + rank_scores (extrapolated from "
          f"300/300/100 samples); full = rankings.sensitivity.analyze.sensitivity; peak MB = increase over base")
    print(f"{'N':>6} {'S':>9} {'mode':>6} {'seconds':>8} {'rate':>9} {'loop rate':>9} {'ratio':>7} "
          f"{'peak MB':>7} {'warm s':>6}  kernels")
    for n, s, mode in rows:
        r = _subprocess(n, s, mode)
        loop = loops[n]["rate"]
        print(f"{n:>6} {s:>9} {mode:>6} {r['seconds']:>8.3f} {r['rate']:>9.3g} {loop:>9.3g} "
              f"{r['rate'] / loop:>7.0f} {r['peak_mb']:>7.0f} {r['warm']:>6.2f}  {r['kernels']}", flush=True)


if __name__ == "__main__":
    main()
