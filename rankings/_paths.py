"""Where the embedded data and built-in methodologies live (checkout or wheel)."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(wheel_name: str, checkout_name: str) -> Path:
    inside = _PACKAGE / wheel_name
    if inside.is_dir():
        return inside
    return _PACKAGE.parent / checkout_name


def fixtures_dir() -> Path:
    """The folder holding the default dataset (``rankings/_fixtures`` in a wheel)."""
    return _locate("_fixtures", "fixtures")


def methodologies_dir() -> Path:
    """The folder holding the built-in TOML methodologies."""
    return _locate("_methodologies", "methodologies")
