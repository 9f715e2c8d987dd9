"""Option groups, declared once, each applied to a command by one decorator.

A group adds its click options to a command and hands the command function one small
frozen parameter object instead of the loose values:

- :func:`data_options` -> ``data: DataOptions`` (``--data``, ``--models`` and the lens:
  ``--year``, ``--counting``, ``--snapshot``, ``--grouping``, ``--by``; ``--direction``);
- :func:`method_options` -> ``method: MethodOptions`` (optionally ``--method``, then the
  what-if knobs ``--weights`` ... ``--methods-dir``);
- :func:`output_options` -> ``out: OutputOptions`` (``--format`` and ``--output``);
- :func:`sampling_options` -> ``sampling: SamplingOptions`` (the sampled sensitivity run).

Click still parses every option under its own name (``ctx.params`` is unchanged, so run
manifests record the same arguments); only the function signature is grouped.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from rankings.cli.common import CliError, _remember

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def _group(cls: type, keyword: str, options: Sequence[Callable[[Any], Any]], *,
           rename: dict[str, str] | None = None, absent: Sequence[str] = ()) -> Decorator:
    """A decorator adding ``options`` and packing their values into ``cls``, passed as ``keyword``.

    ``rename`` maps a field to its click parameter name where they differ; fields in
    ``absent`` have no option on this command and keep their defaults.
    """
    rename = rename or {}
    pairs = [(rename.get(f.name, f.name), f.name) for f in dataclasses.fields(cls) if f.name not in absent]

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def packed(*args: Any, **kwargs: Any) -> Any:
            kwargs[keyword] = cls(**{field: kwargs.pop(param) for param, field in pairs})
            return func(*args, **kwargs)

        for option in reversed(options):
            packed = option(packed)
        return packed

    return decorate


# ---------------------------------------------------------------------------------------
# data and lens
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DataOptions:
    """Which table to read: a user's file (``--data``) or the default dataset under a lens."""

    data_path: Path | None = None
    models_path: Path | None = None
    year: str | None = None
    counting: str | None = None
    snapshot: str | None = None
    grouping: str | None = None
    by: str | None = None
    directions: str | None = None

    @property
    def given(self) -> bool:
        """True when the user's own table (``--data``) is read."""
        return self.data_path is not None

    @property
    def lens_available(self) -> bool:
        """True when the default dataset's own records are read (lens factors can vary)."""
        return self.data_path is None and self.models_path is None

    def replace(self, **changes: Any) -> DataOptions:
        return dataclasses.replace(self, **changes)

    def lens(self) -> Any:
        """The :class:`~rankings.data.Lens` these options ask for (defaults where not given)."""
        from rankings.data import DEFAULT_LENS, Lens, parse_years

        return Lens(
            years=parse_years(self.year) if self.year else DEFAULT_LENS.years,
            counting=self.counting or DEFAULT_LENS.counting,
            snapshot=self.snapshot or DEFAULT_LENS.snapshot,
            grouping=self.grouping or DEFAULT_LENS.grouping,
            by=self.by or DEFAULT_LENS.by,
        )

    def default_only(self, command: str) -> None:
        """Refuse ``--data`` and ``--models`` for a command that reads the default dataset's own records."""
        if self.data_path is not None or self.models_path is not None:
            raise CliError(f"{command} reads the default dataset's model records; it cannot take --data or --models")

    def load(self) -> Any:
        """The contributor table (remembered for the run manifest)."""
        from rankings.declarative import parse_directions

        lens_given = any(v is not None for v in (self.year, self.counting, self.snapshot, self.grouping, self.by)) \
            or self.models_path is not None
        if self.data_path is not None:
            if lens_given:
                raise CliError("--year, --counting, --snapshot, --grouping, --by and --models read the default "
                               "dataset; they cannot be combined with --data")
            from rankings.table_io import load_table

            table = load_table(self.data_path)
        else:
            from rankings.data import load_default

            table = load_default(self.lens(), models_path=self.models_path)
        if self.directions:
            table = table.with_directions(parse_directions(self.directions), source="--direction")
        _remember("rankings.tables", table)
        return table


SNAPSHOT_HELP = ("Lens: Epoch snapshot 2024-12, 2025-12, 2026-07 or 2026-08, or one that 'rankings data refresh' cached "
                 "(listed by 'rankings data snapshots') [2026-08].")

