"""Time the exact bounds and tipping analyses on random N x 4 tables.

Run:  python benchmarks/bench_exact.py [--sizes 25,250,2500] [--seed 0]

Each table holds gamma-distributed values on four metrics (different scales), ranked
by min-max + weighted arithmetic mean with equal weights. The focus is the
contributor at the 10th percentile of the base ranking, so both directions of
movement are possible. Prints wall time, ranks, solver and proven-optimal flags.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rankings.methodology import Methodology
from rankings.sensitivity.exact import rank_bounds, tipping_point
from rankings.table import ContributorTable, MetricSpec


def make_case(n: int, seed: int) -> tuple[Methodology, ContributorTable, str]:
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 1.0, size=(n, 4)) * np.array([1.0, 50.0, 3.0, 0.2])
    table = ContributorTable(contributors=tuple(f"c{i:05d}" for i in range(n)),
                             metrics=tuple(MetricSpec(name=f"m{j}") for j in range(4)),
                             values=values, label=f"random {n}x4")
    method = Methodology(name="bench-linear", description="equal weights, min-max, arithmetic",
                         normalize="min-max", aggregate="arithmetic")
    ranks = method.evaluate(table).ranks
    focus = table.contributors[int(np.argsort(ranks, kind="stable")[max(1, n // 10)])]
    return method, table, focus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,250,2500")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    print(f"{'N':>6} {'task':<16} {'seconds':>8}  result")
    for n in [int(x) for x in args.sizes.split(",")]:
        method, table, focus = make_case(n, args.seed)
        t0 = time.perf_counter()
        b = rank_bounds(method, table, focus, time_limit=args.time_limit)
        t_b = time.perf_counter() - t0
        print(f"{n:>6} {'bounds':<16} {t_b:>8.2f}  base {b.base_rank}, best {b.best.rank}, worst {b.worst.rank}; "
              f"{b.solver}; proven optimal {b.proven_optimal}")
        cases = [("tipping up 1", {"up": 1}), ("tipping up 5", {"up": 5}), ("tipping down 5", {"down": 5}),
                 ("tipping up 5 linf", {"up": 5, "norm": "linf"}),
                 ("tipping to best", {"target": b.best.rank}), ("tipping to mid", {"target": (b.base_rank + b.worst.rank) // 2})]
        for label, kwargs in cases:
            if kwargs.get("target") == b.base_rank:
                continue
            t0 = time.perf_counter()
            try:
                r = tipping_point(method, table, focus, time_limit=args.time_limit, **kwargs)
            except Exception as exc:  # a target out of reach on this table
                print(f"{n:>6} {label:<16} {time.perf_counter() - t0:>8.2f}  {exc}")
                continue
            t_t = time.perf_counter() - t0
            print(f"{n:>6} {label:<16} {t_t:>8.2f}  rank {r.base_rank}->{r.reached_rank} (target {r.target}), "
                  f"{r.norm} distance {r.distance:.5f}; {r.solver}; proven optimal {r.proven_optimal}; "
                  f"{r.notes[0] if r.notes else ''}")


if __name__ == "__main__":
    main()
