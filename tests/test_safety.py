"""Issue 15, library side: hostile or unlucky inputs give one-line errors or the documented result."""

from __future__ import annotations

import numpy as np
import pytest

from rankings import normalize

# -- 14: numerics ------------------------------------------------------------------------

AWKWARD = [0.1, 1 / 3, 0.7, 1e-300, 123456.789, 2.0 / 3.0 * 1e17]


@pytest.mark.parametrize("value", AWKWARD)
@pytest.mark.parametrize("higher", [True, False])
def test_z_score_of_a_column_constant_up_to_rounding_is_zero(value, higher):
    X = np.full((3, 2), value)
    X[:, 1] = [1.0, 2.0, 3.0]
    Z = normalize.z_score(X, np.array([higher, True]))
    assert Z[:, 0].tolist() == [0.0, 0.0, 0.0]
    assert Z[:, 1] == pytest.approx([-1.0, 0.0, 1.0])


@pytest.mark.parametrize("name", sorted(normalize.NORMALIZERS))
@pytest.mark.parametrize("value", AWKWARD)
def test_every_normaliser_maps_a_constant_column_to_one_value(name, value):
    X = np.full((7, 1), value)
    params = {"distance-to-reference": {"reference": [value]}, "goalposts": {"bounds": [(0.0, 2 * value)]}}
    for higher in (True, False):
        Z = normalize.apply(name, X, np.array([higher]), **params.get(name, {}))
        assert np.isfinite(Z).all() and len(set(Z[:, 0].tolist())) == 1, (name, value, higher, Z[:, 0])


# -- 8: exact analyses give the same JSON twice ---------------------------------------------

def _small_table():
    from rankings.table import ContributorTable, MetricSpec

    rng = np.random.default_rng(7)
    return ContributorTable(contributors=tuple(f"c{i}" for i in range(8)),
                            metrics=tuple(MetricSpec(name=f"m{j}") for j in range(3)),
                            values=rng.gamma(2.0, 1.0, size=(8, 3)), label="random")


@pytest.mark.parametrize("analysis", ["rank_bounds", "tipping_point"])
def test_bounds_and_tipping_json_carry_no_wall_clock_time(analysis):
    import json

    from rankings.methodology import Methodology
    from rankings.sensitivity import exact

    method = Methodology(name="t", description="t", normalize="min-max", aggregate="arithmetic")
    run = getattr(exact, analysis)
    first, second = (run(method, _small_table(), "c3") for _ in range(2))
    assert "seconds" not in first.to_dict()
    assert json.dumps(first.to_dict(), sort_keys=True) == json.dumps(second.to_dict(), sort_keys=True)
    assert first.seconds > 0  # still measured, as an attribute


# -- 11: environment settings and plots ------------------------------------------------------

@pytest.mark.parametrize(("variable", "value", "allowed"), [
    ("RANKINGS_KERNELS", "fast", "auto, numba or numpy"),
    ("RANKINGS_THREADS", "abc", "positive integer"),
    ("RANKINGS_THREADS", "0", "positive integer"),
])
def test_a_bad_kernel_setting_is_one_line_naming_variable_allowed_and_found(monkeypatch, variable, value, allowed):
    from rankings.errors import RankingsError
    from rankings.sensitivity import kernels

    monkeypatch.setenv(variable, value)
    with pytest.raises(RankingsError) as caught:
        kernels.describe()
    message = str(caught.value)
    assert variable in message and allowed in message and repr(value) in message and "\n" not in message


def test_a_bad_kernel_setting_is_a_one_line_cli_error(monkeypatch):
    from click.testing import CliRunner

    from rankings.cli import main

    monkeypatch.setenv("RANKINGS_THREADS", "abc")
    result = CliRunner().invoke(main, ["sensitivity", "--samples", "200"])
    assert result.exit_code == 2, result.output
    assert "RANKINGS_THREADS must be a positive integer (got 'abc')" in result.output
    assert "Traceback" not in result.output


DOLLAR_CSV = "contributor,m$1$,b,c\n$x^$,1,5,2\nA$\\frac$B,3,1,4\nC,2,2,2\nD,4,3,1\n"


