"""The models of each side: ECI and Arena entries and notable-model records, attributed to countries or contributors.

A *side* is a country (``by="country"``) or a contributor after the merged grouping
(``by="contributor"``). Benchmark entries go to the organisations that released the model
(industry ones when industry and academia are listed together, as ``frontier_eci`` does). A
country side uses Epoch's own country column: that of the ECI model (benchmarked-models file) and
of the notable model (``models.csv``); an Arena row, which has none, takes its organisations'
countries as Epoch's newest files code them (:func:`_unit_country`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache

from rankings.data.lenses import SNAPSHOTS
from rankings.data.provenance import ARENA_MAX_LAG_DAYS, ARENA_SNAPSHOTS, ECI_SNAPSHOT
from rankings.data.records import _benchmarks, _eci_models, _snapshot_models
from rankings.data.registry import _fold, _grouper, _registry
from rankings.errors import UnknownNameError

BY = ("country", "contributor")
NOTABLE_SNAPSHOT = SNAPSHOTS[-1]
"""The notable-model snapshot the openness measures read (the newest packaged one)."""


@dataclass(frozen=True)
class Entry:
    """One scored model: an Epoch model (its best version released by a date) or an Arena row."""

    model: str
    version: str
    date: str
    score: float
    low: float
    high: float
    keys: frozenset[str]        # countries or contributors it counts for
    open_weights: float = math.nan
    price: float = math.nan     # USD per million output tokens (NaN: no catalogue key matched)
    price_key: str = ""
    price_rule: str = ""


def _width(e: Entry) -> float:
    """Interval width for tie-breaking (an entry with no interval sorts after one with)."""
    w = e.high - e.low
    return math.inf if math.isnan(w) else w


def _credited(units: tuple[str, ...]) -> list[str]:
    sector = _registry().sector
    return [u for u in units if sector.get(u) == "industry"] or list(units)


@cache
def _unit_country() -> dict[str, str]:
    """Unit -> the country Epoch's newest files give it: a vote over the ECI models and the
    notable models of :data:`NOTABLE_SNAPSHOT` that list one organisation and one country
    (ties: alphabetical); the registry country for a unit with no such model. Epoch codes
    Google DeepMind as the United States in these files; the registry says United Kingdom."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for e in _eci_models().values():
        if len(e.units) == 1 and len(e.countries) == 1:
            votes[e.units[0]][e.countries[0]] += 1
    for r in _snapshot_models(NOTABLE_SNAPSHOT):
        if len(r.units) == 1 and len(r.countries) == 1:
            votes[r.units[0]][r.countries[0]] += 1
    out = {u: c for u, c in _registry().country.items() if c}
    out.update({u: min(v.items(), key=lambda kv: (-kv[1], kv[0]))[0] for u, v in votes.items()})
    return out


def _keys_of(units: tuple[str, ...], by: str, countries: tuple[str, ...] = ()) -> frozenset[str]:
    """Sides an entry counts for: its own countries when Epoch lists them, else its organisations' countries."""
    if by == "country":
        if countries:
            return frozenset(countries)
        country = _unit_country()
        return frozenset(country[u] for u in _credited(units) if country.get(u))
    group_of = _grouper("merged")
    return frozenset(group_of(u) for u in _credited(units))


@cache
def eci_versions(by: str) -> tuple[Entry, ...]:
    """Every ECI model version, sorted by release date (then score, best first)."""
    meta = _eci_models()
    out = []
    for e in _benchmarks().get(("eci", ECI_SNAPSHOT), ()):
        name = _group_name(e.model)
        m = meta.get(name)
        out.append(Entry(name, e.model, e.date, e.score, e.low, e.high, _keys_of(e.units, by, m.countries if m else ()),
                         m.open_weights if m else math.nan, m.output_price if m else math.nan,
                         m.price_key if m else "", m.price_rule if m else ""))
    out.sort(key=lambda x: (x.date, -x.score, x.version))
    return tuple(out)


