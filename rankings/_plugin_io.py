"""Plugin code runs with its standard output sent to standard error.

A plugin that prints while it is imported or while it scores must not corrupt what the
library's caller writes on stdout (``--format json``, CSV). :func:`stdout_to_stderr`
points ``sys.stdout`` at ``sys.stderr`` for as long as any plugin call is running; it
is re-entrant and safe from several threads (the sensitivity engine scores in worker
threads): the first call to enter saves stdout, the last to leave restores it.

Only Python-level writes are redirected (``print``, ``sys.stdout.write``); a plugin
that writes to file descriptor 1 itself (C code, ``os.write(1, ...)``) is not.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator
from typing import Any

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
