"""Checking a user's contributor table or model-record file, every problem by row and column.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

from rankings.data.lenses import METRIC_NAMES
from rankings.data.registry import _fold, _registry, closest_units

MODEL_REQUIRED: tuple[str, ...] = ("model", "organizations", "publication_date")
MODEL_OPTIONAL: tuple[str, ...] = ("snapshot", "countries", "open_weights", "citations")

_TRUE = {"true", "yes", "1", "y", "t"}
_FALSE = {"false", "no", "0", "n", "f", ""}
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


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
