"""Imputation and outlier treatment: the construction steps between the raw table and the normalisation.

Missing rules beyond ``error``/``drop``/``zero``/``worst`` (:mod:`rankings.table`):

- ``mean`` and ``median``: the cell takes the mean (median) of the observed values of its
  metric, unconditional imputation in the OECD/JRC Handbook's words (Nardo et al. 2008, §3.2);
- ``group-mean``: the mean of the observed values in the contributor's group (the ``country``
  attribute, else ``sector``; ``group-mean:sector`` names the attribute), "imputing means within
  adjustment cells" (Handbook, endnote 10); a contributor whose group has no observed value, or
  who has no group, takes the metric's overall mean.

Outlier treatment (:func:`treat_outliers`), as the Handbook (§3.3, §5) and COINr (``Treat``)
describe it:

- ``winsorise`` with ``count = k``: on each metric read, the ``k`` most extreme values on the
  side of its skew (the highest when the skew is positive) take the value of the next one in;
- ``winsorise`` with ``quantile = q``: values below the ``q`` and above the ``1 - q`` quantile
  are clipped to them;
- ``log``: ``ln(x)`` when every value is positive, else ``ln(1 + x - min x)`` (COINr's log
  transform for skewed, non-positive data).

Every changed cell is reported: filled and winsorised cells are marked in the result's
``filled`` mask, a log transform in its notes (it changes every cell of the metric).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rankings.errors import DataError
from rankings.table import GROUP_COLUMNS, ContributorTable

OUTLIER_RULES: tuple[str, ...] = ("none", "winsorise", "log")
OUTLIER_KEYS: tuple[str, ...] = ("rule", "count", "quantile", "metrics")


def _group_column(table: ContributorTable, rule: str) -> str:
    _, sep, named = rule.partition(":")
    if sep:
        if named not in table.attributes:
            raise DataError(f"{table.label}: missing rule {rule!r} groups by an attribute the table does not have "
                            f"(has {', '.join(table.attributes) or 'none'})")
        return named
    for name in GROUP_COLUMNS:
        if name in table.attributes:
            return name
    raise DataError(f"{table.label}: missing rule 'group-mean' needs a {' or '.join(GROUP_COLUMNS)} column "
                    f"(got {', '.join(table.attributes) or 'no attribute columns'})")


def impute(table: ContributorTable, rule: str, cols: Sequence[int]) -> np.ndarray:
    """The table's values with the missing cells of columns ``cols`` filled by ``rule``."""
    values = np.array(table.values, copy=True)
    groups = np.asarray(table.attributes[_group_column(table, rule)]) if rule.startswith("group-mean") else None
    for j in cols:
        col = values[:, j]
        gap = np.isnan(col)
        if not gap.any():
            continue
        observed = col[~gap]
        if observed.size == 0:
            raise DataError(f"{table.label}: metric {table.metrics[j].name!r} has no observed value to impute from")
        overall = float(np.median(observed)) if rule == "median" else float(observed.mean())
        if groups is None:
            col[gap] = overall
            continue
        for i in np.flatnonzero(gap):
            same = (groups == groups[i]) & ~gap
            col[i] = float(col[same].mean()) if groups[i] and same.any() else overall
    return values


