"""Readable at 80 columns: tables fitted to COLUMNS, full width with --wide or when not a terminal."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from rankings.cli import main

COMMANDS = [("compare",), ("sensitivity", "--samples", "1000"), ("methods",), ("data", "show")]


def run(*args: str, columns: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None):
    if columns is not None and monkeypatch is not None:
        monkeypatch.setenv("COLUMNS", columns)
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a[:2]) for a in COMMANDS])
def test_the_widest_line_fits_80_columns(args: tuple[str, ...], monkeypatch: pytest.MonkeyPatch):
    result = run(*args, columns="80", monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    widest = max(len(line) for line in result.output.splitlines())
    assert widest <= 80, max(result.output.splitlines(), key=len)


def test_wide_and_unlimited_output_keep_every_column_on_one_line(monkeypatch: pytest.MonkeyPatch):
    full = run("compare")  # not a terminal, no COLUMNS: never cut, byte-stable
    assert max(len(line) for line in full.output.splitlines()) > 120
    wide = run("--wide", "compare", columns="80", monkeypatch=monkeypatch)
    assert wide.output == full.output


def test_long_names_are_shortened_with_an_ellipsis_and_the_focus_stays_marked(monkeypatch: pytest.MonkeyPatch):
    result = run("data", "show", columns="60", monkeypatch=monkeypatch)
    assert result.exit_code == 0
    assert "…" in result.output
    assert any(line.startswith("-> Alibaba") for line in result.output.splitlines())
    assert max(len(line) for line in result.output.splitlines()) <= 60


def test_a_recorded_run_prints_full_width_so_replay_does_not_depend_on_the_terminal(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    recorded = run("compare", "--manifest", "run.json", columns="70", monkeypatch=monkeypatch)
    monkeypatch.setenv("COLUMNS", "200")
    replayed = CliRunner().invoke(main, ["replay", "run.json"])
    assert recorded.exit_code == 0 and replayed.exit_code == 0, replayed.output
    assert "replay matches" in replayed.output
