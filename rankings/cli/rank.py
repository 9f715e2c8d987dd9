"""``rankings rank``, ``compare`` and ``explain``: one ranking, several side by side, one gap.

Each command loads the table (:class:`~rankings.cli.options.DataOptions`), resolves the
methodology with its what-ifs (:class:`~rankings.cli.options.MethodOptions`), makes one
library call and formats the result as a table, CSV, JSON or Parquet.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from rankings.caveats import fill_text
from rankings.cli.common import (
    FOCUS_DEFAULT,
    CliError,
    _lens_text,
    _num,
    _output_format,
    _render,
    _write,
    _write_frame,
    fit_lines,
    term_text,
)
from rankings.cli.manifest import replayable
from rankings.cli.options import (
    DataOptions,
    MethodOptions,
    OutputOptions,
    data_options,
    format_option,
    method_options,
    output_options,
)
from rankings.errors import RankingsError

TABLE_ROWS = 25
"""Rows a table shows by default when there are many contributors."""

TABLE_FORMATS = ("table", "csv", "json", "parquet", "xlsx")


def _cut(order: list[int], ranks: Any, top: int | None) -> list[int]:
    """The first ``top`` rows of ``order``, extended so that the tie group at the cut stays whole."""
    if top is None or top >= len(order):
        return list(order)
    end = top
    while end < len(order) and ranks[order[end]] == ranks[order[top - 1]]:
        end += 1
    return list(order[:end])


def _rank_rows(result: Any, focus_index: int | None, top: int | None) -> tuple[list[int], list[bool], int]:
    """Rows shown (ties at the cut kept whole, the focus appended if beyond), focus marks, rows within the cut."""
    shown = _cut(result.order(), result.ranks, top)
    within = len(shown)
    if focus_index is not None and focus_index not in shown:
        shown = shown + [focus_index]
    return shown, [i == focus_index for i in shown], within


def _grouped(skipped: list[str]) -> str:
    """``name (reason)`` entries with one reason stated once: ``a, b, c (reason)``."""
    by_reason: dict[str, list[str]] = {}
    for entry in skipped:
        name, _, reason = entry.partition(" (")
        # the reason names the table first ("default dataset: ..."); the rest is the same for every skip
        by_reason.setdefault(reason[:-1] if reason.endswith(")") else reason, []).append(name)
    return "; ".join(f"{', '.join(names)} ({reason})" for reason, names in by_reason.items())


def _tie_note(top: int | None, within: int, ranks: Any, shown: list[int]) -> str | None:
    if top is None or within <= top:
        return None
    return (f"--top {top} shows {within} rows: the tie at rank {_num(ranks[shown[within - 1]])} is kept whole")


def _focus_index(table: Any, focus: str | None) -> int | None:
    if focus is None:
        return table.contributor_index(FOCUS_DEFAULT) if FOCUS_DEFAULT in table.contributors else None
    return table.contributor_index(focus)


@click.command("rank")
@replayable
@method_options("Methodology name (see 'rankings methods') [ai-index; equal-weights with --data].")
@data_options
@click.option("--ties", type=click.Choice(["competition", "dense", "average"]), default="competition",
              show_default=True, help="Tie rule: competition 1224, dense 1223, average 1 2.5 2.5 4.")
@click.option("--focus", default=None, help=f"Contributor to highlight [{FOCUS_DEFAULT}].")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Show only the first N rows (a tie at the cut is kept whole) and the focus.")
@click.option("--focus-row/--no-focus-row", default=True, show_default=True,
              help="With --top: also show the focus when it ranks below the cut (marked beyond_top in CSV/JSON).")
@output_options(TABLE_FORMATS, "Write to this file (whole or not at all) instead of printing; a .csv, .json, "
                ".parquet or .xlsx suffix picks the format.")
def rank_command(method: MethodOptions, data: DataOptions, ties: str, focus: str | None, top: int | None,
                 focus_row: bool, out: OutputOptions) -> None:
    """Rank contributors under a methodology or a what-if.

    \b
    Examples:
      rankings rank
      rankings rank --method equal-core --top 10
      rankings rank --method equal-core --weights notable_models=0.7,frontier_eci=0.3
      rankings rank --counting fractional --year 2024 --format json
      rankings rank --data matrix.csv --aggregate topsis --normalize vector --direction cost=min
    """
    fmt, output = _output_format(out.fmt, out.output, TABLE_FORMATS), out.output
    table = data.load()
    methodology = method.resolve(table, data_given=data.given)
    result = methodology.evaluate(table, ties=ties)
    focus_index = _focus_index(result.table, focus) if (focus or FOCUS_DEFAULT in result.table.contributors) else None
    if focus is not None and focus_index is None:
        result.table.contributor_index(focus)
    if focus_row is False:
        focus_index = None
    # a file holds every row; only a table printed to the terminal is cut by default
    default_cut = top is None and fmt == "table" and output is None and result.table.n_contributors > TABLE_ROWS + 10
    shown, marks, within = _rank_rows(result, focus_index, TABLE_ROWS if default_cut else top)
    tie_note = _tie_note(top, within, result.ranks, shown)
    if fmt == "json":
        payload = result.to_dict()
        if top is not None:
            by_name = {r["contributor"]: r for r in payload["ranking"]}
            payload["ranking"] = [by_name[result.table.contributors[i]] for i in shown]
            for row in payload["ranking"][within:]:
                row["beyond_top"] = True  # the focus, shown below the cut
        if tie_note:
            payload["notes"].append(tie_note)
        if focus_index is not None:
            name = result.table.contributors[focus_index]
            payload["focus"] = {"contributor": name, "rank": result.rank_of(name),
                                "score": float(result.scores[focus_index])}
        _write(json.dumps(payload, indent=2), output)
        return
    metrics = list(result.table.metric_names)
    if fmt in ("parquet", "xlsx"):
        frame = result.to_frame().reset_index()
        if top is not None:
            frame = frame.set_index("contributor").loc[[result.table.contributors[i] for i in shown]].reset_index()
            frame["beyond_top"] = [k >= within for k in range(len(shown))]
        _write_frame(frame, output, fmt)
        return
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        # observed values only (empty where missing); a 'filled' column names the cells the rule filled
        observed = result.observed()
        filled_column = result.filled is not None
        beyond_column = len(shown) > within  # the focus row below the cut says so
        writer.writerow(["rank", "contributor", "score", *metrics, *(["filled"] if filled_column else []),
                         *(["beyond_top"] if beyond_column else [])])
        for k, i in enumerate(shown):
            writer.writerow([_num(result.ranks[i]), result.table.contributors[i],
                             repr(float(result.scores[i])),
                             *["" if math.isnan(v) else repr(float(v)) for v in observed[i]],
                             *([";".join(m for j, m in enumerate(metrics) if result.is_filled(i, j))]
                               if filled_column else []),
                             *(["yes" if k >= within else ""] if beyond_column else [])])
        _write(buffer.getvalue(), output)
        return
    header = ["rank", "contributor", "score", *metrics]
    rows = [[_num(result.ranks[i]), result.table.contributors[i], _num(result.scores[i]),
             *[_num(v) + ("*" if result.is_filled(i, j) else "") for j, v in enumerate(result.table.values[i])]]
            for i in shown]
    how = f"{methodology.normalize} + {methodology.aggregate}" if methodology.declarative else "own score function"
    weights_text = ", ".join(f"{k}={v:.3g}" for k, v in result.weights.items())
    lines = [f"Methodology: {methodology.name} ({how}; weights {weights_text})",
             f"Data: {_lens_text(result.table)} ({result.table.n_contributors} contributors)"]
    lines += [f"Directions: {result.directions_text()}"] if any(m.direction == "min" for m in result.table.metrics) else []
    lines += [f"Note: {n}" for n in result.notes]
    lines.append(_render(header, rows, marks))
    if result.filled is not None:
        lines.append(f"   * filled by {fill_text(methodology)}: not an observed value")
    if tie_note:
        lines.append(f"   ({tie_note})")
    if default_cut:
        hidden = result.table.n_contributors - len(shown)
        lines.append(f"   ... {hidden} more rows (--top N to choose, --format csv for all)")
    if focus_index is not None:
        name = result.table.contributors[focus_index]
        lines.append(f"Focus: {term_text(name)} is ranked {_num(result.ranks[focus_index])} of {result.table.n_contributors}.")
    _write(fit_lines(lines), output)


@click.command("compare")
@replayable
@click.argument("methods", nargs=-1)
@method_options()
@data_options
@click.option("--focus", default=None, help=f"Contributor to highlight [{FOCUS_DEFAULT}].")
@click.option("--top", type=click.IntRange(min=1), default=None, help="Show only the first N rows (and the focus).")
@output_options(TABLE_FORMATS, "Write to this file; a .csv, .json or .parquet suffix picks the format.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also save a bump chart of ranks across methodologies (.png or .svg).")
def compare_command(methods: tuple[str, ...], method: MethodOptions, data: DataOptions, focus: str | None,
                    top: int | None, out: OutputOptions, plot_path: Path | None) -> None:
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

    fmt, output = _output_format(out.fmt, out.output, TABLE_FORMATS), out.output
    table = data.load()
    names = list(methods)
    skipped: list[str] = []
    if not names:
        for m in default_registry(method.methods_dirs):
            if m.weights is None or all(k in table.metric_names for k in m.weights):
                names.append(m.name)
            else:
                skipped.append(f"{m.name} (reads metrics the data does not have)")
    results = []
    for name in names:
        methodology = method.resolve(table, data_given=data.given, name=name)
        try:
            results.append(methodology.evaluate(table))
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
    if fmt in ("csv", "parquet", "xlsx"):
        frame = comparison.to_frame().reset_index()
        if fmt in ("parquet", "xlsx"):
            _write_frame(frame, output, fmt)
        else:
            _write(frame.to_csv(index=False), output)
        return
    if fmt == "json":
        payload = comparison.to_dict()
        payload["focus"] = focus_name
        payload["skipped"] = skipped
        payload["notes"] = {r.methodology.name: list(r.notes) for r in results if r.notes}
        _write(json.dumps(payload, indent=2), output)
        return
    focus_row = comparison.contributors.index(focus_name) if focus_name in comparison.contributors else None
    order = list(range(len(comparison.contributors)))
    shown = _cut(order, comparison.ranks[:, 0], top)  # a tie at the cut (first column) is kept whole
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
    # what each methodology's missing rule dropped or filled (the ranks above rest on it)
    by_note: dict[str, list[str]] = {}
    for r in results:
        for note in r.notes:
            by_note.setdefault(note, []).append(r.methodology.name)
    lines += [f"Note ({', '.join(names)}): {note}" for note, names in by_note.items()]
    taus = [f"{b}: {comparison.kendall[0, k]:.3f}" + comparison.kendall_n_text(0, k)
            for k, b in enumerate(comparison.methodologies) if k > 0]
    if taus:
        lines.append(f"Kendall tau-b against {comparison.methodologies[0]}: " + ", ".join(taus))
    if skipped:
        lines.append("Skipped: " + _grouped(skipped))
    _write(fit_lines(lines), output)


@click.command("explain")
@replayable
@click.argument("contributor")
@click.option("--vs", "rival", required=True, help="The rival to compare with.")
@method_options("Methodology name [ai-index; equal-weights with --data].")
@data_options
@format_option()
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also save a bar chart of the per-metric contributions (.png or .svg).")
def explain_command(contributor: str, rival: str, method: MethodOptions, data: DataOptions, fmt: str,
                    plot_path: Path | None) -> None:
    """Explain the score gap between two contributors, metric by metric.

    \b
    Example:
      rankings explain Alibaba --vs Google --method equal-core
    """
    from rankings.explain import explain_gap

    table = data.load()
    result = method.resolve(table, data_given=data.given).evaluate(table)
    explanation = explain_gap(result, contributor, rival)
    if plot_path is not None:
        from rankings.report import plots

        plots.gap_bars(explanation, plot_path)
        click.echo(f"wrote {plot_path}", err=True)
    metrics = list(result.table.metric_names)
    rows_of = [result.table.contributor_index(explanation.first), result.table.contributor_index(explanation.second)]
    filled = {name: [m for j, m in enumerate(metrics) if result.is_filled(i, j)]
              for name, i in zip((explanation.first, explanation.second), rows_of)}
    if fmt == "json":
        payload = explanation.to_dict()
        if any(filled.values()):
            payload["filled"] = {name: cells for name, cells in filled.items() if cells}
            payload["filled_rule"] = result.methodology.missing
        click.echo(json.dumps(payload, indent=2))
        return
    e = explanation
    what = {"additive": "score gap", "log-additive": "gap in log score",
            "shapley": "score gap (Shapley split over metrics)"}[e.method]
    lines = [f"Methodology: {e.methodology}",
             f"{term_text(e.first)} (rank {_num(e.first_rank)}, score {_num(e.first_score)}) vs "
             f"{term_text(e.second)} (rank {_num(e.second_rank)}, score {_num(e.second_score)})",
             f"{what}: {_num(e.gap)}"]
    header = ["metric", "weight", e.first, e.second, "contribution"]
    rows = []
    for m, part in sorted(e.contributions.items(), key=lambda kv: -abs(kv[1])):
        marks = ["*" if m in filled[name] else "" for name in (e.first, e.second)]
        rows.append([m, _num(e.weights[m]), _num(e.values[m][0]) + marks[0], _num(e.values[m][1]) + marks[1],
                     ("+" if part > 0 else "") + _num(part) + ("*" if any(marks) else "")])
    lines.append(_render(header, rows, align_left=(0,)))
    if e.pillars is not None:
        shares = result.methodology.pillars.pillar_weights(e.weights) if result.methodology.pillars else {}
        lines.append("Per pillar (the sum of its metrics' contributions):")
        lines.append(_render(["pillar", "weight", "contribution"],
                             [[p, _num(shares.get(p, 0.0)), ("+" if v > 0 else "") + _num(v)]
                              for p, v in sorted(e.pillars.items(), key=lambda kv: -abs(kv[1]))], align_left=(0,)))
    if any(filled.values()):
        lines.append(f"* filled by {fill_text(result.methodology)}, not observed: that term of the "
                     "gap comes from a filled value.")
    lines.append("A positive contribution favours " + term_text(e.first) + "; contributions add up to the gap.")
    click.echo(fit_lines(lines))


COMMANDS = [rank_command, compare_command, explain_command]
