"""Entry-point target for the built-in methodologies (TOML files shipped with the package)."""

from __future__ import annotations

import dataclasses

from rankings._paths import methodologies_dir
from rankings.methodology import Methodology, load_toml


def methodologies() -> list[Methodology]:
    """Every built-in methodology, from ``methodologies/*.toml``."""
    folder = methodologies_dir()
    methods = []
    for path in sorted(folder.glob("*.toml")):
        methods.append(dataclasses.replace(load_toml(path), source=f"built-in {path.name}"))
    return methods
