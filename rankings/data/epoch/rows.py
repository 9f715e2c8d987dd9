"""The model and benchmark steps of the fixture build, shared by ``fixtures/build.py`` and
:mod:`rankings.data.refresh`.

:func:`model_rows` turns one Epoch notable-models table into rows of ``models.csv``;
:func:`eci_rows` turns Epoch's benchmarked-models table into the ``eci`` rows of
``benchmarks.csv``. A :class:`Registry` maps raw organisation spellings to units (the
hand-written :data:`~rankings.data.epoch.units.REGISTRY`, grown with unknown spellings)
and collects country and sector votes. Output is deterministic: fixed float formats, no
clock, no locale. :data:`NOTABLE_COLUMNS` and :data:`ECI_COLUMNS` are the Epoch columns
these steps read.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from rankings.data.epoch.units import COUNTRY_NAMES, RC, REGISTRY, A, G, I


def norm(text: str) -> str:
    """Key for comparing organisation spellings: case-folded, single-spaced."""
    return " ".join(str(text).replace("\u2019", "'").split()).casefold()


# ---------------------------------------------------------------------------------------
# Formatting helpers (fixed, locale-free)
# ---------------------------------------------------------------------------------------

def fmt_float(x: float | None, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    text = f"{float(x):.{digits}f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def fmt_int(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return str(int(round(float(x))))


def cell(x: Any) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return " ".join(str(x).split())


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def split_list(text: Any, sep: str = ",") -> list[str]:
    if not isinstance(text, str):
        return []
    return [p.strip() for p in text.split(sep) if p.strip()]


def dedup(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


# ---------------------------------------------------------------------------------------
# The registry of the build
# ---------------------------------------------------------------------------------------

class Registry:
    """Raw spelling -> canonical unit, grown as the sources are read."""

    def __init__(self) -> None:
        self.units: dict[str, dict[str, Any]] = {}
        self.by_alias: dict[str, str] = {}
        for name, (aliases, domains, group, country, sector) in REGISTRY.items():
            self.units[name] = {"aliases": set(), "domains": list(domains), "group": group,
                                "country": country, "sector": sector, "manual": True}
            for spelling in [name, *aliases]:
                key = norm(spelling)
                if key in self.by_alias and self.by_alias[key] != name:
                    raise SystemExit(f"alias {spelling!r} given to both {self.by_alias[key]!r} and {name!r}")
                self.by_alias[key] = name
            self.units[name]["aliases"].update(aliases)
        self.country_votes: dict[str, Counter[str]] = defaultdict(Counter)
        self.sector_votes: dict[str, Counter[str]] = defaultdict(Counter)

    def unit(self, raw: str) -> str:
        """Canonical unit of a raw spelling; unknown spellings become units of their own."""
        raw = " ".join(raw.split())
        key = norm(raw)
        name = self.by_alias.get(key)
        if name is None:
            name = raw
            self.by_alias[key] = name
            self.units[name] = {"aliases": set(), "domains": [], "group": name,
                                "country": "", "sector": "", "manual": False}
        if raw != name:
            self.units[name]["aliases"].add(raw)
        return name


SECTOR_NAMES = {"industry": I, "academia": A, "government": G, "research collective": RC}


# ---------------------------------------------------------------------------------------
# The model and ECI steps
# ---------------------------------------------------------------------------------------

COUNTRY_COLUMNS: tuple[str, ...] = ("Country (of organization)", "Country (from Organization)")
"""Epoch's country column, newest layout first (2024-12 and older use the second name)."""

NOTABLE_COLUMNS: tuple[str, ...] = ("Model", "Organization", "Publication date", "Organization categorization",
                                    "Model accessibility", "Citations", "Notability criteria")
"""Columns of an Epoch notable-models file the model step reads (plus one of :data:`COUNTRY_COLUMNS`;
``Open model weights?`` is read when present)."""

ECI_COLUMNS: tuple[str, ...] = ("Model", "id_model_version", "Display name", "Organization", "Version release date",
                                "Publication date", "eci", "eci_ci_low", "eci_ci_high")
