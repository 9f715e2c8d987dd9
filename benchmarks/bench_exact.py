"""Time the exact bounds and tipping analyses on random N x 4 tables.

Run:  python benchmarks/bench_exact.py [--sizes 25,250,2500] [--seed 0]

Each table holds gamma-distributed values on four metrics (different scales), ranked
by min-max + weighted arithmetic mean with equal weights. The focus is the
contributor at the 10th percentile of the base ranking, so both directions of
movement are possible. Prints wall time, ranks, solver and proven-optimal flags.

A warm-up (bounds and one tipping point on a 25 x 4 table, untimed) pays the imports
(scipy.optimize, HiGHS) and first calls before anything is timed. Every tipping target
is one the bounds show reachable: "up k" asks for at most the places between the base
rank and the best rank, "down k" for at most those down to the worst; a size whose
bounds leave no room in a direction skips that row and says so.
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


def tipping_cases(base: int, best: int, worst: int) -> list[tuple[str, dict[str, object]]]:
    """The tipping rows, each a move the bounds show possible (empty kwargs: no room that way)."""
    up, down = base - best, worst - base  # places reachable upwards and downwards
    far_up, far_down = min(5, up), min(5, down)
    return [
        ("tipping up 1", {"up": 1} if up >= 1 else {}),
        (f"tipping up {far_up}", {"up": far_up} if far_up > 1 else {}),
        (f"tipping down {far_down}", {"down": far_down} if far_down >= 1 else {}),
        (f"tipping up {far_up} linf", {"up": far_up, "norm": "linf"} if far_up >= 1 else {}),
        ("tipping to best", {"target": best} if best < base else {}),
        ("tipping to mid", {"target": (base + worst) // 2} if (base + worst) // 2 > base else {}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="25,250,2500")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=120.0)
    args = parser.parse_args()
    warm_method, warm_table, warm_focus = make_case(25, args.seed + 1)
    rank_bounds(warm_method, warm_table, warm_focus, time_limit=args.time_limit)
    tipping_point(warm_method, warm_table, warm_focus, time_limit=args.time_limit, down=1)
    print(f"{'N':>6} {'task':<16} {'seconds':>8}  result   (after an untimed warm-up on a 25 x 4 table)")
    for n in [int(x) for x in args.sizes.split(",")]:
        method, table, focus = make_case(n, args.seed)
        t0 = time.perf_counter()
        b = rank_bounds(method, table, focus, time_limit=args.time_limit)
        t_b = time.perf_counter() - t0
        print(f"{n:>6} {'bounds':<16} {t_b:>8.2f}  base {b.base_rank}, best {b.best.rank}, worst {b.worst.rank}; "
              f"{b.solver}; proven optimal {b.proven_optimal}")
        for label, kwargs in tipping_cases(b.base_rank, b.best.rank, b.worst.rank):
            if not kwargs:
                print(f"{n:>6} {label:<16} {'-':>8}  skipped: the bounds leave no room in this direction")
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
