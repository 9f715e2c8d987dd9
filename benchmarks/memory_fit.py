"""Measure the bytes per N x N cell that a sampled run holds at peak (a script, not a test).

For a few N (synthetic table, 3 metrics, raw weighted sum), it runs ``rankings
sensitivity`` in-process under :mod:`tracemalloc` (numpy reports its buffers to it)
and prints the peak of:

* ``post``: the library call with ``--format table`` (engine and post-processing);
* ``json``: the same command with ``--format json --output FILE`` less ``post``
  (``to_dict``, the Python lists of ``json.dumps``, the text and its written copy);
* ``sobol``: a Sobol' run of the same N (``--sobol --sobol-samples B``) less ``post``.

A least-squares fit ``peak = a + b N^2`` gives the per-cell figures used by
:mod:`rankings.sensitivity.memory`.

Usage::

    python benchmarks/memory_fit.py            # N = 200, 400, 800, 1200
    python benchmarks/memory_fit.py 300 600    # other N
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np


def _csv(folder: Path, n: int) -> Path:
    rng = np.random.default_rng(n)
    path = folder / f"t{n}.csv"
    rows = ["name,a,b,c"] + [f"c{i},{x:.6f},{y:.6f},{z:.6f}" for i, (x, y, z) in enumerate(rng.random((n, 3)))]
    path.write_text("\n".join(rows) + "\n")
    return path


def peak(args: list[str]) -> int:
    from rankings.cli.main import main

    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        main(args, standalone_mode=False)
    finally:
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return top


def main(ns: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        base = ["sensitivity", "--normalize", "none", "--focus", "c0", "--samples", "256", "--top", "5"]
        peak(base + ["--data", str(_csv(folder, 50))])  # warm up (numba, imports)
        rows = []
        for n in ns:
            data = ["--data", str(_csv(folder, n))]
            post = peak(base + data + ["--output", str(folder / "o.txt")])
            js = peak(base + data + ["--format", "json", "--output", str(folder / "o.json")])
            sob = peak(base + data + ["--sobol", "--sobol-samples", "64", "--output", str(folder / "o.txt")])
            rows.append((n, post, js - post, sob - post))
            print(f"N={n:5d}  post {post / n**2:6.1f} B/cell  json extra {(js - post) / n**2:6.1f} B/cell  "
                  f"sobol extra {(sob - post) / 2**20:7.1f} MB", flush=True)
        n2 = np.array([r[0] ** 2 for r in rows], dtype=float)
        A = np.stack([np.ones_like(n2), n2], axis=1)
        for k, label in ((1, "post"), (2, "json extra")):
            (a, b), *_ = np.linalg.lstsq(A, np.array([r[k] for r in rows], dtype=float), rcond=None)
            print(f"fit {label}: {a / 2**20:.1f} MB + {b:.1f} B x N^2")


if __name__ == "__main__":
    main([int(x) for x in sys.argv[1:]] or [200, 400, 800, 1200])
