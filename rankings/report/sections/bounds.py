"""Section 3 of the report: the best and worst attainable rank, with the weights that reach them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rankings.report.parts import _Facts, _note, _table, e, fmt


def _weights_cells(weights: Mapping[str, float], metrics: Sequence[str]) -> list[str]:
    return [fmt(round(weights[m], 4)) for m in metrics]


def _bounds_section(method: Any, table: Any, focus: str, samples: int, seed: int, facts: _Facts) -> str:
    from rankings.sensitivity.exact import rank_bounds

    b = rank_bounds(method, table, focus, samples=max(samples, 1000), seed=seed)
    facts.bounds = b
    metrics = list(b.best.weights)
    rows = [["best", b.best.rank, *_weights_cells(b.best.weights, metrics)],
            ["as published", b.base_rank, *_weights_cells(method.weights_for(method.prepare(table)), metrics)],
            ["worst", b.worst.rank, *_weights_cells(b.worst.weights, metrics)]]
    how = ("Exact: the rank is piecewise constant in the weights, and a mixed-integer programme finds the extremes "
           "(each witness re-ranked to check it)." if b.exact else
           "Sampled, not proven: the aggregation is not linear in the weights, so these are the best and worst "
           "ranks seen over a sample of weightings.")
    out = [f"<p>The best and worst rank {e(focus)} can reach when the weights of the {len(metrics)} metrics of "
           f"{e(b.methodology)} may take any values (non-negative, summing to 1), with a weighting that reaches "
           f"each. {e(how)}</p>",
           _table(["bound", "rank", *metrics], rows, focus_rows=[False, True, False],
                  numeric=tuple(range(1, len(metrics) + 2))),
           f'<p class="small">Solver: {e(b.solver)}; proven optimal: {"yes" if b.proven_optimal else "no"}; '
           f"{b.n_contributors} contributors.</p>"]
    out += [_note(n) for n in b.notes]
    return "".join(out)


