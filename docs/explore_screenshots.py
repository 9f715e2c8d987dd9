"""Screenshots of the explore page at a laptop's and a phone's size.

    python docs/explore_screenshots.py [--out docs]

Builds ``rankings explore`` for the default dataset, moves one slider so a flip shows, and
saves ``explore-1280x800.png`` and ``explore-390x844.png`` (headless Chromium). The
README's ``docs/explore.png`` is the laptop one.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.driver import screenshot, start_browser  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="explore-shots-"))
    try:
        page = folder / "explore.html"
        subprocess.run(["rankings", "explore", "-o", str(page)], check=True)
        driver, profile = start_browser()
        try:
            driver.get(page.as_uri() + "#lens=0&n=min-max&a=arithmetic&t=competition&w=0.2,0.5,0.3&f=Alibaba")
            screenshot(driver, args.out / "explore-1280x800.png", 1280, 800)
            screenshot(driver, args.out / "explore-390x844.png", 390, 844, mobile=True)
        finally:
            driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
