"""Outputs written whole or not at all, respecting what they replace.

:func:`atomic_target` yields a temporary path; the caller writes the whole output there,
and only when the block ends normally does it reach the destination:

* **a new name or a regular file**: the temporary file is a short hidden sibling
  (``.rk-XXXXXXXX.tmp``, so a destination name of up to 255 bytes stays writable),
  given the mode of the file it replaces (and its owner and group where the process may
  set them) or, for a new name, the mode a plain ``open(path, "w")`` gives (0666 less
  the umask), then renamed over the destination: readers see the old file or the new
  one, never a part of it.
* **a symbolic link** is followed (through every link of a chain): the file it points
  to is replaced as above and the link itself is kept.
* **a device, a FIFO, a socket, ``-`` (standard output) or ``/dev/stdout``** (any
  link to an open descriptor, ``/proc/<pid>/fd/N``) is written through: the
  bytes are copied into it once the output is complete, so it is never replaced by a
  regular file, and a failed write (``/dev/full``) is an error, not a success. The
  temporary file then lives in the system's temporary folder.
* **hard links**: the rename gives the destination name a new file; any other name
  (hard link) of the old file keeps the old content.

On every failure path the temporary file is removed and the destination is untouched;
an operating-system error is reported naming the destination the user gave, never the
temporary file. :class:`AtomicFile` is the same for outputs written in a stream (the
run log of ``--log-runs``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from rankings.errors import DataError, RankingsError

STDOUT = "-"
"""The output name meaning standard output."""


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


@dataclass(frozen=True)
class _Plan:
    """Where the bytes go and what the replaced file looked like."""

    shown: str  # the path as the user gave it, for messages
    what: str
    error: type[RankingsError]
    target: Path | None  # the file to replace or write through; None for stdout
    stream: bool  # write through (device, FIFO, socket, stdout) instead of renaming
    existing: os.stat_result | None

    def fail(self, exc: OSError) -> RankingsError:
        reason = exc.strerror or type(exc).__name__
        return self.error(f"{self.what} {self.shown!r} could not be written ({reason})")


_DESCRIPTOR_FOLDERS = ("/proc/", "/dev/fd/")


def _via_descriptor(link: Path) -> bool:
    """True when a chain of symlinks passes through ``/proc/.../fd`` or ``/dev/fd``."""
    here = Path(os.path.abspath(link))
    for _ in range(40):
        if str(here).startswith(_DESCRIPTOR_FOLDERS):
            return True
        if not here.is_symlink():
            return False
        here = Path(os.path.abspath(here.parent / os.readlink(here)))
    return False


def _plan(path: str | Path, what: str, error: type[RankingsError]) -> _Plan:
    shown = str(path)
    if shown == STDOUT:
        return _Plan(shown, what, error, None, True, None)
    given = Path(path)
    try:
        try:
            existing: os.stat_result | None = given.stat()  # through any symlinks
        except FileNotFoundError:
            existing = None
        if existing is not None and stat.S_ISDIR(existing.st_mode):
            raise error(f"{what} must be a file path (got the folder {shown!r})")
        stream = existing is not None and not stat.S_ISREG(existing.st_mode)
        target = given
        if not stream and given.is_symlink():
            # /dev/stdout and /dev/fd/N name an open descriptor of this process (a shell
            # redirection): written through, not renamed over; other links are followed
            stream = existing is not None and _via_descriptor(given)
            target = given if stream else Path(os.path.realpath(given))
    except OSError as exc:  # a name too long, a folder we may not search...
        raise _Plan(shown, what, error, given, False, None).fail(exc) from None
    folder = target.parent if str(target.parent) else Path(".")
    if not stream and not folder.is_dir():
        raise error(f"{what} folder must exist (got {str(folder)!r})")
    return _Plan(shown, what, error, target, stream, existing)


def _temporary(plan: _Plan) -> Path:
    folder = None if plan.stream or plan.target is None else (plan.target.parent if str(plan.target.parent) else ".")
    try:
        fd, name = tempfile.mkstemp(prefix=".rk-" if folder else "rankings-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise plan.fail(exc) from None
    os.close(fd)
    return Path(name)


def _adopt_owner_and_mode(tmp: Path, existing: os.stat_result | None) -> None:
    if existing is None:
        os.chmod(tmp, 0o666 & ~_umask())
        return
    if (existing.st_uid, existing.st_gid) != (os.geteuid(), os.getegid()):
        for uid, gid in ((existing.st_uid, existing.st_gid), (-1, existing.st_gid)):
            try:
                os.chown(tmp, uid, gid)
                break
            except OSError:  # not allowed (only root may give a file away): keep ours
                continue
    os.chmod(tmp, stat.S_IMODE(existing.st_mode))  # after chown, which may clear set-id bits


def _write_through(tmp: Path, target: Path | None) -> None:
    with open(tmp, "rb") as source:
        if target is None:
            sys.stdout.flush()
            out: Any = getattr(sys.stdout, "buffer", None)
            if out is None:
                sys.stdout.write(source.read().decode("utf-8"))
            else:
                shutil.copyfileobj(source, out)
                out.flush()
            sys.stdout.flush()
            return
        with open(target, "wb") as device:
            shutil.copyfileobj(source, device)


def _finish(plan: _Plan, tmp: Path) -> None:
    if plan.stream:
        _write_through(tmp, plan.target)
        tmp.unlink()
        return
    assert plan.target is not None
    _adopt_owner_and_mode(tmp, plan.existing)
    os.replace(tmp, plan.target)


def _ours(exc: OSError, tmp: Path) -> bool:
    """True when an error of the caller's block is about the temporary file (a full disk)."""
    return exc.filename is not None and str(exc.filename) == str(tmp)


