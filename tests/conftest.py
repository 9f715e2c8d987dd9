"""Test configuration: hypothesis profiles and the example plugin on sys.path.

``tests/example_plugin`` holds a tiny third-party package together with its
``.dist-info`` metadata, so putting the folder on ``sys.path`` installs it for
``importlib.metadata``: the plugin's entry point is discovered exactly as a
pip-installed plugin's would be.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

PLUGIN_DIR = Path(__file__).parent / "example_plugin"
if str(PLUGIN_DIR) not in sys.path:
    sys.path.insert(0, str(PLUGIN_DIR))

settings.register_profile("dev", max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test sees an empty cache folder of its own, never the user's (``rankings data refresh``)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("RANKINGS_CACHE_DIR", str(folder))
    return folder


@pytest.fixture(autouse=True)
def _no_terminal_width(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables are fitted to COLUMNS; tests that care set it themselves, the others see full width."""
    monkeypatch.delenv("COLUMNS", raising=False)
