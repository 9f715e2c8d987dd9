"""Section 2 of the report: the focus's rank under each methodology, with a bump chart.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from rankings.report.parts import BUMP_MAX_RANK, COMPARE_ROWS, TOP_SHOWN, _Facts, _Figures, _note, _table, e, fmt, ordinal


def _comparable(methods: Sequence[Any], table: Any) -> tuple[list[Any], list[str]]:
    results, skipped = [], []
    for m in methods:
        if m.weights is not None and not all(k in table.metric_names for k in m.weights):
            skipped.append(f"{m.name} (reads metrics the data does not have)")
            continue
        try:
            results.append(m.evaluate(table))
        except Exception as exc:
            skipped.append(f"{m.name} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})")
    return results, skipped


def _rank_text(result: Any, name: str) -> str:
    if name not in result.table.contributors:
        return "not ranked"
    rank = result.rank_of(name)
    tied = int(np.count_nonzero(result.ranks == result.ranks[result.table.contributor_index(name)])) > 1
    return ordinal(rank) + (" (tied)" if tied else "")


def _methods_section(table: Any, methods: Sequence[Any], method: Any, focus: str, figs: _Figures,
                     facts: _Facts) -> str:
    from rankings.explain import compare
    from rankings.report import plots

    results, skipped = _comparable(methods, table)
    if not results:
        return _note("No methodology could rank this data: " + "; ".join(skipped))
    rows, marks = [], []
    for r in results:
        m = r.methodology
        in_table = focus in r.table.contributors
        facts.ranks[m.name] = float(r.rank_of(focus)) if in_table else math.nan
        leaders = [r.table.contributors[i] for i in r.order()[:TOP_SHOWN]]
        leader_html = ", ".join(
            f'<b style="color:{plots.FOCUS_COLOR}">{e(c)}</b>' if c == focus else e(c) for c in leaders)
        how = f"{m.normalize} + {m.aggregate}" if m.declarative else "own score function"
        rows.append([m.name, how, _rank_text(r, focus), f"{r.table.n_contributors}", leader_html])
        marks.append(m.name == method.name)
    out = [f"<p>Each built-in methodology ranks the same data. The rank of {e(focus)} and the first "
           f"{TOP_SHOWN} contributors under each; the row of the composite analysed in the rest of the page is "
           f"highlighted.</p>",
           _table(["methodology", "normalisation + aggregation", f"rank of {focus}", "ranked", f"top {TOP_SHOWN}"],
                  rows, focus_rows=marks, numeric=(3,), raw=(4,))]
    if skipped:
        out.append('<p class="small">Not compared: ' + e("; ".join(skipped)) + ".</p>")
    comparison = compare(results)
    out.append(figs.make(lambda p: plots.bump_chart(comparison, p, focus=focus, top=10, max_rank=BUMP_MAX_RANK),
                         f"Ranks of the leading contributors under each methodology; {focus} in red. "
                         f"Rank 1 is at the top; ranks beyond {BUMP_MAX_RANK} share the bottom row; a line that stops means "
                         "the methodology does not rank that contributor.",
                         f"Bump chart of ranks across methodologies, {focus} highlighted"))
    names = list(comparison.contributors)
    shown = list(range(min(COMPARE_ROWS, len(names))))
    if focus in names and names.index(focus) not in shown:
        shown.append(names.index(focus))
    header = ["contributor", *comparison.methodologies]
    crow = []
    for i in shown:
        crow.append([names[i], *[fmt(x) for x in comparison.ranks[i]]])
    out.append(f"<h3>Side by side</h3><p>Ranks of the first {len(shown)} contributors (ordered by "
               f"{e(comparison.methodologies[0])}) under every methodology; “-” means not ranked.</p>")
    out.append(_table(header, crow, focus_rows=[names[i] == focus for i in shown],
                      numeric=tuple(range(1, len(header)))))
    return "".join(out)


