"""Reading a user's contributor table: CSV, TSV, JSON, Parquet files and pandas DataFrames.

:func:`load_table` reads a file (with an optional ``NAME.metrics.csv`` sidecar of metric
specs); :func:`table_from_frame` (also :meth:`ContributorTable.from_frame`) takes a
DataFrame. Both end in :func:`table_from_rows` or the :class:`~rankings.table.ContributorTable`
constructor, so every table is validated the same way.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from rankings.errors import DataError, UnknownNameError
from rankings.table import ATTRIBUTE_COLUMNS, ContributorTable, MetricSpec

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


def load_table(path: Any, *, specs_path: str | Path | None = None) -> ContributorTable:
    """Load a contributor table from CSV, JSON or Parquet (or take a pandas DataFrame).

    CSV: a header row, one contributor per row; the first column (or one named
    ``contributor``) holds the names. Metric specs come from ``specs_path`` or, if it
    exists, a sidecar ``<stem>.metrics.csv`` with columns ``name,direction,kind,unit,
    description,source,proxy``; metrics without a spec default to higher-is-better
    scores. JSON: ``{"metrics": [spec...], "contributors": [{"contributor": name,
    metric: value...}...]}`` or a list of row objects. Parquet needs pyarrow (the ``parquet`` extra).
    """
    import csv

    if type(path).__name__ == "DataFrame" and hasattr(path, "columns"):
        return table_from_frame(path)
    if not isinstance(path, str | Path):
        raise DataError(f"a contributor table must come from a file path or a pandas DataFrame "
                        f"(got {type(path).__name__})")
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
            raise DataError(f'{label}: reading Parquet needs pyarrow, an optional extra: pip install "rankings[parquet]"') from None
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


def table_from_frame(frame: Any, *, directions: Mapping[str, str] | None = None,
                     specs: Mapping[str, MetricSpec] | None = None, label: str = "DataFrame") -> ContributorTable:
    """A contributor table from a pandas DataFrame.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per contributor. The names come from a ``contributor`` column if there
        is one, else from the index (which must be named or hold strings: a default
        ``RangeIndex`` names nobody). Columns named in ``ATTRIBUTE_COLUMNS``
        (``country``, ``sector``, ``group``, ``type``) are text attributes; every other
        column is a metric and must be numeric (NaN or None is a missing value).
    directions : mapping of str to {"max", "min"}, optional
        Metrics where lower is better (``{"price": "min"}``); others are higher-is-better.
    specs : mapping of str to MetricSpec, optional
        Full metric specifications (kind, unit, description, source, proxy).
    label : str
        How outputs name the table.

    Raises
    ------
    DataError
        Duplicate or empty names, a non-numeric metric column, an unnamed index, an
        empty frame; :class:`UnknownNameError` for a direction or spec of no column.
    """
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        dup = next(c for c in columns if columns.count(c) > 1)
        raise DataError(f"{label}: column names must be unique (got {dup!r} twice)")
    if "contributor" in columns:
        names = [str(v) for v in frame["contributor"].tolist()]
        body = frame.drop(columns=[frame.columns[columns.index("contributor")]])
    else:
        index = frame.index
        is_range = type(index).__name__ == "RangeIndex" and index.name is None
        if is_range or not all(isinstance(v, str) for v in index.tolist()):
            raise DataError(f"{label}: the index must name the contributors (got a {type(index).__name__} of "
                            f"{index.dtype}); use frame.set_index('name') or add a 'contributor' column")
        names = [str(v) for v in index.tolist()]
        body = frame
    if not names:
        raise DataError(f"{label}: the DataFrame holds no contributors")
    attributes: dict[str, tuple[str, ...]] = {}
    metric_names: list[str] = []
    blocks: list[np.ndarray] = []
    for column in body.columns:
        name = str(column)
        series = body[column]
        if name.lower() in ATTRIBUTE_COLUMNS:
            attributes[name.lower()] = tuple("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                                             for v in series.tolist())
            continue
        from pandas.api import types

        if types.is_bool_dtype(series.dtype) or types.is_datetime64_any_dtype(series.dtype):
            raise DataError(f"{label}: column {name!r} must hold numbers (got {series.dtype})")
        try:
            blocks.append(np.array([np.nan if v is None else float(v) for v in series.tolist()], dtype=float))
        except (TypeError, ValueError):
            bad = next(v for v in series.tolist() if not _is_number(v))
            raise DataError(f"{label}: column {name!r} must hold numbers (got {bad!r})") from None
        metric_names.append(name)
    if not metric_names:
        raise DataError(f"{label}: the DataFrame needs at least one numeric metric column (got {', '.join(columns)})")
    specs = dict(specs or {})
    for key in specs:
        if key not in metric_names:
            raise UnknownNameError("metric in the specs", key, metric_names)
    table = ContributorTable(
        contributors=tuple(names), values=np.column_stack(blocks),
        metrics=tuple(specs.get(m, MetricSpec(name=m)) for m in metric_names),
        attributes=attributes, label=label, direction_sources={k: "user" for k in specs},
    )
    return table.with_directions(dict(directions)) if directions else table


def _is_number(value: Any) -> bool:
    if value is None or isinstance(value, bool):
        return value is None
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
