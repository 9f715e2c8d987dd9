"""Is the rank significant? The one answer the report and the explore page both show.

For a focus: its rank confidence sets and the top-k answer
(:func:`rankings.sensitivity.confidence.rank_confidence`, a bootstrap of the records behind
the table), and the uncertainty budget (:func:`rankings.sensitivity.analyze.sensitivity`
with ``budget=True``: Sobol' indices grouped into records, weights and method choices),
opened by the sentence a journalist can quote
(:meth:`~rankings.sensitivity.confidence.RankConfidence.sentence`, e.g. "Alibaba is third;
at 95% its rank is between 2 and 4; it is surely in the top 5."). The parameters live here
so that the two never disagree, with the JSON form the page embeds and the command-line
arguments that reproduce each part.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CONFIDENCE_RUNS = 500
"""Bootstrap resamples behind the rank sets (``rankings confidence`` defaults to 1,000)."""
LEVEL = 0.95
TOP_K = 3
MARGINAL_FOR = 10
"""Marginal sets are given for the focus and this many of the top-ranked contributors."""
BUDGET_SAMPLES = 256
BUDGET_BASE = 128
"""Largest Saltelli base of the budget (a report's ``--sobol-samples`` may lower it)."""
BUDGET_VARY = ("counting",)
"""The method choice the budget varies beside the records and the weights."""


def record_kinds(method: Any, table: Any) -> tuple[str, ...]:
    """The record kinds (``models``, ``papers``) whose metrics ``method`` reads in ``table``."""
    from rankings.data.resample import MODEL_METRICS, PAPER_METRICS

    read = set(method.prepare(table).metric_names)
    return tuple(k for k, names in (("models", MODEL_METRICS), ("papers", PAPER_METRICS)) if read & set(names))


def not_computable(method: Any, table: Any) -> str | None:
    """Why the focus's rank sets cannot be computed for ``method`` on ``table`` (None when they can)."""
    if not table.lens:
        return ("rank confidence sets bootstrap the records behind the table, and a table read from a data "
                "file has none (give model records with --models FILE)")
    if not record_kinds(method, table):
        return f"{method.name} reads no metric that is a sum over model or paper records"
    return None


def focus_confidence(method: Any, table: Any, focus: str, seed: int, kinds: tuple[str, ...]) -> Any:
    """The focus's rank sets and top-k answer (a :class:`~rankings.sensitivity.confidence.RankConfidence`)."""
    from rankings.sensitivity.confidence import rank_confidence

    return rank_confidence(method, table, focus=focus, level=LEVEL, runs=CONFIDENCE_RUNS, seed=seed,
                           resample=kinds, top_k=TOP_K, marginal_for=MARGINAL_FOR)


def budget_base(sobol_samples: int = BUDGET_BASE) -> int:
    return min(int(sobol_samples), BUDGET_BASE)


def focus_budget(method: Any, table: Any, focus: str, seed: int, kinds: tuple[str, ...],
                 sobol_samples: int = BUDGET_BASE) -> Any:
    """The uncertainty budget of the focus's rank (a sensitivity result whose ``sobol`` has the verdict)."""
    from rankings.sensitivity.analyze import sensitivity
    from rankings.sensitivity.sample import parse_vary

    factors = parse_vary(list(BUDGET_VARY), metrics=method.prepare(table).metric_names, lens_available=True)
    result = sensitivity(method, table, focus=focus, samples=BUDGET_SAMPLES, seed=seed, factors=factors,
                         sobol=True, sobol_samples=budget_base(sobol_samples), budget=True, resample=kinds,
                         pairwise_top=0, confidence_runs=1)  # only the Sobol' indices are read
    if result.sobol is None:
        raise ValueError("the budget run returned no Sobol' indices")
    return result


def confidence_args(seed: int, kinds: tuple[str, ...]) -> list[str]:
    """``rankings confidence`` arguments that reproduce :func:`focus_confidence` (beside data, method, focus)."""
    return ["--level", f"{LEVEL:g}", "--samples", str(CONFIDENCE_RUNS), "--seed", str(seed), "--top-k", str(TOP_K),
            "--top", str(MARGINAL_FOR), *[w for k in kinds for w in ("--resample", k)]]


def budget_args(seed: int, kinds: tuple[str, ...], sobol_samples: int = BUDGET_BASE) -> list[str]:
    """``rankings sensitivity`` arguments that reproduce :func:`focus_budget` (beside data, method, focus)."""
    return [*[w for k in kinds for w in ("--resample", k)], *[w for v in BUDGET_VARY for w in ("--vary", v)],
            "--budget", "--samples", str(BUDGET_SAMPLES), "--sobol-samples", str(budget_base(sobol_samples)),
            "--seed", str(seed)]


def confidence_json(r: Any) -> dict[str, Any]:
    """What the page shows of a :class:`~rankings.sensitivity.confidence.RankConfidence` (JSON values)."""
    f = r.focus_index
    order = sorted(range(len(r.contributors)), key=lambda i: (r.ranks[i], r.contributors[i]))[:MARGINAL_FOR]
    if f not in order:
        order.append(f)
    rows = [{"contributor": r.contributors[i], "rank": int(r.ranks[i]),
             "marginal": list(r.marginal[r.contributors[i]]) if r.contributors[i] in r.marginal else None,
             "simultaneous": [int(r.simultaneous[i, 0]), int(r.simultaneous[i, 1])]} for i in order]
    return {"sentence": r.sentence(), "method": r.method, "bootstrap_runs": int(r.runs), "seed": int(r.seed),
            "level": float(r.level), "resample": r.resample, "focus": r.focus, "rank": int(r.ranks[f]),
            "marginal": list(r.marginal[r.focus]),
            "simultaneous": [int(r.simultaneous[f, 0]), int(r.simultaneous[f, 1])],
            "top_k": {**{k: v for k, v in r.focus_top.items()}, "surely": list(r.surely_top),
                      "may_be": len(r.may_be_top)},
            "rows": rows, "notes": list(r.notes), "contributors": len(r.contributors)}


def budget_json(result: Any) -> dict[str, Any]:
    """What the page shows of an uncertainty budget: per group S1 and ST with intervals, and the verdict."""
    s = result.sobol
    entry = s["focus_rank"]
    groups = []
    for g in s["groups"]:
        v = entry.get(g)
        if isinstance(v, Mapping) and v.get("ST") is not None:
            groups.append({"group": g, "S1": round(float(v["S1"]), 6), "S1_ci": [round(float(x), 6) for x in v["S1_ci"]],
                           "ST": round(float(v["ST"]), 6), "ST_ci": [round(float(x), 6) for x in v["ST_ci"]]})
        else:
            groups.append({"group": g, "S1": None, "S1_ci": None, "ST": None, "ST_ci": None})
    out = {"verdict": s["verdict"], "runs": int(s["runs"]), "base_samples": int(s["base_samples"]),
           "seed": int(result.seed), "groups": groups}
    if "note" in entry:
        out["note"] = str(entry["note"])
    return out
