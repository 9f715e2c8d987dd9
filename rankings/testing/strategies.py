"""Hypothesis strategies for contributor tables and weights (needs ``hypothesis``).

Tables use small integer domains with ties and duplicated rows, where order-type
properties fail most often, or log-normal-like positive values; weights are drawn as
integers and normalised, so they shrink towards equal weights and carry exact ratios.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from rankings.methodology import Methodology
from rankings.table import ContributorTable, MetricSpec

__all__ = ["contributor_tables", "problems_for", "simplex_weights"]


@st.composite
def contributor_tables(
    draw: st.DrawFn,
    metrics: Sequence[str] | None = None,
    *,
    min_contributors: int = 2,
    max_contributors: int = 8,
    ties: bool | None = None,
    directions: bool = True,
) -> ContributorTable:
    """A complete table (no missing values) with the given metric names."""
    names = list(metrics) if metrics is not None else [f"m{j + 1}" for j in range(draw(st.integers(1, 4)))]
    n = draw(st.integers(min_contributors, max_contributors))
    m = len(names)
    use_ties = draw(st.booleans()) if ties is None else ties
    if use_ties:
        cells = st.sampled_from([0.0, 1.0, 2.0, 5.0, 10.0])
    else:
        cells = st.integers(0, 10_000).map(float)
    values = np.array(draw(st.lists(st.lists(cells, min_size=m, max_size=m), min_size=n, max_size=n)), dtype=float)
    if n >= 2 and draw(st.booleans()):
        i, k = draw(st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True))
        values[k] = values[i]
    specs = tuple(
        MetricSpec(name=name, kind="count",
                   direction=draw(st.sampled_from(["max", "max", "max", "min"])) if directions else "max")
        for name in names
    )
    return ContributorTable(contributors=tuple(f"c{i}" for i in range(n)), metrics=specs, values=values,
                            label="generated table")


@st.composite
def simplex_weights(draw: st.DrawFn, metrics: Sequence[str], *, allow_zero: bool = False,
                    resolution: int = 1000) -> dict[str, float]:
    """Weights on the simplex drawn as integers over ``resolution`` (shrinks to equal)."""
    low = 0 if allow_zero else 1
    raw = draw(st.lists(st.integers(low, resolution), min_size=len(metrics), max_size=len(metrics))
               .filter(lambda r: sum(r) > 0))
    total = float(sum(raw))
    return {name: value / total for name, value in zip(metrics, raw)}


@st.composite
def problems_for(draw: st.DrawFn, method: Methodology, **table_options: object) -> tuple[ContributorTable, dict]:
    """A table with the metrics ``method`` reads, and weights for them."""
    if method.weights is not None:
        metrics = list(method.weights)
    else:
        metrics = [f"m{j + 1}" for j in range(draw(st.integers(1, 4)))]
    table = draw(contributor_tables(metrics, **table_options))  # type: ignore[arg-type]
    weights = draw(simplex_weights(metrics))
    return table, weights
