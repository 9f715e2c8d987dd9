"""The notes of a run: what was rescaled, dropped or filled, and where the maths misleads.

:meth:`rankings.methodology.Methodology.evaluate` puts these on every
:class:`~rankings.result.RankingResult` (``notes``), and every output prints them:

- weights that did not sum to 1 were rescaled;
- the missing rule dropped contributors, or filled cells (with the share read);
- a geometric mean over normalised values that include 0 scores every such contributor
  0 (a veto), so they tie last: the note says how many;
- ``normalize = "none"`` under a scale-dependent aggregation adds metrics whose scales
  differ by more than :data:`SCALE_RATIO_WARNING`: the larger scale decides.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

from rankings.aggregate import AGGREGATIONS
from rankings.table import ContributorTable

if TYPE_CHECKING:
    from rankings.methodology import Methodology

FILLED_WARNING_SHARE = 0.10
"""A run reading more filled than this share of its cells says so in its notes."""

SCALE_RATIO_WARNING = 10.0
"""Raw metrics whose mean absolute values differ by more than this factor get a note."""


def preparation_notes(method: Methodology, table: ContributorTable,
                      prepared: ContributorTable) -> tuple[list[str], np.ndarray | None]:
    """Notes on rescaled weights and on the missing rule, and the N x M mask of filled cells."""
    notes: list[str] = []
    if method.weights_rescaled() and method.weights is not None:
        notes.append(f"weights summed to {sum(method.weights.values()):g} and were rescaled to sum to 1")
    read = method.metrics_for(table)
    holes = len(table.missing_cells(read))
    filled = None
    if prepared.n_contributors < table.n_contributors:
        dropped = sorted(set(table.contributors) - set(prepared.contributors))
        shown = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
        notes.append(f"--missing drop removed {len(dropped)} contributor(s) with missing values: {shown}")
    elif holes and method.missing in ("zero", "worst"):
        cells = table.n_contributors * len(read)
        share = holes / cells
        notes.append(f"missing rule {method.missing!r} filled {holes} missing value(s), {share:.0%} of the "
                     f"{cells} cells read" + ("; more than 10% of the ranking rests on filled values, not "
                                              "observed ones" if share > FILLED_WARNING_SHARE else ""))
        filled = np.isnan(table.select_metrics(prepared.metric_names).values)
    return notes, filled


def scoring_notes(method: Methodology, prepared: ContributorTable, weights: Mapping[str, float],
                  normalized: np.ndarray | None) -> list[str]:
    """Notes where the normalisation and the aggregation together mislead."""
    if not method.declarative or normalized is None:
        return []
    w = np.array([weights[m] for m in prepared.metric_names])
    notes = []
    if method.aggregate == "geometric":
        zero_rows = int(((normalized == 0) & (w > 0)).any(axis=1).sum())
        if zero_rows:
            notes.append(
                f"geometric mean over values that include 0: {zero_rows} of {prepared.n_contributors} contributors "
                "have a normalised 0 on a weighted metric, so they score 0 and tie whatever their other values; a "
                "normalisation that cannot give 0 (min-max with parameters lower = 1, upper = 100) keeps them apart")
    aggregation = AGGREGATIONS[method.aggregate or "arithmetic"]
    if method.normalize == "none" and not aggregation.scale_free:
        scales = {}
        for j, name in enumerate(prepared.metric_names):
            column = np.abs(prepared.values[:, j])
            top = float(np.nanmean(column)) if w[j] > 0 and not np.isnan(column).all() else 0.0
            if top > 0:
                scales[name] = top
        if len(scales) > 1:
            big, small = max(scales, key=scales.__getitem__), min(scales, key=scales.__getitem__)
            ratio = scales[big] / scales[small]
            if ratio > SCALE_RATIO_WARNING:
                notes.append(
                    f"normalize = none adds raw values whose scales differ by {ratio:.0f}x (mean absolute value: "
                    f"{big} {scales[big]:.3g}, {small} {scales[small]:.3g}), so {big} dominates; a normalisation "
                    "(e.g. --normalize min-max) puts them on one scale")
    return notes
