"""The report section after the sampled uncertainty: is the rank significant? Rank set, top-k answer, budget.

Rank confidence sets come from a bootstrap of the records behind the table; the
uncertainty budget is a Sobol' run grouped into records, snapshot, weights and method
choices. Both, and the sentence a journalist can quote that opens the section, come from
:mod:`rankings.sensitivity.significance`, which the explore page reads too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rankings.report.parts import _Figures, _guard, _note, _table, e
from rankings.sensitivity import significance

# the parameters the explore page shares (rankings.sensitivity.significance)
CONFIDENCE_RUNS = significance.CONFIDENCE_RUNS
TOP_K = significance.TOP_K


def _confidence_section(method: Any, table: Any, focus: str, seed: int, sobol_samples: int, figs: _Figures) -> str:
    reason = significance.not_computable(method, table)
    if reason:
        return _note(f"Not computed: {reason}.")
    kinds = significance.record_kinds(method, table)
    r = significance.focus_confidence(method, table, focus, seed, kinds)
    f = r.focus_index
    lo, hi = r.marginal[focus]
    slo, shi = (int(x) for x in r.simultaneous[f])
    out = [f'<p class="quote"><strong>{e(r.sentence())}</strong></p>',
           f"<p>How sure is that rank, given the records themselves? {r.runs} bootstrap resamples of the "
           f"{e(' and '.join(kinds))} records behind the table (seed {r.seed}), each scored with {e(method.name)}'s "
           f"own weights. Method: {e(r.method)}. A 95% marginal set holds for {e(focus)} alone; the simultaneous "
           f"sets hold for every contributor at once, so they are wider.</p>"]
    out += [_note(x) for x in r.notes]
    ft = r.focus_top
    answer = {"yes": "yes, surely", "no": "no, surely not", "undecided": "cannot say at this level"}[ft["answer"]]
    cells = [["rank (methodology's weights)", str(int(r.ranks[f]))],
             ["95% marginal rank set", f"{lo} – {hi}"],
             ["95% simultaneous rank set", f"{slo} – {shi}"],
             [f"in the top {r.top_k} at 95%?", answer],
             [f"surely in the top {r.top_k}", ", ".join(r.surely_top) or "none"],
             [f"may be in the top {r.top_k}", f"{len(r.may_be_top)} contributor(s)"]]
    out.append(_table(["quantity", focus], cells, numeric=(1,)))
    order = sorted(range(len(r.contributors)), key=lambda i: (r.ranks[i], r.contributors[i]))[:10]
    if f not in order:
        order.append(f)
    rows = [[r.contributors[i], int(r.ranks[i]),
             "–".join(str(x) for x in r.marginal[r.contributors[i]]) if r.contributors[i] in r.marginal else "-",
             f"{int(r.simultaneous[i, 0])}–{int(r.simultaneous[i, 1])}"] for i in order]
    out.append(_table(["contributor", "rank", "95% marginal", "95% simultaneous"], rows,
                      focus_rows=[i == f for i in order], numeric=(1, 2, 3)))
    out.append("<h3>Uncertainty budget: the data or the method?</h3>")
    out.append(_guard("The uncertainty budget", lambda: _budget_part(method, table, focus, seed, kinds,
                                                                      sobol_samples, figs)))
    return "".join(out)


def _budget_part(method: Any, table: Any, focus: str, seed: int, kinds: tuple[str, ...], sobol_samples: int,
                 figs: _Figures) -> str:
    from rankings.report import plots

    r = significance.focus_budget(method, table, focus, seed, kinds, sobol_samples)
    s = r.sobol
    out = [f"<p>Share of the variance of {e(focus)}'s rank due to each group of inputs: the records (a bootstrap "
           f"resample), the weights (uniform over all weightings), and the method choices (full or fractional "
           f"counting). A Saltelli design of {s['base_samples']} base rows ({s['runs']:,} runs, seed {seed}); "
           f"ST includes interactions. Small runs give wide intervals: read the order, not the decimals.</p>"]
    entry = s["focus_rank"]
    rows = []
    for g in s["groups"]:
        v = entry.get(g)
        if not isinstance(v, Mapping) or v.get("ST") is None:
            rows.append([g, "-", "-"])
            continue
        rows.append([g, f"{v['S1']:.2f} [{v['S1_ci'][0]:.2f}, {v['S1_ci'][1]:.2f}]",
                     f"{v['ST']:.2f} [{v['ST_ci'][0]:.2f}, {v['ST_ci'][1]:.2f}]"])
    out.append(_table(["group", "S1 [95% interval]", "ST [95% interval]"], rows, numeric=(1, 2)))
    out.append(f"<p><strong>{e(s['verdict'])}</strong></p>")
    if "note" not in entry:
        out.append(_guard("The budget plot", lambda: figs.make(
            lambda p: plots.sobol_bars(r, p),
            "Uncertainty budget: first-order (S1) and total (ST) Sobol' indices of the focus's rank per group "
            "of inputs, with 95% bootstrap intervals.", "Bar chart of the uncertainty budget")))
    return "".join(out)
