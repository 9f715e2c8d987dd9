"""What every command shares: the one-line error contract, writing outputs, plain-text tables.

:class:`CliError` is the one-line error with exit code 2; :func:`domain_errors` turns the
library's errors into it (in one place, :class:`_Group`, for commands run through the main
group, and :func:`cli_errors` for a command used on its own). :func:`_write` prints or writes
an output file whole or not at all; :func:`_render` draws the aligned text tables.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from rankings.errors import RankingsError

FOCUS_DEFAULT = "Alibaba"
"""The default focus of the command line: the headline contributor of the default dataset."""


def choose_focus(methodology: Any, table: Any, focus: str | None, *, needed_by: str | None = None
                 ) -> tuple[str, str | None]:
    """The contributor an analysis is about, and a note when the command line chose it.

    A named ``focus`` must be in the data (closest names suggested otherwise). Without one,
    the default dataset's :data:`FOCUS_DEFAULT` is used when the methodology ranks it. Else a
    question that has no answer without a focus (``needed_by``: sweep, tipping) asks for one,
    with one message whatever the reason; the others analyse the nominal leader and say so.
    """
    if focus is not None:
        return table.contributors[table.contributor_index(focus)], None
    ranked = methodology.evaluate(table)
    if FOCUS_DEFAULT in ranked.table.contributors:
        return FOCUS_DEFAULT, None
    why = ("the data has no " if FOCUS_DEFAULT not in table.contributors else f"{methodology.name} does not rank ") \
        + f"{FOCUS_DEFAULT!r}"
    names = [ranked.table.contributors[i] for i in ranked.order()]
    if needed_by is not None:
        shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
        raise CliError(f"{needed_by} needs --focus NAME, a contributor it ranks ({why}; e.g. {shown})")
    return names[0], (f"no --focus given and {why}: the focus lines describe the nominal leader, "
                      f"{names[0]} (name another with --focus)")


class CliError(click.ClickException):
    """A one-line error with exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


@contextlib.contextmanager
def domain_errors() -> Any:
    """Library errors become one-line CLI errors with exit code 2; warnings go to stderr."""
    import warnings

    from rankings.errors import RankingsWarning

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RankingsWarning)
            try:
                yield
            finally:
                for w in caught:
                    if issubclass(w.category, RankingsWarning):
                        click.echo(f"Warning: {w.message}", err=True)
    except RankingsError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from None
    except MemoryError:
        raise CliError("the run needs more memory than this machine has; use fewer samples") from None
    except UnicodeEncodeError as exc:
        encoding = getattr(sys.stdout, "encoding", None) or exc.encoding
        raise CliError(f"the output encoding {encoding} cannot show {exc.object[exc.start:exc.end]!r}; "
                       "set PYTHONIOENCODING=utf-8 or write the result with --output FILE") from None


INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), apart from 1 (check failed, replay differs) and 2 (bad input)."""


def cli_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`domain_errors` around one command, so it behaves the same outside the main group."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with interruptible(), domain_errors():
            distinct_outputs()
            return func(*args, **kwargs)

    return wrapper


@contextlib.contextmanager
def interruptible() -> Any:
    """Ctrl-C ends the command with exit code 130 and one line on stderr (outputs are never half-written)."""
    try:
        yield
    except KeyboardInterrupt:
        click.echo("Interrupted: nothing was written.", err=True)
        raise click.exceptions.Exit(INTERRUPTED) from None


TERMINATED = 143
"""Exit code after SIGTERM (128 + 15): raised as SystemExit, so every temp file is removed on the way out."""


def _terminate(signum: int, frame: Any) -> None:
    click.echo("Terminated: nothing was written.", err=True)
    sys.exit(TERMINATED)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        import signal
        import threading

        previous = None
        if ctx.parent is None and threading.current_thread() is threading.main_thread():
            previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            with interruptible(), domain_errors():
                return super().invoke(ctx)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)


OUTPUT_PARAMS = ("output", "manifest_path", "log_runs", "plot_path")
"""Parameters that name files a command writes; no two may name the same file."""


def distinct_outputs() -> None:
    """Refuse a command line whose output options name one file twice (one would silently replace the other)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return
    seen: dict[str, str] = {}
    for name in OUTPUT_PARAMS:
        value = ctx.params.get(name)
        if value is None:
            continue
        key = os.path.realpath(os.fspath(value))
        option = "--" + {"manifest_path": "manifest", "plot_path": "plot", "log_runs": "log-runs"}.get(name, name)
        if key in seen:
            raise CliError(f"{seen[key]} and {option} must name different files (both got {str(value)!r})")
        seen[key] = option


