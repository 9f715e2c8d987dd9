"""Run manifests: ``--manifest FILE`` records what a run read and printed; ``rankings replay`` checks it.

:func:`replayable` (or :func:`add_manifest` for a command built elsewhere) adds the option;
the recorded arguments are rebuilt from click's parsed parameters, so a replay runs the
same command line. ``replay`` reruns it through the main group and compares.
"""

from __future__ import annotations

import contextlib
import functools
import io
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from rankings.cli.common import CliError, distinct_outputs


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


ENGINE_PARAMS = ("workers", "scheduler", "scheduler_timeout")
"""Where the runs were evaluated: recorded as the manifest's ``engine``, not as arguments, so a replay
runs in process (the output is the same bytes on every engine)."""


def _arguments(command: click.Command, params: dict[str, Any]) -> list[str]:
    """Rebuild command-line arguments from parsed parameters (no --manifest, --output or engine options)."""
    args: list[str] = []
    positional: list[str] = []
    for p in command.params:
        if p.name in ("manifest_path", "output", *ENGINE_PARAMS) or p.name is None:
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
        distinct_outputs()
        if manifest_path is None:
            return func(*args, **kwargs)
        # a recorded (or replayed) run prints full-width tables, so its bytes do not depend on the terminal
        click.get_current_context().find_root().meta["rankings.wide"] = True
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
            engine=ctx.meta.get("rankings.engine"),
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


@click.command("replay")
@click.argument("manifest", type=click.Path(path_type=Path))
def replay_command(manifest: Path) -> None:
    """Rerun a command from its --manifest and check that it prints the same bytes.

    Prints the output again; exit code 1 and a list of what differs (version, data,
    methodology definitions, output) when the replay does not match.

    \b
    Example:
      rankings sensitivity --seed 7 --manifest run.json > first.txt
      rankings replay run.json
    """
    import tempfile

    from rankings.manifest import differences, read_manifest

    recorded = read_manifest(manifest)
    words = recorded.command.split()
    if not words or words[0] == "replay":
        raise CliError(f"manifest {manifest} must name the command it recorded (got {recorded.command!r})")
    with tempfile.TemporaryDirectory(prefix="rankings-replay-") as folder:
        fresh_path = Path(folder) / "replay.json"
        arguments, redirected = redirect_outputs(recorded.arguments, Path(folder))
        for option, path in redirected:
            click.echo(f"replay: {option} {path!r} from the manifest goes to a temporary file, removed afterwards; "
                       "replay writes nothing else", err=True)
        split = arguments.index("--") if "--" in arguments else len(arguments)
        args = [*words, *arguments[:split], "--manifest", str(fresh_path), *arguments[split:]]
        click.get_current_context().find_root().command.main(args=args, standalone_mode=False, prog_name="rankings")
        fresh = read_manifest(fresh_path)
    problems = differences(recorded, fresh)
    if problems:
        for line in problems:
            click.echo(f"replay differs: {line}", err=True)
        sys.exit(1)
    click.echo(f"replay matches {manifest}: identical output (sha256 {fresh.output_sha256[:16]})", err=True)


WRITING_OPTIONS = ("--output", "-o", "--log-runs", "--plot", "--manifest")
"""Options that name a file the command writes: a replay sends each to its temporary folder."""


def redirect_outputs(arguments: list[str], folder: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """``arguments`` with every file-writing option pointed into ``folder``; and what was redirected.

    Handles ``--output F``, ``--output=F`` and ``-oF``; positional arguments after ``--`` are
    left alone. The suffix is kept (it picks the output format), the name is not.
    """
    out: list[str] = []
    redirected: list[tuple[str, str]] = []
    i = 0
    while i < len(arguments):
        arg = arguments[i]
        if arg == "--":
            out += arguments[i:]
            break
        option, value = None, None
        name, eq, rest = arg.partition("=")
        if name in WRITING_OPTIONS and eq and name.startswith("--"):
            option, value = name, rest
        elif arg in WRITING_OPTIONS and i + 1 < len(arguments):
            option, value = arg, arguments[i + 1]
            i += 1
        elif arg.startswith("-o") and not arg.startswith("--") and len(arg) > 2:
            option, value = "-o", arg[2:]
        if option is None or value is None:
            out.append(arg)
        else:
            suffix = Path(value).suffix if len(Path(value).suffix) <= 16 else ""
            out += [option, str(folder / f"redirected-{len(redirected) + 1}{suffix}")]
            redirected.append((option, value))
        i += 1
    return out, redirected
