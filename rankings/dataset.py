"""The default dataset: real AI contributors built from committed fixtures under a lens.

The fixtures (``models.csv``, ``organisations.csv``, ``benchmarks.csv``,
``papers.csv``; see ``fixtures/PROVENANCE.md``) are produced once by
``fixtures/build.py`` from public snapshots of Epoch AI, LMArena and papercopilot data.
This module only reads them, with the standard ``csv`` module, and turns them into a
:class:`~rankings.table.ContributorTable` under a :class:`Lens`: a year window, a
counting rule, an Epoch snapshot, a grouping of organisational units and a choice
between contributors and countries as rows.

Missing is never silently zero: a contributor with no benchmark entry gets NaN, and
venue metrics are NaN for years the venue sample does not cover. Counts of models or
papers are 0 when a registry organisation simply has none in the window.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import warnings
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

import rankings
from rankings.errors import DataError, LensError, RankingsWarning, UnknownNameError
from rankings.table import ContributorTable, MetricSpec

__all__ = [
    "SNAPSHOTS", "COUNTINGS", "GROUPINGS", "BY", "NAMED_CONTRIBUTORS", "METRIC_NAMES", "Lens", "DEFAULT_LENS",
    "Problem", "ModelRecord", "parse_years", "fixtures_dir", "load_default", "load_model_records",
    "metric_sources", "validate_file", "registry_units", "arena_snapshot_for",
]

SNAPSHOTS: tuple[str, ...] = ("2024-12", "2025-12", "2026-07")
"""Epoch notable-model snapshots in the fixtures, oldest first (month of the copy)."""
COUNTINGS: tuple[str, ...] = ("full", "fractional")
GROUPINGS: tuple[str, ...] = ("merged", "split")
BY: tuple[str, ...] = ("contributor", "country")

NAMED_CONTRIBUTORS: tuple[str, ...] = (
    "OpenAI", "Google", "Alibaba", "Meta", "Microsoft", "Anthropic", "DeepSeek", "Tencent", "ByteDance",
    "Baidu", "Mistral AI", "xAI", "NVIDIA", "Amazon", "Apple", "Zhipu AI", "Moonshot AI", "MiniMax", "Huawei",
    "Tsinghua University", "Stanford University",
)
"""Registry units always given a row (after grouping), with or without recent models."""

ROW_YEARS: tuple[int, int] = (2023, 2025)
"""A registry organisation gets a row if it has a notable model in these years (or is named)."""

METRIC_NAMES: tuple[str, ...] = (
    "notable_models", "open_weight_models", "model_citations", "frontier_eci", "arena_score",
    "venue_papers", "venue_citations",
)
COUNTRY_METRICS: tuple[str, ...] = (
    "notable_models", "open_weight_models", "model_citations", "frontier_eci", "arena_score",
)

VENUES: dict[int, str] = {2024: "AISTATS, COLM, CoRL, ICML, IJCAI, NAACL, UAI",
                          2025: "AISTATS, COLING, COLM, CoRL, WWW"}
"""Venues in the papercopilot sample, by year (see fixtures/PROVENANCE.md)."""

ECI_SNAPSHOT = "2026-03-09"
ARENA_SNAPSHOTS: tuple[str, ...] = ("2025-12-31", "2026-02-09", "2026-07-30")
ARENA_MAX_LAG_DAYS = 92
"""An Arena board read more than this many days after the window's end is not used."""

EPOCH_LICENCE = "CC BY 4.0; credit: Epoch AI, 'Data on AI Models', epoch.ai/data/ai-models"
ARENA_LICENCE = "no licence stated (third-party scrape of the LMArena text leaderboard)"
PAPERS_LICENCE = "no licence file in papercopilot/paperlists (scraped conference metadata)"

FIXTURE_FILES: tuple[str, ...] = ("models.csv", "organisations.csv", "benchmarks.csv", "papers.csv")
MODEL_REQUIRED: tuple[str, ...] = ("model", "organizations", "publication_date")
MODEL_OPTIONAL: tuple[str, ...] = ("snapshot", "countries", "open_weights", "citations")

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