data_options = _group(DataOptions, "data", [
    click.option("--data", "data_path", type=click.Path(dir_okay=True, path_type=Path),
                 help="Rank a CSV/JSON/Parquet file of contributors x metrics instead of the default dataset."),
    click.option("--models", "models_path", type=click.Path(path_type=Path),
                 help="Your own model-record file (same columns as fixtures/models.csv), read through the lens."),
    click.option("--year", default=None, help="Lens: year or range of years, e.g. 2025 or 2023-2025 [2025]."),
    click.option("--counting", type=click.Choice(["full", "fractional"]), default=None,
                 help="Lens: a model of k organisations counts 1 for each (full) or 1/k (fractional) [full]."),
    click.option("--snapshot", default=None, help=SNAPSHOT_HELP),
    click.option("--grouping", default=None,
                 help="Lens: 'merged' (units roll up to their group, e.g. Google DeepMind -> Google), "
                      "'split', or a CSV file unit,group [merged]."),
    click.option("--by", type=click.Choice(["contributor", "country"]), default=None,
                 help="Lens: rank contributors or country totals [contributor]."),
    click.option("--direction", "directions", default=None,
                 help="Override directions, e.g. --direction cost=min,quality=max."),
])
"""Adds the data and lens options; the command receives ``data: DataOptions``."""


# ---------------------------------------------------------------------------------------
# methodology knobs
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MethodOptions:
    """Which methodology, and the what-if overrides applied to it."""

    name: str | None = None
    weights: str | None = None
    normalize: str | None = None
    aggregate: str | None = None
    bounds: str | None = None
    clip: bool | None = None
    reference: str | None = None
    missing: str | None = None
    methods_dirs: tuple[Path, ...] = ()

    def resolve(self, table: Any, *, data_given: bool, name: str | None = None) -> Any:
        """The methodology (``name`` overrides ``--method``) with every what-if applied.

        Without a name: ``equal-weights`` for a user's table, ``ai-index`` otherwise.
        """
        from rankings.declarative import parse_bounds, parse_weights
        from rankings.registry import default_registry

        registry = default_registry(self.methods_dirs)
        chosen = name or self.name or ("equal-weights" if data_given else "ai-index")
        method = registry.get(chosen)
        parameters: dict[str, Any] = {}
        target_norm = self.normalize or method.normalize
        if self.clip is not None:
            if target_norm != "goalposts":
                raise CliError("--clip applies only with --normalize goalposts")
            parameters["clip"] = self.clip
        if self.reference is not None:
            if target_norm != "distance-to-reference":
                raise CliError("--reference applies only with --normalize distance-to-reference")
            table.contributor_index(self.reference)
            parameters["reference"] = self.reference
        method = method.with_overrides(
            weights=parse_weights(self.weights) if self.weights else None,
            normalize=self.normalize, aggregate=self.aggregate,
            bounds=parse_bounds(self.bounds) if self.bounds else None,
            parameters=parameters or None, missing=self.missing,
        )
        _remember("rankings.methods", method)
        return method


_KNOBS = [
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
    click.option("--missing", type=click.Choice(["error", "drop", "zero", "worst", "mean", "median", "group-mean"]),
                 default=None,
                 help="Rule for missing values in the metrics read (default: the methodology's)."),
    click.option("--methods-dir", "methods_dirs", multiple=True, type=click.Path(path_type=Path),
                 help="Also load TOML methodologies from this folder (repeatable)."),
]


def method_options(name_help: str | None = None, name_default: str | None = None,
                   show_default: bool = False) -> Decorator:
    """Adds ``--method`` (when ``name_help`` is given) and the what-if knobs; packs ``method: MethodOptions``.

    Without ``--method`` (``compare`` names methodologies as arguments) ``method.name`` is None.
    """
    if name_help is None:
        return _group(MethodOptions, "method", _KNOBS, absent=("name",))
    option = click.option("--method", "method_name", default=name_default, show_default=show_default,
                          help=name_help)
    return _group(MethodOptions, "method", [option, *_KNOBS], rename={"name": "method_name"})


# ---------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OutputOptions:
    """The output format and the file written (whole or not at all) instead of printing."""

    fmt: str = "table"
    output: Path | None = None


PLAIN_OUTPUT_HELP = "Write to this file (whole or not at all) instead of printing."

REPLACING = " An existing file keeps its permissions; a symlink is followed; a device, a FIFO or - is written through."
"""How every output option treats what it replaces (said in each --output help)."""


def output_options(formats: Sequence[str] = ("table", "json"), output_help: str = PLAIN_OUTPUT_HELP, *,
                   format_first: bool = True) -> Decorator:
    """Adds ``--format`` and ``--output``/``-o``; packs ``out: OutputOptions``.

    ``format_first`` only orders the two options in ``--help``.
    """
    fmt = click.option("--format", "fmt", type=click.Choice(list(formats)), default="table", show_default=True,
                       help="Output format.")
    output = click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
                          help=output_help + REPLACING)
    return _group(OutputOptions, "out", [fmt, output] if format_first else [output, fmt])


