"""Missing rules mean / median / group-mean and outlier treatments winsorise / log (rankings.imputation)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli import main as cli
from rankings.declarative import methodology_from_mapping
from rankings.errors import DataError, MethodologyError
from rankings.table import ContributorTable, MetricSpec

NAN = float("nan")


def _table() -> ContributorTable:
    return ContributorTable(
        contributors=("a", "b", "c", "d", "e"),
        metrics=(MetricSpec("x"), MetricSpec("y")),
        values=np.array([[1.0, 10.0], [2.0, NAN], [3.0, 30.0], [NAN, 40.0], [100.0, 50.0]]),
        attributes={"country": ("US", "US", "CN", "CN", "CN"), "sector": ("i", "a", "i", "a", "i")},
        label="t",
    )


def _method(**extra):
    return methodology_from_mapping({"name": "m", "description": "d", "normalize": "min-max",
                                     "aggregate": "arithmetic", **extra}, "m.toml")


def test_mean_median_and_group_mean_fill_the_cells():
    t = _table()
    assert t.resolve_missing("mean").values[3, 0] == pytest.approx(106 / 4)
    assert t.resolve_missing("median").values[3, 0] == pytest.approx(2.5)
    g = t.resolve_missing("group-mean")  # by country: d is CN -> mean of c and e on x; b is US -> a on y
    assert g.values[3, 0] == pytest.approx(51.5) and g.values[1, 1] == pytest.approx(10.0)
    s = t.resolve_missing("group-mean:sector")  # b and d are sector a: b's y from d (40), d's x from b (2)
    assert s.values[1, 1] == pytest.approx(40.0) and s.values[3, 0] == pytest.approx(2.0)
    lone = t.replace(attributes={"country": ("US", "US", "CN", "", "CN")})  # d has no group: overall mean
    assert lone.resolve_missing("group-mean").values[3, 0] == pytest.approx(106 / 4)
    with pytest.raises(DataError, match="groups by an attribute the table does not have"):
        t.resolve_missing("group-mean:region")
    bare = t.replace(attributes={})
    with pytest.raises(DataError, match="group-mean' needs a country or sector column"):
        bare.resolve_missing("group-mean")


def test_filled_cells_are_shown_as_filled():
    r = _method(missing="median").evaluate(_table())
    assert r.filled is not None and r.filled[3, 0] and r.filled[1, 1] and r.filled.sum() == 2
    row = {x["contributor"]: x for x in r.rows()}["d"]
    assert row["values"]["x"] is None and row["filled"] == {"x": 2.5}
    assert any("missing rule 'median' filled 2 missing value(s)" in n for n in r.notes)


def test_winsorise_by_count_and_quantile_and_log():
    t = _table().resolve_missing("mean")
    m = _method(missing="mean", outliers={"rule": "winsorise", "count": 1})
    r = m.evaluate(_table())
    assert r.table.values[4, 0] == pytest.approx(106 / 4)  # e's 100 takes the next value down (d's imputed 26.5)
    assert r.filled is not None and r.filled[4, 0]
    assert any("outliers: winsorise (count 1) replaced" in n for n in r.notes)
    q = _method(missing="mean", outliers={"rule": "winsorise", "quantile": 0.25}).prepare(_table())
    lo, hi = np.quantile(t.values[:, 0], [0.25, 0.75])
    assert q.values[:, 0].min() == pytest.approx(lo) and q.values[:, 0].max() == pytest.approx(hi)
    logged = _method(missing="mean", outliers={"rule": "log", "metrics": ["x"]}).evaluate(_table())
    assert logged.table.values[:, 0] == pytest.approx(np.log(t.values[:, 0]))
    assert logged.table.values[:, 1] == pytest.approx(t.values[:, 1])
    assert any("log applied to x" in n for n in logged.notes)


def test_bad_outlier_settings_are_one_line_errors():
    with pytest.raises(MethodologyError, match="outliers rule must be one of none, winsorise, log"):
        _method(outliers={"rule": "trim"})
    with pytest.raises(MethodologyError, match="winsorise needs count or quantile"):
        _method(outliers={"rule": "winsorise"})
    with pytest.raises(MethodologyError, match=r"outliers quantile must be in \(0, 0.5\)"):
        _method(outliers={"rule": "winsorise", "quantile": 0.7})
    too_many = _method(missing="mean", outliers={"rule": "winsorise", "count": 5})
    with pytest.raises(DataError, match=r"outliers count must be smaller than the number of contributors "
                                        r"\(got count = 5 for 5 contributors\)"):
        too_many.evaluate(_table())


def test_cli_shows_filled_and_winsorised_cells(tmp_path):
    data = tmp_path / "t.csv"
    data.write_text("contributor,country,x,y\na,US,1,10\nb,US,2,\nc,CN,3,30\nd,CN,,40\ne,CN,100,50\n")
    method = tmp_path / "w.toml"
    method.write_text('name = "w"\ndescription = "d"\nnormalize = "min-max"\naggregate = "arithmetic"\n'
                      'missing = "median"\n[outliers]\nrule = "winsorise"\ncount = 1\n')
    runner = CliRunner()
    out = runner.invoke(cli, ["rank", "--data", str(data), "--methods-dir", str(tmp_path), "--method", "w"])
    assert out.exit_code == 0, out.output
    assert "* filled by the missing rule 'median' or winsorise (count 1): not an observed value" in out.output
    js = runner.invoke(cli, ["rank", "--data", str(data), "--methods-dir", str(tmp_path), "--method", "w",
                             "--format", "json"])
    payload = json.loads(js.output)
    e = next(r for r in payload["ranking"] if r["contributor"] == "e")
    assert e["filled"] == {"x": 3.0}
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "b.toml").write_text(method.read_text().replace("count = 1", "count = 9").replace('"w"', '"b"', 1))
    err = runner.invoke(cli, ["rank", "--data", str(data), "--methods-dir", str(bad), "--method", "b"])
    assert err.exit_code != 0 and "outliers count must be smaller than the number of contributors" in err.output
    assert "Traceback" not in err.output
