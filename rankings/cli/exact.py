"""Commands for the exact weight analyses: ``sweep``, ``bounds``, ``tipping``, ``winners``.

Each parses the shared data and methodology options, makes one call into
:mod:`rankings.sensitivity.exact` and formats the result; :mod:`rankings.cli.main`
registers :data:`COMMANDS` with a ``--manifest`` option each.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
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
    CLUSTER_OPTIONS,
    DataOptions,
    MethodOptions,
    OutputOptions,
    data_options,
    method_options,
    output_options,
)
from rankings.cli.progress import Bar, status

DEFAULT_METHOD = "equal-core"


def _common(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every exact command takes: methodology, data, focus, output."""
    func = output_options(format_first=False)(func)
    func = click.option("--focus", default=None,
                        help=f"Contributor whose rank is analysed [{FOCUS_DEFAULT} on the default dataset].")(func)
    func = data_options(func)
    return method_options(f"Methodology name [{DEFAULT_METHOD}; equal-weights with --data].")(func)


def _limits_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--limits", default=None,
                        help="Per-metric weight limits as fractions of the total, e.g. "
                             "--limits venue_papers=0.1:0.4,notable_models=0:0.5.")(func)


def _sampling_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--samples``/``--seed`` of the sampled path (non-linear aggregations) and where it runs (``--workers``)."""
    inner = func

    @functools.wraps(inner)
    def on_cluster(*args: Any, workers: int | None, scheduler: str | None, scheduler_timeout: float,
                   **kwargs: Any) -> Any:
        from rankings.cli.cluster import cluster_engine

        with cluster_engine(workers, scheduler, scheduler_timeout):  # sampled weights are scored there
            return inner(*args, **kwargs)

    func = on_cluster
    for option in reversed(CLUSTER_OPTIONS):
        func = option(func)
    func = click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
                        help="Seed of the weight sample (used only for non-linear aggregations).")(func)
    func = click.option("--samples", type=click.IntRange(min=1), default=20_000, show_default=True,
                        help="Weight vectors sampled for non-linear aggregations.")(func)
    return func


def _prepare(method: MethodOptions, data: DataOptions) -> tuple[Any, Any]:
    """The table and the methodology (default: the equal-weight composite, since one metric has nothing to weigh)."""
    table = data.load()
    name = method.name or ("equal-weights" if data.given else DEFAULT_METHOD)
    return table, method.resolve(table, data_given=data.given, name=name)


def _limits(text: str | None) -> dict[str, tuple[float, float]] | None:
    from rankings.sensitivity.exact import parse_limits

    return parse_limits(text) if text else None


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _weights_row(weights: Mapping[str, float], metrics: list[str]) -> list[str]:
    return [_num(round(weights[m], 4)) for m in metrics]


def _emit(result: Any, out: OutputOptions, text: Callable[[], str]) -> None:
    fmt = _output_format(out.fmt, out.output, ("table", "json"))
    _write(json.dumps(result.to_dict(), indent=2) if fmt == "json" else text(), out.output)


# ---------------------------------------------------------------------------------------
# sweep
# ---------------------------------------------------------------------------------------

@click.command("sweep")
@click.option("--metric", default=None, help="Sweep only this metric (default: every metric read).")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also save the rank-against-weight steps with their breakpoints (.png or .svg).")
@_common
@cli_errors
def sweep_command(metric: str | None, plot_path: Path | None, method: MethodOptions, data: DataOptions, focus: str | None,
                  out: OutputOptions) -> None:
    """Rank of the focus as one weight goes from 0 to 1 (others rescaled in proportion).

    Exact breakpoints for aggregations linear in the weights; a 1001-point grid otherwise.

    \b
    Examples:
      rankings sweep
      rankings sweep --metric notable_models --focus DeepSeek --format json
      rankings sweep --plot alibaba-sweep.png
    """
    from rankings.sensitivity.exact import sweep

    if plot_path is not None:
        from rankings.report import plots

        plots.check_plot_path(plot_path)
    table, methodology = _prepare(method, data)
    name, _ = choose_focus(methodology, table, focus, needed_by="sweep")
    result = sweep(methodology, table, name, metric=metric)
    if plot_path is not None:
        plots.sweep_steps(result, plot_path)
        click.echo(f"wrote {plot_path}", err=True)

    def text() -> str:
        points_shown = False
        lines = [f"Sweep of {term_text(result.focus)}'s rank under {result.methodology} "
                 f"({result.n_contributors} contributors): {result.note}",
                 f"Data: {_lens_text(table)}",
                 "Each weight goes from 0 to 1; the other weights keep their proportions."]
        for c in result.curves:
            lines.append("")
            lines.append(f"{term_text(c.metric)}: base weight {_num(c.base_weight)}, rank {c.base_rank}; stable for weight in "
                         f"[{_num(c.stability[0])}, {_num(c.stability[1])}]; ranks {c.best_rank}-{c.worst_rank} "
                         f"over 0..1")
            rows: list[list[Any]] = []
            marks: list[bool] = []
            for a, b, r in c.intervals:
                if b - a < POINT_WIDTH:
                    # a sliver left by rivals that tie the focus exactly at this weight
                    label = f"at {_num(round((a + b) / 2, 4))}"
                    if rows and rows[-1][0] == label:
                        rows[-1][2] = r
                    else:
                        rows.append([label, "", r])
                        marks.append(False)
                    points_shown = True
                    continue
                rows.append([_num(a), _num(b), r])
                marks.append(a <= c.base_weight <= b)
            lines.append(_render(["from", "to", "rank"], rows, marks, align_left=()))
        if points_shown:
            lines.append("")
            lines.append("'at' rows: the rank at exactly that weight, where some rivals tie the focus.")
        return fit_lines(lines)

    _emit(result, out, text)


POINT_WIDTH = 1e-6
"""Sweep intervals narrower than this are shown as a single weight ('at ...')."""

_time_limit_option = click.option("--time-limit", type=click.FloatRange(min=0.1), default=60.0,
                                  show_default=True, help="Seconds allowed per MILP.")

# ---------------------------------------------------------------------------------------
# bounds
# ---------------------------------------------------------------------------------------

@click.command("bounds")
@_limits_option
@click.option("--all", "every", is_flag=True, default=False,
              help="Every contributor's best and worst rank in one table (no focus needed).")
@_sampling_options
@_time_limit_option
@_common
@cli_errors
def bounds_command(limits: str | None, every: bool, samples: int, seed: int, time_limit: float,
                   method: MethodOptions, data: DataOptions, focus: str | None, out: OutputOptions) -> None:
    """Best and worst rank the focus can reach under any weights, with witness weights.

    Exact (MILP, HiGHS) for aggregations linear in the weights; sampled otherwise.

    \b
    Examples:
      rankings bounds
      rankings bounds --limits notable_models=0.1:0.5,venue_papers=0.1:0.5 --format json
      rankings bounds --all --data matrix.csv
      rankings bounds --method topsis-core --samples 1000000 --workers 4   # sampled weights on Dask
    """
    from rankings.sensitivity.exact import rank_bounds

    table, methodology = _prepare(method, data)
    if every:
        _bounds_of_every_row(methodology, table, limits, samples, seed, time_limit, out)
        return
    name, chosen = choose_focus(methodology, table, focus)
    with status(f"rank bounds of {term_text(name)}: solving"):
        result = rank_bounds(methodology, table, name, limits=_limits(limits), samples=samples, seed=seed,
                             time_limit=time_limit)

    def text() -> str:
        metrics = list(result.best.weights)
        where = f" within limits {limits}" if limits else ""
        lines = [f"Rank bounds of {term_text(result.focus)} under {result.methodology}{where} "
                 f"({result.n_contributors} contributors; rank {result.base_rank} with the methodology's weights)",
                 _render(["bound", "rank", *metrics],
                         [["best", result.best.rank, *_weights_row(result.best.weights, metrics)],
                          ["worst", result.worst.rank, *_weights_row(result.worst.weights, metrics)]],
                         align_left=(0,)),
                 f"Solver: {result.solver}; proven optimal: {_yes(result.proven_optimal)}; exact: {_yes(result.exact)}",
                 "Witness weights are re-ranked through 'rankings rank' before being reported."]
        lines += [f"Note: {n}" for n in result.notes]
        if chosen:
            lines.append(f"Note: {chosen}")
        return fit_lines(lines)

    _emit(result, out, text)


def _bounds_of_every_row(methodology: Any, table: Any, limits: str | None, samples: int, seed: int,
                         time_limit: float, out: OutputOptions) -> None:
    """``bounds --all``: every ranked contributor's best and worst rank, one row each (no focus needed)."""
    from rankings.sensitivity.exact import rank_bounds

    nominal = methodology.evaluate(table)
    results = []
    with Bar("rank bounds") as bar:
        bar.begin(len(nominal.order()))
        for k, i in enumerate(nominal.order()):
            results.append(rank_bounds(methodology, table, nominal.table.contributors[i], limits=_limits(limits),
                                       samples=samples, seed=seed, time_limit=time_limit))
            bar(k + 1, len(nominal.order()))
    fmt = _output_format(out.fmt, out.output, ("table", "json"))
    if fmt == "json":
        _write(json.dumps({"analysis": "bounds", "methodology": methodology.name, "limits": limits,
                           "contributors": [r.to_dict() for r in results]}, indent=2), out.output)
        return
    exact = all(r.exact for r in results)
    proven = all(r.proven_optimal for r in results)
    rows = [[r.focus, r.base_rank, r.best.rank, r.worst.rank] for r in results]
    lines = [f"Rank bounds of every contributor under {methodology.name}"
             + (f" within limits {limits}" if limits else "") + f" ({len(results)} contributors)",
             f"Data: {_lens_text(table)}",
             _render(["contributor", "rank", "best", "worst"], rows, align_left=(0,)),
             f"Solver: {results[0].solver if results else '-'}; proven optimal: {_yes(proven)}; exact: {_yes(exact)}",
             "Witness weights for each row: --format json."]
    _write(fit_lines(lines), out.output)


