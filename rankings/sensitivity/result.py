"""The result of a sampled sensitivity analysis: :class:`SensitivityResult`, its JSON and its frame.

Built by :func:`rankings.sensitivity.analyze.sensitivity` (which re-exports it); what each
array holds and how exact it is: :mod:`rankings.sensitivity.acceptability`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rankings._frames import FrameMixin

# ---------------------------------------------------------------------------------------
# Result
# ---------------------------------------------------------------------------------------

def _f(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) or math.isinf(x) else x


@dataclass(frozen=True, eq=False)
class SensitivityResult(FrameMixin):
    """Outputs of a sampled sensitivity analysis (see the module docstring).

    Arrays are indexed by :attr:`contributors` (rows) and ranks 1..K (columns): ``K`` is
    :attr:`ranks_kept` (all N ranks up to 1,000 contributors by default, or with
    ``full_acceptability``); :meth:`focus_distribution` always has all N ranks.
    ``bands_exact[i]`` is False where a band is resolved only to a bin of ranks
    (:mod:`rankings.sensitivity.acceptability`).
    """

    samples: int
    seed: int
    focus: str
    contributors: tuple[str, ...]
    metrics: tuple[str, ...]
    method: Mapping[str, Any]
    factors: Mapping[str, Any]
    nominal_ranks: np.ndarray
    acceptability: np.ndarray
    acceptability_se: np.ndarray
    bands: np.ndarray
    mean_rank: np.ndarray
    mean_rank_shift: float
    mean_rank_shift_se: float
    rank_shift: np.ndarray
    pairwise_contributors: tuple[str, ...]
    pairwise: np.ndarray
    central_weights: Mapping[str, np.ndarray]
    confidence: Mapping[str, float]
    confidence_note: str
    holistic: np.ndarray
    sobol: Mapping[str, Any] | None = None
    notes: tuple[str, ...] = ()
    runtime: Mapping[str, Any] = field(default_factory=dict)
    precision: Mapping[str, Any] | None = None
    focus_acceptability: np.ndarray | None = None
    focus_acceptability_se: np.ndarray | None = None
    bands_exact: np.ndarray | None = None

    @property
    def focus_index(self) -> int:
        return self.contributors.index(self.focus)

    @property
    def ranks_kept(self) -> int:
        """Ranks 1..K of the acceptability kept for every contributor."""
        return int(self.acceptability.shape[1])

    def focus_distribution(self) -> np.ndarray:
        """P(focus rank = r) for r = 1..N."""
        if self.focus_acceptability is not None:
            return self.focus_acceptability
        return self.acceptability[self.focus_index]

    def focus_distribution_se(self) -> np.ndarray:
        """Standard errors of :meth:`focus_distribution`."""
        if self.focus_acceptability_se is not None:
            return self.focus_acceptability_se
        return self.acceptability_se[self.focus_index]

    def band_exact(self, i: int) -> bool:
        return True if self.bands_exact is None else bool(self.bands_exact[i])

    def order(self) -> list[int]:
        """Rows by mean rank, then nominal rank, then name."""
        return sorted(range(len(self.contributors)),
                      key=lambda i: (self.mean_rank[i], self.nominal_ranks[i], self.contributors[i]))

    def to_dict(self) -> dict[str, Any]:
        names = self.contributors
        return {
            "samples": self.samples,
            "seed": self.seed,
            "focus": {
                "contributor": self.focus,
                "nominal_rank": int(self.nominal_ranks[self.focus_index]),
                "mean_rank": _f(self.mean_rank[self.focus_index]),
                "band": [int(x) for x in self.bands[self.focus_index]],
                "p_first": _f(self.acceptability[self.focus_index, 0]),
                "acceptability": [round(float(p), 8) for p in self.focus_distribution()],
                "acceptability_se": [round(float(p), 8) for p in self.focus_distribution_se()],
            },
            "method": dict(self.method),
            "factors": dict(self.factors),
            "metrics": list(self.metrics),
            "contributors": len(names),
            "ranks_kept": self.ranks_kept,
            "acceptability_note": (f"P(rank = r) for ranks 1..{self.ranks_kept} of {len(names)}"
                                   + ("" if self.ranks_kept == len(names) else
                                      "; the focus's full distribution is focus.acceptability")),
            "acceptability": {c: [round(float(p), 8) for p in self.acceptability[i]] for i, c in enumerate(names)},
            "acceptability_se": {c: [round(float(p), 8) for p in self.acceptability_se[i]]
                                 for i, c in enumerate(names)},
            "bands": {c: {"p05": int(b[0]), "p50": int(b[1]), "p95": int(b[2]), "exact": self.band_exact(i)}
                      for i, (c, b) in enumerate(zip(names, self.bands))},
            "nominal_ranks": {c: int(r) for c, r in zip(names, self.nominal_ranks)},
            "mean_rank": {c: _f(r) for c, r in zip(names, self.mean_rank)},
            "mean_rank_shift": {"mean": _f(self.mean_rank_shift), "se": _f(self.mean_rank_shift_se),
                                "by_contributor": {c: _f(s) for c, s in zip(names, self.rank_shift)}},
            "pairwise": {
                "note": "P(row ranks strictly better than column), among the nominal top contributors and the focus",
                "contributors": list(self.pairwise_contributors),
                "probabilities": {a: {b: _f(self.pairwise[i, j]) for j, b in enumerate(self.pairwise_contributors)
                                      if j != i} for i, a in enumerate(self.pairwise_contributors)},
            },
            "central_weights": {c: {m: _f(w) for m, w in zip(self.metrics, v)}
                                for c, v in self.central_weights.items()},
            "confidence": {c: _f(v) for c, v in self.confidence.items()},
            "confidence_note": self.confidence_note,
            "holistic_acceptability": {c: _f(h) for c, h in zip(names, self.holistic)},
            "sobol": None if self.sobol is None else _jsonable(self.sobol),
            **({} if self.precision is None else {"precision": dict(self.precision)}),
            "notes": list(self.notes),
            # wall time stays out of the output so that a replay can match it byte for byte
            "runtime": {k: v for k, v in self.runtime.items() if k != "seconds"},
        }

    def to_frame(self) -> Any:
        """One row per contributor (mean-rank order): nominal rank, bands, P(first), shift."""
        import pandas as pd

        order = self.order()
        return pd.DataFrame({
            "contributor": [self.contributors[i] for i in order],
            "nominal_rank": [int(self.nominal_ranks[i]) for i in order],
            "mean_rank": [float(self.mean_rank[i]) for i in order],
            "p05": [int(self.bands[i, 0]) for i in order],
            "p50": [int(self.bands[i, 1]) for i in order],
            "p95": [int(self.bands[i, 2]) for i in order],
            "band_exact": [self.band_exact(i) for i in order],
            "p_first": [float(self.acceptability[i, 0]) for i in order],
            "p_first_se": [float(self.acceptability_se[i, 0]) for i in order],
            "mean_abs_shift": [float(self.rank_shift[i]) for i in order],
            "holistic": [float(self.holistic[i]) for i in order],
        }).set_index("contributor")


def _jsonable(x: Any) -> Any:
    if isinstance(x, Mapping):
        return {str(k): _jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return _jsonable(x.tolist())
    if isinstance(x, (float, np.floating)):
        return _f(x)
    if isinstance(x, np.integer):
        return int(x)
    return x