_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def term_text(text: Any) -> str:
    """Text from data, safe for a terminal: control characters (newlines, escapes) and bidi overrides escaped.

    A name holding ``ESC[2J`` must not clear the screen, and one holding a newline must not
    draw a forged row; ``\\xNN`` (or ``\\uNNNN``) shows such a character instead.
    """
    text = str(text)
    if text.isprintable() and not (_BIDI & set(text)):
        return text
    out = []
    for ch in text:
        if ch.isprintable() and ch not in _BIDI:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
    return "".join(out)


def _write(text: str, output: Path | None) -> None:
    """Print, or write the whole file atomically (a temp file renamed into place)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["rankings.output"] = text if text.endswith("\n") else text + "\n"
    if output is None:
        # color=True: never strip escape sequences, so `> file` gets the bytes `--output file` gets
        # (tables escape them in names already; only the focus row's own style is added, on a terminal)
        click.echo(text, nl=not text.endswith("\n"), color=True)
        return
    from rankings._atomic import write_text_atomically

    write_text_atomically(output, text if text.endswith("\n") else text + "\n", what="--output")
    if str(output) != "-":
        click.echo(f"wrote {output}", err=True)


SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet", ".xlsx": "xlsx", ".txt": "table"}
"""What an --output suffix means. ``.txt`` holds any text format; no suffix (or a device) follows --format."""

FILE_ONLY = ("parquet", "xlsx")


def _output_format(fmt: str, output: Path | None, allowed: Sequence[str]) -> str:
    """The format to write: ``--format`` when given, else the ``--output`` suffix; a clash is an error."""
    from click.core import ParameterSource

    ctx = click.get_current_context(silent=True)
    explicit = ctx is not None and ctx.get_parameter_source("fmt") not in (None, ParameterSource.DEFAULT)
    if output is None or str(output) == "-":
        if fmt in FILE_ONLY:
            raise CliError(f"--format {fmt} needs --output FILE.{fmt} (got standard output)")
        return fmt
    suffix = Path(output).suffix.lower()
    if not suffix:
        return fmt
    known = [sfx for sfx, f in SUFFIX_FORMATS.items() if f in allowed or sfx == ".txt"]
    if suffix not in SUFFIX_FORMATS or suffix not in known:
        raise CliError(f"--output suffix must be one of {', '.join(known)} for this command (got {suffix}); "
                       "or give --format with a file name without a suffix")
    if suffix == ".txt":
        if fmt in FILE_ONLY:
            raise CliError(f"--format {fmt} cannot be written to a .txt file (got {output})")
        return fmt
    by_suffix = SUFFIX_FORMATS[suffix]
    if explicit and fmt != by_suffix:
        raise CliError(f"--format {fmt} and --output {Path(output).name} disagree (the suffix {suffix} means "
                       f"{by_suffix}); drop one or make them match")
    return by_suffix


def _write_frame(frame: Any, output: Path | None, fmt: str) -> None:
    """Write a DataFrame as Parquet or an Excel workbook (every row), whole or not at all."""
    if output is None:
        raise CliError(f"--format {fmt} needs --output FILE.{fmt}")
    from rankings._atomic import atomic_target

    needs = {"parquet": 'pyarrow, an optional extra: pip install "rankings[parquet]"',
             "xlsx": 'openpyxl, an optional extra: pip install "rankings[excel]"'}[fmt]
    try:
        # checked before the temp file exists
        if fmt == "xlsx":
            import openpyxl  # noqa: F401
        else:
            import pyarrow  # noqa: F401
        with atomic_target(output, what="--output") as tmp:
            if fmt == "parquet":
                frame.to_parquet(tmp, index=False)
            else:
                frame.to_excel(tmp, index=False, engine="openpyxl")
    except ImportError:
        raise CliError(f"writing {fmt} needs {needs}") from None
    click.echo(f"wrote {output}", err=True)


def _num(value: Any) -> str:
    if value is None:
        return "-"
    value = float(value)
    if math.isnan(value):
        return "-"
    if math.isinf(value):
        return "-inf" if value < 0 else "inf"
    if value.is_integer() and abs(value) < 1e12:
        return str(int(value))
    if abs(value) >= 1000:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.4f}".rstrip("0").rstrip(".") if value else "0"


MIN_TEXT_WIDTH = 12
"""A text column (names, descriptions) is never shortened below this many characters."""


def width_limit() -> int | None:
    """How wide tables may be: ``--wide`` means no limit; else ``COLUMNS``, else the terminal's width.

    Output that is not a terminal (a pipe, a file) and has no ``COLUMNS`` is never cut, so
    its bytes do not depend on where it is read.
    """
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().meta.get("rankings.wide"):
        return None
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    to_file = ctx is not None and str(ctx.params.get("output") or "-") != "-"
    if sys.stdout.isatty() and not to_file:  # `--output f` gets the bytes `> f` gets
        import shutil

        return shutil.get_terminal_size().columns
    return None


def fit_lines(lines: Sequence[str]) -> str:
    """Join output lines, wrapping prose lines wider than :func:`width_limit` (tables are fitted already).

    An entry holding a newline is a rendered table and is left as it is.
    """
    limit = width_limit()
    if limit is None:
        return "\n".join(lines)
    import textwrap

    out = []
    for line in lines:
        if "\n" in line or len(line) <= limit:
            out.append(line)
        else:
            indent = " " * (len(line) - len(line.lstrip()))
            out.append(textwrap.fill(line, width=limit, subsequent_indent=indent + "    ",
                                     break_on_hyphens=False, break_long_words=True))
    return "\n".join(out)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 1)] + "…"


def _render(header: Sequence[str], rows: Sequence[Sequence[Any]], marks: Sequence[bool] | None = None,
            align_left: Sequence[int] = (1,), limit: int | None = -1) -> str:
    """An aligned text table, the focus row marked ``->``, fitted to :func:`width_limit`.

    Too wide a table first shortens its widest text columns (with an ellipsis, never below
    :data:`MIN_TEXT_WIDTH`); if numbers alone still do not fit, the columns are stacked in
    blocks that each repeat the first column. ``--wide`` shows everything on one line.
    """
    header = [term_text(h) for h in header]
    cells = [[term_text(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[k]) for r in cells]) for k, h in enumerate(header)]
    limit = width_limit() if limit == -1 else limit

    def total(ws: Sequence[int]) -> int:
        return 3 + sum(ws) + 2 * (len(ws) - 1)

    if limit is not None and total(widths) > limit:
        text_cols = [k for k in align_left if k < len(widths)]
        while total(widths) > limit:
            k = max(text_cols, key=lambda j: widths[j], default=None)
            if k is None or widths[k] <= MIN_TEXT_WIDTH:
                break
            widths[k] = max(MIN_TEXT_WIDTH, widths[k] - (total(widths) - limit))
        header = [_shorten(h, widths[k]) for k, h in enumerate(header)]
        cells = [[_shorten(c, widths[k]) for k, c in enumerate(row)] for row in cells]
        lead = list(range(min(text_cols, default=0) + 1))  # the columns that name a row, repeated per block
        if total(widths) > limit and len(widths) > len(lead) + 1:
            parts = []
            for block in _blocks(widths, limit, len(lead)):
                keep = lead + block
                parts.append(_render([header[k] for k in keep], [[row[k] for k in keep] for row in cells], marks,
                                     [i for i, k in enumerate(keep) if k in align_left], None))
            return "\n\n".join(parts)

    def line(row: Sequence[str]) -> str:
        parts = [(c.ljust(widths[k]) if k in align_left else c.rjust(widths[k])) for k, c in enumerate(row)]
        return "  ".join(parts).rstrip()

    out = ["   " + line(header)]
    color = sys.stdout.isatty()
    for k, row in enumerate(cells):
        marked = bool(marks and marks[k])
        text = ("-> " if marked else "   ") + line(row)
        out.append(click.style(text, bold=True, fg="yellow") if marked and color else text)
    return "\n".join(out)


def _blocks(widths: Sequence[int], limit: int, lead: int) -> list[list[int]]:
    """Columns after the first ``lead``, grouped so that each block (with the lead columns) fits ``limit``."""
    base = 3 + sum(widths[:lead]) + 2 * (lead - 1)
    blocks: list[list[int]] = [[]]
    used = base
    for k in range(lead, len(widths)):
        if blocks[-1] and used + 2 + widths[k] > limit:
            blocks.append([])
            used = base
        blocks[-1].append(k)
        used += 2 + widths[k]
    return blocks


def _lens_text(table: Any) -> str:
    if not table.lens:
        return term_text(table.label)
    lens = table.lens
    years = lens.get("years")
    year_text = f"{years[0]}" if years and years[0] == years[1] else f"{years[0]}-{years[1]}" if years else "?"
    partial = f", partial year (data to {lens.get('data_end')})" if lens.get("partial") else ""
    return (f"{term_text(table.label)}: year {year_text}, counting {lens.get('counting')}, snapshot {lens.get('snapshot')}, "
            f"grouping {term_text(lens.get('grouping'))}, by {lens.get('by')}{partial}")


def _remember(key: str, value: Any) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta.setdefault(key, []).append(value)
