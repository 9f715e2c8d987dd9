"""A tiny third-party methodology plugin used by the test suite.

It scores contributors by a weighted rank product: the weighted geometric mean of
their per-metric ranks (rank 1 best), negated so that higher is better. It has its
own score function and a vectorised form, and declares the invariants it keeps.

Reference: Breitling R., Armengaud P., Amtmann A., Herzyk P. (2004). Rank products:
a simple, yet powerful, new method to detect differentially regulated genes in
replicated microarray experiments. FEBS Letters 573:83-92.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from rankings import Methodology


def _log_ranks(table):
    sign = np.array([1.0 if s.direction == "max" else -1.0 for s in table.metrics])
    # rank 1 = best; ties take the smallest rank of their group
    return np.log(rankdata(-(table.values * sign), method="min", axis=0))


def score(table, weights):
    w = np.array([weights[m] for m in table.metric_names])
    return -(_log_ranks(table) @ w)


def score_batch(table, W):
    return -(W @ _log_ranks(table).T)


RANK_PRODUCT = Methodology(
    name="rank-product",
    description="Weighted rank product: geometric mean of per-metric ranks (plugin example)",
    weights=None,
    invariants=frozenset({"permutation", "neutrality", "pareto", "monotonicity", "scale-invariance",
                          "translation-invariance", "zero-weight-independence", "weight-homogeneity",
                          "determinism"}),
    references=("Breitling R. et al. (2004). Rank products. FEBS Letters 573:83-92.",),
    score=score,
    score_batch=score_batch,
)
