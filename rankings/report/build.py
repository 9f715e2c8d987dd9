"""Building the report: one self-contained HTML page about a focus contributor.

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

import functools
import math
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rankings.report.fork import build_in_child, stop
from rankings.report.parts import (
    DEFAULT_SAMPLES,
    DEFAULT_SOBOL_SAMPLES,
    EPOCH_CREDIT,
    _Facts,
    _Figures,
    _guard,
    _note,
    _pct,
    _Section,
    e,
    fmt,
    number_figures,
    ordinal,
)
from rankings.report.sections.bounds import _bounds_section
from rankings.report.sections.confidence import _confidence_section
from rankings.report.sections.data import _data_section
from rankings.report.sections.gap import _gap_section
from rankings.report.sections.methods import _methods_section
from rankings.report.sections.provenance import _provenance_section
from rankings.report.sections.rivals import _rivals_section
from rankings.report.sections.sweeps import _sweep_section
from rankings.report.sections.ternary import _ternary_section
from rankings.report.sections.tipping import _tipping_section
from rankings.report.sections.uncertainty import _uncertainty_section
from rankings.report.template import _page

SECTION_TITLES: tuple[tuple[str, str], ...] = (
    ("data", "Data and lens"), ("methods", "Rank under each methodology"),
    ("bounds", "Best and worst attainable rank"), ("sweeps", "One weight at a time"), ("tipping", "Tipping points"),
    ("uncertainty", "Rank under uncertain weights"), ("confidence", "Is the rank significant?"),
    ("rivals", "Closest rivals"), ("ternary", "Three-metric weight map"),
    ("gap", "Is the gap closed? Head against depth"), ("provenance", "Where each metric comes from"),
)
"""The report's sections in page order: (key, heading)."""


def _built_apart(figs: _Figures, folder: Path, title: str, build: Callable[[], str]) -> str:
    """A section builder run in the forked child: its figures go to a folder of their own."""
    figs.folder = folder
    return _guard(title, build)


def build_report(method: Any, table: Any, focus: str, *, samples: int = DEFAULT_SAMPLES, seed: int = 0,
                 sobol: bool = True, sobol_samples: int = DEFAULT_SOBOL_SAMPLES,
                 methods: Sequence[Any] | None = None, sources: Sequence[Mapping[str, Any]] | None = None,
                 data_text: str | None = None, ternary: Sequence[str] | None = None,
                 version: str | None = None, command: str | None = None, credit: str | None = None,
                 progress: Callable[[str], None] | None = None, weight_panel: Any = None) -> str:
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
    weight_panel : ``(R x M panel rows, file name)`` of elicited weights; the uncertainty section
        then shows the focus's ranks under the panel beside those under uniform weights.
    version : package version shown in the footer.
    command : the command line that made the page, shown in the footer.
    credit : plain-text data credit for the footer (default: Epoch AI's for the
        embedded dataset, the table label otherwise).
    progress : called with each section's title before it is built (for a spinner).
    """

    focus = table.contributors[table.contributor_index(focus)]
    if methods is None:
        from rankings.registry import default_registry

        methods = list(default_registry())
    if version is None:
        from rankings._version import __version__

        version = __version__
    facts = _Facts()
    with tempfile.TemporaryDirectory(prefix="rankings-report-") as folder:
        figs = _Figures(Path(folder))
        main_result: Any = None
        main_error = ""
        try:
            main_result = method.evaluate(table)
            main_result.rank_of(focus)
        except (OSError, MemoryError):
            raise
        except Exception as exc:
            main_result, main_error = None, str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        sweep_result: Any = None

        def sweep_holder(result: Any) -> None:
            nonlocal sweep_result
            sweep_result = result

        skipped = _note(f"Not computed: {method.name} cannot rank {focus} on this data (see section 1).")

        def step(title: str, build: Callable[[], str]) -> str:
            if progress is not None:
                progress(title)
            return _guard(title, build)

        def analysed(title: str, build: Callable[[], str]) -> str:
            return skipped if main_result is None else step(title, build)

        # the sampled sections need nothing from the others: on Linux they are built in a forked
        # child meanwhile (rankings.report.fork), else here in page order; the page is the same
        sampled = {
            "uncertainty": ("The sensitivity analysis", lambda: _uncertainty_section(
                method, table, focus, samples, seed, sobol, sobol_samples, figs, facts, panel=weight_panel)),
            "confidence": ("The rank confidence sets", lambda: _confidence_section(
                method, table, focus, seed, sobol_samples, figs)),
        }
        join = None
        if main_result is not None:
            child_folder = Path(folder) / "child"
            child_folder.mkdir()
            # in the child (a copy of this process) figs and facts are the child's own copies
            join = build_in_child({key: functools.partial(_built_apart, figs, child_folder, title, build)
                                   for key, (title, build) in sampled.items()}, lambda: facts.sensitivity)
        try:
            bodies = {
                "data": step("The data summary", lambda: _data_section(
                    table, method, focus, data_text, main_result, main_error)),
                "methods": step("The comparison", lambda: _methods_section(table, methods, method, focus, figs, facts)),
                "bounds": analysed("Rank bounds", lambda: _bounds_section(method, table, focus, samples, seed, facts)),
                "sweeps": analysed("The weight sweeps", lambda: _sweep_section(method, table, focus, figs, sweep_holder)),
                "tipping": analysed("Tipping points", lambda: _tipping_section(method, table, focus, samples, seed, facts)),
                "rivals": analysed("The rival comparison", lambda: _rivals_section(main_result, focus, figs, facts)),
                "ternary": analysed("The ternary map", lambda: _ternary_section(
                    method, table, focus, ternary, sweep_result, methods, figs)),
                "gap": step("The country gap", lambda: _gap_section(table, focus)),
                "provenance": step("The provenance table", lambda: _provenance_section(table, sources)),
            }
            apart = join() if join is not None else None
        except BaseException:
            stop(join)
            raise
        if apart is not None:
            bodies.update(apart[0])
            facts.sensitivity = apart[1]
        else:
            bodies.update({key: analysed(title, build) for key, (title, build) in sampled.items()})
        sections = [_Section(key, title, bodies[key]) for key, title in SECTION_TITLES]
    title, headline = _headline(focus, method, facts)
    summary = _summary(focus, method, facts, main_result)
    if credit is None:
        credit = EPOCH_CREDIT if table.lens else f"Data: {table.label}, supplied by the user of this report."
    return number_figures(_page(title, headline, summary, sections, focus, version, seed, samples, command,
                                credit))


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


def write_report(method: Any, table: Any, focus: str, path: Any, **options: Any) -> Path:
    """Build the report (:func:`build_report`, same options) and write it to ``path`` whole or not at all.

    Parameters
    ----------
    method : Methodology
        The composite analysed (what-ifs already applied).
    table : ContributorTable
        The data.
    focus : str
        The contributor the page is about.
    path : str or Path
        The HTML file to write; an existing file keeps its permissions.
    **options
        ``samples``, ``seed``, ``sobol``, ``sobol_samples``, ``methods``, ``sources``,
        ``data_text``, ``ternary``, ``command``, ``credit`` as in :func:`build_report`.

    Returns
    -------
    Path
        The file written.
    """
    from rankings._atomic import write_text_atomically

    target = Path(path)
    write_text_atomically(target, build_report(method, table, focus, **options), what="report")
    return target

