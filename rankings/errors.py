"""Exceptions raised by the :mod:`rankings` library.

Every error the library raises on purpose derives from :class:`RankingsError`, so a
caller (the CLI among them) can catch one class and show its one-line message::

    RankingsError
    +-- DataError            a contributor table or record file is malformed
    |   +-- RefreshError     fresh data could not be downloaded, or is not what the build reads
    +-- LensError            a lens (year, counting, snapshot, grouping) is not possible
    +-- MethodologyError     a methodology definition or plugin is invalid
    |   +-- PluginError      a plugin failed while loading or scoring (named in the message)
    +-- WeightError          weights are negative, non-numeric, all zero or unknown
    +-- UnknownNameError     a name (methodology, metric, contributor...) is not known
    +-- AnalysisError        an analysis cannot run with the options given
    +-- SettingError         an environment variable (RANKINGS_KERNELS...) has a bad value

    RankingsWarning (a UserWarning): something harmless was kept or skipped; the CLI
    prints it as one "Warning:" line on stderr.

Messages follow the form "what must be X (got Y)" and fit on one line.
"""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable
from typing import Any

_SHOWN = reprlib.Repr()
_SHOWN.maxlevel, _SHOWN.maxstring, _SHOWN.maxother = 3, 60, 60
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = _SHOWN.maxfrozenset = 4


def shown(value: Any) -> str:
    """A short one-line repr for "(got ...)": nesting and length are cut (a value from a
    hostile file may be thousands of levels deep, which plain ``repr`` cannot print)."""
    return _SHOWN.repr(value)


class RankingsError(Exception):
    """Root of every error the library raises deliberately."""


class RankingsWarning(UserWarning):
    """Something was kept or changed on the user's behalf (shown by the CLI on stderr)."""


class DataError(RankingsError):
    """A contributor table, record file or uncertainty file is malformed."""


class RefreshError(DataError):
    """``rankings data refresh`` failed: a download did not arrive whole, or is not Epoch's CSV layout.

    The message names the file, what was expected and what was found; the cache is left as it was.
    """


class LensError(RankingsError):
    """A lens option (year, counting rule, snapshot, grouping) cannot be applied."""


class MethodologyError(RankingsError):
    """A methodology definition, TOML file or plugin is invalid."""


class PluginError(MethodologyError):
    """A plugin raised, or called ``sys.exit``, while loading or scoring; the message names it."""


class WeightError(RankingsError):
    """Weights are unknown, negative, non-numeric or all zero."""


class AnalysisError(RankingsError):
    """An analysis (sweep, bounds, sampling...) cannot run with the options given."""


class SettingError(RankingsError, ValueError):
    """An environment variable the library reads has a value it does not allow.

    Also a :class:`ValueError`, which these settings raised before.
    """


class UnknownNameError(RankingsError, KeyError):
    """A name is not among the known ones; the message suggests the closest."""

    def __init__(self, what: str, name: str, known: Iterable[str]) -> None:
        known = list(known)
        self.what = what
        self.name = name
        self.known = known
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        if not close:
            lowered = name.lower()
            close = [k for k in known if lowered and lowered in k.lower()][:3]
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        if not close and len(known) <= 12:
            hint = f"; known: {', '.join(known)}" if known else "; none are known"
        super().__init__(f"unknown {what} {name!r}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])

    def with_prefix(self, prefix: str) -> UnknownNameError:
        """The same error with a context prefix (which methodology, which file)."""
        joiner = " " if prefix.endswith(":") else ": "
        self.args = (f"{prefix}{joiner}{self.args[0]}",)
        return self
