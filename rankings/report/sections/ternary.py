"""Section 8 of the report: the focus's rank over the weight triangle of three metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rankings.report.parts import _Figures, e


def _ternary_metrics(method: Any, table: Any, chosen: Sequence[str] | None, sweep_result: Any) -> list[str]:
    if chosen:
        return list(chosen)
    metrics = list(method.prepare(table).metric_names)
    if len(metrics) < 3:
        raise ValueError(f"a ternary map needs three metrics (the composite reads {len(metrics)})")
    if sweep_result is not None:
        spread = {c.metric: c.worst_rank - c.best_rank for c in sweep_result.curves}
        metrics.sort(key=lambda m: -spread.get(m, 0))
    return metrics[:3]


def _ternary_section(method: Any, table: Any, focus: str, chosen: Sequence[str] | None, sweep_result: Any,
                     methods: Sequence[Any], figs: _Figures) -> str:
    from rankings.report import plots

    metrics = _ternary_metrics(method, table, chosen, sweep_result)
    for m in metrics:
        table.metric_index(m)
    marks = {m.name: dict(m.weights) for m in methods
             if m.weights is not None and sum(m.weights.get(k, 0.0) for k in metrics) > 0}
    why = "chosen with --ternary" if chosen else "the three whose weight moves the rank most in the sweeps"
    out = [f"<p>Every weighting of three metrics ({e(', '.join(metrics))}; {e(why)}), all other weights 0, "
           f"coloured by {e(focus)}'s rank under {e(method.name)}'s normalisation and aggregation. Corners put all "
           f"the weight on one metric; circles mark methodologies whose weights fall on these metrics.</p>"]
    out.append(figs.make(lambda p: plots.ternary_map(method, table, metrics, focus, p, resolution=60, marks=marks),
                         f"{focus}'s rank over the weight triangle of {', '.join(metrics)}.",
                         f"Ternary map of {focus}'s rank"))
    return "".join(out)


