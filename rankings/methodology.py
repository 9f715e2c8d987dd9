"""The methodology contract: what a scoring scheme declares and how it is evaluated.

A :class:`Methodology` names the metrics it reads with default weights, the invariants
it claims (names from :data:`INVARIANTS`), its references, and how it scores. It scores
either *declaratively*, by a normalisation and an aggregation from the library's closed
vocabulary (``normalize`` and ``aggregate``), or through a plugin's own ``score``
function ``score(table, weights) -> one float per contributor``. A plugin may add
``score_batch(table, W) -> S x N`` to score a whole matrix of weight vectors at once;
the sensitivity engine uses it when present. Methodologies return scores, never
ranks: :func:`rankings.ranking.rank_scores` is the one place ranks are made.

A plugin's score functions run with their stdout sent to stderr, and a failure inside
them (an exception, or ``sys.exit``) is a :class:`~rankings.errors.PluginError` naming
the methodology and its source, never a traceback or a silent exit.

Every methodology is validated when it is built (parameters by
:mod:`rankings.parameters`, each with a type and a range); errors name the methodology and the
place it came from (``source``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np

from rankings import caveats
from rankings import normalize as _normalize
from rankings._plugin_io import checked_scores, exit_text, stdout_to_stderr
from rankings.aggregate import AGGREGATIONS
from rankings.errors import MethodologyError, PluginError, RankingsError, UnknownNameError, WeightError, shown
from rankings.imputation import check_outliers, treat_outliers
from rankings.parameters import check_parameters
from rankings.pillars import Hierarchy
from rankings.ranking import rank_scores
from rankings.result import RankingResult
from rankings.table import MISSING_RULES, ContributorTable, missing_rule_name
from rankings.weighting import SCHEMES, derive

INVARIANTS: tuple[str, ...] = (
    "permutation",
    "neutrality",
    "pareto",
    "monotonicity",
    "scale-invariance",
    "translation-invariance",
    "zero-weight-independence",
    "weight-homogeneity",
    "iia",
    "determinism",
)
"""The invariant catalogue; see :mod:`rankings.invariants` for the precise statements."""

FILLED_WARNING_SHARE = caveats.FILLED_WARNING_SHARE
OVERRIDE_SOURCES: tuple[str, ...] = ("user", "--direction")
"""Direction sources that outrank a methodology's ``directions`` (``with_directions``, the CLI)."""

NORMALIZATIONS: tuple[str, ...] = tuple(_normalize.NORMALIZERS)
AGGREGATION_NAMES: tuple[str, ...] = tuple(AGGREGATIONS)

ScoreFunction = Callable[[ContributorTable, Mapping[str, float]], Any]
BatchScoreFunction = Callable[[ContributorTable, np.ndarray], Any]

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*\*?$")  # a trailing * marks a what-if
TOML_KEYS: tuple[str, ...] = (
    "name", "description", "weights", "normalize", "aggregate", "parameters", "bounds",
    "missing", "invariants", "references", "directions", "pillars", "outliers", "metrics",
)


def check_weights(weights: Mapping[str, float], where: str) -> dict[str, float]:
    """Weights must be finite, non-negative numbers, not all zero, with a finite sum."""
    out: dict[str, float] = {}
    for key, value in weights.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
            raise WeightError(f"{where}: weight of {key!r} must be a number (got {shown(value)})")
        try:
            value = float(value)
        except OverflowError:  # an integer beyond the float range
            value = math.inf
        if math.isnan(value) or math.isinf(value):
            raise WeightError(f"{where}: weight of {key!r} must be finite (got {value})")
        if value < 0:
            raise WeightError(f"{where}: weight of {key!r} must be non-negative (got {value:g})")
        out[str(key)] = value
    total = sum(out.values())
    if out and total <= 0:
        raise WeightError(f"{where}: weights must not all be zero (got {', '.join(f'{k}=0' for k in out)})")
    if not math.isfinite(total):
        raise WeightError(f"{where}: weights must have a finite sum (got a sum of {total:g}); scale them down")
    return out


