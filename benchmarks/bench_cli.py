"""Wall time of the command line, measured as a user sees it (a fresh process each run).

    python benchmarks/bench_cli.py [--runs 7]

Prints the median and best wall time of ``rankings rank`` (default dataset and lens),
``rankings rank --method equal-core``, ``rankings compare`` and ``rankings check
equal-core --examples 50``, plus the time to ``import rankings`` and whether that import
pulled in matplotlib or pandas. Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time

COMMANDS = [
    ["rank"],
    ["rank", "--method", "equal-core"],
    ["rank", "--method", "topsis-core", "--format", "json"],
    ["compare"],
    ["check", "equal-core", "--examples", "50"],
]


def wall(argv: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("rankings")
    if exe is None:
        sys.exit("the 'rankings' command is not on PATH: pip install . first")
    probe = ("import time, sys; t = time.perf_counter(); import rankings; "
             "print(time.perf_counter() - t, 'matplotlib' in sys.modules, 'pandas' in sys.modules)")
    imports = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
               for _ in range(args.runs)]
    seconds = sorted(float(r[0]) for r in imports)
    print(f"import rankings: median {statistics.median(seconds) * 1000:.0f} ms, best {seconds[0] * 1000:.0f} ms; "
          f"matplotlib imported: {imports[0][1]}, pandas imported: {imports[0][2]}")
    print(f"{'command':48s} {'median s':>9s} {'best s':>8s}")
    for command in COMMANDS:
        times = wall([exe, *command], args.runs)
        print(f"{'rankings ' + ' '.join(command):48s} {statistics.median(times):9.3f} {min(times):8.3f}")


if __name__ == "__main__":
    main()
