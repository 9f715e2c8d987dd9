"""Declarative methodologies: TOML files and mappings, and the text forms of weights, bounds and directions.

A TOML file holds the keys of :data:`~rankings.methodology.TOML_KEYS`; the command line's
``--weights a=0.2,b=0.8``, ``--bounds metric=lo:hi`` and ``--direction metric=min`` are
parsed here too, so one module owns every text form of a methodology's settings.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rankings.errors import DataError, MethodologyError, RankingsError, WeightError, shown
from rankings.methodology import TOML_KEYS, Methodology
from rankings.pillars import parse_pillars
from rankings.weighting import SCHEMES


def parse_weights(text: str) -> dict[str, float]:
    """Parse ``"a=0.2,b=0.8"`` into a mapping (values checked by :func:`check_weights`)."""
    weights: dict[str, float] = {}
    for part in [p for p in text.split(",") if p.strip()]:
        if "=" not in part:
            raise WeightError(f"weights must look like metric=value,metric=value (got {part.strip()!r})")
        key, _, raw = part.partition("=")
        key = key.strip()
        try:
            value = float(raw)
        except ValueError:
            raise WeightError(f"weight of {key!r} must be a number (got {raw.strip()!r})") from None
        if key in weights:
            raise WeightError(f"each metric may be weighted once (got {key!r} twice)")
        weights[key] = value
    if not weights:
        raise WeightError(f"weights must name at least one metric (got {text!r})")
    return weights



# Declarative methodologies from TOML
# ---------------------------------------------------------------------------------------

def methodology_from_mapping(data: Mapping[str, Any], source: str) -> Methodology:
    """Build a declarative methodology from a parsed TOML document (closed vocabulary)."""
    where = f"methodology file {source}"
    unknown = [k for k in data if k not in TOML_KEYS]
    if unknown:
        raise MethodologyError(f"{where}: unknown key {unknown[0]!r} (expected one of {', '.join(TOML_KEYS)})")
    for key in ("name", "description", "normalize", "aggregate"):
        if key not in data:
            raise MethodologyError(f"{where}: key {key!r} is required")
        if not isinstance(data[key], str):
            raise MethodologyError(f"{where}: {key} must be a string (got {shown(data[key])})")
    weights = data.get("weights", "equal")
    scheme = None
    if isinstance(weights, str) and weights in SCHEMES:
        scheme = None if weights == "equal" else weights
        weights = None
    elif not isinstance(weights, Mapping):
        raise MethodologyError(f"{where}: weights must be a table or one of {', '.join(repr(k) for k in SCHEMES)} "
                               f"(got {shown(weights)})")
    metrics = data.get("metrics")
    if metrics is not None:
        if not isinstance(metrics, list) or not metrics or not all(isinstance(m, str) for m in metrics):
            raise MethodologyError(f"{where}: metrics must be a non-empty list of metric names (got {shown(metrics)})")
        if weights is not None:
            raise MethodologyError(f"{where}: metrics names the metrics read when weights is a scheme; "
                                   "with a weights table, the table names them")
        weights = {m: 1.0 for m in metrics}
    hierarchy = None
    if "pillars" in data:
        if scheme is not None or weights is None:
            raise MethodologyError(f"{where}: pillars need a weights table naming the top-level pillars "
                                   f"(got weights = {shown(data.get('weights', 'equal'))})")
        hierarchy = parse_pillars(data["pillars"], weights, str(data["aggregate"]), where)
        weights = None
    for key, kind in (("parameters", Mapping), ("bounds", Mapping), ("directions", Mapping), ("invariants", list),
                      ("references", list)):
        if key in data and not isinstance(data[key], kind):
            raise MethodologyError(f"{where}: {key} must be a {'table' if kind is Mapping else 'list'} (got {shown(data[key])})")
    for key in ("invariants", "references"):
        not_text = [v for v in data.get(key, []) if not isinstance(v, str)]
        if not_text:
            raise MethodologyError(f"{where}: {key} must be a list of strings (got {shown(not_text[0])})")
    if not isinstance(data.get("missing", "error"), str):
        raise MethodologyError(f"{where}: missing must be a string (got {shown(data['missing'])})")
    try:
        return Methodology(
            name=data["name"], description=data["description"], weights=weights,
            normalize=data["normalize"], aggregate=data["aggregate"],
            parameters=dict(data.get("parameters", {})), bounds=dict(data.get("bounds", {})),
            missing=str(data.get("missing", "error")), invariants=frozenset(data.get("invariants", [])),
            references=tuple(data.get("references", [])), source=source,
            directions=dict(data.get("directions", {})), scheme=scheme, pillars=hierarchy,
            outliers=data.get("outliers", {}),
        )
    except MethodologyError:
        raise
    except RankingsError as exc:  # weights, invariant names: already name the methodology and file
        raise MethodologyError(str(exc)) from None


def load_toml(path: str | Path) -> Methodology:
    """Read one TOML methodology file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MethodologyError(f"methodology file must exist (got {str(path)!r})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MethodologyError(f"methodology file {path}: must be valid TOML ({exc})") from None
    except RecursionError:
        raise MethodologyError(f"methodology file {path}: must be valid TOML of reasonable depth "
                               "(got arrays or inline tables nested too deeply to read)") from None
    return methodology_from_mapping(data, str(path))


def parse_bounds(text: str) -> dict[str, tuple[float, float]]:
    """Parse ``"metric=lo:hi,metric=lo:hi"``."""
    bounds: dict[str, tuple[float, float]] = {}
    for part in [p for p in text.split(",") if p.strip()]:
        key, sep, rest = part.partition("=")
        lo_text, colon, hi_text = rest.partition(":")
        if not sep or not colon:
            raise MethodologyError(f"bounds must look like metric=lo:hi (got {part.strip()!r})")
        try:
            lo, hi = float(lo_text), float(hi_text)
        except ValueError:
            raise MethodologyError(f"bounds of {key.strip()!r} must be numbers lo:hi (got {rest!r})") from None
        if not (math.isfinite(lo) and math.isfinite(hi)) or not hi > lo:
            raise MethodologyError(f"bounds of {key.strip()!r} must be finite with hi > lo (got {rest!r})")
        bounds[key.strip()] = (lo, hi)
    return bounds


def parse_directions(text: str) -> dict[str, str]:
    """Parse ``"metric=min,metric=max"``."""
    out: dict[str, str] = {}
    for part in [p for p in text.split(",") if p.strip()]:
        key, sep, value = part.partition("=")
        value = value.strip().lower()
        if not sep or value not in ("min", "max"):
            raise DataError(f"direction must look like metric=min or metric=max (got {part.strip()!r})")
        out[key.strip()] = value
    return out