@contextlib.contextmanager
def atomic_target(path: str | Path, *, what: str = "output",
                  error: type[RankingsError] = DataError) -> Iterator[Path]:
    """A temporary path whose content replaces (or is written through to) ``path`` when the block succeeds.

    A regular file is replaced by a rename, keeping its mode (and owner and group where
    allowed); a symlink is followed and kept; a device, FIFO, socket or ``-`` (stdout)
    is written through, never replaced. Hard links: the rename gives ``path`` a new file,
    so other hard links to the old file keep the old content (they are not updated).
    The temporary file is removed on every failure path. Errors are ``error`` (a
    :class:`~rankings.errors.RankingsError`) naming ``path``, never the temporary file.
    """
    plan = _plan(path, what, error)
    tmp = _temporary(plan)
    try:
        try:
            yield tmp
        except OSError as exc:
            if _ours(exc, tmp):
                raise plan.fail(exc) from None
            raise
        try:
            _finish(plan, tmp)
        except OSError as exc:
            raise plan.fail(exc) from None
    finally:
        tmp.unlink(missing_ok=True)


def write_text_atomically(path: str | Path, text: str, *, what: str = "output") -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` by :func:`atomic_target`."""
    with atomic_target(path, what=what) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


class AtomicFile:
    """A text handle on a temporary file that reaches ``path`` on ``close(ok=True)``.

    For outputs written in a stream; the same rules as :func:`atomic_target`. The
    temporary file is removed whatever happens, a failed final flush included.
    """

    def __init__(self, path: str | Path, *, what: str, error: type[RankingsError] = DataError) -> None:
        self._plan = _plan(path, what, error)
        self.tmp = _temporary(self._plan)
        try:
            self.handle: IO[str] = open(self.tmp, "w", encoding="utf-8", newline="")
        except OSError as exc:
            self.tmp.unlink(missing_ok=True)
            raise self._plan.fail(exc) from None

    def write(self, text: str) -> None:
        try:
            self.handle.write(text)
        except OSError as exc:
            raise self._plan.fail(exc) from None

    def close(self, ok: bool) -> None:
        """Finish (``ok``) or abandon the output; a failure while abandoning is not raised."""
        try:
            self.handle.close()
            if ok:
                _finish(self._plan, self.tmp)
        except OSError as exc:
            if ok:
                raise self._plan.fail(exc) from None
        finally:
            self.tmp.unlink(missing_ok=True)
