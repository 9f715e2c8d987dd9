"""The contributor table: contributors x metrics, with a spec for every metric.

A :class:`ContributorTable` is a frozen value. It is validated once when built (names
unique, values finite or missing, counts non-negative) and then trusted by every
kernel downstream. Derive new tables with :meth:`ContributorTable.replace`,
:meth:`select_metrics`, :meth:`take` or :meth:`resolve_missing`; none of them changes
the original.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from rankings._frames import FrameMixin
from rankings.errors import DataError, UnknownNameError

Direction = Literal["max", "min"]
MetricKind = Literal["count", "score", "share", "rate", "index", "other"]
MissingRule = Literal["error", "drop", "zero", "worst", "mean", "median", "group-mean"]

DIRECTIONS: tuple[str, ...] = ("max", "min")
METRIC_KINDS: tuple[str, ...] = ("count", "score", "share", "rate", "index", "other")
MISSING_RULES: tuple[str, ...] = ("error", "drop", "zero", "worst", "mean", "median", "group-mean")
FILL_RULES: tuple[str, ...] = ("zero", "worst", "mean", "median", "group-mean")
"""The missing rules that fill a cell (the others raise or drop the contributor)."""
GROUP_COLUMNS: tuple[str, ...] = ("country", "sector")
"""Attributes ``group-mean`` groups by, first present first (``group-mean:sector`` names one)."""


def missing_rule_name(rule: str) -> str:
    """``group-mean:sector`` -> ``group-mean``; any other rule is its own name."""
    return rule.split(":", 1)[0] if isinstance(rule, str) else rule
ATTRIBUTE_COLUMNS: tuple[str, ...] = ("country", "sector", "group", "type")
"""Columns of a contributor file read as text attributes rather than metrics."""


@dataclass(frozen=True)
class MetricSpec:
    """What one metric means.

    Parameters
    ----------
    name : str
        Column name, unique within a table.
    direction : {"max", "min"}
        ``"max"`` if higher is better, ``"min"`` if lower is better.
    kind : str
        ``count`` (non-negative, may take Poisson noise), ``score``, ``share``,
        ``rate``, ``index`` or ``other``.
    unit, description, source : str
        Free text shown by ``rankings data sources`` and in reports.
    proxy : bool
        True when the metric stands in for something it does not measure fully
        (a sample of venues standing in for all publications, say).
    """

    name: str
    direction: Direction = "max"
    kind: MetricKind = "score"
    unit: str = ""
    description: str = ""
    source: str = ""
    proxy: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise DataError(f"metric name must be a non-empty string (got {self.name!r})")
        if self.direction not in DIRECTIONS:
            raise DataError(
                f"direction of metric {self.name!r} must be 'max' or 'min' (got {self.direction!r})"
            )
        if self.kind not in METRIC_KINDS:
            raise DataError(
                f"kind of metric {self.name!r} must be one of {', '.join(METRIC_KINDS)} "
                f"(got {self.kind!r})"
            )

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _frozen_array(values: Any, shape: tuple[int, ...] | None = None) -> np.ndarray:
    array = np.array(values, dtype=float, copy=True)
    if shape is not None and array.shape != shape:
        raise DataError(f"values must have shape {shape} (got {array.shape})")
    array.setflags(write=False)
    return array


def _checked_values(label: str, contributors: tuple[str, ...], metrics: tuple[MetricSpec, ...],
                    values: Any) -> np.ndarray:
    """``values`` as a read-only N x M float copy: finite or NaN, counts non-negative."""
    values = _frozen_array(values, (len(contributors), len(metrics)))
    if np.isinf(values).any():
        i, j = np.argwhere(np.isinf(values))[0]
        raise DataError(
            f"{label}: value of {metrics[j].name!r} for {contributors[i]!r} must be finite "
            f"(got {values[i, j]})"
        )
    for j, spec in enumerate(metrics):
        if spec.kind == "count":
            bad = np.flatnonzero(values[:, j] < 0)
            if bad.size:
                i = int(bad[0])
                raise DataError(
                    f"{label}: count metric {spec.name!r} must be non-negative "
                    f"(got {values[i, j]:g} for {contributors[i]!r})"
                )
    return values


@dataclass(frozen=True, eq=False)
class ContributorTable(FrameMixin):
    """Contributors x metrics, with metric specs, attributes and optional intervals.

    Parameters
    ----------
    contributors : sequence of str
        Unique, non-empty names, one per row.
    metrics : sequence of MetricSpec
        One spec per column of ``values``.
    values : array-like, shape (N, M)
        Finite numbers, or NaN where a value is missing.
    attributes : mapping of str to sequence of str, optional
        Text attributes per contributor (``country``, ``sector``...), each of length N.
    intervals : mapping of str to (low, high) arrays, optional
        Per-metric uncertainty intervals (for example a leaderboard's 95% interval).
    label : str
        Where the table came from, shown in outputs ("default dataset", a file path).
    lens : mapping, optional
        The lens the table was built under (year, counting...), for provenance.
    direction_sources : mapping of metric to str, optional
        Where each metric's direction came from (:data:`DIRECTION_SOURCES`); see
        :meth:`direction_source` for metrics not listed.
    treatments : tuple of str
        Outlier treatments already applied to the values.
    """

    contributors: tuple[str, ...]
    metrics: tuple[MetricSpec, ...]
    values: np.ndarray
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    intervals: Mapping[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    label: str = "table"
    lens: Mapping[str, Any] = field(default_factory=dict)
    direction_sources: Mapping[str, str] = field(default_factory=dict)
    treatments: tuple[str, ...] = ()
    """Outlier treatments already applied (:mod:`rankings.imputation`), so preparing twice treats once."""

    def __post_init__(self) -> None:
        contributors = tuple(str(c) for c in self.contributors)
        metrics = tuple(self.metrics)
        n, m = len(contributors), len(metrics)
        if n == 0:
            raise DataError(f"{self.label}: a contributor table needs at least one contributor (got 0)")
        if m == 0:
            raise DataError(f"{self.label}: a contributor table needs at least one metric (got 0)")
        for name in contributors:
            if not name.strip():
                raise DataError(f"{self.label}: contributor names must be non-empty (got {name!r})")
        seen: set[str] = set()
        for name in contributors:
            if name in seen:
                raise DataError(f"{self.label}: contributor names must be unique (got {name!r} twice)")
            seen.add(name)
        metric_names = [s.name for s in metrics]
        if len(set(metric_names)) != m:
            dup = next(x for x in metric_names if metric_names.count(x) > 1)
            raise DataError(f"{self.label}: metric names must be unique (got {dup!r} twice)")
        values = _checked_values(self.label, contributors, metrics, self.values)
        attributes: dict[str, tuple[str, ...]] = {}
        for key, column in dict(self.attributes).items():
            column = tuple("" if c is None else str(c) for c in column)
            if len(column) != n:
                raise DataError(f"{self.label}: attribute {key!r} must have {n} entries (got {len(column)})")
            attributes[str(key)] = column
        intervals: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for key, (low, high) in dict(self.intervals).items():
            if key not in metric_names:
                raise UnknownNameError("metric", key, metric_names)
            intervals[key] = (_frozen_array(low, (n,)), _frozen_array(high, (n,)))
        object.__setattr__(self, "contributors", contributors)
        object.__setattr__(self, "metrics", metrics)
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "attributes", MappingProxyType(attributes))
        object.__setattr__(self, "intervals", MappingProxyType(intervals))
        object.__setattr__(self, "lens", MappingProxyType(dict(self.lens)))
        sources = {str(k): str(v) for k, v in dict(self.direction_sources).items() if k in metric_names}
        object.__setattr__(self, "direction_sources", MappingProxyType(sources))

    # -- shape and lookup -------------------------------------------------------------
    @property
    def n_contributors(self) -> int:
        return len(self.contributors)

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.metrics)

    def spec(self, metric: str) -> MetricSpec:
        return self.metrics[self.metric_index(metric)]

    def metric_index(self, metric: str) -> int:
        try:
            return self.metric_names.index(metric)
        except ValueError:
            raise UnknownNameError("metric", metric, self.metric_names) from None

    def contributor_index(self, name: str) -> int:
        """Row of ``name``; exact match first, then a unique case-insensitive match."""
        try:
            return self.contributors.index(name)
        except ValueError:
            pass
        folded = [i for i, c in enumerate(self.contributors) if c.casefold() == name.casefold()]
        if len(folded) == 1:
            return folded[0]
        raise UnknownNameError("contributor", name, self.contributors)

    def column(self, metric: str) -> np.ndarray:
        return self.values[:, self.metric_index(metric)]

    # -- derived tables ---------------------------------------------------------------
    def replace(self, **changes: Any) -> ContributorTable:
        """A copy with some fields changed (validated again)."""
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return ContributorTable(**current)

    def select_metrics(self, names: Sequence[str]) -> ContributorTable:
        """A table with only ``names``, in that order."""
        if tuple(names) == self.metric_names:
            return self  # the same table: frozen, so no copy is needed (saves a validation per evaluation)
        idx = [self.metric_index(n) for n in names]
        return self.replace(
            metrics=tuple(self.metrics[j] for j in idx),
            values=self.values[:, idx],
            intervals={k: v for k, v in self.intervals.items() if k in names},
        )

    def take(self, rows: Sequence[int] | np.ndarray) -> ContributorTable:
        """A table with only the given rows, in that order."""
        rows = np.asarray(rows, dtype=int)
        return self.replace(
            contributors=tuple(self.contributors[i] for i in rows),
            values=self.values[rows],
            attributes={k: tuple(v[i] for i in rows) for k, v in self.attributes.items()},
            intervals={k: (lo[rows], hi[rows]) for k, (lo, hi) in self.intervals.items()},
        )

    def with_values(self, values: np.ndarray) -> ContributorTable:
        """This table with other values (checked as the constructor checks them). Names, metrics,
        attributes and intervals were checked when this table was made and are shared as they are:
        the sampled analyses call this once per run of a plugin's or noisy scoring (re-checking the
        default dataset's names and attribute columns took 6.8 of the 8.8 s that 20,000 such runs
        of ``rankings confidence`` spent scoring, by cProfile)."""
        new = copy.copy(self)  # a frozen dataclass: copied without __post_init__
        object.__setattr__(new, "values", _checked_values(self.label, self.contributors, self.metrics, values))
        return new

    def with_directions(self, directions: Mapping[str, str], source: str = "user") -> ContributorTable:
        """A table whose metric directions are overridden by ``directions``, recorded as from ``source``."""
        for name in directions:
            self.metric_index(name)
        metrics = tuple(
            MetricSpec(**{**s.to_dict(), "direction": directions.get(s.name, s.direction)})
            for s in self.metrics
        )
        return self.replace(metrics=metrics, direction_sources={**self.direction_sources,
                                                                **{k: source for k in directions}})

    def direction_source(self, metric: str) -> str:
        """Where ``metric``'s direction came from: a recorded source, else ``table`` (min) or ``default`` (max)."""
        if metric in self.direction_sources:
            return self.direction_sources[metric]
        return "table" if self.spec(metric).direction == "min" else "default"

    def missing_cells(self, metrics: Iterable[str] | None = None) -> list[tuple[str, str]]:
        names = list(metrics) if metrics is not None else list(self.metric_names)
        out = []
        for name in names:
            j = self.metric_index(name)
            for i in np.flatnonzero(np.isnan(self.values[:, j])):
                out.append((self.contributors[int(i)], name))
        return out

    def resolve_missing(self, rule: str, metrics: Iterable[str] | None = None) -> ContributorTable:
        """Apply a missing-value rule to the metrics a methodology reads.

        Rules: ``error`` (raise, listing the first missing cells), ``drop`` (remove
        contributors with any missing value), ``zero`` (fill with 0), ``worst`` (fill
        with the worst observed value of that metric, respecting its direction), ``mean``,
        ``median`` and ``group-mean`` (see :mod:`rankings.imputation`).
        """
        if missing_rule_name(rule) not in MISSING_RULES:
            raise DataError(f"missing rule must be one of {', '.join(MISSING_RULES)} (got {rule!r})")
        names = list(metrics) if metrics is not None else list(self.metric_names)
        cols = [self.metric_index(n) for n in names]
        block = self.values[:, cols]
        holes = np.isnan(block)
        if not holes.any():
            return self
        if rule == "error":
            cells = self.missing_cells(names)
            shown = ", ".join(f"{c}/{m}" for c, m in cells[:4])
            more = f" and {len(cells) - 4} more" if len(cells) > 4 else ""
            raise DataError(
                f"{self.label}: values must be present for the metrics used (got {len(cells)} missing: "
                f"{shown}{more}); choose --missing drop, zero, worst, mean, median or group-mean"
            )
        if rule == "drop":
            keep = np.flatnonzero(~holes.any(axis=1))
            if keep.size == 0:
                raise DataError(f"{self.label}: --missing drop left no contributor (every row has a gap)")
            return self.take(keep)
        if missing_rule_name(rule) in ("mean", "median", "group-mean"):
            from rankings.imputation import impute

            return self.replace(values=impute(self, rule, cols))
        values = np.array(self.values, copy=True)
        for j in cols:
            col = values[:, j]
            gap = np.isnan(col)
            if not gap.any():
                continue
            if rule == "zero":
                col[gap] = 0.0
            else:
                observed = col[~gap]
                if observed.size == 0:
                    raise DataError(
                        f"{self.label}: metric {self.metrics[j].name!r} has no observed value to take the worst of"
                    )
                col[gap] = observed.min() if self.metrics[j].direction == "max" else observed.max()
        return self.replace(values=values)

    # -- conversion ------------------------------------------------------------------
    @classmethod
    def from_frame(cls, frame: Any, *, directions: Mapping[str, str] | None = None,
                   specs: Mapping[str, MetricSpec] | None = None, label: str = "DataFrame") -> ContributorTable:
        """A table from a pandas DataFrame; see :func:`rankings.table_io.table_from_frame`."""
        from rankings.table_io import table_from_frame

        return table_from_frame(frame, directions=directions, specs=specs, label=label)

    def to_frame(self) -> Any:
        """The table as a pandas DataFrame indexed by contributor (attributes first)."""
        import pandas as pd

        frame = pd.DataFrame(self.values, index=pd.Index(self.contributors, name="contributor"),
                             columns=list(self.metric_names))
        for key in reversed(list(self.attributes)):
            frame.insert(0, key, list(self.attributes[key]))
        return frame

    def to_records(self) -> list[dict[str, Any]]:
        rows = []
        for i, name in enumerate(self.contributors):
            row: dict[str, Any] = {"contributor": name}
            for key, column in self.attributes.items():
                row[key] = column[i]
            for j, metric in enumerate(self.metric_names):
                v = float(self.values[i, j])
                row[metric] = None if math.isnan(v) else v
            rows.append(row)
        return rows
