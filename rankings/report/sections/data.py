"""Section 1 of the report: the data, the lens and whether the methodology can rank the focus.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rankings.report.parts import _note, e, fmt


def _data_section(table: Any, method: Any, focus: str, data_text: str | None, main_result: Any,
                  main_error: str) -> str:
    out = [f"<p><b>Data:</b> {e(data_text or table.label)}.</p>",
           f"<p><b>Contributors:</b> {table.n_contributors}; <b>metrics in the table:</b> "
           f"{e(', '.join(table.metric_names))}.</p>"]
    how = f"{method.normalize} normalisation, {method.aggregate} aggregation" if method.declarative \
        else "its own score function"
    if main_result is not None:
        weights: Mapping[str, float] = main_result.weights
    elif method.weights is not None:
        weights = method.weights
    else:
        weights = {}
    weight_text = ", ".join(f"{m} {fmt(w)}" for m, w in weights.items()) or "equal over every metric"
    out.append(f"<p><b>Composite analysed</b> (bounds, sweeps, tipping points, uncertainty, rivals, weight map): "
               f"<b>{e(method.name)}</b>, {e(how)}; weights {e(weight_text)}.</p>")
    if main_result is None:
        out.append(_note(f"{method.name} cannot rank {focus} on this data, so the sections that analyse it are "
                         f"skipped: {main_error}. Choose another composite with --method."))
    if main_result is not None:
        out.append(f"<p><b>Directions</b> (higher is better unless min; where each came from): "
                   f"{e(main_result.directions_text())}.</p>")
    if method.description:
        out.append(f'<p class="small">{e(method.name)}: {e(method.description)}</p>')
    if main_result is not None:
        for note in main_result.notes:
            out.append(_note(note))
    return "".join(out)


