"""Progress on stderr for the commands that can run long: a bar for counted work, a spinner otherwise.

Both use rich and appear only when stderr is a terminal, so JSON, redirected output and
tests stay clean (rich is imported only then). A sampled run that will compile the kernels
(numba backend, no kernel cache on disk yet) says so ("compiling kernels (first run only)")
until its first chunk is done: numba compiles them once and caches them on disk.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any


def _on_terminal() -> bool:
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


class Bar:
    """``bar(done, total)`` after each piece of work; ``bar.close()`` at the end (or use ``with``)."""

    def __init__(self, label: str, *, enabled: bool = True, first: str | None = None) -> None:
        self.label = label
        self.first = first
        self.enabled = enabled and _on_terminal()
        self._progress: Any = None
        self._task: Any = None

    def _start(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                  TimeRemainingColumn(), console=Console(stderr=True), transient=True)
        self._progress.start()
        self._task = self._progress.add_task(self.first or self.label, total=total)

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._progress is None:
            self._start(total)
        self._progress.update(self._task, completed=done, total=total, description=self.label)

    def begin(self, total: int) -> None:
        """Show the bar at 0 before the first piece (for work whose first piece is slow)."""
        if self.enabled and self._progress is None:
            self._start(total)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


@contextlib.contextmanager
def status(text: str) -> Iterator[Any]:
    """A spinner with ``text`` while the block runs; yields a function that changes the text."""
    if not _on_terminal():
        yield lambda new: None
        return
    from rich.console import Console

    with Console(stderr=True).status(text) as spinner:
        yield lambda new: spinner.update(new)


def kernels_pending(work: int | None = None) -> bool:
    """True when a run of ``work`` samples x contributors will compile the kernels (no cache yet).

    Decided without importing numba: the numpy backend (forced, or chosen for small work)
    compiles nothing, and a kernel cache on disk means numba only loads it.
    """
    try:
        from rankings.sensitivity import backends, kernels

        with backends.prefer_numpy_for(-1 if work is None else work):
            if backends.backend_name_without_import() != "numba":
                return False
        return not kernels._compiled and not kernels.cache_ready()
    except Exception:  # noqa: BLE001 - a bad setting is reported by the run itself
        return False
