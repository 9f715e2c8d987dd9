"""The measures of one side at one date, and the comparison of two sides' values.

Every value is a :class:`Point`: a number with its interval, the model behind it, how many
models it was drawn from, and its source; or, when there are too few models (or no data), no
number and a ``status`` saying why. :func:`compare` states parity only when the two intervals
overlap.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import asdict, dataclass
from typing import Any

from rankings.gap.models import Entry

MIN_SHARE_MODELS = 5
"""An open-weight share over fewer notable models than this is not given."""


@dataclass(frozen=True)
class Point:
    """One value of one side at one date (``value`` NaN, with ``status`` saying why, when there is none)."""

    value: float
    low: float
    high: float
    model: str
    released: str
    n: int
    source: str
    status: str = "ok"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("value", "low", "high"):
            if isinstance(out[key], float) and math.isnan(out[key]):
                out[key] = None
        return out


def missing(status: str, n: int, source: str) -> Point:
    return Point(math.nan, math.nan, math.nan, "", "", n, source, status)


def of_entry(e: Entry, n: int, source: str, detail: str = "") -> Point:
    return Point(e.score, e.low, e.high, e.model, e.date, n, source, "ok", detail)


def kth(entries: list[Entry], k: int, source: str) -> Point:
    """The k-th best model (``entries`` best first) with its own interval."""
    if len(entries) < k:
        return missing(f"too few models ({len(entries)}, need {k})", len(entries), source)
    return of_entry(entries[k - 1], len(entries), source)


def within(entries: list[Entry], frontier: Entry | None, delta: float, source: str) -> Point:
    """Models within ``delta`` of the overall frontier's score: the count, with the count whose whole
    interval lies above the line (``low``) and whose interval reaches it (``high``)."""
    if frontier is None:
        return missing("no models at this date", 0, source)
    line = frontier.score - delta
    n = sum(e.score >= line for e in entries)
    sure = sum(e.low >= line for e in entries)  # a model with no interval is never sure...
    possible = sum(e.high >= line or (math.isnan(e.high) and e.score >= line) for e in entries)  # ...but possible
    return Point(float(n), float(sure), float(possible), frontier.model, frontier.date, len(entries), source, "ok",
                 f"frontier {frontier.model} {frontier.score:g}, line {line:g}")


def median_top(entries: list[Entry], top: int, source: str) -> Point:
    """Median score of the ``top`` best models; the band is the median of their lower and of their upper bounds."""
    if len(entries) < top:
        return missing(f"too few models ({len(entries)}, need {top})", len(entries), source)
    best = entries[:top]
    def med(values: list[float]) -> float:
        return round(statistics.median(values), 10)  # no float dust (149.53500000000003) in the output

    bare = [e.model for e in best if math.isnan(e.low) or math.isnan(e.high)]
    if bare:  # a band from nine intervals and one point would look measured where it is not
        return Point(med([e.score for e in best]), math.nan, math.nan, "", "", len(entries), source, "ok",
                     f"median of the top {top}; no band: no interval for {', '.join(bare)}")
    return Point(med([e.score for e in best]), med([e.low for e in best]), med([e.high for e in best]),
                 "", "", len(entries), source, "ok", f"median of the top {top}")


def open_share(total: int, opened: int, source: str) -> Point:
    if total < MIN_SHARE_MODELS:
        return missing(f"too few notable models ({total}, need {MIN_SHARE_MODELS})", total, source)
    share = opened / total
    return Point(share, share, share, "", "", total, source, "ok", f"{opened} of {total} open-weight")


def best_with(entries: list[Entry], opened: float, source: str) -> Point:
    pick = [e for e in entries if e.open_weights == opened]
    if not pick:
        return missing("no such model", 0, source)
    return of_entry(pick[0], len(pick), source)


def best_under(entries: list[Entry], cap: float, source: str) -> Point:
    """The best ECI among the side's priced models at or below ``cap`` USD per million output tokens."""
    priced = [e for e in entries if not math.isnan(e.price) and e.price <= cap]
    if not priced:
        return missing(f"no priced model at or below {cap:g} USD/M", 0, source)
    e = priced[0]
    return of_entry(e, len(priced), source, f"{e.price:g} USD/M output ({e.price_key}, {e.price_rule})")


def cheapest_reaching(entries: list[Entry], score: float, source: str) -> Point:
    """The lowest output price among the side's priced models whose ECI is at least ``score``."""
    reach = [e for e in entries if not math.isnan(e.price) and e.score >= score]
    if not reach:
        return missing(f"no priced model reaches ECI {score:g}", 0, source)
    e = min(reach, key=lambda x: (x.price, -x.score, x.model))
    return Point(e.price, e.price, e.price, e.model, e.date, len(reach), source, "ok",
                 f"ECI {e.score:g} [{e.low:g}, {e.high:g}] ({e.price_key}, {e.price_rule})")


def compare(a: Point, b: Point, names: tuple[str, str], *, unit: str = "points", higher: bool = True,
            intervals: bool = True) -> dict[str, Any]:
    """The gap ``a - b`` and the verdict: parity within measurement error only when the intervals overlap."""
    if not (a.ok and b.ok):
        why = "; ".join(f"{n}: {p.status}" for n, p in zip(names, (a, b)) if not p.ok)
        return dict(gap=None, gap_range=None, overlap=None, verdict=f"not comparable ({why})")
    gap = a.value - b.value
    lead = names[0] if (gap > 0) == higher else names[1]
    size = f"{abs(gap) * 100:.1f} percentage points" if unit == "share" else f"{abs(gap):.4g} {unit}"
    if not intervals:
        verdict = "level" if gap == 0 else f"{lead} ahead by {size}"
        return dict(gap=round(gap, 10), gap_range=None, overlap=None, verdict=verdict)
    bare = [n for n, p in zip(names, (a, b)) if math.isnan(p.low) or math.isnan(p.high)]
    if bare:
        verdict = ("level" if gap == 0 else f"{lead} ahead by {size}") + \
            f" (no interval for {' and '.join(bare)}: parity cannot be judged)"
        return dict(gap=round(gap, 10), gap_range=None, overlap=None, verdict=verdict)
    overlap = a.low <= b.high and b.low <= a.high
    rng = [round(a.low - b.high, 10), round(a.high - b.low, 10)]
    if overlap:
        verdict = "parity within measurement error (intervals overlap)"
    else:
        verdict = f"{lead} ahead by {size} (intervals do not overlap)"
    return dict(gap=round(gap, 10), gap_range=rng, overlap=overlap, verdict=verdict)
