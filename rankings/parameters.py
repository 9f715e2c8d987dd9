"""Types and ranges of methodology parameters, checked when a methodology is built.

A "no code" TOML file must not be able to hang the machine or end in a traceback, so
every parameter of the closed vocabulary has a type and a range, checked by
:func:`check_parameters` from :class:`~rankings.methodology.Methodology`; an error names
the methodology, its source (the file) and the key, on one line.

=================  =============================================  ===========================
key                 allowed                                         used by
=================  =============================================  ===========================
lower, upper        finite numbers in [-1e15, 1e15], upper > lower   min-max, log-min-max
ddof                0 or 1                                         z-score
clip                true or false                                  goalposts
reference           a contributor name, or one positive finite      distance-to-reference
                    number per metric (a table or a list)
lam                 a number in [0, 1]                             waspas
max_alternatives    an integer in [1, KEMENY_ALTERNATIVES_CAP]      kemeny
=================  =============================================  ===========================
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from rankings.aggregate import KEMENY_ALTERNATIVES_CAP
from rankings.errors import MethodologyError, shown

SCALE_LIMIT = 1e15
"""Largest magnitude of ``lower`` and ``upper`` (so that ``upper - lower`` stays finite and exact enough)."""

_NUMBER_TYPES = (int, float, np.integer, np.floating)


def _is_number(value: Any) -> bool:
    return isinstance(value, _NUMBER_TYPES) and not isinstance(value, (bool, np.bool_))


def _finite(value: Any) -> bool:
    """A number (not a bool) that converts to a finite float (10**400 does not)."""
    try:
        return _is_number(value) and math.isfinite(float(value))
    except OverflowError:
        return False


def _number(low: float, high: float) -> Callable[[Any, str], Any]:
    def check(value: Any, label: str) -> Any:
        if not _finite(value) or not low <= float(value) <= high:
            raise MethodologyError(f"{label} must be a finite number in [{low:g}, {high:g}] (got {shown(value)})")
        return value  # as written (1 stays 1 in a manifest)

    return check


def _integer(low: int, high: int, what: str | None = None) -> Callable[[Any, str], int]:
    def check(value: Any, label: str) -> int:
        whole = _finite(value) and float(value).is_integer()
        if not whole or not low <= int(value) <= high:
            allowed = what or f"an integer in [{low}, {high}]"
            raise MethodologyError(f"{label} must be {allowed} (got {shown(value)})")
        return int(value)

    return check


def _boolean(value: Any, label: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise MethodologyError(f"{label} must be true or false (got {shown(value)})")
    return bool(value)


def _positive(value: Any, label: str) -> float:
    if not _finite(value) or not float(value) > 0:
        raise MethodologyError(f"{label} must be a positive finite number (got {shown(value)})")
    return float(value)


def _reference(value: Any, label: str) -> Any:
    if isinstance(value, str):
        if not value.strip() or "\n" in value:
            raise MethodologyError(f"{label} must be a contributor name on one line (got {shown(value)})")
        return value
    if isinstance(value, Mapping):
        return {str(k): _positive(v, f"{label} of {k!r}") for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_positive(v, f"{label}[{i}]") for i, v in enumerate(np.asarray(value, dtype=object).reshape(-1))]
    raise MethodologyError(f"{label} must be a contributor name or one positive number per metric (got {shown(value)})")


CHECKS: Mapping[str, Callable[[Any, str], Any]] = {
    "lower": _number(-SCALE_LIMIT, SCALE_LIMIT),
    "upper": _number(-SCALE_LIMIT, SCALE_LIMIT),
    "ddof": _integer(0, 1, "0 or 1"),
    "clip": _boolean,
    "reference": _reference,
    "lam": _number(0.0, 1.0),
    "max_alternatives": _integer(1, KEMENY_ALTERNATIVES_CAP),
}
"""One check per parameter name (names are unique across normalisers and aggregators)."""


def check_parameters(parameters: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Parameters with their types and ranges checked; ``where`` names methodology and source."""
    out: dict[str, Any] = {}
    for key, value in parameters.items():
        check = CHECKS.get(key)
        out[key] = check(value, f"{where}: parameter {key!r}") if check is not None else value
    if "lower" in out or "upper" in out:
        lower, upper = out.get("lower", 0.0), out.get("upper", 1.0)
        if not upper > lower:
            raise MethodologyError(f"{where}: parameter 'upper' must be above 'lower' (got lower={lower:g}, upper={upper:g})")
    return out
