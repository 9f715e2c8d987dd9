"""Every ``console`` block of the README, run and compared with what the README prints.

A block is a sequence of ``$ command`` lines, each followed by the output the README
shows. A line that is ``...`` (indented or not) stands for any number of output lines (the README
elides long outputs that way). Commands run in a temporary folder holding a copy of
``examples/``, so the tour's files (``matrix.csv``) are the shipped ones.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rankings.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def console_blocks() -> list[list[tuple[str, list[str]]]]:
    """The README's console blocks as lists of (command, expected output lines)."""
    blocks = re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    parsed = []
    for block in blocks:
        steps: list[tuple[str, list[str]]] = []
        for line in block.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps:
                steps[-1][1].append(line)
        parsed.append(steps)
    return parsed


def matches(expected: list[str], actual: list[str]) -> bool:
    """True when ``actual`` is ``expected`` with each ``...`` line standing for any lines."""
    while expected and expected[-1] == "":
        expected = expected[:-1]
    while actual and actual[-1] == "":
        actual = actual[:-1]
    if not expected:
        return not actual
    if expected[0].strip() == "...":
        return any(matches(expected[1:], actual[i:]) for i in range(len(actual) + 1))
    return bool(actual) and actual[0].rstrip() == expected[0].rstrip() and matches(expected[1:], actual[1:])


BLOCKS = console_blocks()


def test_the_readme_has_console_blocks():
    assert len(BLOCKS) >= 8
    assert sum(len(b) for b in BLOCKS) >= 15


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[b[0][0][:60] for b in BLOCKS])
def test_readme_console_block(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shutil.copytree(ROOT / "examples", tmp_path, dirs_exist_ok=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "300")
    for command, expected in BLOCKS[index]:
        words = shlex.split(command)
        if words[0] == "cat":
            actual = (tmp_path / words[1]).read_text(encoding="utf-8").splitlines()
        else:
            assert words[0] == "rankings", command
            result = CliRunner().invoke(main, words[1:], catch_exceptions=False)
            actual = result.output.splitlines()
        assert matches(expected, actual), f"$ {command}\n--- README ---\n" + "\n".join(expected) + "\n--- actual ---\n" + "\n".join(actual)


def test_readme_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The notebook-style example of "## The library" runs as written (in a scratch folder)."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The library"):]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S)
    assert code is not None
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(code.group(1), "README.md (The library)", "exec"), namespace)  # noqa: S102 - our own README
    assert namespace["topsis"].evaluate(namespace["mine"]).rank_of("C") == 1  # type: ignore[attr-defined]
    assert (tmp_path / "c.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
