"""Wall time of the command line, measured as a user sees it (a fresh process each run).

    python benchmarks/bench_cli.py [--runs 7]

Prints the median and best wall time of ``rankings rank`` (default dataset and lens),
``rankings rank --method equal-core``, ``rankings compare`` and ``rankings check
equal-core --examples 50``, plus the time to ``import rankings`` and whether that import
pulled in matplotlib or pandas. Not a test: timings depend on the machine.

Then the start-up of ``rankings sensitivity`` (issue #16: cold under 3 s, warm under 1 s on
the default dataset), each a whole process timed from outside (``perf_counter`` around
``subprocess.run``, the same as ``/usr/bin/time -f %e``):

* cold: a fresh, empty numba cache folder (``NUMBA_CACHE_DIR``), so any kernel the command
  needs is compiled; warm: the same folder again, so the kernels load from disk;
* the default command (equal-core: 10,000 samples x the 10 contributors it analyses, small
  enough that ``auto`` runs the numpy kernels and never imports numba) and ``--samples
  1000000`` (the numba kernels);
* whether the process imported numba, and the first-run note's decision
  (``rankings.cli.progress.kernels_pending``) for that cache folder.

The same by hand::

    NUMBA_CACHE_DIR=$(mktemp -d) /usr/bin/time -f '%e s' rankings sensitivity --samples 1000000 >/dev/null
    python -X importtime -c 'import rankings.cli' 2>&1 | sort -t'|' -k2 -n | tail
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
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


STARTUP = [(["sensitivity"], 10000 * 10), (["sensitivity", "--samples", "1000000"], 1000000 * 10)]
"""Commands and their work (samples x contributors: the default method, equal-core, analyses 10)."""

_PROBE = ("import json, sys, time\n"
          "from rankings.cli.progress import kernels_pending\n"
          "note = kernels_pending(int(sys.argv[2]))\n"
          "from rankings.cli import main\n"
          "sys.argv = ['rankings', *json.loads(sys.argv[1])]\n"
          "try:\n    main()\nexcept SystemExit:\n    pass\n"
          "print(json.dumps({'numba': 'numba' in sys.modules, 'note': note}), file=sys.stderr)\n")


def startup(runs: int) -> None:
    """Cold (empty kernel cache) and warm wall time of ``rankings sensitivity``, whole processes."""
    print(f"\n{'rankings sensitivity start-up':48s} {'cold s':>7s} {'warm med':>9s} {'warm best':>9s}  numba, note")
    for command, work in STARTUP:
        with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            env.pop("RANKINGS_KERNELS", None)
            times, seen = [], []
            for _ in range(1 + runs):
                start = time.perf_counter()
                proc = subprocess.run([sys.executable, "-c", _PROBE, json.dumps(command), str(work)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                                      check=True)
                times.append(time.perf_counter() - start)
                seen.append(json.loads(proc.stderr.strip().splitlines()[-1]))
        warm = times[1:]
        print(f"{'rankings ' + ' '.join(command):48s} {times[0]:7.2f} {statistics.median(warm):9.2f} "
              f"{min(warm):9.2f}  numba imported {seen[0]['numba']}; first-run note cold {seen[0]['note']}, "
              f"warm {seen[1]['note']}")


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
    startup(max(2, args.runs // 2))


if __name__ == "__main__":
    main()
