"""How much memory a sampled run needs, and refusing a run that would not fit before any work.
"""

from __future__ import annotations

import os

import numpy as np

from rankings.errors import AnalysisError
from rankings.sensitivity import kernels

MAX_SAMPLES = 10**12
COUNTING_KERNEL_MAX_N = kernels.NUMPY_COUNTING_MAX_N
"""Up to this many contributors the numpy backend ranks by an O(N^2) pairwise count."""

def estimate_memory(n: int, m: int, chunk: int, *, full: bool, samples: int, store_runs: bool,
                    pairs: int, workers: int = 1, compiled: bool = False) -> int:
    """Bytes the engine needs at peak (per-worker chunk working set and counters + stored runs)."""
    if full:
        per_chunk = chunk * n * 8 * 2 if compiled else chunk * n * (8 * 5 + 1)
    else:
        per_chunk = chunk * m * 8 * 2 if compiled else chunk * n * 9
    if full and not compiled and n <= COUNTING_KERNEL_MAX_N:
        per_chunk += min(chunk, max(1, 2**20 // (n * n))) * n * n * 12
    counters = n * n * 8 if full else n * 8
    counters += n * m * 8 * 2 + pairs * pairs * 8
    stored = samples * 16 if store_runs else 0
    return int(workers * (per_chunk + counters + chunk * m * 8 * 4) + counters + stored)


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable``), or physical memory as a fallback."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 8 * 2**30


def _human(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1024 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} PB"  # pragma: no cover


def check_run_size(samples: int, n: int, m: int, chunk: int, *, full: bool, store_runs: bool, pairs: int,
                   workers: int = 1, compiled: bool = False) -> None:
    """Refuse before starting when the sample count or the memory needed is impossible."""
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise AnalysisError(f"samples must be a positive integer (got {samples})")
    if samples > MAX_SAMPLES:
        raise AnalysisError(f"samples must be at most {MAX_SAMPLES:.0e} (got {samples:.3g})")
    if chunk < 1 or chunk > 2**20:
        raise AnalysisError(f"chunk size must be an integer from 1 to {2**20} (got {chunk})")
    need = estimate_memory(n, m, chunk, full=full, samples=samples, store_runs=store_runs, pairs=pairs,
                           workers=workers, compiled=compiled)
    have = available_memory()
    if need > 0.8 * have:
        raise AnalysisError(f"the run needs about {_human(need)} of memory but {_human(have)} is available "
                            f"({n} contributors, chunk {chunk}); use fewer contributors or a smaller chunk")


