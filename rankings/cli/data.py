"""``rankings data``: the contributor table under a lens, its provenance, and checking a user's file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from rankings.cli.common import FOCUS_DEFAULT, _Group, _lens_text, _num, _output_format, _render, _write, _write_parquet
from rankings.cli.options import DataOptions, OutputOptions, data_options, format_option, output_options

TABLE_FORMATS = ("table", "csv", "json", "parquet")


@click.group("data", cls=_Group)
def data_group() -> None:
    """Inspect the default dataset, its provenance, or validate your own file."""


@data_group.command("show")
@data_options
@output_options(TABLE_FORMATS, "Write to this file; a .csv, .json or .parquet suffix picks the format.")
def data_show(data: DataOptions, out: OutputOptions) -> None:
    """Show the contributor table under a lens.

    \b
    Examples:
      rankings data show
      rankings data show --year 2024 --counting fractional --grouping split
      rankings data show --by country --format csv
    """
    fmt, output = _output_format(out.fmt, out.output, TABLE_FORMATS), out.output
    table = data.load()
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
@format_option()
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
@format_option()
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


COMMANDS = [data_group]
