"""The contributor table: contributors x metrics, with a spec for every metric.

A :class:`ContributorTable` is a frozen value. It is validated once when built (names
unique, values finite or missing, counts non-negative) and then trusted by every
kernel downstream. Derive new tables with :meth:`ContributorTable.replace`,
:meth:`select_metrics`, :meth:`take` or :meth:`resolve_missing`; none of them changes
the original.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np

from rankings._frames import FrameMixin
from rankings.errors import DataError, UnknownNameError

Direction = Literal["max", "min"]
MetricKind = Literal["count", "score", "share", "rate", "index", "other"]
MissingRule = Literal["error", "drop", "zero", "worst"]

DIRECTIONS: tuple[str, ...] = ("max", "min")
METRIC_KINDS: tuple[str, ...] = ("count", "score", "share", "rate", "index", "other")
MISSING_RULES: tuple[str, ...] = ("error", "drop", "zero", "worst")
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
    """

    contributors: tuple[str, ...]
    metrics: tuple[MetricSpec, ...]
    values: np.ndarray
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    intervals: Mapping[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    label: str = "table"
    lens: Mapping[str, Any] = field(default_factory=dict)
    direction_sources: Mapping[str, str] = field(default_factory=dict)

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
        values = _frozen_array(self.values, (n, m))
        if np.isinf(values).any():
            i, j = np.argwhere(np.isinf(values))[0]
            raise DataError(
                f"{self.label}: value of {metric_names[j]!r} for {contributors[i]!r} must be finite "
                f"(got {values[i, j]})"
            )
        for j, spec in enumerate(metrics):
            if spec.kind == "count":
                bad = np.flatnonzero(values[:, j] < 0)
                if bad.size:
                    i = int(bad[0])
                    raise DataError(
                        f"{self.label}: count metric {spec.name!r} must be non-negative "
                        f"(got {values[i, j]:g} for {contributors[i]!r})"
                    )
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
        return self.replace(values=values)

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
        with the worst observed value of that metric, respecting its direction).
        """
        if rule not in MISSING_RULES:
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
                f"{shown}{more}); choose --missing drop, zero or worst"
            )
        if rule == "drop":
            keep = np.flatnonzero(~holes.any(axis=1))
            if keep.size == 0:
                raise DataError(f"{self.label}: --missing drop left no contributor (every row has a gap)")
            return self.take(keep)
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


# ---------------------------------------------------------------------------------------
# Loading a user's contributor file
# ---------------------------------------------------------------------------------------

SPEC_COLUMNS: tuple[str, ...] = ("name", "direction", "kind", "unit", "description", "source", "proxy")


def _parse_number(text: str, where: str) -> float:
    text = text.strip()
    if text == "" or text.upper() in {"NA", "NAN", "N/A"}:
        return math.nan
    try:
        value = float(text.replace("_", ""))
    except ValueError:
        raise DataError(f"{where} must be a number or empty (got {text!r})") from None
    if math.isinf(value) or math.isnan(value):
        raise DataError(f"{where} must be finite (got {text!r})")
    return value


def _read_spec_file(path: Path) -> dict[str, MetricSpec]:
    import csv

    specs: dict[str, MetricSpec] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or "name" not in reader.fieldnames:
            raise DataError(f"{path}: a metric spec file needs a 'name' column (got {reader.fieldnames})")
        unknown = [c for c in reader.fieldnames if c not in SPEC_COLUMNS]
        if unknown:
            raise DataError(f"{path}: spec columns must be among {', '.join(SPEC_COLUMNS)} (got {unknown[0]!r})")
        for row in reader:
            proxy = str(row.get("proxy") or "").strip().lower() in {"1", "true", "yes"}
            kwargs = {k: (row.get(k) or "").strip() for k in SPEC_COLUMNS if k not in ("name", "proxy")}
            kwargs = {k: v for k, v in kwargs.items() if v}
            specs[row["name"].strip()] = MetricSpec(name=row["name"].strip(), proxy=proxy, **kwargs)  # type: ignore[arg-type]
    return specs


def table_from_rows(
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    label: str,
    specs: Mapping[str, MetricSpec] | None = None,
    spec_sources: Mapping[str, str] | None = None,
) -> ContributorTable:
    """Build a table from text rows: first column (or ``contributor``) names the row.

    Columns named in :data:`ATTRIBUTE_COLUMNS` are text attributes; every other column
    is a metric and must hold numbers (an empty cell is a missing value).
    """
    header = [h.strip() for h in header]
    if len(header) < 2:
        raise DataError(f"{label}: a contributor file needs a name column and at least one metric (got {len(header)} column)")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise DataError(f"{label}: column names must be unique (got {dup!r} twice)")
    name_col = header.index("contributor") if "contributor" in header else 0
    attr_cols = [j for j, h in enumerate(header) if h.lower() in ATTRIBUTE_COLUMNS and j != name_col]
    metric_cols = [j for j in range(len(header)) if j != name_col and j not in attr_cols]
    if not metric_cols:
        raise DataError(f"{label}: a contributor file needs at least one metric column (got only {', '.join(header)})")
    if not rows:
        raise DataError(f"{label}: the file has a header but no contributor rows")
    specs = dict(specs or {})
    for key in specs:
        if key not in [header[j] for j in metric_cols]:
            raise UnknownNameError("metric in the spec file", key, [header[j] for j in metric_cols])
    names: list[str] = []
    values = np.empty((len(rows), len(metric_cols)))
    attributes: dict[str, list[str]] = {header[j].lower(): [] for j in attr_cols}
    for r, row in enumerate(rows, start=2):
        if len(row) != len(header):
            raise DataError(f"{label}: row {r} must have {len(header)} cells (got {len(row)})")
        name = row[name_col].strip()
        if not name:
            raise DataError(f"{label}: row {r}, column {header[name_col]!r} must name a contributor (got an empty cell)")
        names.append(name)
        for k, j in enumerate(metric_cols):
            values[r - 2, k] = _parse_number(row[j], f"{label}: row {r}, column {header[j]!r}")
        for j in attr_cols:
            attributes[header[j].lower()].append(row[j].strip())
    metrics = tuple(specs.get(header[j], MetricSpec(name=header[j])) for j in metric_cols)
    return ContributorTable(
        contributors=tuple(names), metrics=metrics, values=values,
        attributes={k: tuple(v) for k, v in attributes.items()}, label=label,
        direction_sources={k: (spec_sources or {}).get(k, "sidecar") for k in specs},
    )


def load_table(path: str | Path, *, specs_path: str | Path | None = None) -> ContributorTable:
    """Load a contributor table from CSV, JSON or Parquet.

    CSV: a header row, one contributor per row; the first column (or one named
    ``contributor``) holds the names. Metric specs come from ``specs_path`` or, if it
    exists, a sidecar ``<stem>.metrics.csv`` with columns ``name,direction,kind,unit,
    description,source,proxy``; metrics without a spec default to higher-is-better
    scores. JSON: ``{"metrics": [spec...], "contributors": [{"contributor": name,
    metric: value...}...]}`` or a list of row objects. Parquet needs pyarrow.
    """
    import csv

    path = Path(path)
    label = str(path)
    if not path.exists():
        raise DataError(f"data file must exist (got {label!r}, which does not)")
    if path.is_dir():
        raise DataError(f"data file must be a file (got the folder {label!r})")
    sidecar = Path(specs_path) if specs_path else path.with_name(path.stem + ".metrics.csv")
    specs = _read_spec_file(sidecar) if sidecar.exists() and sidecar != path else {}
    suffix = path.suffix.lower()
    if suffix == ".json":
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise DataError(f"{label}: must be valid JSON ({exc})") from None
        own: dict[str, MetricSpec] = {}
        if isinstance(payload, dict):
            own = {s["name"]: MetricSpec(**s) for s in payload.get("metrics", []) if isinstance(s, dict)}
            specs.update(own)
            records = payload.get("contributors")
        else:
            records = payload
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise DataError(f"{label}: JSON must hold a list of contributor objects (got {type(records).__name__})")
        if not records:
            raise DataError(f"{label}: the file holds no contributors")
        header = list(dict.fromkeys(k for r in records for k in r))
        if "contributor" in header:
            header.remove("contributor")
            header.insert(0, "contributor")
        rows = [["" if r.get(h) is None else str(r.get(h)) for h in header] for r in records]
        return table_from_rows(header, rows, label=label, specs=specs, spec_sources={k: "file" for k in own})
    if suffix == ".parquet":
        try:
            import pandas as pd

            frame = pd.read_parquet(path)
        except ImportError:
            raise DataError(f"{label}: reading Parquet needs pyarrow (pip install pyarrow)") from None
        except Exception as exc:  # noqa: BLE001 - any reader failure is a data problem
            raise DataError(f"{label}: must be a readable Parquet file ({exc})") from None
        header = [str(c) for c in frame.columns]
        rows = [["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in rec]
                for rec in frame.itertuples(index=False)]
        return table_from_rows(header, rows, label=label, specs=specs)
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            sample = handle.read(4096)
            handle.seek(0)
            if not sample.strip():
                raise DataError(f"{label}: the file is empty (expected a header row and contributor rows)")
            delimiter = "\t" if suffix in {".tsv", ".tab"} or ("\t" in sample and "," not in sample) else ","
            rows = [row for row in csv.reader(handle, delimiter=delimiter) if any(c.strip() for c in row)]
    except UnicodeDecodeError:
        raise DataError(f"{label}: must be UTF-8 text (CSV, TSV or JSON), or Parquet") from None
    return table_from_rows(rows[0], rows[1:], label=label, specs=specs)
