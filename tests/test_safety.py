"""Issue 15, library side: hostile or unlucky inputs give one-line errors or the documented result."""

from __future__ import annotations

import os
import stat

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
import os
import stat

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
    from rankings.table_io import load_table

    _, data = plugin
    method = discover().get("quitter")
    with pytest.raises(PluginError, match=r"methodology 'quitter' \(plugin entry point 'hostile' .*\): "
                                          r"score function called sys.exit\(0\)"):
        method.evaluate(load_table(data))
    result = _cli("rank", "--method", "quitter", "--data", str(data), "--focus", "X")
    assert result.exit_code == 2 and "score function called sys.exit(0)" in result.stderr


def test_a_plugin_calling_sys_exit_at_import_is_reported_as_its_error(plugin):
    from rankings.errors import PluginError, RankingsWarning
    from rankings.registry import discover

    use, _ = plugin
    use("exits_at_import")
    with pytest.warns(RankingsWarning, match=r"plugin entry point 'hostile' .* failed when called: it called sys.exit"):
        registry = discover()
    with pytest.raises(PluginError, match=r"plugin entry point 'hostile' .* failed when called: it called sys.exit\(3\)"):
        registry.get("hostile")


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
    "huge-integer": ('normalize = "min-max"\naggregate = "arithmetic"\n[parameters]\nupper = 1' + "0" * 400 + "\n",
                     "parameter 'upper' must be a finite number in [-1e+15, 1e+15] (got 1000"),
    "huge-integer-weight": ('normalize = "none"\naggregate = "arithmetic"\n[weights]\na = 1' + "0" * 400 + "\n",
                            "weight of 'a' must be finite (got inf)"),
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


# -- 2, 3, 10: outputs respect what they replace -------------------------------------------

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _device(tmp_path, name, minor):
    """A private character device (1, minor): 3 is null, 7 is full; never the system's own."""
    path = tmp_path / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        with open(path, "wb"):
            pass
    except OSError:
        pytest.skip("cannot make a device node here")
    return path


def test_output_to_a_device_writes_through_and_a_full_device_is_an_error(tmp_path):
    from rankings._atomic import write_text_atomically
    from rankings.errors import DataError

    null = _device(tmp_path, "null", 3)
    write_text_atomically(null, "rank,contributor\n", what="--output")
    assert stat.S_ISCHR(null.stat().st_mode)
    full = _device(tmp_path, "full", 7)
    with pytest.raises(DataError, match=r"--output '.*full' could not be written \(No space left on device\)"):
        write_text_atomically(full, "x" * 100_000, what="--output")
    assert stat.S_ISCHR(full.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "null"]


def test_output_to_a_fifo_writes_through(tmp_path):
    import threading

    from rankings._atomic import write_text_atomically

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        write_text_atomically(fifo, "hello\n", what="--output")
        reader.join(10)
        assert got == [b"hello\n"] and stat.S_ISFIFO(fifo.stat().st_mode)
    finally:
        if reader.is_alive():  # unblock the reader when the FIFO was replaced
            os.unlink(fifo)
            os.mkfifo(fifo)
            with open(fifo, "wb"):
                pass


def test_output_dash_is_standard_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _cli("rank", "--top", "3", "--format", "csv", "--output", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].startswith("rank,contributor") and "Alibaba" in result.stdout
    assert not list(tmp_path.iterdir())


def test_a_symlink_output_is_followed_and_kept(tmp_path):
    from rankings._atomic import write_text_atomically

    target = tmp_path / "real.csv"
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target.name)
    write_text_atomically(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == "real.csv" and target.read_text() == "new\n"


def test_overwriting_keeps_the_mode_and_a_new_file_respects_the_umask(tmp_path):
    from rankings._atomic import write_text_atomically

    private = tmp_path / "private.json"
    private.write_text("{}\n")
    private.chmod(0o600)
    write_text_atomically(private, "[]\n")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_text() == "[]\n"
    old = os.umask(0o027)
    try:
        write_text_atomically(tmp_path / "new.json", "[]\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640


@pytest.mark.skipif(not ROOT, reason="only root may give a file to another owner")
def test_overwriting_keeps_the_owner_where_possible(tmp_path):
    from rankings._atomic import write_text_atomically

    theirs = tmp_path / "theirs.csv"
    theirs.write_text("old\n")
    os.chown(theirs, 12345, 23456)
    write_text_atomically(theirs, "new\n")
    assert (theirs.stat().st_uid, theirs.stat().st_gid) == (12345, 23456)


def test_a_long_file_name_stays_writable_and_failures_leave_no_temp(tmp_path):
    from rankings._atomic import atomic_target, write_text_atomically
    from rankings.errors import DataError

    long_name = tmp_path / ("r" * 245 + ".csv")  # 249 bytes: fits the 255-byte limit only with a short temp
    write_text_atomically(long_name, "ok\n")
    assert long_name.read_text() == "ok\n"
    with pytest.raises(DataError, match="could not be written"):
        write_text_atomically(tmp_path / ("r" * 300), "too long\n")
    with pytest.raises(RuntimeError), atomic_target(tmp_path / "x.csv") as tmp:
        tmp.write_text("half")
        raise RuntimeError("boom")
    assert sorted(p.name for p in tmp_path.iterdir()) == [long_name.name]


def test_run_logs_get_the_permissions_of_other_outputs_and_no_temp_is_left(tmp_path):
    log = tmp_path / "runs.csv"
    old = os.umask(0o022)
    try:
        result = _cli("sensitivity", "--samples", "300", "--log-runs", str(log))
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(log.stat().st_mode) == 0o644 and log.read_text().startswith("run,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.csv"]


def test_a_run_log_whose_last_flush_fails_leaves_no_temp(tmp_path, monkeypatch):
    from rankings import _atomic
    from rankings.errors import AnalysisError

    out = _atomic.AtomicFile(tmp_path / "runs.csv", what="--log-runs", error=AnalysisError)
    out.write("run\n")

    class Full:
        def close(self):
            raise OSError(28, "No space left on device")

    out.handle.close()
    out.handle = Full()  # type: ignore[assignment]
    with pytest.raises(AnalysisError, match=r"--log-runs '.*runs.csv' could not be written \(No space left"):
        out.close(True)
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc")
@pytest.mark.parametrize("into", ["file", "pipe"])
def test_output_to_a_link_to_standard_output_writes_through(tmp_path, into):
    import subprocess
    import sys

    link = tmp_path / "stdout"  # a private /dev/stdout: the system's own is never at risk
    link.symlink_to("/proc/self/fd/1")
    code = "import sys; from rankings.cli import main; sys.argv[0] = 'rankings'; main()"
    args = [sys.executable, "-c", code, "rank", "--top", "2", "--format", "csv", "--output", str(link)]
    if into == "file":
        sink = tmp_path / "redirected.csv"
        with open(sink, "w") as handle:
            inode = os.fstat(handle.fileno()).st_ino
            subprocess.run(args, stdout=handle, check=True, stderr=subprocess.DEVNULL)
        text = sink.read_text()
        assert sink.stat().st_ino == inode  # written into the redirection, not renamed over it
    else:
        text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    assert text.startswith("rank,contributor") and link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
