"""Section 6 of the report: rank acceptability and bands from a seeded sampled run, and Sobol' indices.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rankings.report.parts import _Facts, _Figures, _guard, _note, _pct, _table, e


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


def _panel_part(method: Any, table: Any, focus: str, samples: int, seed: int, uniform: Any, panel: Any) -> str:
    """The focus's ranks under an elicited weight panel beside those under uniform weights."""
    from rankings.sensitivity.analyze import sensitivity
    from rankings.sensitivity.panel import PanelWeights

    rows, source = panel
    sampler = PanelWeights(method.prepare(table).metric_names, panel=tuple(map(tuple, rows.tolist())), source=source)
    p = sensitivity(method, table, focus=focus, samples=samples, seed=seed, weights=sampler)
    i, j = p.focus_index, uniform.focus_index
    cells = [[label, fa(uniform, j), fa(p, i)] for label, fa in (
        ("mean rank", lambda r, k: f"{r.mean_rank[k]:.2f}"),
        ("90% band", lambda r, k: f"{int(r.bands[k, 0])} – {int(r.bands[k, 2])}"),
        ("P(first)", lambda r, k: _pct(float(r.acceptability[k, 0]))),
        ("P(top 3)", lambda r, k: _pct(float(r.acceptability[k, :3].sum()))))]
    mean = ", ".join(f"{e(k)} {v:.3f}" for k, v in p.factors["weights"]["panel_mean"].items())
    return (f"<p>Weights elicited from a panel ({e(source)}, {len(rows)} respondents; each run draws one "
            f"respondent's weights; mean weights {mean}) beside uniform weights:</p>"
            + _table(["quantity", "uniform weights", "panel weights"], cells, numeric=(1, 2), raw=(1, 2)))


def _uncertainty_section(method: Any, table: Any, focus: str, samples: int, seed: int, sobol: bool,
                         sobol_samples: int, figs: _Figures, facts: _Facts, panel: Any = None) -> str:
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
    if panel is not None:
        out.append(_guard("The weight panel", lambda: _panel_part(method, table, focus, samples, seed, r, panel)))
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

    # the section reads only the Sobol' indices (the acceptability comes from the main run): one
    # Dirichlet run and no pairwise or confidence work beside the design (the indices do not depend on them)
    return sensitivity(method, table, focus=focus, samples=1, seed=seed, factors=list(factors), sobol=True,
                       sobol_samples=sobol_samples, pairwise_top=0, confidence_runs=1)


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


