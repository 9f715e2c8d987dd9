"""The sampling problem: a methodology, a table, a focus and the uncertain inputs, ready to score.

:func:`build_problem` restricts the table to the contributors present under every lens
variant, builds one method variant per combination of categorical levels, and picks the
fastest scoring path (linear in the weights, or :meth:`Methodology.score_matrix`).
:func:`competition_ranks` turns a chunk of scores into ranks with the tolerance rule of
:mod:`rankings.ranking`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

import numpy as np

from rankings.errors import AnalysisError, RankingsError
from rankings.methodology import Methodology
from rankings.ranking import ABSOLUTE_TOLERANCE, RELATIVE_TOLERANCE, rank_scores
from rankings.sensitivity import kernels
from rankings.sensitivity.linear import linear_problem
from rankings.sensitivity.nonlinear import ordered_scorer
from rankings.sensitivity.sample import (
    LENS_FACTORS,
    PREPARATION_FACTORS,
    CategoricalFactor,
    DataNoise,
    RecordResampling,
    RunBatch,
    WeightSampler,
)
from rankings.table import ContributorTable

# Ranks from a chunk of scores
# ---------------------------------------------------------------------------------------

def _row_tolerance(S: np.ndarray) -> np.ndarray:
    return kernels.row_tolerance(S)


def competition_ranks(S: np.ndarray) -> np.ndarray:
    """Competition ranks (1 best) of each row of ``S`` (runs x N), ties by tolerance.

    Matches :func:`rankings.ranking.rank_scores` row by row (chains of near-ties
    included), with the compiled kernel when numba is available (see
    :mod:`rankings.sensitivity.kernels`).
    """
    return kernels.competition_ranks(S)


def ranked_first(S: np.ndarray, i: int) -> np.ndarray:
    """Per row of ``S``, whether column ``i`` has competition rank 1: ``competition_ranks(S)[:, i] == 1``.

    Without ranking the other columns (the SMAA-2 confidence factor asks only this, for a few
    thousand rows of N scores). Rank 1 means that walking down the sorted scores from the
    top to ``i``'s, no step is wider than the row's tolerance. A row with no score more than
    the tolerance above ``i``'s is rank 1 (float subtraction is monotone, so no step is
    wider than that); a row whose top is further above than twice the tolerance per score
    at or above ``i``'s cannot be chained down to it; only the rows left (near-ties) are
    sorted, and rows with a non-finite score are ranked in full.
    """
    S = np.ascontiguousarray(S, dtype=np.float64)
    big = np.abs(S).max(axis=1, initial=0.0)  # NaN or inf in a row makes its maximum non-finite
    finite = np.isfinite(big)
    tol = RELATIVE_TOLERANCE * big + ABSOLUTE_TOLERANCE  # kernels.row_tolerance on the finite rows
    own = S[:, i:i + 1]
    with np.errstate(invalid="ignore"):
        gap = S - own
        first = ~(gap > tol[:, None]).any(axis=1) & finite
        reach = (gap >= 0).sum(axis=1) * 2.0 * tol
    for r in np.flatnonzero(~first & finite & (gap.max(axis=1, initial=0.0) <= reach)):
        top = np.sort(S[r][S[r] >= S[r, i]])[::-1]
        first[r] = not bool(np.any(top[:-1] - top[1:] > tol[r]))
    if not finite.all():
        first[~finite] = competition_ranks(S[~finite])[:, i] == 1
    return first


# ---------------------------------------------------------------------------------------
# The problem
# ---------------------------------------------------------------------------------------

@dataclass
class Variant:
    method: Methodology
    table: ContributorTable
    drop: int | None
    L: np.ndarray | None
    Z: np.ndarray | None
    noise_plan: Any
    LT: np.ndarray | None = None
    fixed: np.ndarray | None = None
    """The weights a ``weights-scheme`` level derives from the data (``None``: the run's sampled weights)."""
    scorer: Callable[[np.ndarray], np.ndarray] | None = None
    """A BLAS-free scorer of a non-linear aggregation (:mod:`rankings.sensitivity.nonlinear`)."""

    def __post_init__(self) -> None:
        if self.L is not None:
            self.LT = np.ascontiguousarray(self.L.T)


@dataclass
class SamplingProblem:
    """Everything fixed across runs; see :func:`build_problem`."""

    method: Methodology
    table: ContributorTable
    focus: int
    weights: WeightSampler
    factors: tuple[CategoricalFactor, ...]
    noise: DataNoise | RecordResampling
    nominal_ranks: np.ndarray
    notes: tuple[str, ...]
    lens_tables: dict[tuple[str, ...], ContributorTable] = field(repr=False)
    raw_tables: dict[tuple[str, ...], ContributorTable] = field(default_factory=dict, repr=False)
    """Unprepared tables per lens key, for the impute and outliers factors."""
    _variants: dict[tuple[int, ...], Variant] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return self.table.n_contributors

    @property
    def metrics(self) -> tuple[str, ...]:
        return self.table.metric_names

    @property
    def contributors(self) -> tuple[str, ...]:
        return self.table.contributors

    def _lens_key(self, choice: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(f.levels[c] for f, c in zip(self.factors, choice) if f.name in LENS_FACTORS)

    def variant(self, choice: tuple[int, ...]) -> Variant:
        hit = self._variants.get(choice)
        if hit is not None:
            return hit
        levels = {f.name: f.levels[c] for f, c in zip(self.factors, choice)}
        method = self.method
        if "normalize" in levels or "aggregate" in levels:
            method = method.with_overrides(normalize=levels.get("normalize"), aggregate=levels.get("aggregate"))
        table = self.lens_tables[self._lens_key(choice)]
        if any(k in levels for k in PREPARATION_FACTORS):
            method, table = self._reprepared(method, self._lens_key(choice), levels)
        fixed = None
        if levels.get("weights-scheme", "sampled") != "sampled":
            try:
                derived = method.with_overrides(scheme=levels["weights-scheme"]).weights_for(table)
            except RankingsError as exc:
                raise AnalysisError(f"method variant {_variant_text(levels)} cannot derive its weights: {exc}") from None
            fixed = np.array([derived[m] for m in table.metric_names])
        drop_name = levels.get("drop-metric", "none")
        drop = None if drop_name == "none" else self.metrics.index(drop_name)
        L = Z = None
        plan = None
        if self.noise.active:
            plan = self.noise.plan(table.contributors, table.metric_names, [s.kind for s in table.metrics],
                                   table=table)
        else:
            try:
                lp = linear_problem(method, table)
            except RankingsError as exc:
                raise AnalysisError(f"method variant {_variant_text(levels)} cannot score the data: {exc}") from None
            if lp is not None:
                L = np.ascontiguousarray(lp.L)
            elif method.declarative:
                Z = method.normalized(table)
        scorer = ordered_scorer(method, Z) if L is None and plan is None else None
        var = Variant(method, table, drop, L, Z, plan, fixed=fixed, scorer=scorer)
        if len(self._variants) > 4096:
            self._variants.clear()
        self._variants[choice] = var
        return var

    def _reprepared(self, method: Methodology, key: tuple[str, ...],
                    levels: dict[str, str]) -> tuple[Methodology, ContributorTable]:
        """The method with this run's imputation and outlier treatment, and its table re-prepared (same rows)."""
        from rankings.sensitivity.sample.factors import outlier_spec

        method = method.with_overrides(missing=levels.get("impute"), outliers=(
            outlier_spec(levels["outliers"], self.method.outliers) if "outliers" in levels else None))
        try:
            table = method.prepare(self.raw_tables[key])
        except RankingsError as exc:
            raise AnalysisError(f"method variant {_variant_text(levels)} cannot prepare the data: {exc}") from None
        index = {c: i for i, c in enumerate(table.contributors)}
        missing = [c for c in self.contributors if c not in index]
        if missing:
            raise AnalysisError(f"method variant {_variant_text(levels)} drops {missing[0]!r}, an analysed contributor")
        return method, table.take([index[c] for c in self.contributors])

    def effective_weights(self, batch: RunBatch) -> np.ndarray:
        """Weights as used: a weighting scheme's derived weights replace the sampled ones, and a dropped
        metric's weight is set to 0 and the rest rescaled."""
        W = batch.weights
        names = [f.name for f in self.factors]
        if "weights-scheme" in names and len(batch):
            W = W.copy()
            keys, inverse = np.unique(batch.choices, axis=0, return_inverse=True)
            for g, key in enumerate(keys):
                fixed = self.variant(tuple(int(x) for x in key)).fixed
                if fixed is not None:
                    W[inverse.reshape(-1) == g] = fixed
        if "drop-metric" not in names:
            return W
        k = names.index("drop-metric")
        factor = self.factors[k]
        W = W.copy()
        for level_index, level in enumerate(factor.levels):
            if level == "none":
                continue
            rows = batch.choices[:, k] == level_index
            W[rows, self.metrics.index(level)] = 0.0
        total = W.sum(axis=1, keepdims=True)
        empty = total[:, 0] <= 0
        if empty.any():
            # All weight sat on the dropped metric: spread it equally over the others.
            for r in np.flatnonzero(empty):
                level = factor.levels[batch.choices[r, k]]
                W[r] = 1.0
                W[r, self.metrics.index(level)] = 0.0
            total = W.sum(axis=1, keepdims=True)
        return W / total

    def score(self, batch: RunBatch, W: np.ndarray | None = None) -> np.ndarray:
        """Scores (runs x N) of a batch; ``W`` overrides the effective weights."""
        W = self.effective_weights(batch) if W is None else W
        n = len(batch)
        out = np.empty((n, self.n))
        if batch.choices.shape[1]:
            keys, inverse = np.unique(batch.choices, axis=0, return_inverse=True)
            inverse = inverse.reshape(-1)
            groups = [(tuple(int(x) for x in key), np.flatnonzero(inverse == g)) for g, key in enumerate(keys)]
        else:
            groups = [((), None)]  # type: ignore[list-item]
        for choice, rows in groups:
            var = self.variant(choice)
            Wg = W if rows is None else W[rows]
            if var.noise_plan is not None:
                assert batch.noise_keys is not None
                keys_g = batch.noise_keys if rows is None else batch.noise_keys[rows]
                res = np.empty((len(Wg), self.n))
                for r, (w, key) in enumerate(zip(Wg, keys_g)):
                    res[r] = self._noisy_scores(var, w[None, :], int(key))[0]
            elif var.LT is not None:
                # Summed left to right over the metrics (no BLAS): bit-identical on every
                # backend, build and thread count.
                res = kernels.linear_scores(Wg, var.LT)
            elif var.scorer is not None:
                res = var.scorer(Wg)  # ordered sums too (TOPSIS, WASPAS, geometric)
            else:
                try:
                    res = var.method.score_matrix(var.table, Wg, prepared=True, normalized=var.Z)
                except RankingsError as exc:
                    raise AnalysisError(f"method variant cannot score the data: {exc}") from None
            if rows is None:
                out = res
            else:
                out[rows] = res
        return out

    def _noisy_scores(self, var: Variant, W: np.ndarray, key: int) -> np.ndarray:
        values = var.noise_plan.draw(var.table.values, key)
        for j, spec in enumerate(var.table.metrics):
            if spec.kind == "count":
                np.maximum(values[:, j], 0.0, out=values[:, j])
        table = var.table.with_values(values)
        try:
            return var.method.score_matrix(table, W, prepared=True)
        except RankingsError as exc:
            raise AnalysisError(f"a noisy copy of the data cannot be scored: {exc}") from None

    def blas_free(self, most: int = 256) -> bool:
        """Whether every run is scored without BLAS (linear forms and ordered scorers), so that
        several engine workers do not oversubscribe the cores; ``False`` beyond ``most`` variants."""
        if self.noise.active:
            return False
        sizes = [len(f.levels) for f in self.factors]
        if int(np.prod(sizes)) > most:
            return False
        try:
            return all(v.L is not None or v.scorer is not None
                       for v in (self.variant(tuple(c)) for c in product(*[range(k) for k in sizes])))
        except RankingsError:  # a variant that cannot score: the run reports it where it is drawn
            return False

    def focus_fast_path(self) -> np.ndarray | None:
        """``D.T`` (M x N, focus column zeroed) when the focus-only kernel applies."""
        if self.factors or self.noise.active:
            return None
        var = self.variant(())
        if var.L is None:
            return None
        return np.ascontiguousarray((var.L - var.L[self.focus]).T)

    def linear_tolerance(self) -> float:
        var = self.variant(())
        assert var.L is not None
        return RELATIVE_TOLERANCE * float(np.max(np.abs(var.L))) + ABSOLUTE_TOLERANCE


def _variant_text(levels: dict[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in levels.items()) or "nominal"


def default_loader(table: ContributorTable) -> Callable[[dict[str, Any]], ContributorTable]:
    """Reload the default dataset under ``table``'s lens with some fields changed."""
    def load(overrides: dict[str, Any]) -> ContributorTable:
        from rankings.data import DEFAULT_LENS, Lens, load_default

        lens = dict(table.lens)
        lens["years"] = tuple(lens.get("years", DEFAULT_LENS.years))
        lens.update(overrides)
        return load_default(Lens.from_dict(lens))

    return load


def build_problem(
    method: Methodology,
    table: ContributorTable,
    *,
    focus: str,
    weights: WeightSampler | None = None,
    factors: Sequence[CategoricalFactor] = (),
    noise: DataNoise | RecordResampling | None = None,
    loader: Callable[[dict[str, Any]], ContributorTable] | None = None,
) -> SamplingProblem:
    """Prepare a sampling problem.

    Lens factors (counting, year, snapshot) reload the data through ``loader`` (by
    default the default dataset under ``table.lens`` with the factor changed). The
    contributors analysed are those present under every lens variant after the
    methodology's missing rule; a note says how many were left out.
    """
    from rankings.data import parse_years
    from rankings.table import FILL_RULES, missing_rule_name

    factors = tuple(factors)
    noise = noise or DataNoise()
    notes: list[str] = []
    impute = next((f for f in factors if f.name == "impute"), None)
    if impute is not None and missing_rule_name(method.missing) not in FILL_RULES:
        notes.append(f"--vary impute replaces the missing rule {method.missing!r}: the contributors analysed are "
                     f"those the fill rules keep, and the nominal ranks use {impute.levels[0]!r}")
        method = method.with_overrides(missing=impute.levels[0])
    prepared = method.prepare(table)
    metrics = prepared.metric_names
    weights = weights or WeightSampler(metrics)
    if tuple(weights.metrics) != tuple(metrics):
        raise AnalysisError(f"weights must range over the methodology's metrics {', '.join(metrics)} "
                            f"(got {', '.join(weights.metrics)})")
    lens_factors = [f for f in factors if f.name in LENS_FACTORS]
    if lens_factors and not table.lens:
        raise AnalysisError("lens factors (counting, year, snapshot) need the default dataset (got a data file)")
    if any(f.name == "drop-metric" for f in factors) and len(metrics) < 2:
        raise AnalysisError(f"--vary drop-metric needs at least 2 metrics (got {len(metrics)})")
    lens_tables: dict[tuple[str, ...], ContributorTable] = {}
    raw_tables: dict[tuple[str, ...], ContributorTable] = {}
    if lens_factors:
        load = loader or default_loader(table)
        for combo in product(*[f.levels for f in lens_factors]):
            overrides: dict[str, Any] = {}
            for f, level in zip(lens_factors, combo):
                overrides["years" if f.name == "year" else f.name] = (
                    parse_years(level) if f.name == "year" else level)
            try:
                raw = load(overrides)
            except RankingsError as exc:
                text = ", ".join(f"{f.name}={lv}" for f, lv in zip(lens_factors, combo))
                raise AnalysisError(f"lens variant {text} cannot be loaded: {exc}") from None
            lens_tables[tuple(combo)] = method.prepare(raw)
            raw_tables[tuple(combo)] = raw
    else:
        lens_tables[()] = prepared
        raw_tables[()] = table
    common = set(prepared.contributors)
    for t in lens_tables.values():
        common &= set(t.contributors)
    universe = [c for c in prepared.contributors if c in common]
    if focus not in prepared.contributors:
        prepared.contributor_index(focus)  # raises UnknownNameError with a suggestion
    if focus not in common:
        raise AnalysisError(f"focus {focus!r} must be present under every lens variant (it is missing from some)")
    if len(universe) < prepared.n_contributors:
        notes.append(f"{prepared.n_contributors - len(universe)} contributor(s) absent under some lens variant "
                     f"were left out; {len(universe)} remain")
    if len(universe) < 2:
        raise AnalysisError(f"sensitivity needs at least 2 contributors (got {len(universe)})")
    for key, t in list(lens_tables.items()):
        index = {c: i for i, c in enumerate(t.contributors)}
        lens_tables[key] = t.take([index[c] for c in universe]) if len(t.contributors) != len(universe) \
            or tuple(t.contributors) != tuple(universe) else t
    nominal_table = prepared.take([prepared.contributor_index(c) for c in universe]) \
        if len(universe) != prepared.n_contributors else prepared
    # The nominal lens key is the one whose levels match the table's lens, if present.
    base = method.weights_for(nominal_table)
    scores = method.score_matrix(nominal_table, np.array([[base[m] for m in metrics]]), prepared=True)[0]
    nominal_ranks = rank_scores(scores)
    if noise.active:
        for cell in noise.cells:
            if cell.contributor not in universe:
                raise AnalysisError(f"uncertainty file names {cell.contributor!r}, which is not analysed")
    problem = SamplingProblem(
        method=method, table=nominal_table, focus=universe.index(focus), weights=weights, factors=factors,
        noise=noise, nominal_ranks=nominal_ranks, notes=tuple(notes), lens_tables=lens_tables,
        raw_tables=raw_tables if any(f.name in PREPARATION_FACTORS for f in factors) else {},
    )
    # Check every normalisation x aggregation pair once, at the base weights.
    names = [f.name for f in factors]
    if "normalize" in names or "aggregate" in names:
        first_lens = {f.name: 0 for f in factors}
        ranges = [range(len(f.levels)) if f.name in ("normalize", "aggregate") else [0] for f in factors]
        for choice in product(*ranges):
            var = problem.variant(tuple(choice))
            if var.L is None and not problem.noise.active:
                try:
                    var.method.score_matrix(var.table, np.array([[base[m] for m in metrics]]), prepared=True,
                                            normalized=var.Z)
                except RankingsError as exc:
                    levels = {f.name: f.levels[c] for f, c in zip(factors, choice) if f.name in first_lens}
                    raise AnalysisError(f"method variant {_variant_text(levels)} cannot score the data: {exc}") from None
    return problem

