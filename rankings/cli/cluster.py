"""Where a command's sampled runs are evaluated: in this process, or on a Dask cluster.

:func:`cluster_engine` turns ``--workers N`` / ``--scheduler ADDRESS`` (or the
``DASK_SCHEDULER_ADDRESS`` environment variable) into a running
:class:`~rankings.sensitivity.distributed.DaskEngine` for the length of the command, and
records which engine ran for the run manifest (``ctx.meta["rankings.engine"]``). Without
either, nothing changes and Dask is not imported. The output is the same bytes on every
engine, so a manifest's replay does not need the cluster.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import click

from rankings.cli.common import CliError, domain_errors, interruptible

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
IN_PROCESS = {"engine": "in-process"}


def _remember(engine: dict[str, Any]) -> None:
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta["rankings.engine"] = engine


@contextlib.contextmanager
def cluster_engine(workers: int | None, scheduler: str | None, timeout: float = 10.0) -> Iterator[Any]:
    """The engine the options ask for, active for the block (``None`` in process)."""
    if workers is not None and scheduler is not None:
        raise CliError(f"--workers starts a local cluster and --scheduler names another; give one "
                       f"(got --workers {workers} and --scheduler {scheduler})")
    address = scheduler if scheduler is not None else (os.environ.get(SCHEDULER_ENV, "").strip() or None
                                                       if workers is None else None)
    if workers == 0 or (workers is None and address is None):
        _remember(IN_PROCESS)
        yield None
        return
    with interruptible(), domain_errors():
        from rankings.sensitivity.distributed import DaskEngine
        from rankings.sensitivity.engine import use_engine

        engine = DaskEngine(workers=workers, scheduler=address, timeout=timeout)
        with engine, use_engine(engine):
            _remember(engine.describe())
            yield engine
