"""What the explore page embeds: the tables of its lenses and the analyses done at build time.

The page recomputes rankings and sweeps itself (``formulas.js``); what it cannot compute
(rank bounds need a branch-and-bound or a MILP, rank acceptability a seeded sampled run, rank confidence sets a
bootstrap of the records, the uncertainty budget a Sobol' run) is computed here for the
build's methodology and focus and embedded with the command that reproduces it. The
confidence sets, the top-k answer and the quotable sentence are those of the report
(:mod:`rankings.sensitivity.significance`), for every lens; the budget for the first lens.
"""

from __future__ import annotations

import math
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from rankings import normalize as _normalize
from rankings.errors import RankingsError
from rankings.methodology import Methodology
from rankings.table import ContributorTable

PAGE_NORMALIZATIONS: tuple[str, ...] = tuple(_normalize.NORMALIZERS)
"""Normalisations the page computes: all of them (those needing parameters when the build has them)."""
PAGE_AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric", "topsis", "waspas", "promethee-ii", "borda",
                                      "copeland", "lexicographic")
"""Aggregations the page computes; Kemeny's exact search is exponential and stays in the CLI."""
NOT_IN_PAGE: Mapping[str, str] = {
    "kemeny": "exact Kemeny-Young is an exponential search: run 'rankings rank --aggregate kemeny'",
}
LINEAR_AGGREGATIONS: tuple[str, ...] = ("arithmetic", "geometric", "promethee-ii", "borda")
"""Aggregations with a linear form (``Aggregation.linear_form``): the page sweeps them exactly."""


@dataclass(frozen=True)
class LensChoice:
    """One table the page can switch to: its label, the CLI flags that read it, the table or why not."""

    label: str
    flags: tuple[str, ...]
    data_text: str
    table: ContributorTable | None = None
    error: str | None = None


def _number(value: float) -> float | None:
    value = float(value)
    return None if math.isnan(value) else value


def _plain(value: Any) -> Any:
    """Parameters as JSON values (arrays to lists, tuples to lists, numpy scalars to floats)."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.floating, np.integer)):
        return float(value)
    return value


def _normalizations(method: Methodology, prepared: ContributorTable) -> dict[str, Any]:
    """Per normalisation, the parameters the CLI would use with ``--normalize NAME``, or why it cannot."""
    out: dict[str, Any] = {}
    for name in PAGE_NORMALIZATIONS:
        try:
            variant = method.with_overrides(normalize=name)
            # the parameters Methodology.normalized passes (bounds per metric, a reference row resolved)
            params = variant._normalizer_params(prepared)
        except RankingsError as exc:
            out[name] = {"error": str(exc)}
            continue
        out[name] = {"params": {k: _plain(v) for k, v in params.items()}}
    return out


def _aggregations(method: Methodology) -> dict[str, Any]:
    from rankings.aggregate import AGGREGATIONS

    out: dict[str, Any] = {}
    for name in AGGREGATIONS:
        if name not in PAGE_AGGREGATIONS:
            out[name] = {"error": NOT_IN_PAGE.get(name, "not computed in the page")}
            continue
        params = {k: _plain(v) for k, v in method.parameters.items() if k in AGGREGATIONS[name].parameters}
        out[name] = {"params": params, "linear": name in LINEAR_AGGREGATIONS}
    return out


def fixed_words(fixed: Sequence[Mapping[str, Any]], normalization: str | None) -> list[str]:
    """The fixed argument groups as words, without those that apply to another normalisation only."""
    return [w for group in fixed if group.get("only_with") in (None, normalization) for w in group["words"]]


def _command(head: Sequence[str], fixed: Sequence[str], lens_flags: Sequence[str], tail: Sequence[str]) -> str:
    return shlex.join([*head, *fixed, *lens_flags, *tail])


def _bounds(method: Methodology, table: ContributorTable, focus: str, command: str) -> dict[str, Any]:
    from rankings.sensitivity.exact.bounds import rank_bounds

    try:
        result = rank_bounds(method, table, focus)
    except RankingsError as exc:
        return {"error": str(exc), "command": command}
    return {"best": result.best.rank, "worst": result.worst.rank, "base": result.base_rank,
            "best_weights": dict(result.best.weights), "worst_weights": dict(result.worst.weights),
            "exact": result.exact, "solver": result.solver, "proven": result.proven_optimal, "command": command}


def _acceptability(method: Methodology, table: ContributorTable, focus: str, samples: int, seed: int,
                   command: str) -> dict[str, Any]:
    from rankings.sensitivity.analyze import sensitivity as sensitivity_analysis

    try:
        result = sensitivity_analysis(method, table, focus=focus, samples=samples, seed=seed)
    except RankingsError as exc:
        return {"error": str(exc), "command": command}
    dist = result.focus_distribution()
    se = result.focus_distribution_se()
    return {"samples": int(result.samples), "seed": int(seed), "sampler": "dirichlet", "command": command,
            "ranks": [{"rank": r + 1, "p": round(float(p), 6), "se": round(float(s), 6)}
                      for r, (p, s) in enumerate(zip(dist, se)) if p > 0]}


def _significance(method: Methodology, table: ContributorTable, focus: str, seed: int, budget: bool,
                  head: Sequence[str], lens_flags: Sequence[str], tail: Sequence[str]) -> dict[str, Any]:
    """The focus's rank sets, top-k answer and sentence, and (``budget``) its uncertainty budget, as the
    report's section computes them (:mod:`rankings.sensitivity.significance`), with the commands."""
    from rankings.sensitivity import significance

    out: dict[str, Any] = {}
    try:
        reason = significance.not_computable(method, table)
        if reason:
            raise RankingsError(reason)
        kinds = significance.record_kinds(method, table)
        command = _command(["rankings", "confidence"], head, lens_flags, [*tail, *significance.confidence_args(seed, kinds)])
        out["confidence"] = {**significance.confidence_json(significance.focus_confidence(method, table, focus, seed, kinds)),
                             "command": command}
    except RankingsError as exc:
        out["confidence"] = {"error": str(exc)}
        out["budget"] = {"error": str(exc)}
        return out
    if not budget:
        out["budget"] = {"error": "computed for the lens the page was built with only (a Sobol' run per lens would "
                                  "multiply the build time)"}
        return out
    command = _command(["rankings", "sensitivity"], head, lens_flags, [*tail, *significance.budget_args(seed, kinds)])
    try:
        out["budget"] = {**significance.budget_json(significance.focus_budget(method, table, focus, seed, kinds)),
                         "command": command}
    except RankingsError as exc:
        out["budget"] = {"error": str(exc), "command": command}
    return out


