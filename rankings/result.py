"""The result of one methodology on one table: scores, ranks, and the notes of how it was reached."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rankings._frames import FrameMixin
from rankings.table import ContributorTable

if TYPE_CHECKING:
    from rankings.methodology import Methodology


@dataclass(frozen=True, eq=False)
class RankingResult(FrameMixin):
    """Scores and ranks of one methodology on one (prepared) table."""

    methodology: Methodology
    table: ContributorTable
    weights: Mapping[str, float]
    scores: np.ndarray
    ranks: np.ndarray
    normalized: np.ndarray | None
    ties: str
    notes: tuple[str, ...] = ()
    filled: np.ndarray | None = None
    """N x M, True where the missing rule filled the cell (``None`` when nothing was filled)."""

    def is_filled(self, i: int, j: int) -> bool:
        return self.filled is not None and bool(self.filled[i, j])

    def observed(self) -> np.ndarray:
        """The values read, with NaN where a value was filled (missing stays missing)."""
        if self.filled is None:
            return self.table.values
        return np.where(self.filled, np.nan, self.table.values)

    def order(self) -> list[int]:
        """Row indices best first; tied rows in alphabetical order (display only)."""
        return sorted(range(len(self.scores)), key=lambda i: (self.ranks[i], self.table.contributors[i]))

    def rank_of(self, contributor: str) -> int | float:
        rank = self.ranks[self.table.contributor_index(contributor)]
        return int(rank) if float(rank).is_integer() else float(rank)

    def rows(self) -> list[dict[str, Any]]:
        names = self.table.metric_names
        out = []
        for i in self.order():
            rank = self.ranks[i]
            row: dict[str, Any] = {
                "contributor": self.table.contributors[i],
                "rank": int(rank) if float(rank).is_integer() else float(rank),
                "score": _json_float(self.scores[i]),
                "values": {m: None if self.is_filled(i, j) else _json_float(self.table.values[i, j])
                           for j, m in enumerate(names)},
            }
            if self.filled is not None and self.filled[i].any():
                row["filled"] = {m: _json_float(self.table.values[i, j]) for j, m in enumerate(names)
                                 if self.filled[i, j]}
            if self.normalized is not None:
                row["normalized"] = {m: _json_float(self.normalized[i, j]) for j, m in enumerate(names)}
            else:
                row["normalized"] = None
            for key, column in self.table.attributes.items():
                row.setdefault("attributes", {})[key] = column[i]
            out.append(row)
        return out

    def directions(self) -> dict[str, dict[str, str]]:
        """Metric -> the direction used and where it came from (``default``, ``sidecar``, ``file``,
        ``dataset``, ``table``, ``methodology``, ``--direction`` or ``user``)."""
        return {s.name: {"direction": s.direction, "source": self.table.direction_source(s.name)}
                for s in self.table.metrics}

    def directions_text(self) -> str:
        """One line: ``price min (--direction), quality max (default)``."""
        return ", ".join(f"{m} {d['direction']} ({d['source']})" for m, d in self.directions().items())

    def to_dict(self) -> dict[str, Any]:
        method = self.methodology.to_dict()
        method["weights"] = dict(self.weights)
        return {
            "methodology": method,
            "data": {"label": self.table.label, "lens": dict(self.table.lens),
                     "contributors": self.table.n_contributors},
            "directions": self.directions(),
            "ties": self.ties,
            "notes": list(self.notes),
            "ranking": self.rows(),
        }

    def to_frame(self) -> Any:
        import pandas as pd

        rows = self.rows()
        frame = pd.DataFrame({
            "contributor": [r["contributor"] for r in rows],
            "rank": [r["rank"] for r in rows],
            "score": [r["score"] for r in rows],
        }).set_index("contributor")
        for m in self.table.metric_names:
            frame[m] = [r["values"][m] for r in rows]
        return frame


def _json_float(value: float) -> float | None:
    value = float(value)
    if math.isnan(value):
        return None
    if math.isinf(value):
        return None if value > 0 else -1e308
    return value


# ---------------------------------------------------------------------------------------
