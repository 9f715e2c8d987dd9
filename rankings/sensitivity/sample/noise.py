"""Data noise: a distribution per cell from an uncertainty file, and/or Poisson noise on every count.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rankings.errors import DataError
from rankings.sampling import make_rng

DISTRIBUTIONS: tuple[str, ...] = ("normal", "lognormal", "poisson", "uniform")
UNCERTAINTY_COLUMNS: tuple[str, ...] = ("contributor", "metric", "distribution", "mean", "sd", "low", "high")
@dataclass(frozen=True)
class CellNoise:
    """A distribution for one cell (row ``i``, metric ``metric``)."""

    contributor: str
    metric: str
    distribution: str
    mean: float = math.nan
    sd: float = math.nan
    low: float = math.nan
    high: float = math.nan


def _cell_number(row: Mapping[str, str], key: str, where: str) -> float:
    text = (row.get(key) or "").strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise DataError(f"{where}: {key} must be a number (got {text!r})") from None
    if not math.isfinite(value):
        raise DataError(f"{where}: {key} must be finite (got {text!r})")
    return value


def read_uncertainty(path: str | Path, contributors: Sequence[str], metrics: Sequence[str]) -> tuple[CellNoise, ...]:
    """Read an uncertainty file (CSV: contributor,metric,distribution,mean,sd,low,high).

    ``normal``: mean, sd (sd >= 0). ``lognormal``: value = exp(N(mean, sd)). ``poisson``:
    mean >= 0. ``uniform``: low <= high. Errors are one line and name the row.
    """
    from rankings.errors import UnknownNameError

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"uncertainty file must exist (got {str(path)!r})") from None
    except (IsADirectoryError, UnicodeDecodeError):
        raise DataError(f"uncertainty file must be a UTF-8 CSV file (got {str(path)!r})") from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("contributor", "metric", "distribution") if c not in header]
    if missing:
        raise DataError(f"uncertainty file {path.name} must have columns {', '.join(UNCERTAINTY_COLUMNS)} "
                        f"(missing {', '.join(missing)})")
    unknown_cols = [h for h in header if h not in UNCERTAINTY_COLUMNS]
    if unknown_cols:
        raise DataError(f"uncertainty file {path.name}: column must be one of {', '.join(UNCERTAINTY_COLUMNS)} "
                        f"(got {unknown_cols[0]!r})")
    cells: list[CellNoise] = []
    seen: set[tuple[str, str]] = set()
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip(): (v or "") for k, v in raw.items()}
        where = f"uncertainty file {path.name} line {line}"
        name = row["contributor"].strip()
        metric = row["metric"].strip()
        dist = row["distribution"].strip().lower()
        if name not in contributors:
            raise UnknownNameError("contributor", name, contributors).with_prefix(f"{where}:")
        if metric not in metrics:
            raise UnknownNameError("metric", metric, metrics).with_prefix(f"{where}:")
        if dist not in DISTRIBUTIONS:
            raise DataError(f"{where}: distribution must be one of {', '.join(DISTRIBUTIONS)} (got {dist!r})")
        if (name, metric) in seen:
            raise DataError(f"{where}: each cell may appear once (got {name!r}, {metric!r} twice)")
        seen.add((name, metric))
        mean, sd = _cell_number(row, "mean", where), _cell_number(row, "sd", where)
        low, high = _cell_number(row, "low", where), _cell_number(row, "high", where)
        if dist in ("normal", "lognormal"):
            if math.isnan(mean) or math.isnan(sd):
                raise DataError(f"{where}: {dist} needs mean and sd (got mean={row.get('mean', '')!r}, "
                                f"sd={row.get('sd', '')!r})")
            if sd < 0:
                raise DataError(f"{where}: sd must be non-negative (got {sd:g})")
        elif dist == "poisson":
            if math.isnan(mean) or mean < 0:
                raise DataError(f"{where}: poisson mean must be a non-negative number (got {row.get('mean', '')!r})")
        else:
            if math.isnan(low) or math.isnan(high) or low > high:
                raise DataError(f"{where}: uniform needs low <= high (got low={row.get('low', '')!r}, "
                                f"high={row.get('high', '')!r})")
        cells.append(CellNoise(name, metric, dist, mean, sd, low, high))
    if not cells:
        raise DataError(f"uncertainty file {path.name} must list at least one cell (got none)")
    return tuple(cells)


@dataclass(frozen=True)
class DataNoise:
    """Measurement noise applied to a (prepared) table's values in each run.

    ``cells`` come from an uncertainty file; ``poisson`` adds Poisson noise with mean
    equal to the observed value on every count metric (cells listed in the file keep
    their own distribution).
    """

    cells: tuple[CellNoise, ...] = ()
    poisson: bool = False
    source: str | None = None

    @property
    def active(self) -> bool:
        return bool(self.cells) or self.poisson

    def describe(self) -> dict[str, Any]:
        return {"uncertainty_file": self.source, "cells": len(self.cells), "poisson_counts": self.poisson}

    def plan(self, contributors: Sequence[str], metrics: Sequence[str], kinds: Sequence[str],
             table: Any = None) -> NoisePlan:
        """Index the cells against one table's rows and columns (``table`` is not needed here)."""
        row = {c: i for i, c in enumerate(contributors)}
        col = {m: j for j, m in enumerate(metrics)}
        fixed = [(row[c.contributor], col[c.metric], c) for c in self.cells
                 if c.contributor in row and c.metric in col]
        count_cols = tuple(j for j, k in enumerate(kinds) if k == "count") if self.poisson else ()
        return NoisePlan(tuple(fixed), count_cols)


@dataclass(frozen=True)
class NoisePlan:
    fixed: tuple[tuple[int, int, CellNoise], ...]
    count_cols: tuple[int, ...]

    def draw(self, values: np.ndarray, key: int) -> np.ndarray:
        """One noisy copy of ``values`` from the generator keyed ``key``."""
        rng = make_rng(int(key))
        out = np.array(values, dtype=float, copy=True)
        if self.count_cols:
            cols = list(self.count_cols)
            block = out[:, cols]
            ok = np.isfinite(block) & (block >= 0)
            block[ok] = rng.poisson(block[ok])
            out[:, cols] = block
        for i, j, cell in self.fixed:
            if cell.distribution == "normal":
                out[i, j] = rng.normal(cell.mean, cell.sd)
            elif cell.distribution == "lognormal":
                out[i, j] = math.exp(rng.normal(cell.mean, cell.sd))
            elif cell.distribution == "poisson":
                out[i, j] = rng.poisson(cell.mean)
            else:
                out[i, j] = rng.uniform(cell.low, cell.high)
        return out


# ---------------------------------------------------------------------------------------
