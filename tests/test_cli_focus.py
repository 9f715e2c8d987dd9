"""Focus only where a question has one: analyses of a user's own table without --focus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rankings.cli import main

ROOT = Path(__file__).resolve().parent.parent
MATRIX = str(ROOT / "examples" / "matrix.csv")


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def test_sensitivity_of_a_users_table_needs_no_focus_and_says_what_it_did():
    result = run("sensitivity", "--data", MATRIX, "--direction", "price=min", "--samples", "500", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert set(payload["acceptability"]) == {"A", "B", "C", "D"}
    assert any("nominal leader, C" in n for n in payload["notes"])


def test_winners_of_a_users_table_needs_no_focus():
    result = run("winners", "--data", MATRIX, "--direction", "price=min")
    assert result.exit_code == 0, result.output
    assert "(4 of 4;" in result.output and "nominal leader, C" in result.output


def test_bounds_all_gives_every_rows_best_and_worst_rank():
    result = run("bounds", "--all", "--data", MATRIX, "--direction", "price=min", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["contributors"]
    assert [r["focus"] for r in rows] == ["C", "D", "A", "B"]
    for r in rows:
        assert r["best"]["rank"] <= r["base_rank"] <= r["worst"]["rank"]


def test_report_of_a_users_table_needs_no_focus(tmp_path: Path):
    out = tmp_path / "r.html"
    result = run("report", "--data", MATRIX, "--direction", "price=min", "--samples", "300", "--no-sobol", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "nominal leader, C" in result.output
    assert "<!DOCTYPE html>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("command", ["sweep", "tipping"])
def test_sweep_and_tipping_ask_for_a_focus_in_one_line(command: str, tmp_path: Path):
    result = run(command, "--data", MATRIX)
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1].startswith(f"Error: {command} needs --focus NAME")
    # the same message when the focus row exists but the methodology drops it
    gaps = tmp_path / "gaps.csv"
    gaps.write_text("alternative,a,b\nAlibaba,,1\nB,2,3\nC,3,1\n")
    dropped = run(command, "--data", str(gaps), "--missing", "drop")
    assert dropped.exit_code == 2
    assert f"Error: {command} needs --focus NAME" in dropped.output and "does not rank 'Alibaba'" in dropped.output


def test_the_default_dataset_keeps_alibaba_as_the_focus():
    result = run("bounds")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Rank bounds of Alibaba")


@pytest.mark.parametrize("args,fragment", [
    (("--focus", "C"), "C is ranked 1 with the methodology's weights, so it cannot move up 1 place(s)"),
    (("--focus", "A", "--down", "3"), "A is ranked 3 of 4, so it cannot move down 3 place(s)"),
])
def test_tipping_past_the_ends_says_why_in_one_line(args: tuple[str, ...], fragment: str):
    result = run("tipping", "--data", MATRIX, "--direction", "price=min", *args)
    assert result.exit_code == 2
    assert fragment in result.output.strip().splitlines()[-1]
