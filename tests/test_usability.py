"""Issue 10, items 2, 3, 4 and 7: generic methodologies, directions as data, warnings, broken plugins."""

from __future__ import annotations

import json
from importlib.metadata import EntryPoint
from pathlib import Path

import numpy as np
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
