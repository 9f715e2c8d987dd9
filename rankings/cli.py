"""The ``rankings`` command line: a thin click layer over the library.

Each command parses its options, makes one library call and formats the result.
Every :class:`~rankings.errors.RankingsError` becomes a one-line message and exit
code 2, in one place (:class:`_Group`).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import click

from rankings._cli_common import (
    FOCUS_DEFAULT,
    CliError,
    _data_options,
    _format_option,
    _Group,
    _lens_text,
    _load_table,
    _method_options,
    _num,
    _output_format,
    _render,
    _resolve_method,
    _write,
    _write_parquet,
    add_manifest,
    replayable,
)
from rankings.errors import RankingsError

TABLE_ROWS = 25
"""Rows a table shows by default when there are many contributors."""

# ---------------------------------------------------------------------------------------
# commands
# ---------------------------------------------------------------------------------------

@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="rankings", message="rankings %(version)s")
def main() -> None:
    """Explore how a league table of AI contributors depends on its methodology.

    \b
    Start here:
      rankings rank                      # AI Index method: notable models, 2025
      rankings compare                   # every built-in methodology side by side
      rankings rank --method equal-core --weights notable_models=1,frontier_eci=1
      rankings explain Alibaba --vs Google --method equal-core
    """


@main.command("methods")
@_format_option()
@click.option("--methods-dir", "methods_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Also load TOML methodologies from this folder (repeatable).")
def methods_command(fmt: str, methods_dirs: tuple[Path, ...]) -> None:
    """List the registered methodologies.

    \b
    Example:
      rankings methods --format json
    """
    from rankings.registry import default_registry

    registry = default_registry(methods_dirs)
    if fmt == "json":
        click.echo(json.dumps([m.to_dict() for m in registry], indent=2))
        return
    rows = []
    for m in registry:
        how = f"{m.normalize} + {m.aggregate}" if m.declarative else "own score function"
        metrics = "all metrics" if m.weights is None else ", ".join(m.weights)
        rows.append([m.name, how, metrics, m.description])
    click.echo(_render(["name", "method", "metrics", "description"], rows, align_left=(0, 1, 2, 3)))


@main.command("show")
@click.argument("name")
@_format_option()
@click.option("--methods-dir", "methods_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Also load TOML methodologies from this folder (repeatable).")
def show_command(name: str, fmt: str, methods_dirs: tuple[Path, ...]) -> None:
    """Show one methodology: weights, method, invariants, references.

    \b
    Example:
      rankings show equal-core
    """
    from rankings.methodology import INVARIANTS
    from rankings.registry import default_registry

    m = default_registry(methods_dirs).get(name)
    if fmt == "json":
        click.echo(json.dumps(m.to_dict(), indent=2))
        return
    lines = [f"{m.name}: {m.description}", f"  source:       {m.source}"]
    if m.declarative:
        lines.append(f"  normalise:    {m.normalize}")
        lines.append(f"  aggregate:    {m.aggregate}")
        if m.parameters:
            lines.append("  parameters:   " + ", ".join(f"{k}={v}" for k, v in m.parameters.items()))
    else:
        lines.append("  scoring:      own score function" + (" (vectorised)" if m.score_batch else ""))
    lines.append(f"  missing:      {m.missing}")
    if m.weights is None:
        lines.append("  weights:      every metric of the table, equally")
    else:
        total = sum(m.weights.values())
        lines.append("  weights:      " + ", ".join(f"{k}={v / total:.4g}" for k, v in m.weights.items()))
    lines.append("  invariants:   " + ", ".join(i for i in INVARIANTS if i in m.invariants))
    lines.append("  not claimed:  " + (", ".join(i for i in INVARIANTS if i not in m.invariants) or "none"))
    for ref in m.references:
        lines.append(f"  reference:    {ref}")
    click.echo("\n".join(lines))


def _rank_rows(result: Any, focus_index: int | None, top: int | None) -> tuple[list[int], list[bool]]:
    order = result.order()
    shown = order if top is None else order[:top]
    if focus_index is not None and focus_index not in shown:
        shown = shown + [focus_index]
    return shown, [i == focus_index for i in shown]


def _focus_index(table: Any, focus: str | None) -> int | None:
    if focus is None:
        return table.contributor_index(FOCUS_DEFAULT) if FOCUS_DEFAULT in table.contributors else None
    return table.contributor_index(focus)


@main.command("rank")
@replayable
@click.option("--method", "method_name", default=None,
              help="Methodology name (see 'rankings methods') [ai-index; equal-weights with --data].")
@_method_options
@_data_options
@click.option("--ties", type=click.Choice(["competition", "dense", "average"]), default="competition",
              show_default=True, help="Tie rule: competition 1224, dense 1223, average 1 2.5 2.5 4.")
@click.option("--focus", default=None, help=f"Contributor to highlight [{FOCUS_DEFAULT}].")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the first N rows (and the focus).")
@_format_option(("table", "csv", "json", "parquet"))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file (whole or not at all) instead of printing; a .csv, .json or .parquet "
                   "suffix picks the format.")
def rank_command(method_name: str | None, weights: str | None, normalize: str | None, aggregate: str | None,
                 bounds: str | None, clip: bool | None, reference: str | None, missing: str | None,
                 methods_dirs: tuple[Path, ...], data_path: Path | None, models_path: Path | None, year: str | None,
                 counting: str | None, snapshot: str | None, grouping: str | None, by: str | None,
                 directions: str | None, ties: str, focus: str | None, top: int | None, fmt: str,
                 output: Path | None) -> None:
    """Rank contributors under a methodology or a what-if.

    \b
    Examples:
      rankings rank
      rankings rank --method equal-core --top 10
      rankings rank --method equal-core --weights notable_models=0.7,frontier_eci=0.3
      rankings rank --counting fractional --year 2024 --format json
      rankings rank --data matrix.csv --aggregate topsis --normalize vector --direction cost=min
    """
    fmt = _output_format(fmt, output, ("table", "csv", "json", "parquet"))
    table = _load_table(data_path, models_path, year, counting, snapshot, grouping, by, directions)
    method = _resolve_method(method_name, table, data_given=data_path is not None, weights=weights,
                             normalize=normalize, aggregate=aggregate, bounds=bounds, clip=clip,
                             reference=reference, missing=missing, methods_dirs=methods_dirs)
    result = method.evaluate(table, ties=ties)
    focus_index = _focus_index(result.table, focus) if (focus or FOCUS_DEFAULT in result.table.contributors) else None
    if focus is not None and focus_index is None:
        result.table.contributor_index(focus)
    if fmt == "json":
        payload = result.to_dict()
        if top is not None:
            payload["ranking"] = payload["ranking"][:top]
        if focus_index is not None:
            name = result.table.contributors[focus_index]
            payload["focus"] = {"contributor": name, "rank": result.rank_of(name),
                                "score": float(result.scores[focus_index])}
        _write(json.dumps(payload, indent=2), output)
        return
    default_cut = top is None and fmt == "table" and result.table.n_contributors > TABLE_ROWS + 10
    shown, marks = _rank_rows(result, focus_index, TABLE_ROWS if default_cut else top)
    metrics = list(result.table.metric_names)
    if fmt == "parquet":
        frame = result.to_frame().reset_index()
        _write_parquet(frame.iloc[: len(shown)] if top is not None else frame, output)
        return
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["rank", "contributor", "score", *metrics])
        for i in shown:
            writer.writerow([_num(result.ranks[i]), result.table.contributors[i],
                             repr(float(result.scores[i])),
                             *["" if math.isnan(v) else repr(float(v)) for v in result.table.values[i]]])
        _write(buffer.getvalue(), output)
        return
    header = ["rank", "contributor", "score", *metrics]
    rows = [[_num(result.ranks[i]), result.table.contributors[i], _num(result.scores[i]),
             *[_num(v) for v in result.table.values[i]]] for i in shown]
    how = f"{method.normalize} + {method.aggregate}" if method.declarative else "own score function"
    weights_text = ", ".join(f"{k}={v:.3g}" for k, v in result.weights.items())
    lines = [f"Methodology: {method.name} ({how}; weights {weights_text})",
             f"Data: {_lens_text(result.table)} ({result.table.n_contributors} contributors)"]
    lines += [f"Note: {n}" for n in result.notes]
    lines.append(_render(header, rows, marks))
    if default_cut:
        hidden = result.table.n_contributors - len(shown)
        lines.append(f"   ... {hidden} more rows (--top N to choose, --format csv for all)")
    if focus_index is not None:
        name = result.table.contributors[focus_index]
        lines.append(f"Focus: {name} is ranked {_num(result.ranks[focus_index])} of {result.table.n_contributors}.")
    _write("\n".join(lines), output)


@main.command("compare")
@replayable
@click.argument("methods", nargs=-1)
@_method_options
@_data_options
@click.option("--focus", default=None, help=f"Contributor to highlight [{FOCUS_DEFAULT}].")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the first N rows (and the focus).")
@_format_option(("table", "csv", "json", "parquet"))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file; a .csv, .json or .parquet suffix picks the format.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also save a bump chart of ranks across methodologies (.png or .svg).")
def compare_command(methods: tuple[str, ...], weights: str | None, normalize: str | None, aggregate: str | None,
                    bounds: str | None, clip: bool | None, reference: str | None, missing: str | None,
                    methods_dirs: tuple[Path, ...], data_path: Path | None, models_path: Path | None,
                    year: str | None, counting: str | None, snapshot: str | None, grouping: str | None,
                    by: str | None, directions: str | None, focus: str | None, top: int | None, fmt: str,
                    output: Path | None, plot_path: Path | None) -> None:
    """Rank under several methodologies side by side, with rank shifts and Kendall tau.

    With no names, every registered methodology that can read the data is compared.
    Shifts are measured against the first methodology (positive = moved up).

    \b
    Examples:
      rankings compare
      rankings compare ai-index equal-core topsis-core --top 10
    """
    from rankings.explain import compare
    from rankings.registry import default_registry

    fmt = _output_format(fmt, output, ("table", "csv", "json", "parquet"))
    table = _load_table(data_path, models_path, year, counting, snapshot, grouping, by, directions)
    names = list(methods)
    skipped: list[str] = []
    if not names:
        for m in default_registry(methods_dirs):
            if m.weights is None or all(k in table.metric_names for k in m.weights):
                names.append(m.name)
            else:
                skipped.append(f"{m.name} (reads metrics the data does not have)")
    results = []
    for name in names:
        method = _resolve_method(name, table, data_given=data_path is not None, weights=weights,
                                 normalize=normalize, aggregate=aggregate, bounds=bounds, clip=clip,
                                 reference=reference, missing=missing, methods_dirs=methods_dirs)
        try:
            results.append(method.evaluate(table))
        except RankingsError as exc:
            if methods:  # named explicitly: the user wants to know
                raise
            skipped.append(f"{name} ({exc})")
    if not results:
        raise CliError("no methodology could rank this data: " + "; ".join(skipped))
    comparison = compare(results)
    focus_name = None
    if focus is not None:
        focus_name = table.contributors[table.contributor_index(focus)]
    elif FOCUS_DEFAULT in table.contributors:
        focus_name = FOCUS_DEFAULT
    if plot_path is not None:
        from rankings.report import plots

        plots.check_plot_path(plot_path)
        plots.bump_chart(comparison, plot_path, focus=focus_name, top=top or 12)
        click.echo(f"wrote {plot_path}", err=True)
    if fmt in ("csv", "parquet"):
        frame = comparison.to_frame().reset_index()
        if fmt == "parquet":
            _write_parquet(frame, output)
        else:
            _write(frame.to_csv(index=False), output)
        return
    if fmt == "json":
        payload = comparison.to_dict()
        payload["focus"] = focus_name
        payload["skipped"] = skipped
        _write(json.dumps(payload, indent=2), output)
        return
    focus_row = comparison.contributors.index(focus_name) if focus_name in comparison.contributors else None
    order = list(range(len(comparison.contributors)))
    shown = order if top is None else order[:top]
    if focus_row is not None and focus_row not in shown:
        shown.append(focus_row)
    shifts = comparison.shifts()
    header = ["contributor", *comparison.methodologies]
    rows = []
    for i in shown:
        cells = [comparison.contributors[i]]
        for k in range(len(comparison.methodologies)):
            cell = _num(comparison.ranks[i, k])
            if k > 0 and not math.isnan(shifts[i, k]) and shifts[i, k] != 0:
                cell += f" ({'+' if shifts[i, k] > 0 else ''}{_num(shifts[i, k])})"
            cells.append(cell)
        rows.append(cells)
    lines = [f"Data: {_lens_text(table)}", "Ranks (shift against the first column; + = moved up)",
             _render(header, rows, [i == focus_row for i in shown], align_left=(0,))]
    taus = [f"{b}: {comparison.kendall[0, k]:.3f}" for k, b in enumerate(comparison.methodologies) if k > 0]
    if taus:
        lines.append(f"Kendall tau-b against {comparison.methodologies[0]}: " + ", ".join(taus))
    if skipped:
        lines.append("Skipped: " + "; ".join(skipped))
    _write("\n".join(lines), output)


@main.command("explain")
@replayable
@click.argument("contributor")
@click.option("--vs", "rival", required=True, help="The rival to compare with.")
@click.option("--method", "method_name", default=None, help="Methodology name [ai-index; equal-weights with --data].")
@_method_options
@_data_options
@_format_option()
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also save a bar chart of the per-metric contributions (.png or .svg).")
def explain_command(contributor: str, rival: str, method_name: str | None, weights: str | None,
                    normalize: str | None, aggregate: str | None, bounds: str | None, clip: bool | None,
                    reference: str | None, missing: str | None, methods_dirs: tuple[Path, ...],
                    data_path: Path | None, models_path: Path | None, year: str | None, counting: str | None,
                    snapshot: str | None, grouping: str | None, by: str | None, directions: str | None,
                    fmt: str, plot_path: Path | None) -> None:
    """Explain the score gap between two contributors, metric by metric.

    \b
    Example:
      rankings explain Alibaba --vs Google --method equal-core
    """
    from rankings.explain import explain_gap

    table = _load_table(data_path, models_path, year, counting, snapshot, grouping, by, directions)
    method = _resolve_method(method_name, table, data_given=data_path is not None, weights=weights,
                             normalize=normalize, aggregate=aggregate, bounds=bounds, clip=clip,
                             reference=reference, missing=missing, methods_dirs=methods_dirs)
    result = method.evaluate(table)
    explanation = explain_gap(result, contributor, rival)
    if plot_path is not None:
        from rankings.report import plots

        plots.gap_bars(explanation, plot_path)
        click.echo(f"wrote {plot_path}", err=True)
    if fmt == "json":
        click.echo(json.dumps(explanation.to_dict(), indent=2))
        return
    e = explanation
    what = {"additive": "score gap", "log-additive": "gap in log score",
            "shapley": "score gap (Shapley split over metrics)"}[e.method]
    lines = [f"Methodology: {e.methodology}",
             f"{e.first} (rank {_num(e.first_rank)}, score {_num(e.first_score)}) vs "
             f"{e.second} (rank {_num(e.second_rank)}, score {_num(e.second_score)})",
             f"{what}: {_num(e.gap)}"]
    header = ["metric", "weight", e.first, e.second, "contribution"]
    rows = []
    for m, part in sorted(e.contributions.items(), key=lambda kv: -abs(kv[1])):
        rows.append([m, _num(e.weights[m]), _num(e.values[m][0]), _num(e.values[m][1]),
                     ("+" if part > 0 else "") + _num(part)])
    lines.append(_render(header, rows, align_left=(0,)))
    lines.append("A positive contribution favours " + e.first + "; contributions add up to the gap.")
    click.echo("\n".join(lines))


@main.command("check")
@click.argument("names", nargs=-1)
@click.option("--examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Random tables per invariant.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random tables.")
@click.option("--explore", is_flag=True, help="Also search counterexamples to the invariants not claimed.")
@click.option("--methods-dir", "methods_dirs", multiple=True, type=click.Path(path_type=Path),
              help="Also load TOML methodologies from this folder (repeatable).")
@_format_option()
def check_command(names: tuple[str, ...], examples: int, seed: int, explore: bool, methods_dirs: tuple[Path, ...],
                  fmt: str) -> None:
    """Check methodologies against the invariants they declare.

    Exit code 1 if a claimed invariant fails (the counterexample is shown).

    \b
    Examples:
      rankings check
      rankings check topsis-core --explore --examples 500
    """
    from rankings.invariants import run_checks
    from rankings.registry import default_registry

    registry = default_registry(methods_dirs)
    methods = [registry.get(n) for n in names] if names else list(registry)
    outcomes = [o for m in methods for o in run_checks(m, examples=examples, seed=seed, explore=explore)]
    failed = [o for o in outcomes if not o.ok]
    if fmt == "json":
        click.echo(json.dumps([{
            "methodology": o.methodology, "invariant": o.invariant, "claimed": o.claimed, "examples": o.examples,
            "status": "error" if o.error else ("violated" if o.violation else "held"),
            "counterexample": o.violation.describe() if o.violation else None, "error": o.error,
        } for o in outcomes], indent=2))
    else:
        rows = []
        for o in outcomes:
            if o.error:
                status = f"ERROR: {o.error}"
            elif o.violation is None:
                status = f"held on {o.examples} tables"
            elif o.claimed:
                status = f"VIOLATED: {o.violation.describe()}"
            else:
                status = f"not claimed; counterexample: {o.violation.message}"
            rows.append([o.methodology, o.invariant, "yes" if o.claimed else "no", status])
        click.echo(_render(["methodology", "invariant", "claimed", "result"], rows, align_left=(0, 1, 2, 3)))
        click.echo(f"{len(outcomes) - len(failed)} passed, {len(failed)} failed")
    if failed:
        sys.exit(1)


@main.command("ternary")
@replayable
@click.option("--metrics", "metric_names", required=True, help="Three metrics, e.g. notable_models,frontier_eci,venue_papers.")
@click.option("--method", "method_name", default="equal-core", show_default=True,
              help="Methodology whose normalisation and aggregation are used.")
@_method_options
@_data_options
@click.option("--focus", default=None, help=f"Contributor whose rank colours the map [{FOCUS_DEFAULT}].")
@click.option("--resolution", type=int, default=60, show_default=True, help="Grid steps along each side.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), required=True, help="Plot file (.png or .svg).")
def ternary_command(metric_names: str, method_name: str, weights: str | None, normalize: str | None,
                    aggregate: str | None, bounds: str | None, clip: bool | None, reference: str | None,
                    missing: str | None, methods_dirs: tuple[Path, ...], data_path: Path | None,
                    models_path: Path | None, year: str | None, counting: str | None, snapshot: str | None,
                    grouping: str | None, by: str | None, directions: str | None, focus: str | None,
                    resolution: int, plot_path: Path) -> None:
    """Map the focus's rank over the weight triangle of three metrics.

    Built-in methodologies are marked where their weights fall (projected onto the
    three metrics).

    \b
    Example:
      rankings ternary --metrics notable_models,frontier_eci,venue_papers --plot alibaba.png
    """
    from rankings.registry import default_registry
    from rankings.report import plots

    plots.check_plot_path(plot_path)
    names = [m.strip() for m in metric_names.split(",") if m.strip()]
    table = _load_table(data_path, models_path, year, counting, snapshot, grouping, by, directions)
    for name in names:
        table.metric_index(name)
    method = _resolve_method(method_name, table, data_given=data_path is not None, weights=weights,
                             normalize=normalize, aggregate=aggregate, bounds=bounds, clip=clip,
                             reference=reference, missing=missing, methods_dirs=methods_dirs)
    focus_name = table.contributors[table.contributor_index(focus or FOCUS_DEFAULT)]
    marks = {m.name: dict(m.weights) for m in default_registry(methods_dirs)
             if m.weights is not None and sum(m.weights.get(k, 0.0) for k in names) > 0}
    plots.ternary_map(method, table, names, focus_name, plot_path, resolution=resolution, marks=marks)
    click.echo(f"wrote {plot_path}")


@main.command("replay")
@click.argument("manifest", type=click.Path(path_type=Path))
def replay_command(manifest: Path) -> None:
    """Rerun a command from its --manifest and check that it prints the same bytes.

    Prints the output again; exit code 1 and a list of what differs (version, data,
    methodology definitions, output) when the replay does not match.

    \b
    Example:
      rankings sensitivity --seed 7 --manifest run.json > first.txt
      rankings replay run.json
    """
    import tempfile

    from rankings.manifest import differences, read_manifest

    recorded = read_manifest(manifest)
    with tempfile.TemporaryDirectory() as folder:
        fresh_path = Path(folder) / "replay.json"
        args = [*recorded.command.split(), "--manifest", str(fresh_path), *recorded.arguments]
        main.main(args=args, standalone_mode=False, prog_name="rankings")
        fresh = read_manifest(fresh_path)
    problems = differences(recorded, fresh)
    if problems:
        for line in problems:
            click.echo(f"replay differs: {line}", err=True)
        sys.exit(1)
    click.echo(f"replay matches {manifest}: identical output (sha256 {fresh.output_sha256[:16]})", err=True)


@main.group("data", cls=_Group)
def data_group() -> None:
    """Inspect the default dataset, its provenance, or validate your own file."""


@data_group.command("show")
@_data_options
@_format_option(("table", "csv", "json", "parquet"))
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="Write to this file; a .csv, .json or .parquet suffix picks the format.")
def data_show(data_path: Path | None, models_path: Path | None, year: str | None, counting: str | None,
              snapshot: str | None, grouping: str | None, by: str | None, directions: str | None, fmt: str,
              output: Path | None) -> None:
    """Show the contributor table under a lens.

    \b
    Examples:
      rankings data show
      rankings data show --year 2024 --counting fractional --grouping split
      rankings data show --by country --format csv
    """
    fmt = _output_format(fmt, output, ("table", "csv", "json", "parquet"))
    table = _load_table(data_path, models_path, year, counting, snapshot, grouping, by, directions)
    if fmt == "parquet":
        _write_parquet(table.to_frame().reset_index(), output)
        return
    if fmt == "json":
        payload = {"label": table.label, "lens": dict(table.lens),
                   "metrics": [s.to_dict() for s in table.metrics], "contributors": table.to_records()}
        _write(json.dumps(payload, indent=2), output)
        return
    if fmt == "csv":
        _write(table.to_frame().to_csv(), output)
        return
    header = ["contributor", *table.attributes.keys(), *table.metric_names]
    order = sorted(range(table.n_contributors), key=lambda i: table.contributors[i].casefold())
    rows = [[table.contributors[i], *[table.attributes[k][i] for k in table.attributes],
             *[_num(v) for v in table.values[i]]] for i in order]
    left = tuple(range(1 + len(table.attributes)))
    marks = [table.contributors[i] == FOCUS_DEFAULT for i in order]
    _write(f"Data: {_lens_text(table)} ({table.n_contributors} contributors; - = missing)\n"
           + _render(header, rows, marks, align_left=left), output)


@data_group.command("sources")
@click.option("--year", default=None, help="Lens year or range, e.g. 2024 [2025].")
@click.option("--snapshot", default=None, help="Epoch snapshot [2026-07].")
@_format_option()
def data_sources(year: str | None, snapshot: str | None, fmt: str) -> None:
    """Provenance of every metric of the default dataset.

    \b
    Example:
      rankings data sources --format json
    """
    from rankings.data import DEFAULT_LENS, Lens, metric_sources, parse_years

    lens = Lens(years=parse_years(year) if year else DEFAULT_LENS.years,
                        snapshot=snapshot or DEFAULT_LENS.snapshot)
    sources = metric_sources(lens)
    if fmt == "json":
        click.echo(json.dumps(sources, indent=2))
        return
    blocks = []
    for s in sources:
        lines = [f"{s['name']}{' (proxy)' if s.get('proxy') else ''}: {s.get('description', '')}"]
        for key, value in s.items():
            if key not in ("name", "description", "proxy"):
                lines.append(f"    {key}: {value}")
        blocks.append("\n".join(lines))
    click.echo("\n\n".join(blocks))
    click.echo("\nFull provenance: fixtures/PROVENANCE.md. Epoch AI data: CC BY 4.0, "
               "'Data on AI Models', epoch.ai/data/ai-models.")


@data_group.command("validate")
@click.argument("file", type=click.Path(path_type=Path))
@_format_option()
def data_validate(file: Path, fmt: str) -> None:
    """Check a contributor table or model-record file; list every problem by row and column.

    Exit code 1 if there are problems.

    \b
    Example:
      rankings data validate my_models.csv
    """
    from rankings.data import validate_file

    problems = validate_file(file)
    if fmt == "json":
        click.echo(json.dumps([{"row": p.row, "column": p.column, "message": p.message} for p in problems],
                              indent=2))
    elif not problems:
        click.echo(f"{file}: no problems found")
    else:
        for p in problems:
            where = ", ".join(x for x in (f"row {p.row}" if p.row is not None else "",
                                          f"column {p.column!r}" if p.column else "") if x)
            click.echo(f"{file}: {where + ': ' if where else ''}{p.message}")
        click.echo(f"{len(problems)} problem(s)")
    if problems:
        sys.exit(1)


def _register_analysis_commands() -> None:
    from rankings.cli_exact import COMMANDS as exact_commands
    from rankings.cli_report import COMMANDS as report_commands
    from rankings.cli_sensitivity import COMMANDS as sensitivity_commands

    for command in [*exact_commands, *sensitivity_commands]:
        main.add_command(add_manifest(command))
    for command in report_commands:
        main.add_command(command)


_register_analysis_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
