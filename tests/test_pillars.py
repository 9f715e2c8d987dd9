"""Hierarchies of pillars (rankings.pillars): effective weights, level-by-level scores, explain, exact analyses, bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli import main
from rankings.declarative import methodology_from_mapping
from rankings.errors import MethodologyError, UnknownNameError
from rankings.explain import explain_gap
from rankings.sensitivity.linear import linear_problem
from rankings.table_io import load_table

DATA = Path(__file__).parent / "data"
TAI = load_table(DATA / "tai_handbook_2008.csv")


def _doc(**extra):
    return {"name": "p", "description": "d", "normalize": "min-max", "aggregate": "arithmetic", **extra}


def test_effective_weights_multiply_down_the_path():
    m = methodology_from_mapping(_doc(
        weights={"tech": 3, "people": 1},
        pillars={"tech": {"members": {"create": 1, "internet": 1}},
                 "create": {"members": {"patents": 2, "royalties": 1}},
                 "people": {"members": ["schooling", "university"]}}), "p.toml")
    assert dict(m.weights) == pytest.approx({"patents": 0.25, "royalties": 0.125, "internet": 0.375,
                                             "schooling": 0.125, "university": 0.125})
    r = m.evaluate(TAI)
    flat = methodology_from_mapping(_doc(weights=dict(m.weights)), "f.toml").evaluate(TAI)
    assert r.scores == pytest.approx(flat.scores)  # all-arithmetic: the hierarchy is the flat mean
    e = explain_gap(r, "Finland", "Japan")
    assert e.pillars is not None and e.method == "additive"
    assert e.pillars["tech"] == pytest.approx(e.pillars["create"] + e.contributions["internet"])
    assert e.pillars["tech"] + e.pillars["people"] == pytest.approx(e.gap)
    assert linear_problem(m, TAI) is not None


def test_a_geometric_pillar_is_scored_level_by_level_and_is_not_linear():
    m = methodology_from_mapping(_doc(
        weights={"a": 1, "b": 1},
        pillars={"a": {"members": ["patents", "royalties"], "aggregate": "geometric"},
                 "b": {"members": ["schooling", "university"]}}), "g.toml")
    assert not m.pillars.flat
    r = m.evaluate(TAI)
    Z = r.normalized
    j = {k: i for i, k in enumerate(r.table.metric_names)}
    expected = 0.5 * np.sqrt(Z[:, j["patents"]] * Z[:, j["royalties"]]) + 0.5 * (Z[:, j["schooling"]] + Z[:, j["university"]]) / 2
    assert r.scores == pytest.approx(expected)
    assert linear_problem(m, TAI) is None
    e = explain_gap(r, "Finland", "Sweden")
    assert e.method == "shapley" and sum(e.pillars.values()) == pytest.approx(e.gap)


@pytest.mark.parametrize("pillars, weights, message", [
    ({"a": {"members": []}}, {"a": 1}, r"p\.toml: key 'pillars\.a' must have members \(got an empty pillar\)"),
    ({"a": {"members": ["b"]}, "b": {"members": ["a"]}}, {"a": 1}, r"key 'pillars\.\w' belongs to two pillars|cycle"),
    ({"a": {"members": ["a"]}}, {"a": 1}, r"key 'pillars\.a' contains itself \(a cycle\)"),
    ({"a": {"members": ["x"]}, "b": {"members": ["y"]}}, {"a": 1}, r"key 'pillars\.b' is in no pillar and not in weights"),
    ({"a": {"members": ["x"], "aggregate": "topsis"}}, {"a": 1}, r"key 'pillars\.a'\.aggregate must be one of"),
    ({"a": {"members": ["x"], "colour": 1}}, {"a": 1}, r"key 'pillars\.a': unknown key 'colour'"),
])
def test_bad_hierarchies_are_one_line_errors_naming_file_and_key(pillars, weights, message):
    with pytest.raises(MethodologyError, match=message):
        methodology_from_mapping(_doc(weights=weights, pillars=pillars), "p.toml")


def test_a_cycle_through_two_pillars_is_named():
    with pytest.raises(MethodologyError, match=r"p\.toml: key 'pillars\.a' is in a cycle \(a -> b -> a\)"):
        methodology_from_mapping(_doc(weights={"c": 1}, pillars={
            "a": {"members": ["b"]}, "b": {"members": ["a"]}, "c": {"members": ["x"]}}), "p.toml")


def test_an_unknown_member_names_its_pillar_at_evaluation():
    m = methodology_from_mapping(_doc(weights={"a": 1}, pillars={"a": {"members": ["patents", "nope"]}}), "p.toml")
    with pytest.raises(UnknownNameError, match=r"p\.toml\) \(key 'pillars\.a'\) reads a metric .* 'nope'"):
        m.evaluate(TAI)


def test_cli_show_and_explain_with_pillars(tmp_path):
    runner = CliRunner()
    shown = runner.invoke(main, ["show", "tai-handbook", "--methods-dir", str(DATA), "--weights",
                                 "--data", str(DATA / "tai_handbook_2008.csv")])
    assert shown.exit_code == 0, shown.output
    assert "pillars:      4, aggregated arithmetic at the top" in shown.output
    assert "\n    creation [pillar, arithmetic]: 0.25\n      patents: 0.125\n" in shown.output
    explained = runner.invoke(main, ["explain", "Finland", "--vs", "Japan", "--method", "tai-handbook",
                                     "--methods-dir", str(DATA), "--data", str(DATA / "tai_handbook_2008.csv")])
    assert explained.exit_code == 0, explained.output
    assert "Per pillar (the sum of its metrics' contributions):" in explained.output
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\ndescription = "d"\nnormalize = "min-max"\naggregate = "arithmetic"\n'
                   '[weights]\na = 1\n[pillars.a]\nmembers = []\n')
    err = runner.invoke(main, ["show", "bad", "--methods-dir", str(tmp_path)])
    assert err.exit_code == 2
    assert err.output.strip().endswith(f"methodology file {bad}: key 'pillars.a' must have members (got an empty pillar)")
