"""Categorical method choices as factors: normalisation, aggregation, counting, year, snapshot, drop-metric,
weighting scheme, imputation rule and outlier treatment.

``weights-scheme`` levels are the schemes of :mod:`rankings.weighting` (the run uses the weights the
scheme derives from the data) or ``sampled`` (the run's sampled weights); ``impute`` levels are the
filling missing rules; ``outliers`` levels are ``none``, ``log``, ``winsorise`` (the methodology's
own winsorising, else the 5% quantile), ``winsorise:K`` (count) or ``winsorise:Q`` (quantile).
A scheme's weights are derived once per method variant from the nominal data (a run with data
noise scores its noisy copy with them; it does not re-derive them from the copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rankings.errors import AnalysisError

FACTOR_NAMES: tuple[str, ...] = ("normalize", "aggregate", "counting", "year", "snapshot", "drop-metric",
                                 "weights-scheme", "impute", "outliers")
PREPARATION_FACTORS: tuple[str, ...] = ("impute", "outliers")
"""Factors that change how the table is prepared (the run re-prepares the raw table)."""
LENS_FACTORS: tuple[str, ...] = ("counting", "year", "snapshot")


@dataclass(frozen=True)
class CategoricalFactor:
    """One method choice drawn uniformly from ``levels`` in each run."""

    name: str
    levels: tuple[str, ...]

    def describe(self) -> dict[str, Any]:
        return {"factor": self.name, "levels": list(self.levels)}


def parse_vary(specs: Sequence[str], *, metrics: Sequence[str], lens_available: bool) -> list[CategoricalFactor]:
    """Parse ``--vary`` options: ``normalize=min-max,z-score``, ``counting``, ``drop-metric``...

    ``counting``, ``snapshot`` and ``drop-metric`` default to every level;
    ``normalize``, ``aggregate`` and ``year`` need their levels listed.
    """
    from rankings.aggregate import AGGREGATIONS
    from rankings.data import COUNTINGS, SNAPSHOTS, parse_years
    from rankings.data.snapshots import known_snapshots
    from rankings.normalize import NORMALIZERS

    out: dict[str, CategoricalFactor] = {}
    for spec in specs:
        name, sep, rest = spec.partition("=")
        name = name.strip()
        levels = tuple(x.strip() for x in rest.split(",") if x.strip()) if sep else ()
        if name not in FACTOR_NAMES:
            raise AnalysisError(f"--vary factor must be one of {', '.join(FACTOR_NAMES)} (got {name!r})")
        if name in out:
            raise AnalysisError(f"--vary may name each factor once (got {name!r} twice)")
        if name in LENS_FACTORS and not lens_available:
            raise AnalysisError(f"--vary {name} reads the default dataset; it cannot be combined with --data or --models")
        if name == "normalize":
            known: Sequence[str] = tuple(NORMALIZERS)
        elif name == "aggregate":
            known = tuple(AGGREGATIONS)
        elif name == "counting":
            known = COUNTINGS
        elif name == "snapshot":
            known = SNAPSHOTS if not levels else known_snapshots()  # every level: the packaged ones
        elif name == "drop-metric":
            known = ("none", *metrics)
        elif name == "weights-scheme":
            from rankings.weighting import SCHEMES

            known = ("sampled", *SCHEMES)
        elif name == "impute":
            from rankings.table import FILL_RULES

            known = FILL_RULES
        elif name == "outliers":
            known = ("none", "winsorise", "log")
        else:
            known = ()
        if not levels:
            if name in ("normalize", "aggregate", "year", "weights-scheme", "impute", "outliers"):
                raise AnalysisError(f"--vary {name} needs its levels, e.g. --vary {name}="
                                    + {"normalize": "min-max,z-score", "aggregate": "arithmetic,geometric",
                                       "year": "2024,2025", "weights-scheme": "equal,entropy,pca",
                                       "impute": "worst,median", "outliers": "none,winsorise"}[name]
                                    + f" (got {spec!r})")
            levels = tuple(known)
        for level in levels:
            if name == "year":
                parse_years(level)
            elif name == "outliers" and level.startswith("winsorise:"):
                outlier_spec(level, {})
            elif level not in known:
                raise AnalysisError(f"--vary {name} level must be one of {', '.join(known)} (got {level!r})")
        if len(set(levels)) != len(levels):
            raise AnalysisError(f"--vary {name} levels must be distinct (got {','.join(levels)})")
        out[name] = CategoricalFactor(name, levels)
    return [out[n] for n in FACTOR_NAMES if n in out]




def outlier_spec(level: str, own: Any) -> dict[str, Any]:
    """The outlier treatment of an ``outliers`` level (``own``: the methodology's, used by plain ``winsorise``)."""
    if level == "none":
        return {}
    if level == "log":
        return {"rule": "log"}
    _, sep, arg = level.partition(":")
    if not sep:
        return dict(own) if own and own.get("rule") == "winsorise" else {"rule": "winsorise", "quantile": 0.05}
    try:
        value = float(arg)
    except ValueError:
        raise AnalysisError(f"--vary outliers level must be winsorise:COUNT or winsorise:QUANTILE (got {level!r})") from None
    if value >= 1 and value.is_integer():
        return {"rule": "winsorise", "count": int(value)}
    if 0 < value < 0.5:
        return {"rule": "winsorise", "quantile": value}
    raise AnalysisError(f"--vary outliers level must be winsorise:COUNT (a positive integer) or "
                        f"winsorise:QUANTILE (in (0, 0.5)) (got {level!r})")