# ---------------------------------------------------------------------------------------
# tipping
# ---------------------------------------------------------------------------------------

@click.command("tipping")
@click.option("--target", type=click.IntRange(min=1), default=None, help="Target rank.")
@click.option("--up", type=click.IntRange(min=1), default=None, help="Move up this many places [1].")
@click.option("--down", type=click.IntRange(min=1), default=None, help="Move down this many places.")
@click.option("--norm", type=click.Choice(["l1", "linf"]), default="l1", show_default=True,
              help="Distance between weight vectors: sum of changes (l1) or largest change (linf).")
@_limits_option
@_sampling_options
@_time_limit_option
@_common
@cli_errors
def tipping_command(target: int | None, up: int | None, down: int | None, norm: str, limits: str | None,
                    samples: int, seed: int, time_limit: float, method: MethodOptions, data: DataOptions,
                    focus: str | None, out: OutputOptions) -> None:
    """Smallest change of the weights that moves the focus to a target rank.

    \b
    Examples:
      rankings tipping                       # one place up, L1 distance
      rankings tipping --down 3 --norm linf
      rankings tipping --target 3 --format json
      rankings tipping --method topsis-core --samples 1000000 --workers 4  # sampled weights on Dask
    """
    from rankings.sensitivity.exact import tipping_point

    if sum(x is not None for x in (target, up, down)) > 1:
        raise CliError("give one of --target, --up or --down (got more than one)")
    table, methodology = _prepare(method, data)
    name, _ = choose_focus(methodology, table, focus, needed_by="tipping")
    with status(f"tipping point of {term_text(name)}: solving"):
        result = tipping_point(methodology, table, name, target=target, up=up, down=down, norm=norm,
                               limits=_limits(limits), samples=samples, seed=seed, time_limit=time_limit)

    def text() -> str:
        r = result
        label = "sum of absolute changes (L1)" if r.norm == "l1" else "largest single change (L-infinity)"
        goal = f"rank {r.target} or better" if r.direction == "up" else f"rank {r.target} or worse"
        lines = [f"Smallest weight change moving {term_text(r.focus)} from rank {r.base_rank} to {goal} under {r.methodology}: "
                 f"{label} = {_num(round(r.distance, 6))}; reached rank {r.reached_rank}",
                 _render(["metric", "base", "new", "change"],
                         [[m, _num(round(r.base_weights[m], 4)), _num(round(r.weights[m], 4)),
                           ("+" if r.weights[m] - r.base_weights[m] > 0 else "")
                           + _num(round(r.weights[m] - r.base_weights[m], 4))] for m in r.weights],
                         align_left=(0,)),
                 f"Passes: {', '.join(map(term_text, r.passes)) or 'nobody'}",
                 f"Falls behind: {', '.join(map(term_text, r.falls_behind)) or 'nobody'}",
                 f"Solver: {r.solver}; proven optimal: {_yes(r.proven_optimal)}; exact: {_yes(r.exact)}"]
        return fit_lines(lines)

    _emit(result, out, text)


