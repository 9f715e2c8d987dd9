"""``rankings data``: the contributor table under a lens, its provenance, and checking a user's file."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
import numpy as np

from rankings.cli.common import (
    FOCUS_DEFAULT,
    CliError,
    _Group,
    _lens_text,
    _num,
    _output_format,
    _render,
    _write,
    _write_frame,
    fit_lines,
    term_text,
)
from rankings.cli.options import DataOptions, OutputOptions, data_options, format_option, output_options

TABLE_FORMATS = ("table", "csv", "json", "parquet", "xlsx")


@click.group("data", cls=_Group)
def data_group() -> None:
    """Inspect the default dataset (table, coverage, the models behind a count, snapshot changes,
    the published record, provenance), validate your own file, or refresh Epoch's data into your cache."""


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
    if fmt in ("parquet", "xlsx"):
        _write_frame(table.to_frame().reset_index(), output, fmt)
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
    _write(fit_lines([f"Data: {_lens_text(table)} ({table.n_contributors} contributors; - = missing)",
                      _render(header, rows, marks, align_left=left)]), output)


@data_group.command("sources")
@click.option("--year", default=None, help="Lens year or range, e.g. 2024 [2025].")
@click.option("--snapshot", default=None, help="Epoch snapshot, packaged or cached (rankings data snapshots) [2026-08].")
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
        blocks.append(fit_lines(lines))
    click.echo("\n\n".join(blocks))
    click.echo(fit_lines(["", "Full provenance: fixtures/PROVENANCE.md. Epoch AI data: CC BY 4.0, "
                          "'Data on AI Models', epoch.ai/data/ai-models."]))


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



@data_group.command("coverage")
@data_options
@output_options(("table", "csv", "json"), "Write to this file; a .csv or .json suffix picks the format.")
def data_coverage(data: DataOptions, out: OutputOptions) -> None:
    """How many contributors have an observed value of each metric, under a lens.

    A metric observed for few contributors makes every composite that reads it rest on
    filled values (see each methodology's missing rule in 'rankings show').

    \b
    Examples:
      rankings data coverage
      rankings data coverage --year 2024 --format json
    """
    fmt, output = _output_format(out.fmt, out.output, ("table", "csv", "json")), out.output
    table = data.load()
    rows = []
    for j, spec in enumerate(table.metrics):
        observed = int((~np.isnan(table.values[:, j])).sum())
        rows.append({"metric": spec.name, "observed": observed, "missing": table.n_contributors - observed,
                     "rows": table.n_contributors, "share": round(observed / max(table.n_contributors, 1), 4),
                     "proxy": bool(spec.proxy)})
    if fmt == "json":
        _write(json.dumps({"data": {"label": table.label, "lens": dict(table.lens)}, "coverage": rows}, indent=2),
               output)
        return
    if fmt == "csv":
        _write(_csv(["metric", "observed", "missing", "rows", "share", "proxy"],
                    [[r[k] for k in ("metric", "observed", "missing", "rows", "share", "proxy")] for r in rows]), output)
        return
    body = _render(["metric", "observed", "missing", "share"],
                   [[r["metric"] + (" (proxy)" if r["proxy"] else ""), r["observed"], r["missing"],
                     f"{100 * r['share']:.0f}%"] for r in rows], align_left=(0,))
    _write(fit_lines([f"Data: {_lens_text(table)} ({table.n_contributors} contributors)", body]), output)


@data_group.command("models")
@click.option("--contributor", required=True, help="Contributor (or country with --by country) whose models are listed.")
@data_options
@output_options(("table", "csv", "json"), "Write to this file; a .csv or .json suffix picks the format.")
def data_models(contributor: str, data: DataOptions, out: OutputOptions) -> None:
    """The records behind a count: each model counted for a contributor under a lens.

    Name, date, organisations, country, Epoch's notability criteria, open weights and the
    credit the model gives under the lens's counting (1, or 1/k with --counting fractional).

    \b
    Examples:
      rankings data models --contributor Alibaba
      rankings data models --contributor Google --year 2024 --counting fractional --format csv
    """
    from rankings.data import model_records

    data.default_only("data models")
    fmt, output = _output_format(out.fmt, out.output, ("table", "csv", "json")), out.output
    lens = data.lens()
    records = model_records(lens, contributor)
    if fmt == "json":
        _write(json.dumps({"contributor": contributor, "lens": lens.to_dict(), "models": records}, indent=2), output)
        return
    columns = ["model", "date", "organizations", "countries", "criteria", "open_weights", "credit"]

    def cell(record: dict[str, Any], key: str) -> Any:
        value = record.get(key)
        if isinstance(value, list):
            return "; ".join(map(str, value))
        if key == "open_weights":
            return "" if value is None else ("yes" if value else "no")
        return _num(value) if key == "credit" else ("" if value is None else value)

    rows = [[cell(r, k) for k in columns] for r in records]
    if fmt == "csv":
        _write(_csv(columns, rows), output)
        return
    total = sum(float(r.get("credit") or 0.0) for r in records)
    header = (f"Models counted for {term_text(contributor)} under {_lens_dict_text(lens.to_dict())}: {len(records)} "
              f"(credit {_num(total)})")
    _write(fit_lines([header, _render(columns, rows, align_left=(0, 1, 2, 3, 4, 5))]), output)


