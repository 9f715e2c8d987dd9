"""The records behind the counts as a sparse incidence, for record-level resampling.

A contributor's count metric under a lens is a sum over records: each record gives each
contributor on it a credit (1 under full counting, its share under fractional counting)
times an attribute of the record (1 for a count of models, the open-weights flag, the
citation count). :func:`record_incidence` writes those sums as one
``records x contributors`` :mod:`scipy.sparse` matrix per metric, built once per lens, so
that a model shared by several organisations stays one record (one row) and a bootstrap
resample, a vector of multinomial counts ``c`` over the records, gives every metric at
once as ``c @ A``; a block of R resamples is one sparse product (R x records) x (records x
contributors).

With every record counted once (``c = 1``) the incidence reproduces the table of
:func:`rankings.data.metrics.load_default` (a test pins this). Metrics that are not sums
over records (``frontier_eci`` and ``arena_score``, the best benchmark score of a
contributor's models) are not in the incidence and stay as observed: :attr:`RecordIncidence.fixed`
names them, and the analyses that resample say so. A cell that is missing in the table
stays missing in every resample.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from rankings.data.lenses import DEFAULT_LENS, Lens, _check_lens
from rankings.data.metrics import load_default
from rankings.data.provenance import _cited_venues, _venue_years
from rankings.data.records import _papers, _snapshot_models, load_model_records
from rankings.data.registry import _grouper
from rankings.errors import DataError

RESAMPLE_KINDS: tuple[str, ...] = ("models", "papers")
"""What ``--resample`` can draw again: notable-model records or venue-paper records."""

MODEL_METRICS: tuple[str, ...] = ("notable_models", "open_weight_models", "model_citations")
PAPER_METRICS: tuple[str, ...] = ("venue_papers", "venue_citations")


@dataclass(frozen=True)
class RecordIncidence:
    """``records x contributors`` credit matrices of the record-derived metrics of one lens.

    ``matrices[metric]`` is CSR (records x N); ``observed`` (N x len(metrics)) is the
    table's value of each metric (NaN where the table has none: those cells stay NaN);
    ``fixed`` names the table's metrics that are not sums over these records.
    """

    kind: str
    contributors: tuple[str, ...]
    metrics: tuple[str, ...]
    matrices: dict[str, sp.csr_matrix] = field(repr=False)
    observed: np.ndarray = field(repr=False)
    fixed: tuple[str, ...] = ()
    records: tuple[str, ...] = field(default=(), repr=False)
    _stacked: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def n_records(self) -> int:
        return len(self.records)

    def stacked(self) -> sp.csr_matrix:
        """Every metric's incidence side by side, transposed: (metrics x N) x records, CSR (built once).

        A resample's value of row ``i`` is the sum over row ``i``'s stored entries, in storage
        order, of ``credit * count``: the order both resampling kernels follow.
        """
        stacked = self._stacked.get("t")
        if stacked is None:
            stacked = sp.vstack([self.matrices[m].T for m in self.metrics]).tocsr()
            stacked.indptr = stacked.indptr.astype(np.int64)
            stacked.indices = stacked.indices.astype(np.int64)
            self._stacked["t"] = stacked
        return stacked

    def values(self, counts: np.ndarray | sp.spmatrix, *, transposed: bool = False) -> np.ndarray:
        """Metric values (R x N x len(metrics)) for R resamples given as counts (R x records,
        or records x R with ``transposed``)."""
        C = np.asarray(sp.csr_matrix(counts).toarray() if sp.issparse(counts) else counts, dtype=np.float64)
        CT = C if transposed else C.T
        # one sparse x dense product for the whole block and every metric
        product = self.stacked() @ np.ascontiguousarray(CT)
        n = len(self.contributors)
        out = product.reshape(len(self.metrics), n, CT.shape[1]).transpose(2, 1, 0)  # a view: R x N x metrics
        # fractional sums: drop float dust as the table does; missing cells stay missing
        out = np.round(out, 10)
        out[:, np.isnan(self.observed)] = np.nan
        return out


def _credits(keys: list[str], counting: str, shares: list[float] | None = None) -> dict[str, float]:
    out: dict[str, float] = {}
    for k, key in enumerate(keys):
        if counting == "full":
            out[key] = 1.0
        else:
            out[key] = out.get(key, 0.0) + (1.0 / len(keys) if shares is None else shares[k])
    return out


def record_incidence(kind: str, lens: Lens = DEFAULT_LENS, *,
                     models_path: str | Path | None = None) -> RecordIncidence:
    """The incidence of ``kind`` (``models`` or ``papers``) records under ``lens``.

    Columns follow the contributors of ``load_default(lens, models_path=...)``; a record
    whose contributors are all outside the table still counts as a record (it takes a
    place in each resample, as it would in a rebuild of the table).
    """
    if kind not in RESAMPLE_KINDS:
        raise DataError(f"resample must be one of {', '.join(RESAMPLE_KINDS)} (got {kind!r})")
    _check_lens(lens)
    table = load_default(lens, models_path=models_path)
    names = table.contributors
    index = {n: i for i, n in enumerate(names)}
    group_of = _grouper(lens.grouping)
    y0, y1 = int(lens.years[0]), int(lens.years[1])
    rows: list[int] = []
    cols: list[int] = []
    data: dict[str, list[float]] = {}
    labels: list[str] = []
    if kind == "models":
        metrics = tuple(m for m in MODEL_METRICS if m in table.metric_names)
        records = load_model_records(models_path, snapshot=lens.snapshot) if models_path is not None \
            else _snapshot_models(lens.snapshot)
        window = [r for r in records if y0 <= r.year <= y1]
        data = {m: [] for m in metrics}
        for r, rec in enumerate(window):
            labels.append(rec.model)
            if lens.by == "country":
                credit = _credits(list(rec.countries), lens.counting)
            else:
                credit = {}
                for u in rec.units:
                    g = group_of(u)
                    credit[g] = 1.0 if lens.counting == "full" else credit.get(g, 0.0) + 1.0 / len(rec.units)
            for key, c in credit.items():
                i = index.get(key)
                if i is None:
                    continue
                rows.append(r)
                cols.append(i)
                data["notable_models"].append(c)
                data["open_weight_models"].append(0.0 if math.isnan(rec.open_weights) else c * rec.open_weights)
                data["model_citations"].append(0.0 if math.isnan(rec.citations) else c * rec.citations)
        n_records = len(window)
    else:
        if lens.by != "contributor":
            raise DataError("resample papers needs rows by contributor (got by=country)")
        metrics = PAPER_METRICS
        vy, cy = _venue_years(lens)
        cited = len(_cited_venues(cy)) > 1
        data = {m: [] for m in metrics}
        n_records = 0
        for paper in _papers()[0]:
            if paper.year not in vy:
                continue
            r = n_records
            n_records += 1
            labels.append(f"{paper.venue} {paper.year} #{r}")
            credit = _credits([group_of(u) for u, _ in paper.shares], lens.counting,
                              [s for _, s in paper.shares])
            for key, c in credit.items():
                i = index.get(key)
                if i is None:
                    continue
                rows.append(r)
                cols.append(i)
                data["venue_papers"].append(c)
                use = cited and paper.year in cy and not math.isnan(paper.citations)
                data["venue_citations"].append(c * paper.citations if use else 0.0)
    if n_records == 0:
        raise DataError(f"resample {kind} needs at least one {kind[:-1]} record in the lens window (got none)")
    shape = (n_records, len(names))
    matrices = {m: sp.csr_matrix((np.asarray(data[m]), (np.asarray(rows, dtype=np.int64),
                                                        np.asarray(cols, dtype=np.int64))), shape=shape)
                for m in metrics}
    observed = np.column_stack([table.values[:, table.metric_index(m)] for m in metrics])
    fixed = tuple(m for m in table.metric_names if m not in metrics)
    return RecordIncidence(kind=kind, contributors=names, metrics=metrics, matrices=matrices, observed=observed,
                           fixed=fixed, records=tuple(labels))
