"""Lenses: how the default dataset is read (year window, counting, snapshot, grouping, rows).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from rankings.errors import LensError

SNAPSHOTS: tuple[str, ...] = ("2024-12", "2025-12", "2026-07", "2026-08")
"""Epoch notable-model snapshots in the fixtures, oldest first (month of the copy)."""
COUNTINGS: tuple[str, ...] = ("full", "fractional")
GROUPINGS: tuple[str, ...] = ("merged", "split")
BY: tuple[str, ...] = ("contributor", "country")

NAMED_CONTRIBUTORS: tuple[str, ...] = (
    "OpenAI", "Google", "Alibaba", "Meta", "Microsoft", "Anthropic", "DeepSeek", "Tencent", "ByteDance",
    "Baidu", "Mistral AI", "xAI", "NVIDIA", "Amazon", "Apple", "Zhipu AI", "Moonshot AI", "MiniMax", "Huawei",
    "Tsinghua University", "Stanford University",
)
"""Registry units always given a row (after grouping), with or without recent models."""

ROW_YEARS: tuple[int, int] = (2023, 2025)
"""A registry organisation gets a row if it has a notable model in these years (or is named)."""

METRIC_NAMES: tuple[str, ...] = (
    "notable_models", "open_weight_models", "model_citations", "frontier_eci", "arena_score",
    "venue_papers", "venue_citations",
)
COUNTRY_METRICS: tuple[str, ...] = (
    "notable_models", "open_weight_models", "model_citations", "frontier_eci", "arena_score",
)


@dataclass(frozen=True)
class Lens:
    """How the default dataset is read.

    Parameters
    ----------
    years : (int, int)
        Inclusive range of publication years.
    counting : {"full", "fractional"}
        ``full``: a model (or paper) counts 1 for each contributor on it. ``fractional``:
        a model with k organisations counts 1/k for each; a paper counts each
        organisation's share of its listed authors.
    snapshot : {"2024-12", "2025-12", "2026-07", "2026-08"} or a cached label
        Which Epoch notable-model snapshot to read (default: the newest packaged one,
        2026-08). ``rankings data refresh`` adds snapshots of Epoch's current data to
        the user's cache (:func:`~rankings.data.snapshots.known_snapshots` lists all).
    grouping : str
        ``merged`` (units roll up to their registry group: Google DeepMind and Google
        Research count as Google), ``split`` (units as they are), or a path to a CSV with
        columns ``unit,group`` that overrides the registry group of the units it lists.
    by : {"contributor", "country"}
        Rows are contributors or countries.

    Notes
    -----
    A table built under a lens records it in ``table.lens`` together with two derived
    keys: ``data_end`` (publication date of the snapshot's newest record, 2026-08-14 for
    2026-08) and ``partial`` (true when the window ends after ``data_end``, as 2026
    does). :meth:`from_dict` reads such a mapping back.
    """

    years: tuple[int, int] = (2025, 2025)
    counting: str = "full"
    snapshot: str = "2026-08"
    grouping: str = "merged"
    by: str = "contributor"

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["years"] = list(self.years)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Lens:
        """The lens of a table's ``lens`` mapping; derived keys (``data_end``, ``partial``) are ignored."""
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if "years" in kwargs:
            kwargs["years"] = tuple(int(y) for y in kwargs["years"])
        return cls(**kwargs)


DEFAULT_LENS = Lens()


def parse_years(text: str) -> tuple[int, int]:
    """Parse ``"2025"`` or ``"2023-2025"`` (also ``2023:2025``, ``2023..2025``) into a range."""
    raw = str(text).strip()
    match = re.fullmatch(r"(\d{4})(?:\s*(?:-|:|\.\.|–|to)\s*(\d{4}))?", raw)
    if not match:
        raise LensError(f"years must be a year or a range like 2023-2025 (got {raw!r})")
    first = int(match.group(1))
    last = int(match.group(2) or first)
    if last < first:
        raise LensError(f"years must run from the earlier to the later year (got {raw!r})")
    return (first, last)


def _check_lens(lens: Lens) -> None:
    if lens.snapshot not in SNAPSHOTS:
        from rankings.data.snapshots import check_snapshot

        check_snapshot(str(lens.snapshot))  # a snapshot of the user's cache (rankings data refresh)
    if lens.counting not in COUNTINGS:
        raise LensError(f"counting must be 'full' or 'fractional' (got {lens.counting!r})")
    if lens.by not in BY:
        raise LensError(f"by must be 'contributor' or 'country' (got {lens.by!r})")
    years = lens.years
    if (not isinstance(years, tuple | list) or len(years) != 2
            or not all(isinstance(y, int | np.integer) and not isinstance(y, bool) for y in years)):
        raise LensError(f"years must be a pair of integers (got {years!r})")
    if years[1] < years[0]:
        raise LensError(f"years must run from the earlier to the later year (got {years[0]}-{years[1]})")


