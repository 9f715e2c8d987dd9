"""The invariant catalogue as executable checks.

Each check takes a methodology, a complete contributor table, weights and a random
generator; it transforms the table (or the weights) the way the invariant speaks of
and returns ``None`` when the invariant held, or a :class:`Violation` that describes
the counterexample. The same checks back ``rankings check``, the hypothesis suite in
``tests/properties`` and :mod:`rankings.testing` for plugin authors.

Statements (rank 1 is best; "order" is the relation between two contributors):

permutation
    Reordering the rows reorders the ranks the same way and changes nothing else.
neutrality
    Renaming contributors changes no rank.
pareto
    A contributor at least as good on every metric read and strictly better on one
    ranks at least as high (weak Pareto; directions respected).
monotonicity
    Improving one of a contributor's metric values never worsens its rank.
scale-invariance
    Multiplying one metric by a positive constant changes no rank.
translation-invariance
    Adding a constant to one metric changes no rank.
zero-weight-independence
    Changing the values of a metric whose weight is 0 changes no rank.
weight-homogeneity
    Weights ``w`` and ``c * w`` (c > 0) give the same ranks.
iia
    Removing a third contributor never reverses (or ties, or unties) the order of two
    others (independence of irrelevant alternatives; no rank reversal).
determinism
    Scoring the same input twice, alone or inside a batch of weight vectors, gives the
    same ranks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from rankings.errors import RankingsError
from rankings.methodology import INVARIANTS, Methodology
from rankings.ranking import rank_scores
from rankings.table import ContributorTable, MetricSpec


@dataclass(frozen=True)
class Violation:
    """A counterexample to an invariant."""

    methodology: str
    invariant: str
    message: str
    table: ContributorTable
    weights: Mapping[str, float]

    def describe(self) -> str:
        rows = "; ".join(
            f"{c}=({', '.join(f'{v:g}' for v in self.table.values[i])})" for i, c in enumerate(self.table.contributors)
        )
        w = ", ".join(f"{k}={v:.3g}" for k, v in self.weights.items())
        return f"{self.message} [metrics {', '.join(self.table.metric_names)}; rows {rows}; weights {w}]"


Check = Callable[[Methodology, ContributorTable, Mapping[str, float], np.random.Generator], "Violation | None"]


def _ranks(method: Methodology, table: ContributorTable, weights: Mapping[str, float]) -> np.ndarray:
    names = table.metric_names
    vector = np.array([float(weights.get(m, 0.0)) for m in names])
    return rank_scores(method.score_matrix(table, vector[None, :])[0])


def _fail(method: Methodology, name: str, message: str, table: ContributorTable,
          weights: Mapping[str, float]) -> Violation:
    return Violation(method.name, name, message, table, dict(weights))


def _better(spec: MetricSpec, amount: float) -> float:
    return amount if spec.direction == "max" else -amount


def _moved(method: Methodology, invariant: str, cause: str, base: np.ndarray, after: np.ndarray,
           table: ContributorTable, weights: Mapping[str, float]) -> Violation | None:
    """A violation naming the first contributor whose rank changed, or None if none did."""
    if np.array_equal(after, base):
        return None
    i = int(np.flatnonzero(after != base)[0])
    return _fail(method, invariant, f"{cause} moved {table.contributors[i]!r} from rank {base[i]} to {after[i]}",
                 table, weights)


def check_permutation(method, table, weights, rng):
    base = _ranks(method, table, weights)
    perm = rng.permutation(table.n_contributors)
    reordered = table.take(perm)
    return _moved(method, "permutation", "reordering rows", base[perm], _ranks(method, reordered, weights),
                  reordered, weights)


def check_neutrality(method, table, weights, rng):
    base = _ranks(method, table, weights)
    order = rng.permutation(table.n_contributors)
    renamed = table.replace(contributors=tuple(f"contributor-{k:03d}" for k in order))
    after = _ranks(method, renamed, weights)
    return _moved(method, "neutrality", "renaming contributors", base, after, table, weights)


def _dominance(table: ContributorTable) -> np.ndarray:
    """``D[a, b]``: row ``a`` is at least as good as ``b`` on every metric and better on one (directions respected).

    One array operation for all pairs (a pair-by-pair loop cost most of ``rankings check``'s time).
    """
    sign = np.array([1.0 if s.direction == "max" else -1.0 for s in table.metrics])
    oriented = table.values * sign
    diff = oriented[:, None, :] - oriented[None, :, :]
    return (diff >= 0).all(axis=2) & (diff > 0).any(axis=2)


def check_pareto(method, table, weights, rng):
    n = table.n_contributors
    candidates = [table]
    if n >= 2:
        a, b = rng.choice(n, size=2, replace=False)
        j = int(rng.integers(len(table.metrics)))
        values = np.array(table.values, copy=True)
        values[b] = values[a]
        spec = table.metrics[j]
        step = max(1.0, abs(values[a, j]) * 0.25)
        values[b, j] = values[a, j] - _better(spec, step)
        if spec.kind == "count" and values[b, j] < 0:
            values[b] = values[a]
            values[a, j] = values[a, j] + step if spec.direction == "max" else values[a, j]
            if spec.direction == "min":
                values[b, j] = values[a, j] + step
        candidates.append(table.with_values(values))
    for candidate in candidates:
        ranks = _ranks(method, candidate, weights)
        broken = np.argwhere(_dominance(candidate) & (ranks[:, None] > ranks[None, :]))  # row-major: the loop's order
        if broken.size:
            a, b = (int(x) for x in broken[0])
            return _fail(method, "pareto",
                         f"{candidate.contributors[a]!r} dominates {candidate.contributors[b]!r} "
                         f"but ranks {ranks[a]} against {ranks[b]}", candidate, weights)
    return None


def check_monotonicity(method, table, weights, rng):
    base = _ranks(method, table, weights)
    i = int(rng.integers(table.n_contributors))
    j = int(rng.integers(len(table.metrics)))
    spec = table.metrics[j]
    step = float(rng.choice([1.0, 2.0, 5.0])) * max(1.0, float(np.abs(table.values[:, j]).max()) * 0.1)
    values = np.array(table.values, copy=True)
    values[i, j] += _better(spec, step)
    if spec.kind == "count" and values[i, j] < 0:
        return None
    after = _ranks(method, table.with_values(values), weights)
    if after[i] > base[i]:
        return _fail(method, "monotonicity",
                     f"improving {spec.name!r} of {table.contributors[i]!r} by {step:g} worsened its rank "
                     f"from {base[i]} to {after[i]}", table, weights)
    return None


def _rescaled_column(table: ContributorTable, j: int, factor: float = 1.0, shift: float = 0.0) -> ContributorTable:
    values = np.array(table.values, copy=True)
    values[:, j] = values[:, j] * factor + shift
    return table.with_values(values)


def check_scale_invariance(method, table, weights, rng):
    base = _ranks(method, table, weights)
    j = int(rng.integers(len(table.metrics)))
    factor = float(rng.choice([0.1, 0.5, 3.0, 7.0, 1000.0]))
    after = _ranks(method, _rescaled_column(table, j, factor=factor), weights)
    return _moved(method, "scale-invariance", f"multiplying {table.metrics[j].name!r} by {factor:g}",
                  base, after, table, weights)


def check_translation_invariance(method, table, weights, rng):
    base = _ranks(method, table, weights)
    j = int(rng.integers(len(table.metrics)))
    shift = float(rng.choice([1.0, 5.0, 100.0]))
    after = _ranks(method, _rescaled_column(table, j, shift=shift), weights)
    return _moved(method, "translation-invariance", f"adding {shift:g} to {table.metrics[j].name!r}",
                  base, after, table, weights)


def check_zero_weight_independence(method, table, weights, rng):
    names = list(weights)
    if len(names) < 2:
        return None
    zeroed = names[int(rng.integers(len(names)))]
    w = {k: (0.0 if k == zeroed else v) for k, v in weights.items()}
    if sum(w.values()) <= 0:
        w = {k: (0.0 if k == zeroed else 1.0) for k in weights}
    base = _ranks(method, table, w)
    j = table.metric_index(zeroed)
    values = np.array(table.values, copy=True)
    values[:, j] = rng.permutation(values[:, j]) * float(rng.choice([1.0, 3.0])) + float(rng.choice([0.0, 2.0]))
    after = _ranks(method, table.with_values(values), w)
    return _moved(method, "zero-weight-independence", f"changing {zeroed!r}, weighted 0,", base, after, table, w)


def check_weight_homogeneity(method, table, weights, rng):
    base = _ranks(method, table, weights)
    factor = float(rng.choice([0.01, 0.3, 4.0, 1000.0]))
    after = _ranks(method, table, {k: v * factor for k, v in weights.items()})
    return _moved(method, "weight-homogeneity", f"multiplying every weight by {factor:g}", base, after, table, weights)


def check_iia(method, table, weights, rng):
    n = table.n_contributors
    if n < 3:
        return None
    base = _ranks(method, table, weights)
    for c in rng.permutation(n)[: min(n, 4)]:
        keep = np.delete(np.arange(n), c)
        after = _ranks(method, table.take(keep), weights)
        before = base[keep]
        sign_before = np.sign(before[:, None] - before[None, :])
        sign_after = np.sign(after[:, None] - after[None, :])
        if not np.array_equal(sign_before, sign_after):
            a, b = np.argwhere(sign_before != sign_after)[0]
            names = [table.contributors[k] for k in keep]
            return _fail(method, "iia",
                         f"removing {table.contributors[c]!r} changed the order of {names[a]!r} and {names[b]!r} "
                         f"(ranks {before[a]},{before[b]} became {after[a]},{after[b]})", table, weights)
    return None


def check_determinism(method, table, weights, rng):
    names = table.metric_names
    vector = np.array([float(weights.get(m, 0.0)) for m in names])
    first = method.score_matrix(table, vector[None, :])[0]
    other = rng.dirichlet(np.ones(len(names)))
    batch = method.score_matrix(table, np.vstack([other, vector, other]))
    again = method.score_matrix(table.replace(values=np.array(table.values, copy=True)), vector[None, :])[0]
    r1, r2, r3 = rank_scores(first), rank_scores(batch[1]), rank_scores(again)
    if not (np.array_equal(r1, r2) and np.array_equal(r1, r3)):
        return _fail(method, "determinism", "the same input ranked differently alone, in a batch, or on a copy",
                     table, weights)
    return None


CHECKS: Mapping[str, Check] = {
    "permutation": check_permutation,
    "neutrality": check_neutrality,
    "pareto": check_pareto,
    "monotonicity": check_monotonicity,
    "scale-invariance": check_scale_invariance,
    "translation-invariance": check_translation_invariance,
    "zero-weight-independence": check_zero_weight_independence,
    "weight-homogeneity": check_weight_homogeneity,
    "iia": check_iia,
    "determinism": check_determinism,
}
assert tuple(CHECKS) == INVARIANTS


def check_invariant(method: Methodology, invariant: str, table: ContributorTable,
                    weights: Mapping[str, float] | None = None,
                    rng: np.random.Generator | int | None = None) -> Violation | None:
    """Run one invariant check on one table; ``None`` means it held."""
    from rankings.sampling import make_rng

    if invariant not in CHECKS:
        from rankings.errors import UnknownNameError

        raise UnknownNameError("invariant", invariant, INVARIANTS)
    w = dict(weights) if weights is not None else method.weights_for(table)
    table = table.select_metrics(list(w))
    return CHECKS[invariant](method, table, w, make_rng(rng))


def method_metric_names(method: Methodology, rng: np.random.Generator) -> list[str]:
    if method.weights is not None:
        return list(method.weights)
    return [f"m{j + 1}" for j in range(int(rng.integers(2, 5)))]


_STYLES = ("ties", "counts", "lognormal")
_TIE_VALUES = np.array([0.0, 1.0, 2.0, 5.0, 10.0])


def random_table(rng: np.random.Generator, metrics: Sequence[str], *, n: int | None = None,
                 style: str | None = None, directions: bool = True) -> ContributorTable:
    """A small random table for invariant checks: integer counts with ties, or log-normal.

    Lower-is-better metrics appear at random when ``directions`` is set.
    """
    n = int(rng.integers(3, 9)) if n is None else n
    # indexing by rng.integers draws exactly what rng.choice would (same stream), without its overhead
    style = style or _STYLES[int(rng.integers(0, len(_STYLES)))]
    m = len(metrics)
    if style == "ties":
        values = _TIE_VALUES[rng.integers(0, len(_TIE_VALUES), size=(n, m))]
        if n >= 2 and rng.random() < 0.5:
            values[1] = values[0]
    elif style == "counts":
        values = rng.integers(0, 21, size=(n, m)).astype(float)
    else:
        values = np.round(rng.lognormal(3.0, 1.0, size=(n, m)), 3) + 1.0
    specs = tuple(
        MetricSpec(name=name, kind="count", direction="min" if directions and rng.random() < 0.2 else "max")
        for name in metrics
    )
    return ContributorTable(
        contributors=tuple(f"c{i}" for i in range(n)), metrics=specs, values=values, label="random table"
    )


@dataclass(frozen=True)
class CheckOutcome:
    methodology: str
    invariant: str
    claimed: bool
    examples: int
    violation: Violation | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and (self.violation is None or not self.claimed)


def run_checks(method: Methodology, *, examples: int = 200, seed: int = 0,
               invariants: Sequence[str] | None = None, explore: bool = False) -> list[CheckOutcome]:
    """Check a methodology's declared invariants (and, with ``explore``, the others).

    Tables are drawn at random from a seeded generator: integer counts with ties,
    duplicated rows, and log-normal values, 3 to 8 contributors, random directions.
    """
    names = list(invariants) if invariants is not None else [
        i for i in INVARIANTS if explore or i in method.invariants
    ]
    outcomes: list[CheckOutcome] = []
    for k, invariant in enumerate(names):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        violation: Violation | None = None
        error: str | None = None
        done = 0
        for _ in range(examples):
            metrics = method_metric_names(method, rng)
            table = random_table(rng, metrics)
            raw = rng.integers(1, 1001, size=len(metrics)).astype(float)
            weights = dict(zip(metrics, (raw / raw.sum()).tolist()))
            if method.weights is not None and rng.random() < 0.3:
                weights = dict(method.weights_for(table))
            try:
                violation = CHECKS[invariant](method, table, weights, rng)
            except RankingsError as exc:
                error = str(exc)
            done += 1
            if violation is not None or error is not None:
                break
        outcomes.append(CheckOutcome(method.name, invariant, invariant in method.invariants, done, violation, error))
    return outcomes
