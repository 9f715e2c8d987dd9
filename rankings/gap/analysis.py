"""The gap analysis: two sides measured at each date, and the crossovers between their depth measures.
"""

from __future__ import annotations

import math
from datetime import date as day
from typing import Any

from rankings.data.provenance import ECI_SNAPSHOT, GAP_SOURCES, PRICE_SNAPSHOT
from rankings.errors import SettingError
from rankings.gap import measures as m
from rankings.gap.models import (
    BY,
    NOTABLE_SNAPSHOT,
    Entry,
    arena_at,
    counts_by_side,
    eci_models_at,
    eci_versions,
    known_sides,
    resolve_side,
    side_entries,
)
from rankings.gap.result import GapResult, Row

KS: tuple[int, ...] = (1, 3, 5, 10)
K_RANGE = (1, 50)
DELTA = 5.0
DELTA_RANGE = (0.0, 100.0)
PRICE_CAPS: tuple[float, ...] = (1.0, 10.0)
REACH: tuple[float, ...] = (140.0, 150.0)
MEDIAN_TOP = 10
FIRST_QUARTER = "2023-03-31"


def data_range() -> tuple[str, str]:
    """(first ECI release date, ECI snapshot date): the dates a gap can be read at."""
    return eci_versions("country")[0].date, ECI_SNAPSHOT


def quarter_ends(first: str = FIRST_QUARTER, last: str = ECI_SNAPSHOT) -> tuple[str, ...]:
    """Quarter ends from ``first`` up to ``last``, then ``last`` itself (the newest date)."""
    ends = [f"{y}-{md}" for y in range(int(first[:4]), int(last[:4]) + 1) for md in ("03-31", "06-30", "09-30", "12-31")]
    out = [d for d in ends if first <= d < last]
    return (*out, last)


def _check(a: str, b: str, by: str, at: Any, ks: Any, delta: float, caps: Any, reach: Any
           ) -> tuple[tuple[str, str], tuple[str, ...], tuple[int, ...], tuple[float, ...], tuple[float, ...]]:
    if by not in BY:
        raise SettingError(f"by must be one of {', '.join(BY)} (got {by!r})")
    sides = (resolve_side(a, by), resolve_side(b, by))
    if sides[0] == sides[1]:
        raise SettingError(f"the two sides must differ (got {sides[0]!r} twice)")
    ks_t = tuple(int(k) for k in ks)
    for k in ks_t:
        if not K_RANGE[0] <= k <= K_RANGE[1]:
            raise SettingError(f"k must be between {K_RANGE[0]} and {K_RANGE[1]} (got {k})")
    if not ks_t:
        raise SettingError("k must be given at least once (got none)")
    if not (isinstance(delta, (int, float)) and DELTA_RANGE[0] < delta <= DELTA_RANGE[1]):
        raise SettingError(f"delta must be above {DELTA_RANGE[0]:g} and at most {DELTA_RANGE[1]:g} ECI points (got {delta})")
    caps_t = tuple(float(c) for c in caps)
    if any(not (c > 0 and math.isfinite(c)) for c in caps_t):
        raise SettingError(f"a price cap must be a positive number of USD per million tokens (got {caps_t})")
    reach_t = tuple(float(s) for s in reach)
    if any(not math.isfinite(s) for s in reach_t):
        raise SettingError(f"a score to reach must be a finite ECI value (got {reach_t})")
    lo, hi = data_range()
    dates = quarter_ends() if at is None else tuple(at)
    for d in dates:
        try:
            text = day.fromisoformat(str(d)).isoformat()
        except ValueError:
            raise SettingError(f"a date must be YYYY-MM-DD (got {d!r})") from None
        if not lo <= text <= hi:
            raise SettingError(f"a date must lie within the ECI data, {lo} to {hi} (got {text})")
    dates = tuple(sorted({day.fromisoformat(str(d)).isoformat() for d in dates}))
    if not dates:
        raise SettingError("at least one date is needed (got none)")
    return sides, dates, tuple(sorted(set(ks_t))), caps_t, reach_t


def guess_by(a: str, b: str) -> str:
    """``country`` when both names are countries, ``contributor`` when both are contributors; else the kind
    one of them is (so that the error names the other), else ``country``."""
    from rankings.data.registry import _fold

    kinds = {by: known_sides(by) for by in BY}
    for by in BY:
        if _fold(a) in kinds[by] and _fold(b) in kinds[by]:
            return by
    found = {name: [by for by in BY if _fold(name) in kinds[by]] for name in (a, b)}
    if found[a] and found[b]:
        raise SettingError(f"the two sides must both be countries or both contributors (got {a!r}, a {found[a][0]}, "
                           f"and {b!r}, a {found[b][0]})")
    for name in (a, b):
        if found[name]:
            return found[name][0]
    return BY[0]


