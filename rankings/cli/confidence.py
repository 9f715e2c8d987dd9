"""``rankings confidence``: rank confidence sets from a bootstrap of the records (is "#3" significant?).

A thin layer: parse the options, call :func:`rankings.sensitivity.confidence.rank_confidence`
once, format the result. Registered in :mod:`rankings.cli.main` through :data:`COMMANDS`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import click

from rankings.cli.common import (
    FOCUS_DEFAULT,
    CliError,
    _lens_text,
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

if TYPE_CHECKING:
    from rankings.sensitivity.confidence import RankConfidence


@click.command("confidence")
@method_options("Methodology name (see 'rankings methods') [ai-index].")
@data_options
@click.option("--focus", default=None, help=f"Contributor of the marginal set and the top-k answer [{FOCUS_DEFAULT}].")
@click.option("--level", type=str, default="0.95", show_default=True, help="Confidence level, in (0, 1).")
@click.option("--samples", type=int, default=1000, show_default=True, help="Bootstrap resamples of the records.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the resamples.")
@click.option("--chunk-size", type=int, default=None, help="Resamples scored per chunk (the result does not change).")
@click.option("--resample", "resample", multiple=True, type=click.Choice(["models", "papers"]),
              help="Records resampled (repeatable) [models].")
@click.option("--top-k", type=click.IntRange(min=1), default=3, show_default=True,
              help="The k of the top-k answers.")
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="Rows shown (the focus is always shown), each with its marginal set.")
@CLUSTER_OPTIONS[0]
@CLUSTER_OPTIONS[1]
@CLUSTER_OPTIONS[2]
@output_options()
@cli_errors
def confidence_command(method: MethodOptions, data: DataOptions, focus: str | None, level: str, samples: int,
                       seed: int, chunk_size: int | None, resample: tuple[str, ...], top_k: int, top: int,
                       workers: int | None, scheduler: str | None, scheduler_timeout: float,
                       out: OutputOptions) -> None:
    """Rank confidence sets: where each contributor's true rank lies, at a stated level.

    Bootstraps the records behind the table (notable models by default), scores every
    resample with the methodology's own weights, and gives each contributor a set of
    ranks that holds with the stated level: marginal (one contributor) and simultaneous
    (all at once), after Mogstad, Romano, Shaikh and Wilhelm (2024, Review of Economic
    Studies 91(1)); and the top-k answer: is the focus surely among the top k?

    \b
    Examples:
      rankings confidence
      rankings confidence --level 0.9 --top-k 5
      rankings confidence --method equal-core --resample models --resample papers --format json
      rankings confidence --samples 100000 --workers 4    # the bootstrap on a local Dask cluster
    """
    from rankings.cli.cluster import cluster_engine
    from rankings.sensitivity.confidence import check_level, rank_confidence

    try:
        value = float(level)
    except ValueError:
        raise CliError(f"--level must be a number between 0 and 1 (got {level!r})") from None
    check_level(value)
    if samples < 10:
        raise CliError(f"--samples must be an integer of at least 10 (got {samples})")
    if seed < 0:
        raise CliError(f"--seed must be a non-negative integer (got {seed})")
    if chunk_size is not None and chunk_size < 1:
        raise CliError(f"--chunk-size must be a positive integer (got {chunk_size})")
    kinds = tuple(resample) or ("models",)
    if data.given:
        raise CliError(f"rankings confidence resamples the records behind the table ({kinds[0]}): use the "
                       f"default dataset or give model records with --models FILE (got --data {data.data_path})")
    table = data.load()
    methodology = method.resolve(table, data_given=False, name=method.name or "ai-index")
    focus_name, chosen = choose_focus(methodology, table, focus)
    with cluster_engine(workers, scheduler, scheduler_timeout):  # the bootstrap's resamples are scored there
        result = rank_confidence(methodology, table, focus=focus_name, level=value, runs=samples, seed=seed,
                                 resample=kinds, top_k=top_k, marginal_for=top, chunk_size=chunk_size,
                                 models_path=str(data.models_path) if data.models_path else None)
    if _output_format(out.fmt, out.output, ("table", "json")) == "json":
        payload = result.to_dict()
        payload["data"] = {"label": table.label, "lens": dict(table.lens)}
        if chosen:
            payload["notes"] = [*payload["notes"], chosen]
        _write(json.dumps(payload, indent=2), out.output)
        return
    _write(_text(result, table, top, chosen), out.output)


def _text(result: RankConfidence, table: Any, top: int, chosen: str | None) -> str:
    r = result
    pct = f"{100 * r.level:g}%"
    lines = [f"Methodology: {r.scoring['methodology']} (its own weights)",
             f"Data: {_lens_text(table)} ({len(r.contributors)} contributors)",
             f"Method: {r.method}; {r.runs} bootstrap runs (seed {r.seed}): {r.resample}"]
    lines += [f"Note: {x}" for x in [*r.notes, *([chosen] if chosen else [])]]
    f = r.focus_index
    order = sorted(range(len(r.contributors)), key=lambda i: (r.ranks[i], r.contributors[i]))
    shown = order[:top] + ([f] if f not in order[:top] else [])
    rows = []
    for i in shown:
        name = r.contributors[i]
        marg = r.marginal.get(name)
        rows.append([str(int(r.ranks[i])), name, f"{r.scores[i]:.4g}",
                     f"{marg[0]}-{marg[1]}" if marg else "-",
                     f"{int(r.simultaneous[i, 0])}-{int(r.simultaneous[i, 1])}"])
    lines.append(_render(["rank", "contributor", "score", f"{pct} marginal", f"{pct} simultaneous"], rows,
                         [i == f for i in shown]))
    k = r.top_k
    ft = r.focus_top
    answer = {"yes": "yes, surely", "no": "no, surely not", "undecided": "cannot say"}[ft["answer"]]
    lines.append("")
    lines.append(f"Top {k} at {pct}: is {term_text(r.focus)} in the top {k}? {answer} "
                 f"(one-sided marginal sets: rank >= {ft['rank_at_least']}, rank <= {ft['rank_at_most']})")
    may = r.may_be_top
    lines.append(f"  surely in the top {k}: " + (", ".join(r.surely_top) or "none"))
    lines.append(f"  may be in the top {k}: {len(may)} contributor(s)"
                 + (": " + ", ".join(may) if len(may) <= 12 else f", from {may[0]} to {may[-1]}"))
    lines.append(r.sentence())
    return fit_lines(lines)


COMMANDS = [confidence_command]
