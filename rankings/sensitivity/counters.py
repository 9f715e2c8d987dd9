"""The running totals of sampled runs, and how partial totals merge.

:class:`Counters` holds everything an analysis keeps of its runs (the focus's rank
histogram, the compact acceptability, rank sums, shifts, pairwise wins, first-place
weights), sized by the number of contributors, never by the number of runs.
:func:`merge_counters` joins the counters of consecutive run ranges in run order, which
is how every engine (threads, processes, Dask) gives the bytes of one pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from rankings.errors import AnalysisError
from rankings.sensitivity.accept_kernels import RankLayout

__all__ = ["Counters", "merge_counters"]


@dataclass
class Counters:
    """Running totals over runs (all int64 / float64, size independent of the run count).

    With ``full``, ``acceptability[i, r - 1]`` counts the runs where contributor ``i`` has
    rank ``r`` for ``r = 1..kept`` (``kept = n`` by default: the N x N matrix), ``beyond``
    counts ranks past ``kept`` in bins of ``bin_width`` ranks and ``rank_sum`` sums each
    contributor's ranks (:class:`~rankings.sensitivity.accept_kernels.RankLayout`);
    ``focus_hist[r]`` always counts the focus's rank ``r`` for every ``r``.
    """

    n: int
    m: int
    full: bool
    pair_rows: np.ndarray
    runs: int = 0
    kept: int = 0
    """Ranks counted one by one (0: all of them)."""
    bin_width: int = field(init=False)
    focus_hist: np.ndarray = field(init=False)
    acceptability: np.ndarray | None = field(init=False)
    beyond: np.ndarray | None = field(init=False)
    rank_sum: np.ndarray | None = field(init=False)
    first_weight_sum: np.ndarray | None = field(init=False)
    shift_sum: np.ndarray | None = field(init=False)
    run_shift_sum: int = 0
    run_shift_sq: int = 0
    wins: np.ndarray | None = field(init=False)
    focus_runs: list[np.ndarray] = field(default_factory=list)
    shift_runs: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.focus_hist = np.zeros(self.n + 1, dtype=np.int64)
        lay = self.layout
        self.kept, self.bin_width = lay.kept, lay.width
        if self.full:
            self.acceptability = np.zeros((self.n, lay.kept), dtype=np.int64)
            self.beyond = np.zeros((self.n, lay.bins), dtype=np.int64)
            self.rank_sum = np.zeros(self.n, dtype=np.int64)
            self.first_weight_sum = np.zeros((self.n, self.m), dtype=np.int64).astype(object)
            self.shift_sum = np.zeros(self.n, dtype=np.int64)
            p = len(self.pair_rows)
            self.wins = np.zeros((p, p), dtype=np.int64)
        else:
            self.acceptability = self.first_weight_sum = self.shift_sum = self.wins = None
            self.beyond = self.rank_sum = None

    @property
    def layout(self) -> RankLayout:
        return RankLayout.for_ranks(self.n, self.kept or None)

    def drop_full(self) -> None:
        """Keep only the focus histogram (and per-run lists): what a ``full=False`` run returns."""
        self.full = False
        self.acceptability = self.first_weight_sum = self.shift_sum = self.wins = None
        self.beyond = self.rank_sum = None


def merge_counters(parts: Sequence[Counters]) -> Counters:
    """One :class:`Counters` from the partial counters of consecutive run ranges, in run order.

    Totals add (integers: exact in any order); per-run lists are concatenated in the
    order given. The contract of every engine: the counters of runs ``[a, b)`` merged
    in order equal the counters of one pass over them.
    """
    first = parts[0]
    total = Counters(first.n, first.m, first.full, first.pair_rows, kept=first.kept)
    fixed = ("n", "m", "full", "pair_rows", "kept", "bin_width")
    for part in parts:
        if (part.n, part.m, part.full, part.kept) != (first.n, first.m, first.full, first.kept):
            raise AnalysisError("partial counters must come from the same problem (got different shapes)")
        for f in fields(Counters):
            mine = getattr(total, f.name)
            if f.name in fixed or mine is None:
                continue
            theirs = getattr(part, f.name)
            if isinstance(mine, list):
                mine.extend(theirs)
            else:
                setattr(total, f.name, mine + theirs)
    return total
