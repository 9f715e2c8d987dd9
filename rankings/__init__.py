"""rankings: explore how league tables of AI contributors depend on methodology.

The public API::

    import rankings

    table = rankings.load_default()                        # the embedded dataset, default lens
    method = rankings.get_methodology("equal-core")
    result = method.evaluate(table)                         # scores and ranks
    result.rank_of("Alibaba")
    what_if = method.with_overrides(weights={"notable_models": 0.7, "frontier_eci": 0.3})

    rankings.sweep(method, table, "Alibaba").to_frame()  # exact breakpoints of one-weight sweeps
    rankings.rank_bounds(method, table, "Alibaba")      # best and worst attainable rank, with weights
    rankings.tipping_point(method, table, "Alibaba")    # smallest weight change that moves the rank
    rankings.winners(method, table, "Alibaba")          # who can be first under some weighting
    rankings.sensitivity_analysis(method, table, focus="Alibaba", samples=10_000, seed=0)
    rankings.write_report(method, table, "Alibaba", "alibaba.html")
    rankings.ContributorTable.from_frame(df, directions={"price": "min"})

The analyses are imported on first use (``import rankings`` stays fast: no numba,
scipy, pandas or matplotlib until they are needed).
"""

from __future__ import annotations

from typing import Any

from rankings._version import __version__
from rankings.data import DEFAULT_LENS, Lens, load_default, metric_sources, validate_file
from rankings.declarative import load_toml
from rankings.errors import (
    AnalysisError,
    DataError,
    LensError,
    MethodologyError,
    RankingsError,
    UnknownNameError,
    WeightError,
)
from rankings.explain import Comparison, Explanation, compare, explain_gap
from rankings.methodology import INVARIANTS, Methodology
from rankings.ranking import TIE_RULES, rank_scores
from rankings.registry import ENTRY_POINT_GROUP, Registry, default_registry, discover, get_methodology
from rankings.result import RankingResult
from rankings.table import ContributorTable, MetricSpec
from rankings.table_io import load_table

_LAZY = {
    # not "sensitivity": that name is the subpackage rankings.sensitivity once it is imported
    "sensitivity_analysis": ("rankings.sensitivity.analyze", "sensitivity"),
    "SensitivityResult": ("rankings.sensitivity.analyze", "SensitivityResult"),
    "sweep": ("rankings.sensitivity.exact", "sweep"),
    "rank_bounds": ("rankings.sensitivity.exact", "rank_bounds"),
    "tipping_point": ("rankings.sensitivity.exact", "tipping_point"),
    "winners": ("rankings.sensitivity.exact", "winners"),
    "write_report": ("rankings.report.build", "write_report"),
    "gap_analysis": ("rankings.gap", "gap_analysis"),
    "GapResult": ("rankings.gap", "GapResult"),
}


def __getattr__(name: str) -> Any:
    """The analyses, imported on first use (PEP 562) so that ``import rankings`` stays light."""
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rankings' has no attribute {name!r}")


__all__ = [
    "AnalysisError",
    "Comparison",
    "ContributorTable",
    "DEFAULT_LENS",
    "DataError",
    "ENTRY_POINT_GROUP",
    "Explanation",
    "GapResult",
    "INVARIANTS",
    "Lens",
    "LensError",
    "Methodology",
    "MethodologyError",
    "MetricSpec",
    "RankingResult",
    "RankingsError",
    "Registry",
    "SensitivityResult",
    "TIE_RULES",
    "UnknownNameError",
    "WeightError",
    "__version__",
    "compare",
    "default_registry",
    "discover",
    "explain_gap",
    "gap_analysis",
    "get_methodology",
    "load_default",
    "load_table",
    "load_toml",
    "metric_sources",
    "rank_bounds",
    "rank_scores",
    "sensitivity_analysis",
    "sweep",
    "tipping_point",
    "validate_file",
    "winners",
    "write_report",
]
