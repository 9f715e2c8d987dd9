"""Wall and CPU time of the command line, measured as a user sees it (a fresh process each run).

    python benchmarks/bench_cli.py [--runs 5] [--baseline REV] [--profile] [--only report,check]

Prints the median and best wall time, and the least CPU time (user + system, of the
process and its children; the least is the figure a loaded machine inflates least), of each command: ``rankings rank`` (default dataset and
lens), ``rank --method equal-core``, ``rank --method topsis-core --format json``,
``compare``, ``check equal-core --examples 50``, and the slow commands of issue #16:
``report`` (the whole HTML page), ``check --examples 60`` (every methodology at the
``ci`` hypothesis example count) and ``sensitivity --sobol``; plus the time to ``import
rankings`` and whether that import pulled in matplotlib or pandas. Not a test: timings
depend on the machine.

``--baseline REV`` also runs every command from the source of the git revision ``REV``
(``git archive`` into a temporary folder, put first on ``PYTHONPATH``), interleaved run
by run with the current source tree (put first on ``PYTHONPATH`` the same way), and
prints both with their ratio: the before and after figures in one run, on the same
installed dependencies. Byte-code caching is left on for both (an installed package has
its ``.pyc`` files), and each source runs once untimed first.

``--profile`` runs ``rankings report`` once under cProfile (current source, every section
in one process: ``RANKINGS_REPORT_FORK=0``) and prints
where the time went: imports, figures (drawing and writing PNGs), each report section,
and the costliest functions.

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
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
OUTPUT = "OUTPUT.html"  # replaced by a temporary file per run

COMMANDS = [
    ["rank"],
    ["rank", "--method", "equal-core"],
    ["rank", "--method", "topsis-core", "--format", "json"],
    ["compare"],
    ["check", "equal-core", "--examples", "50"],
    ["report", "-o", OUTPUT],
    ["check", "--examples", "60"],
    ["sensitivity", "--sobol"],
]
TARGETS = {"report": 3.0, "check --examples 60": 5.0, "sensitivity --sobol": 3.0}
"""Issue #16's targets (seconds of wall time on a quiet machine)."""

LAUNCH = "import sys; from rankings.cli import main; sys.argv[0] = 'rankings'; main()"