def format_option(choices: Sequence[str] = ("table", "json")) -> Callable[..., Any]:
    """``--format`` alone, for commands that only print (passed as ``fmt``)."""
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default="table", show_default=True,
                        help="Output format.")


methods_dir_option = click.option("--methods-dir", "methods_dirs", multiple=True, type=click.Path(path_type=Path),
                                  help="Also load TOML methodologies from this folder (repeatable).")


# ---------------------------------------------------------------------------------------
# sampling
# ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class SamplingOptions:
    """What a sampled sensitivity run draws, how many runs, and what it keeps."""

    samples: int = 10000
    seed: int = 0
    sampler: str = "dirichlet"
    concentration: float = 50.0
    limits: str | None = None
    vary: tuple[str, ...] = ()
    uncertainty_path: Path | None = None
    poisson: bool = False
    sobol: bool = False
    sobol_samples: int = 1024
    chunk_size: int | None = None
    log_runs: Path | None = None
    workers: int | None = None
    scheduler: str | None = None
    scheduler_timeout: float = 10.0


CLUSTER_OPTIONS = [
    click.option("--workers", type=click.IntRange(min=0), default=None,
                 help="Run on a local Dask cluster of N worker processes (pip install \"rankings[distributed]\"); "
                      "0 runs in this process even with DASK_SCHEDULER_ADDRESS set. Same output for any N."),
    click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                 help="Run on an existing Dask cluster [$DASK_SCHEDULER_ADDRESS]. Same output as in this process."),
    click.option("--scheduler-timeout", "scheduler_timeout", type=click.FloatRange(min=0, min_open=True),
                 default=10.0, metavar="SECONDS",
                 help="Seconds to wait for the scheduler (and its first worker) before a one-line error [10]."),
]
"""``--workers``, ``--scheduler``, ``--scheduler-timeout``: where sampled runs are evaluated."""


def _on_cluster(func: Callable[..., Any]) -> Callable[..., Any]:
    """Run the command inside the engine its ``sampling`` options ask for (in process by default)."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from rankings.cli.cluster import cluster_engine

        s = kwargs["sampling"]
        with cluster_engine(s.workers, s.scheduler, s.scheduler_timeout):
            return func(*args, **kwargs)

    return wrapper


_sampling_group = _group(SamplingOptions, "sampling", [
    click.option("--samples", type=int, default=10000, show_default=True, help="Monte Carlo runs."),
    click.option("--seed", type=int, default=0, show_default=True,
                 help="Random seed; the same seed gives the same result for any --chunk-size."),
    click.option("--sampler", type=click.Choice(["dirichlet", "concentrated", "qmc"]), default="dirichlet",
                 show_default=True,
                 help="Weights: uniform on the simplex, Dirichlet around the methodology's weights, "
                      "or scrambled Sobol' points."),
    click.option("--concentration", type=float, default=50.0, show_default=True,
                 help="kappa of the concentrated sampler (alpha = kappa * w0; larger = tighter)."),
    click.option("--limits", default=None, help="Weight limits per metric, e.g. --limits frontier_eci=0.1:0.5."),
    click.option("--vary", "vary", multiple=True,
                 help="Method choice drawn in each run (repeatable): normalize=a,b  aggregate=a,b  counting  "
                      "year=2024,2025  snapshot[=...]  drop-metric."),
    click.option("--uncertainty", "uncertainty_path", type=click.Path(path_type=Path), default=None,
                 help="CSV contributor,metric,distribution,mean,sd,low,high (normal, lognormal, poisson, uniform)."),
    click.option("--poisson", is_flag=True, default=False,
                 help="Poisson noise on every count metric (mean = the observed value)."),
    click.option("--sobol", is_flag=True, default=False,
                 help="Also estimate Sobol' indices of the focus rank and of the mean rank shift."),
    click.option("--sobol-samples", type=int, default=1024, show_default=True,
                 help="Base rows of the Saltelli design (a power of 2); runs = base x (groups + 2)."),
    click.option("--chunk-size", type=int, default=None, help="Runs per compute chunk [picked from N]."),
    click.option("--log-runs", "log_runs", type=click.Path(path_type=Path), default=None,
                 help="Write every run's weights, choices and the focus rank to this CSV."),
    *CLUSTER_OPTIONS,
])


def sampling_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Adds the sampled-run options of ``rankings sensitivity``; packs ``sampling: SamplingOptions``.

    The command runs inside the engine ``--workers``/``--scheduler`` ask for
    (:mod:`rankings.cli.cluster`), so every sampled analysis it calls goes there.
    """
    return _sampling_group(_on_cluster(func))
