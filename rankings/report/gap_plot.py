"""The chart of ``rankings gap --plot``: head and depth of two sides over time, with interval bands.

Kept beside :mod:`rankings.report.plots` (whose :func:`~rankings.report.plots.save` writes it
whole or not at all) so that the gap chart has one module of its own.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path
from typing import Any

from rankings.report import plots

SIDE_COLOURS = ("#1f77b4", "#d62728")
"""One colour per side (first, second)."""


def _series(result: Any, measure: str, side: int) -> tuple[list[date], list[float], list[float], list[float]]:
    xs, ys, lo, hi = [], [], [], []
    for r in result.rows:
        if r.measure != measure:
            continue
        p = (r.a, r.b)[side]
        xs.append(date.fromisoformat(r.date))
        ys.append(p.value if p.ok else math.nan)
        lo.append(p.low if p.ok else math.nan)
        hi.append(p.high if p.ok else math.nan)
    return xs, ys, lo, hi


@plots._literal
def gap_lines(result: Any, path: str | Path) -> Path:
    """Three panels: best ECI (head), k-th best ECI for each k (depth), models near the frontier.

    Each side has one colour; the band is the 90% interval (for the count: from the models whose
    whole interval is above the line to those whose interval reaches it). A date where a side has
    too few models leaves a gap in its line, never a zero.
    """
    from rankings.report.render import subplots

    plots.check_plot_path(path)
    near = f"models within {result.delta:g} of frontier"
    fig, axes = subplots(1, 3, figsize=(15, 4.6))
    styles = ("-", "--", "-.", ":")
    panels = [(axes[0], ["best ECI"], "Head: best model (ECI, 90% interval)"),
              (axes[1], [f"ECI #{k}" for k in result.ks], "Depth: k-th best model (ECI)"),
              (axes[2], [near], f"Depth: models within {result.delta:g} ECI points of the frontier")]
    for ax, measures, title in panels:
        for s, side in enumerate(result.sides):
            for j, measure in enumerate(measures):
                xs, ys, lo, hi = _series(result, measure, s)
                label = side if len(measures) == 1 else f"{side} {measure.replace('ECI ', '')}"
                ax.plot(xs, ys, styles[j % len(styles)], color=SIDE_COLOURS[s], marker="o", markersize=3, label=label)
                ax.fill_between(xs, lo, hi, color=SIDE_COLOURS[s], alpha=0.12, linewidth=0)
                # whiskers too, so that a single date (or an isolated point) still shows its interval
                below = [y - lo_ if not math.isnan(lo_) else 0.0 for y, lo_ in zip(ys, lo)]
                above = [hi_ - y if not math.isnan(hi_) else 0.0 for y, hi_ in zip(ys, hi)]
                ax.errorbar(xs, ys, yerr=[below, above], fmt="none", ecolor=SIDE_COLOURS[s], alpha=0.5,
                            capsize=2, linewidth=0.8)
        ax.set_title(title, fontsize=10)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper left")
    axes[0].set_ylabel("ECI")
    axes[2].set_ylabel("models")
    fig.suptitle(f"{result.sides[0]} vs {result.sides[1]} (Epoch ECI snapshot; bands: intervals)", fontsize=11)
    fig.tight_layout()
    return plots.save(fig, path)
