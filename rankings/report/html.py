"""One self-contained HTML page about a focus contributor.

:func:`build_report` runs the analyses of the package on one table (rankings under
every built-in methodology, exact rank bounds, weight sweeps, tipping points, sampled
rank acceptability with Sobol' indices, the closest rivals' gap decompositions and a
ternary weight map) and returns the page as a string. Plots are drawn into a
temporary folder and inlined as base64 PNG data URIs, so the page needs nothing
beyond itself: no scripts, no stylesheets, no fonts and no links to other sites.

Every string that comes from the data (contributor, metric and file names, notes) is
escaped. The page carries no clock time, and plots are written without creation
dates, so two runs with the same inputs and seed give the same bytes.

A section whose analysis cannot run on the data (an aggregation the exact solvers do
not cover, a metric the data lacks, a focus the methodology drops) shows a short note
instead, and the rest of the report is still written.
"""

from __future__ import annotations

import base64
import functools
import html
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

DEFAULT_SAMPLES = 5000
DEFAULT_SOBOL_SAMPLES = 256
TOP_SHOWN = 5
"""Leaders listed per methodology in the rankings table."""
PLOT_DPI = 130
"""Resolution plots are saved at (:func:`rankings.report.plots.save`)."""
DISPLAY_SCALE = 1.15
"""Figures are shown 15% larger than their drawn size (plot text reads small otherwise)."""
BUMP_MAX_RANK = 30
"""Ranks beyond this share one row at the bottom of the bump chart."""
COMPARE_ROWS = 10
"""Rows of the side-by-side rank table (the focus is always added)."""

EPOCH_CREDIT = ("Data on notable AI models and the Epoch Capabilities Index: Epoch AI, 'Data on AI Models' "
                "(epoch.ai/data/ai-models), licensed CC BY 4.0. Other sources and their terms are listed per "
                "metric in the provenance table.")


