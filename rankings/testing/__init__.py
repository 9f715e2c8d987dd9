"""Tools for plugin authors: check a methodology against the invariants it declares.

Use :func:`check_methodology` (seeded random search, no extra dependency) or
:func:`assert_conforms` in your own test suite, and the hypothesis strategies in
:mod:`rankings.testing.strategies` for property tests of your own::

    from rankings.testing import assert_conforms
    from my_package import MY_METHOD

    def test_my_method_keeps_its_promises():
        assert_conforms(MY_METHOD, examples=300)
"""

from __future__ import annotations

from rankings.invariants import CHECKS, CheckOutcome, Violation, check_invariant, random_table, run_checks
from rankings.methodology import INVARIANTS, Methodology

__all__ = [
    "CHECKS",
    "INVARIANTS",
    "CheckOutcome",
    "Violation",
    "assert_conforms",
    "check_invariant",
    "check_methodology",
    "random_table",
]


def check_methodology(method: Methodology, *, examples: int = 200, seed: int = 0,
                      explore: bool = False) -> list[CheckOutcome]:
    """Run every declared invariant (and, with ``explore``, the others) on random tables."""
    return run_checks(method, examples=examples, seed=seed, explore=explore)


def assert_conforms(method: Methodology, *, examples: int = 200, seed: int = 0) -> None:
    """Raise ``AssertionError`` with the counterexample if a declared invariant fails."""
    failures = [o for o in run_checks(method, examples=examples, seed=seed) if not o.ok]
    if failures:
        lines = []
        for o in failures:
            detail = o.error if o.error else (o.violation.describe() if o.violation else "")
            lines.append(f"{o.methodology}: {o.invariant}: {detail}")
        raise AssertionError("declared invariants failed:\n" + "\n".join(lines))
