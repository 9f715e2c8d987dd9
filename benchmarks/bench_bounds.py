"""Exact rank bounds at scale: the branch-and-bound against the MILP it replaced, in one process.

Run:  python benchmarks/bench_bounds.py [--sizes 250,1000,2500] [--seed 0] [--time-limit 60]

Tables of N contributors x 4 metrics, min-max + weighted arithmetic mean, equal weights:

* ``gamma p10``: gamma-distributed values on four scales, focus at the 10th percentile of
  the base ranking (the case of issue #16, as in ``bench_exact.py``);
* ``gamma p50``: the same table, focus at the median;
* ``ints 0-5 p10``: integer counts 0..5 (many exact ties: the degenerate case);
* ``gamma p10 limits``: the first table with every weight limited to 0.1..0.5.

Each case runs ``rank_bounds(solver="auto")`` (sign pre-pass + branch-and-bound) and
``rank_bounds(solver="milp")`` (sign pre-pass + HiGHS MILP, the method before issue #16;
``--time-limit`` seconds per side) after a warm-up of both, and prints seconds, the ranks,
whether each is proven optimal, and the time ratio. The MILP runs at the sizes in
``--milp-sizes`` for the first case and at the smallest size for the others (it takes
minutes at N = 2,500). The load average is printed: compare ratios, not seconds, on a
busy machine.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from rankings.methodology import Methodology
from rankings.sensitivity.exact import rank_bounds
from rankings.table import ContributorTable, MetricSpec

METHOD = Methodology(name="bench-linear", description="equal weights, min-max, arithmetic",
                     normalize="min-max", aggregate="arithmetic")
LIMITS = {f"m{j}": (0.1, 0.5) for j in range(4)}


def make_table(n: int, seed: int, kind: str) -> ContributorTable:
    rng = np.random.default_rng(seed)
    if kind == "ints":
        values = rng.integers(0, 6, size=(n, 4)).astype(float)
    else:
        values = rng.gamma(2.0, 1.0, size=(n, 4)) * np.array([1.0, 50.0, 3.0, 0.2])
    return ContributorTable(contributors=tuple(f"c{i:05d}" for i in range(n)),
                            metrics=tuple(MetricSpec(name=f"m{j}") for j in range(4)),
                            values=values, label=f"random {kind} {n}x4")


def focus_at(table: ContributorTable, quantile: float) -> str:
    ranks = METHOD.evaluate(table).ranks
    return table.contributors[int(np.argsort(ranks, kind="stable")[max(1, int(quantile * table.n_contributors))])]


CASES = [("gamma p10", "gamma", 0.1, None), ("gamma p50", "gamma", 0.5, None),
         ("ints 0-5 p10", "ints", 0.1, None), ("gamma p10 limits", "gamma", 0.1, LIMITS)]


def timed(table: ContributorTable, focus: str, limits, solver: str, time_limit: float):
    t0 = time.perf_counter()
    result = rank_bounds(METHOD, table, focus, limits=limits, solver=solver, time_limit=time_limit)
    return time.perf_counter() - t0, result


def show(result) -> str:
    return (f"best {result.best.rank:>5} ({'proven' if result.best.proven_optimal else 'NOT proven'}), "
            f"worst {result.worst.rank:>5} ({'proven' if result.worst.proven_optimal else 'NOT proven'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="250,1000,2500")
    parser.add_argument("--milp-sizes", default="250,1000,2500", help="sizes at which the MILP runs on the first case")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=60.0, help="MILP seconds per side")
    args = parser.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    milp_sizes = {int(x) for x in args.milp_sizes.split(",") if x}
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    warm = make_table(40, args.seed, "gamma")
    for solver in ("auto", "milp"):
        timed(warm, focus_at(warm, 0.1), None, solver, args.time_limit)
    print(f"{'N':>6} {'case':<17} {'solver':<7} {'seconds':>8}  result")
    for k, (label, kind, quantile, limits) in enumerate(CASES):
        for n in sizes:
            table = make_table(n, args.seed, kind)
            focus = focus_at(table, quantile)
            t_new, new = timed(table, focus, limits, "auto", args.time_limit)
            print(f"{n:>6} {label:<17} {'new':<7} {t_new:>8.2f}  {show(new)}; {new.solver}", flush=True)
            if (n in milp_sizes) if k == 0 else (n == min(sizes)):
                t_old, old = timed(table, focus, limits, "milp", args.time_limit)
                same = (old.best.rank, old.worst.rank) == (new.best.rank, new.worst.rank)
                print(f"{n:>6} {label:<17} {'MILP':<7} {t_old:>8.2f}  {show(old)}; "
                      f"{'same ranks' if same else 'DIFFERENT ranks'}; MILP / new time {t_old / t_new:.1f}x",
                      flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