def _env(source: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed package has its .pyc files
    env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def run_once(source: Path, command: list[str], folder: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run of ``rankings COMMAND`` from ``source``."""
    argv = [str(folder / "out.html") if a == OUTPUT else a for a in command]
    before = os.times()
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", LAUNCH, *argv], check=True, env=_env(source), cwd=folder,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system)


def baseline_tree(rev: str, folder: Path) -> Path:
    """The source of git revision ``rev`` (its ``rankings`` package, methodologies and fixtures)."""
    archive = folder / "baseline.tar"
    subprocess.run(["git", "-C", str(HERE), "archive", "--format=tar", "-o", str(archive), rev], check=True)
    tree = folder / "baseline"
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def import_probe(runs: int) -> None:
    probe = ("import time, sys; t = time.perf_counter(); import rankings; "
             "print(time.perf_counter() - t, 'matplotlib' in sys.modules, 'pandas' in sys.modules)")
    imports = [subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                              env=_env(HERE)).stdout.split() for _ in range(runs)]
    seconds = sorted(float(r[0]) for r in imports)
    print(f"import rankings: median {statistics.median(seconds) * 1000:.0f} ms, best {seconds[0] * 1000:.0f} ms; "
          f"matplotlib imported: {imports[0][1]}, pandas imported: {imports[0][2]}")


def profile_report(folder: Path, top: int = 25) -> None:
    """cProfile of one ``rankings report`` run: imports, figures, sections, costliest functions."""
    import pstats

    stats_file = folder / "report.prof"
    code = (f"import cProfile, sys; from rankings.cli import main; sys.argv = ['rankings', 'report', '-o', "
            f"{str(folder / 'p.html')!r}]\ntry:\n    cProfile.run('main()', {str(stats_file)!r})\n"
            f"except SystemExit:\n    pass")
    env = dict(_env(HERE), RANKINGS_REPORT_FORK="0")  # every section in this process, so the profile sees it
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=folder,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stats = pstats.Stats(str(stats_file))
    table = stats.stats  # type: ignore[attr-defined]
    total = max(ct for (_, _, _, ct, _) in table.values())

    def cumulative(match) -> float:
        return sum(ct for key, (_, _, _, ct, _) in table.items() if match(key))

    print(f"\ncProfile of 'rankings report' (profiled seconds, {total:.2f} in all; the profiler adds its own cost):")
    rows = [("imports (outermost _find_and_load)", cumulative(lambda k: k[2] == "_find_and_load"
                                                             and "_bootstrap" in k[0]))]
    rows.append(("figures: drawing and PNG writing (_Figures.make)",
                 cumulative(lambda k: k[0].endswith(os.path.join("report", "parts.py")) and k[2] == "make")))
    for key, (_, _, _, ct, _) in sorted(table.items(), key=lambda kv: -kv[1][3]):
        if os.path.join("report", "sections") in key[0] and key[2].endswith("_section"):
            rows.append((f"section {key[2]} (with its figures and imports)", ct))
    for label, seconds in rows:
        print(f"  {seconds:7.2f} s  {100 * seconds / total:5.1f}%  {label}")
    print(f"\n  costliest functions by cumulative time (top {top}):")
    stats.sort_stats("cumulative").print_stats(top)


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
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", default=None, help="a git revision to time beside the current source")
    parser.add_argument("--profile", action="store_true", help="also profile one 'rankings report' run")
    parser.add_argument("--only", default=None, help="comma-separated command names to time (e.g. report,check; startup for the start-up table)")
    args = parser.parse_args()
    commands = [c for c in COMMANDS if args.only is None or c[0] in args.only.split(",")]
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
    import_probe(args.runs)
    with tempfile.TemporaryDirectory(prefix="bench-cli-") as tmp:
        folder = Path(tmp)
        sources = {"now": HERE}
        if args.baseline:
            sources = {"before": baseline_tree(args.baseline, folder), "now": HERE}
        for command in commands:
            for source in sources.values():
                run_once(source, command, folder)  # untimed: writes the .pyc files, warms the disk cache
        head = f"{'command':44s}"
        for name in sources:
            head += f" {name + ' median':>12s} {'best':>6s} {'CPU':>6s}"  # CPU: the least of the runs
        print(head + ("  now/before (wall, CPU)  target" if args.baseline else "  target"))
        for command in commands:
            times: dict[str, list[tuple[float, float]]] = {name: [] for name in sources}
            for _ in range(args.runs):
                for name, source in sources.items():  # interleaved: the load shifts both alike
                    times[name].append(run_once(source, command, folder))
            label = " ".join("x.html" if a == OUTPUT else a for a in command)
            line = f"{'rankings ' + label:44s}"
            medians = {}
            for name in sources:
                walls = [w for w, _ in times[name]]
                medians[name] = statistics.median(walls)
                line += f" {medians[name]:12.2f} {min(walls):6.2f} {min(c for _, c in times[name]):6.2f}"
            if args.baseline:
                cpu = {name: min(c for _, c in times[name]) for name in sources}
                line += f"  {medians['now'] / medians['before']:5.2f} wall, {cpu['now'] / cpu['before']:4.2f} CPU"
            key = " ".join(a for a in command if a not in ("-o", OUTPUT))
            line += f"  {TARGETS[key]:.0f} s" if key in TARGETS else ""
            print(line)
        print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        if args.profile:
            profile_report(folder)
    if args.only is None or "startup" in args.only.split(","):
        startup(max(2, args.runs // 2))


if __name__ == "__main__":
    main()
