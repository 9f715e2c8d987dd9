"""Plugin code runs with its standard output sent to standard error.

A plugin that prints while it is imported or while it scores must not corrupt what the
library's caller writes on stdout (``--format json``, CSV). :func:`stdout_to_stderr`
points ``sys.stdout`` at ``sys.stderr`` for as long as any plugin call is running; it
is re-entrant and safe from several threads (the sensitivity engine scores in worker
threads): the first call to enter saves stdout, the last to leave restores it.

Only Python-level writes are redirected (``print``, ``sys.stdout.write``); a plugin
that writes to file descriptor 1 itself (C code, ``os.write(1, ...)``) is not.
:func:`checked_scores` checks what a plugin's score function returned.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

_lock = threading.Lock()
_depth = 0
_saved: Any = None


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """``sys.stdout`` is ``sys.stderr`` inside the block (nested and threaded uses share one switch)."""
    global _depth, _saved
    with _lock:
        if _depth == 0:
            _saved = sys.stdout
            sys.stdout = sys.stderr
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                sys.stdout = _saved
                _saved = None


def exit_text(exc: SystemExit) -> str:
    """``sys.exit(3)`` -> ``"called sys.exit(3)"``, for an error naming the plugin."""
    return f"called sys.exit({exc.code!r})"


def checked_scores(result: Any, contributors: tuple[str, ...], shape: tuple[int, ...], where: str) -> np.ndarray:
    """A plugin's scores as a float array of ``shape``, reordered by its index if it has one, else an error."""
    from rankings.errors import MethodologyError

    index = getattr(result, "index", None)
    if index is not None and not callable(index) and len(shape) == 1:
        labels = [str(x) for x in index]
        if sorted(labels) != sorted(contributors):
            extra = sorted(set(labels) - set(contributors))[:1] or sorted(set(contributors) - set(labels))[:1]
            raise MethodologyError(
                f"{where}: score must be indexed by the table's contributors (got index entry mismatch at {extra[0]!r})"
                if extra else f"{where}: score must be indexed by the table's contributors (got duplicates)"
            )
        position = {name: i for i, name in enumerate(labels)}
        result = np.asarray(result, dtype=float)[[position[c] for c in contributors]]
    try:
        array = np.asarray(result, dtype=float)
    except (TypeError, ValueError):
        raise MethodologyError(f"{where}: score must return numbers (got {type(result).__name__})") from None
    if array.shape != shape:
        raise MethodologyError(f"{where}: score must return shape {shape} (got {array.shape})")
    if np.isnan(array).any():
        i = int(np.flatnonzero(np.isnan(array.reshape(-1)))[0]) % shape[-1]
        raise MethodologyError(f"{where}: score returned NaN (first for {contributors[i]!r})")
    if np.isposinf(array).any():
        raise MethodologyError(f"{where}: score returned +inf; scores must be finite or -inf")
    return array
