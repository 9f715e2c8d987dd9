"""``rankings sensitivity``: sampled rank uncertainty of a focus contributor.

A thin layer: parse the options, call :func:`rankings.sensitivity.analyze.sensitivity`
once, format the result. Registered in :mod:`rankings.cli.main` through :data:`COMMANDS`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from rankings.cli.common import (
    FOCUS_DEFAULT,
    CliError,
    _lens_text,
    _num,
    _output_format,
    _render,
    _write,
    choose_focus,
    cli_errors,
    fit_lines,
    term_text,
)
from rankings.cli.options import (
    DataOptions,
    MethodOptions,
    OutputOptions,
    SamplingOptions,
    data_options,
    method_options,
    output_options,
    sampling_options,
)
from rankings.cli.progress import Bar, kernels_pending


@click.command("sensitivity")
@method_options("Methodology name (see 'rankings methods') [equal-core; equal-weights with --data].")
@data_options
@click.option("--focus", default=None, help=f"Contributor whose rank is studied [{FOCUS_DEFAULT}].")
@sampling_options
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows in the table (the focus is always shown); also the pairwise set.")
@click.option("--resample", "resample", multiple=True, type=click.Choice(["models", "papers", "snapshots"]),
              help="Rebuild each run's table from a bootstrap resample of the model or paper records "
                   "(repeatable); 'snapshots' draws the Epoch snapshot as a factor.")
@click.option("--precision", type=float, default=None,
              help="Keep sampling in blocks until every rank acceptability's standard error is at most this "
                   "(e.g. 0.01), or --max-samples is reached; says what it achieved.")
@click.option("--max-samples", type=int, default=None, help="Cap on the runs of --precision [100 x --samples].")
@click.option("--top-ranks", type=int, default=None,
              help="Rank acceptability kept for ranks 1..K of every contributor [all ranks up to 1,000 "
                   "contributors, else max(50, N/100)]; the focus keeps its full distribution.")
@click.option("--full-acceptability", is_flag=True, default=False,
              help="Keep the full N x N rank acceptability (exact bands for everyone); refused before the run "
                   "when it would not fit in memory.")
@click.option("--budget", is_flag=True, default=False,
              help="Uncertainty budget: Sobol' indices (implies --sobol) over the groups records, snapshot, "
                   "weights and method choices, and whether the data or the method drives the focus rank.")
@output_options()
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also save plots: STEM.png gives STEM-distribution.png, STEM-acceptability.png, "
                   "STEM-bands.png and, with --sobol, STEM-sobol.png (.svg works too).")
@click.option("--weight-panel", "panel_path", type=click.Path(path_type=Path), default=None,
              help="Stakeholders' weights (CSV: one row per respondent, one column per metric or pillar): each run "
                   "draws a respondent; reported beside uniform weights.")
@click.option("--panel-smoothing", type=float, default=0.0, show_default=True,
              help="With --weight-panel: draw Dirichlet(KAPPA x row) around the respondent (0: the row itself).")
@cli_errors
def sensitivity_command(method: MethodOptions, data: DataOptions, focus: str | None, sampling: SamplingOptions,
                        top: int, resample: tuple[str, ...], precision: float | None, max_samples: int | None,
                        top_ranks: int | None, full_acceptability: bool, budget: bool, out: OutputOptions, plot_path: Path | None, panel_path: Path | None,
                        panel_smoothing: float) -> None:
    """Probability of each rank when weights, method choices and data are uncertain.

    Samples weights (and optionally method choices and data noise), ranks every
    contributor in each run and reports SMAA-2 rank acceptability with standard
    errors, rank bands (5th/50th/95th percentile), the mean absolute rank shift
    against the nominal ranking, pairwise winning probabilities, central weights and
    confidence factors, and with --sobol the Sobol' indices of each factor group.

    \b
    Examples:
      rankings sensitivity --method equal-core
      rankings sensitivity --method equal-core --sampler concentrated --concentration 20
      rankings sensitivity --method equal-core --vary normalize=min-max,rank --vary aggregate=arithmetic,geometric --sobol
      rankings sensitivity --method equal-core --poisson --vary counting --format json
      rankings sensitivity --method equal-core --vary weights-scheme=equal,entropy,pca --sobol
      rankings sensitivity --method equal-core --weight-panel panel.csv --panel-smoothing 20
      rankings sensitivity --method ai-index --resample models --resample snapshots --sobol
      rankings sensitivity --vary normalize=min-max,rank --sobol --workers 2    # on a local Dask cluster
    """
    _run(method, data, focus, sampling, top, out, plot_path, resample, budget, (precision, max_samples),
         panel_path, panel_smoothing, (top_ranks, full_acceptability))


def _run(method: MethodOptions, data: DataOptions, focus: str | None, sampling: SamplingOptions, top: int,
         out: OutputOptions, plot_path: Path | None, resample: tuple[str, ...] = (), budget: bool = False,
         precision: tuple[float | None, int | None] = (None, None), panel_path: Path | None = None,
         panel_smoothing: float = 0.0, accept: tuple[int | None, bool] = (None, False)) -> None:
    from rankings.sensitivity.analyze import sensitivity
    from rankings.sensitivity.sample import DataNoise, parse_limits, parse_vary, read_uncertainty

    s = sampling
    if s.samples < 1:
        raise CliError(f"--samples must be a positive integer (got {s.samples})")
    if s.seed < 0:
        raise CliError(f"--seed must be a non-negative integer (got {s.seed})")
    if s.chunk_size is not None and s.chunk_size < 1:
        raise CliError(f"--chunk-size must be a positive integer (got {s.chunk_size})")
    if plot_path is not None:
        folder = plot_path.parent if str(plot_path.parent) else Path(".")
        if not folder.is_dir():
            raise CliError(f"--plot folder must exist (got {str(folder)!r})")
    table = data.load()
    # a weighting analysis needs several metrics: default to the equal-weight composite
    name = method.name or ("equal-weights" if data.given else "equal-core")
    methodology = method.resolve(table, data_given=data.given, name=name)
    prepared = methodology.prepare(table)
    focus_name, chosen = choose_focus(methodology, table, focus)
    vary = list(s.vary)
    records = tuple(k for k in resample if k != "snapshots")
    if records and data.given:
        raise CliError(f"--resample {records[0]} needs the records behind the table: use the default dataset or "
                       f"give model records with --models FILE (got --data {data.data_path})")
    if "snapshots" in resample and not any(v.partition("=")[0].strip() == "snapshot" for v in vary):
        vary.append("snapshot=" + ",".join(_snapshots_for(data)))
    factors = parse_vary(vary, metrics=prepared.metric_names, lens_available=data.lens_available)
    noise = None
    if s.uncertainty_path is not None or s.poisson:
        cells = read_uncertainty(s.uncertainty_path, prepared.contributors, prepared.metric_names) \
            if s.uncertainty_path is not None else ()
        noise = DataNoise(cells=cells, poisson=s.poisson,
                          source=str(s.uncertainty_path) if s.uncertainty_path else None)

    def loader(overrides: dict[str, Any]) -> Any:
        years = overrides.get("years")
        return data.replace(data_path=None, models_path=None,
                            year=f"{years[0]}-{years[1]}" if years else data.year,
                            counting=overrides.get("counting", data.counting),
                            snapshot=overrides.get("snapshot", data.snapshot)).load()

    # the bar is on stderr, so JSON on stdout stays clean; it shows only on a terminal
    work = s.samples * len(prepared.contributors) * (2 if s.sobol else 1)
    progress = Bar("runs", first="compiling kernels (first run only)" if kernels_pending(work) else None)
    progress.begin(s.samples)
    options: dict[str, Any] = dict(focus=focus_name, samples=s.samples, seed=s.seed, sampler=s.sampler,
                   concentration=s.concentration, limits=parse_limits(s.limits, prepared.metric_names), factors=factors,
                   noise=noise, chunk_size=s.chunk_size, log_runs=str(s.log_runs) if s.log_runs else None,
                   progress=progress, sobol=s.sobol or budget, sobol_samples=s.sobol_samples, budget=budget,
                   pairwise_top=top, loader=loader, output=out.fmt, resample=records, precision=precision[0],
                   max_samples=precision[1], models_path=str(data.models_path) if data.models_path else None,
                   top_ranks=accept[0], full_acceptability=accept[1])
    comparison = None
    if panel_path is not None:
        from rankings.sensitivity.panel import panel_sensitivity, read_weight_panel

        if s.sampler != "dirichlet":
            raise CliError(f"--weight-panel gives the weights; it cannot be combined with --sampler {s.sampler}")
        panel = read_weight_panel(panel_path, methodology, prepared)
        comparison = panel_sensitivity(methodology, table, panel=panel, smoothing=panel_smoothing,
                                       source=str(panel_path), **options)
        result = comparison.panel
    else:
        result = sensitivity(methodology, table, **options)
    progress.close()
    if s.log_runs is not None:
        click.echo(f"wrote {s.log_runs}", err=True)
    if plot_path is not None:
        from rankings.report import plots

        for written in plots.sensitivity_figures(result, plot_path):
            click.echo(f"wrote {written}", err=True)
    if _output_format(out.fmt, out.output, ("table", "json")) == "json":
        payload = result.to_dict() if comparison is None else comparison.to_dict()
        payload["data"] = {"label": table.label, "lens": dict(table.lens)}
        if chosen:
            payload["notes"] = [*payload.get("notes", []), chosen]
        _write(json.dumps(payload, indent=2), out.output)
        return
    text = _table_text(result, table, top, chosen)
    if comparison is not None:
        text += "\n" + _uniform_text(comparison, top)
    _write(text, out.output)


def _uniform_text(comparison: Any, top: int) -> str:
    """The panel's ranks beside those under uniform weights, for the shown contributors."""
    p, u = comparison.panel, comparison.uniform
    f = p.focus_index
    order = p.order()
    shown = order[:top] + ([f] if f not in order[:top] else [])
    rows = []
    for i in shown:
        name = p.contributors[i]
        j = u.contributors.index(name)
        rows.append([name, f"{p.mean_rank[i]:.2f}", f"{int(p.bands[i, 0])}-{int(p.bands[i, 2])}",
                     f"{u.mean_rank[j]:.2f}", f"{int(u.bands[j, 0])}-{int(u.bands[j, 2])}"])
    w = p.factors["weights"]
    lines = [f"Panel {w['file']}: {w['respondents']} respondents, smoothing {w['smoothing']:g}; mean panel weights "
             + ", ".join(f"{k}={v:.3f}" for k, v in w["panel_mean"].items()),
             "Beside uniform weights on the simplex (same seed and runs):",
             _render(["contributor", "panel mean", "panel 90%", "uniform mean", "uniform 90%"], rows,
                     [i == f for i in shown])]
    return fit_lines(lines)


