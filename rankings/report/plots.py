"""Plots of rankings and analyses (matplotlib figures on an Agg canvas, no pyplot; PNG or SVG by suffix).

Every function takes a library result, draws one titled figure with labelled axes,
writes it whole to ``path`` (a temporary file renamed into place; a PNG is drawn once,
:mod:`rankings.report.render`) and returns the path.
The focus contributor is always drawn in :data:`FOCUS_COLOR`.

Names come from data, so every text is drawn literally: mathtext (``$...$``) and TeX
are off while a figure is built and saved, and a contributor
called ``$x^$`` is printed as such instead of failing to parse.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import matplotlib
import numpy as np
from matplotlib.collections import LineCollection

from rankings.errors import AnalysisError
from rankings.report.render import subplots, write_figure

FOCUS_COLOR = "#c0392b"
OTHER_COLOR = "#7f8c8d"
ACCENT_COLOR = "#2c7fb8"
PLOT_SUFFIXES = (".png", ".svg")
_F = TypeVar("_F", bound=Callable[..., Any])


def _literal(function: _F) -> _F:
    """Run a plotting function with mathtext and TeX off (tick labels are made at save time too)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with matplotlib.rc_context({"text.parse_math": False, "text.usetex": False}):
            return function(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def check_plot_path(path: str | Path) -> Path:
    """A plot path must end in .png or .svg and sit in an existing folder."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise AnalysisError(f"--plot file must end in .png or .svg (got {path.name!r})")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise AnalysisError(f"--plot folder must exist (got {str(folder)!r})")
    return path


@_literal
def save(fig: Any, path: str | Path) -> Path:
    """Write the figure whole or not at all (drawn once, :func:`rankings.report.render.write_figure`)."""
    from rankings._atomic import atomic_target

    path = check_plot_path(path)
    with atomic_target(path, what="--plot") as tmp:
        write_figure(fig, tmp, path.suffix.lower().lstrip("."))
    return path


@_literal
def bump_chart(comparison: Any, path: str | Path, *, focus: str | None = None, top: int = 12,
               max_rank: int | None = None) -> Path:
    """Ranks of the leading contributors (and the focus) across methodologies.

    With ``max_rank``, ranks beyond it are drawn on one row below the axis break
    (labelled "> max_rank"), so a few distant ranks do not squeeze the leaders together.
    """
    names = list(comparison.contributors)
    ranks = np.asarray(comparison.ranks, dtype=float)
    overflow = None
    if max_rank is not None and np.nanmax(ranks, initial=0) > max_rank:
        overflow = max_rank + 2
        ranks = np.where(ranks > max_rank, overflow, ranks)
    methods = list(comparison.methodologies)
    keep = list(range(min(top, len(names))))
    if focus in names and names.index(focus) not in keep:
        keep.append(names.index(focus))
    fig, ax = subplots(figsize=(max(6.5, 1.3 * len(methods) + 3), 5.5))
    x = np.arange(len(methods))
    labels: list[tuple[float, float, int]] = []
    for i in keep:
        is_focus = names[i] == focus
        y = ranks[i]
        ax.plot(x, y, marker="o", lw=3.0 if is_focus else 1.2, ms=7 if is_focus else 4,
                color=FOCUS_COLOR if is_focus else OTHER_COLOR, alpha=1.0 if is_focus else 0.75,
                zorder=3 if is_focus else 2)
        last = np.flatnonzero(~np.isnan(y))
        if last.size:
            labels.append((float(y[int(last[-1])]), float(x[int(last[-1])]), i))
    # spread the end labels so that none overlaps (ranks grow downwards)
    finite = ranks[keep][~np.isnan(ranks[keep])]
    gap = max(1.0, (finite.max() - finite.min()) * 0.035) if finite.size else 1.0
    placed: list[float] = []
    leaders = []
    for y_end, x_end, i in sorted(labels):
        y_text = max([y_end] + [p + gap for p in placed])
        placed.append(y_text)
        is_focus = names[i] == focus
        ax.text(x_end + 0.12, y_text, names[i], va="center", fontsize=9, fontweight="bold" if is_focus else "normal",
                color=FOCUS_COLOR if is_focus else "#333333")
        if y_text != y_end:
            leaders.append([(x_end, y_end), (x_end + 0.12, y_text)])
    # a moved label's leader lines: one collection (arrow patches are costly to draw, one per label)
    ax.add_collection(LineCollection(leaders, colors="#bbbbbb", linewidths=0.6, clip_on=False), autolim=False)
    ax.set_xticks(x, methods, rotation=25, ha="right")
    ax.set_ylim(np.nanmax(ranks[keep]) + 1.5 if finite.size else 10, 0.5)
    if overflow is not None:
        ticks = [t for t in _rank_ticks(1, int(max_rank or 1)) if t <= (max_rank or 1)]
        ax.set_yticks(ticks + [overflow], [str(t) for t in ticks] + [f"> {max_rank}"])
        ax.axhline(overflow - 1, color="#999999", lw=0.8, ls="--")
    ax.set_ylabel("Rank (1 = best)")
    ax.set_xlabel("Methodology")
    title = "Ranks across methodologies"
    ax.set_title(title + (f" ({focus} highlighted)" if focus else ""))
    ax.grid(axis="y", alpha=0.3)
    ax.set_xlim(-0.3, len(methods) - 0.3 + 0.9)
    return save(fig, path)


@_literal
def gap_bars(explanation: Any, path: str | Path) -> Path:
    """Per-metric contributions to the score gap between a contributor and a rival."""
    items = sorted(explanation.contributions.items(), key=lambda kv: abs(kv[1]))
    labels = [k for k, _ in items]
    values = np.array([v for _, v in items])
    fig, ax = subplots(figsize=(7.5, 0.5 * len(items) + 2.2))
    colors = [FOCUS_COLOR if v > 0 else ACCENT_COLOR for v in values]
    ax.barh(labels, values, color=colors)
    ax.axvline(0, color="#333333", lw=0.8)
    unit = {"additive": "score points", "log-additive": "log-score points", "shapley": "score points (Shapley)"}
    ax.set_xlabel(f"Contribution to the gap, {unit.get(explanation.method, 'score points')}")
    ax.set_ylabel("Metric")
    ax.set_title(f"{explanation.first} vs {explanation.second} under {explanation.methodology}: "
                 f"gap {explanation.gap:+.4g}\n(right favours {explanation.first}, left favours {explanation.second})",
                 fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return save(fig, path)


def _triangle_xy(weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b, c = weights[:, 1], weights[:, 2]
    return b + c / 2.0, c * np.sqrt(3.0) / 2.0


@_literal
def ternary_map(method: Any, table: Any, metrics: Sequence[str], focus: str, path: str | Path, *,
                resolution: int = 60, marks: Mapping[str, Mapping[str, float]] | None = None) -> Path:
    """The weight triangle of three metrics coloured by the focus's rank.

    Weights outside the three metrics are 0; ``marks`` places named weightings (for
    example the built-in methodologies, projected onto the three metrics) as points.
    """
    if len(metrics) != 3 or len(set(metrics)) != 3:
        raise AnalysisError(f"a ternary map needs three different metrics (got {', '.join(metrics)})")
    if resolution < 4 or resolution > 400:
        raise AnalysisError(f"--resolution must lie between 4 and 400 (got {resolution})")
    what_if = method.with_overrides(weights={m: 1.0 for m in metrics})
    prepared = what_if.prepare(table)
    f = prepared.contributor_index(focus)
    grid = [(i, j, resolution - i - j) for i in range(resolution + 1) for j in range(resolution + 1 - i)]
    W = np.array(grid, dtype=float) / resolution
    usable = W.sum(axis=1) > 0
    scores = what_if.score_matrix(prepared, W[usable], prepared=True)
    from rankings.ranking import rank_scores

    ranks = np.array([rank_scores(row)[f] for row in scores], dtype=float)
    x, y = _triangle_xy(W[usable])
    import matplotlib.tri as mtri

    tri = mtri.Triangulation(x, y)
    fig, ax = subplots(figsize=(7.2, 6.4))
    worst = max(int(ranks.max()), 2)
    cmap = matplotlib.colormaps["viridis_r"].resampled(min(worst, 20))
    shading = ax.tripcolor(tri, ranks, cmap=cmap, shading="gouraud" if worst > 20 else "flat", vmin=1, vmax=worst)
    bar = fig.colorbar(shading, ax=ax, shrink=0.8)
    bar.set_label(f"Rank of {focus} (1 = best)")
    corners = np.array([[0, 0], [1, 0], [0.5, np.sqrt(3) / 2], [0, 0]])
    ax.plot(corners[:, 0], corners[:, 1], color="#333333", lw=1)
    offsets = [(0.0, -0.07), (1.0, -0.07), (0.5, np.sqrt(3) / 2 + 0.06)]
    for (tx, ty), name in zip(offsets, metrics):
        ax.text(tx, ty, f"all weight on\n{name}", ha="center", va="center", fontsize=9)
    points: dict[tuple[float, float], list[str]] = {}
    for label, weights in (marks or {}).items():
        vec = np.array([float(weights.get(m, 0.0)) for m in metrics])
        if vec.sum() <= 0:
            continue
        tx_arr, ty_arr = _triangle_xy((vec / vec.sum())[None, :])
        points.setdefault((round(float(tx_arr[0]), 6), round(float(ty_arr[0]), 6)), []).append(label)
    for (px, py), labels in points.items():
        ax.plot([px], [py], marker="o", ms=8, mfc="white", mec=FOCUS_COLOR, mew=2, zorder=4)
        right_edge = px > 0.8
        ax.annotate("\n".join(labels), (px, py), xytext=(-8 if right_edge else 8, 10 if right_edge else 0),
                    textcoords="offset points", fontsize=8, ha="right" if right_edge else "left",
                    va="center", bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.8})
    ax.set_title(f"{focus}'s rank over the weights of {', '.join(metrics)}\n"
                 f"({what_if.normalize} + {what_if.aggregate}; other metrics weighted 0; circles: methodologies)",
                 fontsize=10)
    ax.set_aspect("equal")
    ax.set_xlim(-0.12, 1.12)
    ax.set_ylim(-0.14, np.sqrt(3) / 2 + 0.12)
    ax.axis("off")
    return save(fig, path)


@_literal
def rank_distribution(result: Any, path: str | Path) -> Path:
    """The focus's rank distribution (acceptability) with Monte Carlo error bars."""
    probs = np.asarray(result.focus_distribution(), dtype=float)
    se = np.asarray(result.focus_distribution_se(), dtype=float)
    nonzero = np.flatnonzero(probs > 0)
    last = int(nonzero.max()) + 1 if nonzero.size else 1
    ranks = np.arange(1, last + 1)
    fig, ax = subplots(figsize=(max(6.0, 0.28 * last + 3), 4.2))
    ax.bar(ranks, probs[:last], color=FOCUS_COLOR, yerr=1.96 * se[:last], ecolor="#555555", capsize=2)
    nominal = int(result.nominal_ranks[result.focus_index])
    ax.axvline(nominal, color="#333333", ls="--", lw=1)
    ax.annotate(f"nominal rank {nominal}", (nominal, probs.max() * 1.02), ha="left", fontsize=9)
    ax.set_xlabel(f"Rank of {result.focus} (1 = best)")
    ax.set_ylabel("Probability (share of runs)")
    ax.set_title(f"Rank acceptability of {result.focus}: {result.samples:,} runs (seed {result.seed}), "
                 f"bars = 95% intervals", fontsize=10)
    ax.set_xticks(ranks if last <= 30 else ranks[:: max(1, last // 15)])
    ax.grid(axis="y", alpha=0.3)
    return save(fig, path)


@_literal
def acceptability_heatmap(result: Any, path: str | Path, *, top: int = 15) -> Path:
    """Rank acceptability of the leading contributors (by mean rank) and the focus."""
    order = result.order()[:top]
    if result.focus_index not in order:
        order.append(result.focus_index)
    ranks_shown = min(result.acceptability.shape[1], 30, max(top, int(result.bands[order, 2].max())))
    matrix = np.asarray(result.acceptability, dtype=float)[order, :ranks_shown]
    fig, ax = subplots(figsize=(min(11.0, max(7.0, 0.3 * ranks_shown + 4.0)), 0.38 * len(order) + 2.0))
    image = ax.imshow(matrix, cmap="Greys", aspect="auto", vmin=0, vmax=max(matrix.max(), 1e-9))
    bar = fig.colorbar(image, ax=ax, shrink=0.85)
    bar.set_label("P(rank)")
    labels = [result.contributors[i] for i in order]
    ax.set_yticks(range(len(order)), labels)
    for tick, i in zip(ax.get_yticklabels(), order):
        if i == result.focus_index:
            tick.set_color(FOCUS_COLOR)
            tick.set_fontweight("bold")
    step = 1 if ranks_shown <= 25 else max(1, ranks_shown // 20)
    ax.set_xticks(range(0, ranks_shown, step), [str(r + 1) for r in range(0, ranks_shown, step)])
    ax.set_xlabel(f"Rank (1 = best; first {ranks_shown} shown)")
    ax.set_ylabel("Contributor (by mean rank)")
    ax.set_title(f"Rank acceptability: probability of each rank over {result.samples:,} runs", fontsize=10)
    return save(fig, path)


@_literal
def rank_bands(result: Any, path: str | Path, *, top: int = 20) -> Path:
    """5th-95th percentile rank band and median against the nominal rank."""
    order = sorted(result.order()[:top], key=lambda i: (result.nominal_ranks[i], result.contributors[i]))
    if result.focus_index not in order:
        order.append(result.focus_index)
    fig, ax = subplots(figsize=(8.0, 0.36 * len(order) + 2.0))
    y = np.arange(len(order))
    focus = np.array([i == result.focus_index for i in order])
    bands = np.asarray(result.bands, dtype=float)[order]
    nominal = np.asarray(result.nominal_ranks, dtype=float)[order]
    # three artists in all (bands, medians, diamonds), not three per row: the same picture, drawn faster
    ax.hlines(y, bands[:, 0], bands[:, 2], colors=[FOCUS_COLOR if f else OTHER_COLOR for f in focus],
              linewidths=[5 if f else 3 for f in focus], capstyle="butt", alpha=0.8)
    ax.plot(bands[:, 1], y, ls="none", marker="|", color="black", ms=12)
    for marked, color in ((False, OTHER_COLOR), (True, FOCUS_COLOR)):
        if (focus == marked).any():
            ax.plot(nominal[focus == marked], y[focus == marked], ls="none", marker="D", color=color, mec="black", ms=6)
    ax.set_yticks(y, [result.contributors[i] for i in order])
    ax.invert_yaxis()
    ax.set_xlabel("Rank (1 = best): band = 5th-95th percentile, | = median, diamond = nominal")
    ax.set_title(f"Rank bands under uncertainty ({result.samples:,} runs)", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return save(fig, path)


@_literal
def sobol_bars(result: Any, path: str | Path, *, output: str = "focus_rank") -> Path:
    """First-order and total Sobol' indices per factor group, with confidence intervals."""
    if not result.sobol or output not in result.sobol:
        raise AnalysisError("a Sobol plot needs a run with --sobol")
    entry = result.sobol[output]
    groups = [g for g in result.sobol["groups"] if isinstance(entry.get(g), Mapping) and entry[g].get("S1") is not None]
    if not groups:
        raise AnalysisError(f"Sobol indices of {output} are undefined (the output does not vary)")
    s1 = np.array([entry[g]["S1"] for g in groups])
    st = np.array([entry[g]["ST"] for g in groups])
    s1_err = np.array([(entry[g]["S1_ci"][1] - entry[g]["S1_ci"][0]) / 2 for g in groups])
    st_err = np.array([(entry[g]["ST_ci"][1] - entry[g]["ST_ci"][0]) / 2 for g in groups])
    x = np.arange(len(groups))
    fig, ax = subplots(figsize=(max(6.0, 1.1 * len(groups) + 2), 4.4))
    ax.bar(x - 0.2, s1, 0.4, yerr=s1_err, label="first order S1", color=ACCENT_COLOR, capsize=3)
    ax.bar(x + 0.2, st, 0.4, yerr=st_err, label="total ST", color=FOCUS_COLOR, capsize=3)
    ax.set_xticks(x, groups, rotation=20, ha="right")
    ax.axhline(0, color="#333333", lw=0.8)
    what = "the focus's rank" if output == "focus_rank" else "the mean absolute rank shift"
    ax.set_ylabel("Share of variance")
    ax.set_xlabel("Factor group")
    if result.sobol.get("grouping") == "budget":
        ax.set_title(f"Uncertainty budget of {what} ({result.focus}): Sobol' indices, 95% bootstrap intervals",
                     fontsize=10)
    else:
        ax.set_title(f"Sobol' indices of {what} ({result.focus}), 95% bootstrap intervals", fontsize=10)
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return save(fig, path)


@_literal
def sensitivity_figures(result: Any, stem: str | Path) -> list[Path]:
    """All sensitivity plots for one run: ``STEM-distribution.png`` and so on."""
    stem = Path(stem)
    suffix = stem.suffix if stem.suffix.lower() in PLOT_SUFFIXES else ".png"
    base = stem.with_suffix("") if stem.suffix.lower() in PLOT_SUFFIXES else stem
    written = [
        rank_distribution(result, f"{base}-distribution{suffix}"),
        acceptability_heatmap(result, f"{base}-acceptability{suffix}"),
        rank_bands(result, f"{base}-bands{suffix}"),
    ]
    if result.sobol:
        written.append(sobol_bars(result, f"{base}-sobol{suffix}"))
    return written


SLIVER = 1e-6
"""Sweep intervals narrower than this (ties at a single weight) are left out of step plots."""


def _plot_steps(intervals: Sequence[tuple[float, float, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Stair edges and values of a sweep curve, single-weight slivers merged away."""
    kept: list[list[float]] = []
    for a, b, r in intervals:
        if b - a < SLIVER and len(intervals) > 1:
            continue
        if kept and kept[-1][2] == r:
            kept[-1][1] = b
        elif kept:
            kept[-1][1] = a  # close any gap left by a dropped sliver
            kept.append([a, b, r])
        else:
            kept.append([a, b, r])
    if kept:
        kept[0][0], kept[-1][1] = 0.0, 1.0
    edges = np.array([k[0] for k in kept] + [kept[-1][1]] if kept else [0.0, 1.0])
    values = np.array([k[2] for k in kept] if kept else [np.nan])
    return edges, values


def _rank_ticks(best: int, worst: int, most: int = 6) -> list[int]:
    """Integer rank ticks from best to worst at a round step (never rank 0)."""
    span = max(worst - best, 1)
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10**9) if span / s <= most)
    ticks = [t for t in range(step * (-(-best // step)), worst + 1, step) if t >= 1]
    for end in (best, worst):
        if all(abs(end - t) > step / 2 for t in ticks):
            ticks.append(end)
    return sorted(set(ticks))


@_literal
def sweep_steps(sweep_result: Any, path: str | Path) -> Path:
    """The focus's rank as each weight goes from 0 to 1: one step panel per metric.

    Each panel draws the rank (1 at the top) over the swept weight, the other weights
    keeping their proportions; every jump is a breakpoint where a rival crosses the
    focus. The methodology's own weight is marked with a dotted line and a dot.
    """
    curves = list(sweep_result.curves)
    if not curves:
        raise AnalysisError("a sweep plot needs at least one swept metric")
    n = len(curves)
    ncols = 1 if n == 1 else 2 if n <= 6 else 3
    nrows = -(-n // ncols)
    fig, axes = subplots(nrows, ncols, figsize=(4.6 * ncols + 0.6, 2.9 * nrows + 1.0),
                             sharex=True, sharey=True, squeeze=False)
    worst = max(c.worst_rank for c in curves)
    best = min(c.best_rank for c in curves)
    for k, c in enumerate(curves):
        ax = axes[k // ncols][k % ncols]
        edges, values = _plot_steps(c.intervals)
        ax.stairs(values, edges, baseline=None, color=FOCUS_COLOR, lw=2.0)
        # every breakpoint as one collection of full-height lines (an axvline each costs an artist each)
        ax.add_collection(LineCollection([[(x, 0.0), (x, 1.0)] for x in edges[1:-1]], colors="#cccccc",
                                         linewidths=0.6, zorder=0, transform=ax.get_xaxis_transform()), autolim=False)
        ax.axvline(c.base_weight, color="#333333", ls=":", lw=1.0)
        ax.plot([c.base_weight], [c.base_rank], marker="o", ms=7, mfc="white", mec="#333333", mew=1.6, zorder=4)
        ax.set_title(f"{c.metric}: weight {c.base_weight:.3g} gives rank {c.base_rank}; "
                     f"ranks {c.best_rank}-{c.worst_rank} over 0..1", fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    for k in range(n, nrows * ncols):
        axes[k // ncols][k % ncols].axis("off")
    pad = max(0.6, 0.06 * (worst - best))
    axes[0][0].set_ylim(worst + pad, best - pad)
    axes[0][0].set_xlim(0, 1)
    axes[0][0].set_yticks(_rank_ticks(best, worst))
    for row in axes:
        row[0].set_ylabel("Rank (1 = best)")
    for k in range(n):
        r, col = divmod(k, ncols)
        if r == nrows - 1 or k + ncols >= n:
            axes[r][col].set_xlabel("Weight of this metric (others rescaled)")
            axes[r][col].xaxis.set_tick_params(labelbottom=True)
    how = "exact breakpoints" if sweep_result.exact else "sampled grid, not exact"
    fig.suptitle(f"Rank of {sweep_result.focus} as one weight goes from 0 to 1 under "
                 f"{sweep_result.methodology} ({how}; circle = the methodology's weight)", fontsize=10.5)
    fig.tight_layout(w_pad=2.5)
    return save(fig, path)