# ---------------------------------------------------------------------------------------
# winners
# ---------------------------------------------------------------------------------------

@click.command("winners")
@_limits_option
@_sampling_options
@_common
@cli_errors
def winners_command(limits: str | None, samples: int, seed: int, method: MethodOptions, data: DataOptions,
                    focus: str | None, out: OutputOptions) -> None:
    """Who can be ranked first under some weights, and which metric subsets put the focus first.

    \b
    Examples:
      rankings winners
      rankings winners --focus OpenAI --format json
    """
    from rankings.sensitivity.exact import winners

    table, methodology = _prepare(method, data)
    name, chosen = choose_focus(methodology, table, focus)
    with status("who can be first: solving one LP per contributor"):
        result = winners(methodology, table, name, limits=_limits(limits), samples=samples, seed=seed)

    def text() -> str:
        r = result
        metrics = list(next(iter(r.winners.values()))) if r.winners else []
        lines = [f"Contributors that can be ranked first under {r.methodology} "
                 f"({len(r.winners)} of {r.n_contributors}; {r.solver}), with weights that do it:",
                 _render(["contributor", *metrics],
                         [[name, *_weights_row(w, metrics)] for name, w in r.winners.items()],
                         [name == r.focus for name in r.winners], align_left=(0,))]
        if r.focus_can_win:
            subsets = r.minimal_subsets()
            always = [s.metrics for s in r.focus_subsets if s.always_first]
            lines.append(f"{term_text(r.focus)} can be first. Smallest metric sets that can put it first (other weights 0): "
                         + "; ".join("+".join(map(term_text, s)) for s in subsets))
            if always:
                lines.append("First under every weighting of: " + "; ".join("+".join(s) for s in always))
        else:
            lines.append(f"{term_text(r.focus)} cannot be ranked first under any weighting"
                         f"{' within the limits' if r.limits else ''}, nor on any subset of metrics.")
        lines += [f"Note: {n}" for n in r.notes]
        if chosen:
            lines.append(f"Note: {chosen}")
        return fit_lines(lines)

    _emit(result, out, text)


COMMANDS = [sweep_command, bounds_command, tipping_command, winners_command]