def _year_before(date: str) -> str:
    d = day.fromisoformat(date)
    try:
        return d.replace(year=d.year - 1).isoformat()
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28).isoformat()


def _depth(entries: list[Entry], frontier: Entry | None, ks: tuple[int, ...], delta: float, src: str
           ) -> dict[str, m.Point]:
    out = {f"ECI #{k}": m.kth(entries, k, src) for k in ks}
    out[f"models within {delta:g} of frontier"] = m.within(entries, frontier, delta, src)
    out[f"median of top {MEDIAN_TOP}"] = m.median_top(entries, MEDIAN_TOP, src)
    return out


def _at(date: str, sides: tuple[str, str], by: str, ks: tuple[int, ...], delta: float, caps: tuple[float, ...],
        reach: tuple[float, ...]) -> list[Row]:
    eci_src = GAP_SOURCES["eci"]
    everyone = eci_models_at(by, date)
    frontier = everyone[0] if everyone else None
    per = [side_entries(everyone, s) for s in sides]
    board, arena, undated = arena_at(by, date)
    arena_src = GAP_SOURCES["arena"].format(board=board or "none")
    notable_src = GAP_SOURCES["notable"].format(snapshot=NOTABLE_SNAPSHOT)
    price_src = GAP_SOURCES["price"]
    rows: list[Row] = []

    def add(section: str, measure: str, pa: m.Point, pb: m.Point, **how: Any) -> None:
        rows.append(Row(date, section, measure, pa, pb, m.compare(pa, pb, sides, **how)))

    add("head", "best ECI", m.kth(per[0], 1, eci_src), m.kth(per[1], 1, eci_src))
    if board is None:
        gone = m.missing("no Arena board within 92 days of this date", 0, arena_src)
        add("head", "best Arena", gone, gone)
    else:
        pa, pb = (m.kth(side_entries(arena, s), 1, arena_src) for s in sides)
        add("head", "best Arena", pa, pb)
    da, db = (_depth(p, frontier, ks, delta, eci_src) for p in per)
    for name in da:
        add("depth", name, da[name], db[name], unit="models" if "within" in name else "points")
    counts = counts_by_side(by, _year_before(date), date)
    pa, pb = (m.open_share(*counts.get(s, (0, 0)), notable_src) for s in sides)
    add("openness", "open-weight share of notable models (12 months)", pa, pb, unit="share", intervals=False)
    bests = {}
    for label, flag in (("best open-weight ECI", 1.0), ("best closed ECI", 0.0)):
        bests[label] = [m.best_with(p, flag, eci_src) for p in per]
        add("openness", label, *bests[label])
    gaps = []
    for i in range(2):
        o, c = bests["best open-weight ECI"][i], bests["best closed ECI"][i]
        cmp = m.compare(o, c, ("open", "closed"))
        if cmp["gap"] is None:
            gaps.append(m.missing(cmp["verdict"], 0, eci_src))
        else:
            low, high = cmp["gap_range"] or (math.nan, math.nan)
            gaps.append(m.Point(cmp["gap"], low, high, f"{o.model} vs {c.model}", "", o.n + c.n, eci_src, "ok",
                                cmp["verdict"]))
    add("openness", "open-weight minus closed ECI", *gaps, intervals=False)
    for cap in caps:
        add("price", f"best ECI at <= {cap:g} USD/M", *(m.best_under(p, cap, price_src) for p in per))
    for score in reach:
        add("price", f"cheapest USD/M reaching ECI {score:g}", *(m.cheapest_reaching(p, score, price_src) for p in per),
            unit="USD/M", higher=False, intervals=False)
    if undated:
        rows[1] = Row(rows[1].date, rows[1].section, rows[1].measure, rows[1].a, rows[1].b,
                      {**rows[1].comparison, "undated_rows_left_out": undated})
    return rows


