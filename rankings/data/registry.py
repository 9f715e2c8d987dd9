"""The organisation registry of the fixtures: units, their groups, countries and sectors.

Also the grouping of units under a lens (``merged``, ``split`` or a user's ``unit,group``
CSV) and the closest-name suggestions for organisation names that are not in it.
"""

from __future__ import annotations

import csv
import difflib
from functools import cache, lru_cache
from pathlib import Path
from typing import NamedTuple

from rankings._paths import _PACKAGE
from rankings.errors import DataError, LensError


def fixtures_dir() -> Path:
    """Folder holding the fixture CSVs: the wheel's ``rankings/_fixtures`` or ``<repo>/fixtures``."""
    package = _PACKAGE
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


