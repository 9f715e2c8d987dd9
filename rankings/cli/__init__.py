"""The ``rankings`` command line: a thin click layer over the library, one module per job.

- :mod:`.main`: the command group, where every command is registered;
- :mod:`.common`: the one-line error contract, writing outputs, plain-text tables;
- :mod:`.options`: option groups declared once (data and lens, methodology knobs, output,
  sampling), each a decorator handing the command one parameter object;
- :mod:`.manifest`: ``--manifest`` run records and ``rankings replay``;
- commands: :mod:`.rank` (rank, compare, explain), :mod:`.methods` (methods, show, check),
  :mod:`.data` (data show, sources, validate), :mod:`.exact` (sweep, bounds, tipping, winners),
  :mod:`.sensitivity`, :mod:`.report`, :mod:`.ternary`.

Every :class:`~rankings.errors.RankingsError` becomes a one-line message and exit code 2.
The default focus (:data:`~rankings.cli.common.FOCUS_DEFAULT`, Alibaba) belongs here, to the
command line's default dataset; library functions take the focus as an argument.
"""

from __future__ import annotations

from rankings.cli.main import main

__all__ = ["main"]
