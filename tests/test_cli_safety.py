"""The command line with strangers' files: replay, same-path outputs, hostile names, exit codes.

Each test is a case a careful user (or a careless colleague) met: a received manifest
that names a file to overwrite, two outputs on one path, a contributor name holding
terminal escapes or a newline, a report that fails for reasons outside the data, a
tampered manifest, an encoding that cannot hold a name, Ctrl-C.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from rankings.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[-1].startswith("Error: "), result.output
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]


@pytest.fixture()
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


# -- 1. replay writes nothing but its own temporary files ----------------------------------

def test_replay_of_a_tampered_manifest_does_not_overwrite_the_file_it_names(here: Path):
    assert run("rank", "--top", "3", "--manifest", "run.json").exit_code == 0
    manifest = json.loads((here / "run.json").read_text())
    precious = here / "precious.txt"
    precious.write_text("keep me\n")
    manifest["arguments"] += ["--output", str(precious)]
    (here / "run.json").write_text(json.dumps(manifest))
    result = run("replay", "run.json")
    assert precious.read_text() == "keep me\n"
    assert "goes to a temporary file" in result.output and "precious.txt" in result.output


def test_replay_of_an_honest_manifest_does_not_rewrite_its_log_and_plot(here: Path):
    args = ["sensitivity", "--samples", "200", "--log-runs", "runs.csv", "--manifest", "run.json"]
    assert run(*args).exit_code == 0
    (here / "runs.csv").write_text("mine now\n")
    result = run("replay", "run.json")
    assert result.exit_code == 0, result.output
    assert (here / "runs.csv").read_text() == "mine now\n"
    assert "replay matches" in result.output


def test_redirect_outputs_handles_every_spelling(tmp_path: Path):
    from rankings.cli.manifest import redirect_outputs

    args = ["--top", "3", "--output", "a.csv", "--plot=b.png", "-oc.json", "--log-runs", "d.csv", "--", "--output"]
    out, redirected = redirect_outputs(args, tmp_path)
    assert [o for o, _ in redirected] == ["--output", "--plot", "-o", "--log-runs"]
    assert all(str(tmp_path) in a for a in out if a.startswith(str(tmp_path)))
    assert out[:2] == ["--top", "3"] and out[-2:] == ["--", "--output"]
    assert [Path(a).suffix for a in out if a.startswith(str(tmp_path))] == [".csv", ".png", ".json", ".csv"]


def test_replay_refuses_a_manifest_that_replays_itself(here: Path):
    assert run("rank", "--top", "3", "--manifest", "run.json").exit_code == 0
    manifest = json.loads((here / "run.json").read_text())
    manifest["command"], manifest["arguments"] = "replay", ["run.json"]
    (here / "run.json").write_text(json.dumps(manifest))
    one_line_error(run("replay", "run.json"), "must name the command")


# -- 11. tampered manifests: wrong types, deep nesting ---------------------------------------

@pytest.mark.parametrize("field,value", [("command", ["rank"]), ("arguments", [1, 2]), ("versions", "x"),
                                         ("seed", "zero"), ("data", [1])])
def test_tampered_manifest_fields_are_one_line_errors(here: Path, field: str, value):
    assert run("rank", "--top", "3", "--manifest", "run.json").exit_code == 0
    manifest = json.loads((here / "run.json").read_text())
    manifest[field] = value
    (here / "run.json").write_text(json.dumps(manifest))
    one_line_error(run("replay", "run.json"), repr(field))


def test_deeply_nested_manifest_is_a_one_line_error(here: Path):
    (here / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    one_line_error(run("replay", "deep.json"), "nesting")


# -- 6. two outputs on one path ----------------------------------------------------------------

def test_output_and_manifest_on_one_path_are_refused(here: Path):
    one_line_error(run("rank", "--output", "same.json", "--manifest", "same.json"), "--output", "--manifest")
    assert not (here / "same.json").exists()


def test_output_and_log_runs_on_one_path_are_refused(here: Path):
    result = run("sensitivity", "--samples", "100", "--output", "x.txt", "--log-runs", "./x.txt")
    one_line_error(result, "--output", "--log-runs")
    assert not (here / "x.txt").exists()


# -- 7. names that cannot forge a screen -------------------------------------------------------

HOSTILE = "alternative,quality,speed\n\"\x1b[2J\x1b]0;pwned\x07Evil\",3,1\n\"Plain\n-> Forged\",2,2\nC,1,3\n"


@pytest.fixture()
def hostile(here: Path) -> Path:
    path = here / "hostile.csv"
    path.write_text(HOSTILE, encoding="utf-8")
    return path


def test_control_characters_in_names_are_escaped_in_tables(hostile: Path):
    result = run("rank", "--data", str(hostile), "--focus", "C")
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\x1b[2J" in result.output
    assert not any(line.startswith("-> Forged") for line in result.output.splitlines())
    assert "Plain\\x0a-> Forged" in result.output


def test_csv_bytes_are_the_same_on_stdout_and_in_a_file(hostile: Path, here: Path):
    printed = run("rank", "--data", str(hostile), "--format", "csv")
    assert printed.exit_code == 0
    assert run("rank", "--data", str(hostile), "--format", "csv", "--output", "out.csv").exit_code == 0
    assert printed.stdout_bytes == (here / "out.csv").read_bytes()
    assert b"\x1b[2J" in printed.stdout_bytes  # the data itself, kept as data


def test_an_encoding_that_cannot_hold_a_name_is_a_one_line_error(tmp_path: Path):
    path = tmp_path / "cjk.csv"
    path.write_text("alternative,quality\n阿里巴巴,2\nB,1\n", encoding="utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "cp1252"}
    proc = subprocess.run([sys.executable, "-c", "from rankings.cli import main; main()", "rank", "--data", str(path)],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "cp1252" in proc.stderr and "--output" in proc.stderr


# -- 9. a report fails loudly when the machine, not the data, is the problem --------------------

def test_report_aborts_with_exit_2_on_an_environment_error(here: Path, monkeypatch: pytest.MonkeyPatch):
    import rankings.report.build as build_module

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(build_module, "_provenance_section", full_disk)
    result = run("report", "--samples", "200", "--no-sobol", "-o", "r.html")
    one_line_error(result, "No space left on device")
    assert not (here / "r.html").exists()


# -- 12. Ctrl-C exits 130 ------------------------------------------------------------------------

def test_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch):
    import rankings.cli.rank as rank_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(rank_module.DataOptions, "load", interrupted)
    result = run("rank")
    assert result.exit_code == 130
    assert "Interrupted" in result.output


# -- 10. SIGTERM removes the streaming temp files ----------------------------------------------

def test_sigterm_mid_run_exits_143_and_leaves_no_temp(tmp_path: Path):
    import signal
    import time

    proc = subprocess.Popen([sys.executable, "-c", "from rankings.cli import main; main()", "sensitivity",
                             "--samples", "50000000", "--log-runs", "runs.csv", "--format", "json"],
                            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not [p for p in tmp_path.iterdir() if p.name != "runs.csv"]:
        time.sleep(0.05)
    assert [p for p in tmp_path.iterdir()], "the run log's temp file never appeared"
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


# -- 11. a corrupted kernel cache is recompiled with a warning, not "Aborted!" ------------------

def test_a_corrupted_kernel_cache_is_recompiled_with_a_one_line_warning(tmp_path: Path):
    from rankings.sensitivity import kernels

    if kernels.backend() != "numba":
        pytest.skip("numba backend not in use")
    # the copy a fresh process imports (an installed package may not be the checkout pytest imported)
    where = subprocess.run([sys.executable, "-c", "import rankings.sensitivity.kernels as k; print(k.__file__)"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    cache = Path(where).resolve().parent / "__pycache__"
    args = [sys.executable, "-c", "from rankings.cli import main; main()", "sensitivity", "--samples", "500",
            "--format", "json"]
    env = {**os.environ, "RANKINGS_KERNELS": "numba"}  # a run this small would otherwise use numpy
    warm = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)  # makes sure a cache exists
    assert warm.returncode == 0, warm.stderr
    indexes = sorted(cache.glob("*kernels.*.nbi"))  # kernels.py and accept_kernels.py
    if not indexes:
        pytest.skip("numba wrote no cache here (read-only install)")
    try:
        for index in indexes:
            index.write_bytes(b"\xdd not a pickle")
        proc = subprocess.run(args, capture_output=True, text=True, cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        assert json.loads(proc.stdout)["samples"] == 500
        assert "Traceback" not in proc.stderr
        assert "kernel cache" in proc.stderr and "could not be read" in proc.stderr
    finally:
        for index in indexes:  # numba rebuilds them on the next run
            index.unlink(missing_ok=True)
