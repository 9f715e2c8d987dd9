"""One generic suite: every registered methodology against every invariant it declares.

The registry includes the built-ins and the example plugin installed from
``tests/example_plugin`` (see conftest), discovered through the entry-point group.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rankings.invariants import CHECKS
from rankings.methodology import INVARIANTS
from rankings.registry import discover
from rankings.testing.strategies import problems_for

REGISTRY = discover()
CASES = [
    pytest.param(method, invariant, id=f"{method.name}-{invariant}")
    for method in REGISTRY
    for invariant in INVARIANTS
    if invariant in method.invariants
]


def test_the_example_plugin_is_in_the_suite():
    assert "rank-product" in REGISTRY
    assert any(case.values[0].name == "rank-product" for case in CASES)


def test_every_methodology_declares_something():
    for method in REGISTRY:
        assert method.invariants, method.name


@pytest.mark.parametrize(("method", "invariant"), CASES)
@given(data=st.data())
def test_declared_invariant_holds(method, invariant, data):
    table, weights = data.draw(problems_for(method, min_contributors=2, max_contributors=7))
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    violation = CHECKS[invariant](method, table, weights, np.random.default_rng(seed))
    assert violation is None, violation.describe()
