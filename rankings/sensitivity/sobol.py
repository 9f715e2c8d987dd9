"""Sobol' estimators and the uncertainty budget.

:func:`saltelli_jansen` (the hand-written check on SALib's indices), :func:`sobol_indices`,
:func:`ishigami` (the test function) and :func:`split_salib_design`; and the budget:
:func:`budget_layout` regroups the inputs of the Sobol' design of
:mod:`rankings.sensitivity.analyze` (``budget=True``); :func:`budget_verdict` turns the
total indices of the focus rank into one sentence telling users whether to argue about
the data (records, snapshot, data noise) or about the method (weights, method choices).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from rankings.sampling import make_rng

# ---------------------------------------------------------------------------------------
# Sobol' estimators
# ---------------------------------------------------------------------------------------

def saltelli_jansen(YA: np.ndarray, YB: np.ndarray, YAB: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order (Saltelli et al. 2010) and total (Jansen 1999) Sobol' indices.

    ``YA``, ``YB`` are outputs on the base matrices A and B (n each); column ``j`` of
    ``YAB`` (n x k) holds outputs on A with input (group) ``j`` taken from B. All
    outputs are first centred on their common mean; then with ``V = var([YA, YB])``: ``S_j = mean(YB (YAB_j - YA)) / V`` and
    ``ST_j = mean((YA - YAB_j)^2) / (2 V)``.
    """
    YA = np.asarray(YA, dtype=float)
    YB = np.asarray(YB, dtype=float)
    YAB = np.asarray(YAB, dtype=float).reshape(len(YA), -1)
    # Centre on the mean of every run: the first-order estimator is not shift-invariant
    # in finite samples, and centring lowers its variance.
    centre = np.mean(np.concatenate([YA, YB, YAB.ravel()]))
    YA, YB, YAB = YA - centre, YB - centre, YAB - centre
    V = np.var(np.concatenate([YA, YB]))
    if not V > 0:
        nan = np.full(YAB.shape[1], np.nan)
        return nan, nan.copy()
    S1 = np.mean(YB[:, None] * (YAB - YA[:, None]), axis=0) / V
    ST = 0.5 * np.mean((YA[:, None] - YAB) ** 2, axis=0) / V
    return S1, ST