# ---------------------------------------------------------------------------------------
# Lens
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Lens:
    """How the default dataset is read.

    Parameters
    ----------
    years : (int, int)
        Inclusive range of publication years.
    counting : {"full", "fractional"}
        ``full``: a model (or paper) counts 1 for each contributor on it. ``fractional``:
        a model with k organisations counts 1/k for each; a paper counts each
        organisation's share of its listed authors.
    snapshot : {"2024-12", "2025-12", "2026-07"}
        Which Epoch notable-model snapshot to read.
    grouping : str
        ``merged`` (units roll up to their registry group: Google DeepMind and Google
        Research count as Google), ``split`` (units as they are), or a path to a CSV with
        columns ``unit,group`` that overrides the registry group of the units it lists.
    by : {"contributor", "country"}
        Rows are contributors or countries.
    """

    years: tuple[int, int] = (2025, 2025)
    counting: str = "full"
    snapshot: str = "2026-07"
    grouping: str = "merged"
    by: str = "contributor"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["years"] = list(self.years)
        return out


DEFAULT_LENS = Lens()


def parse_years(text: str) -> tuple[int, int]:
    """Parse ``"2025"`` or ``"2023-2025"`` (also ``2023:2025``, ``2023..2025``) into a range."""
    raw = str(text).strip()
    match = re.fullmatch(r"(\d{4})(?:\s*(?:-|:|\.\.|–|to)\s*(\d{4}))?", raw)
    if not match:
        raise LensError(f"years must be a year or a range like 2023-2025 (got {raw!r})")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last < first:
        raise LensError(f"years must run from the earlier to the later year (got {raw!r})")
    return (first, last)


# ---------------------------------------------------------------------------------------
# Reading the fixtures (cached)
# ---------------------------------------------------------------------------------------

def fixtures_dir() -> Path:
    """Folder holding the fixture CSVs: the wheel's ``rankings/_fixtures`` or ``<repo>/fixtures``."""
    package = Path(rankings.__file__).resolve().parent
    for candidate in (package / "_fixtures", package.parent / "fixtures"):
        if (candidate / "models.csv").is_file():
            return candidate
    raise DataError(
        f"default dataset fixtures must be installed (looked in {package / '_fixtures'} and {package.parent / 'fixtures'})"
    )