def e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def ordinal(rank: Any) -> str:
    """1 -> '1st', 22 -> '22nd', 13 -> '13th'; non-integers as they are."""
    value = float(rank)
    if math.isnan(value):
        return "not ranked"
    if not value.is_integer():
        return f"{value:g}"
    n = int(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt(value: Any, digits: int = 3) -> str:
    """A short number: integers plain, others with ``digits`` significant digits."""
    if value is None:
        return "-"
    value = float(value)
    if math.isnan(value):
        return "-"
    if value.is_integer() and abs(value) < 1e12:
        return str(int(value))
    return f"{value:.{digits}g}"


def _pct(p: float) -> str:
    if p <= 0:
        return "0%"
    if p < 0.001:
        return "&lt;0.1%"
    if p >= 1:
        return "100%"
    if p > 0.999:
        return "&gt;99.9%"
    return f"{100 * p:.1f}%"


# ---------------------------------------------------------------------------------------
# page pieces
# ---------------------------------------------------------------------------------------

CSS = """
:root { --focus: %(focus)s; --focus-tint: %(tint)s; --ink: #222; --muted: #666; --rule: #ddd; }
* { box-sizing: border-box; }
body { margin: 0; background: #fafafa; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 2rem 1.5rem 3rem; background: #fff; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .4rem; }
h1 .who { color: var(--focus); }
h2 { font-size: 1.3rem; margin: 2.6rem 0 .6rem; padding-top: .4rem; border-top: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .4rem; }
p { margin: .5rem 0; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
.summary { background: #f4f6f8; border-left: 4px solid var(--focus); padding: .8rem 1rem; margin: 1rem 0; }
.note { color: #7a4b00; background: #fff8e6; border-left: 3px solid #e0a800; padding: .4rem .7rem; margin: .6rem 0;
  font-size: .92rem; }
.small { font-size: .88rem; color: var(--muted); }
nav.toc { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem 1rem; margin: 1.2rem 0;
  font-size: .95rem; }
nav.toc ol { margin: .3rem 0 0; padding-left: 1.4rem; columns: 2; }
a { color: #1f5f99; }
.table-wrap { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; font-size: .9rem; width: auto; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #f7f7f7; }
tbody tr.focus { background: var(--focus-tint); }
tbody tr.focus td { color: var(--focus); font-weight: 600; }
tbody tr.focus td:first-child { box-shadow: inset 4px 0 0 var(--focus); }
td.wrap { max-width: 30rem; overflow-wrap: anywhere; }
figure { margin: 1rem 0 1.6rem; }
figure img { display: block; max-width: 100%%; height: auto; margin: 0 auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: var(--muted); margin-top: .4rem; }
figcaption b { color: var(--ink); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 760px) { .grid2 { grid-template-columns: 1fr; } nav.toc ol { columns: 1; } }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 2px solid var(--rule); font-size: .85rem;
  color: var(--muted); }
"""


def _tint(color: str, alpha: float = 0.12) -> str:
    color = color.lstrip("#")
    r, g, b = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    mix = [round(255 - alpha * (255 - c)) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, focus_rows: Sequence[bool] | None = None,
           numeric: Sequence[int] = (), wrap: Sequence[int] = (), raw: Sequence[int] = ()) -> str:
    """An HTML table; cells are escaped unless their column is in ``raw``."""
    out = ['<div class="table-wrap"><table>', "<thead><tr>"]
    for k, h in enumerate(header):
        out.append('<th class="num">' if k in numeric else "<th>")
        out.append(f"{e(h)}</th>")
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        marked = bool(focus_rows and focus_rows[i])
        out.append('<tr class="focus">' if marked else "<tr>")
        for k, cell in enumerate(row):
            cls = "num" if k in numeric else "wrap" if k in wrap else ""
            text = str(cell) if k in raw else e(cell)
            out.append(f'<td class="{cls}">' if cls else "<td>")
            out.append(f"{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _note(text: str) -> str:
    return f'<p class="note">{e(text)}</p>'


@dataclass
class _Figures:
    """Draws plots into a temporary folder and returns them as inline ``<figure>`` blocks."""

    folder: Path
    count: int = 0

    def make(self, draw: Callable[[Path], Any], caption: str, alt: str, *, caption_html: bool = False) -> str:
        self.count += 1
        path = self.folder / f"figure-{self.count}.png"
        draw(path)
        raw = path.read_bytes()
        data = base64.b64encode(raw).decode("ascii")
        text = caption if caption_html else e(caption)
        # show every figure at the same scale of the size it was drawn for (matplotlib inches
        # at 96 CSS px each), so text has one size across figures; wide ones shrink to the column
        width = int.from_bytes(raw[16:20], "big") if raw[:8] == b"\x89PNG\r\n\x1a\n" else 0
        size = f' width="{round(width * DISPLAY_SCALE * 96 / PLOT_DPI)}"' if width else ""
        return (f'<figure><img src="data:image/png;base64,{data}"{size} alt="{e(alt)}">'
                f"<figcaption><b>Figure {self.count}.</b> {text}</figcaption></figure>")


@dataclass
class _Section:
    key: str
    title: str
    body: str


@dataclass
class _Facts:
    """Numbers gathered along the way for the headline and the summary."""

    ranks: dict[str, Any] = field(default_factory=dict)
    bounds: Any = None
    tipping_up: Any = None
    tipping_down: Any = None
    sensitivity: Any = None
    rivals: list[Any] = field(default_factory=list)


def _guard(title: str, build: Callable[[], str]) -> str:
    """Run a section builder; on failure show a one-line note instead."""
    try:
        return build()
    except Exception as exc:  # a section must never sink the report
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _note(f"{title} could not be computed for this data: {message}")


# ---------------------------------------------------------------------------------------
# the report
# ---------------------------------------------------------------------------------------

def build_report(method: Any, table: Any, focus: str, *, samples: int = DEFAULT_SAMPLES, seed: int = 0,
                 sobol: bool = True, sobol_samples: int = DEFAULT_SOBOL_SAMPLES,
                 methods: Sequence[Any] | None = None, sources: Sequence[Mapping[str, Any]] | None = None,
                 data_text: str | None = None, ternary: Sequence[str] | None = None,
                 version: str | None = None, command: str | None = None, credit: str | None = None) -> str:
    """The whole report as an HTML string.

    Parameters
    ----------
    method : the composite analysed for bounds, sweeps, tipping points, sensitivity
        and rivals (any what-if options already applied).
    table : the contributor table (unprepared).
    focus : the contributor the page is about.
    samples, seed : Monte Carlo runs and seed of the acceptability analysis.
    sobol, sobol_samples : also estimate Sobol' indices (base rows of the Saltelli design).
    methods : methodologies compared side by side (default: the built-in registry).
    sources : provenance rows, dicts with ``name`` and any of ``description``,
        ``sources``/``source``, ``licence``, ``snapshot``, ``unit``, ``kind``,
        ``direction``, ``proxy`` (default: the table's metric specifications).
    data_text : one line describing the data and lens (default: the table label).
    ternary : three metrics for the weight map (default: the three the focus's rank
        is most sensitive to in the sweeps).
    version : package version shown in the footer.
    command : the command line that made the page, shown in the footer.
    credit : plain-text data credit for the footer (default: Epoch AI's for the
        embedded dataset, the table label otherwise).
    """

    focus = table.contributors[table.contributor_index(focus)]
    if methods is None:
        from rankings.registry import default_registry

        methods = list(default_registry())
    if version is None:
        import rankings

        version = rankings.__version__
    facts = _Facts()
    with tempfile.TemporaryDirectory(prefix="rankings-report-") as folder:
        figs = _Figures(Path(folder))
        main_result: Any = None
        main_error = ""
        try:
            main_result = method.evaluate(table)
            main_result.rank_of(focus)
        except Exception as exc:
            main_result, main_error = None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sweep_result: Any = None

        def sweep_holder(result: Any) -> None:
            nonlocal sweep_result
            sweep_result = result

        skipped = _note(f"Not computed: {method.name} cannot rank {focus} on this data (see section 1).")

        def analysed(title: str, build: Callable[[], str]) -> str:
            return skipped if main_result is None else _guard(title, build)

        sections = [
            _Section("data", "Data and lens", _guard("The data summary", lambda: _data_section(
                table, method, focus, data_text, main_result, main_error))),
            _Section("methods", "Rank under each methodology", _guard("The comparison", lambda: _methods_section(
                table, methods, method, focus, figs, facts))),
            _Section("bounds", "Best and worst attainable rank", analysed("Rank bounds", lambda: _bounds_section(
                method, table, focus, samples, seed, facts))),
            _Section("sweeps", "One weight at a time", analysed("The weight sweeps", lambda: _sweep_section(
                method, table, focus, figs, sweep_holder))),
            _Section("tipping", "Tipping points", analysed("Tipping points", lambda: _tipping_section(
                method, table, focus, samples, seed, facts))),
            _Section("uncertainty", "Rank under uncertain weights", analysed("The sensitivity analysis",
                     lambda: _uncertainty_section(method, table, focus, samples, seed, sobol, sobol_samples, figs,
                                                  facts))),
            _Section("rivals", "Closest rivals", analysed("The rival comparison", lambda: _rivals_section(
                main_result, focus, figs, facts))),
            _Section("ternary", "Three-metric weight map", analysed("The ternary map", lambda: _ternary_section(
                method, table, focus, ternary, sweep_result, methods, figs))),
            _Section("provenance", "Where each metric comes from", _guard("The provenance table", lambda: (
                _provenance_section(table, sources)))),
        ]
    title, headline = _headline(focus, method, facts)
    summary = _summary(focus, method, facts, main_result)
    if credit is None:
        credit = EPOCH_CREDIT if table.lens else f"Data: {table.label}, supplied by the user of this report."
    return _page(title, headline, summary, sections, focus, version, seed, samples, command, credit)


# ---------------------------------------------------------------------------------------
# headline and summary
# ---------------------------------------------------------------------------------------

def _headline(focus: str, method: Any, facts: _Facts) -> tuple[str, str]:
    ranks = facts.ranks
    parts: list[str] = []
    if "ai-index" in ranks and not math.isnan(ranks["ai-index"]):
        parts.append(f"{ordinal(ranks['ai-index'])} under the AI Index method")
    if method.name in ranks and method.name != "ai-index":
        parts.append(f"{ordinal(ranks[method.name])} under {method.name}")
    finite = {k: v for k, v in ranks.items() if not math.isnan(v)}
    others = [k for k in finite if k not in ("ai-index", method.name)]
    if others and finite:
        lo, hi = min(finite.values()), max(finite.values())
        if lo == hi:
            parts.append(f"{ordinal(lo)} under all {len(finite)} methodologies that rank it")
        else:
            parts.append(f"between {ordinal(lo)} and {ordinal(hi)} across the {len(finite)} methodologies that "
                         f"rank it")
    title = f"{focus} in the contributor rankings"
    if not parts:
        return title, f'<span class="who">{e(focus)}</span> in the contributor rankings'
    text = ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    return title, f'<span class="who">{e(focus)}</span> ranks {e(text)}'


def _summary(focus: str, method: Any, facts: _Facts, main_result: Any) -> str:
    sentences: list[str] = []
    name = e(method.name)
    who = e(focus)
    if main_result is not None:
        n = main_result.table.n_contributors
        sentences.append(f"Under <b>{name}</b>, the composite analysed here, {who} is "
                         f"<b>{ordinal(main_result.rank_of(focus))}</b> of {n}.")
    b = facts.bounds
    if b is not None:
        how = "over every possible weighting" if b.exact else "over a sample of weightings (not proven)"
        if b.best.rank == b.worst.rank:
            sentences.append(f"No weighting of its metrics changes that rank ({how}).")
        else:
            sentences.append(f"Reweighting the same metrics, it can reach <b>{ordinal(b.best.rank)}</b> at best "
                             f"and fall to <b>{ordinal(b.worst.rank)}</b> at worst ({how}).")
    s = facts.sensitivity
    if s is not None:
        f = s.focus_index
        top3 = float(s.acceptability[f, :3].sum())
        lo, mid, hi = (int(x) for x in s.bands[f])
        sentences.append(f"With weights drawn at random ({s.samples:,} runs, seed {s.seed}) it is in the top 3 "
                         f"with probability <b>{_pct(top3)}</b>; its rank lies between {lo} and {hi} in 90% of "
                         f"runs (median {mid}).")
    t = facts.tipping_up
    if t is not None:
        moves = _moves_text(t)
        sentences.append(f"The smallest weight change that lifts it to {ordinal(t.target)} moves "
                         f"<b>{fmt(t.distance)}</b> of the total weight in all (L1 distance{'' if t.exact else ', sampled'})"
                         + (f": {moves}" if moves else "") + ".")
    elif facts.ranks.get(method.name) == 1:
        sentences.append("It is already first, so no weight change can lift it.")
    if facts.rivals:
        near = "; ".join(f"{e(x.second)} ({ordinal(x.second_rank)}) is {fmt(abs(x.gap))} "
                         f"{'score points' if x.method != 'log-additive' else 'in log score'} "
                         f"{'ahead' if x.gap < 0 else 'behind' if x.gap > 0 else 'level'}" for x in facts.rivals)
        sentences.append(f"Its closest rivals under {name}: {near}.")
    if not sentences:
        return ""
    return '<p class="summary">' + " ".join(sentences) + "</p>"


def _moves_text(t: Any) -> str:
    changes = sorted(((m, t.weights[m] - t.base_weights[m]) for m in t.weights), key=lambda kv: -abs(kv[1]))
    shown = [f"{e(m)} {'+' if d > 0 else '−'}{fmt(abs(d), 2)}" for m, d in changes if abs(d) >= 0.005][:3]
    return ", ".join(shown)


# ---------------------------------------------------------------------------------------
# sections
# ---------------------------------------------------------------------------------------

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
    if method.description:
        out.append(f'<p class="small">{e(method.name)}: {e(method.description)}</p>')
    if main_result is not None:
        for note in main_result.notes:
            out.append(_note(note))
    return "".join(out)


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


def _sweep_section(method: Any, table: Any, focus: str, figs: _Figures, keep: Callable[[Any], None]) -> str:
    from rankings.report import plots
    from rankings.sensitivity.exact import sweep

    s = sweep(method, table, focus)
    keep(s)
    out = [f"<p>Each panel moves the weight of one metric from 0 to 1 while the other weights keep their "
           f"proportions. The rank changes only where a rival's score line crosses {e(focus)}'s; "
           f"{e(s.note)}.</p>"]
    out.append(figs.make(lambda p: plots.sweep_steps(s, p),
                         f"Rank of {focus} against the weight of each metric under {s.methodology}. The circle and "
                         "dotted line mark the methodology's own weight; thin grey lines mark the breakpoints.",
                         f"Step plots of {focus}'s rank against each metric's weight"))
    rows = []
    for c in s.curves:
        lo, hi = c.stability
        rows.append([c.metric, fmt(round(c.base_weight, 4)), c.base_rank, f"{fmt(round(lo, 4))} – {fmt(round(hi, 4))}",
                     f"{c.best_rank} – {c.worst_rank}", len(c.crossings)])
    out.append(_table(["metric", "weight", "rank", "rank unchanged for weight in", "ranks over 0..1",
                       "breakpoints"], rows, numeric=(1, 2, 5)))
    return "".join(out)


def _tipping_section(method: Any, table: Any, focus: str, samples: int, seed: int, facts: _Facts) -> str:
    from rankings.sensitivity.exact import tipping_point

    out = [f"<p>The smallest change of {e(method.name)}'s weights (sum of absolute changes, L1) that moves "
           f"{e(focus)} one place up or one place down.</p>"]
    base = method.evaluate(table)
    rank = base.rank_of(focus)
    n = base.table.n_contributors
    for direction, label in (("up", "One place up"), ("down", "One place down")):
        out.append(f"<h3>{label}</h3>")
        if direction == "up" and rank <= 1:
            out.append(_note(f"{focus} is already first."))
            continue
        if direction == "down" and rank >= n:
            out.append(_note(f"{focus} is already last."))
            continue
        b = facts.bounds
        if b is not None and b.exact and direction == "up" and b.best.rank >= rank:
            out.append(_note(f"No weighting of these metrics lifts {focus} above {ordinal(rank)}."))
            continue
        if b is not None and b.exact and direction == "down" and b.worst.rank <= rank:
            out.append(_note(f"No weighting of these metrics drops {focus} below {ordinal(rank)}."))
            continue

        def one(direction: str = direction) -> str:
            t = tipping_point(method, table, focus, samples=max(samples, 1000), seed=seed,
                              up=1 if direction == "up" else None, down=1 if direction == "down" else None)
            setattr(facts, f"tipping_{direction}", t)
            goal = f"{ordinal(t.target)} or better" if direction == "up" else f"{ordinal(t.target)} or worse"
            rows = []
            for m in t.weights:
                d = t.weights[m] - t.base_weights[m]
                rows.append([m, fmt(round(t.base_weights[m], 4)), fmt(round(t.weights[m], 4)),
                             ("+" if d > 0 else "") + fmt(round(d, 4))])
            parts = [f"<p>From {ordinal(t.base_rank)} to {goal}: L1 distance <b>{fmt(t.distance)}</b>; the new "
                     f"weights reach {ordinal(t.reached_rank)}.</p>",
                     _table(["metric", "weight now", "new weight", "change"], rows, numeric=(1, 2, 3)),
                     f"<p class=\"small\">Passes: {e(', '.join(t.passes) or 'nobody')}. Falls behind: "
                     f"{e(', '.join(t.falls_behind) or 'nobody')}. Solver: {e(t.solver)}; "
                     f"exact: {'yes' if t.exact else 'no'}.</p>"]
            parts += [_note(x) for x in t.notes]
            return "".join(parts)

        out.append(_guard(f"The tipping point {direction}", one))
    return "".join(out)


def _sobol_factors(method: Any, table: Any) -> tuple[list[Any], list[str]]:
    """normalize/aggregate factors with two levels each, where the methodology allows them."""
    from rankings.sensitivity.sample import parse_vary

    if not method.declarative:
        return [], []
    specs = []
    norm_alt = next(x for x in ("min-max", "rank") if x != method.normalize)
    specs.append(f"normalize={method.normalize},{norm_alt}")
    agg_alt = next(x for x in ("arithmetic", "geometric") if x != method.aggregate)
    specs.append(f"aggregate={method.aggregate},{agg_alt}")
    prepared = method.prepare(table)
    return parse_vary(specs, metrics=prepared.metric_names, lens_available=False), specs


def _uncertainty_section(method: Any, table: Any, focus: str, samples: int, seed: int, sobol: bool,
                         sobol_samples: int, figs: _Figures, facts: _Facts) -> str:
    from rankings.report import plots
    from rankings.sensitivity.analyze import sensitivity

    r = sensitivity(method, table, focus=focus, samples=samples, seed=seed)
    facts.sensitivity = r
    f = r.focus_index
    n = len(r.contributors)
    out = [f"<p>{r.samples:,} weightings drawn uniformly from all weightings of the {len(r.metrics)} metrics "
           f"(Dirichlet(1), seed {r.seed}); every contributor is ranked in each run. The tables and plots give how "
           f"often each rank occurs (rank acceptability).</p>"]
    out += [_note(x) for x in r.notes]
    dist = r.acceptability[f]
    cells = [["nominal rank", str(int(r.nominal_ranks[f]))],
             ["mean rank", f"{r.mean_rank[f]:.2f}"],
             ["90% band (5th–95th percentile)", f"{int(r.bands[f, 0])} – {int(r.bands[f, 2])}"],
             ["P(first)", _pct(float(dist[0]))],
             ["P(top 3)", _pct(float(dist[:3].sum()))],
             ["P(top 5)", _pct(float(dist[:5].sum()))],
             ["P(worse than nominal)", _pct(float(dist[int(r.nominal_ranks[f]):].sum()))]]
    out.append(_table(["quantity", focus], cells, numeric=(1,), raw=(1,)))
    out.append(figs.make(lambda p: plots.rank_distribution(r, p),
                         f"Probability of each rank of {focus} over the sampled weightings; bars are 95% Monte "
                         "Carlo intervals, the dashed line is the rank with the methodology's own weights.",
                         f"Bar chart of {focus}'s rank distribution"))
    out.append(figs.make(lambda p: plots.acceptability_heatmap(r, p, top=12),
                         "Rank acceptability of the leading contributors (by mean rank): darker cells are likelier "
                         f"ranks. {focus}'s label is in red.",
                         "Heat map of rank probabilities for leading contributors"))
    out.append(figs.make(lambda p: plots.rank_bands(r, p, top=15),
                         "5th–95th percentile rank band (bar), median (tick) and rank with the methodology's weights "
                         "(diamond) for the leading contributors.",
                         "Rank bands of leading contributors"))
    order = r.order()[:10]
    if f not in order:
        order.append(f)
    rows = [[r.contributors[i], int(r.nominal_ranks[i]), f"{r.mean_rank[i]:.2f}",
             f"{int(r.bands[i, 0])} – {int(r.bands[i, 2])}", _pct(float(r.acceptability[i, 0])),
             _pct(float(r.acceptability[i, :3].sum()))] for i in order]
    out.append(f"<h3>Leading contributors under uncertainty</h3><p>The first {min(10, n)} contributors by mean rank"
               f"{'' if f in r.order()[:10] else f', and {e(focus)}'}.</p>")
    out.append(_table(["contributor", "nominal", "mean rank", "90% band", "P(first)", "P(top 3)"], rows,
                      focus_rows=[i == f for i in order], numeric=(1, 2, 3, 4, 5), raw=(4, 5)))
    out.append("<h3>What drives the rank: Sobol' indices</h3>")
    if not sobol:
        out.append('<p class="small">Not computed (--no-sobol).</p>')
        return "".join(out)
    out.append(_guard("The Sobol' analysis", lambda: _sobol_part(method, table, focus, seed, sobol_samples, figs)))
    return "".join(out)


def _seeded_sobol(method: Any, table: Any, focus: str, seed: int, sobol_samples: int, factors: Sequence[Any]) -> Any:
    """A seeded Sobol' run (bootstrap intervals included) for the report."""
    from rankings.sensitivity.analyze import sensitivity

    return sensitivity(method, table, focus=focus, samples=max(256, sobol_samples), seed=seed,
                       factors=list(factors), sobol=True, sobol_samples=sobol_samples)


def _sobol_part(method: Any, table: Any, focus: str, seed: int, sobol_samples: int, figs: _Figures) -> str:
    from rankings.report import plots

    note = ""
    try:
        factors, specs = _sobol_factors(method, table)
        r = _seeded_sobol(method, table, focus, seed, sobol_samples, factors)
    except Exception as exc:
        note = f"varying the normalisation and aggregation failed ({str(exc).splitlines()[0]}); weights only"
        specs = []
        r = _seeded_sobol(method, table, focus, seed, sobol_samples, [])
    s = r.sobol
    if s is None:
        raise ValueError("the run returned no Sobol' indices")
    varied = "the weight of each metric" + (
        " and, as two-level choices, " + "; ".join(x.replace("=", " in {") + "}" for x in specs) if specs else "")
    out = [f"<p>Share of the variance of {e(focus)}'s rank due to each factor: {e(varied)}. A Saltelli design of "
           f"{s['base_samples']} base rows ({s['runs']:,} runs, seed {seed}); S1 is the share a factor explains "
           f"alone, ST includes its interactions. Small runs give wide intervals: read the order, not the "
           f"decimals.</p>"]
    if note:
        out.append(_note(note))
    entry = s["focus_rank"]
    if "note" in entry:
        out.append(_note(str(entry["note"])))
    rows = []
    for g in s["groups"]:
        v = entry.get(g)
        if not isinstance(v, Mapping) or v.get("S1") is None:
            rows.append([g, "-", "-"])
            continue
        rows.append([g, f"{v['S1']:.2f} [{v['S1_ci'][0]:.2f}, {v['S1_ci'][1]:.2f}]",
                     f"{v['ST']:.2f} [{v['ST_ci'][0]:.2f}, {v['ST_ci'][1]:.2f}]"])
    out.append(_table(["factor", "S1 [95% interval]", "ST [95% interval]"], rows, numeric=(1, 2)))
    if "note" in entry:
        return "".join(out)
    out.append(_guard("The Sobol' plot", lambda: figs.make(
        lambda p: plots.sobol_bars(r, p),
        "First-order (S1) and total (ST) Sobol' indices of the focus's rank, with 95% bootstrap intervals.",
        "Bar chart of Sobol' indices")))
    return "".join(out)


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
        rows = [[m, fmt(round(x.weights.get(m, 0.0), 4)), fmt(x.values[m][0], 5), fmt(x.values[m][1], 5),
                 f"{x.contributions[m]:+.4f}"] for m in x.contributions]
        out.append(_table(["metric", "weight", focus, rival, "contribution"], rows, numeric=(1, 2, 3, 4)))
        out.append(figs.make(functools.partial(_gap_plot, x),
                             f"Per-metric parts of the score gap between {focus} and {rival}: red bars favour "
                             f"{focus}, blue bars favour {rival}.",
                             f"Bar chart of the gap between {focus} and {rival}"))
    return "".join(out)


def _gap_plot(explanation: Any, path: Path) -> Any:
    from rankings.report import plots

    return plots.gap_bars(explanation, path)


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


def _provenance_rows(table: Any, sources: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    if sources is not None:
        return [dict(s) for s in sources]
    rows = []
    for spec in table.metrics:
        rows.append({"name": spec.name, "direction": spec.direction, "kind": spec.kind, "unit": spec.unit,
                     "proxy": spec.proxy, "description": spec.description, "sources": [spec.source] if spec.source
                     else [], "licence": "", "snapshot": ""})
    return rows


def _provenance_section(table: Any, sources: Sequence[Mapping[str, Any]] | None) -> str:
    rows = []
    for d in _provenance_rows(table, sources):
        src = d.get("sources", d.get("source", ""))
        src_text = "; ".join(src) if isinstance(src, (list, tuple)) else str(src or "")
        kind = " ".join(x for x in (str(d.get("kind") or ""), f"({d['unit']})" if d.get("unit") else "") if x)
        better = {"max": "higher is better", "min": "lower is better"}.get(str(d.get("direction")), "")
        facts = [x for x in (kind, better, "proxy" if d.get("proxy") else "") if x]
        first = f"<b>{e(d.get('name', ''))}</b>" + (f'<br><span class="small">{e(", ".join(facts))}</span>'
                                                     if facts else "")
        origin = [f"{e(src_text or 'not given')}"]
        if d.get("snapshot"):
            origin.append(f'<span class="small">snapshot {e(d["snapshot"])}</span>')
        if d.get("licence"):
            origin.append(f'<span class="small">terms: {e(d["licence"])}</span>')
        rows.append([first, e(d.get("description") or "not given"), "<br>".join(origin)])
    return ("<p>Every metric of the table: what it measures, whether it only stands in for what it names "
            "(proxy), and the file it was read from with its snapshot and terms.</p>"
            + _table(["metric", "what it measures", "source"], rows, raw=(0, 1, 2), wrap=(1, 2)))


# ---------------------------------------------------------------------------------------
# the page
# ---------------------------------------------------------------------------------------

def _page(title: str, headline: str, summary: str, sections: Sequence[_Section], focus: str, version: str,
          seed: int, samples: int, command: str | None, credit: str) -> str:
    from rankings.report.plots import FOCUS_COLOR

    css = CSS % {"focus": FOCUS_COLOR, "tint": _tint(FOCUS_COLOR)}
    toc = "".join(f'<li><a href="#{s.key}">{e(s.title)}</a></li>' for s in sections)
    body = "".join(f'<section id="{s.key}"><h2>{k}. {e(s.title)}</h2>{s.body}</section>\n'
                   for k, s in enumerate(sections, start=1))
    run = f"rankings {e(version)}; seed {seed}; {samples:,} sensitivity runs"
    if command:
        run += f"; command: <code>{e(command)}</code>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{headline}</h1>"
        f'<p class="subtitle">A methodology report on {e(focus)}: how its rank depends on the choices a league '
        f"table makes.</p></header>\n"
        f"{summary}\n"
        f'<nav class="toc"><b>Contents</b><ol>{toc}</ol></nav>\n'
        f"{body}"
        f"<footer><p>{e(credit)}</p><p>Made with {run}. The page holds no clock time: the same inputs and "
        f"seed give the same file.</p></footer>\n"
        "</main>\n</body>\n</html>\n"
    )