def sobol_indices(func: Callable[[np.ndarray], np.ndarray], d: int, n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Saltelli/Jansen indices of ``func`` on ``[0, 1)^d`` from ``n`` pseudo-random base rows.

    Costs ``n (d + 2)`` evaluations of ``func`` (vectorised: rows in, values out).
    """
    rng = make_rng(seed)
    A = rng.random((n, d))
    B = rng.random((n, d))
    YA, YB = func(A), func(B)
    YAB = np.empty((n, d))
    for j in range(d):
        AB = A.copy()
        AB[:, j] = B[:, j]
        YAB[:, j] = func(AB)
    return saltelli_jansen(YA, YB, YAB)


def ishigami(X: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami function on ``[-pi, pi]^3`` given inputs in ``[0, 1)^3``."""
    Z = np.pi * (2.0 * np.asarray(X) - 1.0)
    return np.sin(Z[:, 0]) + a * np.sin(Z[:, 1]) ** 2 + b * Z[:, 2] ** 4 * np.sin(Z[:, 0])


def split_salib_design(Y: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(YA, YB, YAB)`` from outputs on a SALib Saltelli design without second order.

    SALib lays out each base row as ``A, AB_1, ..., AB_k, B`` (k groups).
    """
    step = groups + 2
    Y = np.asarray(Y, dtype=float)
    YA = Y[0::step]
    YB = Y[step - 1::step]
    YAB = np.stack([Y[1 + j::step] for j in range(groups)], axis=1)
    return YA, YB, YAB


def _bootstrap_group(shared: tuple[dict[str, np.ndarray], int, int, int, float], item: tuple[str, int]) -> tuple[float, ...]:
    """(S1, S1_conf, ST, ST_conf) of group ``j`` of output ``label``: one step of SALib's loop."""
    from SALib.analyze.sobol import first_order, separate_output_values, total_order

    outputs, groups, resamples, seed, z = shared
    label, j = item
    Y = outputs[label]
    Y = (Y - Y.mean()) / Y.std()  # as SALib's analyze normalises its input
    n = Y.size // (groups + 2)
    A, B, AB, _ = separate_output_values(Y, groups, n, False)
    r = np.random.default_rng(seed).integers(n, size=(n, resamples))  # SALib's resample indices for `seed`
    Ar, Br, ABr = A[r], B[r], AB[r, j]
    spread = np.ptp(np.r_[Ar, Br])
    s1 = float(first_order(A, AB[:, j], B))
    st = float(total_order(A, AB[:, j], B))
    s1_conf = float(z * first_order(Ar, ABr, Br).std(ddof=1)) if spread != 0.0 else 0.0
    st_conf = float(z * total_order(Ar, ABr, Br).std(ddof=1)) if spread != 0.0 else 0.0
    return s1, s1_conf, st, st_conf


def salib_first_total(outputs: Mapping[str, np.ndarray], groups: int, *, resamples: int, conf_level: float,
                      seed: int, threads: int = 1) -> dict[str, dict[str, np.ndarray]]:
    """SALib's ``sobol.analyze`` (no second order) of each output, group by group in parallel.

    The same numbers, bit for bit, as ``SALib.analyze.sobol.analyze(problem, Y,
    calc_second_order=False, num_resamples=resamples, conf_level=conf_level, seed=seed)``
    (tested): SALib's own estimators (``first_order``, ``total_order``) and resample indices,
    but its loop over the groups, which takes most of a large study's time after the runs
    (a bootstrap of ``resamples`` columns per group), is cut into one task per output and
    group. Inside :func:`~rankings.sensitivity.engine.use_engine` with a Dask engine the
    tasks go to the cluster; otherwise they run on ``threads`` threads (numpy releases the
    GIL in these array operations). ``seed`` must not be 0 (SALib then uses numpy's global
    generator).
    """
    from scipy.stats import norm

    from rankings.sensitivity.engine import map_problem

    if not seed:
        raise ValueError("seed 0 makes SALib bootstrap from numpy's global generator")
    z = float(norm.ppf(0.5 + conf_level / 2))
    shared = ({k: np.asarray(v, dtype=float) for k, v in outputs.items()}, int(groups), int(resamples), int(seed), z)
    items = [(label, j) for label in shared[0] for j in range(groups)]
    values = map_problem(shared, _bootstrap_group, items, threads=threads)
    result: dict[str, dict[str, np.ndarray]] = {}
    for (label, j), v in zip(items, values):
        entry = result.setdefault(label, {k: np.empty(groups) for k in ("S1", "S1_conf", "ST", "ST_conf")})
        entry["S1"][j], entry["S1_conf"][j], entry["ST"][j], entry["ST_conf"][j] = v
    return result


# ---------------------------------------------------------------------------------------
# The uncertainty budget
# ---------------------------------------------------------------------------------------

BUDGET_GROUPS: tuple[str, ...] = ("records", "snapshot", "weights", "method choices")
"""The factor groups of an uncertainty budget (``budget=True``), in the order shown."""


def budget_group(name: str, noise_label: str) -> str:
    if name.startswith("w:"):
        return "weights"
    if name == "noise":
        return "records" if noise_label.startswith("records") else noise_label
    return "snapshot" if name == "snapshot" else "method choices"


def budget_layout(names: Sequence[str], groups: Sequence[str], noise_label: str, *,
                  budget: bool) -> tuple[list[str], list[str], np.ndarray]:
    """(names, groups, inverse): the design's inputs group by group, and the permutation back.

    Without ``budget`` the inputs and groups are returned as they are. With it, each input
    joins its budget group; SALib reads groups in first-appearance order, so the inputs are
    listed group by group and ``X[:, inverse]`` puts a design row back in input order.
    """
    if not budget:
        return list(names), list(groups), np.arange(len(names))
    grouped = [budget_group(x, noise_label) for x in names]
    order = [g for g in BUDGET_GROUPS if g in grouped] + [g for g in dict.fromkeys(grouped) if g not in BUDGET_GROUPS]
    perm = sorted(range(len(names)), key=lambda i: order.index(grouped[i]))
    return [names[i] for i in perm], [grouped[i] for i in perm], np.argsort(perm)


def budget_verdict(sobol: Mapping[str, Any], focus: str) -> str:
    """One sentence: does the data or the method drive the variance of ``focus``'s rank (total indices)?"""
    entry = sobol["focus_rank"]
    totals = {g: entry[g]["ST"] for g in sobol["groups"] if entry.get(g, {}).get("ST") is not None}
    if not totals:
        return f"{focus}'s rank does not vary: there is no variance to share out."
    data = sum(max(totals.get(g, 0.0), 0.0) for g in ("records", "snapshot", "data noise"))
    method = sum(max(totals.get(g, 0.0), 0.0) for g in ("weights", "method choices"))
    top = max(totals, key=lambda g: totals[g])
    lead = f"Most of the variance of {focus}'s rank comes from the {top} (total index {totals[top]:.2f})"
    if data > 2 * method:
        return lead + ": argue about the data, not the method."
    if method > 2 * data:
        return lead + ": argue about the method, not the data."
    return lead + f"; data (total {data:.2f}) and method (total {method:.2f}) both matter."
