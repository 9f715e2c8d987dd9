"""``rankings methods``, ``show`` and ``check``: the registered methodologies and their invariants."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rankings.cli.common import _render, cli_errors, fit_lines
from rankings.cli.options import DataOptions, data_options, format_option, methods_dir_option
from rankings.cli.progress import Bar


@click.command("methods")
@format_option()
@methods_dir_option
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


@click.command("show")
@click.argument("name")
@click.option("--weights", "derived", is_flag=True,
              help="Also print the weights as used on the data (derived by a weighting scheme, effective through pillars).")
@data_options
@format_option()
@methods_dir_option
@cli_errors
def show_command(name: str, derived: bool, data: DataOptions, fmt: str, methods_dirs: tuple[Path, ...]) -> None:
    """Show one methodology: weights, method, invariants, references.

    \b
    Examples:
      rankings show equal-core
      rankings show equal-core-entropy --weights --year 2025
    """
    from rankings.methodology import INVARIANTS
    from rankings.registry import default_registry

    m = default_registry(methods_dirs).get(name)
    used = None
    if derived:
        prepared = m.prepare(data.load())
        used = m.weights_for(prepared)
    if fmt == "json":
        payload = m.to_dict()
        if used is not None:
            payload["weights_used"] = {"data": prepared.label, "lens": dict(prepared.lens), "weights": used}
        click.echo(json.dumps(payload, indent=2))
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
    lines += ["  directions:   " + ", ".join(f"{k}={v}" for k, v in m.directions.items())] if m.directions else []
    if m.scheme is not None:
        lines.append(f"  weights:      derived from the data by the {m.scheme} scheme"
                     + (f" over {', '.join(m.weights)}" if m.weights is not None else " over every metric of the table"))
    elif m.pillars is not None:
        lines.append(f"  pillars:      {len(m.pillars.pillars)}, aggregated {m.pillars.aggregate} at the top"
                     + ("" if m.pillars.flat else " (levels differ: scored level by level, not linear in the weights)"))
        lines += ["    " + x for x in m.pillars.describe()]
    elif m.weights is None:
        lines.append("  weights:      every metric of the table, equally")
    else:
        total = sum(m.weights.values())
        lines.append("  weights:      " + ", ".join(f"{k}={v / total:.4g}" for k, v in m.weights.items()))
    lines.append("  invariants:   " + ", ".join(i for i in INVARIANTS if i in m.invariants))
    lines.append("  not claimed:  " + (", ".join(i for i in INVARIANTS if i not in m.invariants) or "none"))
    if m.outliers:
        from rankings.imputation import describe_outliers

        lines.append(f"  outliers:     {describe_outliers(m.outliers)}")
    if used is not None:
        lines.append(f"  weights used on {prepared.label} ({prepared.n_contributors} contributors):")
        lines += ["    " + x for x in (m.pillars.describe(used) if m.pillars is not None else
                                       [f"{k}: {v:.4g}" for k, v in used.items()])]
    for ref in m.references:
        lines.append(f"  reference:    {ref}")
    click.echo(fit_lines(lines))


@click.command("check")
@click.argument("names", nargs=-1)
@click.option("--examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Random tables per invariant.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of the random tables.")
@click.option("--explore", is_flag=True, help="Also search counterexamples to the invariants not claimed.")
@methods_dir_option
@format_option()
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
    outcomes = []
    with Bar("checking invariants") as bar:
        bar.begin(len(methods))
        for k, m in enumerate(methods):
            outcomes += run_checks(m, examples=examples, seed=seed, explore=explore)
            bar(k + 1, len(methods))
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


COMMANDS = [methods_command, show_command, check_command]
