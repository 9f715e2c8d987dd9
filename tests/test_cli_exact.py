"""The sweep, bounds, tipping and winners commands, checked through the rank command.

Commands are invoked directly with click's CliRunner; witness weights printed in JSON
are fed back to ``rankings rank --weights ... --format json`` to check the rank.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli import main
from rankings.cli.exact import COMMANDS, bounds_command, sweep_command, tipping_command, winners_command


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _json(runner: CliRunner, command, args: list[str]) -> dict:
    result = runner.invoke(command, [*args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _rank_with(runner: CliRunner, weights: dict[str, float], focus: str, extra: list[str]) -> int:
    text = ",".join(f"{k}={v!r}" for k, v in weights.items())
    result = runner.invoke(main, ["rank", *extra, "--weights", text, "--focus", focus, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["focus"]["rank"]


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(3)
    values = rng.gamma(2.0, 1.0, size=(25, 3)) * [1.0, 10.0, 100.0]
    lines = ["contributor,papers,citations,benchmark"]
    lines += [f"org{i:02d},{v[0]:.6f},{v[1]:.6f},{v[2]:.6f}" for i, v in enumerate(values)]
    path = tmp_path / "table.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_commands_list_and_help(runner):
    assert [c.name for c in COMMANDS] == ["sweep", "bounds", "tipping", "winners"]
    for command in COMMANDS:
        result = runner.invoke(command, ["--help"])
        assert result.exit_code == 0 and "--focus" in result.output and "--weights" in result.output


def test_bounds_witnesses_reproduce_through_rank(runner):
    args = ["--method", "equal-core"]
    payload = _json(runner, bounds_command, args)
    assert payload["focus"] == "Alibaba" and payload["exact"] is True
    assert payload["solver"] == "branch-and-bound over weight simplices" and payload["proven_optimal"] is True
    for side in ("best", "worst"):
        weights = payload[side]["weights"]
        assert set(weights) == {"venue_papers", "frontier_eci", "notable_models"}
        assert _rank_with(runner, weights, "Alibaba", args) == payload[side]["rank"]
    assert payload["best"]["rank"] <= payload["base_rank"] <= payload["worst"]["rank"]


def test_bounds_and_tipping_on_a_csv(runner, csv_file):
    args = ["--data", str(csv_file), "--focus", "org07"]
    bounds = _json(runner, bounds_command, args)
    for side in ("best", "worst"):
        assert _rank_with(runner, bounds[side]["weights"], "org07", ["--data", str(csv_file)]) == bounds[side]["rank"]
    if bounds["base_rank"] < bounds["worst"]["rank"]:
        tip = _json(runner, tipping_command, [*args, "--down", "1", "--norm", "linf"])
        assert tip["reached_rank"] >= bounds["base_rank"] + 1
        assert tip["solver"] == "HiGHS MILP" and tip["exact"] is True and isinstance(tip["proven_optimal"], bool)
        assert _rank_with(runner, tip["weights"], "org07", ["--data", str(csv_file)]) == tip["reached_rank"]
        assert tip["distance"] == pytest.approx(max(abs(tip["weights"][m] - tip["base_weights"][m])
                                                    for m in tip["weights"]))


def test_tipping_default_output(runner):
    result = runner.invoke(tipping_command, ["--method", "equal-core"])
    assert result.exit_code == 0, result.output
    assert "from rank 3 to rank 2 or better" in result.output and "Passes:" in result.output
    payload = _json(runner, tipping_command, ["--method", "equal-core", "--up", "1"])
    assert _rank_with(runner, payload["weights"], "Alibaba", ["--method", "equal-core"]) == payload["reached_rank"] == 2


def test_sweep_and_winners_json(runner):
    payload = _json(runner, sweep_command, ["--metric", "notable_models"])
    (curve,) = payload["metrics"]
    assert payload["exact"] is True and curve["metric"] == "notable_models" and curve["base_rank"] == 3
    lo, hi = curve["stability_interval"]
    assert lo <= 1 / 3 <= hi
    payload = _json(runner, winners_command, [])
    assert {"Google", "OpenAI"} <= {w["contributor"] for w in payload["winners"]}
    assert payload["focus_can_be_first"] is False
    for w in payload["winners"][:2]:
        assert _rank_with(runner, w["weights"], w["contributor"], ["--method", "equal-core"]) == 1


def test_nonlinear_is_labelled_sampled(runner):
    args = ["--aggregate", "topsis", "--normalize", "vector", "--samples", "500", "--seed", "3"]
    payload = _json(runner, bounds_command, args)
    assert payload["exact"] is False and payload["proven_optimal"] is False and "sampled" in payload["solver"]
    text = runner.invoke(sweep_command, ["--aggregate", "topsis", "--normalize", "vector", "--metric", "frontier_eci"])
    assert text.exit_code == 0 and "sampled, not exact" in text.output


@pytest.mark.parametrize("command,args,message", [
    (tipping_command, ["--target", "1"], "target rank must be reachable"),
    (tipping_command, ["--target", "3"], "target rank must differ from the current rank 3"),
    (tipping_command, ["--target", "999"], "target rank must lie between 1 and 10 (got 999)"),
    (tipping_command, ["--up", "1", "--down", "1"], "give one of --target, --up or --down"),
    (bounds_command, ["--limits", "venue_papers=0.8:1,notable_models=0.8:1"], "lower limits sum to 1.6"),
    (bounds_command, ["--limits", "a=0.8:1,b=0.8:1"], "unknown metric 'a'"),
    (bounds_command, ["--limits", "venue_papers=-0.2:0.5"], "0 <= lo <= hi <= 1 (got -0.2:0.5)"),
    (winners_command, ["--limits", "venue_papers=0.5"], "limits must look like metric=lo:hi"),
    (sweep_command, ["--metric", "nope"], "unknown metric 'nope'"),
    (bounds_command, ["--focus", "Nobody Inc"], "unknown contributor 'Nobody Inc'"),
])
def test_bad_input_is_one_line_exit_2(runner, command, args, message):
    result = runner.invoke(command, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert "Traceback" not in result.output and not isinstance(result.exception, Exception) or \
        isinstance(result.exception, SystemExit)
