"""``rankings explore``: one self-contained HTML page that re-ranks as the weights move.

A thin layer over :mod:`rankings.explore`: read the base table and the lens choices the page
switches between (the base lens and, by default, every lens that changes one factor of it),
resolve the methodology as ``rank`` does, and write the page whole or not at all. The page
rebuilds the exact ``rankings rank`` line of whatever it shows, so the arguments that no
control of the page changes are handed to it here in command-line form.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from rankings.cli.common import FOCUS_DEFAULT, CliError, _lens_text, choose_focus, cli_errors
from rankings.cli.options import REPLACING, DataOptions, MethodOptions, data_options, method_options
from rankings.cli.progress import status
from rankings.errors import RankingsError

DEFAULT_METHOD = "equal-core"
HTML_SUFFIXES = (".html", ".htm")
YEARS_OFFERED = (2023, 2024, 2025, 2026)
"""Single years the page offers besides the base one (2026 is a partial year)."""


def _check_output(output: Path) -> None:
    if output.suffix.lower() not in HTML_SUFFIXES:
        raise CliError(f"--output must end in .html (got {output.name!r})")
    if output.is_dir():
        raise CliError(f"--output must be a file path (got the folder {str(output)!r})")
    folder = output.parent if str(output.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"--output folder must exist (got {str(folder)!r})")


def _lens_flags(data: DataOptions) -> tuple[str, ...]:
    flags: list[str] = []
    for option, value in (("--year", data.year), ("--counting", data.counting), ("--snapshot", data.snapshot),
                          ("--grouping", data.grouping), ("--by", data.by)):
        if value is not None:
            flags += [option, str(value)]
    return tuple(flags)


def _variants(data: DataOptions) -> list[tuple[str, DataOptions]]:
    """The lenses that change one factor of the base lens (default dataset only)."""
    from rankings.data import SNAPSHOTS

    lens = data.lens()
    out: list[tuple[str, DataOptions]] = []
    if lens.years[0] == lens.years[1]:
        out += [(f"year {y}", data.replace(year=str(y))) for y in YEARS_OFFERED if y != lens.years[0]]
    out += [(f"counting {c}", data.replace(counting=c)) for c in ("full", "fractional") if c != lens.counting]
    out += [(f"snapshot {s}", data.replace(snapshot=s)) for s in SNAPSHOTS if s != lens.snapshot]
    if lens.grouping in ("merged", "split"):
        out += [(f"grouping {g}", data.replace(grouping=g)) for g in ("merged", "split") if g != lens.grouping]
    out += [(f"by {b}", data.replace(by=b)) for b in ("contributor", "country") if b != lens.by]
    return out


def _choices(data: DataOptions, base_table: Any, vary: bool) -> list[Any]:
    from rankings.explore.payload import LensChoice

    lens = base_table.lens
    years = lens.get("years") if lens else None
    year = "" if not years else str(years[0]) if years[0] == years[1] else f"{years[0]}-{years[1]}"
    short = (" (" + " \u00b7 ".join([year, *(str(lens.get(k)) for k in ("counting", "snapshot", "grouping", "by"))]) + ")"
             if lens else "")
    choices = [LensChoice("as built" + short,
                          _lens_flags(data), _lens_text(base_table), base_table)]
    if not (vary and data.lens_available):
        return choices
    for label, variant in _variants(data):
        try:
            table = variant.load()
        except (RankingsError, CliError) as exc:
            choices.append(LensChoice(label, _lens_flags(variant), label, error=str(exc)))
            continue
        choices.append(LensChoice(label, _lens_flags(variant), _lens_text(table), table))
    return choices


def _fixed(method_name: str, method: MethodOptions, data: DataOptions) -> list[dict[str, Any]]:
    """``rankings rank`` arguments the page keeps as they are, grouped; some apply to one normalisation only."""
    groups: list[dict[str, Any]] = [{"words": ["--method", method_name]}]
    for option, value in (("--data", data.data_path), ("--models", data.models_path), ("--direction", data.directions),
                          ("--bounds", method.bounds), ("--missing", method.missing)):
        if value is not None:
            groups.append({"words": [option, str(value)]})
    for folder in method.methods_dirs:
        groups.append({"words": ["--methods-dir", str(folder)]})
    if method.clip is not None:
        groups.append({"words": ["--clip" if method.clip else "--no-clip"], "only_with": "goalposts"})
    if method.reference is not None:
        groups.append({"words": ["--reference", method.reference], "only_with": "distance-to-reference"})
    return groups


HOW_TO_LENS = ("The page holds the lenses listed above: the one it was built with and each lens that changes one "
               "factor of it (year, counting, snapshot, grouping, countries). For any other, build a page with that "
               "lens, e.g. 'rankings explore --year 2023-2025 --counting fractional -o page.html'.")
HOW_TO_LENS_DATA = ("--data reads one table, so this page has one lens; the lens options (year, counting, snapshot, "
                    "grouping, countries) read the default dataset: build a page without --data to switch them.")


@click.command("explore")
@click.option("--output", "-o", type=click.Path(path_type=Path), required=True,
              help="The HTML file to write (whole or not at all)." + REPLACING)
@method_options(f"Methodology the page starts from [{DEFAULT_METHOD}; equal-weights with --data].")
@data_options
@click.option("--ties", type=click.Choice(["competition", "dense", "average"]), default="competition",
              show_default=True, help="Tie rule the page starts with: competition 1224, dense 1223, average 1 2.5 2.5 4.")
@click.option("--focus", default=None, help=f"Contributor highlighted, with its bounds and acceptability [{FOCUS_DEFAULT}].")
@click.option("--lenses", type=click.Choice(["one-at-a-time", "none"]), default="one-at-a-time", show_default=True,
              help="Lenses embedded besides the base one: each that changes one lens factor, or none.")
@click.option("--samples", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Runs of the seeded rank-acceptability analysis embedded per lens.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of that run.")
@cli_errors
def explore_command(output: Path, method: MethodOptions, data: DataOptions, ties: str, focus: str | None,
                    lenses: str, samples: int, seed: int) -> None:
    """Write an interactive what-if page: drag the weights and watch the ranking move.

    One self-contained HTML file (no network, no server): the ranking re-ranked in the page
    as each weight slider moves, the exact interval where the focus keeps its rank beside
    each slider and the rival passed at the next flip, the focus's best and worst rank with
    their weights, its rank acceptability, and a "copy command" giving the exact
    'rankings rank' line for the table shown. The view lives in the URL (after #).

    \b
    Examples:
      rankings explore -o explore.html
      rankings explore --method borda-core --focus DeepSeek -o deepseek.html
      rankings explore --data matrix.csv --direction price=min --focus C -o matrix.html
    """
    from rankings.explore.page import write_page
    from rankings.explore.payload import build_payload

    _check_output(output)
    table = data.load()
    name = method.name or ("equal-weights" if data.given else DEFAULT_METHOD)
    methodology = method.resolve(table, data_given=data.given, name=name)
    if focus is not None:
        focus_name: str | None = table.contributors[table.contributor_index(focus)]
    elif FOCUS_DEFAULT in table.contributors:
        focus_name = FOCUS_DEFAULT
    else:
        focus_name, chosen = choose_focus(methodology, table, None)
        if chosen:
            click.echo(f"Note: {chosen}", err=True)
    with status("explore page") as say:
        say("explore page: reading the lenses")
        choices = _choices(data, table, lenses == "one-at-a-time")
        say("explore page: bounds and acceptability")
        payload = build_payload(methodology, choices, focus_name, ties=ties, samples=samples, seed=seed,
                                fixed=_fixed(name, method, data),
                                how_to_lens=HOW_TO_LENS_DATA if data.given else HOW_TO_LENS)
    from rankings._version import __version__

    write_page(output, payload, title=f"rankings explore: {methodology.name}",
               subtitle=f"{_lens_text(table)}; focus {focus_name or 'none'}; rankings {__version__}")
    click.echo(f"wrote {output}", err=True)


COMMANDS = [explore_command]
