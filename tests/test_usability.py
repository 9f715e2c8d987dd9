"""Issue 10, items 2, 3, 4 and 7: generic methodologies, directions as data, warnings, broken plugins."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest
from click.testing import CliRunner

import rankings.registry as registry_module
from rankings.cli import main
from rankings.errors import RankingsWarning

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / "examples" / "matrix.csv"
BUILTIN = EntryPoint("builtin", "rankings._builtin:methodologies", "rankings.methodologies")
BROKEN = EntryPoint("broken", "no_such_module_xyz:METHOD", "rankings.methodologies")


def _cli(*args: str):
    return CliRunner().invoke(main, list(args))


# -- 7: a broken plugin breaks only itself -----------------------------------------------------

@pytest.fixture
def broken_plugin(monkeypatch):
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [BUILTIN, BROKEN])
    monkeypatch.setattr(registry_module, "_CACHE", {})
    monkeypatch.delenv(registry_module.AUTOLOAD_ENV, raising=False)


def test_a_broken_plugin_is_skipped_with_one_warning(broken_plugin):
    with pytest.warns(RankingsWarning) as caught:
        registry = registry_module.discover()
    assert len(caught) == 1
    text = str(caught[0].message)
    assert "'broken'" in text and "no_such_module_xyz:METHOD" in text and "RANKINGS_DISABLE_PLUGIN_AUTOLOAD" in text
    assert {"ai-index", "equal-core", "equal-weights"} <= set(registry.names())


def test_every_command_still_works_beside_a_broken_plugin(broken_plugin):
    result = _cli("rank", "--top", "3")
    assert result.exit_code == 0, result.output
    assert "Alibaba" in result.stdout and "Warning" not in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    assert len(warnings) == 1 and "broken" in warnings[0] and "RANKINGS_DISABLE_PLUGIN_AUTOLOAD" in warnings[0]


def test_naming_the_broken_plugin_is_a_one_line_error(broken_plugin):
    result = _cli("rank", "--method", "broken")
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == ["Error: plugin entry point 'broken' (no_such_module_xyz:METHOD) failed to load: "
                      "ModuleNotFoundError: No module named 'no_such_module_xyz'"]
    assert "Traceback" not in result.output


def test_disabling_autoload_silences_the_broken_plugin(broken_plugin, monkeypatch):
    monkeypatch.setenv(registry_module.AUTOLOAD_ENV, "1")
    result = _cli("methods")
    assert result.exit_code == 0 and "Warning" not in result.stderr


# -- 2: generic methodologies, and what-ifs that say so ----------------------------------------

GENERIC = ("topsis", "geometric", "borda", "copeland", "promethee-ii", "waspas", "equal-weights")


def _matrix(**directions: str):
    from rankings.table_io import load_table

    table = load_table(MATRIX)
    return table.with_directions(directions) if directions else table


@pytest.mark.parametrize("name", GENERIC)
def test_generic_methodologies_read_every_metric_of_any_table(name):
    from rankings import get_methodology

    method = get_methodology(name)
    assert method.weights is None and method.references
    result = method.evaluate(_matrix(price="min"))
    assert result.table.metric_names == ("price", "quality", "speed")
    assert result.rank_of("C") == 1  # best on quality and speed, the tour's winner under every method


def test_topsis_is_vector_normalisation_and_topsis():
    from rankings import get_methodology

    method = get_methodology("topsis")
    assert (method.normalize, method.aggregate) == ("vector", "topsis")
    scores = dict(zip(method.evaluate(_matrix(price="min")).table.contributors,
                      method.evaluate(_matrix(price="min")).scores))
    assert scores["C"] == pytest.approx(0.7089144181309991) and scores["B"] == pytest.approx(0.2910855818690009)


def test_geometric_normalisation_cannot_produce_zero():
    from rankings import get_methodology

    method = get_methodology("geometric")
    assert "[1, 100]" in method.description and "cannot produce 0" in method.description
    result = method.evaluate(_matrix(price="min"))
    assert result.normalized is not None and result.normalized.min() >= 1.0
    assert not any("include 0" in n for n in result.notes)


def test_compare_on_a_users_file_needs_no_toml():
    result = _cli("compare", "--data", str(MATRIX), "--direction", "price=min")
    assert result.exit_code == 0, result.output
    header = result.stdout.splitlines()[2].split()
    assert {"topsis", "geometric", "borda", "copeland", "promethee-ii", "waspas", "equal-weights"} <= set(header)


def test_an_aggregation_brings_its_own_normalisation_unless_one_is_named():
    from rankings import get_methodology

    base = get_methodology("equal-weights")
    assert base.with_overrides(aggregate="topsis").normalize == "vector"
    assert base.with_overrides(aggregate="topsis", normalize="min-max").normalize == "min-max"
    assert base.with_overrides(aggregate="borda").normalize == "min-max"
    implicit = _cli("rank", "--data", str(MATRIX), "--direction", "price=min", "--aggregate", "topsis", "--format", "csv")
    explicit = _cli("rank", "--data", str(MATRIX), "--direction", "price=min", "--aggregate", "topsis",
                    "--normalize", "vector", "--format", "csv")
    assert implicit.exit_code == 0 and implicit.stdout == explicit.stdout


def test_a_what_if_is_named_as_one():
    from rankings import compare, get_methodology, load_default
    from rankings.data import DEFAULT_LENS

    base = get_methodology("equal-core")
    assert base.with_overrides() is base
    for change in ({"weights": {"notable_models": 1}}, {"normalize": "rank"}, {"aggregate": "borda"},
                   {"missing": "worst"}, {"parameters": {"lower": 1.0, "upper": 2.0}},
                   {"bounds": {"notable_models": (0.0, 30.0)}}):
        assert base.with_overrides(**change).name == "equal-core*", change
    assert base.with_overrides(aggregate="borda").with_overrides(missing="worst").name == "equal-core*"
    assert base.with_overrides(aggregate="borda", name="my-borda").name == "my-borda"
    table = load_default(DEFAULT_LENS)
    both = compare([base.evaluate(table), base.with_overrides(aggregate="borda").evaluate(table)])
    assert both.methodologies == ("equal-core", "equal-core*")
    shown = _cli("rank", "--method", "equal-core", "--weights", "notable_models=1,frontier_eci=1", "--top", "2")
    assert shown.stdout.startswith("Methodology: equal-core* (min-max + arithmetic;")


# -- 3: directions are data ---------------------------------------------------------------------

COST_TOML = '''name = "cheap-first"
description = "Price is a cost"
normalize = "min-max"
aggregate = "arithmetic"
weights = "equal"
invariants = ["permutation"]

[directions]
price = "min"
'''


@pytest.fixture
def cost_method(tmp_path):
    folder = tmp_path / "methods"
    folder.mkdir()
    (folder / "cheap-first.toml").write_text(COST_TOML)
    return folder


def test_a_toml_methodology_declares_a_cost(cost_method):
    from rankings.declarative import load_toml

    method = load_toml(cost_method / "cheap-first.toml")
    assert dict(method.directions) == {"price": "min"} and method.to_dict()["directions"] == {"price": "min"}
    result = method.evaluate(_matrix())
    assert result.directions()["price"] == {"direction": "min", "source": "methodology"}
    assert result.directions()["quality"] == {"direction": "max", "source": "default"}
    assert result.to_dict()["directions"] == result.directions()
    assert result.rank_of("B") < method.with_overrides(missing="error").evaluate(_matrix(price="max")).rank_of("B")


def test_direction_precedence_cli_then_methodology_then_table_then_default(cost_method, tmp_path):
    from rankings.declarative import load_toml
    from rankings.table_io import load_table

    method = load_toml(cost_method / "cheap-first.toml")
    # the user's --direction (or with_directions) beats the methodology
    user = method.evaluate(_matrix(price="max")).directions()["price"]
    assert user == {"direction": "max", "source": "user"}
    # the methodology beats the table's sidecar
    data = tmp_path / "m.csv"
    data.write_text(MATRIX.read_text())
    (tmp_path / "m.metrics.csv").write_text("name,direction\nprice,max\nspeed,min\n")
    table = load_table(data)
    assert table.direction_source("price") == "sidecar" and table.direction_source("quality") == "default"
    result = method.evaluate(table).directions()
    assert result["price"] == {"direction": "min", "source": "methodology"}
    assert result["speed"] == {"direction": "min", "source": "sidecar"}
    cli = _cli("rank", "--data", str(data), "--methods-dir", str(cost_method), "--method", "cheap-first",
               "--direction", "price=max", "--format", "json")
    assert json.loads(cli.stdout)["directions"]["price"] == {"direction": "max", "source": "--direction"}


def test_the_rank_header_names_directions_only_when_a_metric_is_a_cost(cost_method):
    shown = _cli("rank", "--data", str(MATRIX), "--methods-dir", str(cost_method), "--method", "cheap-first")
    assert shown.exit_code == 0, shown.output
    assert "Directions: price min (methodology), quality max (default), speed max (default)" in shown.stdout
    default = _cli("rank", "--top", "3")
    assert "Directions" not in default.stdout
    payload = json.loads(_cli("rank", "--format", "json").stdout)
    assert payload["directions"] == {"notable_models": {"direction": "max", "source": "dataset"}}


def test_show_prints_a_methodologys_directions(cost_method):
    shown = _cli("show", "cheap-first", "--methods-dir", str(cost_method))
    assert shown.exit_code == 0, shown.output
    assert "  directions:   price=min" in shown.stdout.splitlines()


@pytest.mark.parametrize("body, message", [
    ('[directions]\nprice = "down"\n', "direction of 'price' must be \"min\" or \"max\""),
    ('directions = "min"\n', "directions must be a table"),
])
def test_bad_directions_are_one_line_errors(tmp_path, body, message):
    from rankings.declarative import load_toml
    from rankings.errors import MethodologyError

    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ndescription = "d"\nnormalize = "none"\naggregate = "arithmetic"\n' + body)
    with pytest.raises(MethodologyError, match=message):
        load_toml(path)


def test_directions_must_name_metrics_the_methodology_reads():
    from rankings import Methodology
    from rankings.errors import MethodologyError, UnknownNameError

    with pytest.raises(MethodologyError, match="directions name 'price', a metric the weights do not read"):
        Methodology(name="m", description="d", weights={"quality": 1}, normalize="none", aggregate="arithmetic",
                    directions={"price": "min"})
    generic = Methodology(name="m", description="d", normalize="none", aggregate="arithmetic",
                          directions={"cost": "min"})
    with pytest.raises(UnknownNameError, match="sets the direction of a metric"):
        generic.evaluate(_matrix())


# -- 4: warnings where the maths misleads -------------------------------------------------------

def test_a_geometric_mean_over_zeros_says_how_many_score_zero():
    import rankings

    table = rankings.load_default(rankings.Lens(years=(2024, 2024), counting="fractional"))
    method = rankings.get_methodology("equal-core")
    what_if = method.with_overrides(weights={"notable_models": 0.7, "frontier_eci": 0.3}, aggregate="geometric")
    result = what_if.evaluate(table)
    zeros = int((result.scores == 0).sum())
    assert zeros >= 1
    notes = [n for n in result.notes if n.startswith("geometric mean over values that include 0")]
    assert notes and f"{zeros} of {result.table.n_contributors} contributors" in notes[0]
    assert not any("include 0" in n for n in rankings.get_methodology("geometric-core").evaluate(table).notes)


def test_raw_values_of_very_different_scales_are_named():
    import rankings

    table = rankings.load_default(rankings.DEFAULT_LENS)
    method = rankings.get_methodology("ai-index")
    assert not method.evaluate(table).notes
    result = method.with_overrides(weights={"notable_models": 1, "venue_papers": 1}).evaluate(table)
    notes = [n for n in result.notes if n.startswith("normalize = none")]
    assert notes and "venue_papers" in notes[0] and "notable_models" in notes[0]
    ranked = method.with_overrides(weights={"notable_models": 1, "venue_papers": 1}, aggregate="borda")
    assert not any(n.startswith("normalize = none") for n in ranked.evaluate(table).notes)  # rank-based: no scale
    shown = _cli("rank", "--weights", "notable_models=1,venue_papers=1", "--top", "2")
    assert "Note: normalize = none adds raw values whose scales differ by" in shown.stdout


def test_a_comparison_says_how_many_rows_each_tau_covers():
    import rankings

    table = rankings.load_default(rankings.DEFAULT_LENS)
    results = [rankings.get_methodology(n).evaluate(table) for n in ("ai-index", "open-weights", "equal-core")]
    comparison = rankings.compare(results)
    assert comparison.kendall_n is not None
    assert comparison.kendall_n[0, 1] == table.n_contributors and comparison.kendall_n[0, 2] == 10
    payload = comparison.to_dict()
    assert payload["kendall_n"]["ai-index"]["equal-core"] == 10 and payload["contributors"] == table.n_contributors
    line = _cli("compare", "ai-index", "open-weights", "equal-core").stdout.splitlines()[-1]
    assert line.startswith("Kendall tau-b against ai-index: open-weights: ")
    assert line.endswith(f"equal-core: {comparison.kendall[0, 2]:.3f} (n=10 of {table.n_contributors})")
    assert "open-weights: " + f"{comparison.kendall[0, 1]:.3f}," in line
