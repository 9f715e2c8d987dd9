"""``rankings ternary``: the focus's rank coloured over the weight triangle of three metrics."""

from __future__ import annotations

from pathlib import Path

import click

from rankings.cli.common import FOCUS_DEFAULT
from rankings.cli.manifest import replayable
from rankings.cli.options import DataOptions, MethodOptions, data_options, method_options


@click.command("ternary")
@replayable
@click.option("--metrics", "metric_names", required=True, help="Three metrics, e.g. notable_models,frontier_eci,venue_papers.")
@method_options("Methodology whose normalisation and aggregation are used.", "equal-core", show_default=True)
@data_options
@click.option("--focus", default=None, help=f"Contributor whose rank colours the map [{FOCUS_DEFAULT}].")
@click.option("--resolution", type=int, default=60, show_default=True, help="Grid steps along each side.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), required=True, help="Plot file (.png or .svg).")
def ternary_command(metric_names: str, method: MethodOptions, data: DataOptions, focus: str | None,
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
    table = data.load()
    for name in names:
        table.metric_index(name)
    methodology = method.resolve(table, data_given=data.given)
    focus_name = table.contributors[table.contributor_index(focus or FOCUS_DEFAULT)]
    marks = {m.name: dict(m.weights) for m in default_registry(method.methods_dirs)
             if m.weights is not None and sum(m.weights.get(k, 0.0) for k in names) > 0}
    plots.ternary_map(methodology, table, names, focus_name, plot_path, resolution=resolution, marks=marks)
    click.echo(f"wrote {plot_path}")


COMMANDS = [ternary_command]
