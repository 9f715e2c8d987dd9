"""The explore page in headless Chromium: re-rank time per slider move, and the page's size.

    python benchmarks/bench_explore.py [--moves 60] [--rows 2500] [--metrics 8]

Builds the default page (``rankings explore``, every lens) and reports its size against the
2 MB target; builds a page on a synthetic table of ``--rows`` x ``--metrics`` (seeded, no
bounds or sampled run) and moves one slider ``--moves`` times, reading ``performance.now()``
around the page's own computation (normalised matrix cached, aggregation, ranks, every
sweep) and around the whole update (with the table of the first 100 rows and the focus redrawn).
The baseline is the same moves on the default dataset's page in the same browser; the
target is one animation frame (16 ms). Not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.driver import start_browser  # noqa: E402

MOVES = """
var n = arguments[0], out = {compute: [], total: []}, slider = document.getElementById("w-0");
for (var k = 0; k < n; k++) {
  slider.value = String(((k * 37) % 1000) / 1000);
  slider.dispatchEvent(new Event("input"));
  var last = ExplorePage.last();
  out.compute.push(last.compute); out.total.push(last.total);
}
return out;
"""


def synthetic_page(folder: Path, rows: int, metrics: int) -> Path:
    import pandas as pd

    from rankings import ContributorTable, get_methodology
    from rankings.explore.page import write_page
    from rankings.explore.payload import LensChoice, build_payload

    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.lognormal(1.0, 1.0, size=(rows, metrics)), columns=[f"m{j}" for j in range(metrics)],
                         index=pd.Index([f"contributor {i}" for i in range(rows)], name="contributor"))
    table = ContributorTable.from_frame(frame, label="synthetic")
    method = get_methodology("equal-weights").with_overrides(normalize="min-max", aggregate="arithmetic")
    payload = build_payload(method, [LensChoice("synthetic", (), "synthetic", table)], "contributor 7",
                            fixed=[{"words": ["--method", "equal-weights"]}], analyses=False)
    path = folder / "synthetic.html"
    write_page(path, payload, title="synthetic", subtitle=f"{rows} x {metrics}")
    return path


def summary(name: str, values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"{name}: best {values[0]:.2f} ms, median {statistics.median(values):.2f} ms, p95 {p95:.2f} ms"


def main() -> None:
    from click.testing import CliRunner

    from rankings.cli.main import main as cli

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--rows", type=int, default=2500)
    parser.add_argument("--metrics", type=int, default=8)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-explore-"))
    try:
        default = folder / "default.html"
        result = CliRunner().invoke(cli, ["explore", "-o", str(default)])
        assert result.exit_code == 0, result.output
        size = default.stat().st_size
        print(f"default page (rankings explore, every lens): {size / 1e6:.3f} MB = {size / 2e6:.1%} of the 2 MB target")
        big = synthetic_page(folder, args.rows, args.metrics)
        print(f"synthetic page {args.rows} x {args.metrics}: {big.stat().st_size / 1e6:.3f} MB")
        driver, profile = start_browser()
        try:
            timings = {}
            for label, path in (("default", default), ("synthetic", big)):
                driver.get(path.as_uri())
                driver.execute_script(MOVES, 5)  # warm the JIT
                timings[label] = driver.execute_script(MOVES, args.moves)
            base, big_t = timings["default"], timings["synthetic"]
            print(summary("default 10 x 3, computation", base["compute"]))
            print(summary("default 10 x 3, whole update", base["total"]))
            print(summary(f"synthetic {args.rows} x {args.metrics}, computation", big_t["compute"]))
            print(summary(f"synthetic {args.rows} x {args.metrics}, whole update", big_t["total"]))
            ratio = statistics.median(big_t["total"]) / statistics.median(base["total"])
            print(f"whole update, synthetic / default: {ratio:.1f}x; "
                  f"median against the 16 ms frame: {statistics.median(big_t['total']) / 16:.0%}")
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
