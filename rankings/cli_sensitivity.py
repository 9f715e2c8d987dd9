"""``rankings sensitivity``: sampled rank uncertainty of a focus contributor.

A thin layer: parse the options, call :func:`rankings.sensitivity.analyze.sensitivity`
once, format the result. Registered in :mod:`rankings.cli` through :data:`COMMANDS`.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import click

from rankings._cli_common import (
    FOCUS_DEFAULT,
    CliError,
    _data_options,
    _lens_text,
    _load_table,
    _method_options,
    _num,
    _render,
    _resolve_method,
    _write,
    cli_errors,
)


class _Progress:
    """A hand-rolled progress bar on stderr, shown only once a run has taken 1 s."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.t0 = time.perf_counter()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.t0
        if elapsed < 1.0 and not self.shown:
            return
        self.shown = True
        frac = done / total if total else 1.0
        width = 30
        bar = "#" * int(frac * width)
        eta = elapsed / frac - elapsed if frac > 0 else 0.0
        sys.stderr.write(f"\r  [{bar:<{width}}] {done}/{total} runs, {elapsed:.0f}s elapsed, ~{eta:.0f}s left ")
        sys.stderr.flush()

    def finish(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
        self.t0 = time.perf_counter()
        self.shown = False


@click.command("sensitivity")
@click.option("--method", "method_name", default=None,
              help="Methodology name (see 'rankings methods') [equal-core; equal-weights with --data].")
@_method_options
@_data_options
@click.option("--focus", default=None, help=f"Contributor whose rank is studied [{FOCUS_DEFAULT}].")
@click.option("--samples", type=int, default=10000, show_default=True, help="Monte Carlo runs.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed; the same seed gives the same result for any --chunk-size.")
@click.option("--sampler", type=click.Choice(["dirichlet", "concentrated", "qmc"]), default="dirichlet",
              show_default=True,
              help="Weights: uniform on the simplex, Dirichlet around the methodology's weights, "
                   "or scrambled Sobol' points.")
@click.option("--concentration", type=float, default=50.0, show_default=True,
              help="kappa of the concentrated sampler (alpha = kappa * w0; larger = tighter).")
@click.option("--limits", default=None, help="Weight limits per metric, e.g. --limits frontier_eci=0.1:0.5.")
@click.option("--vary", "vary", multiple=True,
              help="Method choice drawn in each run (repeatable): normalize=a,b  aggregate=a,b  counting  "
                   "year=2024,2025  snapshot[=...]  drop-metric.")
@click.option("--uncertainty", "uncertainty_path", type=click.Path(path_type=Path), default=None,
              help="CSV contributor,metric,distribution,mean,sd,low,high (normal, lognormal, poisson, uniform).")
@click.option("--poisson", is_flag=True, default=False,
              help="Poisson noise on every count metric (mean = the observed value).")
@click.option("--sobol", is_flag=True, default=False,
              help="Also estimate Sobol' indices of the focus rank and of the mean rank shift.")
@click.option("--sobol-samples", type=int, default=1024, show_default=True,
              help="Base rows of the Saltelli design (a power of 2); runs = base x (groups + 2).")
@click.option("--chunk-size", type=int, default=None, help="Runs per compute chunk [picked from N].")
@click.option("--log-runs", "log_runs", type=click.Path(path_type=Path), default=None,
              help="Write every run's weights, choices and the focus rank to this CSV.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows in the table (the focus is always shown); also the pairwise set.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file (whole or not at all) instead of printing.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also save plots: STEM.png gives STEM-distribution.png, STEM-acceptability.png, "
                   "STEM-bands.png and, with --sobol, STEM-sobol.png (.svg works too).")
@cli_errors
def sensitivity_command(method_name: str | None, weights: str | None, normalize: str | None, aggregate: str | None,
                        bounds: str | None, clip: bool | None, reference: str | None, missing: str | None,
                        methods_dirs: tuple[Path, ...], data_path: Path | None, models_path: Path | None,
                        year: str | None, counting: str | None, snapshot: str | None, grouping: str | None,
                        by: str | None, directions: str | None, focus: str | None, samples: int, seed: int,
                        sampler: str, concentration: float, limits: str | None, vary: tuple[str, ...],
                        uncertainty_path: Path | None, poisson: bool, sobol: bool, sobol_samples: int,
                        chunk_size: int | None, log_runs: Path | None, top: int, fmt: str,
                        output: Path | None, plot_path: Path | None) -> None:
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
    """
    _run(method_name, weights, normalize, aggregate, bounds, clip, reference, missing, methods_dirs, data_path,
         models_path, year, counting, snapshot, grouping, by, directions, focus, samples, seed, sampler,
         concentration, limits, vary, uncertainty_path, poisson, sobol, sobol_samples, chunk_size, log_runs,
         top, fmt, output, plot_path)


def _run(method_name: str | None, weights: str | None, normalize: str | None, aggregate: str | None,
         bounds: str | None, clip: bool | None, reference: str | None, missing: str | None,
         methods_dirs: tuple[Path, ...], data_path: Path | None, models_path: Path | None, year: str | None,
         counting: str | None, snapshot: str | None, grouping: str | None, by: str | None, directions: str | None,
         focus: str | None, samples: int, seed: int, sampler: str, concentration: float, limits: str | None,
         vary: tuple[str, ...], uncertainty_path: Path | None, poisson: bool, sobol: bool, sobol_samples: int,
         chunk_size: int | None, log_runs: Path | None, top: int, fmt: str, output: Path | None,
         plot_path: Path | None) -> None:
    from rankings.sensitivity.analyze import sensitivity
    from rankings.sensitivity.sample import DataNoise, parse_limits, parse_vary, read_uncertainty

    if samples < 1:
        raise CliError(f"--samples must be a positive integer (got {samples})")
    if seed < 0:
        raise CliError(f"--seed must be a non-negative integer (got {seed})")
    if chunk_size is not None and chunk_size < 1:
        raise CliError(f"--chunk-size must be a positive integer (got {chunk_size})")
    if plot_path is not None:
        folder = plot_path.parent if str(plot_path.parent) else Path(".")
        if not folder.is_dir():
            raise CliError(f"--plot folder must exist (got {str(folder)!r})")
    table = _load_table(data_path, models_path, year, counting, snapshot, grouping, by, directions)
    # a weighting analysis needs several metrics: default to the equal-weight composite
    method_name = method_name or ("equal-weights" if data_path is not None else "equal-core")
    method = _resolve_method(method_name, table, data_given=data_path is not None, weights=weights,
                             normalize=normalize, aggregate=aggregate, bounds=bounds, clip=clip,
                             reference=reference, missing=missing, methods_dirs=methods_dirs)
    prepared = method.prepare(table)
    focus_name = focus or FOCUS_DEFAULT
    if focus is None and FOCUS_DEFAULT not in prepared.contributors:
        raise CliError(f"--focus is needed: the data has no {FOCUS_DEFAULT!r} row")
    factors = parse_vary(list(vary), metrics=prepared.metric_names,
                         lens_available=data_path is None and models_path is None)
    noise = None
    if uncertainty_path is not None or poisson:
        cells = read_uncertainty(uncertainty_path, prepared.contributors, prepared.metric_names) \
            if uncertainty_path is not None else ()
        noise = DataNoise(cells=cells, poisson=poisson, source=str(uncertainty_path) if uncertainty_path else None)

    def loader(overrides: dict[str, Any]) -> Any:
        years = overrides.get("years")
        return _load_table(None, None,
                           f"{years[0]}-{years[1]}" if years else year,
                           overrides.get("counting", counting), overrides.get("snapshot", snapshot),
                           grouping, by, directions)

    progress = _Progress(enabled=fmt != "json" and sys.stderr.isatty())
    result = sensitivity(
        method, table, focus=focus_name, samples=samples, seed=seed, sampler=sampler,
        concentration=concentration, limits=parse_limits(limits, prepared.metric_names), factors=factors,
        noise=noise, chunk_size=chunk_size, log_runs=str(log_runs) if log_runs else None,
        progress=progress, sobol=sobol, sobol_samples=sobol_samples, pairwise_top=top, loader=loader,
    )
    progress.finish()
    if log_runs is not None:
        click.echo(f"wrote {log_runs}", err=True)
    if plot_path is not None:
        from rankings.report import plots

        for written in plots.sensitivity_figures(result, plot_path):
            click.echo(f"wrote {written}", err=True)
    if fmt == "json":
        payload = result.to_dict()
        payload["data"] = {"label": table.label, "lens": dict(table.lens)}
        _write(json.dumps(payload, indent=2), output)
        return
    _write(_table_text(result, table, top), output)


def _table_text(result: Any, table: Any, top: int) -> str:
    f = result.focus_index
    n = len(result.contributors)
    m = result.method
    how = f"{m['normalization']} + {m['aggregation']}" if m["normalization"] else "own score function"
    w = result.factors["weights"]
    varied = [f"weights ({w['sampler']}" + (f", kappa={w['concentration']:g}" if w["sampler"] == "concentrated"
                                               else "") + (", limits" if w.get("limits") else "") + ")"]
    varied += [f"{c['factor']} in {{{', '.join(c['levels'])}}}" for c in result.factors["choices"]]
    if result.factors["data_noise"]:
        dn = result.factors["data_noise"]
        varied.append("data noise (" + ", ".join(x for x in (
            f"{dn['cells']} cells from {dn['uncertainty_file']}" if dn["uncertainty_file"] else "",
            "Poisson counts" if dn["poisson_counts"] else "") if x) + ")")
    lines = [f"Methodology: {m['name']} ({how}; nominal weights "
             + ", ".join(f"{k}={v:.3g}" for k, v in m["weights"].items()) + ")",
             f"Data: {_lens_text(table)} ({n} contributors analysed)",
             f"Varied: {'; '.join(varied)}",
             f"Runs: {result.samples} (seed {result.seed})"]
    lines += [f"Note: {x}" for x in result.notes]
    order = result.order()
    shown = order[:top] + ([f] if f not in order[:top] else [])
    ranks_shown = min(n, 5)
    header = ["nominal", "contributor", "mean", "p05", "p50", "p95",
              *[f"P(r={r})" for r in range(1, ranks_shown + 1)], "|shift|"]
    rows = []
    for i in shown:
        rows.append([str(int(result.nominal_ranks[i])), result.contributors[i], f"{result.mean_rank[i]:.2f}",
                     *[str(int(x)) for x in result.bands[i]],
                     *[f"{result.acceptability[i, r]:.3f}" for r in range(ranks_shown)],
                     f"{result.rank_shift[i]:.2f}"])
    lines.append(_render(header, rows, [i == f for i in shown]))
    name = result.focus
    dist = result.acceptability[f]
    se = result.acceptability_se[f]
    likely = [r for r in range(n) if dist[r] >= 0.005]
    lines.append("")
    lines.append(f"Focus: {name} is ranked {int(result.nominal_ranks[f])} nominally; "
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
            lines.append(f"  {c}: P(first) {p1:.3f}; " + ", ".join(
                f"{k}={v:.3f}" for k, v in zip(result.metrics, wv))
                + f"; confidence {_num(result.confidence.get(c))}")
        lines.append(f"  ({result.confidence_note})")
    if result.sobol is not None:
        s = result.sobol
        lines.append(f"Sobol' indices ({s['runs']} runs, base {s['base_samples']}; 95% bootstrap intervals):")
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
    return "\n".join(lines)


COMMANDS = [sensitivity_command]
