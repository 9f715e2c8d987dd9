"""Shared pieces of the command line: error handling, options, loading, formatting.

Command modules (:mod:`rankings.cli`, :mod:`rankings.cli_analysis`) import from here;
nothing here imports a command module.
"""

from __future__ import annotations

import contextlib
import functools
import io
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from rankings.errors import RankingsError

FOCUS_DEFAULT = "Alibaba"


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


def cli_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """:func:`domain_errors` around one command, so it behaves the same outside the main group."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with domain_errors():
            return func(*args, **kwargs)

    return wrapper


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        with domain_errors():
            return super().invoke(ctx)


# ---------------------------------------------------------------------------------------
# shared options
# ---------------------------------------------------------------------------------------

def _data_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--data", "data_path", type=click.Path(dir_okay=True, path_type=Path),
                     help="Rank a CSV/JSON/Parquet file of contributors x metrics instead of the default dataset."),
        click.option("--models", "models_path", type=click.Path(path_type=Path),
                     help="Your own model-record file (same columns as fixtures/models.csv), read through the lens."),
        click.option("--year", default=None, help="Lens: year or range of years, e.g. 2025 or 2023-2025 [2025]."),
        click.option("--counting", type=click.Choice(["full", "fractional"]), default=None,
                     help="Lens: a model of k organisations counts 1 for each (full) or 1/k (fractional) [full]."),
        click.option("--snapshot", default=None, help="Lens: Epoch snapshot 2024-12, 2025-12 or 2026-07 [2026-07]."),
        click.option("--grouping", default=None,
                     help="Lens: 'merged' (units roll up to their group, e.g. Google DeepMind -> Google), "
                          "'split', or a CSV file unit,group [merged]."),
        click.option("--by", type=click.Choice(["contributor", "country"]), default=None,
                     help="Lens: rank contributors or country totals [contributor]."),
        click.option("--direction", "directions", default=None,
                     help="Override directions, e.g. --direction cost=min,quality=max."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _method_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--weights", default=None,
                     help="What-if weights replacing the methodology's, e.g. --weights a=0.2,b=0.8 "
                          "(rescaled to sum to 1)."),
        click.option("--normalize", default=None,
                     help="What-if normalisation: none, min-max, z-score, rank, percentile, log-min-max, share, "
                          "ratio-to-leader, distance-to-reference, goalposts, vector."),
        click.option("--aggregate", default=None,
                     help="What-if aggregation: arithmetic, geometric, topsis, waspas, promethee-ii, borda, "
                          "copeland, kemeny, lexicographic."),
        click.option("--bounds", default=None, help="Goalposts per metric, e.g. --bounds notable_models=0:30."),
        click.option("--clip/--no-clip", default=None, help="With goalposts: clip to [0, 1] instead of extrapolating."),
        click.option("--reference", default=None,
                     help="With distance-to-reference: the contributor whose values score 1."),
        click.option("--missing", type=click.Choice(["error", "drop", "zero", "worst"]), default=None,
                     help="Rule for missing values in the metrics read (default: the methodology's)."),
        click.option("--methods-dir", "methods_dirs", multiple=True, type=click.Path(path_type=Path),
                     help="Also load TOML methodologies from this folder (repeatable)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _format_option(choices: Sequence[str] = ("table", "json")) -> Callable[..., Any]:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default="table", show_default=True,
                        help="Output format.")


def _load_table(data_path: Path | None, models_path: Path | None, year: str | None, counting: str | None,
                snapshot: str | None, grouping: str | None, by: str | None, directions: str | None) -> Any:
    from rankings.declarative import parse_directions

    lens_given = any(v is not None for v in (year, counting, snapshot, grouping, by)) or models_path is not None
    if data_path is not None:
        if lens_given:
            raise CliError("--year, --counting, --snapshot, --grouping, --by and --models read the default "
                           "dataset; they cannot be combined with --data")
        from rankings.table import load_table

        table = load_table(data_path)
    else:
        from rankings.data import DEFAULT_LENS, Lens, load_default, parse_years

        lens = Lens(
            years=parse_years(year) if year else DEFAULT_LENS.years,
            counting=counting or DEFAULT_LENS.counting,
            snapshot=snapshot or DEFAULT_LENS.snapshot,
            grouping=grouping or DEFAULT_LENS.grouping,
            by=by or DEFAULT_LENS.by,
        )
        table = load_default(lens, models_path=models_path)
    if directions:
        table = table.with_directions(parse_directions(directions))
    _remember("rankings.tables", table)
    return table


def _resolve_method(name: str | None, table: Any, *, data_given: bool, weights: str | None, normalize: str | None,
                    aggregate: str | None, bounds: str | None, clip: bool | None, reference: str | None,
                    missing: str | None, methods_dirs: Sequence[Path]) -> Any:
    from rankings.declarative import parse_bounds, parse_weights
    from rankings.registry import default_registry

    registry = default_registry(methods_dirs)
    if name is None:
        name = "equal-weights" if data_given else "ai-index"
    method = registry.get(name)
    parameters: dict[str, Any] = {}
    target_norm = normalize or method.normalize
    if clip is not None:
        if target_norm != "goalposts":
            raise CliError("--clip applies only with --normalize goalposts")
        parameters["clip"] = clip
    if reference is not None:
        if target_norm != "distance-to-reference":
            raise CliError("--reference applies only with --normalize distance-to-reference")
        table.contributor_index(reference)
        parameters["reference"] = reference
    method = method.with_overrides(
        weights=parse_weights(weights) if weights else None,
        normalize=normalize, aggregate=aggregate,
        bounds=parse_bounds(bounds) if bounds else None,
        parameters=parameters or None, missing=missing,
    )
    _remember("rankings.methods", method)
    return method


def _write(text: str, output: Path | None) -> None:
    """Print, or write the whole file atomically (a temp file renamed into place)."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["rankings.output"] = text if text.endswith("\n") else text + "\n"
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    from rankings._atomic import write_text_atomically

    write_text_atomically(output, text if text.endswith("\n") else text + "\n", what="--output")
    click.echo(f"wrote {output}", err=True)


SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".parquet": "parquet"}


def _output_format(fmt: str, output: Path | None, allowed: Sequence[str]) -> str:
    """The format to write: the --output file's suffix decides when it names one."""
    if output is None:
        if fmt == "parquet":
            raise CliError("--format parquet needs --output FILE.parquet")
        return fmt
    chosen = SUFFIX_FORMATS.get(Path(output).suffix.lower(), fmt)
    if chosen not in allowed:
        raise CliError(f"--output suffix must be one of {', '.join(s for s, f in SUFFIX_FORMATS.items() if f in allowed)}"
                       f" for this command (got {Path(output).suffix or 'none'})")
    return chosen


def _write_parquet(frame: Any, output: Path | None) -> None:
    """Write a DataFrame as Parquet, whole or not at all."""
    if output is None:
        raise CliError("--format parquet needs --output FILE.parquet")
    from rankings._atomic import atomic_target

    try:
        with atomic_target(output, what="--output") as tmp:
            frame.to_parquet(tmp, index=False)
    except ImportError:
        raise CliError("writing Parquet needs pyarrow (pip install pyarrow)") from None
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


def _render(header: Sequence[str], rows: Sequence[Sequence[Any]], marks: Sequence[bool] | None = None,
            align_left: Sequence[int] = (1,)) -> str:
    cells = [[str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[k]) for r in cells]) for k, h in enumerate(header)]

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


def _lens_text(table: Any) -> str:
    if not table.lens:
        return table.label
    lens = table.lens
    years = lens.get("years")
    year_text = f"{years[0]}" if years and years[0] == years[1] else f"{years[0]}-{years[1]}" if years else "?"
    return (f"{table.label}: year {year_text}, counting {lens.get('counting')}, snapshot {lens.get('snapshot')}, "
            f"grouping {lens.get('grouping')}, by {lens.get('by')}")




# ---------------------------------------------------------------------------------------
# run manifests
# ---------------------------------------------------------------------------------------

def _remember(key: str, value: Any) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta.setdefault(key, []).append(value)


class _Tee(io.TextIOBase):
    """Writes to the real stdout and keeps a copy."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.copy = io.StringIO()

    def write(self, text: str) -> int:
        self.copy.write(text)
        return self.target.write(text)

    def flush(self) -> None:
        self.target.flush()

    def isatty(self) -> bool:
        return bool(getattr(self.target, "isatty", lambda: False)())


def _arguments(command: click.Command, params: dict[str, Any]) -> list[str]:
    """Rebuild command-line arguments from parsed parameters (no --manifest, no --output)."""
    args: list[str] = []
    positional: list[str] = []
    for p in command.params:
        if p.name in ("manifest_path", "output") or p.name is None:
            continue
        value = params.get(p.name)
        if isinstance(p, click.Argument):
            values = value if isinstance(value, (tuple, list)) else [value]
            positional += [str(v) for v in values if v is not None]
            continue
        if not isinstance(p, click.Option) or value is None or value == () or value == p.default:
            continue
        if p.is_flag:
            if p.secondary_opts:
                args.append(p.opts[0] if value else p.secondary_opts[0])
            elif value:
                args.append(p.opts[0])
            continue
        for v in (value if p.multiple else [value]):
            args += [p.opts[0], str(v)]
    return args + (["--", *positional] if positional else [])


MANIFEST_HELP = ("Write a JSON run manifest (versions, data hash, methodology definitions, options, seed, "
                 "output hash) that 'rankings replay' can rerun and check.")


def _with_manifest(func: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(func)
    def wrapper(*args: Any, manifest_path: Path | None = None, **kwargs: Any) -> Any:
        if manifest_path is None:
            return func(*args, **kwargs)
        from rankings.manifest import Manifest, current_versions, describe_data, text_digest, write_json_atomically

        ctx = click.get_current_context()
        tee = _Tee(sys.stdout)
        with contextlib.redirect_stdout(tee):
            result = func(*args, **kwargs)
        output = ctx.meta.get("rankings.output") or tee.copy.getvalue()
        methods = {m.name: m.to_dict() for m in ctx.meta.get("rankings.methods", [])}
        manifest = Manifest(
            command=" ".join(ctx.command_path.split()[1:]),
            arguments=_arguments(ctx.command, ctx.params),
            versions=current_versions(),
            data=describe_data(ctx.meta.get("rankings.tables", [])),
            methodologies=list(methods.values()),
            seed=ctx.params.get("seed"),
            output_sha256=text_digest(output),
            output_bytes=len(output.encode("utf-8")),
        )
        write_json_atomically(manifest.to_dict(), manifest_path)
        return result

    return wrapper


def replayable(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--manifest FILE``: record what the run read and printed, for ``rankings replay``."""
    option = click.option("--manifest", "manifest_path", type=click.Path(path_type=Path), default=None,
                          help=MANIFEST_HELP)
    return option(_with_manifest(func))


def add_manifest(command: click.Command) -> click.Command:
    """The same as :func:`replayable`, for a command object built elsewhere."""
    command.params.append(click.Option(["--manifest", "manifest_path"], type=click.Path(path_type=Path),
                                       default=None, help=MANIFEST_HELP))
    if command.callback is not None:
        command.callback = _with_manifest(command.callback)
    return command
