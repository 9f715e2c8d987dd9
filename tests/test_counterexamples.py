"""Known failures: invariants the built-ins do not claim, shown by concrete counterexamples.

Examples from the project's research notes (section 2.3), each re-verified here.
"""

from __future__ import annotations

import numpy as np
import pytest

from rankings.invariants import run_checks
from rankings.methodology import Methodology
from rankings.ranking import rank_scores
from rankings.registry import discover
from rankings.table import ContributorTable, MetricSpec


def _table(rows: dict[str, tuple[float, ...]], metrics=("a", "b")) -> ContributorTable:
    return ContributorTable(
        contributors=tuple(rows), metrics=tuple(MetricSpec(m) for m in metrics),
        values=np.array(list(rows.values()), dtype=float), label="counterexample",
    )


def _ranks(method: Methodology, table: ContributorTable) -> dict[str, int]:
    result = method.evaluate(table)
    return {c: int(r) for c, r in zip(result.table.contributors, result.ranks)}


def _method(normalize: str, aggregate: str, weights: dict[str, float]) -> Methodology:
    return Methodology(name="probe", description="probe", weights=weights, normalize=normalize,
                       aggregate=aggregate, source="test")


def test_min_max_weighted_sum_reverses_when_a_contributor_is_added():
    method = _method("min-max", "arithmetic", {"a": 0.86, "b": 0.14})
    without_c = _ranks(method, _table({"A": (1, 19), "B": (2, 1)}))
    with_c = _ranks(method, _table({"A": (1, 19), "B": (2, 1), "C": (9, 10)}))
    assert without_c["B"] < without_c["A"]  # B first among two
    assert with_c["A"] < with_c["B"]  # adding C (the new maximum of a) puts A ahead


def test_topsis_reverses_when_a_contributor_is_added():
    method = _method("min-max", "topsis", {"a": 0.78, "b": 0.22})
    both = _ranks(method, _table({"r1": (2, 7), "r3": (1, 15)}))
    three = _ranks(method, _table({"r1": (2, 7), "r2": (12, 20), "r3": (1, 15)}))
    assert both["r1"] < both["r3"]
    assert three["r3"] < three["r1"]


def test_z_score_weighted_sum_is_not_monotone():
    method = _method("z-score", "arithmetic", {"a": 0.5, "b": 0.5})
    before = _ranks(method, _table({"A": (7, 3), "B": (4, 4), "C": (3, 8)}))
    after = _ranks(method, _table({"A": (11, 3), "B": (4, 4), "C": (3, 8)}))
    assert before["A"] == 1
    assert after["A"] == 2  # A improved its own best metric and lost first place


def test_geometric_mean_of_min_max_has_a_zero_trap_without_a_floor():
    method = _method("min-max", "geometric", {"a": 0.5, "b": 0.5})
    scores = method.evaluate(_table({"x": (0, 10), "y": (0, 5), "z": (10, 0)})).scores
    assert np.all(scores == 0)  # x dominates y but ties with it: the reason geometric-core uses [1, 100]
    floored = _method("min-max", "geometric", {"a": 0.5, "b": 0.5}).with_overrides(parameters={"lower": 1, "upper": 100})
    ranks = _ranks(floored, _table({"x": (0, 10), "y": (0, 5), "z": (10, 0)}))
    assert ranks["x"] < ranks["y"]


def test_positional_tie_breaking_would_break_permutation_but_ours_does_not():
    scores = np.array([0.3, 0.7, 0.3])
    assert rank_scores(scores).tolist() == [2, 1, 2]
    assert rank_scores(scores[[2, 1, 0]]).tolist() == [2, 1, 2]


UNCLAIMED = [
    (method, invariant)
    for method in discover(autoload=False)
    for invariant in ("iia", "translation-invariance", "monotonicity")
    if invariant not in method.invariants
]


@pytest.mark.parametrize(("method", "invariant"), UNCLAIMED, ids=[f"{m.name}-{i}" for m, i in UNCLAIMED])
def test_what_a_builtin_does_not_claim_has_a_counterexample(method, invariant):
    outcome = run_checks(method, examples=500, seed=1, invariants=[invariant])[0]
    assert outcome.violation is not None, f"{method.name} may satisfy {invariant}: declare it"
