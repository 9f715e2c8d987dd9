"""Analyses of sampled runs: SMAA-2 outputs, rank bands, rank shifts and Sobol' indices.

:func:`sensitivity` is the one entry point: it builds the sampling problem, runs the
engine of :mod:`rankings.sensitivity.engine` and returns a frozen
:class:`SensitivityResult` with

* rank acceptability ``b_i^r = P(rank_i = r)`` with Monte Carlo standard errors
  ``sqrt(b (1 - b) / S)`` (binomial; conservative for QMC points);
* rank bands (5th, 50th and 95th percentile of each contributor's rank);
* the mean absolute rank shift against the nominal ranking (per run, averaged) and per
  contributor;
* pairwise winning probabilities ``P(rank_i < rank_k)`` among the nominal top
  contributors and the focus;
* SMAA-2 central weight vectors ``E[w | rank_i = 1]`` and confidence factors
  ``P(rank_i = 1 | w = w_i^c)`` (Lahdelma & Salminen 2001, Operations Research
  49(3):444-454); holistic acceptability with linear meta-weights;
* optionally Sobol' first-order and total indices, with bootstrap intervals, of the
  focus rank and of the mean absolute rank shift, per factor group, via SALib, with a
  hand-written Saltelli (2010) / Jansen (1999) estimator on the same runs as a check.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from rankings.caveats import preparation_notes
from rankings.errors import AnalysisError
from rankings.methodology import Methodology
from rankings.sensitivity import kernels
from rankings.sensitivity.accept_kernels import RankLayout, default_top_ranks
from rankings.sensitivity.acceptability import BAND_LEVELS, rank_bands, summarize  # noqa: F401 (re-exported)
from rankings.sensitivity.engine import check_analysis_size, map_problem, run_engine
from rankings.sensitivity.memory import check_samples
from rankings.sensitivity.precision import precision_note, run_to_precision
from rankings.sensitivity.problem import SamplingProblem, build_problem, competition_ranks, ranked_first
from rankings.sensitivity.result import SensitivityResult, _f, _jsonable  # noqa: F401 (re-exported)
from rankings.sensitivity.sample import (
    GEN_BLOCK,
    CategoricalFactor,
    DataNoise,
    RecordResampling,
    RunBatch,
    RunSampler,
    WeightSampler,
    confidence_rng,
    record_resampling,
    resample_batches,
)
from rankings.sensitivity.sobol import (  # noqa: F401  (the estimators are also importable from here)
    budget_layout,
    budget_verdict,
    ishigami,
    salib_first_total,
    saltelli_jansen,
    sobol_indices,
    split_salib_design,
)
from rankings.table import ContributorTable

DEFAULT_PAIRWISE_TOP = 10
DEFAULT_CONFIDENCE_RUNS = None
"""``None``: confidence factors use as many runs as the analysis (``samples``)."""


# ---------------------------------------------------------------------------------------
# SMAA-2 confidence factors
# ---------------------------------------------------------------------------------------

def _confidence_of(problem: SamplingProblem,
                   item: tuple[int, np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]) -> float:
    """P(rank 1) of contributor ``i`` at its central weights ``w`` over the confidence draws.

    ``counts``: with no data noise, draws with the same method choices score alike, so
    ``choices`` holds each distinct row once and ``counts`` how many draws it stands for.
    """
    i, w, choices, keys, counts = item
    first = ranked_first(problem.score(RunBatch(0, np.tile(w, (len(choices), 1)), choices, keys)), i)
    return float(np.mean(first) if counts is None else counts[first].sum() / counts.sum())


def _confidence(problem: SamplingProblem, central: dict[int, np.ndarray], seed: int, runs: int) -> tuple[dict[int, float], str]:
    if not central:
        return {}, "no contributor ranked first in any run"
    if not problem.factors and not problem.noise.active:
        W = np.array(list(central.values()))
        batch = RunBatch(0, W, np.zeros((len(W), 0), dtype=np.int64), None)
        ranks = competition_ranks(problem.score(batch))
        out = {i: float(ranks[k, i] == 1) for k, i in enumerate(central)}
        return out, ("with no data noise or method choices the confidence factor is 0 or 1: whether the "
                     "contributor ranks first at its central weights")
    rng = confidence_rng(seed)
    choices = np.empty((runs, len(problem.factors)), dtype=np.int64)
    for k, factor in enumerate(problem.factors):
        choices[:, k] = rng.integers(0, len(factor.levels), size=runs)
    keys = rng.integers(0, 2**62, size=runs, dtype=np.int64) if problem.noise.active else None
    if isinstance(problem.noise, RecordResampling):
        keys = np.arange(runs, dtype=np.int64)  # the first resamples of the main runs (cached blocks)
    counts = None
    if keys is None:  # the distinct choices once for every contributor (np.unique's sort holds the GIL)
        choices, counts = np.unique(choices, axis=0, return_counts=True)
    # one piece per contributor, on the active engine (a Dask cluster evaluates them in parallel), or on
    # the engine's threads in process when scoring calls no BLAS (threaded BLAS would oversubscribe)
    values = map_problem(problem, _confidence_of, [(i, w, choices, keys, counts) for i, w in central.items()],
                         threads=kernels.threads() if problem.blas_free() else 1)
    out = dict(zip(central, values))
    what = " and ".join(x for x in (_noise_label(problem) if problem.noise.active else "",
                                     "method choices" if problem.factors else "") if x)
    return out, f"P(rank 1 at the central weights) over {runs} draws of the {what}"


# ---------------------------------------------------------------------------------------
# Sobol'
# ---------------------------------------------------------------------------------------

def _noise_label(problem: SamplingProblem) -> str:
    if isinstance(problem.noise, RecordResampling):
        return "records" + (" and data noise" if problem.noise.noise.active else "")
    return "data noise"


def _check_sobol(base: int, limits: Mapping[str, Any]) -> None:
    if isinstance(base, bool) or not isinstance(base, (int, np.integer)) or base < 2 or base & (base - 1):
        raise AnalysisError(f"--sobol-samples (Sobol' base samples) must be a power of 2, at least 2 (got {base})")
    if limits:
        raise AnalysisError("--sobol does not support --limits (weights come from independent inputs)")


def _sobol(problem: SamplingProblem, *, base: int, seed: int, chunk_size: int | None,
           progress: Callable[[int, int], None] | None, resamples: int = 200, budget: bool = False) -> dict[str, Any]:
    from SALib.sample import sobol as salib_sample

    _check_sobol(base, problem.weights.limits)
    m = len(problem.metrics)
    names = [f"w:{x}" for x in problem.metrics] if m > 1 else []
    groups = list(problem.metrics) if m > 1 else []
    for f in problem.factors:
        names.append(f.name)
        groups.append(f.name)
    if problem.noise.active:
        names.append("noise")
        groups.append(_noise_label(problem))
    if not names:
        raise AnalysisError("Sobol' analysis needs at least one uncertain input (got one metric and nothing varied)")
    names, groups, inverse = budget_layout(names, groups, _noise_label(problem) if problem.noise.active else "",
                                           budget=budget)
    spec = {"num_vars": len(names), "names": names, "bounds": [[0.0, 1.0]] * len(names), "groups": groups}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = salib_sample.sample(spec, base, calc_second_order=False, seed=seed)
    k = len(dict.fromkeys(groups))
    total = X.shape[0]

    def batches(a: int, b: int) -> RunBatch:
        x = X[a:b][:, inverse]  # back to the input order: weights, factors, noise
        W = problem.weights.gamma_map(x[:, :m]) if m > 1 else np.ones((b - a, 1))
        col = m if m > 1 else 0
        choices = np.empty((b - a, len(problem.factors)), dtype=np.int64)
        for j, f in enumerate(problem.factors):
            choices[:, j] = np.minimum((x[:, col] * len(f.levels)).astype(np.int64), len(f.levels) - 1)
            col += 1
        keys = (x[:, col] * 2.0**53).astype(np.int64) if problem.noise.active else None
        if isinstance(problem.noise, RecordResampling):
            keys = problem.noise.sobol_keys(x[:, col])
        return RunBatch(a, W, choices, keys)

    counters = run_engine(problem, batches, total, chunk_size=chunk_size, full=False, store_runs=True,
                          progress=progress, top_ranks=1)  # the per-run outputs only: no N x N counters to send
    outputs = {"focus_rank": np.concatenate(counters.focus_runs).astype(float),
               "mean_rank_shift": np.concatenate(counters.shift_runs)}
    group_names = list(dict.fromkeys(groups))
    result: dict[str, Any] = {"base_samples": base, "runs": total, "groups": group_names,
                              "design": "Saltelli (SALib sobol sampler, scrambled), no second order",
                              "weights_input": "independent uniforms through the Gamma inverse CDF, normalised",
                              "confidence_level": 0.95, "bootstrap_resamples": resamples,
                              "grouping": "budget" if budget else "inputs"}
    varying = {label: Y for label, Y in outputs.items() if np.var(Y) > 0}
    # SALib treats seed=0 as "no seed" and bootstraps from numpy's global generator;
    # an odd number derived from the seed is never 0 and keeps every run reproducible
    analysis_seed = int(np.random.SeedSequence(seed).generate_state(1)[0]) | 1
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        indices = salib_first_total(varying, k, resamples=resamples, conf_level=0.95, seed=analysis_seed,
                                    threads=kernels.threads())
    for label, Y in outputs.items():
        entry: dict[str, Any] = {"variance": float(np.var(Y))}
        if label not in varying:
            entry["note"] = "the output does not vary; indices are undefined"
            entry.update({g: {"S1": None, "ST": None} for g in group_names})
            result[label] = entry
            continue
        res = indices[label]
        S1h, STh = saltelli_jansen(*split_salib_design(Y, k))
        for j, g in enumerate(group_names):
            s1, st = float(res["S1"][j]), float(res["ST"][j])
            c1, ct = float(res["S1_conf"][j]), float(res["ST_conf"][j])
            entry[g] = {"S1": s1, "S1_ci": [s1 - c1, s1 + c1], "ST": st, "ST_ci": [st - ct, st + ct],
                        "S1_check": float(S1h[j]), "ST_check": float(STh[j])}
        result[label] = entry
    return result


# ---------------------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------------------

def sensitivity(
    method: Methodology,
    table: ContributorTable,
    *,
    focus: str,
    samples: int = 10000,
    seed: int = 0,
    sampler: str = "dirichlet",
    concentration: float = 50.0,
    limits: Mapping[str, tuple[float, float]] | None = None,
    factors: Sequence[CategoricalFactor] = (),
    noise: DataNoise | None = None,
    chunk_size: int | None = None,
    log_runs: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    sobol: bool = False,
    sobol_samples: int = 1024,
    budget: bool = False,
    pairwise_top: int = DEFAULT_PAIRWISE_TOP,
    confidence_runs: int | None = DEFAULT_CONFIDENCE_RUNS,
    loader: Callable[[dict[str, Any]], ContributorTable] | None = None,
    output: str = "table",
    weights: WeightSampler | None = None,
    resample: Sequence[str] = (),
    models_path: str | None = None,
    precision: float | None = None,
    max_samples: int | None = None,
    top_ranks: int | None = None,
    full_acceptability: bool = False,
) -> SensitivityResult:
    """Rank acceptability, bands, shifts, SMAA-2 outputs (and Sobol' indices) for ``focus``.

    Parameters
    ----------
    method, table : the methodology (with any what-if applied) and the data.
    focus : contributor whose rank is studied.
    samples : number of Monte Carlo runs (positive).
    seed : non-negative integer; the same seed gives the same result for any ``chunk_size``.
    sampler : ``dirichlet`` (uniform on the simplex), ``concentrated`` (Dirichlet around
        the methodology's weights, ``alpha = concentration * w0``) or ``qmc``.
    limits : per-metric weight limits ``metric -> (lo, hi)``.
    factors : categorical method choices (:func:`~rankings.sensitivity.sample.parse_vary`).
    noise : data noise (:class:`~rankings.sensitivity.sample.DataNoise`).
    log_runs : CSV path receiving every run's inputs and focus rank.
    progress : called as ``progress(done, total)`` after each chunk.
    sobol : also estimate Sobol' indices on a Saltelli design of ``sobol_samples`` base rows.
    weights : a weight sampler replacing ``sampler``/``concentration``/``limits`` (an elicited
        panel, :class:`rankings.sensitivity.panel.PanelWeights`).
    resample : record kinds (``models``, ``papers``) rebuilt in each run from a bootstrap
        resample of the records behind the table (:mod:`~rankings.sensitivity.sample.records`);
        needs the default dataset or ``models_path``.
    precision, max_samples : sample in further blocks, up to ``max_samples`` runs (default
        ``100 * samples``), until every acceptability's standard error is at most ``precision``
        (:mod:`~rankings.sensitivity.precision`); the result says what was achieved.
    output : the format the result will be written in (``json`` holds N x K lists as Python
        objects); the memory of every phase and of the output is checked before any work.
    top_ranks : acceptability kept for ranks 1..K of every contributor (default
        :func:`~rankings.sensitivity.accept_kernels.default_top_ranks`: all ranks up to 1,000
        contributors, else ``max(50, N / 100)``); the focus's distribution is always complete.
    full_acceptability : keep all N ranks (the N x N matrix; refused before any work when
        it would not fit in memory).
    """
    import time

    from rankings.sampling import make_rng as _check_seed

    _check_seed(seed)
    check_samples(samples)
    if pairwise_top < 0:
        raise AnalysisError(f"pairwise top must be non-negative (got {pairwise_top})")
    prepared = method.prepare(table)
    n, m = len(prepared.contributors), len(prepared.metric_names)
    if sobol:
        _check_sobol(sobol_samples, limits or {})
    groups = (m if m > 1 else 0) + len(factors) + int(noise is not None and noise.active)
    kept = _ranks_kept(n, top_ranks, full_acceptability)
    check_analysis_size(n, m, samples=samples, chunk_size=chunk_size, pairs=min(n, pairwise_top + 1),
                        output=output, sobol_samples=sobol_samples if sobol else None, sobol_groups=groups,
                        top_ranks=kept, full_requested=full_acceptability)
    base_w = method.weights_for(prepared)
    weights = weights or WeightSampler(prepared.metric_names, kind=sampler,
                                       base=tuple(base_w[m] for m in prepared.metric_names),
                                       concentration=concentration, limits=dict(limits or {}))
    weights.check_feasible(seed)
    resampling = None
    if resample:
        resampling = record_resampling(table, resample, seed=seed, noise=noise, models_path=models_path)
        noise = resampling  # type: ignore[assignment]
    problem = build_problem(method, table, focus=focus, weights=weights, factors=factors, noise=noise, loader=loader)
    n = problem.n
    kept = RankLayout.for_ranks(n, kept).kept  # the lens may keep fewer contributors than the table
    nominal = problem.nominal_ranks
    order = sorted(range(n), key=lambda i: (nominal[i], problem.contributors[i]))
    pair_rows = sorted(set(order[:pairwise_top]) | {problem.focus})
    runs = RunSampler(seed, weights, tuple(problem.factors), problem.noise.active)
    t0 = time.perf_counter()
    batches = resample_batches(runs.batch) if resampling is not None else runs.batch
    reached = None
    if precision is not None:
        if log_runs is not None:
            raise AnalysisError("--precision cannot be combined with --log-runs (the run count is not known ahead)")
        cap = max_samples if max_samples is not None else 100 * samples
        check_samples(cap)
        counters, reached = run_to_precision(problem, batches, samples, precision=precision, cap=cap,
                                             chunk_size=chunk_size, full=True, pair_rows=pair_rows, progress=progress,
                                             top_ranks=kept)
    else:
        counters = run_engine(problem, batches, samples, chunk_size=chunk_size, full=True,
                              pair_rows=pair_rows, log_runs=log_runs, progress=progress, top_ranks=kept)
    elapsed = time.perf_counter() - t0
    assert counters.acceptability is not None and counters.first_weight_sum is not None
    assert counters.shift_sum is not None and counters.wins is not None
    S = counters.runs
    summary = summarize(counters, problem.focus)
    acc = summary["acceptability"]
    shift_mean = counters.run_shift_sum / (S * n)
    shift_var = max(counters.run_shift_sq / (S * n * n) - shift_mean**2, 0.0)
    firsts = counters.acceptability[:, 0]
    central = {}
    for i in np.flatnonzero(firsts):
        sums = np.array([float(x) for x in counters.first_weight_sum[i]])
        central[int(i)] = sums / sums.sum()
    conf_runs = S if confidence_runs is None else confidence_runs
    with kernels.prefer_numpy_for(n * len(central) * (conf_runs if problem.factors or problem.noise.active else 1)):
        confidence, note = _confidence(problem, central, seed, conf_runs)
    pair_names = tuple(problem.contributors[i] for i in pair_rows)
    filling, _ = preparation_notes(method, table, prepared)  # what the missing rule filled or dropped
    notes = [*filling, *problem.notes, *([summary["note"]] if summary["note"] else [])]
    if reached is not None and precision_note(reached):
        notes.append(str(precision_note(reached)))
    if resampling is not None:
        notes += resampling.notes(problem.metrics, problem.table.lens)
    if sampler == "qmc":
        notes.append("QMC points: standard errors shown are the binomial (Monte Carlo) ones and overstate the error")
        if samples % GEN_BLOCK:
            notes.append(f"QMC balance holds per block of {GEN_BLOCK} points; {samples} is not a multiple")
    sobol_result = None
    if sobol:
        sobol_result = _sobol(problem, base=sobol_samples, seed=seed, chunk_size=chunk_size, progress=progress,
                              budget=budget)
        if budget:
            sobol_result["verdict"] = budget_verdict(sobol_result, problem.contributors[problem.focus])
    factors_desc: dict[str, Any] = {"weights": weights.describe(),
                                    "choices": [f.describe() for f in problem.factors],
                                    "data_noise": problem.noise.describe() if problem.noise.active else None}
    return SensitivityResult(
        samples=S, seed=seed, focus=problem.contributors[problem.focus], contributors=problem.contributors,
        metrics=problem.metrics, method=_method_desc(method, base_w), factors=factors_desc,
        nominal_ranks=nominal.astype(np.int64), acceptability=acc, acceptability_se=summary["acceptability_se"],
        bands=summary["bands"], mean_rank=summary["mean_rank"], mean_rank_shift=shift_mean, mean_rank_shift_se=math.sqrt(shift_var / S),
        rank_shift=counters.shift_sum / S, pairwise_contributors=pair_names, pairwise=counters.wins / S,
        central_weights={problem.contributors[i]: w for i, w in central.items()},
        confidence={problem.contributors[i]: v for i, v in confidence.items()}, confidence_note=note,
        holistic=summary["holistic"], sobol=sobol_result, notes=tuple(notes), precision=reached,
        runtime={"seconds": round(elapsed, 4), "numpy": np.__version__, "bit_generator": "PCG64",
                 "generation_block": GEN_BLOCK},
        focus_acceptability=summary["focus_acceptability"], focus_acceptability_se=summary["focus_acceptability_se"],
        bands_exact=summary["bands_exact"],
    )


def _ranks_kept(n: int, top_ranks: int | None, full: bool) -> int:
    """K of the acceptability: all N with ``full``, else ``top_ranks`` or the default for N."""
    if top_ranks is not None and (isinstance(top_ranks, bool) or not isinstance(top_ranks, (int, np.integer))
                                  or top_ranks < 1):
        raise AnalysisError(f"--top-ranks must be a positive integer (got {top_ranks!r})")
    if full and top_ranks is not None and top_ranks < n:
        raise AnalysisError(f"--full-acceptability keeps all {n} ranks: drop --top-ranks (got --top-ranks {top_ranks})")
    if full:
        return n
    return min(n, int(top_ranks)) if top_ranks is not None else default_top_ranks(n)


def _method_desc(method: Methodology, weights: Mapping[str, float]) -> dict[str, Any]:
    return {"name": method.name, "normalization": method.normalize if method.declarative else None,
            "aggregation": method.aggregate if method.declarative else None, "weights": dict(weights)}
