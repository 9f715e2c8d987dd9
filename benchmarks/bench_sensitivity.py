"""Benchmark of the sampled sensitivity engine (a script, not a test).

For N contributors x 4 metrics (synthetic log-normal data, min-max + weighted
arithmetic mean, Dirichlet(1) weights) and S weight samples it measures:

* focus rank only (linear fast path, two threads): samples x contributors per second;
* the full rank-acceptability matrix (plus bands, shifts, central weights): same unit;
* a straightforward per-sample loop (``method.score_matrix(table, w[None])``,
  ``rank_scores``, count) on a subset of samples, and the ratio;
* peak memory of each case, measured in a fresh subprocess (``ru_maxrss``).

Usage::

    python benchmarks/bench_sensitivity.py            # the full grid (several minutes)
    python benchmarks/bench_sensitivity.py --quick    # a small grid
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np


def _problem(n: int):
    from rankings.methodology import Methodology
    from rankings.sensitivity.evaluate import build_problem
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
    from rankings.sensitivity.evaluate import run_engine
    from rankings.sensitivity.sample import RunSampler

    method, table, problem = _problem(n)
    runs = RunSampler(0, problem.weights)
    t0 = time.perf_counter()
    if mode == "focus":
        c = run_engine(problem, runs.batch, s, full=False)
    else:
        c = run_engine(problem, runs.batch, s, full=True)
    dt = time.perf_counter() - t0
    return {"n": n, "s": s, "mode": mode, "seconds": dt, "rate": s * n / dt,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "check": int(c.focus_hist @
                                                                                               np.arange(n + 1))}


def naive(n: int, samples: int) -> dict:
    """Per-sample loop: score one weight vector with the plain path, rank, count."""
    from rankings.ranking import rank_scores
    from rankings.sensitivity.sample import RunSampler

    method, table, problem = _problem(n)
    prepared = method.prepare(table)
    W = RunSampler(0, problem.weights).batch(0, samples).weights
    hist = np.zeros(n + 1, dtype=np.int64)
    t0 = time.perf_counter()
    for w in W:
        scores = method.score_matrix(prepared, w[None], prepared=True)[0]
        hist[rank_scores(scores)[problem.focus]] += 1
    dt = time.perf_counter() - t0
    return {"n": n, "s": samples, "seconds": dt, "rate": samples * n / dt}


def _subprocess(n: int, s: int, mode: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--case", str(n), str(s), mode], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", nargs=3, metavar=("N", "S", "MODE"))
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.case:
        n, s, mode = int(args.case[0]), int(args.case[1]), args.case[2]
        print(json.dumps(case(n, s, mode)))
        return
    ns = (25, 250, 2500)
    ss = (10**4, 10**5) if args.quick else (10**4, 10**5, 10**6)
    print(f"numpy {np.__version__}; M = 4; rates in samples x contributors per second")
    print(f"{'N':>6} {'S':>9} {'mode':>6} {'seconds':>9} {'rate':>10} {'peak MB':>8} {'loop rate':>10} {'ratio':>8}")
    loops = {n: naive(n, 300 if n < 2500 else 100) for n in ns}
    for n in ns:
        for s in ss:
            for mode in ("focus", "full"):
                if mode == "full" and n == 2500 and s == 10**6:
                    continue  # ~2 min; run with --case 2500 1000000 full if wanted
                r = _subprocess(n, s, mode)
                loop = loops[n]["rate"]
                print(f"{n:>6} {s:>9} {mode:>6} {r['seconds']:>9.3f} {r['rate']:>10.3g} {r['peak_mb']:>8.0f} "
                      f"{loop:>10.3g} {r['rate'] / loop:>8.0f}", flush=True)
    if not args.quick:
        for n in (25, 250):
            r = _subprocess(n, 10**7, "focus")
            print(f"{n:>6} {10**7:>9} {'focus':>6} {r['seconds']:>9.3f} {r['rate']:>10.3g} {r['peak_mb']:>8.0f} "
                  f"{loops[n]['rate']:>10.3g} {r['rate'] / loops[n]['rate']:>8.0f}", flush=True)


if __name__ == "__main__":
    main()
