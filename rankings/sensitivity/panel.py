"""Elicited weights: a panel of stakeholders' weights as the sensitivity engine's weight distribution.

A panel file is a CSV with one row per respondent and one column per metric or pillar (an
optional ``respondent`` column names the rows). Each row is rescaled to sum to 1; a pillar's
weight is shared among its metrics as the methodology's own weights share it. Every run of
the engine draws one respondent uniformly (a bootstrap of the panel), and with a smoothing
``kappa > 0`` draws its weights from Dirichlet(kappa * row) around that respondent's answer
(metrics a respondent gave 0 stay at 0), so a small panel does not reduce the weight space to a
handful of points. Draws are seeded and identical for any chunking, like every other sampler.

:func:`panel_sensitivity` runs the analysis under the panel and, beside it, under uniform weights
on the simplex, so the report can show what the stakeholders' weights change.

References
----------
Saisana M., Tarantola S., Saltelli A. (2005). Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators. JRSS A 168(2):307-323 (budget-allocation
weights of a panel as an uncertain input). Nardo et al. (2008), Handbook, §6.5 (budget allocation).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rankings.errors import AnalysisError, DataError
from rankings.methodology import Methodology
from rankings.sensitivity.sample import GEN_BLOCK, WeightSampler


def read_weight_panel(path: str | Path, method: Methodology, prepared: Any) -> np.ndarray:
    """The panel as an R x M matrix over the metrics of ``prepared`` (rows sum to 1); one-line errors name the
    file and row."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise DataError(f"weight panel file must exist (got {str(path)!r})") from None
    except (IsADirectoryError, UnicodeDecodeError):
        raise DataError(f"weight panel file must be a UTF-8 CSV file (got {str(path)!r})") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or not any(h.strip() for h in rows[0]):
        raise DataError(f"weight panel {path.name} must have a header of metric or pillar names (got an empty file)")
    header = [h.strip() for h in rows[0]]
    label = header.index("respondent") if "respondent" in header else None
    columns = [h for k, h in enumerate(header) if k != label]
    pillars = method.pillars
    share: dict[str, dict[str, float]] = {}
    metrics = prepared.metric_names
    base = method.weights_for(prepared)
    for name in columns:
        if name in metrics:
            share[name] = {name: 1.0}
        elif pillars is not None and name in pillars.pillars:
            leaves = [m for m in pillars.leaves(name) if m in metrics]
            total = sum(base[m] for m in leaves)
            share[name] = {m: (base[m] / total if total > 0 else 1.0 / len(leaves)) for m in leaves}
        else:
            known = list(metrics) + (list(pillars.pillars) if pillars is not None else [])
            raise DataError(f"weight panel {path.name}: column {name!r} must be a metric or pillar of "
                            f"{method.name} (known: {', '.join(known)})")
    covered: dict[str, str] = {}
    for name, parts in share.items():
        for m in parts:
            if m in covered:
                raise DataError(f"weight panel {path.name}: metric {m!r} is weighted twice "
                                f"(by columns {covered[m]!r} and {name!r})")
            covered[m] = name
    uncovered = [m for m in metrics if m not in covered]
    if uncovered:
        raise DataError(f"weight panel {path.name} must weight every metric read (got no column for {uncovered[0]!r})")
    out = []
    for line, raw in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in raw):
            continue
        cells = [c.strip() for k, c in enumerate(raw) if k != label]
        where = f"weight panel {path.name} row {line}"
        if len(cells) != len(columns):
            raise DataError(f"{where} must have {len(columns)} weights (got {len(cells)})")
        try:
            values = [float(c) for c in cells]
        except ValueError:
            raise DataError(f"{where}: weights must be numbers (got {next(c for c in cells if not _is_number(c))!r})") \
                from None
        if any(not math.isfinite(v) for v in values):
            raise DataError(f"{where}: weights must be finite (got {', '.join(cells)})")
        negative = [(c, v) for c, v in zip(columns, values) if v < 0]
        if negative:
            raise DataError(f"{where}: weights must be non-negative (got {negative[0][0]}={negative[0][1]:g})")
        if sum(values) <= 0:
            raise DataError(f"{where}: weights must not all be zero")
        w = np.zeros(len(metrics))
        for c, v in zip(columns, values):
            for m, part in share[c].items():
                w[list(metrics).index(m)] += v * part
        out.append(w / w.sum())
    if not out:
        raise DataError(f"weight panel {path.name} must have at least one respondent row (got none)")
    return np.array(out)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class PanelWeights(WeightSampler):
    """Weights drawn from a panel: a resampled respondent, optionally smoothed by Dirichlet(kappa * row)."""

    panel: tuple[tuple[float, ...], ...] = ()
    smoothing: float = 0.0
    source: str = ""

    def __post_init__(self) -> None:
        super().__post_init__()
        P = np.asarray(self.panel, dtype=float)
        if P.ndim != 2 or P.shape[0] == 0 or P.shape[1] != len(self.metrics):
            raise AnalysisError(f"a weight panel needs rows of {len(self.metrics)} weights (got shape {P.shape})")
        if not (self.smoothing >= 0 and math.isfinite(self.smoothing)):
            raise AnalysisError(f"--panel-smoothing must be a non-negative number (got {self.smoothing})")

    def describe(self) -> dict[str, Any]:
        P = np.asarray(self.panel)
        return {"sampler": "panel", "metrics": list(self.metrics), "file": self.source, "respondents": len(P),
                "smoothing": self.smoothing, "panel_mean": dict(zip(self.metrics, P.mean(axis=0).tolist()))}

    def block(self, seed: int, block: int, rng: np.random.Generator) -> np.ndarray:
        P = np.asarray(self.panel, dtype=float)
        W = P[rng.integers(0, P.shape[0], size=GEN_BLOCK)]
        if self.smoothing > 0:
            alpha = self.smoothing * W
            g = np.where(alpha > 0, rng.standard_gamma(np.where(alpha > 0, alpha, 1.0)), 0.0)
            total = g.sum(axis=1, keepdims=True)
            W = np.where(total > 0, g / np.where(total > 0, total, 1.0), W)
        return W

    def gamma_map(self, u: np.ndarray) -> np.ndarray:
        raise AnalysisError("--sobol does not support --weight-panel (the panel's rows are not independent inputs)")


@dataclass(frozen=True)
class PanelComparison:
    """The analysis under the panel's weights and, beside it, under uniform weights."""

    panel: Any
    uniform: Any

    def to_dict(self) -> dict[str, Any]:
        out = self.panel.to_dict()
        out["uniform_weights"] = self.uniform.to_dict()
        return out


def panel_sensitivity(method: Methodology, table: Any, *, panel: np.ndarray, smoothing: float = 0.0,
                      source: str = "", **options: Any) -> PanelComparison:
    """:func:`rankings.sensitivity.analyze.sensitivity` under the panel and under uniform weights (same seed)."""
    from rankings.sensitivity.analyze import sensitivity

    if options.get("sobol"):
        raise AnalysisError("--sobol does not support --weight-panel (the panel's rows are not independent inputs)")
    if options.get("limits"):
        raise AnalysisError("--limits does not apply with --weight-panel (the panel gives the weights)")
    metrics = method.prepare(table).metric_names
    sampler = PanelWeights(metrics, panel=tuple(map(tuple, np.asarray(panel).tolist())), smoothing=smoothing,
                           source=source)
    uniform_options = {k: v for k, v in options.items() if k not in ("log_runs",)}
    uniform_options["progress"] = None
    return PanelComparison(panel=sensitivity(method, table, weights=sampler, **options),
                           uniform=sensitivity(method, table, **uniform_options))