@data_group.command("diff")
@click.option("--snapshot", "snapshots", multiple=True, required=True,
              help="Two snapshots to compare, e.g. --snapshot 2026-07 --snapshot 2026-08.")
@click.option("--year", default=None, help="Lens: year or range of years [2025].")
@click.option("--counting", type=click.Choice(["full", "fractional"]), default=None, help="Lens: counting [full].")
@click.option("--grouping", default=None, help="Lens: merged, split or a CSV unit,group [merged].")
@click.option("--by", type=click.Choice(["contributor", "country"]), default=None, help="Lens: rows [contributor].")
@format_option()
def data_diff(snapshots: tuple[str, ...], year: str | None, counting: str | None, grouping: str | None,
              by: str | None, fmt: str) -> None:
    """What changed between two snapshots for a lens: models added, removed, re-dated, re-attributed.

    Ends with the resulting count change per contributor (or country).

    \b
    Example:
      rankings data diff --snapshot 2025-12 --snapshot 2026-08 --year 2024
    """
    from rankings.data import snapshot_diff

    if len(snapshots) != 2:
        raise CliError(f"data diff needs --snapshot twice, e.g. --snapshot 2026-07 --snapshot 2026-08 "
                       f"(got {len(snapshots)})")
    lens = DataOptions(year=year, counting=counting, grouping=grouping, by=by).lens()
    diff = snapshot_diff(lens, snapshots[0], snapshots[1])
    if fmt == "json":
        click.echo(json.dumps(diff, indent=2))
        return
    a, b = diff["a"], diff["b"]
    lines = [f"Snapshot {a} -> {b}, " + _lens_dict_text(lens.to_dict()).replace(f", snapshot {lens.snapshot}", "")]
    for key, title in (("added", "Added"), ("removed", "Removed")):
        lines.append(f"{title} ({len(diff[key])}):")
        lines += [f"  {term_text(m['model'])} ({m['date']}; {term_text('; '.join(m['organizations']))})"
                  for m in diff[key]]
    lines.append(f"Re-dated ({len(diff['redated'])}):")
    lines += [f"  {term_text(m['model'])}: {m['date_a']} -> {m['date_b']}" for m in diff["redated"]]
    lines.append(f"Re-attributed ({len(diff['reattributed'])}):")
    lines += [f"  {term_text(m['model'])}: {term_text('; '.join(m['organizations_a']))} -> "
              f"{term_text('; '.join(m['organizations_b']))}" for m in diff["reattributed"]]
    lines.append("Count changes:")
    lines.append(_render(["contributor", a, b, "change"],
                         [[c["contributor"], _num(c["a"]), _num(c["b"]), ("+" if c["change"] > 0 else "") + _num(c["change"])]
                          for c in diff["counts"]], align_left=(0,)) if diff["counts"] else "   none")
    click.echo(fit_lines(lines))


@data_group.command("published")
@click.option("--snapshot", default=None, help="Epoch snapshot our counts are read from, packaged or cached [2026-08].")
@click.option("--counting", type=click.Choice(["full", "fractional"]), default=None, help="Lens: counting [full].")
@click.option("--grouping", default=None, help="Lens: merged, split or a CSV unit,group [merged].")
@format_option(("table", "csv", "json"))
def data_published(snapshot: str | None, counting: str | None, grouping: str | None, fmt: str) -> None:
    """Our counts beside every figure the AI Index published (both editions), with the difference.

    Each published figure keeps its report, edition, year and a confidence in its source;
    our count is read from the chosen snapshot for the same year.

    \b
    Examples:
      rankings data published
      rankings data published --snapshot 2026-07
    """
    from rankings.data import published_comparison

    lens = DataOptions(snapshot=snapshot, counting=counting, grouping=grouping).lens()
    rows = published_comparison(lens)
    if fmt == "json":
        click.echo(json.dumps({"lens": lens.to_dict(), "figures": rows}, indent=2))
        return
    columns = ["report", "edition", "year", "metric", "entity", "published", "ours", "difference", "confidence"]
    cells = [[r["report"], r["edition"], "-".join(str(y) for y in dict.fromkeys(r["years"])),
              r["metric"].replace("notable_models_by_", "by "), r["entity"], _num(r["published"]), _num(r["ours"]),
              ("+" if (r["difference"] or 0) > 0 else "") + _num(r["difference"]), r["confidence"]] for r in rows]
    if fmt == "csv":
        click.echo(_csv(columns, cells), nl=False)
        return
    click.echo(fit_lines([f"Published AI Index figures against snapshot {lens.snapshot} ({lens.counting} counting, "
                          f"grouping {lens.grouping}); difference = ours - published",
                          _render(columns, cells, align_left=(0, 1, 2, 3, 4, 8))]))


