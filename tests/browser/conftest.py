"""One headless Chromium per test module (see :mod:`tests.browser.driver`)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.driver import NoBrowser, start_browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        driver, profile = start_browser()
    except NoBrowser as exc:
        pytest.skip(f"no browser for the explore-page tests: {exc}")
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A module-wide empty cache folder (the autouse one is per test), never the user's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RANKINGS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield
