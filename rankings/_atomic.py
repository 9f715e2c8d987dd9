"""Files written whole or not at all.

:func:`atomic_target` yields a temporary path in the destination folder; when the
block ends normally the file gets the permissions a plain ``open(path, "w")`` would
give (0666 less the umask, not mkstemp's 0600) and is renamed over the destination.
On any error the temporary file is removed and the destination is untouched.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from rankings.errors import DataError


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@contextlib.contextmanager
def atomic_target(path: str | Path, *, what: str = "output") -> Iterator[Path]:
    """A temporary sibling of ``path`` that replaces it when the block succeeds."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise DataError(f"{what} must be a file path (got the folder {str(path)!r})")
    if not folder.is_dir():
        raise DataError(f"{what} folder must exist (got {str(folder)!r})")
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text_atomically(path: str | Path, text: str, *, what: str = "output") -> None:
    with atomic_target(path, what=what) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")
