"""Plots of rankings and analyses (matplotlib, Agg backend, PNG or SVG by suffix).

Every function takes a library result, draws one titled figure with labelled axes,
writes it whole to ``path`` (a temporary file renamed into place) and returns the path.
The focus contributor is always drawn in :data:`FOCUS_COLOR`.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from rankings.errors import AnalysisError  # noqa: E402

FOCUS_COLOR = "#c0392b"
OTHER_COLOR = "#7f8c8d"
ACCENT_COLOR = "#2c7fb8"
PLOT_SUFFIXES = (".png", ".svg")


def check_plot_path(path: str | Path) -> Path:
    """A plot path must end in .png or .svg and sit in an existing folder."""
    path = Path(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise AnalysisError(f"--plot file must end in .png or .svg (got {path.name!r})")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise AnalysisError(f"--plot folder must exist (got {str(folder)!r})")
    return path


def save(fig: Any, path: str | Path) -> Path:
    """Write the figure whole or not at all, then close it."""
    path = check_plot_path(path)
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=folder)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=130, bbox_inches="tight", format=path.suffix.lower().lstrip("."))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path


def bump_chart(comparison: Any, path: str | Path, *, focus: str | None = None, top: int = 12) -> Path:
    """Ranks of the leading contributors (and the focus) across methodologies."""
    names = list(comparison.contributors)
    ranks = np.asarray(comparison.ranks, dtype=float)
    methods = list(comparison.methodologies)
    keep = list(range(min(top, len(names))))
    if focus in names and names.index(focus) not in keep:
        keep.append(names.index(focus))
    fig, ax = plt.subplots(figsize=(max(6.5, 1.3 * len(methods) + 3), 5.5))
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
    for y_end, x_end, i in sorted(labels):
        y_text = max([y_end] + [p + gap for p in placed])
        placed.append(y_text)
        is_focus = names[i] == focus
        ax.annotate(names[i], (x_end, y_end), xytext=(x_end + 0.12, y_text), textcoords="data", va="center",
                    fontsize=9, fontweight="bold" if is_focus else "normal",
                    color=FOCUS_COLOR if is_focus else "#333333",
                    arrowprops={"arrowstyle": "-", "color": "#bbbbbb", "lw": 0.6} if y_text != y_end else None)
    ax.set_xticks(x, methods, rotation=25, ha="right")
    ax.set_ylim(np.nanmax(ranks[keep]) + 1.5 if finite.size else 10, 0.5)
    ax.set_ylabel("Rank (1 = best)")
    ax.set_xlabel("Methodology")
    title = "Ranks across methodologies"
    ax.set_title(title + (f" ({focus} highlighted)" if focus else ""))
    ax.grid(axis="y", alpha=0.3)
    ax.set_xlim(-0.3, len(methods) - 0.3 + 0.9)
    return save(fig, path)


def gap_bars(explanation: Any, path: str | Path) -> Path:
    """Per-metric contributions to the score gap between a contributor and a rival."""
    items = sorted(explanation.contributions.items(), key=lambda kv: abs(kv[1]))
    labels = [k for k, _ in items]
    values = np.array([v for _, v in items])
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(items) + 2.2))
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
    fig, ax = plt.subplots(figsize=(7.2, 6.4))
    worst = max(int(ranks.max()), 2)
    cmap = plt.get_cmap("viridis_r", min(worst, 20))
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