class _Progress:
    """Download progress on stderr, only when stderr is a terminal (a bar when the size is known)."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.bars: dict[str, Any] = {}
        self.done: dict[str, int] = {}
        self.open: set[str] = set()

    def __call__(self, what: str, received: int, total: int | None) -> None:
        if not self.enabled:
            return
        if total:
            bar = self.bars.get(what)
            if bar is None:
                bar = self.bars[what] = click.progressbar(length=total, label=f"Downloading {what}", file=sys.stderr)
                bar.__enter__()
                self.open.add(what)
            bar.update(received - self.done.get(what, 0))
            self.done[what] = received
            if received >= total:
                self._finish(what)
        else:
            click.echo(f"\rDownloading {what}: {received / 1e6:.1f} MB", err=True, nl=False)
            self.done[what] = received

    def _finish(self, what: str) -> None:
        if what in self.open:
            self.open.discard(what)
            self.bars[what].__exit__(None, None, None)

    def close(self) -> None:
        for what in list(self.open):
            self._finish(what)
        if any(w not in self.bars for w in self.done):
            click.echo("", err=True)


@data_group.command("refresh")
@click.option("--source", "source", default=None, metavar="URL_BASE",
              help="Read notable_ai_models.csv and benchmarked_models.csv under this address instead of Epoch's "
                   "(a mirror, or a local server).")
@click.option("--url-notable", default=None, metavar="URL",
              help="Address of the notable-models CSV [https://epoch.ai/data/notable_ai_models.csv].")
@click.option("--url-benchmarks", default=None, metavar="URL",
              help="Address of the benchmarked-models (ECI) CSV [https://epoch.ai/data/benchmarked_models.csv].")
@click.option("--label", default=None, help="Name of the new snapshot [today's UTC date, YYYY-MM-DD].")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds to wait for a server.")
@format_option()
def data_refresh(source: str | None, url_notable: str | None, url_benchmarks: str | None, label: str | None,
                 timeout: float, fmt: str) -> None:
    """Download Epoch AI's current data and build a snapshot of it in your cache folder.

    The notable-models and benchmarked-models CSVs are checked against the columns the
    build reads, then built by the same steps as the packaged fixtures (Arena, venue
    papers and the organisation registry stay the packaged ones). The snapshot is then
    selectable with --snapshot LABEL on every command; 'rankings data snapshots' lists
    it. A failed download or check changes nothing. The cache is $RANKINGS_CACHE_DIR,
    else the platform's user cache folder (~/.cache/rankings on Linux).

    \b
    Examples:
      rankings data refresh
      rankings data refresh --label december
      rankings data refresh --source https://mirror.example.org/epoch/
    """
    from rankings.data.refresh import refresh, source_urls

    urls = source_urls(source, notable=url_notable, benchmarks=url_benchmarks)
    progress = _Progress()
    try:
        meta = refresh(label, urls=urls, progress=progress, timeout=timeout)
    finally:
        progress.close()
    if fmt == "json":
        click.echo(json.dumps(meta, indent=2))
        return
    for key, what in (("notable", "notable models"), ("benchmarks", "benchmarked models")):
        s = meta["sources"][key]
        click.echo(f"Downloaded {what}: {term_text(s['url'])} ({s['rows']} records, {s['bytes']} bytes, "
                   f"sha256 {s['sha256'][:12]})")
    click.echo(f"Snapshot {meta['label']}{' (replaced)' if meta['replaced'] else ''}: {meta['models']} models "
               f"(newest {meta['newest_record']}; {meta['dropped_without_date']} undated left out), "
               f"{meta['eci_entries']} ECI entries; in {term_text(meta['folder'])}")
    click.echo(f"Read it with --snapshot {meta['label']}, e.g. rankings rank --snapshot {meta['label']}")


@data_group.command("snapshots")
@format_option()
def data_snapshots(fmt: str) -> None:
    """List the snapshots --snapshot can read: packaged ones and those 'rankings data refresh' cached.

    Each with the date of its newest model record, its model count and where it came from.

    \b
    Example:
      rankings data snapshots
    """
    from rankings.data.refresh import cache_location, snapshot_list

    rows = snapshot_list()
    if fmt == "json":
        click.echo(json.dumps({"cache": cache_location(), "snapshots": rows}, indent=2))
        return
    cells = [[r["snapshot"], r["kind"], r["newest_record"], r["models"],
              "-" if r["eci_entries"] is None else r["eci_entries"],
              r["source"] + (f" (downloaded {str(r['created'])[:10]})" if r["created"] else "")] for r in rows]
    click.echo(_render(["snapshot", "kind", "newest record", "models", "eci", "source"], cells,
                       align_left=(0, 1, 2, 5)))
    cached = sum(r["kind"] == "cached" for r in rows)
    click.echo(f"Cache: {term_text(cache_location())} ({cached} cached snapshot(s); 'rankings data refresh' adds one)")


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def _lens_dict_text(lens: dict[str, Any]) -> str:
    years = lens["years"]
    year_text = str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"
    return (f"year {year_text}, counting {lens['counting']}, snapshot {lens['snapshot']}, grouping "
            f"{term_text(lens['grouping'])}, by {lens['by']}")


COMMANDS = [data_group]
