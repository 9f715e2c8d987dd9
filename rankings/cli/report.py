"""``rankings report``: one self-contained HTML page about the focus contributor.

A thin layer over :func:`rankings.report.build.build_report`: parse the shared data
and methodology options, check the output path before any work, build the page and
write it whole or not at all. Registered in :mod:`rankings.cli.main` through :data:`COMMANDS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rankings.cli.common import FOCUS_DEFAULT, CliError, _lens_text, choose_focus, cli_errors
from rankings.cli.manifest import _arguments
from rankings.cli.options import CLUSTER_OPTIONS, REPLACING, DataOptions, MethodOptions, data_options, method_options
from rankings.cli.progress import status

DEFAULT_METHOD = "equal-core"
HTML_SUFFIXES = (".html", ".htm")


def _check_output(output: Path) -> None:
    if output.suffix.lower() not in HTML_SUFFIXES:
        raise CliError(f"--output must end in .html (got {output.name!r})")
    if output.is_dir():
        raise CliError(f"--output must be a file path (got the folder {str(output)!r})")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"--output folder must exist (got {str(folder)!r})")


def _sources(table: Any, data: DataOptions) -> list[dict[str, Any]] | None:
    """Provenance rows: the dataset's own account for the default data, else the table's specs."""
    if not data.lens_available or not table.lens:
        return None
    from rankings.data import DEFAULT_LENS, Lens, metric_sources

    lens = table.lens
    years = lens.get("years") or DEFAULT_LENS.years
    chosen = Lens(years=(int(years[0]), int(years[1])), counting=lens.get("counting", "full"),
                          snapshot=lens.get("snapshot", DEFAULT_LENS.snapshot),
                          grouping=lens.get("grouping", "merged"), by=lens.get("by", "contributor"))
    rows = {d["name"]: d for d in metric_sources(chosen)}
    if not all(name in rows for name in table.metric_names):
        return None
    return [rows[name] for name in table.metric_names]


@click.command("report")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True,
              help="The HTML file to write (whole or not at all)." + REPLACING)
@method_options(f"Composite analysed for bounds, sweeps, tipping points and uncertainty "
                f"[{DEFAULT_METHOD}; equal-weights with --data].")
@data_options
@click.option("--focus", default=None, help=f"Contributor the report is about [{FOCUS_DEFAULT}].")
@click.option("--samples", type=click.IntRange(min=1), default=5000, show_default=True,
              help="Monte Carlo runs of the rank-acceptability analysis.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of every sampled analysis (same seed, same file).")
@click.option("--sobol/--no-sobol", default=True, show_default=True,
              help="Also estimate Sobol' indices (weights and, where possible, normalisation and aggregation).")
@click.option("--ternary", default=None,
              help="Three metrics for the weight map, e.g. notable_models,frontier_eci,venue_papers "
                   "[the three the rank is most sensitive to].")
@click.option("--weight-panel", "panel_path", type=click.Path(path_type=Path), default=None,
              help="Stakeholders' weights (CSV, one row per respondent): shown beside uniform weights.")
@CLUSTER_OPTIONS[0]
@CLUSTER_OPTIONS[1]
@CLUSTER_OPTIONS[2]
@cli_errors
def report_command(output: Path, method: MethodOptions, data: DataOptions, focus: str | None, samples: int,
                   seed: int, sobol: bool, ternary: str | None, panel_path: Path | None, workers: int | None,
                   scheduler: str | None, scheduler_timeout: float) -> None:
    """Write one self-contained HTML page about the focus contributor.

    The page holds the focus's rank under every built-in methodology (table and bump
    chart), its best and worst attainable ranks, weight sweeps, tipping points, rank
    acceptability and Sobol' indices, its closest rivals with gap decompositions, a
    ternary weight map and the provenance of every metric. Plots are inline; the page
    links to nothing outside itself. Same options and seed give the same bytes.

    \b
    Examples:
      rankings report -o alibaba.html
      rankings report --focus DeepSeek --year 2024 --counting fractional -o deepseek.html
      rankings report --data matrix.csv --focus C -o c.html
      rankings report --samples 200000 --workers 4 -o alibaba.html   # sampled sections on Dask
    """
    from rankings.cli.cluster import cluster_engine

    _check_output(output)
    with cluster_engine(workers, scheduler, scheduler_timeout):  # the sampled sections run there
        _run(output, method, data, focus, samples, seed, sobol, ternary, panel_path)


def _run(output: Path, method: MethodOptions, data: DataOptions, focus: str | None, samples: int, seed: int,
         sobol: bool, ternary: str | None, panel_path: Path | None = None) -> None:
    from rankings._atomic import write_text_atomically
    from rankings.report.build import build_report

    table = data.load()
    name = method.name or ("equal-weights" if data.given else DEFAULT_METHOD)
    methodology = method.resolve(table, data_given=data.given, name=name)
    # on the default dataset the page stays about Alibaba even when the methodology drops it (the
    # page then says why); on a user's table without --focus it is about the nominal leader
    focus_name, chosen = (FOCUS_DEFAULT, None) if focus is None and FOCUS_DEFAULT in table.contributors \
        else choose_focus(methodology, table, focus)
    if chosen:
        click.echo(f"Note: {chosen}", err=True)
    three = None
    if ternary is not None:
        three = [m.strip() for m in ternary.split(",") if m.strip()]
        if len(three) != 3 or len(set(three)) != 3:
            raise CliError(f"--ternary needs three different metrics (got {ternary!r})")
        for m in three:
            table.metric_index(m)
    panel = None
    if panel_path is not None:
        from rankings.sensitivity.panel import read_weight_panel

        panel = (read_weight_panel(panel_path, methodology, methodology.prepare(table)), panel_path.name)
    ctx = click.get_current_context(silent=True)
    command = None
    if ctx is not None:
        command = " ".join(["rankings report", *_arguments(ctx.command, ctx.params)])
    with status(f"report on {focus_name}") as say:
        page = _build(build_report, methodology, table, focus_name, samples, seed, sobol, method, data, three,
                      command, lambda title: say(f"report on {focus_name}: {title.lower()}"), panel)
    write_text_atomically(output, page, what="--output")
    click.echo(f"wrote {output}", err=True)


def _build(build_report: Any, methodology: Any, table: Any, focus_name: str, samples: int, seed: int, sobol: bool,
           method: MethodOptions, data: DataOptions, three: Any, command: str | None, progress: Any,
           panel: Any = None) -> str:
    from rankings.registry import default_registry

    return build_report(methodology, table, focus_name, samples=samples, seed=seed, sobol=sobol,
                        methods=list(default_registry(method.methods_dirs)), sources=_sources(table, data),
                        data_text=_lens_text(table), ternary=three, command=command, progress=progress,
                        weight_panel=panel)


COMMANDS = [report_command]
