"""Which kernel backend runs and on how many threads: ``RANKINGS_KERNELS`` and ``RANKINGS_THREADS``.

:func:`backend` picks numba when it imports (``RANKINGS_KERNELS=numpy`` forces the numpy
fallback, ``numba`` requires the compiled one); :func:`threads` reads the worker count. A bad
value of either variable is a one-line :class:`~rankings.errors.SettingError`.
"""

from __future__ import annotations

import os

import numpy as np

from rankings.errors import SettingError

BACKENDS = ("numba", "numpy")
KERNELS_ENV = "RANKINGS_KERNELS"
THREADS_ENV = "RANKINGS_THREADS"

_numba_error: str | None = None


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
    if choice == "numpy":
        return "numpy"
    if numba_available() and _numba_error is None:
        return "numba"
    if choice == "numba":
        raise SettingError(f"{KERNELS_ENV}=numba needs numba, which is unavailable "
                           f"(got {_numba_error or 'not installed'}); use auto or numpy")
    return "numpy"


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
