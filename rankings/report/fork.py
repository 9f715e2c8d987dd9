"""Report sections built in a forked child process, beside the others, on the second core.

The report's sampled sections (rank acceptability and Sobol' indices, rank confidence and
the uncertainty budget) need nothing from the other sections, and most of their time is
importing SALib, scipy.stats and pandas and drawing their figures. Built in a child forked
at the start of the report, that work overlaps the comparison, the exact bounds, sweeps,
tipping points, rivals and ternary map of the parent: on two cores the page takes about
the longer of the two halves instead of their sum. The child runs the same code on the
same inputs and seeds, so the page has the same bytes either way.

Used only where forking is safe and cheap: on Linux, with the sampled runs in this process
(no Dask engine: a forked cluster client is not usable). Anywhere else, or when the child
fails in any way (it sends nothing back), the parent builds the sections itself.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable, Mapping
from typing import Any

Join = Callable[[], "tuple[dict[str, str], Any] | None"]


def can_fork() -> bool:
    """Fork here? Linux only, and only when the sampled runs stay in this process."""
    if not sys.platform.startswith("linux") or not hasattr(os, "fork"):
        return False
    from rankings.sensitivity.engine import _ENGINE

    return _ENGINE.get() is None and os.environ.get("RANKINGS_REPORT_FORK", "1") != "0"


def build_in_child(builders: Mapping[str, Callable[[], str]], extra: Callable[[], Any]) -> Join | None:
    """Start a child that runs every builder (``key -> html``) and then ``extra()``; None if not forked.

    The returned ``join()`` waits for the child and gives ``({key: html}, extra())``, or None
    when the child failed (the caller then builds the sections itself). The child never
    touches the terminal (a spinner thread does not survive a fork) and leaves by
    ``os._exit``, so no buffer or exit handler of the parent runs twice.
    """
    if not can_fork():
        return None
    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child
        code = 1
        try:
            os.close(read_end)
            payload = pickle.dumps(({key: build() for key, build in builders.items()}, extra()))
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            code = 0
        except BaseException:  # noqa: BLE001 - any failure: send nothing, the parent builds the sections
            pass
        finally:
            os._exit(code)
    os.close(write_end)

    def join() -> tuple[dict[str, str], Any] | None:
        try:
            with os.fdopen(read_end, "rb") as pipe:
                data = pipe.read()
        finally:
            _, status = os.waitpid(pid, 0)
            join.pid = None  # type: ignore[attr-defined]  # reaped: never signal that number again
        if not data or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        result: tuple[dict[str, str], Any] = pickle.loads(data)
        return result

    join.pid = pid  # type: ignore[attr-defined]
    return join


def stop(join: Join | None) -> None:
    """End a child whose results will not be read (the parent failed or was interrupted)."""
    pid = getattr(join, "pid", None)
    if pid is None:
        return
    try:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    except (ProcessLookupError, ChildProcessError):
        pass
