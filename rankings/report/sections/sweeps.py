"""Section 4 of the report: one-weight sweeps with their breakpoints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rankings.report.parts import _Figures, _table, e, fmt


def _sweep_section(method: Any, table: Any, focus: str, figs: _Figures, keep: Callable[[Any], None]) -> str:
    from rankings.report import plots
    from rankings.sensitivity.exact import sweep

    s = sweep(method, table, focus)
    keep(s)
    out = [f"<p>Each panel moves the weight of one metric from 0 to 1 while the other weights keep their "
           f"proportions. The rank changes only where a rival's score line crosses {e(focus)}'s; "
           f"{e(s.note)}.</p>"]
    out.append(figs.make(lambda p: plots.sweep_steps(s, p),
                         f"Rank of {focus} against the weight of each metric under {s.methodology}. The circle and "
                         "dotted line mark the methodology's own weight; thin grey lines mark the breakpoints.",
                         f"Step plots of {focus}'s rank against each metric's weight"))
    rows = []
    for c in s.curves:
        lo, hi = c.stability
        rows.append([c.metric, fmt(round(c.base_weight, 4)), c.base_rank, f"{fmt(round(lo, 4))} – {fmt(round(hi, 4))}",
                     f"{c.best_rank} – {c.worst_rank}", len(c.crossings)])
    out.append(_table(["metric", "weight", "rank", "rank unchanged for weight in", "ranks over 0..1",
                       "breakpoints"], rows, numeric=(1, 2, 5)))
    return "".join(out)


