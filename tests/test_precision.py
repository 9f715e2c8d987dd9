"""Sampling to a precision (rankings.sensitivity.precision) and ``rankings sensitivity --precision``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

import rankings
from rankings.cli.sensitivity import sensitivity_command
from rankings.data import load_default
from rankings.errors import AnalysisError
from rankings.sensitivity.analyze import sensitivity


def _run(*args: str):
    return CliRunner().invoke(sensitivity_command, list(args))


def test_precision_run_equals_one_run_of_the_final_length():
    method = rankings.default_registry().get("equal-core")
    table = load_default()
    grown = sensitivity(method, table, focus="Alibaba", samples=500, seed=3, precision=0.015, chunk_size=128)
    report = grown.precision
    assert report["reached"] and report["achieved_se"] <= 0.015 and report["rounds"] >= 2
    assert grown.samples == report["runs"] > 500
    assert float(grown.acceptability_se.max()) == pytest.approx(report["achieved_se"], abs=1e-8)
    plain = sensitivity(method, table, focus="Alibaba", samples=grown.samples, seed=3, chunk_size=1000)
    np.testing.assert_array_equal(grown.acceptability, plain.acceptability)
    np.testing.assert_array_equal(grown.pairwise, plain.pairwise)
    assert grown.confidence == plain.confidence  # confidence factors use the same run count


def test_precision_is_byte_identical_for_any_chunk_size_and_states_a_shortfall():
    args = ("--method", "equal-core", "--samples", "400", "--precision", "0.004", "--max-samples", "900",
            "--format", "json")
    a, b = _run(*args, "--chunk-size", "64"), _run(*args, "--chunk-size", "900")
    assert a.exit_code == 0, a.output
    pa, pb = json.loads(a.output), json.loads(b.output)
    pa.pop("runtime"), pb.pop("runtime")
    assert pa == pb
    assert pa["precision"] == {"target_se": 0.004, "achieved_se": pa["precision"]["achieved_se"], "runs": 900,
                               "cap": 900, "reached": False, "rounds": 2}
    assert any(n.startswith("precision target 0.004 not reached within the cap of 900 runs") for n in pa["notes"])


@pytest.mark.parametrize("value", ["0", "0.5", "-1"])
def test_bad_precision_is_a_one_line_error(value):
    res = _run("--method", "equal-core", "--precision", value)
    assert res.exit_code == 2
    assert res.output.strip() == (f"Error: --precision must be a standard error between 0 and 0.5, e.g. 0.01 "
                                  f"(got {float(value)!r})")


def test_cap_below_samples_is_an_error():
    method = rankings.default_registry().get("equal-core")
    with pytest.raises(AnalysisError, match="--max-samples must be at least --samples"):
        sensitivity(method, load_default(), focus="Alibaba", samples=500, precision=0.01, max_samples=100)