def check_outliers(spec: Any, where: str) -> dict[str, Any]:
    """Validate an ``[outliers]`` table: ``rule``, and ``count`` or ``quantile`` for ``winsorise``."""
    from rankings.errors import MethodologyError, shown

    if spec is None or spec == {}:
        return {}
    if isinstance(spec, str):
        spec = {"rule": spec}
    if not isinstance(spec, Mapping):
        raise MethodologyError(f"{where}: outliers must be a table with a rule (got {shown(spec)})")
    unknown = [k for k in spec if k not in OUTLIER_KEYS]
    if unknown:
        raise MethodologyError(f"{where}: outliers key {unknown[0]!r} is not known (expected {', '.join(OUTLIER_KEYS)})")
    rule = spec.get("rule")
    if rule not in OUTLIER_RULES:
        raise MethodologyError(f"{where}: outliers rule must be one of {', '.join(OUTLIER_RULES)} (got {shown(rule)})")
    out: dict[str, Any] = {"rule": rule}
    if rule == "winsorise":
        if ("count" in spec) == ("quantile" in spec):
            raise MethodologyError(f"{where}: outliers rule winsorise needs count or quantile, one of them "
                                   f"(got {', '.join(k for k in ('count', 'quantile') if k in spec) or 'neither'})")
        if "count" in spec:
            k = spec["count"]
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise MethodologyError(f"{where}: outliers count must be a positive integer (got {shown(k)})")
            out["count"] = k
        else:
            q = spec["quantile"]
            if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 0.5:
                raise MethodologyError(f"{where}: outliers quantile must be in (0, 0.5) (got {shown(q)})")
            out["quantile"] = float(q)
    elif "count" in spec or "quantile" in spec:
        raise MethodologyError(f"{where}: outliers count and quantile apply only to winsorise (got rule {rule!r})")
    if "metrics" in spec:
        metrics = spec["metrics"]
        if not isinstance(metrics, list) or not all(isinstance(m, str) for m in metrics) or not metrics:
            raise MethodologyError(f"{where}: outliers metrics must be a non-empty list of names (got {shown(metrics)})")
        out["metrics"] = list(metrics)
    return out if rule != "none" else {}


def _skew(x: np.ndarray) -> float:
    sd = x.std()
    return float(((x - x.mean()) ** 3).mean() / sd ** 3) if sd > 0 else 0.0


def treat_outliers(table: ContributorTable, spec: Mapping[str, Any],
                   where: str) -> tuple[ContributorTable, np.ndarray, list[str]]:
    """Apply ``spec`` to ``table``: the treated table, the N x M mask of winsorised cells, and the log-transformed metrics."""
    mask = np.zeros(table.values.shape, dtype=bool)
    names = spec.get("metrics", list(table.metric_names)) if spec else []
    key = f"{describe_outliers(spec)} on {','.join(names)}"
    if not spec or key in table.treatments:
        return table, mask, []
    absent = [m for m in names if m not in table.metric_names]
    if absent:
        raise DataError(f"{where}: outliers metrics name {absent[0]!r}, a metric not read "
                        f"(reads {', '.join(table.metric_names)})")
    values = np.array(table.values, copy=True)
    n = table.n_contributors
    logged: list[str] = []
    for name in names:
        j = table.metric_index(name)
        col = values[:, j]
        if np.isnan(col).any():
            continue  # left to the missing rule's error
        if spec["rule"] == "log":
            col[:] = np.log(col) if (col > 0).all() else np.log1p(col - col.min())
            logged.append(name)
            continue
        if "count" in spec:
            k = spec["count"]
            if k >= n:
                raise DataError(f"{where}: outliers count must be smaller than the number of contributors "
                                f"(got count = {k} for {n} contributors)")
            order = np.argsort(col, kind="stable")
            if _skew(col) >= 0:
                idx, edge = order[n - k:], col[order[n - k - 1]]
            else:
                idx, edge = order[:k], col[order[k]]
            changed = idx[col[idx] != edge]
            col[changed] = edge
        else:
            lo, hi = np.quantile(col, [spec["quantile"], 1.0 - spec["quantile"]])
            changed = np.flatnonzero((col < lo) | (col > hi))
            col[changed] = np.clip(col[changed], lo, hi)
        mask[changed, j] = True
    return table.replace(values=values, treatments=(*table.treatments, key)), mask, logged


def describe_outliers(spec: Mapping[str, Any]) -> str:
    """One phrase: ``winsorise (count 2)``, ``winsorise (quantile 0.05)``, ``log``, ``none``."""
    if not spec:
        return "none"
    if spec["rule"] == "winsorise":
        return f"winsorise (count {spec['count']})" if "count" in spec else f"winsorise (quantile {spec['quantile']:g})"
    return str(spec["rule"])
