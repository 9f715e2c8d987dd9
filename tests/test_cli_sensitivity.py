"""The ``rankings sensitivity`` command (rankings.cli.sensitivity), through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from rankings.cli.sensitivity import COMMANDS, sensitivity_command


def _run(*args: str):
    return CliRunner().invoke(sensitivity_command, list(args))


def test_commands_list():
    assert COMMANDS == [sensitivity_command]


def test_table_output_for_alibaba():
    res = _run("--method", "equal-core", "--samples", "2000", "--top", "5")
    assert res.exit_code == 0, res.output
    assert "Focus: Alibaba is ranked 3 nominally" in res.output
    assert "P(r=1)" in res.output and "Central weights" in res.output
    assert "confidence factor is 0 or 1" in res.output


def test_json_is_one_object_and_reproducible():
    args = ("--method", "equal-core", "--samples", "1500", "--seed", "4", "--format", "json")
    a = json.loads(_run(*args, "--chunk-size", "7").output)
    b = json.loads(_run(*args, "--chunk-size", "1024").output)
    for key in ("samples", "seed", "focus", "acceptability", "bands", "mean_rank_shift", "pairwise",
                "central_weights", "confidence", "factors", "method", "sobol"):
        assert key in a
    a.pop("runtime"), b.pop("runtime")
    assert a == b
    assert a["focus"]["contributor"] == "Alibaba" and a["samples"] == 1500
    assert abs(sum(a["acceptability"]["Alibaba"]) - 1) < 1e-6


def test_sobol_with_method_choices_json():
    res = _run("--method", "equal-core", "--samples", "500", "--vary", "normalize=min-max,rank",
               "--vary", "aggregate=arithmetic,geometric", "--sobol", "--sobol-samples", "128", "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["sobol"]["groups"][-2:] == ["normalize", "aggregate"]
    assert set(out["sobol"]["focus_rank"]["normalize"]) >= {"S1", "ST", "S1_ci", "ST_ci"}
    assert [c["factor"] for c in out["factors"]["choices"]] == ["normalize", "aggregate"]


def test_noise_and_log_runs(tmp_path):
    log = tmp_path / "runs.csv"
    unc = tmp_path / "u.csv"
    unc.write_text("contributor,metric,distribution,mean,sd,low,high\nAlibaba,frontier_eci,normal,145,2,,\n")
    res = _run("--method", "equal-core", "--samples", "300", "--poisson", "--uncertainty", str(unc),
               "--log-runs", str(log), "--format", "json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["factors"]["data_noise"]["poisson_counts"] is True
    assert len(log.read_text().splitlines()) == 301


@pytest.mark.parametrize("args, message", [
    (("--samples", "0"), "--samples must be a positive integer"),
    (("--samples", "-3"), "--samples must be a positive integer"),
    (("--vary", "colour"), "--vary factor must be one of"),
    (("--limits", "frontier_eci=0.9:1,notable_models=0.5:1"), "limits must leave room"),
    (("--focus", "Nobody Inc"), "unknown contributor"),
    (("--sobol", "--sobol-samples", "100"), "power of 2"),
])
def test_errors_are_one_line_exit_2(args, message):
    res = _run("--method", "equal-core", *args)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_bad_uncertainty_file(tmp_path):
    unc = tmp_path / "u.csv"
    unc.write_text("contributor,metric\nAlibaba,frontier_eci\n")
    res = _run("--method", "equal-core", "--uncertainty", str(unc))
    assert res.exit_code == 2 and "must have columns" in res.output


def test_lens_factor_refused_with_data_file(tmp_path):
    data = tmp_path / "m.csv"
    data.write_text("contributor,a,b\nx,1,2\ny,2,1\nz,3,3\n")
    res = _run("--data", str(data), "--focus", "x", "--vary", "counting")
    assert res.exit_code == 2 and "default dataset" in res.output
    ok = _run("--data", str(data), "--focus", "x", "--samples", "200", "--format", "json")
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["focus"]["contributor"] == "x"
