"""The two countries a report's lens is about, and the date its gap headline is read at.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from rankings.data.provenance import ECI_SNAPSHOT
from rankings.data.records import _snapshot_models


def lens_countries(lens: dict[str, Any], focus_country: str | None = None) -> tuple[str, str] | None:
    """The focus's country and the country with the most notable models in the lens window besides it
    (without a focus country: the two countries with the most). ``None`` when the window has fewer than
    two countries. Ties go to the alphabetically first name."""
    y0, y1 = (int(y) for y in lens["years"])
    counts: Counter[str] = Counter()
    for r in _snapshot_models(str(lens["snapshot"])):
        if y0 <= r.year <= y1:
            counts.update(set(r.countries))
    ranked = [c for c, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if focus_country in counts:
        chosen = {focus_country, next((c for c in ranked if c != focus_country), focus_country)}
        ranked = [c for c in ranked if c in chosen]
    return (ranked[0], ranked[1]) if len(ranked) >= 2 else None


def lens_date(lens: dict[str, Any]) -> str:
    """End of the lens's last year, or the ECI snapshot date when the year runs past it."""
    return min(f"{int(lens['years'][1])}-12-31", ECI_SNAPSHOT)
