"""Headless Chromium for the browser tests (Debian's chromium and chromium-driver, driven by Selenium).

:func:`start_browser` returns a driver or raises :class:`NoBrowser` saying what is missing;
the tests skip with that message only where no browser can be had.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage")
"""Without the background-networking flags Chromium tries outside addresses, which the closed network refuses."""


class NoBrowser(Exception):
    """No browser can be had here: the message says what is missing."""


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def start_browser(width: int = 1280, height: int = 800) -> tuple[Any, Path]:
    """A headless Chromium with a fresh profile, and that profile's folder (remove it after ``quit``)."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        raise NoBrowser("selenium is not installed (pip install -e '.[test]')") from None
    browser = _binary("chromium", "chromium-browser", "google-chrome")
    driver_path = _binary("chromedriver")
    if browser is None or driver_path is None:
        raise NoBrowser("no chromium/chromedriver on PATH (apt-get install chromium chromium-driver)")
    profile = Path(tempfile.mkdtemp(prefix="rankings-chromium-"))
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument(f"--window-size={width},{height}")
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    try:
        driver = webdriver.Chrome(options=options, service=Service(driver_path))
    except Exception as exc:  # noqa: BLE001 - any failure to start means no browser here
        shutil.rmtree(profile, ignore_errors=True)
        raise NoBrowser(f"chromium did not start: {str(exc).splitlines()[0]}") from None
    return driver, profile


def screenshot(driver: Any, path: Path, width: int, height: int, *, mobile: bool = False) -> None:
    """A PNG of the page at exactly ``width`` x ``height`` CSS pixels (the viewport, not the window)."""
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})
    try:
        driver.execute_script("return new Promise(function (r) { requestAnimationFrame(function () { r(); }); })")
        Path(path).write_bytes(driver.get_screenshot_as_png())
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
