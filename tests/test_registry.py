"""Discovery and validation of methodologies: entry points, TOML, plugin failures."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
import pytest

import rankings.registry as registry_module
from rankings import Methodology
from rankings.declarative import load_toml
from rankings.errors import MethodologyError, RankingsWarning
from rankings.invariants import run_checks
from rankings.registry import discover
from rankings.table import ContributorTable, MetricSpec

BUILTIN = EntryPoint("builtin", "rankings._builtin:methodologies", "rankings.methodologies")


def _table() -> ContributorTable:
    return ContributorTable(("A", "B", "C"), (MetricSpec("x"), MetricSpec("y")),
                            np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 2.0]]), label="t")


def _with_entry_points(monkeypatch, *extra: EntryPoint) -> None:
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [BUILTIN, *extra])


def test_builtins_and_installed_plugin_are_discovered():
    registry = discover()
    assert {"ai-index", "equal-core", "geometric-core", "topsis-core", "borda-core", "publications", "citations",
            "benchmark-frontier", "open-weights"} <= set(registry.names())
    plugin = registry.get("rank-product")
    assert plugin.source == "plugin entry point 'rank-product' (rankings_example_plugin:RANK_PRODUCT)"
    assert plugin.score_batch is not None


def test_installed_plugin_passes_its_declared_invariants():
    plugin = discover().get("rank-product")
    outcomes = run_checks(plugin, examples=100)
    assert outcomes and all(o.ok for o in outcomes), [o.violation.describe() for o in outcomes if o.violation]


def test_disabling_autoload_keeps_only_builtins(monkeypatch):
    monkeypatch.setenv("RANKINGS_DISABLE_PLUGIN_AUTOLOAD", "1")
    registry = discover()
    assert "rank-product" not in registry
    assert "ai-index" in registry


def test_plugin_that_fails_to_import_is_named(monkeypatch):
    _with_entry_points(monkeypatch, EntryPoint("broken", "no_such_module_xyz:METHOD", "rankings.methodologies"))
    with pytest.warns(RankingsWarning, match="plugin entry point 'broken'"):
        registry = discover()
    assert "ai-index" in registry
    with pytest.raises(MethodologyError) as info:
        registry.get("broken")
    assert str(info.value) == (
        "plugin entry point 'broken' (no_such_module_xyz:METHOD) failed to load: "
        "ModuleNotFoundError: No module named 'no_such_module_xyz'"
    )


def test_plugin_must_provide_methodologies(monkeypatch):
    _with_entry_points(monkeypatch, EntryPoint("odd", "math:pi", "rankings.methodologies"))
    with pytest.warns(RankingsWarning, match=r"plugin entry point 'odd' \(math:pi\) must provide a Methodology"):
        registry = discover()
    with pytest.raises(MethodologyError, match=r"plugin entry point 'odd' \(math:pi\) must provide a Methodology"):
        registry.get("odd")


def test_duplicate_names_name_both_sources(tmp_path: Path):
    (tmp_path / "dup.toml").write_text(
        'name = "ai-index"\ndescription = "again"\nnormalize = "none"\naggregate = "arithmetic"\n[weights]\nx = 1\n'
    )
    with pytest.raises(MethodologyError, match="must be unique .*built-in ai-index.toml.*dup.toml"):
        discover([tmp_path], autoload=False)


def test_plugin_returning_nan_is_reported():
    method = Methodology(name="nan-maker", description="returns NaN", weights={"x": 1.0},
                         score=lambda table, w: [1.0, float("nan"), 0.0], source="test plugin")
    with pytest.raises(MethodologyError) as info:
        method.evaluate(_table())
    assert str(info.value) == "methodology 'nan-maker' (test plugin): score returned NaN (first for 'B')"


def test_plugin_returning_the_wrong_index_is_reported():
    import pandas as pd

    method = Methodology(name="bad-index", description="wrong labels", weights={"x": 1.0},
                         score=lambda table, w: pd.Series([1.0, 2.0, 3.0], index=["A", "B", "Z"]), source="test plugin")
    with pytest.raises(MethodologyError, match="score must be indexed by the table's contributors"):
        method.evaluate(_table())


def test_plugin_series_in_another_order_is_aligned():
    import pandas as pd

    method = Methodology(name="shuffled", description="labels in another order", weights={"x": 1.0},
                         score=lambda table, w: pd.Series([3.0, 1.0, 2.0], index=["B", "A", "C"]), source="test")
    result = method.evaluate(_table())
    assert dict(zip(result.table.contributors, result.ranks.tolist())) == {"A": 3, "B": 1, "C": 2}


def test_plugin_returning_the_wrong_length_is_reported():
    method = Methodology(name="short", description="too few", weights={"x": 1.0},
                         score=lambda table, w: [1.0, 2.0], source="test plugin")
    with pytest.raises(MethodologyError, match=r"score must return shape \(3,\) \(got \(2,\)\)"):
        method.evaluate(_table())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\ndescription = "d"\nnormalize = "none"\naggregate = "sum"\n',
         "unknown aggregation 'sum'"),
        ('name = "Bad Name"\ndescription = "d"\nnormalize = "none"\naggregate = "arithmetic"\n',
         "name must be kebab-case like 'equal-core' (got 'Bad Name')"),
        ('name = "x"\ndescription = "d"\nnormalize = "none"\naggregate = "arithmetic"\n[weights]\na = -1\n',
         "weight of 'a' must be non-negative (got -1)"),
        ('name = "x"\ndescription = "d"\nnormalize = "none"\naggregate = "arithmetic"\n[weights]\na = "heavy"\n',
         "weight of 'a' must be a number (got 'heavy')"),
        ('name = "x"\ndescription = "d"\nnormalize = "none"\naggregate = "arithmetic"\ninvariants = ["iiia"]\n',
         "unknown invariant 'iiia'; did you mean 'iia'?"),
        ('name = "x"\ndescription = "d"\nnormalize = "none"\naggregate = "arithmetic"\n[parameters]\nlower = 1\n',
         "parameter 'lower' does not apply to none + arithmetic"),
        ('name = "x"\ndescription = "d"\nnormalize = "none"\n', "key 'aggregate' is required"),
        ('name = "x"\ndescription = "d"\nnormalize = none\n', "must be valid TOML"),
    ],
)
def test_toml_errors_name_the_file(tmp_path: Path, text: str, message: str):
    path = tmp_path / "m.toml"
    path.write_text(text)
    with pytest.raises(MethodologyError) as info:
        load_toml(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)
    assert "\n" not in str(info.value)