@dataclass(frozen=True, eq=False)
class Methodology:
    """A named scoring scheme.

    Parameters
    ----------
    name : str
        Kebab-case, unique among registered methodologies.
    description : str
        One line.
    weights : mapping or None
        Metric -> default weight (non-negative, not all zero; rescaled to sum to 1
        when used). ``None`` means "every metric of the table, equally weighted".
    invariants : iterable of str
        Names from :data:`INVARIANTS` that the methodology claims.
    references : sequence of str
    score : callable, optional
        ``score(table, weights) -> N floats``, higher is better, for plugins with their
        own formula. ``table`` holds only the metrics read, with missing values already
        resolved; ``weights`` sums to 1.
    score_batch : callable, optional
        ``score_batch(table, W) -> S x N`` for ``W`` of shape S x M (columns in the
        order of :attr:`metrics`).
    normalize, aggregate : str, optional
        Names from the closed vocabulary, for declarative methodologies (both or none).
    parameters : mapping
        Parameters of the normaliser and aggregator (``lower``, ``upper``, ``ddof``,
        ``clip``, ``reference``, ``lam``, ``max_alternatives``).
    bounds : mapping of metric -> (lo, hi)
        Goalposts for the ``goalposts`` normalisation.
    missing : {"error", "drop", "zero", "worst"}
        What to do with a missing value in a metric read.
    source : str
        Where the methodology came from, used in every error about it.
    directions : mapping of metric -> {"min", "max"}
        Directions applied when the table is prepared: they replace the table's own (its
        sidecar or dataset spec) but not a user's (``--direction``,
        :meth:`ContributorTable.with_directions`).
    scheme : str, optional
        A weighting scheme of :mod:`rankings.weighting` (``entropy``, ``critic``, ``pca``...): weights
        are derived from the prepared table; ``weights`` (if given) only names the metrics read.
    outliers : mapping
        Outlier treatment after the missing rule (:func:`rankings.imputation.check_outliers`).
    pillars : Hierarchy, optional
        Metrics grouped into pillars (:mod:`rankings.pillars`); ``weights`` are the effective ones.
    """

    name: str
    description: str
    weights: Mapping[str, float] | None = None
    invariants: frozenset[str] = frozenset()
    references: tuple[str, ...] = ()
    score: ScoreFunction | None = None
    score_batch: BatchScoreFunction | None = None
    normalize: str | None = None
    aggregate: str | None = None
    parameters: Mapping[str, Any] = field(default_factory=dict)
    bounds: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    missing: str = "error"
    source: str = "python"
    directions: Mapping[str, str] = field(default_factory=dict)
    scheme: str | None = None
    outliers: Mapping[str, Any] = field(default_factory=dict)
    pillars: Hierarchy | None = None

    def __post_init__(self) -> None:
        where = self._where()
        if not isinstance(self.name, str) or not _NAME.match(self.name):
            raise MethodologyError(f"{where}: name must be kebab-case like 'equal-core' (got {shown(self.name)})")
        if not isinstance(self.description, str) or not self.description.strip() or "\n" in self.description.strip():
            raise MethodologyError(f"{where}: description must be one non-empty line (got {shown(self.description)})")
        if self.weights is not None:
            if not isinstance(self.weights, Mapping):
                raise MethodologyError(f"{where}: weights must be a table of metric = weight (got {shown(self.weights)})")
            weights = check_weights(self.weights, where)
            if not weights:
                raise MethodologyError(f"{where}: weights must name at least one metric (got none)")
            object.__setattr__(self, "weights", MappingProxyType(weights))
        try:
            invariants = frozenset(self.invariants) if not isinstance(self.invariants, str) else None
        except TypeError:
            invariants = None
        if invariants is None:
            raise MethodologyError(f"{where}: invariants must be a list of names (got {shown(self.invariants)})")
        not_names = [i for i in invariants if not isinstance(i, str)]
        if not_names:
            raise MethodologyError(f"{where}: invariants must be names like 'pareto' (got {shown(not_names[0])})")
        unknown = sorted(invariants - set(INVARIANTS))
        if unknown:
            raise UnknownNameError("invariant", unknown[0], INVARIANTS).with_prefix(where)
        object.__setattr__(self, "invariants", invariants)
        object.__setattr__(self, "references", tuple(str(r) for r in self.references))
        if self.scheme is not None and self.scheme not in SCHEMES:
            raise UnknownNameError("weighting scheme", str(self.scheme), tuple(SCHEMES)).with_prefix(where)
        object.__setattr__(self, "outliers", MappingProxyType(check_outliers(self.outliers, where)))
        if self.pillars is not None and self.weights is None:
            object.__setattr__(self, "weights", MappingProxyType(self.pillars.effective_weights()))
        if missing_rule_name(self.missing) not in MISSING_RULES:
            raise MethodologyError(f"{where}: missing must be one of {', '.join(MISSING_RULES)} (got {shown(self.missing)})")
        declarative = self.normalize is not None or self.aggregate is not None
        if self.score is not None and declarative:
            raise MethodologyError(f"{where}: give either a score function or normalize/aggregate, not both")
        if self.score is None and not declarative:
            raise MethodologyError(f"{where}: needs a score function or a normalize and aggregate pair")
        if self.score is not None and not callable(self.score):
            raise MethodologyError(f"{where}: score must be callable (got {type(self.score).__name__})")
        if self.score_batch is not None and not callable(self.score_batch):
            raise MethodologyError(f"{where}: score_batch must be callable (got {type(self.score_batch).__name__})")
        if not isinstance(self.parameters, Mapping):
            raise MethodologyError(f"{where}: parameters must be a table of name = value (got {shown(self.parameters)})")
        if declarative:
            normalize_name = self.normalize or "none"
            aggregate_name = self.aggregate or "arithmetic"
            if normalize_name not in NORMALIZATIONS:
                raise UnknownNameError("normalisation", normalize_name, NORMALIZATIONS).with_prefix(where)
            if aggregate_name not in AGGREGATIONS:
                raise UnknownNameError("aggregation", aggregate_name, AGGREGATION_NAMES).with_prefix(where)
            object.__setattr__(self, "normalize", normalize_name)
            object.__setattr__(self, "aggregate", aggregate_name)
            allowed = set(_normalize.NORMALIZER_PARAMETERS.get(normalize_name, ())) - {"bounds"}
            allowed |= set(AGGREGATIONS[aggregate_name].parameters)
            for key in self.parameters:
                if key not in allowed:
                    raise MethodologyError(
                        f"{where}: parameter {key!r} does not apply to {normalize_name} + {aggregate_name} "
                        f"(allowed: {', '.join(sorted(allowed)) or 'none'})"
                    )
            parameters = check_parameters(self.parameters, where)
        elif self.parameters:
            raise MethodologyError(f"{where}: parameters apply only to normalize/aggregate methodologies")
        else:
            parameters = {}
        bounds: dict[str, tuple[float, float]] = {}
        for key, pair in dict(self.bounds).items():
            try:
                if isinstance(pair, (str, bytes)) or any(isinstance(v, bool) for v in pair):
                    raise TypeError
                lo, hi = (float(v) for v in pair)
            except OverflowError:
                raise MethodologyError(f"{where}: bounds of {key!r} must be finite (got {shown(pair)})") from None
            except (TypeError, ValueError):
                raise MethodologyError(f"{where}: bounds of {key!r} must be [lo, hi] (got {shown(pair)})") from None
            if not (math.isfinite(lo) and math.isfinite(hi)):
                raise MethodologyError(f"{where}: bounds of {key!r} must be finite (got {lo:g}:{hi:g})")
            if not hi > lo:
                raise MethodologyError(f"{where}: bounds of {key!r} must have hi > lo (got {lo:g}:{hi:g})")
            bounds[key] = (lo, hi)
        object.__setattr__(self, "bounds", MappingProxyType(bounds))
        if not isinstance(self.directions, Mapping):
            raise MethodologyError(f"{where}: directions must be a table of metric = \"min\" or \"max\" "
                                   f"(got {shown(self.directions)})")
        for key, value in self.directions.items():
            if value not in ("min", "max"):
                raise MethodologyError(f"{where}: direction of {key!r} must be \"min\" or \"max\" (got {shown(value)})")
            if self.weights is not None and key not in self.weights:
                raise MethodologyError(f"{where}: directions name {key!r}, a metric the weights do not read "
                                       f"(reads {', '.join(self.weights)})")
        object.__setattr__(self, "directions", MappingProxyType({str(k): str(v) for k, v in self.directions.items()}))
        object.__setattr__(self, "parameters", MappingProxyType(parameters))

    def _where(self) -> str:
        return f"methodology {self.name!r} ({self.source})"

    # -- what it reads ----------------------------------------------------------------
    @property
    def declarative(self) -> bool:
        return self.score is None

    def metrics_for(self, table: ContributorTable) -> tuple[str, ...]:
        """The metrics read on ``table`` (all of them when weights are ``None``)."""
        if self.weights is None:
            return table.metric_names
        missing = [m for m in self.weights if m not in table.metric_names]
        if missing:
            home = next((f" (key 'pillars.{p.name}')" for p in (self.pillars.pillars.values() if self.pillars else ())
                         if missing[0] in p.members), "")
            raise UnknownNameError("metric", missing[0], table.metric_names).with_prefix(
                f"{self._where()}{home} reads a metric that {table.label} does not have:")
        return tuple(self.weights)

    def weights_for(self, table: ContributorTable) -> dict[str, float]:
        """Weights on ``table``'s metrics, rescaled to sum to 1."""
        names = self.metrics_for(table)
        if self.scheme is not None:
            higher = np.array([table.spec(m).direction == "max" for m in names])
            try:
                derived = derive(self.scheme, table.select_metrics(names).values, higher)
            except WeightError as exc:
                raise WeightError(f"{self._where()} on {table.label}: {exc}") from None
            return dict(zip(names, derived.tolist()))
        raw = {m: 1.0 for m in names} if self.weights is None else dict(self.weights)
        total = sum(raw.values())
        return {m: raw[m] / total for m in names}

    def weights_rescaled(self) -> bool:
        """True when the declared weights do not already sum to 1."""
        return self.scheme is None and self.weights is not None and abs(sum(self.weights.values()) - 1.0) > 1e-9

    # -- evaluation -------------------------------------------------------------------
    def prepare(self, table: ContributorTable) -> ContributorTable:
        """The table restricted to the metrics read, with the methodology's directions, missing rule and outlier
        treatment applied."""
        return self.prepare_steps(table)[0]

    def prepare_steps(self, table: ContributorTable) -> tuple[ContributorTable, np.ndarray, list[str]]:
        """:meth:`prepare`, with the N x M mask of winsorised cells and the log-transformed metrics."""
        table = table.select_metrics(self.metrics_for(table))
        if self.directions:
            absent = [m for m in self.directions if m not in table.metric_names]
            if absent:
                raise UnknownNameError("metric", absent[0], table.metric_names).with_prefix(
                    f"{self._where()} sets the direction of a metric that {table.label} does not have:")
            table = table.with_directions({m: d for m, d in self.directions.items()
                                           if table.direction_source(m) not in OVERRIDE_SOURCES}, "methodology")
        return treat_outliers(table.resolve_missing(self.missing), self.outliers, self._where())

    def _normalizer_params(self, table: ContributorTable) -> dict[str, Any]:
        params = {k: v for k, v in self.parameters.items()
                  if k in _normalize.NORMALIZER_PARAMETERS.get(self.normalize or "", ())}
        if self.normalize == "goalposts":
            absent = [m for m in table.metric_names if m not in self.bounds]
            if absent:
                raise MethodologyError(
                    f"{self._where()}: goalposts need bounds for every metric read "
                    f"(got none for {', '.join(absent)}); pass --bounds {absent[0]}=lo:hi"
                )
            params["bounds"] = [self.bounds[m] for m in table.metric_names]
        if self.normalize == "distance-to-reference":
            ref = params.get("reference")
            if isinstance(ref, str):
                params["reference"] = table.values[table.contributor_index(ref)]
            elif isinstance(ref, Mapping):
                absent = [m for m in table.metric_names if m not in ref]
                if absent:
                    raise MethodologyError(f"{self._where()}: parameter 'reference' needs a value for every metric read "
                                           f"(got none for {', '.join(absent)})")
                params["reference"] = [float(ref[m]) for m in table.metric_names]
            elif ref is None:
                raise MethodologyError(f"{self._where()}: distance-to-reference needs a 'reference' parameter")
        return params

    def normalized(self, table: ContributorTable) -> np.ndarray:
        """The normalised matrix of a prepared table (declarative methodologies only)."""
        if not self.declarative:
            raise MethodologyError(f"{self._where()} has its own score function and no normalised matrix")
        higher = np.array([s.direction == "max" for s in table.metrics])
        return _normalize.apply(self.normalize or "none", table.values, higher, **self._normalizer_params(table))

    def score_matrix(self, table: ContributorTable, W: np.ndarray, *, prepared: bool = False,
                     normalized: np.ndarray | None = None) -> np.ndarray:
        """Scores for a batch of weight vectors: ``W`` is S x M, the result S x N.

        Rows of ``W`` must be non-negative with a positive sum; they are rescaled to sum
        to 1. Uses the vectorised form when there is one.
        """
        table = table if prepared else self.prepare(table)
        W = np.atleast_2d(np.asarray(W, dtype=float))
        if W.shape[1] != len(table.metrics):
            raise WeightError(f"{self._where()}: weight matrix must have {len(table.metrics)} columns (got {W.shape[1]})")
        W = W / W.sum(axis=1, keepdims=True)
        n = table.n_contributors
        if self.declarative:
            Z = self.normalized(table) if normalized is None else normalized
            agg = AGGREGATIONS[self.aggregate or "arithmetic"]
            params = {k: v for k, v in self.parameters.items() if k in agg.parameters}
            if self.pillars is not None and not self.pillars.flat:
                out = self.pillars.score(Z, W, table.metric_names)
            else:
                out = agg(Z, W, **params)
        elif self.score_batch is not None:
            out = self._checked(self._call(self.score_batch, table, W), table, shape=(W.shape[0], n))
        else:
            names = table.metric_names
            out = np.empty((W.shape[0], n))
            for s, w in enumerate(W):
                raw = self._call(self.score, table, dict(zip(names, w.tolist())))
                out[s] = self._checked(raw, table, shape=(n,))
        return out

    def _call(self, function: Any, table: ContributorTable, weights: Any) -> Any:
        """Call a plugin's score function; its own failures are reported with its name."""
        try:
            with stdout_to_stderr():  # a plugin's prints must not corrupt the caller's stdout
                return function(table, weights)
        except RankingsError:
            raise
        except SystemExit as exc:  # a plugin must not end the process silently
            raise PluginError(f"{self._where()}: score function {exit_text(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - a plugin's bug must not surface as a traceback
            raise PluginError(f"{self._where()}: score function raised {type(exc).__name__}: {exc}") from None

    def _checked(self, result: Any, table: ContributorTable, shape: tuple[int, ...]) -> np.ndarray:
        return checked_scores(result, table.contributors, shape, self._where())

    def scores(self, table: ContributorTable, weights: Mapping[str, float] | None = None) -> np.ndarray:
        """One score per contributor of a prepared table (weights default to the method's)."""
        names = table.metric_names
        w = self.weights_for(table) if weights is None else weights
        vector = np.array([float(w.get(m, 0.0)) for m in names])
        return self.score_matrix(table, vector[None, :], prepared=True)[0]

    def evaluate(self, table: ContributorTable, ties: str = "competition") -> RankingResult:
        """Prepare ``table``, score it with the default weights and rank the scores."""
        prepared, winsorised, logged = self.prepare_steps(table)
        notes, filled = caveats.preparation_notes(self, table, prepared, winsorised, logged)
        weights = self.weights_for(prepared)
        normalized = self.normalized(prepared) if self.declarative else None
        vector = np.array([weights[m] for m in prepared.metric_names])
        scores = self.score_matrix(prepared, vector[None, :], prepared=True, normalized=normalized)[0]
        notes += caveats.scoring_notes(self, prepared, weights, normalized)
        return RankingResult(
            methodology=self, table=prepared, weights=weights, scores=scores,
            ranks=rank_scores(scores, ties), normalized=normalized, ties=ties, notes=tuple(notes), filled=filled,
        )

    # -- what-if -------------------------------------------------------------------------
    def with_overrides(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        normalize: str | None = None,
        aggregate: str | None = None,
        bounds: Mapping[str, tuple[float, float]] | None = None,
        parameters: Mapping[str, Any] | None = None,
        missing: str | None = None,
        name: str | None = None,
        scheme: str | None = None,
        outliers: Mapping[str, Any] | None = None,
    ) -> Methodology:
        """A copy with what-if changes; ``weights`` replaces the whole weight set.

        The copy is named ``name``, or this methodology's name with a trailing ``*`` (``equal-core*``),
        so a what-if never passes for the methodology it came from. An aggregation with a
        normalisation of its own (TOPSIS: vector) brings it along unless ``normalize`` is given.
        """
        if (normalize or aggregate or parameters) and not self.declarative:
            raise MethodologyError(
                f"{self._where()} has its own score function; --normalize, --aggregate and parameters "
                "apply only to normalize/aggregate methodologies"
            )
        changes: dict[str, Any] = {}
        own = None
        if aggregate is not None and aggregate in AGGREGATIONS and aggregate != self.aggregate:
            own = AGGREGATIONS[aggregate].normalization
        normalize = normalize or own
        if weights is not None:
            changes["weights"] = dict(weights)
        if normalize is not None:
            changes["normalize"] = normalize
            if normalize != self.normalize:
                kept = _normalize.NORMALIZER_PARAMETERS.get(normalize, ())
                agg_params = AGGREGATIONS[aggregate or self.aggregate or "arithmetic"].parameters
                changes["parameters"] = {k: v for k, v in self.parameters.items() if k in kept or k in agg_params}
        if aggregate is not None:
            changes["aggregate"] = aggregate
            base = changes.get("parameters", self.parameters)
            norm_params = _normalize.NORMALIZER_PARAMETERS.get(changes.get("normalize", self.normalize) or "", ())
            changes["parameters"] = {k: v for k, v in base.items()
                                     if k in norm_params or k in AGGREGATIONS[aggregate].parameters}
        if parameters:
            changes["parameters"] = {**changes.get("parameters", self.parameters), **parameters}
        if bounds:
            changes["bounds"] = {**self.bounds, **bounds}
        if missing is not None:
            changes["missing"] = missing
        if scheme is not None:  # "declared": back to the methodology's typed weights (equal when it has none)
            changes["scheme"] = None if scheme == "declared" else scheme
        if outliers is not None:
            changes["outliers"] = outliers
        if not changes and name is None:
            return self
        changes["name"] = name or (self.name if self.name.endswith("*") else self.name + "*")
        current = {f.name: getattr(self, f.name) for f in fields(self)}
        current.update(changes)
        return Methodology(**current)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "weights": None if self.weights is None else dict(self.weights),
            "normalization": self.normalize if self.declarative else None,
            "aggregation": self.aggregate if self.declarative else None,
            "parameters": {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in self.parameters.items()},
            "bounds": {k: list(v) for k, v in self.bounds.items()},
            "missing": self.missing,
            "invariants": sorted(self.invariants),
            "references": list(self.references),
            "source": self.source,
            "directions": dict(self.directions),
            "weights_scheme": self.scheme,
            "outliers": dict(self.outliers) or None,
            "pillars": None if self.pillars is None else self.pillars.to_dict(),
        }
