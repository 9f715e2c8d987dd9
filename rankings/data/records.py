"""Records behind the metrics: model, benchmark and paper rows of the fixtures, and users' model files.

The fixture readers are cached (the files do not change while a process runs); a cached
snapshot's files (:mod:`.snapshots`) are read again when they change. A user's
model-record file is read and checked row by row with :func:`load_model_records`.
"""

from __future__ import annotations

import csv
import math
import warnings
from collections import defaultdict
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from rankings.data.lenses import SNAPSHOTS
from rankings.data.registry import _registry, _rows, closest_units
from rankings.data.snapshots import snapshot_folder
from rankings.data.validate import _TRUE, _parse_date, _resolve_unit, validate_file
from rankings.errors import DataError, RankingsWarning

FIXTURE_FILES: tuple[str, ...] = ("models.csv", "organisations.csv", "benchmarks.csv", "papers.csv", "eci_models.csv",
                                   "published_figures.csv")


class ModelRecord(NamedTuple):
    """One notable model as the lens code sees it."""

    model: str
    units: tuple[str, ...]
    year: int
    date: str
    countries: tuple[str, ...]
    open_weights: float     # 1.0, 0.0, or NaN when unknown
    citations: float        # NaN when missing
    criteria: str = ""      # Epoch 'Notability criteria'
    accessibility: str = ""  # Epoch 'Model accessibility'


def _model_record(row: dict[str, str]) -> ModelRecord:
    """One row of the ``models.csv`` layout as a :class:`ModelRecord`."""
    return ModelRecord(
        model=row["model"],
        units=tuple(filter(None, row["organizations"].split(";"))),
        year=int(row["year"]),
        date=row["publication_date"],
        countries=tuple(filter(None, row["countries"].split(";"))),
        open_weights=1.0 if row["open_weights"] == "true" else 0.0,
        citations=float(row["citations"]) if row["citations"] else math.nan,
        criteria=row["notability_criteria"],
        accessibility=row["accessibility"],
    )


@cache
def _default_models() -> dict[str, tuple[ModelRecord, ...]]:
    """Packaged snapshot -> its model records."""
    out: dict[str, list[ModelRecord]] = {s: [] for s in SNAPSHOTS}
    for row in _rows("models.csv"):
        out[row["snapshot"]].append(_model_record(row))
    return {k: tuple(v) for k, v in out.items()}


def _cached_file(snapshot: str, name: str) -> tuple[str, tuple[int, int, int]]:
    """(path, (modification time, size, inode)) of a cached snapshot's file: the key of the readers below
    (a refresh under the same label writes a new file, so the key changes)."""
    path = snapshot_folder(snapshot) / name
    try:
        stat = path.stat()
        return str(path), (stat.st_mtime_ns, stat.st_size, stat.st_ino)
    except OSError as exc:
        raise DataError(f"cached snapshot {snapshot}: {name} must be readable (got {exc.strerror or exc})") from None


def _read_rows(path: str, what: str) -> list[dict[str, str]]:
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            return list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DataError(f"{what}: {path} must be a readable UTF-8 CSV (got {exc})") from None


@lru_cache(maxsize=8)
def _cached_models(path: str, stamp: tuple[int, int, int]) -> tuple[ModelRecord, ...]:
    try:
        return tuple(_model_record(row) for row in _read_rows(path, "cached snapshot"))
    except (KeyError, ValueError) as exc:
        raise DataError(f"cached snapshot: {path} must have the columns of fixtures/models.csv (got {exc})") from None


def _snapshot_models(snapshot: str) -> tuple[ModelRecord, ...]:
    """The model records of a packaged or cached snapshot (:class:`UnknownNameError` for any other)."""
    packaged = _default_models()
    if snapshot in packaged:
        return packaged[snapshot]
    return _cached_models(*_cached_file(snapshot, "models.csv"))


def _snapshot_end(snapshot: str) -> str:
    """Publication date of the newest model record of a packaged or cached snapshot."""
    if snapshot in SNAPSHOTS:
        return _data_end()[snapshot]
    return max((r.date for r in _snapshot_models(snapshot)), default="")


class _Bench(NamedTuple):
    units: tuple[str, ...]
    date: str
    score: float
    low: float
    high: float
    model: str


@cache
def _data_end() -> dict[str, str]:
    """Snapshot -> publication date of its newest model record."""
    return {snap: max((r.date for r in recs), default="") for snap, recs in _default_models().items()}


def _bench_entries(rows: list[dict[str, str]] | tuple[dict[str, str], ...]) -> dict[tuple[str, str], tuple[_Bench, ...]]:
    out: dict[tuple[str, str], list[_Bench]] = defaultdict(list)
    for row in rows:
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


@cache
def _benchmarks() -> dict[tuple[str, str], tuple[_Bench, ...]]:
    """(benchmark, snapshot) -> entries usable for metrics (arena: non-preliminary only)."""
    return _bench_entries(_rows("benchmarks.csv"))


@lru_cache(maxsize=8)
def _cached_bench(path: str, stamp: tuple[int, int, int]) -> tuple[_Bench, ...]:
    try:
        entries = _bench_entries(_read_rows(path, "cached snapshot"))
    except (KeyError, ValueError) as exc:
        raise DataError(f"cached snapshot: {path} must have the columns of fixtures/benchmarks.csv (got {exc})") from None
    return tuple(e for (bench, _), group in sorted(entries.items()) if bench == "eci" for e in group)


def _cached_eci(snapshot: str) -> tuple[_Bench, ...]:
    """The ECI entries of a cached snapshot (its own benchmarked-models download)."""
    return _cached_bench(*_cached_file(snapshot, "benchmarks.csv"))


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
            shares.append((unit, float(count) / n))  # an author with k affiliations gives each 1/k
        cites = float(row["gs_citations"]) if row["gs_citations"] else math.nan
        year = int(row["year"])
        years.add(year)
        if not math.isnan(cites):
            cited_years.add(year)
            cited_venues.add(f"{row['venue']} {year}")
        papers.append(_Paper(year, row["venue"], tuple(shares), cites))
    return tuple(papers), frozenset(years), frozenset(cited_years), tuple(sorted(cited_venues))


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




class _EciModel(NamedTuple):
    """One Epoch model with an ECI (``eci_models.csv``): its accessibility and matched price."""

    model: str
    units: tuple[str, ...]
    countries: tuple[str, ...]   # Epoch's 'Country (of organization)', long names shortened as in models.csv
    open_weights: float          # 1.0, 0.0, or NaN when Epoch states no accessibility
    accessibility: str
    price_key: str               # "" when no rule matched a catalogue key
    price_provider: str
    price_rule: str              # first-party | third-party | ""
    output_price: float          # USD per million output tokens; NaN when unmatched
    input_price: float


@cache
def _eci_models() -> dict[str, _EciModel]:
    """Epoch model name -> its row of ``eci_models.csv`` (the packaged ECI snapshot)."""
    out = {}
    for row in _rows("eci_models.csv"):
        opened = {"true": 1.0, "false": 0.0}.get(row["open_weights"], math.nan)
        out[row["model"]] = _EciModel(
            row["model"], tuple(filter(None, row["organizations"].split(";"))),
            tuple(filter(None, row["countries"].split(";"))), opened, row["accessibility"],
            row["price_key"], row["price_provider"], row["price_rule"],
            float(row["output_usd_per_mtok"]) if row["output_usd_per_mtok"] else math.nan,
            float(row["input_usd_per_mtok"]) if row["input_usd_per_mtok"] else math.nan)
    return out
