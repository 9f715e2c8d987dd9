"""Section 7 of the report: the closest rivals and the decomposition of each gap.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from rankings.caveats import fill_text
from rankings.report.parts import _Facts, _Figures, _note, _table, e, fmt, ordinal


def _rivals_section(main_result: Any, focus: str, figs: _Figures, facts: _Facts) -> str:
    from rankings.explain import explain_gap

    order = main_result.order()
    names = main_result.table.contributors
    pos = order.index(main_result.table.contributor_index(focus))
    picks = []
    if pos > 0:
        picks.append(("just above", names[order[pos - 1]]))
    if pos + 1 < len(order):
        picks.append(("just below", names[order[pos + 1]]))
    if not picks:
        return _note(f"{focus} is the only contributor ranked.")
    method_name = main_result.methodology.name
    out = [f"<p>The contributors next to {e(focus)} under {e(method_name)}, and how the score gap splits over the "
           f"metrics. A positive part favours {e(focus)}; the parts add up to the gap.</p>"]
    for where, rival in picks:
        x = explain_gap(main_result, focus, rival)
        facts.rivals.append(x)
        how = {"additive": "exact additive split w·(difference of normalised values)",
               "log-additive": "split of the gap in log score (geometric mean)",
               "shapley": "Shapley split over metrics"}.get(x.method, x.method)
        out.append(f"<h3>{e(rival)}, {where} ({ordinal(x.second_rank)})</h3>")
        out.append(f"<p>Scores: {e(focus)} {fmt(x.first_score, 4)}, {e(rival)} {fmt(x.second_score, 4)}; "
                   f"gap {fmt(x.gap, 4)} ({e(how)}).</p>")
        metrics = list(main_result.table.metric_names)
        filled = {name: {m for j, m in enumerate(metrics)
                         if main_result.is_filled(main_result.table.contributor_index(name), j)}
                  for name in (focus, rival)}
        rows = [[m, fmt(round(x.weights.get(m, 0.0), 4)),
                 fmt(x.values[m][0], 5) + ("*" if m in filled[focus] else ""),
                 fmt(x.values[m][1], 5) + ("*" if m in filled[rival] else ""),
                 f"{x.contributions[m]:+.4f}"] for m in x.contributions]
        out.append(_table(["metric", "weight", focus, rival, "contribution"], rows, numeric=(1, 2, 3, 4)))
        if filled[focus] or filled[rival]:
            out.append(_note(f"* filled by {fill_text(main_result.methodology)}, not observed: "
                             "the part of the gap on that metric comes from a filled value."))
        out.append(figs.make(functools.partial(_gap_plot, x),
                             f"Per-metric parts of the score gap between {focus} and {rival}: red bars favour "
                             f"{focus}, blue bars favour {rival}.",
                             f"Bar chart of the gap between {focus} and {rival}"))
    return "".join(out)


def _gap_plot(explanation: Any, path: Path) -> Any:
    from rankings.report import plots

    return plots.gap_bars(explanation, path)


