"""Entry-point target for the built-in methodologies (TOML files shipped with the package)."""

from __future__ import annotations

import dataclasses

from rankings._paths import methodologies_dir
from rankings.declarative import load_toml
from rankings.methodology import Methodology


def methodologies() -> list[Methodology]:
    """Every built-in methodology, from ``methodologies/*.toml``."""
    folder = methodologies_dir()
    methods = []
    for path in sorted(folder.glob("*.toml")):
        methods.append(dataclasses.replace(load_toml(path), source=f"built-in {path.name}"))
    return methods
