"""rankings: explore how league tables of AI contributors depend on methodology.

The public API::

    import rankings

    table = rankings.load_default()                        # the embedded dataset, default lens
    method = rankings.get_methodology("equal-core")
    result = method.evaluate(table)                         # scores and ranks
    result.rank_of("Alibaba")
    what_if = method.with_overrides(weights={"notable_models": 0.7, "frontier_eci": 0.3})
"""

from __future__ import annotations

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
from rankings.table import ContributorTable, MetricSpec, load_table

__all__ = [
    "AnalysisError",
    "Comparison",
    "ContributorTable",
    "DEFAULT_LENS",
    "DataError",
    "ENTRY_POINT_GROUP",
    "Explanation",
    "INVARIANTS",
    "Lens",
    "LensError",
    "Methodology",
    "MethodologyError",
    "MetricSpec",
    "RankingResult",
    "RankingsError",
    "Registry",
    "TIE_RULES",
    "UnknownNameError",
    "WeightError",
    "__version__",
    "compare",
    "default_registry",
    "discover",
    "explain_gap",
    "get_methodology",
    "load_default",
    "load_table",
    "load_toml",
    "metric_sources",
    "rank_scores",
    "validate_file",
]
