"""Ranking, the contributor table, normalisation directions and the public API."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rankings
from rankings import normalize
from rankings.errors import DataError, UnknownNameError
from rankings.ranking import rank_scores, tie_tolerance
from rankings.table import ContributorTable, MetricSpec
from rankings.table_io import load_table


def test_tie_rules():
    scores = np.array([3.0, 5.0, 5.0, 1.0, 5.0])
    assert rank_scores(scores).tolist() == [4, 1, 1, 5, 1]
    assert rank_scores(scores, "dense").tolist() == [2, 1, 1, 3, 1]
    assert rank_scores(scores, "average").tolist() == [4.0, 2.0, 2.0, 5.0, 2.0]


def test_round_off_differences_are_ties_but_real_differences_are_not():
    exact = np.array([0.1 + 0.2, 0.3, 0.3000001])
    assert rank_scores(exact).tolist() == [2, 2, 1]
    assert tie_tolerance(np.array([1e6, 2.0])) == pytest.approx(1e-3 + 1e-12)


def test_ranks_do_not_depend_on_row_order():
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 6, size=40) / 10 * 3  # many exact ties after float arithmetic
    for _ in range(20):
        perm = rng.permutation(40)
        assert np.array_equal(rank_scores(scores[perm]), rank_scores(scores)[perm])


def test_minus_infinity_ranks_last_and_ties():
    assert rank_scores(np.array([-np.inf, 1.0, -np.inf])).tolist() == [2, 1, 2]


def test_table_is_frozen_and_validated():
    table = ContributorTable(("a", "b"), (MetricSpec("x", kind="count"),), np.array([[1.0], [2.0]]))
    with pytest.raises(ValueError):
        table.values[0, 0] = 5
    with pytest.raises(DataError, match="count metric 'x' must be non-negative"):
        table.replace(values=np.array([[1.0], [-2.0]]))
    # with_values (the sampled analyses' per-run copy) checks the values as the constructor does
    with pytest.raises(DataError, match="count metric 'x' must be non-negative"):
        table.with_values(np.array([[1.0], [-2.0]]))
    with pytest.raises(DataError, match="must be finite"):
        table.with_values(np.array([[np.inf], [2.0]]))
    with pytest.raises(DataError, match=r"shape \(2, 1\)"):
        table.with_values(np.ones((3, 1)))
    source = np.array([[3.0], [np.nan]])
    other = table.with_values(source)
    source[0, 0] = 9.0  # a copy, read-only, with the names and specs of the original
    assert other.values[0, 0] == 3.0 and np.isnan(other.values[1, 0]) and not other.values.flags.writeable
    assert other.contributors == table.contributors and other.metrics == table.metrics and table.values[0, 0] == 1.0
    with pytest.raises(UnknownNameError, match="unknown contributor 'c'"):
        table.contributor_index("c")
    assert table.contributor_index("B") == 1  # a unique case-insensitive match


def test_missing_rules():
    table = ContributorTable(("a", "b", "c"), (MetricSpec("x"), MetricSpec("y", direction="min")),
                             np.array([[1.0, np.nan], [2.0, 5.0], [np.nan, 3.0]]))
    assert table.resolve_missing("drop").contributors == ("b",)
    worst = table.resolve_missing("worst").values
    assert worst[0, 1] == 5.0  # lower is better: the worst is the largest
    assert worst[2, 0] == 1.0
    assert table.resolve_missing("zero").values[2, 0] == 0.0
    with pytest.raises(DataError, match="got 2 missing: c/x, a/y"):
        table.resolve_missing("error")


def test_json_and_spec_sidecar(tmp_path: Path):
    (tmp_path / "t.json").write_text(json.dumps({
        "metrics": [{"name": "cost", "direction": "min", "kind": "score", "unit": "USD"}],
        "contributors": [{"contributor": "A", "cost": 3, "country": "FR"}, {"contributor": "B", "cost": 1}],
    }))
    table = load_table(tmp_path / "t.json")
    assert table.spec("cost").direction == "min"
    assert table.attributes["country"] == ("FR", "")
    (tmp_path / "u.csv").write_text("name,papers,sector\nX,3,industry\nY,4,academia\n")
    (tmp_path / "u.metrics.csv").write_text("name,direction,kind,unit,proxy\npapers,max,count,papers,true\n")
    table = load_table(tmp_path / "u.csv")
    assert table.spec("papers").proxy and table.spec("papers").kind == "count"
    assert table.attributes["sector"] == ("industry", "academia")


@pytest.mark.parametrize("name", sorted(normalize.NORMALIZERS))
def test_every_normalisation_turns_lower_is_better_around(name):
    X = np.array([[1.0, 4.0], [2.0, 2.0], [4.0, 1.0]])
    params = {"goalposts": {"bounds": [(0, 5), (0, 5)]}, "distance-to-reference": {"reference": [2.0, 2.0]}}
    up = normalize.apply(name, X, np.array([True, True]), **params.get(name, {}))
    down = normalize.apply(name, X, np.array([True, False]), **params.get(name, {}))
    assert np.all(np.diff(up[:, 0]) >= 0)
    assert np.all(np.diff(up[:, 1]) <= 0)  # higher raw value, higher normalised value
    assert np.all(np.diff(down[:, 1]) >= 0)  # lower raw value is better
    if name not in ("none",):
        assert np.all(np.isfinite(down))


def test_z_score_uses_the_sample_standard_deviation():
    z = normalize.z_score(np.array([[1.0], [2.0], [3.0]]), np.array([True]))
    assert z[:, 0].tolist() == pytest.approx([-1.0, 0.0, 1.0])
    z0 = normalize.z_score(np.array([[1.0], [2.0], [3.0]]), np.array([True]), ddof=0)
    assert z0[2, 0] == pytest.approx(1 / np.sqrt(2 / 3))


def test_public_api_is_pinned_and_sorted():
    assert rankings.__all__ == sorted(rankings.__all__)
    assert set(rankings.__all__) == {
        "DEFAULT_LENS", "ENTRY_POINT_GROUP", "INVARIANTS", "TIE_RULES", "AnalysisError", "Comparison",
        "ContributorTable", "DataError", "Explanation", "Lens", "LensError", "Methodology", "MethodologyError",
        "MetricSpec", "RankingResult", "RankingsError", "Registry", "UnknownNameError", "WeightError",
        "__version__", "compare", "default_registry", "discover", "explain_gap", "get_methodology", "load_default",
        "load_table", "load_toml", "metric_sources", "rank_scores", "validate_file",
        # the analyses and the report (imported on first use)
        "SensitivityResult", "rank_bounds", "sensitivity_analysis", "sweep", "tipping_point", "winners", "write_report",
        "GapResult", "gap_analysis",
    }
    for name in rankings.__all__:
        assert hasattr(rankings, name)


def test_import_does_not_pull_in_matplotlib_or_pandas():
    code = "import sys, rankings; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]


def test_library_api_end_to_end():
    table = rankings.load_default()
    method = rankings.get_methodology("equal-core")
    result = method.evaluate(table)
    what_if = method.with_overrides(weights={"notable_models": 1.0}).evaluate(table)
    assert what_if.rank_of("Alibaba") == 3
    assert result.to_frame().loc["Alibaba", "rank"] == result.rank_of("Alibaba")


def test_average_ranks_and_kendall_match_scipy():
    from scipy.stats import kendalltau, rankdata

    from rankings.ranking import average_ranks, kendall_tau

    rng = np.random.default_rng(3)
    for _ in range(50):
        X = rng.integers(0, 5, size=(int(rng.integers(2, 30)), 3)).astype(float)
        assert np.array_equal(average_ranks(X), rankdata(X, method="average", axis=0))
        a, b = X[:, 0], X[:, 1]
        expected = kendalltau(a, b).statistic
        got = kendall_tau(a, b)
        assert (np.isnan(expected) and np.isnan(got)) or got == pytest.approx(expected, abs=1e-12)


def test_results_show_as_tables_in_jupyter():
    from rankings.sensitivity.analyze import sensitivity
    from rankings.sensitivity.exact import rank_bounds, sweep

    table = rankings.load_default()
    method = rankings.get_methodology("equal-core")
    result = method.evaluate(table)
    objects = [
        table, result, rankings.compare([result, rankings.get_methodology("ai-index").evaluate(table)]),
        rankings.explain_gap(result, "Alibaba", "Google"), sweep(method, table, "Alibaba", metric="notable_models"),
        rank_bounds(method, table, "Alibaba"), sensitivity(method, table, focus="Alibaba", samples=500),
    ]
    for obj in objects:
        html = obj._repr_html_()
        assert "<table" in html and "</table>" in html, type(obj).__name__
        assert len(obj.to_frame()) > 0