def _precision_text(report: Any) -> str:
    if not report:
        return ""
    state = "reached" if report["reached"] else "NOT reached"
    return (f"; precision target {report['target_se']:g} {state}: largest acceptability standard error "
            f"{report['achieved_se']:.4f} after {report['rounds']} round(s), cap {report['cap']}")


def _snapshots_for(data: DataOptions) -> list[str]:
    """The packaged snapshots that cover the lens's years (each drawn uniformly by --resample snapshots)."""
    from rankings.data import SNAPSHOTS
    from rankings.errors import RankingsError

    usable = []
    for snap in SNAPSHOTS:
        try:
            data.replace(snapshot=snap).load()
        except RankingsError:
            continue
        usable.append(snap)
    if len(usable) < 2:
        raise CliError(f"--resample snapshots needs at least 2 packaged snapshots covering the lens years "
                       f"(got {', '.join(usable) or 'none'})")
    return usable


def _table_text(result: Any, table: Any, top: int, chosen: str | None = None) -> str:
    f = result.focus_index
    n = len(result.contributors)
    m = result.method
    how = f"{m['normalization']} + {m['aggregation']}" if m["normalization"] else "own score function"
    w = result.factors["weights"]
    varied = [f"weights ({w['sampler']}" + (f", kappa={w['concentration']:g}" if w["sampler"] == "concentrated"
                                               else "") + (", limits" if w.get("limits") else "") + ")"]
    schemes = [c["levels"] for c in result.factors["choices"] if c["factor"] == "weights-scheme"]
    if schemes and "sampled" not in schemes[0]:
        varied = ["weights not sampled (each weights-scheme level derives its own)"]
    elif schemes:
        varied[0] += " when weights-scheme=sampled"
    varied += [f"{c['factor']} in {{{', '.join(c['levels'])}}}" for c in result.factors["choices"]]
    if result.factors["data_noise"] and result.factors["data_noise"].get("resample"):
        varied.append(result.factors["data_noise"]["resample_method"])
    if result.factors["data_noise"] and (result.factors["data_noise"]["cells"]
                                         or result.factors["data_noise"]["poisson_counts"]):
        dn = result.factors["data_noise"]
        varied.append("data noise (" + ", ".join(x for x in (
            f"{dn['cells']} cells from {dn['uncertainty_file']}" if dn["uncertainty_file"] else "",
            "Poisson counts" if dn["poisson_counts"] else "") if x) + ")")
    lines = [f"Methodology: {m['name']} ({how}; nominal weights "
             + ", ".join(f"{k}={v:.3g}" for k, v in m["weights"].items()) + ")",
             f"Data: {_lens_text(table)} ({n} contributors analysed)",
             f"Varied: {'; '.join(varied)}",
             f"Runs: {result.samples} (seed {result.seed})" + _precision_text(result.precision)]
    lines += [f"Note: {x}" for x in [*result.notes, *([chosen] if chosen else [])]]
    order = result.order()
    shown = order[:top] + ([f] if f not in order[:top] else [])
    ranks_shown = min(n, 5, result.acceptability.shape[1])
    header = ["nominal", "contributor", "mean", "p05", "p50", "p95",
              *[f"P(r={r})" for r in range(1, ranks_shown + 1)], "|shift|"]
    rows = []
    for i in shown:
        rows.append([str(int(result.nominal_ranks[i])), result.contributors[i], f"{result.mean_rank[i]:.2f}",
                     *[("" if result.band_exact(i) else "~") + str(int(x)) for x in result.bands[i]],
                     *[f"{result.acceptability[i, r]:.3f}" for r in range(ranks_shown)],
                     f"{result.rank_shift[i]:.2f}"])
    lines.append(_render(header, rows, [i == f for i in shown]))
    name = result.focus
    dist = result.focus_distribution()
    se = result.focus_distribution_se()
    likely = [r for r in range(n) if dist[r] >= 0.005]
    lines.append("")
    lines.append(f"Focus: {term_text(name)} is ranked {int(result.nominal_ranks[f])} nominally; "
                 f"90% band {int(result.bands[f, 0])}-{int(result.bands[f, 2])}, median {int(result.bands[f, 1])}.")
    lines.append("  rank acceptability (P >= 0.005): "
                 + ", ".join(f"{r + 1}: {dist[r]:.3f}±{se[r]:.3f}" for r in likely[:12]))
    lines.append(f"Mean absolute rank shift vs nominal: {result.mean_rank_shift:.3f} "
                 f"± {result.mean_rank_shift_se:.3f} (per contributor per run)")
    if result.central_weights:
        lines.append("Central weights E[w | rank 1] and confidence factors:")
        for c, wv in sorted(result.central_weights.items(), key=lambda kv: -result.acceptability[
                result.contributors.index(kv[0]), 0]):
            p1 = result.acceptability[result.contributors.index(c), 0]
            lines.append(f"  {term_text(c)}: P(first) {p1:.3f}; " + ", ".join(
                f"{k}={v:.3f}" for k, v in zip(result.metrics, wv))
                + f"; confidence {_num(result.confidence.get(c))}")
        lines.append(f"  ({result.confidence_note})")
    if result.sobol is not None:
        s = result.sobol
        title = "Uncertainty budget: Sobol' indices" if s.get("grouping") == "budget" else "Sobol' indices"
        lines.append(f"{title} ({s['runs']} runs, base {s['base_samples']}; 95% bootstrap intervals):")
        header = ["group", "S1 rank", "ST rank", "S1 shift", "ST shift"]
        rows = []

        def cell(entry: dict[str, Any], key: str) -> str:
            value = entry.get(key)
            if value is None:
                return "-"
            lo, hi = entry[f"{key}_ci"]
            return f"{value:.3f} [{lo:.2f},{hi:.2f}]"

        for g in s["groups"]:
            a, b = s["focus_rank"][g], s["mean_rank_shift"][g]
            rows.append([g, cell(a, "S1"), cell(a, "ST"), cell(b, "S1"), cell(b, "ST")])
        lines.append(_render(header, rows, align_left=(0,)))
        for label in ("focus_rank", "mean_rank_shift"):
            if "note" in s[label]:
                lines.append(f"  {label}: {s[label]['note']}")
        if s.get("verdict"):
            lines.append(f"Uncertainty budget: {s['verdict']}")
    return fit_lines(lines)


COMMANDS = [sensitivity_command]
