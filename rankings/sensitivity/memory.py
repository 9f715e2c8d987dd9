"""How much memory a sampled run needs, and refusing a run that would not fit before any work.

One estimate (:func:`estimate_run`) covers every phase of :func:`rankings.sensitivity.
analyze.sensitivity` and of writing its result, and takes the peak of them:

* the engine: per-worker chunk working set, rank counters, stored runs (:func:`estimate_memory`);
* post-processing: acceptability, its standard errors, bands, shifts, pairwise and
  central weights computed from the N x N counters;
* the Sobol' design and its analysis (SALib's bootstrap holds 200 resamples per base row);
* the output: ``json`` builds the N x N acceptability and standard-error lists as
  Python objects, the ``json.dumps`` chunks and the text; ``table`` holds only the result.

The per-cell and per-row figures are tracemalloc peaks measured by
``benchmarks/memory_fit.py`` (a fit ``a + b N^2`` over N = 200..1200) and pinned within
a factor of 2 by ``tests/test_memory.py``.

The memory available (:func:`memory_headroom`) is the smallest of ``MemAvailable``, the
headroom under ``RLIMIT_AS`` and the headroom under a cgroup v2 ``memory.max`` or a cgroup
v1 ``memory.limit_in_bytes`` of the process's cgroup or any of its parents.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rankings.errors import AnalysisError
from rankings.sensitivity import kernels
from rankings.sensitivity.accept_kernels import BUFFER_CELLS, RankLayout

MAX_SAMPLES = 10**12
COUNTING_KERNEL_MAX_N = kernels.NUMPY_COUNTING_MAX_N
"""Up to this many contributors the numpy backend ranks by an O(N^2) pairwise count."""
USABLE_FRACTION = 0.8
"""A run is refused when it needs more than this share of the memory available."""

POST_BYTES_PER_CELL = 40
"""Post-processing peak per N x N cell (counters, acceptability, standard errors, band temporaries)."""
HELD_BYTES_PER_CELL = 24
"""N x N bytes alive while the Sobol' run works (the counters, acceptability and its standard errors)."""
JSON_BYTES_PER_CELL = 245
"""``--format json`` peak per N x N cell: the result, to_dict's lists, json.dumps' chunks, the text, its copy."""
SOBOL_BYTES_PER_BASE_ROW = 14_700
"""SALib's analysis per base row of the Saltelli design (bootstrap of 200 resamples), per thread
analysing one group at a time (:func:`rankings.sensitivity.sobol.salib_first_total`; measured
13,100 for SALib's own loop, 14,700 / 29,300 / 40,800 on 1 / 2 / 3 threads)."""
SOBOL_BYTES_PER_RUN = 100
"""The design, the stored outputs of each run of the Sobol' run and their copies."""
OUTPUT_FORMATS = ("table", "csv", "json", "parquet")


def _columns(n: int, kept: int | None) -> tuple[int, int]:
    """(ranks kept, coarse bins) of the acceptability counters (see accept_kernels.RankLayout)."""
    lay = RankLayout.for_ranks(n, kept)
    return lay.kept, lay.bins


