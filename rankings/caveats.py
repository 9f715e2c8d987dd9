"""The notes of a run: what was rescaled, dropped or filled, and where the maths misleads.

:meth:`rankings.methodology.Methodology.evaluate` puts these on every
:class:`~rankings.result.RankingResult` (``notes``), and every output prints them:

- weights that did not sum to 1 were rescaled;
- weights derived from the data (a weighting scheme) and what they came to;
- the missing rule dropped contributors, or filled cells (with the share read);
- the outlier treatment winsorised cells (marked as filled) or log-transformed metrics;
- a geometric mean over normalised values that include 0 scores every such contributor
  0 (a veto), so they tie last: the note says how many;
- ``normalize = "none"`` under a scale-dependent aggregation adds metrics whose scales
  differ by more than :data:`SCALE_RATIO_WARNING`: the larger scale decides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from rankings.aggregate import AGGREGATIONS
from rankings.table import FILL_RULES, ContributorTable, missing_rule_name

if TYPE_CHECKING:
    from rankings.methodology import Methodology

FILLED_WARNING_SHARE = 0.10
"""A run reading more filled than this share of its cells says so in its notes."""

SCALE_RATIO_WARNING = 10.0
"""Raw metrics whose mean absolute values differ by more than this factor get a note."""


def preparation_notes(method: Methodology, table: ContributorTable, prepared: ContributorTable,
                      winsorised: np.ndarray | None = None,
                      logged: Sequence[str] = ()) -> tuple[list[str], np.ndarray | None]:
    """Notes on rescaled or derived weights, the missing rule and the outlier treatment, and the
    N x M mask of cells not used as observed (filled by the missing rule, or winsorised)."""
    from rankings.imputation import describe_outliers

    notes: list[str] = []
    if method.weights_rescaled() and method.weights is not None:
        notes.append(f"weights summed to {sum(method.weights.values()):g} and were rescaled to sum to 1")
    if method.scheme is not None and method.scheme != "equal":
        derived = method.weights_for(prepared)
        notes.append(f"weights derived from the data by the {method.scheme} scheme (they change with the data): "
                     + ", ".join(f"{k}={v:.3g}" for k, v in derived.items()))
    read = method.metrics_for(table)
    holes = len(table.missing_cells(read))
    filled = None
    if prepared.n_contributors < table.n_contributors:
        dropped = sorted(set(table.contributors) - set(prepared.contributors))
        shown = ", ".join(dropped[:5]) + (f" and {len(dropped) - 5} more" if len(dropped) > 5 else "")
        notes.append(f"--missing drop removed {len(dropped)} contributor(s) with missing values: {shown}")
    elif holes and missing_rule_name(method.missing) in FILL_RULES:
        cells = table.n_contributors * len(read)
        share = holes / cells
        notes.append(f"missing rule {method.missing!r} filled {holes} missing value(s), {share:.0%} of the "
                     f"{cells} cells read" + ("; more than 10% of the ranking rests on filled values, not "
                                              "observed ones" if share > FILLED_WARNING_SHARE else ""))
        filled = np.isnan(table.select_metrics(prepared.metric_names).values)
    if winsorised is not None and winsorised.any():
        per = {m: int(winsorised[:, j].sum()) for j, m in enumerate(prepared.metric_names) if winsorised[:, j].any()}
        notes.append(f"outliers: {describe_outliers(method.outliers)} replaced {int(winsorised.sum())} value(s) "
                     "(marked as filled): " + ", ".join(f"{m} {k}" for m, k in per.items()))
        filled = winsorised if filled is None else (filled | winsorised)
    if logged:
        notes.append(f"outliers: log applied to {', '.join(logged)}; scores rest on the logarithms, "
                     "the values shown are the transformed ones")
    return notes, filled


def fill_text(method: Methodology) -> str:
    """What marked a cell with ``*``: ``the missing rule 'median'``, with the winsorising when there is one."""
    from rankings.imputation import describe_outliers

    text = f"the missing rule {method.missing!r}"
    if method.outliers.get("rule") == "winsorise":
        text += f" or {describe_outliers(method.outliers)}"
    return text


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