"""Columns of Epoch's benchmarked-models file the ECI step reads."""


def read_epoch(path: str | Path) -> pd.DataFrame:
    """An Epoch CSV as the steps read it: every cell a string, empty cells empty."""
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def model_rows(frame: pd.DataFrame, snap: str, country_col: str, reg: Registry,
               weight: int = 1) -> tuple[list[list[str]], int]:
    """Rows of ``models.csv`` for one notable-models table (read with ``dtype=str``,
    ``keep_default_na=False``), unsorted, and the number of rows dropped for want of a
    date. Country and sector votes of ``weight`` go to ``reg``."""
    rows = []
    dropped = 0
    for rec in frame.to_dict("records"):
        date = rec["Publication date"].strip()
        try:
            iso = pd.Timestamp(date).strftime("%Y-%m-%d") if date else ""
        except ValueError:
            iso = ""
        if not iso:
            dropped += 1
            continue
        raw_orgs = split_list(rec["Organization"])
        units = dedup(reg.unit(o) for o in raw_orgs)
        countries_raw = split_list(rec[country_col])
        countries = dedup(COUNTRY_NAMES.get(c, c) for c in countries_raw)
        sectors = [SECTOR_NAMES.get(s.casefold(), s.casefold()) for s in split_list(rec["Organization categorization"])]
        if raw_orgs and len(countries_raw) == len(raw_orgs):
            for o, c in zip(raw_orgs, countries_raw):
                reg.country_votes[reg.unit(o)][COUNTRY_NAMES.get(c, c)] += weight
        elif len(countries) == 1:
            for u in units:
                reg.country_votes[u][countries[0]] += weight
        if raw_orgs and len(sectors) == len(raw_orgs):
            for o, s in zip(raw_orgs, sectors):
                reg.sector_votes[reg.unit(o)][s] += weight
        elif len(set(sectors)) == 1:
            for u in units:
                reg.sector_votes[u][sectors[0]] += weight
        if "Open model weights?" in frame.columns and rec["Open model weights?"].strip():
            open_weights = rec["Open model weights?"].strip().lower() == "yes"
        else:
            open_weights = rec["Model accessibility"].strip().lower().startswith("open weights")
        citations = rec["Citations"].strip()
        rows.append([
            snap, cell(rec["Model"]), ";".join(units), cell(rec["Organization"]), iso, iso[:4],
            ";".join(countries), "true" if open_weights else "false", cell(rec["Model accessibility"]),
            fmt_int(float(citations)) if citations else "", cell(rec["Notability criteria"]),
            cell(rec["Organization categorization"]),
        ])
    return rows, dropped


MODEL_HEADER = ["snapshot", "model", "organizations", "organizations_raw", "publication_date", "year",
                "countries", "open_weights", "accessibility", "citations", "notability_criteria",
                "organization_categorization"]


def eci_rows(frame: pd.DataFrame, snap: str, reg: Registry) -> list[list[str]]:
    """The ``eci`` rows of ``benchmarks.csv`` for Epoch's benchmarked-models table, unsorted."""
    rows = []
    for rec in frame.to_dict("records"):
        score = rec["eci"].strip()
        if not score:
            continue  # model versions listed without an index value
        orgs = dedup(reg.unit(o) for o in split_list(rec["Organization"]))
        date = rec["Version release date"].strip() or rec["Publication date"].strip()
        low, high = rec["eci_ci_low"].strip(), rec["eci_ci_high"].strip()
        rows.append(["eci", snap, cell(rec["id_model_version"]), cell(rec["Display name"] or rec["Model"]),
                     ";".join(orgs), cell(rec["Organization"]), date, fmt_float(float(score)),
                     fmt_float(float(low)) if low else "", fmt_float(float(high)) if high else "", "",
                     f"model {cell(rec['Model'])}"])
    return rows


BENCH_HEADER = ["benchmark", "snapshot", "model", "display_name", "organizations", "organizations_raw",
                "release_date", "score", "low", "high", "preliminary", "note"]

