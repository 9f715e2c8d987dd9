"""``rankings gap``: head against depth of two countries or two contributors over time."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from rankings.cli.common import _output_format, _render, _write, fit_lines, term_text
from rankings.cli.options import OutputOptions, output_options

SECTIONS = (("head", "Head: each side's best model"), ("depth", "Depth: the field behind the best model"),
            ("openness", "Openness"), ("price", "Price-performance (catalogue prices of one day)"))


def _cell(p: Any, unit: str = "") -> str:
    """A side's value as the table shows it: value [interval] model, or why there is none."""
    if not p.ok:
        return p.status
    if "share" in unit:
        return f"{p.value * 100:.1f}% ({p.detail})"
    if "within" in unit:
        return f"{int(p.value)} (sure {int(p.low)}, possible {int(p.high)})"
    whole = all(not math.isnan(x) and float(x).is_integer() for x in (p.value, p.low, p.high))

    def num(x: float) -> str:
        return f"{x:.0f}" if whole else f"{x:.2f}"

    text = num(p.value)
    if math.isnan(p.low) or math.isnan(p.high):
        text += " [no interval]"
    elif p.low != p.value or p.high != p.value:
        text += f" [{num(p.low)}, {num(p.high)}]"
    return f"{text} {p.model}" if p.model else text


def _gap(r: Any) -> str:
    g = r.comparison["gap"]
    if g is None:
        return "-"
    if "share" in r.measure:
        return f"{g * 100:+.1f} pp"
    return f"{g:+.0f}" if float(g).is_integer() else f"{g:+.2f}"


def _verdict(r: Any, sides: tuple[str, str]) -> str:
    """The verdict, short: parity only where the intervals overlap."""
    c = r.comparison
    if c["overlap"] is True:
        return "parity (intervals overlap)"
    if c["overlap"] is False:
        lead = sides[0] if c["gap"] > 0 else sides[1]
        return f"{lead} ahead (no overlap)"
    return c["verdict"]


def _text(result: Any) -> str:
    a, b = result.sides
    when = result.dates[0] if len(result.dates) == 1 else \
        f"{len(result.dates)} dates, {result.dates[0]} to {result.dates[-1]}"
    lines = [f"Gap between {a} and {b} (by {result.by}) at {when}"]
    for key, title in SECTIONS:
        rows = [r for r in result.rows if r.section == key]
        if not rows:
            continue
        lines += ["", title]
        body = []
        for r in rows:
            body.append([r.date, r.measure, _cell(r.a, r.measure), _cell(r.b, r.measure), _gap(r),
                         _verdict(r, result.sides)])
        lines.append(_render(["date", "measure", a, b, "gap", "verdict"], body, align_left=(1, 2, 3, 5)))
    lines += ["", "Crossovers (exact to release dates, point values)"]
    body = [[c["measure"], c["leader"] or "-", c["since"], c["reached_by"] or "-", c["date"] or "-",
             c["status"]] for c in result.crossovers]
    lines.append(_render(["measure", "ahead first", "since", "catching up", "reached on", "status"], body,
                         align_left=(0, 1, 3, 5)) if body else "   none: the two sides never both had a value")
    for side, names in result.unpriced.items():
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        lines.append(f"Unpriced {side} models at {result.dates[-1]} ({len(names)}, no price rule matched): "
                     f"{shown or 'none'}")
    lines += ["", "Headline: " + result.headline(), "", "Notes:"]
    lines += [f"  - {n}" for n in result.notes]
    lines += ["Sources:"] + [f"  - {k}: {v}" for k, v in result.sources.items()]
    return fit_lines([term_text(x) if "\n" not in x else x for x in lines])


@click.command("gap")
@click.option("--between", nargs=2, required=True, metavar="A B",
              help='The two sides, e.g. --between "United States" China, or --between Alibaba OpenAI.')
@click.option("--by", type=click.Choice(["country", "contributor"]), default=None,
              help="Whether the sides are countries or contributors [country when both name countries].")
@click.option("--at", "at", multiple=True, metavar="YYYY-MM-DD",
              help="Date to measure at (repeatable) [every quarter end from 2023-03-31, then 2026-08-22].")
@click.option("--k", "ks", type=int, multiple=True, help="k of the k-th best model (repeatable, 1-50) [1, 3, 5, 10].")
@click.option("--delta", type=float, default=5.0, show_default=True,
              help="ECI points below the overall frontier that count as near it (above 0, at most 100).")
@click.option("--price-cap", "caps", type=float, multiple=True,
              help="USD per million output tokens: best ECI at or below it (repeatable) [1, 10].")
@click.option("--reach", type=float, multiple=True, help="ECI value: the cheapest price reaching it (repeatable) [140, 150].")
@output_options(("table", "json"))
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also draw the head and depth lines with interval bands (.png or .svg).")
def gap_command(between: tuple[str, str], by: str | None, at: tuple[str, ...], ks: tuple[int, ...], delta: float,
                caps: tuple[float, ...], reach: tuple[float, ...], out: OutputOptions, plot_path: Path | None) -> None:
    """Is the gap between two sides closed? Head against depth, with intervals, over time.

    Head: each side's best model by ECI (Epoch's 90% interval) and by Arena score. Depth:
    the k-th best model, the models within --delta of the overall frontier and the median of
    the top ten. Openness and price-performance too, and the first date one side's depth
    measure reached the other's. Parity is said only where the intervals overlap.

    \b
    Examples:
      rankings gap --between "United States" China --at 2025-12-31
      rankings gap --between Alibaba OpenAI --format json
      rankings gap --between "United States" China --plot gap.png
    """
    from rankings.gap import KS, gap_analysis
    from rankings.gap.analysis import PRICE_CAPS, REACH

    fmt = _output_format(out.fmt, out.output, ("table", "json"))
    if plot_path is not None:
        from rankings.report.plots import check_plot_path

        check_plot_path(plot_path)
    a, b = between
    result = gap_analysis(a, b, by=by, at=at or None, ks=ks or KS, delta=delta,
                          price_caps=caps or PRICE_CAPS, reach=reach or REACH)
    if plot_path is not None:
        from rankings.report.gap_plot import gap_lines

        gap_lines(result, plot_path)
        click.echo(f"wrote {plot_path}", err=True)
    if fmt == "json":
        _write(json.dumps(result.to_dict(), indent=2, allow_nan=False), out.output)
    else:
        _write(_text(result), out.output)


COMMANDS = [gap_command]