def estimate_memory(n: int, m: int, chunk: int, *, full: bool, samples: int, store_runs: bool,
                    pairs: int, workers: int = 1, compiled: bool = False, kept: int | None = None) -> int:
    """Bytes the engine needs at peak (per-worker chunk working set and counters + stored runs).

    ``kept``: ranks of the acceptability counted one by one (default all: N x N counters).
    """
    if full:
        per_chunk = chunk * n * 8 * 3 + BUFFER_CELLS * 4 if compiled else chunk * n * (8 * 5 + 1)
    else:
        per_chunk = chunk * m * 8 * 2 if compiled else chunk * n * 9
    if full and not compiled and n <= COUNTING_KERNEL_MAX_N:
        per_chunk += min(chunk, max(1, 2**20 // (n * n))) * n * n * 12
    top, bins = _columns(n, kept)
    counters = n * (top + bins + 2) * 8 if full else n * 8
    counters += n * m * 8 * 2 + pairs * pairs * 8
    stored = samples * 16 if store_runs else 0
    return int(workers * (per_chunk + counters + chunk * m * 8 * 4) + counters + stored)


class Estimate(NamedTuple):
    """Peak bytes of a run, the phase that sets it and the option that lowers it."""

    bytes: int
    phase: str
    remedy: str


def estimate_run(n: int, m: int, *, samples: int, chunk: int, pairs: int, workers: int = 1,
                 compiled: bool = False, output: str = "table", sobol_samples: int | None = None,
                 sobol_groups: int = 0, sobol_inputs: int = 0, kept: int | None = None,
                 full_requested: bool = False) -> Estimate:
    """Peak bytes of a whole sampled analysis and of writing it (the largest phase).

    ``kept``: ranks of the acceptability kept (default all, N x N); ``full_requested``: the
    N x N matrix was asked for (the remedy then names the compact default).
    """
    if output not in OUTPUT_FORMATS:
        raise AnalysisError(f"output format must be one of {', '.join(OUTPUT_FORMATS)} (got {output!r})")
    top, bins = _columns(n, kept)
    cells = n * (top + bins)
    rows = max(1, min(chunk, samples))
    engine = estimate_memory(n, m, rows, full=True, samples=samples, store_runs=False, pairs=pairs,
                             workers=workers, compiled=compiled, kept=kept)
    fewer = "use fewer contributors" + (" or a smaller --chunk-size" if engine > POST_BYTES_PER_CELL * cells else "")
    if full_requested:
        fewer = "drop --full-acceptability (the default keeps ranks 1..K with --top-ranks K) or " + fewer
    phases = [Estimate(engine, f"the engine on {n} contributors", fewer),
              Estimate(POST_BYTES_PER_CELL * cells, f"the {n} x {top} rank acceptability", fewer.replace(
                  " or a smaller --chunk-size", ""))]
    if sobol_samples is not None:
        runs = sobol_samples * (sobol_groups + 2)
        design = sobol_samples * SOBOL_BYTES_PER_BASE_ROW * max(1, workers) + runs * (SOBOL_BYTES_PER_RUN + 8 * sobol_inputs)
        sobol_engine = estimate_memory(n, m, max(1, min(chunk, runs)), full=True, samples=runs, store_runs=False,
                                       pairs=0, workers=workers, compiled=compiled, kept=1)
        what = f"the Sobol' design of {sobol_samples} base rows ({runs} runs)"
        remedy = "lower --sobol-samples" if design >= sobol_engine else "use fewer contributors"
        phases.append(Estimate(HELD_BYTES_PER_CELL * cells + sobol_engine + design, what, remedy))
    if output == "json":
        phases.append(Estimate(JSON_BYTES_PER_CELL * n * top, f"the JSON of {n} x {top} matrices",
                               "use --format table" + (", a smaller --top-ranks" if top > 1 else "")
                               + " or fewer contributors"))
    return max(phases, key=lambda e: e.bytes)


# ---------------------------------------------------------------------------------------
# The memory available
# ---------------------------------------------------------------------------------------

class Headroom(NamedTuple):
    """Bytes a run may still take, and where that limit comes from."""

    bytes: int
    source: str


UNLIMITED = 2**60
"""cgroup v1 writes "no limit" as a page-rounded 2^63 - 1; anything above this is no limit."""


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def meminfo_available(meminfo: str | Path = "/proc/meminfo") -> int | None:
    """``MemAvailable`` in bytes, or None when the kernel does not say."""
    try:
        with open(meminfo, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def rlimit_headroom(status: str | Path = "/proc/self/status") -> int | None:
    """Address space left under the soft ``RLIMIT_AS`` (the limit less ``VmSize``), or None without one."""
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = 0
    try:
        for line in Path(status).read_text(encoding="ascii").splitlines():
            if line.startswith("VmSize:"):
                used = int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return max(0, soft - used)


def _cgroup_paths(self_cgroup: Path) -> tuple[str, str]:
    """The process's cgroup v2 path and cgroup v1 memory path ("/" when unknown)."""
    v2 = v1 = "/"
    try:
        lines = self_cgroup.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return v2, v1
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            v2 = parts[2] or "/"
        elif "memory" in parts[1].split(","):
            v1 = parts[2] or "/"
    return v2, v1


def _up(base: Path, rel: str) -> list[Path]:
    """``base/rel`` and each of its parents up to ``base``."""
    parts = [p for p in rel.split("/") if p and p not in (".", "..")]
    return [base.joinpath(*parts[:k]) for k in range(len(parts), -1, -1)]


def cgroup_headroom(root: str | Path = "/sys/fs/cgroup", self_cgroup: str | Path = "/proc/self/cgroup") -> Headroom | None:
    """Memory left under the tightest cgroup limit of this process or a parent, or None without one.

    cgroup v2: ``memory.max - memory.current`` under ``root`` (or ``root/unified``);
    cgroup v1: ``memory.limit_in_bytes - memory.usage_in_bytes`` under ``root/memory``.
    """
    root = Path(root)
    v2, v1 = _cgroup_paths(Path(self_cgroup))
    found: list[Headroom] = []
    checks = [(base, v2, "memory.max", "memory.current", "cgroup v2 memory.max") for base in (root, root / "unified")]
    checks.append((root / "memory", v1, "memory.limit_in_bytes", "memory.usage_in_bytes",
                   "cgroup v1 memory.limit_in_bytes"))
    for base, rel, limit_file, usage_file, source in checks:
        for folder in dict.fromkeys(_up(base, rel) + [base]):
            limit = _read_int(folder / limit_file)
            if limit is None or limit >= UNLIMITED:
                continue
            used = _read_int(folder / usage_file) or 0
            found.append(Headroom(max(0, limit - used), f"{source} of {folder}"))
    return min(found, key=lambda h: h.bytes) if found else None


def memory_headroom() -> Headroom:
    """The smallest of MemAvailable, the RLIMIT_AS headroom and the cgroup headroom."""
    found = []
    mem = meminfo_available()
    if mem is not None:
        found.append(Headroom(mem, "MemAvailable"))
    else:
        try:
            found.append(Headroom(int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")), "physical memory"))
        except (ValueError, OSError, AttributeError):  # pragma: no cover
            found.append(Headroom(8 * 2**30, "a guess of 8 GB"))
    limit = rlimit_headroom()
    if limit is not None:
        found.append(Headroom(limit, "RLIMIT_AS headroom"))
    group = cgroup_headroom()
    if group is not None:
        found.append(group)
    return min(found, key=lambda h: h.bytes)


def available_memory() -> int:
    """Bytes of memory available now (see :func:`memory_headroom`)."""
    return memory_headroom().bytes


def _human(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if nbytes < 1024 or unit == "PB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} PB"  # pragma: no cover


# ---------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------

def check_samples(samples: int, *, option: str = "samples") -> None:
    if isinstance(samples, bool) or not isinstance(samples, (int, np.integer)) or samples < 1:
        raise AnalysisError(f"{option} must be a positive integer (got {samples})")
    if samples > MAX_SAMPLES:
        raise AnalysisError(f"{option} must be at most {MAX_SAMPLES:.0e} (got {samples:.3g})")


def refuse_if_too_big(need: Estimate) -> None:
    """One-line refusal when ``need`` is over 80% of the memory available."""
    have = memory_headroom()
    if need.bytes > USABLE_FRACTION * have.bytes:
        raise AnalysisError(f"the run needs about {_human(need.bytes)} of memory for {need.phase} but "
                            f"{_human(have.bytes)} is available ({have.source}); {need.remedy}")


def check_run_size(samples: int, n: int, m: int, chunk: int, *, full: bool, store_runs: bool, pairs: int,
                   workers: int = 1, compiled: bool = False, kept: int | None = None) -> None:
    """Refuse before the engine starts when the sample count or the memory it needs is impossible."""
    check_samples(samples)
    if chunk < 1 or chunk > 2**20:
        raise AnalysisError(f"chunk size must be an integer from 1 to {2**20} (got {chunk})")
    need = estimate_memory(n, m, min(chunk, samples), full=full, samples=samples, store_runs=store_runs,
                           pairs=pairs, workers=workers, compiled=compiled, kept=kept)
    refuse_if_too_big(Estimate(need, f"the engine on {n} contributors (chunk {chunk})",
                               "use fewer contributors or a smaller --chunk-size"))