@cache
def _version_group() -> dict[str, str]:
    from rankings.data.registry import _rows

    return {r["model"]: r["note"][len("model "):] for r in _rows("benchmarks.csv")
            if r["benchmark"] == "eci" and r["note"].startswith("model ")}


def _group_name(version: str) -> str:
    return _version_group().get(version, version)


def eci_models_at(by: str, date: str) -> list[Entry]:
    """Each Epoch model with a version released on or before ``date``, at its best such version."""
    best: dict[str, Entry] = {}
    for e in eci_versions(by):
        if e.date > date:
            break
        have = best.get(e.model)
        if have is None or (e.score, -_width(e)) > (have.score, -_width(have)):
            best[e.model] = e
    return sorted(best.values(), key=lambda x: (-x.score, _width(x), x.model))


def side_entries(entries: list[Entry], side: str) -> list[Entry]:
    return [e for e in entries if side in e.keys]


def arena_board_for(date: str) -> str | None:
    """The Arena board read at ``date``: the first board on or after it within
    :data:`ARENA_MAX_LAG_DAYS`, else the last board before it within that many days, else none."""
    from datetime import date as day

    d = day.fromisoformat(date)
    boards = [day.fromisoformat(b) for b in ARENA_SNAPSHOTS]
    after = [b for b in boards if b >= d and (b - d).days <= ARENA_MAX_LAG_DAYS]
    if after:
        return min(after).isoformat()
    before = [b for b in boards if b < d and (d - b).days <= ARENA_MAX_LAG_DAYS]
    return max(before).isoformat() if before else None


def arena_at(by: str, date: str) -> tuple[str | None, list[Entry], int]:
    """(board, non-preliminary entries released on or before ``date`` best first, undated rows skipped)."""
    board = arena_board_for(date)
    if board is None:
        return None, [], 0
    out, undated = [], 0
    for e in _benchmarks().get(("arena_text", board), ()):
        if not e.date:
            undated += 1
            continue
        if e.date <= date:
            out.append(Entry(e.model, e.model, e.date, e.score, e.low, e.high, _keys_of(e.units, by)))
    out.sort(key=lambda x: (-x.score, _width(x), x.model))
    return board, out, undated


@cache
def notable(by: str) -> tuple[tuple[str, frozenset[str], float, str], ...]:
    """(date, sides, open weights, model) of every notable model in :data:`NOTABLE_SNAPSHOT`."""
    group_of = _grouper("merged")
    out = []
    for r in _snapshot_models(NOTABLE_SNAPSHOT):
        keys = frozenset(r.countries) if by == "country" else frozenset(group_of(u) for u in r.units)
        out.append((r.date, keys, r.open_weights, r.model))
    return tuple(sorted(out))


@cache
def known_sides(by: str) -> dict[str, str]:
    """Folded name -> side, for every side with a notable model or an ECI entry (plus registry aliases)."""
    names: set[str] = set()
    for e in eci_versions(by):
        names |= e.keys
    for _, keys, _, _ in notable(by):
        names |= keys
    out = {_fold(n): n for n in names}
    if by == "contributor":
        group_of = _grouper("merged")
        for alias, unit in _registry().alias.items():
            if group_of(unit) in names:
                out.setdefault(alias, group_of(unit))
    return out


def resolve_side(name: str, by: str) -> str:
    """The side ``name`` stands for (case and spacing ignored; contributor aliases accepted)."""
    known = known_sides(by)
    side = known.get(_fold(name))
    if side is None:
        raise UnknownNameError(by, str(name), sorted(set(known.values())))
    return side


def counts_by_side(by: str, start: str, end: str) -> dict[str, tuple[int, int]]:
    """Side -> (notable models published in (start, end], of which open-weight)."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for date, keys, opened, _ in notable(by):
        if start < date <= end:
            for k in keys:
                out[k][0] += 1
                out[k][1] += int(opened == 1.0)
    return {k: (v[0], v[1]) for k, v in out.items()}