def lens_payload(method: Methodology, choice: LensChoice, focus: str | None, *, samples: int, seed: int,
                 fixed: Sequence[str], analyses: bool = True, budget: bool = False) -> dict[str, Any]:
    """Everything the page needs for one lens (or the one-line reason it has none); ``fixed`` as words.

    ``budget``: also the focus's uncertainty budget (a Sobol' run: the page computes it for its first lens).
    """
    entry: dict[str, Any] = {"label": choice.label, "flags": list(choice.flags), "data_text": choice.data_text}
    if choice.error is not None or choice.table is None:
        entry["error"] = choice.error or "no table"
        return entry
    try:
        result = method.evaluate(choice.table)
    except RankingsError as exc:
        entry["error"] = str(exc)
        return entry
    prepared = result.table
    observed = result.observed()
    entry.update({
        "contributors": list(prepared.contributors),
        "metrics": [{"name": s.name, "direction": s.direction, "kind": s.kind, "proxy": s.proxy,
                     "source": prepared.direction_source(s.name)} for s in prepared.metrics],
        "values": [[float(v) for v in row] for row in prepared.values],
        "observed": [[_number(v) for v in row] for row in observed],
        "notes": list(result.notes),
        "normalizations": _normalizations(method, prepared),
    })
    if not analyses:
        entry["bounds"] = entry["acceptability"] = entry["confidence"] = entry["budget"] = {
            "error": "not computed for this page (built without analyses)"}
    elif focus is not None and focus in prepared.contributors:
        weights = ",".join(f"{k}={v!r}" for k, v in result.weights.items())
        tail = ["--weights", weights, "--focus", focus]
        if method.declarative:
            tail += ["--normalize", str(method.normalize), "--aggregate", str(method.aggregate)]
        entry["bounds"] = _bounds(method, choice.table, focus, _command(["rankings", "bounds"], fixed, choice.flags, tail))
        entry["acceptability"] = _acceptability(
            method, choice.table, focus, samples, seed,
            _command(["rankings", "sensitivity"], fixed, choice.flags, [*tail, "--samples", str(samples), "--seed", str(seed)]))
        entry.update(_significance(method, choice.table, focus, seed, budget, fixed, choice.flags, tail))
    else:
        entry["bounds"] = entry["acceptability"] = entry["confidence"] = entry["budget"] = {
            "error": f"{focus!r} is not ranked under this lens" if focus else "no focus"}
    return entry


def build_payload(method: Methodology, lenses: Sequence[LensChoice], focus: str | None, *, ties: str = "competition",
                  samples: int = 2000, seed: int = 0, fixed: Sequence[Mapping[str, Any]] = (),
                  how_to_lens: str = "", analyses: bool = True) -> dict[str, Any]:
    """The JSON object the page reads: the methodology, one entry per lens, and how to reproduce each view.

    ``fixed`` holds the ``rankings rank`` arguments that no control of the page changes
    (``--method``, ``--data``, ``--direction``, ``--missing``...) in CLI form, as groups
    ``{"words": [...], "only_with": normalisation or absent}``. ``analyses=False`` leaves out the
    rank bounds and the sampled run (the benchmark's large synthetic tables).
    """
    if not method.declarative:
        raise RankingsError(f"explore computes rankings in the page and needs a normalize/aggregate methodology "
                            f"(got {method.name!r}, which has its own score function)")
    if not lenses:
        raise RankingsError("explore needs at least one table (got no lens)")
    words = fixed_words(fixed, method.normalize)
    entries = [lens_payload(method, choice, focus, samples=samples, seed=seed, fixed=words, analyses=analyses,
                            budget=k == 0) for k, choice in enumerate(lenses)]
    if "error" in entries[0]:
        raise RankingsError(f"explore: {entries[0]['error']}")
    return {
        "methodology": {"name": method.name, "description": method.description,
                        "weights": method.weights_for(lenses[0].table) if lenses[0].table is not None else {},
                        "normalize": method.normalize, "aggregate": method.aggregate, "missing": method.missing},
        "aggregations": _aggregations(method),
        "ties": ties, "focus": focus, "fixed": [dict(g) for g in fixed], "lenses": entries, "how_to_lens": how_to_lens,
        "samples": samples, "seed": seed,
    }