@cache
def _rows(name: str) -> tuple[dict[str, str], ...]:
    path = fixtures_dir() / name
    with path.open(newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


class _Registry(NamedTuple):
    group: dict[str, str]        # unit -> registry group
    country: dict[str, str]
    sector: dict[str, str]
    alias: dict[str, str]        # folded spelling -> unit


def _fold(text: str) -> str:
    return " ".join(str(text).replace("\u2019", "'").split()).casefold()


@cache
def _registry() -> _Registry:
    group, country, sector, alias = {}, {}, {}, {}
    for row in _rows("organisations.csv"):
        name = row["name"]
        group[name] = row["group"] or name
        country[name] = row["country"]
        sector[name] = row["sector"]
        alias[_fold(name)] = name
        for spelling in filter(None, row["aliases"].split("|")):
            alias.setdefault(_fold(spelling), name)
    return _Registry(group, country, sector, alias)


def closest_units(raw: str, n: int = 3) -> list[str]:
    """Registry units whose name or an alias is closest to ``raw`` (for error messages)."""
    reg = _registry()
    folded = _fold(raw)
    spelled = difflib.get_close_matches(folded, list(reg.alias), n=n * 3, cutoff=0.5)
    out = list(dict.fromkeys(reg.alias[a] for a in spelled))
    if len(out) < n:
        words = [w for w in folded.split() if len(w) > 2]
        for alias, unit in reg.alias.items():
            if unit not in out and any(difflib.get_close_matches(w, alias.split(), n=1, cutoff=0.8) for w in words):
                out.append(unit)
            if len(out) >= n:
                break
    return out[:n]


def registry_units() -> tuple[str, ...]:
    """Every canonical unit name in the organisation registry."""
    return tuple(sorted(_registry().group))


class ModelRecord(NamedTuple):
    """One notable model as the lens code sees it."""

    model: str
    units: tuple[str, ...]
    year: int
    date: str
    countries: tuple[str, ...]
    open_weights: float     # 1.0, 0.0, or NaN when unknown
    citations: float        # NaN when missing


@cache
def _default_models() -> dict[str, tuple[ModelRecord, ...]]:
    out: dict[str, list[ModelRecord]] = {s: [] for s in SNAPSHOTS}
    for row in _rows("models.csv"):
        out[row["snapshot"]].append(ModelRecord(
            model=row["model"],
            units=tuple(filter(None, row["organizations"].split(";"))),
            year=int(row["year"]),
            date=row["publication_date"],
            countries=tuple(filter(None, row["countries"].split(";"))),
            open_weights=1.0 if row["open_weights"] == "true" else 0.0,
            citations=float(row["citations"]) if row["citations"] else math.nan,
        ))
    return {k: tuple(v) for k, v in out.items()}


class _Bench(NamedTuple):
    units: tuple[str, ...]
    date: str
    score: float
    low: float
    high: float
    model: str


@cache
def _benchmarks() -> dict[tuple[str, str], tuple[_Bench, ...]]:
    """(benchmark, snapshot) -> entries usable for metrics (arena: non-preliminary only)."""
    out: dict[tuple[str, str], list[_Bench]] = defaultdict(list)
    for row in _rows("benchmarks.csv"):
        if row["preliminary"] == "true":
            continue
        units = tuple(filter(None, row["organizations"].split(";")))
        if not units:
            continue
        low = float(row["low"]) if row["low"] else math.nan
        high = float(row["high"]) if row["high"] else math.nan
        out[(row["benchmark"], row["snapshot"])].append(
            _Bench(units, row["release_date"], float(row["score"]), low, high, row["model"]))
    return {k: tuple(v) for k, v in out.items()}


class _Paper(NamedTuple):
    year: int
    venue: str
    shares: tuple[tuple[str, float], ...]   # unit, share of listed authors
    citations: float


@cache
def _papers() -> tuple[tuple[_Paper, ...], frozenset[int], frozenset[int], tuple[str, ...]]:
    papers = []
    cited_years: set[int] = set()
    cited_venues: set[str] = set()
    years: set[int] = set()
    for row in _rows("papers.csv"):
        n = int(row["n_affiliations"])
        shares = []
        for part in row["org_author_counts"].split(";"):
            unit, _, count = part.rpartition(":")
            shares.append((unit, int(count) / n))
        cites = float(row["gs_citations"]) if row["gs_citations"] else math.nan
        year = int(row["year"])
        years.add(year)
        if not math.isnan(cites):
            cited_years.add(year)
            cited_venues.add(f"{row['venue']} {year}")
        papers.append(_Paper(year, row["venue"], tuple(shares), cites))
    return tuple(papers), frozenset(years), frozenset(cited_years), tuple(sorted(cited_venues))


# ---------------------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------------------

@lru_cache(maxsize=32)
def _grouping_file(path_text: str, mtime: float) -> dict[str, str]:
    path = Path(path_text)
    reg = _registry()
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            rows = [r for r in reader]
    except UnicodeDecodeError:
        raise DataError(f"grouping file {path}: must be UTF-8 CSV text") from None
    if not rows:
        raise DataError(f"grouping file {path}: must have a header 'unit,group' (got an empty file)")
    header = [h.strip().lower() for h in rows[0]]
    for col in ("unit", "group"):
        if col not in header:
            raise DataError(f"grouping file {path}: row 1 must name a column {col!r} (got {', '.join(rows[0])})")
    iu, ig = header.index("unit"), header.index("group")
    mapping: dict[str, str] = {}
    for r, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(iu, ig):
            raise DataError(f"grouping file {path}: row {r} must have {len(header)} cells (got {len(row)})")
        raw, group = row[iu].strip(), row[ig].strip()
        unit = reg.alias.get(_fold(raw))
        if unit is None:
            close = difflib.get_close_matches(raw, list(reg.group), n=3, cutoff=0.6)
            hint = f"; closest: {', '.join(close)}" if close else ""
            raise DataError(f"grouping file {path}: row {r}, column 'unit' must name a registry organisation (got {raw!r}{hint})")
        if not group:
            raise DataError(f"grouping file {path}: row {r}, column 'group' must not be empty (unit {raw!r})")
        if unit in mapping:
            raise DataError(f"grouping file {path}: row {r}, column 'unit' must list each unit once (got {raw!r} again)")
        mapping[unit] = group
    return mapping


def _grouper(grouping: str):
    """A function unit -> contributor name for the lens grouping."""
    reg = _registry()
    if grouping == "split":
        return lambda unit: unit
    if grouping == "merged":
        return lambda unit: reg.group.get(unit, unit)
    path = Path(grouping)
    if not path.is_file():
        raise LensError(f"grouping must be 'merged', 'split' or a path to a unit,group CSV (got {grouping!r}, not a file)")
    override = _grouping_file(str(path.resolve()), path.stat().st_mtime)
    return lambda unit: override.get(unit, reg.group.get(unit, unit))


# ---------------------------------------------------------------------------------------
# User model-record files
# ---------------------------------------------------------------------------------------

def _parse_date(text: str) -> str | None:
    m = _DATE.match(text.strip())
    if not m:
        return None
    y, mo, d = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _resolve_unit(raw: str) -> str | None:
    return _registry().alias.get(_fold(raw))


def load_model_records(path: str | Path, *, snapshot: str | None = None) -> tuple[ModelRecord, ...]:
    """Read a user's own model-record CSV.

    Required columns: ``model``, ``organizations`` (``;``-separated; registry names or
    any alias, and commas also accepted when there is no ``;``), ``publication_date``
    (``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``). Optional: ``snapshot`` (when present,
    only rows of ``snapshot`` are kept if one is given), ``countries`` (``;``-separated;
    defaults to the registry countries of the organisations), ``open_weights``
    (true/false; without the column ``open_weight_models`` is missing), ``citations``
    (empty = missing). Organisations not in the registry are kept as contributors of
    their own. Any problem :func:`validate_file` finds other than an unknown
    organisation raises :class:`DataError` naming the first few.
    """
    path = Path(path)
    problems = [p for p in validate_file(path) if not p.message.startswith("unknown organisation")]
    if problems:
        shown = "; ".join(str(p) for p in problems[:3])
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise DataError(f"{path}: model records must be valid: {shown}{more}")
    reg = _registry()
    unknown: dict[str, list[str]] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        header = {h.strip().lower(): h for h in (reader.fieldnames or [])}
        records = []
        for row in reader:
            get = lambda col, row=row: (row.get(header[col]) or "").strip() if col in header else ""  # noqa: E731
            if not any((v or "").strip() for v in row.values()):
                continue
            if snapshot is not None and "snapshot" in header and get("snapshot") not in ("", snapshot):
                continue
            orgs_text = get("organizations")
            sep = ";" if ";" in orgs_text else ","
            units = []
            for raw in filter(None, (p.strip() for p in orgs_text.split(sep))):
                unit = _resolve_unit(raw)
                if unit is None:
                    unknown.setdefault(raw, closest_units(raw))
                    unit = raw
                if unit not in units:
                    units.append(unit)
            date = _parse_date(get("publication_date")) or ""
            if "countries" in header and get("countries"):
                countries = tuple(dict.fromkeys(c.strip() for c in get("countries").split(";") if c.strip()))
            else:
                countries = tuple(dict.fromkeys(reg.country[u] for u in units if reg.country.get(u)))
            if "open_weights" in header:
                open_weights = 1.0 if get("open_weights").lower() in _TRUE else 0.0
            else:
                open_weights = math.nan
            cites = get("citations")
            records.append(ModelRecord(get("model"), tuple(units), int(date[:4]), date, countries, open_weights,
                                       float(cites) if cites else math.nan))
    if not records:
        raise DataError(f"{path}: model records must hold at least one model (got none{' for snapshot ' + snapshot if snapshot else ''})")
    if unknown:
        listed = "; ".join(f"{raw!r}" + (f" (closest known: {', '.join(close)})" if close else "")
                           for raw, close in list(unknown.items())[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        warnings.warn(f"{path}: {len(unknown)} organisation(s) are not in the registry and count as contributors "
                      f"of their own: {listed}{more}", RankingsWarning, stacklevel=2)
    return tuple(records)


# ---------------------------------------------------------------------------------------
# Metric specs and sources
# ---------------------------------------------------------------------------------------

def arena_snapshot_for(last_year: int) -> str | None:
    """The Arena board read for a window ending in ``last_year``.

    The earliest snapshot on or after 31 December of ``last_year``; if every snapshot is
    earlier (a window still running past our newest data), the newest one. A board taken
    more than :data:`ARENA_MAX_LAG_DAYS` after the window's end rates models released
    long after it, so none is used (``None``): 2025 reads 2025-12-31, 2026 reads
    2026-07-30, and 2024 or earlier has no Arena value.
    """
    from datetime import date

    end = date(last_year, 12, 31)
    dates = [date.fromisoformat(s) for s in ARENA_SNAPSHOTS]
    after = [d for d in dates if d >= end]
    if not after:
        return ARENA_SNAPSHOTS[-1]
    chosen = min(after)
    if (chosen - end).days > ARENA_MAX_LAG_DAYS:
        return None
    return chosen.isoformat()


def _venue_years(lens: Lens) -> tuple[list[int], list[int]]:
    _, years, cited, _ = _papers()
    window = range(lens.years[0], lens.years[1] + 1)
    return [y for y in window if y in years], [y for y in window if y in cited]


def metric_sources(lens: Lens = DEFAULT_LENS) -> list[dict[str, Any]]:
    """One dict per metric: what it is, where it comes from, its licence and snapshot."""
    y0, y1 = lens.years
    yr = f"{y0}" if y0 == y1 else f"{y0}-{y1}"
    frac = "1/k for each of a model's k organisations" if lens.counting == "fractional" else "1 for each organisation on the model"
    arena = arena_snapshot_for(y1)
    vy, cy = _venue_years(lens)
    venue_list = "; ".join(f"{y}: {VENUES.get(y, 'see papers.csv')}" for y in vy)
    epoch_file = f"notable_ai_models__snap{lens.snapshot}.csv (fixtures/models.csv)"
    out: list[dict[str, Any]] = [
        dict(name="notable_models", kind="count", unit="models", direction="max", proxy=False,
             description=f"Epoch notable AI models published in {yr}, counting {frac}",
             sources=[epoch_file], snapshot=lens.snapshot, licence=EPOCH_LICENCE),
        dict(name="open_weight_models", kind="count", unit="models", direction="max", proxy=False,
             description=f"notable models published in {yr} whose weights are downloadable (Epoch 'Open model weights?', "
                         f"or 'Model accessibility' starting 'Open weights'), counting {frac}",
             sources=[epoch_file], snapshot=lens.snapshot, licence=EPOCH_LICENCE),
        dict(name="model_citations", kind="count", unit="citations", direction="max", proxy=True,
             description=f"citations of the papers behind the notable models of {yr} (Epoch 'Citations'); partial: many "
                         "industry models have no paper and no count, so this undercounts industry labs; missing when "
                         "none of a contributor's models has a count",
             sources=[epoch_file], snapshot=lens.snapshot, licence=EPOCH_LICENCE),
        dict(name="frontier_eci", kind="index", unit="ECI points", direction="max", proxy=False,
             description=f"best Epoch Capabilities Index of any model of the contributor released by {y1}-12-31 "
                         "(missing if none)",
             sources=["epoch_capabilities_index__snap2026-03-09.csv (fixtures/benchmarks.csv)"],
             snapshot=ECI_SNAPSHOT, licence=EPOCH_LICENCE),
        dict(name="arena_score", kind="score", unit="Arena rating", direction="max", proxy=False,
             description=(f"best non-preliminary LMArena text rating at the {arena} board, with its 95% interval"
                          if arena else f"LMArena text rating: no board within {ARENA_MAX_LAG_DAYS} days after "
                          f"{y1}-12-31, so missing for every contributor"),
             sources=[f"lmarena_text_leaderboard__{arena}.csv (fixtures/benchmarks.csv)" if arena else "none"],
             snapshot=arena or "", licence=ARENA_LICENCE),
        dict(name="venue_papers", kind="count", unit="papers", direction="max", proxy=True,
             description=(f"papers at the sampled venues ({venue_list}) "
                          "with an author of the contributor"
                          + (", counted by author share" if lens.counting == "fractional" else "")
                          + "; a sample of venues, not a census") if vy else
                         f"papers at the sampled venues: no venue data for {yr}, so missing",
             sources=["papercopilot_2024_2025_selected_venues.csv (fixtures/papers.csv)"],
             snapshot="2025-06", licence=PAPERS_LICENCE),
        dict(name="venue_citations", kind="count", unit="citations", direction="max", proxy=True,
             description=(f"Google-Scholar citations (scraped about 2025-06) of those venue papers from "
                          f"{', '.join(v for v in _papers()[3] if int(v[-4:]) in cy)} (the only venue-years with counts; "
                          "papers Google Scholar did not find are left out)"
                          + (", weighted by author share" if lens.counting == "fractional" else "")) if cy else
                         f"Google-Scholar citations of venue papers: none recorded for {yr}, so missing",
             sources=["papercopilot_2024_2025_selected_venues.csv (fixtures/papers.csv)"],
             snapshot="2025-06", licence=PAPERS_LICENCE),
    ]
    if lens.by == "country":
        out = [d for d in out if d["name"] in COUNTRY_METRICS]
        for d in out:
            if d["name"] in ("frontier_eci", "arena_score"):
                d["description"] += "; by country: the best over the organisations registered in that country"
            else:
                d["description"] += "; by country: a model counts for each of its countries (1/k under fractional)"
    return out


def _specs(lens: Lens) -> tuple[MetricSpec, ...]:
    return tuple(
        MetricSpec(name=d["name"], direction=d["direction"], kind=d["kind"], unit=d["unit"],
                   description=d["description"], source="; ".join(d["sources"]) + f" [{d['licence']}]",
                   proxy=d["proxy"])
        for d in metric_sources(lens)
    )


# ---------------------------------------------------------------------------------------
# Building the table
# ---------------------------------------------------------------------------------------

def _check_lens(lens: Lens) -> None:
    if lens.snapshot not in SNAPSHOTS:
        raise UnknownNameError("snapshot", str(lens.snapshot), SNAPSHOTS)
    if lens.counting not in COUNTINGS:
        raise LensError(f"counting must be 'full' or 'fractional' (got {lens.counting!r})")
    if lens.by not in BY:
        raise LensError(f"by must be 'contributor' or 'country' (got {lens.by!r})")
    years = lens.years
    if (not isinstance(years, tuple | list) or len(years) != 2
            or not all(isinstance(y, int | np.integer) and not isinstance(y, bool) for y in years)):
        raise LensError(f"years must be a pair of integers (got {years!r})")
    if years[1] < years[0]:
        raise LensError(f"years must run from the earlier to the later year (got {years[0]}-{years[1]})")


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
        records = _default_models()[lens.snapshot]
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
    cutoff = f"{y1}-12-31"
    eci = values[:, col["frontier_eci"]]
    for entry in bench.get(("eci", ECI_SNAPSHOT), ()):
        if not entry.date or entry.date > cutoff:
            continue
        for key in keys_of_units(entry.units):
            i = index.get(key)
            if i is not None and not (entry.score <= eci[i]):
                eci[i] = entry.score
    arena_snap = arena_snapshot_for(y1)
    low = np.full(len(names), np.nan)
    high = np.full(len(names), np.nan)
    if arena_snap is not None:
        arena = values[:, col["arena_score"]]
        # Sorted so that ties between equal scores resolve the same way every time.
        for entry in sorted(bench.get(("arena_text", arena_snap), ()), key=lambda e: (-e.score, e.high - e.low, e.model)):
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
        values[:, col["venue_citations"]] = pcites if cy else np.nan

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
    intervals = {"arena_score": (low, high)}
    return ContributorTable(contributors=tuple(names), metrics=_specs(lens), values=values,
                            attributes=attributes, intervals=intervals, label=label, lens=lens.to_dict())


# ---------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One problem in a data file: where (1-based file row, column) and what."""

    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        return (", ".join(where) + ": " if where else "") + self.message


_COUNT_HINTS = ("count", "models", "papers", "citations", "patents", "pubs")


def validate_file(path: str | Path) -> list[Problem]:
    """Every problem found in a model-record file or a contributor table, by row and column.

    A file whose header has ``model`` and ``organizations`` or ``publication_date`` is
    read as model records; any other CSV as a contributor table (first column, or
    ``contributor``, names the rows). Rows are numbered as in the file (header = 1).
    """
    path = Path(path)
    if not path.is_file():
        return [Problem(None, None, f"file must exist (got {str(path)!r})")]
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except UnicodeDecodeError:
        return [Problem(None, None, "file must be UTF-8 CSV text")]
    except csv.Error as exc:
        return [Problem(None, None, f"file must be readable CSV ({exc})")]
    if not rows or not any(c.strip() for c in rows[0]):
        return [Problem(1, None, "file must start with a header row (got an empty first row)")]
    header = [h.strip() for h in rows[0]]
    lower = [h.lower() for h in header]
    if "model" in lower and ("organizations" in lower or "publication_date" in lower):
        return _validate_models(header, lower, rows)
    return _validate_table(header, lower, rows)


def _validate_models(header: list[str], lower: list[str], rows: list[list[str]]) -> list[Problem]:
    problems: list[Problem] = []
    for col in MODEL_REQUIRED:
        if col not in lower:
            problems.append(Problem(None, col, f"required column is missing (model records need {', '.join(MODEL_REQUIRED)})"))
    pos = {c: lower.index(c) for c in (*MODEL_REQUIRED, *MODEL_OPTIONAL) if c in lower}
    seen: dict[tuple[str, str], int] = {}
    n_data = 0
    for r, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        n_data += 1
        if len(row) != len(header):
            problems.append(Problem(r, None, f"row must have {len(header)} cells (got {len(row)})"))
        get = lambda col, row=row: row[pos[col]].strip() if col in pos and pos[col] < len(row) else ""  # noqa: E731
        if "model" in pos:
            model = get("model")
            if not model:
                problems.append(Problem(r, "model", "model name must not be empty"))
            else:
                key = (get("snapshot"), model.casefold())
                if key in seen:
                    problems.append(Problem(r, "model", f"duplicate model {model!r} (first on row {seen[key]})"))
                else:
                    seen[key] = r
        if "publication_date" in pos:
            text = get("publication_date")
            if not text:
                problems.append(Problem(r, "publication_date", "date must not be empty (YYYY-MM-DD)"))
            elif _parse_date(text) is None:
                problems.append(Problem(r, "publication_date", f"date must be YYYY-MM-DD, YYYY-MM or YYYY (got {text!r})"))
        if "organizations" in pos:
            text = get("organizations")
            if not text:
                problems.append(Problem(r, "organizations", "at least one organisation must be named"))
            sep = ";" if ";" in text else ","
            for raw in filter(None, (p.strip() for p in text.split(sep))):
                if _resolve_unit(raw) is None:
                    close = closest_units(raw)
                    hint = f"; closest known: {', '.join(close)}" if close else ""
                    problems.append(Problem(r, "organizations", f"unknown organisation {raw!r}{hint}"))
        if "open_weights" in pos:
            text = get("open_weights").lower()
            if text not in _TRUE | _FALSE:
                problems.append(Problem(r, "open_weights", f"must be true or false (got {get('open_weights')!r})"))
        if "citations" in pos:
            text = get("citations")
            if text:
                try:
                    value = float(text)
                except ValueError:
                    problems.append(Problem(r, "citations", f"must be a number or empty (got {text!r})"))
                else:
                    if not math.isfinite(value) or value < 0:
                        problems.append(Problem(r, "citations", f"must be a non-negative count (got {text!r})"))
    if n_data == 0:
        problems.append(Problem(None, None, "file must hold at least one model row (got only a header)"))
    return problems


def _validate_table(header: list[str], lower: list[str], rows: list[list[str]]) -> list[Problem]:
    from rankings.table import ATTRIBUTE_COLUMNS

    problems: list[Problem] = []
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        problems.append(Problem(1, dup, "column names must be unique"))
    name_col = lower.index("contributor") if "contributor" in lower else 0
    metric_cols = [j for j, h in enumerate(lower) if j != name_col and h not in ATTRIBUTE_COLUMNS]
    if not metric_cols:
        problems.append(Problem(1, None, "a contributor table needs a name column and at least one metric column"))
    seen: dict[str, int] = {}
    n_data = 0
    for r, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        n_data += 1
        if len(row) != len(header):
            problems.append(Problem(r, None, f"row must have {len(header)} cells (got {len(row)})"))
        name = row[name_col].strip() if name_col < len(row) else ""
        if not name:
            problems.append(Problem(r, header[name_col], "contributor name must not be empty"))
        elif name.casefold() in seen:
            problems.append(Problem(r, header[name_col], f"duplicate contributor {name!r} (first on row {seen[name.casefold()]})"))
        else:
            seen[name.casefold()] = r
        for j in metric_cols:
            if j >= len(row):
                continue
            text = row[j].strip()
            if text == "" or text.upper() in {"NA", "NAN", "N/A"}:
                continue
            try:
                value = float(text.replace("_", ""))
            except ValueError:
                problems.append(Problem(r, header[j], f"must be a number or empty (got {text!r})"))
                continue
            if not math.isfinite(value):
                problems.append(Problem(r, header[j], f"must be finite (got {text!r})"))
            elif value < 0 and (lower[j] in METRIC_NAMES[:3] + METRIC_NAMES[5:] or any(h in lower[j] for h in _COUNT_HINTS)):
                problems.append(Problem(r, header[j], f"a count must be non-negative (got {text!r})"))
    if n_data == 0:
        problems.append(Problem(None, None, "file must hold at least one contributor row (got only a header)"))
    return problems
