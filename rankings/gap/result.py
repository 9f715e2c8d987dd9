"""The result of a gap analysis: every series of two sides, the crossovers, what went unpriced; its headline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rankings._frames import FrameMixin
from rankings.data.provenance import ECI_SNAPSHOT
from rankings.gap.measures import Point


@dataclass(frozen=True)
class Row:
    """One measure at one date: each side's :class:`Point` and their comparison."""

    date: str
    section: str        # head | depth | openness | price
    measure: str
    a: Point
    b: Point
    comparison: dict[str, Any]

    def to_dict(self, sides: tuple[str, str]) -> dict[str, Any]:
        return dict(date=self.date, section=self.section, measure=self.measure,
                    sides={sides[0]: self.a.to_dict(), sides[1]: self.b.to_dict()}, **self.comparison)


@dataclass(frozen=True)
class GapResult(FrameMixin):
    """Head and depth of two sides over time (see :func:`rankings.gap.gap_analysis`).

    ``rows`` hold every measure at every date; ``crossovers`` the first date on which one
    side's depth measure reached the other's (exact to release dates); ``unpriced`` each
    side's models, at the newest date, that no price rule matched; ``sources`` what each
    series reads.
    """

    by: str
    sides: tuple[str, str]
    dates: tuple[str, ...]
    ks: tuple[int, ...]
    delta: float
    price_caps: tuple[float, ...]
    reach: tuple[float, ...]
    rows: tuple[Row, ...]
    crossovers: tuple[dict[str, Any], ...]
    unpriced: dict[str, tuple[str, ...]]
    sources: dict[str, str]
    notes: tuple[str, ...] = field(default=())

    def row(self, date: str, measure: str) -> Row:
        """The row of ``measure`` at ``date`` (``KeyError`` when there is none)."""
        for r in self.rows:
            if r.date == date and r.measure == measure:
                return r
        raise KeyError(f"no measure {measure!r} at {date}")

    def measures(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.measure for r in self.rows))

    def to_dict(self) -> dict[str, Any]:
        return dict(by=self.by, sides=list(self.sides), dates=list(self.dates), ks=list(self.ks), delta=self.delta,
                    price_caps=list(self.price_caps), reach=list(self.reach),
                    series=[r.to_dict(self.sides) for r in self.rows], crossovers=[dict(c) for c in self.crossovers],
                    unpriced={k: list(v) for k, v in self.unpriced.items()}, sources=dict(self.sources),
                    notes=list(self.notes), headline={d: self.headline(d) for d in self.dates})

    def to_frame(self) -> Any:
        """One row per (date, measure, side): value, low, high, model, n, status, source, verdict."""
        import pandas as pd

        out = []
        for r in self.rows:
            for side, p in zip(self.sides, (r.a, r.b)):
                out.append(dict(date=r.date, section=r.section, measure=r.measure, side=side, value=p.value,
                                low=p.low, high=p.high, model=p.model, released=p.released, n=p.n, status=p.status,
                                detail=p.detail, source=p.source, gap=r.comparison["gap"],
                                verdict=r.comparison["verdict"]))
        return pd.DataFrame(out)

    def headline(self, date: str | None = None) -> str:
        """One sentence: head (ECI) and depth (models near the frontier) of the two sides at ``date``."""
        date = self.dates[-1] if date is None else date
        a, b = self.sides
        head = self.row(date, "best ECI")
        near = self.row(date, f"models within {self.delta:g} of frontier")

        def said(p: Point) -> str:
            if not p.ok:
                return p.status
            return f"{p.model} {p.value:.2f} [{p.low:.2f}, {p.high:.2f}]"

        def count(p: Point) -> str:
            return p.status if not p.ok else f"{int(p.value)} (sure {int(p.low)}, possible {int(p.high)})"

        text = (f"At {date}, the best model by ECI: {a} {said(head.a)}, {b} {said(head.b)}: "
                f"{head.comparison['verdict']}")
        if head.comparison["gap"] is not None:
            text += f", gap {head.comparison['gap']:+.2f}"
        text += (f". Depth: models within {self.delta:g} ECI points of the frontier: {a} {count(near.a)}, "
                 f"{b} {count(near.b)}")
        tenth = [r for r in self.rows if r.date == date and r.measure == f"ECI #{max(self.ks)}"]
        if tenth and tenth[0].comparison["gap"] is not None:
            t = tenth[0]
            text += f"; {max(self.ks)}th best: {a} {t.a.value:.2f}, {b} {t.b.value:.2f}, {t.comparison['verdict']}"
        return text + f" (Epoch ECI snapshot {ECI_SNAPSHOT}, 90% intervals)."
