"""Sampling to a precision: more blocks of runs until every acceptability's standard error meets a target.

:func:`run_to_precision` runs the engine on runs ``[0, samples)``, then on further ranges
``[done, next)`` (the same seeded inputs a single longer run would draw: a run's inputs
depend only on the seed and its index) until the largest Monte Carlo standard error
``sqrt(b (1 - b) / S)`` of the rank acceptabilities ``b`` is at most the target, or the
cap is reached (ranks past ``--top-ranks`` enter through an upper bound from their bins,
:func:`largest_variance`). The schedule depends only on the counts, which do not depend on the
chunk size, so the result does not either. :func:`precision_report` says what was achieved,
and a shortfall is stated, never hidden.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from rankings.errors import AnalysisError
from rankings.sensitivity.engine import Counters, merge_counters, run_engine
from rankings.sensitivity.sample import RunBatch


def check_precision(precision: float, cap: int, samples: int) -> None:
    if isinstance(precision, bool) or not isinstance(precision, (int, float)) or not 0 < precision < 0.5:
        raise AnalysisError(f"--precision must be a standard error between 0 and 0.5, e.g. 0.01 (got {precision!r})")
    if cap < samples:
        raise AnalysisError(f"--max-samples must be at least --samples ({samples}) (got {cap})")


def largest_variance(counters: Counters) -> float:
    """The largest ``b (1 - b)`` over every rank acceptability ``b`` (a bound for ranks not kept one by one).

    Ranks past the kept ones are counted in bins: a rank's share is at most its bin's, so
    ``b (1 - b)`` is at most ``c (1 - c)`` with ``c = min(bin share, 1/2)``; the focus's
    distribution is kept in full and enters exactly.
    """
    assert counters.acceptability is not None and counters.beyond is not None
    runs = max(counters.runs, 1)
    b = counters.acceptability / runs
    worst = float((b * (1 - b)).max()) if b.size else 0.0
    if counters.beyond.size:
        c = np.minimum(counters.beyond / runs, 0.5)
        worst = max(worst, float((c * (1 - c)).max()))
    f = counters.focus_hist / runs
    return max(worst, float((f * (1 - f)).max()))


def largest_se(counters: Counters) -> float:
    return float(np.sqrt(largest_variance(counters) / max(counters.runs, 1)))


def _shifted(batches: Callable[[int, int], RunBatch], offset: int) -> Callable[[int, int], RunBatch]:
    def shifted(a: int, b: int) -> RunBatch:
        return batches(a + offset, b + offset)
    return shifted


def run_to_precision(problem: Any, batches: Callable[[int, int], RunBatch], samples: int, *, precision: float,
                     cap: int, **engine: Any) -> tuple[Counters, dict[str, Any]]:
    """Counters over at least ``samples`` runs, more (up to ``cap``) until the target is met."""
    check_precision(precision, cap, samples)
    progress = engine.pop("progress", None)
    counters = run_engine(problem, batches, samples, progress=progress, **engine)
    blocks = 1
    while True:
        se = largest_se(counters)
        done = counters.runs
        if se <= precision or done >= cap:
            break
        need = math.ceil(largest_variance(counters) / precision**2 * 1.1)  # 10% margin on the estimate
        target = int(min(cap, max(need, done + max(1, done // 4))))
        more = run_engine(problem, _shifted(batches, done), target - done, **engine)
        counters = merge_counters([counters, more])  # totals add; the same merge as every engine
        blocks += 1
        if progress is not None:
            progress(counters.runs, counters.runs)
    report = {"target_se": precision, "achieved_se": round(se, 8), "runs": counters.runs, "cap": cap,
              "reached": se <= precision, "rounds": blocks}
    return counters, report


def precision_note(report: dict[str, Any]) -> str | None:
    """The stated shortfall when the target was not reached (else ``None``)."""
    if report["reached"]:
        return None
    return (f"precision target {report['target_se']:g} not reached within the cap of {report['cap']} runs: "
            f"the largest acceptability standard error is {report['achieved_se']:.4f}")
