"""formulas.js against the Python formulas: every normalisation, aggregation, the tie rule and the sweep.

The JavaScript runs in headless Chromium (the engine the page runs in) on seeded random
matrices with ties, costs and zeros; each result must equal numpy's to rounding, and ranks exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from rankings import normalize as N
from rankings.aggregate import AGGREGATIONS
from rankings.explore.page import asset
from rankings.explore.payload import PAGE_AGGREGATIONS
from rankings.ranking import rank_scores

CALL = "return (function () { " + "%s" + "; return %s; }).apply(null, arguments);"


@pytest.fixture(scope="module")
def js(browser: Any) -> Any:
    browser.get("about:blank")
    source = asset("formulas.js")

    def run(expression: str, *args: Any) -> Any:
        return browser.execute_script(CALL % (source, expression), *args)
    return run


def _matrices(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    rng = np.random.default_rng(seed)
    out = []
    for n, m in ((1, 2), (2, 3), (7, 3), (40, 5), (158, 4)):
        X = rng.integers(0, 6, size=(n, m)).astype(float)        # many ties
        X[:, -1] = rng.lognormal(2.0, 1.0, size=n)               # a continuous column
        higher = rng.random(m) < 0.7
        higher[0] = True
        out.append((X, higher))
    return out


def _close(got: Any, want: np.ndarray) -> None:
    assert np.asarray(got, dtype=float) == pytest.approx(np.asarray(want, dtype=float), rel=1e-12, abs=1e-12)


def test_every_normalisation_matches_python(js: Any) -> None:
    params = {"min-max": {"lower": 1.0, "upper": 100.0}, "log-min-max": {}, "z-score": {"ddof": 1}}
    checked = 0
    for X, higher in _matrices(1):
        m = X.shape[1]
        positive = X + 1.0  # lower-is-better share and ratios need positive values
        for name in N.NORMALIZERS:
            extra: dict[str, Any] = dict(params.get(name, {}))
            if name == "goalposts":
                extra = {"bounds": [[-1.0, 8.0]] * m, "clip": True}
            if name == "distance-to-reference":
                extra = {"reference": [2.5] * m}
            data = positive if name in ("share", "ratio-to-leader", "distance-to-reference") else X
            want = N.apply(name, data, higher, **extra)
            got = js("Formulas.normalize(arguments[0], arguments[1], arguments[2], arguments[3])", name,
                     data.tolist(), higher.tolist(), extra)
            _close(got, want)
            checked += 1
        want = N.z_score(X, higher, ddof=0)
        _close(js("Formulas.normalize('z-score', arguments[0], arguments[1], {ddof: 0})", X.tolist(), higher.tolist()), want)
    assert checked == 5 * len(N.NORMALIZERS)


def test_the_errors_are_the_pythons(js: Any) -> None:
    negative = [[-1.0, 2.0], [3.0, 4.0]]
    for name, text in (("share", "share normalisation needs non-negative values (got a negative value)"),
                       ("ratio-to-leader", "ratio-to-leader needs non-negative values (got a negative value)")):
        got = js("(function () { try { Formulas.normalize(arguments[0], arguments[1], [true, true]); return null; }"
                 " catch (e) { return e.message; } }).apply(null, arguments)", name, negative)
        assert got == text
    got = js("(function () { try { Formulas.aggregate('geometric', arguments[0], [0.5, 0.5]); return null; }"
             " catch (e) { return e.message; } }).apply(null, arguments)", negative)
    assert got.startswith("the geometric mean needs non-negative normalised values")


def test_every_page_aggregation_matches_python(js: Any) -> None:
    rng = np.random.default_rng(2)
    for X, higher in _matrices(3):
        Z = N.min_max(X, higher)            # zeros included: the geometric veto is exercised
        for _ in range(3):
            w = rng.dirichlet(np.ones(Z.shape[1]))
            w[rng.integers(Z.shape[1])] = 0.0  # a zero weight: ignored zeros, skipped priorities
            w = w / w.sum()
            for name in PAGE_AGGREGATIONS:
                params = {"lam": 0.3} if name == "waspas" else {}
                want = AGGREGATIONS[name](Z, w[None, :], **params)[0]
                got = js("Formulas.aggregate(arguments[0], arguments[1], arguments[2], arguments[3])",
                         name, Z.tolist(), w.tolist(), params)
                _close(got, want)
                assert js("Formulas.rankScores(Formulas.aggregate(arguments[0], arguments[1], arguments[2], arguments[3]))",
                          name, Z.tolist(), w.tolist(), params) == rank_scores(want).tolist()


def test_the_tie_rule_and_tolerance_match(js: Any) -> None:
    scale = 1000.0
    scores = np.array([scale, scale * (1 - 5e-10), scale * (1 - 2e-9), 3.0, 3.0, -2.0, 0.0, 3.0 + 1e-13])
    for ties in ("competition", "dense", "average"):
        want = rank_scores(scores, ties).tolist()
        assert js("Formulas.rankScores(arguments[0], arguments[1])", scores.tolist(), ties) == want
    assert js("Formulas.tieTolerance(arguments[0])", scores.tolist()) == pytest.approx(1e-9 * scale + 1e-12, rel=1e-15)


def test_the_sweep_matches_python(js: Any) -> None:
    import rankings

    rng = np.random.default_rng(4)
    X = rng.integers(0, 9, size=(30, 3)).astype(float) + rng.random((30, 3))
    table = rankings.ContributorTable.from_frame(
        __import__("pandas").DataFrame(X, columns=["a", "b", "c"], index=[f"c{i}" for i in range(30)]))
    for agg in ("arithmetic", "borda", "promethee-ii", "geometric"):
        method = rankings.get_methodology("equal-weights").with_overrides(
            weights={"a": 0.5, "b": 0.2, "c": 0.3}, aggregate=agg, normalize="min-max" if agg != "geometric" else "ratio-to-leader")
        result = rankings.sweep(method, table, "c7")
        prepared = method.prepare(table)
        Z = method.normalized(prepared)
        base = [0.5, 0.2, 0.3]
        for j, curve in enumerate(result.curves):
            got = js("(function () { var L = Formulas.linearForm(arguments[0], arguments[1]);"
                     " return Formulas.sweep(L, arguments[2], 7, arguments[3], arguments[4]); }).apply(null, arguments)",
                     agg, Z.tolist(), base, j, list(prepared.contributors))
            assert got["baseRank"] == curve.base_rank
            ends = [x for iv in got["intervals"] for x in iv[:2]]
            assert ends == pytest.approx([x for iv in curve.intervals for x in iv[:2]], abs=1e-12)
            assert [iv[2] for iv in got["intervals"]] == [iv[2] for iv in curve.intervals]
            assert [(c[1], c[2]) for c in got["crossings"]] == [(c[1], c[2]) for c in curve.crossings]
