"""Building the contributor table: every metric computed from the records under a lens.

Missing is never silently zero: a contributor with no benchmark entry gets NaN, and
venue metrics are NaN for years the venue sample does not cover. Counts of models or
papers are 0 when a registry organisation simply has none in the window.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from rankings.data.lenses import (
    COUNTRY_METRICS,
    DEFAULT_LENS,
    METRIC_NAMES,
    NAMED_CONTRIBUTORS,
    ROW_YEARS,
    SNAPSHOTS,
    Lens,
    _check_lens,
)
from rankings.data.provenance import ECI_SNAPSHOT, _cited_venues, _specs, _venue_years, arena_snapshot_for
from rankings.data.records import _benchmarks, _cached_eci, _papers, _snapshot_end, _snapshot_models, load_model_records
from rankings.data.registry import _grouper, _registry
from rankings.data.validate import _resolve_unit
from rankings.errors import LensError
from rankings.table import ContributorTable


def _shares(keys: list[str], counting: str) -> dict[str, float]:
    """Credit of one item to each distinct key (after grouping)."""
    if not keys:
        return {}
    out: dict[str, float] = {}
    if counting == "full":
        for k in keys:
            out[k] = 1.0
    else:
        for k in keys:
            out[k] = out.get(k, 0.0) + 1.0 / len(keys)
    return out


def load_default(lens: Lens = DEFAULT_LENS, *, models_path: str | Path | None = None) -> ContributorTable:
    """The default contributor table under ``lens``.

    Rows (``by="contributor"``): every registry organisation, after grouping, with at
    least one notable model published in 2023-2025 in the lens snapshot (or in the
    user's records), plus :data:`NAMED_CONTRIBUTORS`. With ``by="country"``: every
    country with a notable model in 2023-2025 or in the window. Metrics:
    :data:`METRIC_NAMES` (country rows: :data:`COUNTRY_METRICS`). See
    :func:`metric_sources` for what each one is.
    """
    _check_lens(lens)
    if models_path is not None:
        records = load_model_records(models_path, snapshot=lens.snapshot)
        label = str(models_path)
    else:
        records = _snapshot_models(lens.snapshot)
        label = "default dataset"
    years_seen = [r.year for r in records]
    lo, hi = min(years_seen), max(years_seen)
    y0, y1 = int(lens.years[0]), int(lens.years[1])
    if y0 < lo or y1 > hi:
        raise LensError(f"years must lie within {lo}-{hi} for snapshot {lens.snapshot} (got {y0}-{y1})")
    group_of = _grouper(lens.grouping)
    reg = _registry()
    window = [r for r in records if y0 <= r.year <= y1]

    if lens.by == "country":
        def keys_of_units(units) -> list[str]:
            return list(dict.fromkeys(reg.country[u] for u in units if reg.country.get(u)))

        recent = {c for r in records if ROW_YEARS[0] <= r.year <= ROW_YEARS[1] for c in r.countries}
        names = sorted(recent | {c for r in window for c in r.countries})
    else:
        def keys_of_units(units) -> list[str]:
            return list(dict.fromkeys(group_of(u) for u in units))
        recent = {group_of(u) for r in records if ROW_YEARS[0] <= r.year <= ROW_YEARS[1] for u in r.units}
        recent |= {group_of(u) for r in window for u in r.units}  # every organisation with a model in the window
        named = set() if models_path is not None else {group_of(_resolve_unit(u) or u) for u in NAMED_CONTRIBUTORS}
        if models_path is not None:
            recent |= {group_of(u) for r in records for u in r.units}
        names = sorted(recent | named, key=lambda s: (s.casefold(), s))
    index = {n: i for i, n in enumerate(names)}
    metrics = COUNTRY_METRICS if lens.by == "country" else METRIC_NAMES
    col = {m: j for j, m in enumerate(metrics)}
    values = np.full((len(names), len(metrics)), np.nan)

    # -- model counts ---------------------------------------------------------------------
    models = np.zeros(len(names))
    open_w = np.zeros(len(names))
    open_known = np.zeros(len(names), dtype=bool)
    cites = np.zeros(len(names))
    cites_known = np.zeros(len(names), dtype=bool)
    for rec in window:
        if lens.by == "country":
            shares = _shares(list(rec.countries), lens.counting)
        else:
            # Fractional credit goes to units first, then sums within a contributor.
            shares = {}
            units = list(rec.units)
            for u in units:
                g = group_of(u)
                shares[g] = 1.0 if lens.counting == "full" else shares.get(g, 0.0) + 1.0 / len(units)
        for key, share in shares.items():
            i = index.get(key)
            if i is None:
                continue
            models[i] += share
            if not math.isnan(rec.open_weights):
                open_w[i] += share * rec.open_weights
                open_known[i] = True
            if not math.isnan(rec.citations):
                cites[i] += share * rec.citations
                cites_known[i] = True
    has_models = models > 0
    values[:, col["notable_models"]] = models
    values[:, col["open_weight_models"]] = np.where(open_known | ~has_models, open_w, np.nan)
    if models_path is not None and any(math.isnan(r.open_weights) for r in records):
        values[:, col["open_weight_models"]] = np.nan
    values[:, col["model_citations"]] = np.where(cites_known | ~has_models, cites, np.nan)

    # -- benchmarks -------------------------------------------------------------------------
    bench = _benchmarks()
    start, cutoff = f"{y0}-01-01", f"{y1}-12-31"
    eci = values[:, col["frontier_eci"]]
    eci_low = np.full(len(names), np.nan)
    eci_high = np.full(len(names), np.nan)
    sector = reg.sector
    # Sorted so that ties between equal scores resolve the same way every time.
    eci_entries = bench.get(("eci", ECI_SNAPSHOT), ()) if lens.snapshot in SNAPSHOTS else _cached_eci(lens.snapshot)
    for entry in sorted(eci_entries, key=lambda e: (-e.score, e.high - e.low, e.model)):
        if not (start <= entry.date <= cutoff):
            continue  # only models released inside the window
        # A benchmark scores a released model: it goes to the organisations that released it.
        # Epoch lists every organisation of the paper, so a model listing industry and
        # academia together (GLM-4.6: Zhipu AI, Tsinghua University) goes to industry only.
        units = [u for u in entry.units if sector.get(u) == "industry"] or list(entry.units)
        for key in keys_of_units(units):
            i = index.get(key)
            if i is not None and math.isnan(eci[i]):
                eci[i], eci_low[i], eci_high[i] = entry.score, entry.low, entry.high
    arena_snap = arena_snapshot_for(y1)
    low = np.full(len(names), np.nan)
    high = np.full(len(names), np.nan)
    if arena_snap is not None:
        arena = values[:, col["arena_score"]]
        for entry in sorted(bench.get(("arena_text", arena_snap), ()), key=lambda e: (-e.score, e.high - e.low, e.model)):
            if not (start <= entry.date <= cutoff):
                continue  # released outside the window, or release date unknown
            for key in keys_of_units(entry.units):
                i = index.get(key)
                if i is not None and math.isnan(arena[i]):
                    arena[i], low[i], high[i] = entry.score, entry.low, entry.high

    # -- venue papers -----------------------------------------------------------------------
    if lens.by == "contributor":
        vy, cy = _venue_years(lens)
        papers = np.zeros(len(names))
        pcites = np.zeros(len(names))
        for paper in _papers()[0]:
            if paper.year not in vy:
                continue
            credit: dict[str, float] = {}
            for unit, share in paper.shares:
                key = group_of(unit)
                credit[key] = 1.0 if lens.counting == "full" else credit.get(key, 0.0) + share
            for key, c in credit.items():
                i = index.get(key)
                if i is None:
                    continue
                papers[i] += c
                if paper.year in cy and not math.isnan(paper.citations):
                    pcites[i] += c * paper.citations
        values[:, col["venue_papers"]] = papers if vy else np.nan
        # Citation counts of one venue alone are no signal of an organisation's papers.
        values[:, col["venue_citations"]] = pcites if len(_cited_venues(cy)) > 1 else np.nan

    values = np.round(values, 10)  # fractional sums: drop float dust such as 2.9999999999
    attributes: dict[str, tuple[str, ...]] = {}
    if lens.by == "contributor":
        members: dict[str, list[str]] = defaultdict(list)
        for unit in reg.group:
            members[group_of(unit)].append(unit)

        def attr(name: str, table: dict[str, str]) -> str:
            if name in table and (name == group_of(name)):
                return table[name]
            votes = Counter(table[u] for u in members.get(name, []) if table.get(u))
            return min(votes.items(), key=lambda kv: (-kv[1], kv[0]))[0] if votes else ""

        attributes = {"country": tuple(attr(n, reg.country) for n in names),
                      "sector": tuple(attr(n, reg.sector) for n in names)}
    intervals = {"frontier_eci": (eci_low, eci_high), "arena_score": (low, high)}
    lens_info = lens.to_dict()
    end = max((r.date for r in records), default="") if models_path is not None else _snapshot_end(lens.snapshot)
    lens_info["data_end"] = end
    lens_info["partial"] = bool(end) and end < f"{y1}-12-31"
    specs = _specs(lens, models=window, data_end=end)
    return ContributorTable(contributors=tuple(names), metrics=specs, values=values, attributes=attributes,
                            intervals=intervals, label=label, lens=lens_info,
                            direction_sources={spec.name: "dataset" for spec in specs})


