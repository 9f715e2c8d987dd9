"""Which kernel backend runs and on how many threads: ``RANKINGS_KERNELS`` and ``RANKINGS_THREADS``.

:func:`backend` picks numba when it imports (``RANKINGS_KERNELS=numpy`` forces the numpy
fallback, ``numba`` requires the compiled one); :func:`threads` reads the worker count. A bad
value of either variable is a one-line :class:`~rankings.errors.SettingError`.

Under ``auto``, a small piece of work (:func:`prefer_numpy_for`) runs on numpy without
importing numba at all: numba's import and target set-up cost 0.6-0.9 s on a warm start,
more than its kernels save below about ``AUTO_NUMPY_WORK`` samples x contributors (the two
backends give the same bits, so the choice changes only the time).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import threading
from collections.abc import Iterator

import numpy as np

from rankings.errors import SettingError

BACKENDS = ("numba", "numpy")
KERNELS_ENV = "RANKINGS_KERNELS"
THREADS_ENV = "RANKINGS_THREADS"

_numba_error: str | None = None

AUTO_NUMPY_WORK = 2_000_000
"""Samples x contributors up to which ``auto`` runs numpy: numpy ranks about 4e6 (N <= 24) to
1.3e7 samples x contributors a second, numba 2-3e7 on one core, and numba's import and
target set-up cost 0.6-0.9 s warm (measured on the 2-core development machine)."""

_prefer_numpy = 0
_prefer_lock = threading.Lock()


@contextlib.contextmanager
def prefer_numpy_for(work: int) -> Iterator[None]:
    """Within the block, ``auto`` means numpy when ``work`` (samples x contributors) is small.

    Process-wide (the engine's worker threads see it); an explicit backend or
    ``$RANKINGS_KERNELS`` still wins. Both backends give identical bits, so another
    thread's analysis running meanwhile changes only its speed.
    """
    global _prefer_numpy
    small = 0 <= work <= AUTO_NUMPY_WORK
    if small:
        with _prefer_lock:
            _prefer_numpy += 1
    try:
        yield
    finally:
        if small:
            with _prefer_lock:
                _prefer_numpy -= 1


def numba_installed() -> bool:
    """Whether numba can be found, without importing it (cheap)."""
    return importlib.util.find_spec("numba") is not None


def numba_available() -> bool:
    try:
        import numba  # noqa: F401
    except Exception:  # pragma: no cover - depends on the installation
        return False
    return True


def backend(requested: str | None = None) -> str:
    """The backend to use: ``requested``, else ``$RANKINGS_KERNELS``, else numba if importable."""
    raw = requested or os.environ.get(KERNELS_ENV, "") or "auto"
    choice = raw.strip().lower()
    if choice not in ("auto", *BACKENDS):
        raise SettingError(f"{KERNELS_ENV} must be auto, numba or numpy (got {raw!r})")
    if choice == "numpy" or (choice == "auto" and _prefer_numpy):
        return "numpy"
    if numba_available() and _numba_error is None:
        return "numba"
    if choice == "numba":
        raise SettingError(f"{KERNELS_ENV}=numba needs numba, which is unavailable "
                           f"(got {_numba_error or 'not installed'}); use auto or numpy")
    return "numpy"


def backend_name_without_import(requested: str | None = None) -> str:
    """The backend :func:`backend` would pick, guessed without importing numba ("numba" when installed)."""
    raw = requested or os.environ.get(KERNELS_ENV, "") or "auto"
    choice = raw.strip().lower()
    if choice == "numpy" or (choice == "auto" and _prefer_numpy) or not numba_installed():
        return "numpy"
    return "numba"


def threads() -> int:
    """Worker threads: ``$RANKINGS_THREADS`` (a positive integer) or the CPUs this process may use."""
    text = os.environ.get(THREADS_ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            value = 0
        if value < 1:
            raise SettingError(f"{THREADS_ENV} must be a positive integer (got {text!r})")
        return value
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def describe(requested: str | None = None) -> str:
    name = backend(requested)
    if name == "numba":
        import numba

        return f"numba {numba.__version__}, {threads()} threads"
    return f"numpy {np.__version__}, {threads()} threads"