def _crossovers(sides: tuple[str, str], by: str, ks: tuple[int, ...], delta: float, last: str) -> list[dict[str, Any]]:
    """For each depth measure: who led when the two sides' values first differed, and the first release date
    on which the other side's value reached the leader's (point values; the measures change only on release
    dates), with the values at the end and whether the lead came back."""
    events = sorted({e.date for e in eci_versions(by) if e.date <= last})
    series: dict[str, list[tuple[str, float, float]]] = {}
    for date in events:
        everyone = eci_models_at(by, date)
        per = [side_entries(everyone, s) for s in sides]
        da, db = (_depth(p, everyone[0] if everyone else None, ks, delta, "") for p in per)
        for name in da:
            if da[name].ok and db[name].ok:
                series.setdefault(name, []).append((date, da[name].value, db[name].value))
    out = []
    for name, points in series.items():
        end = points[-1]
        at_end = {sides[0]: end[1], sides[1]: end[2], "date": last}
        first = next((i for i, (_, x, y) in enumerate(points) if x != y), None)
        if first is None:
            out.append(dict(measure=name, leader=None, since=points[0][0], reached_by=None, date=None,
                            values={sides[0]: end[1], sides[1]: end[2]}, at_end=at_end,
                            status=f"level at every release date to {last}"))
            continue
        start, va, vb = points[first]
        lead, trail = (0, 1) if va > vb else (1, 0)
        hit = next(((d, x, y) for d, x, y in points[first + 1:] if (x, y)[trail] >= (x, y)[lead]), None)
        held = hit is not None and (end[1], end[2])[trail] >= (end[1], end[2])[lead]
        out.append(dict(measure=name, leader=sides[lead], since=start, reached_by=sides[trail],
                        date=hit[0] if hit else None,
                        values={sides[0]: (hit or end)[1], sides[1]: (hit or end)[2]}, at_end=at_end,
                        status=("reached" + ("" if held else f", behind again by {last}")) if hit
                        else f"not reached by {last}"))
    return out


def gap_analysis(a: str, b: str, *, by: str | None = None, at: Any = None, ks: Any = KS, delta: float = DELTA,
                 price_caps: Any = PRICE_CAPS, reach: Any = REACH) -> GapResult:
    """Head against depth of two sides (countries or contributors) over time, with intervals.

    Parameters
    ----------
    a, b : str
        The two sides: countries (``by="country"``, Epoch's names: ``"United States"``,
        ``"China"``) or contributors after the merged grouping (``by="contributor"``;
        registry aliases accepted). Closest names are suggested for an unknown one.
    by : {"country", "contributor"}, optional
        Default: ``country`` when both names are countries, ``contributor`` when both are
        contributors (:func:`guess_by`).
    at : sequence of ``YYYY-MM-DD``, optional
        Dates to measure at (default: quarter ends from 2023-03-31, then the ECI snapshot
        date, 2026-08-22). Each must lie between the first ECI release and that date.
    ks : sequence of int
        Ranks of the k-th best model (1 to 50; default 1, 3, 5, 10).
    delta : float
        Width, in ECI points, of the band below the overall frontier (default 5).
    price_caps : sequence of float
        USD per million output tokens: the best ECI reachable at or below each.
    reach : sequence of float
        ECI values: the cheapest output price that reaches each.

    Returns
    -------
    GapResult

    Raises
    ------
    UnknownNameError
        A side is not a known country or contributor.
    SettingError
        The sides are the same or of two kinds, or k, delta, a price cap or a date is out of range.
    """
    by = guess_by(a, b) if by is None else by
    sides, dates, ks_t, caps_t, reach_t = _check(a, b, by, at, ks, delta, price_caps, reach)
    rows = [row for d in dates for row in _at(d, sides, by, ks_t, float(delta), caps_t, reach_t)]
    newest = eci_models_at(by, dates[-1])
    unpriced = {s: tuple(sorted(e.model for e in side_entries(newest, s) if math.isnan(e.price))) for s in sides}
    sources = {k: v.format(board="nearest each date (named in each point)", snapshot=NOTABLE_SNAPSHOT)
               for k, v in GAP_SOURCES.items()}
    notes = ("ECI: each Epoch model counts once, at its best version released by the date; the interval is Epoch's "
             "90% interval of that model (the k-th best's own interval, not that of the k-th order statistic).",
             f"models within {float(delta):g} of frontier: the count of models whose ECI is within {float(delta):g} "
             f"points of the best model of any country or contributor; low = models whose whole interval lies above "
             f"the line, high = models whose interval reaches it.",
             f"median of top {MEDIAN_TOP}: the band is the median of the ten lower and of the ten upper bounds.",
             "open-weight share: notable models published in the 12 months up to the date (Epoch's "
             "accessibility); a side with fewer than 5 such models gets no share.",
             f"prices: the LiteLLM catalogue of {PRICE_SNAPSHOT}, matched by the rules of fixtures/eci_models.py; "
             "models no rule matched are listed under unpriced and never priced.",
             "Arena: the first board on or after the date within 92 days, else the last board before it within "
             "92 days; models with no release date are left out.")
    return GapResult(by=by, sides=sides, dates=dates, ks=ks_t, delta=float(delta), price_caps=caps_t, reach=reach_t,
                     rows=tuple(rows), crossovers=tuple(_crossovers(sides, by, ks_t, float(delta), dates[-1])),
                     unpriced=unpriced, sources=sources, notes=notes)