def test_dollar_signs_in_names_never_crash_a_plot(tmp_path):
    from click.testing import CliRunner

    from rankings.cli import main

    data = tmp_path / "d.csv"
    data.write_text(DOLLAR_CSV)
    common = ["--data", str(data), "--focus", "C"]
    runs = {
        "bump.png": ["compare", "equal-weights", *common],
        "gap.svg": ["explain", "C", "--vs", "A$\\frac$B", "--data", str(data)],
        "tern.png": ["ternary", *common, "--metrics", "m$1$,b,c", "--resolution", "8"],
        "sweep.svg": ["sweep", *common],
        "sens.png": ["sensitivity", *common, "--samples", "500", "--focus", "$x^$"],
    }
    for name, args in runs.items():
        result = CliRunner().invoke(main, [*args, "--plot", str(tmp_path / name)])
        assert result.exit_code == 0, (name, result.output)
    assert (tmp_path / "bump.png").stat().st_size > 1000 and (tmp_path / "sens-distribution.png").exists()


# -- 13: plugins ----------------------------------------------------------------------------

PLUGIN_SOURCE = '''
import sys
import numpy as np
from rankings import Methodology

print("hello from import")


def _noisy(table, weights):
    print("scoring", table.n_contributors)
    return np.asarray(table.values, dtype=float) @ np.array([weights[m] for m in table.metric_names])


def _quitter(table, weights):
    sys.exit(0)


METHODS = [
    Methodology(name="noisy", description="prints while scoring", score=_noisy),
    Methodology(name="quitter", description="calls sys.exit(0) in score", score=_quitter),
]


def exits_at_import():
    sys.exit(3)
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """Entry points: the built-ins and a plugin module written to ``tmp_path``."""
    from importlib.metadata import EntryPoint

    import rankings.registry as registry_module

    module = f"rk_hostile_{tmp_path.name.replace('-', '_')}"
    (tmp_path / f"{module}.py").write_text(PLUGIN_SOURCE)
    monkeypatch.syspath_prepend(str(tmp_path))
    data = tmp_path / "d.csv"
    data.write_text("contributor,a,b\nX,1,2\nY,3,1\nZ,2,2\n")

    def use(target: str) -> None:
        points = [EntryPoint("builtin", "rankings._builtin:methodologies", "rankings.methodologies"),
                  EntryPoint("hostile", f"{module}:{target}", "rankings.methodologies")]
        monkeypatch.setattr(registry_module, "entry_points", lambda group: points)
        monkeypatch.setattr(registry_module, "_CACHE", {})

    use("METHODS")
    return use, data


def _cli(*args):
    from click.testing import CliRunner

    from rankings.cli import main

    return CliRunner().invoke(main, list(args))


def test_a_plugin_that_prints_does_not_corrupt_json_on_stdout(plugin):
    import json
    import sys

    _, data = plugin
    before = sys.stdout
    result = _cli("rank", "--method", "noisy", "--data", str(data), "--focus", "X", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # nothing but the JSON
    assert [r["contributor"] for r in payload["ranking"]][0] == "Y"
    assert "hello from import" in result.stderr and "scoring 3" in result.stderr
    assert sys.stdout is before


def test_a_plugin_calling_sys_exit_in_score_is_reported_as_its_error(plugin):
    from rankings.errors import PluginError
    from rankings.registry import discover
    from rankings.table import load_table

    _, data = plugin
    method = discover().get("quitter")
    with pytest.raises(PluginError, match=r"methodology 'quitter' \(plugin entry point 'hostile' .*\): "
                                          r"score function called sys.exit\(0\)"):
        method.evaluate(load_table(data))
    result = _cli("rank", "--method", "quitter", "--data", str(data), "--focus", "X")
    assert result.exit_code == 2 and "score function called sys.exit(0)" in result.stderr


def test_a_plugin_calling_sys_exit_at_import_is_reported_as_its_error(plugin):
    from rankings.errors import PluginError
    from rankings.registry import discover

    use, _ = plugin
    use("exits_at_import")
    with pytest.raises(PluginError, match=r"plugin entry point 'hostile' .* failed when called: it called sys.exit\(3\)"):
        discover()


# -- 5: bounded "no code" methodologies ------------------------------------------------------

HEAD = 'name = "hostile"\ndescription = "from a stranger"\n'
DEEP = 5000
HOSTILE_TOML = {
    "kemeny-huge": ('normalize = "none"\naggregate = "kemeny"\n[parameters]\nmax_alternatives = 1000000\n',
                    "parameter 'max_alternatives' must be an integer in [1, 14] (got 1000000)"),
    "ddof": ('normalize = "z-score"\naggregate = "arithmetic"\n[parameters]\nddof = 100\n',
             "parameter 'ddof' must be 0 or 1 (got 100)"),
    "lam": ('normalize = "ratio-to-leader"\naggregate = "waspas"\n[parameters]\nlam = "half"\n',
            "parameter 'lam' must be a finite number in [0, 1] (got 'half')"),
    "lower": ('normalize = "min-max"\naggregate = "arithmetic"\n[parameters]\nlower = "x"\n',
              "parameter 'lower' must be a finite number in [-1e+15, 1e+15] (got 'x')"),
    "lower-above-upper": ('normalize = "min-max"\naggregate = "geometric"\n[parameters]\nlower = 5\nupper = 1\n',
                          "parameter 'upper' must be above 'lower' (got lower=5, upper=1)"),
    "clip": ('normalize = "goalposts"\naggregate = "arithmetic"\n[parameters]\nclip = "yes"\n',
             "parameter 'clip' must be true or false (got 'yes')"),
    "reference": ('normalize = "distance-to-reference"\naggregate = "arithmetic"\n[parameters]\nreference = [1, -2]\n',
                  "parameter 'reference'[1] must be a positive finite number (got -2)"),
    "invariants": ('normalize = "none"\naggregate = "arithmetic"\ninvariants = [1, 2]\n',
                   "invariants must be a list of strings (got 1)"),
    "references": ('normalize = "none"\naggregate = "arithmetic"\nreferences = [{a = 1}]\n',
                   "references must be a list of strings (got {'a': 1})"),
    "deep-array": ('normalize = "none"\naggregate = "arithmetic"\nreferences = ' + "[" * DEEP + "]" * DEEP + "\n",
                   "must be valid TOML of reasonable depth"),
    "deep-table": ('normalize = "none"\naggregate = "arithmetic"\nweights.a' + ".a" * DEEP + " = 1\n",
                   "weight of 'a' must be a number (got {'a': {'a': {'a': {...}}}})"),
    "huge-weights": ('normalize = "none"\naggregate = "arithmetic"\n[weights]\na = 1.7e308\nb = 1.7e308\n',
                     "weights must have a finite sum (got a sum of inf); scale them down"),
    "infinite-bounds": ('normalize = "goalposts"\naggregate = "arithmetic"\n[bounds]\na = [0, inf]\n',
                        "bounds of 'a' must be finite (got 0:inf)"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TOML))
def test_a_hostile_methodology_file_is_one_line_naming_file_and_key(tmp_path, case):
    from rankings.declarative import load_toml
    from rankings.errors import MethodologyError

    body, expected = HOSTILE_TOML[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(HEAD + body)
    with pytest.raises(MethodologyError) as caught:
        load_toml(path)
    message = str(caught.value)
    assert expected in message and str(path) in message and "\n" not in message and len(message) < 300, message


def test_a_huge_kemeny_search_is_refused_up_front_on_the_command_line(tmp_path):
    import time

    (tmp_path / "k.toml").write_text(HEAD + HOSTILE_TOML["kemeny-huge"][0] + "[weights]\nnotable_models = 1\n")
    started = time.perf_counter()
    result = _cli("rank", "--methods-dir", str(tmp_path), "--method", "hostile")
    assert result.exit_code == 2 and time.perf_counter() - started < 30
    assert "k.toml" in result.stderr and "'max_alternatives' must be an integer in [1, 14]" in result.stderr
    assert "Traceback" not in result.output


def test_parameters_are_checked_from_python_and_in_the_kernel_too():
    from rankings.aggregate import kemeny
    from rankings.errors import MethodologyError
    from rankings.methodology import Methodology

    with pytest.raises(MethodologyError, match=r"methodology 'k' \(python\): parameter 'max_alternatives'"):
        Methodology(name="k", description="k", normalize="none", aggregate="kemeny",
                    parameters={"max_alternatives": 10**6})
    with pytest.raises(MethodologyError, match="max_alternatives must be an integer in"):
        kemeny(np.eye(3), np.full((1, 3), 1 / 3), max_alternatives=10**6)
    ok = Methodology(name="k", description="k", normalize="min-max", aggregate="waspas",
                     parameters={"lower": 1, "upper": 100, "lam": 0.25})
    assert dict(ok.parameters) == {"lower": 1.0, "upper": 100.0, "lam": 0.25}
