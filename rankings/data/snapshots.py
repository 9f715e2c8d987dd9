"""Which snapshots of Epoch's data can be read: the packaged ones and those in the user's cache.

The packaged snapshots (:data:`~rankings.data.lenses.SNAPSHOTS`) ship in the fixtures.
``rankings data refresh`` (:mod:`rankings.data.refresh`) adds snapshots built from
Epoch's current files to a cache folder, one folder per snapshot::

    <cache>/snapshots/<label>/models.csv       rows of the fixtures' models.csv layout
    <cache>/snapshots/<label>/benchmarks.csv   the ECI rows, benchmarks.csv layout
    <cache>/snapshots/<label>/snapshot.json    where the files came from, when, their checksums
    <cache>/snapshots/<label>/raw/             the downloaded files as received

The cache folder is ``$RANKINGS_CACHE_DIR`` when set; else platformdirs' user cache
folder for ``rankings`` when platformdirs is installed; else ``$XDG_CACHE_HOME/rankings``
or ``~/.cache/rankings``. A folder without a readable ``snapshot.json`` and ``models.csv``
(a refresh cut off half way leaves none: it writes elsewhere and renames) is not listed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from rankings.data.lenses import SNAPSHOTS
from rankings.errors import UnknownNameError

CACHE_ENV = "RANKINGS_CACHE_DIR"
"""Environment variable naming the cache folder (overrides every other rule)."""

LABEL_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,63}")
"""A cached snapshot's label: letters, digits, ``.``, ``_`` and ``-`` (default: the UTC date of the refresh)."""

META_FILE = "snapshot.json"


def cache_dir() -> Path:
    """The user cache folder of ``rankings`` (see the module docstring for the rules)."""
    given = os.environ.get(CACHE_ENV, "").strip()
    if given:
        return Path(given).expanduser()
    try:
        import platformdirs
    except ImportError:
        xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"
        return base / "rankings"
    return Path(platformdirs.user_cache_dir("rankings", appauthor=False))


def snapshots_dir() -> Path:
    """The folder holding one sub-folder per cached snapshot."""
    return cache_dir() / "snapshots"


def read_meta(folder: Path) -> dict[str, Any] | None:
    """The ``snapshot.json`` of a cached snapshot folder, or None when it is absent or unreadable."""
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def cached_snapshots() -> dict[str, Path]:
    """Label -> folder of every complete snapshot in the cache, labels sorted."""
    root = snapshots_dir()
    try:
        entries = sorted(root.iterdir())
    except OSError:
        return {}
    out = {}
    for folder in entries:
        label = folder.name
        if (LABEL_PATTERN.fullmatch(label) and label not in SNAPSHOTS and folder.is_dir()
                and (folder / "models.csv").is_file() and read_meta(folder) is not None):
            out[label] = folder
    return out


def known_snapshots() -> tuple[str, ...]:
    """Every snapshot a lens can read: the packaged ones (oldest first), then the cached ones (sorted)."""
    return SNAPSHOTS + tuple(cached_snapshots())


def snapshot_folder(label: str) -> Path:
    """The cache folder of snapshot ``label``.

    Raises
    ------
    UnknownNameError
        ``label`` is neither packaged nor in the cache (the known ones are suggested).
    """
    found = cached_snapshots().get(str(label))
    if found is None:
        raise UnknownNameError("snapshot", str(label), known_snapshots())
    return found


def check_snapshot(label: str) -> None:
    """Raise :class:`UnknownNameError` unless ``label`` is a packaged or cached snapshot."""
    if label not in SNAPSHOTS:
        snapshot_folder(label)
