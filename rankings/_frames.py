"""Results that show as tables in Jupyter: ``_repr_html_`` through ``to_frame()``."""

from __future__ import annotations

from typing import Any


class FrameMixin:
    """Adds ``_repr_html_`` to a result class that defines ``to_frame()`` (pandas)."""

    def to_frame(self) -> Any:  # pragma: no cover - every user overrides it
        raise NotImplementedError

    def _repr_html_(self) -> str:
        return str(self.to_frame()._repr_html_())
