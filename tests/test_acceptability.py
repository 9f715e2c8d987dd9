"""Compact rank acceptability (rankings.sensitivity.accept_kernels, .acceptability): exact where it says so.

The compact counters (ranks 1..K one by one, coarse bins past K, rank sums) are checked
against the full N x N matrix of the same runs: the top K columns equal exactly, bins are
sums of the matrix's columns, mean ranks equal, exact bands equal the full matrix's bands
and approximate ones bracket them. Counters do not depend on the backend, the chunk size
or the thread count, and merge in run order.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.methodology import Methodology
from rankings.ranking import rank_scores
from rankings.sensitivity import accept_kernels, kernels
from rankings.sensitivity.acceptability import compact_bands, rank_bands
from rankings.sensitivity.analyze import sensitivity
from rankings.sensitivity.engine import merge_counters, run_engine
from rankings.sensitivity.problem import build_problem
from rankings.sensitivity.sample import RunSampler
from rankings.table import ContributorTable, MetricSpec

HAVE_NUMBA = kernels.numba_available()
BACKENDS = ["numpy", pytest.param("numba", marks=pytest.mark.skipif(not HAVE_NUMBA, reason="numba missing"))]


def _table(n: int, *, integer: bool) -> ContributorTable:
    rng = np.random.default_rng(n)
    values = rng.integers(0, 5, size=(n, 4)).astype(float) if integer else rng.lognormal(size=(n, 4))
    values[3] = values[1]  # duplicate rows: identical ranks in every run
    values[7 % n] = values[0] + 1e-12  # within the tie tolerance of row 0
    return ContributorTable([f"c{i}" for i in range(n)], [MetricSpec(f"m{j}") for j in range(4)], values,
                            label="synthetic")


def _problem(n: int, *, integer: bool = False):
    method = Methodology(name="t", description="min-max weighted sum", normalize="min-max", aggregate="arithmetic")
    return build_problem(method, _table(n, integer=integer), focus="c2")


def _fields(c) -> dict:
    return {"runs": c.runs, "focus": c.focus_hist.tolist(), "top": c.acceptability.tolist(), "beyond": c.beyond.tolist(),
            "rank_sum": c.rank_sum.tolist(), "shift": c.shift_sum.tolist(), "wins": c.wins.tolist(),
            "first": [[int(x) for x in r] for r in c.first_weight_sum], "run_shift": (c.run_shift_sum, c.run_shift_sq)}


@pytest.mark.parametrize("n,integer,kept", [(30, True, 5), (90, False, 50), (700, True, 50), (1300, False, 60)])
def test_compact_counters_equal_the_full_matrix_top_k(monkeypatch, n, integer, kept):
    problem = _problem(n, integer=integer)
    batches = RunSampler(7, problem.weights).batch
    full = run_engine(problem, batches, 3000, pair_rows=[0, 1, 3], chunk_size=512)
    compact = run_engine(problem, batches, 3000, pair_rows=[0, 1, 3], chunk_size=777, top_ranks=kept)
    assert full.acceptability.shape == (n, n) and compact.acceptability.shape == (n, kept)
    np.testing.assert_array_equal(compact.acceptability, full.acceptability[:, :kept])
    width = compact.bin_width
    assert width & (width - 1) == 0 and compact.beyond.shape[1] <= accept_kernels.DEFAULT_BINS
    rest = full.acceptability[:, kept:]
    pad = np.zeros((n, compact.beyond.shape[1] * width - rest.shape[1]), dtype=np.int64)
    bins = np.concatenate([rest, pad], axis=1).reshape(n, -1, width).sum(axis=2)
    np.testing.assert_array_equal(compact.beyond, bins)
    np.testing.assert_array_equal(compact.rank_sum, full.acceptability @ np.arange(1, n + 1))
    for name in ("focus", "shift", "wins", "first", "run_shift"):
        assert _fields(compact)[name] == _fields(full)[name], name
    assert compact.acceptability[1].tolist() == compact.acceptability[3].tolist()  # the duplicated rows
    exact_bands = rank_bands(full.acceptability)
    bands, exact = compact_bands(compact.acceptability, compact.beyond, width, n)
    np.testing.assert_array_equal(bands[exact], exact_bands[exact])
    assert np.all(bands[:, 0] <= exact_bands[:, 0]) and np.all(bands[:, 2] >= exact_bands[:, 2])
    assert np.all(np.abs(bands[:, 1] - exact_bands[:, 1]) <= width // 2)
    if width == 1:
        assert exact.all()


@pytest.mark.parametrize("n", [40, 300])
def test_compact_counters_independent_of_backend_chunk_and_threads(monkeypatch, n):
    problem = _problem(n, integer=True)
    configs = [("numpy", 1000, 1), ("numpy", 333, 2)]
    if HAVE_NUMBA:
        configs += [("numba", 1000, 1), ("numba", 333, 2), ("numba", 4096, 3), ("numba", None, 2)]
    results = []
    for name, chunk, threads in configs:
        monkeypatch.setenv("RANKINGS_KERNELS", name)
        c = run_engine(problem, RunSampler(5, problem.weights).batch, 5000, chunk_size=chunk, pair_rows=[0, 1, 5],
                       threads=threads, top_ranks=12)
        results.append(_fields(c))
    assert all(r == results[0] for r in results[1:])


def test_compact_counters_merge_in_run_order():
    problem = _problem(200)
    runs = RunSampler(3, problem.weights)
    whole = run_engine(problem, runs.batch, 5000, store_runs=True, threads=1, top_ranks=20)
    parts = [run_engine(problem, lambda lo, hi, a=a: runs.batch(a + lo, a + hi), b - a, store_runs=True, threads=1,
                        top_ranks=20) for a, b in ((0, 1024), (1024, 4096), (4096, 5000))]
    merged = merge_counters(parts)
    assert _fields(merged) == _fields(whole)
    assert merged.kept == 20 and merged.bin_width == whole.bin_width
    assert np.array_equal(np.concatenate(merged.focus_runs), np.concatenate(whole.focus_runs))
    with pytest.raises(Exception, match="same problem"):
        merge_counters([whole, run_engine(problem, runs.batch, 100, threads=1, top_ranks=21)])


@pytest.mark.parametrize("N", [3, 28, 29, 200, 1500])
@pytest.mark.skipif(not HAVE_NUMBA, reason="numba missing")
def test_compiled_ranking_matches_the_reference_on_hard_rows(N):
    rng = np.random.default_rng(N)
    rows = [rng.random(N), np.round(rng.random(N) * 3) / 3, np.zeros(N), rng.random(N) * 1e-300,
            np.r_[rng.random(N - 1) * 1e-6, 1e6],  # every score but one crowded into one bucket
            -rng.lognormal(0, 3, N)]
    chain = rng.random(N)
    chain[: min(N, 4)] = 0.5 + np.arange(min(N, 4)) * 0.6e-9  # a near-tie chain
    rows.append(chain)
    signed = rng.random(N)
    signed[0], signed[-1] = 0.0, -0.0
    rows.append(signed)
    special = rng.random(N)
    special[0] = np.inf
    special[-1] = np.nan
    rows.append(special)
    S = np.array(rows)
    got = accept_kernels.rank_rows(S)
    for row, ranks in zip(S[:-1], got[:-1]):  # rank_scores refuses NaN; the last row is checked below
        assert ranks.tolist() == rank_scores(row).tolist()
    np.testing.assert_array_equal(got, kernels.competition_ranks(S, kernels="numpy"))


def test_default_ranks_kept_from_n():
    assert accept_kernels.default_top_ranks(10) == 10
    assert accept_kernels.default_top_ranks(1000) == 1000
    assert accept_kernels.default_top_ranks(1001) == 50
    assert accept_kernels.default_top_ranks(25_000) == 250
    lay = accept_kernels.RankLayout.for_ranks(25_000, 250)
    assert lay.width == 64 and lay.bins * lay.width >= 25_000 - 250 and lay.bins <= accept_kernels.DEFAULT_BINS


def _method() -> Methodology:
    return Methodology(name="t", description="min-max weighted sum", normalize="min-max", aggregate="arithmetic")


def test_result_says_which_ranks_it_kept_and_which_bands_are_approximate():
    table = _table(1200, integer=False)  # 1192 ranks past K = 8: bins of 4 ranks
    full = sensitivity(_method(), table, focus="c2", samples=1000, seed=1, full_acceptability=True)
    part = sensitivity(_method(), table, focus="c2", samples=1000, seed=1, top_ranks=8)
    assert full.ranks_kept == 1200 and part.ranks_kept == 8
    np.testing.assert_array_equal(part.acceptability, full.acceptability[:, :8])
    np.testing.assert_array_equal(part.focus_distribution(), full.focus_distribution())
    np.testing.assert_array_equal(part.mean_rank, full.mean_rank)
    np.testing.assert_array_equal(part.holistic, full.holistic)
    f = part.focus_index
    assert part.bands[f].tolist() == full.bands[f].tolist() and part.band_exact(f)
    assert not part.bands_exact.all() and full.bands_exact.all()
    d, e = part.to_dict(), full.to_dict()
    assert d["ranks_kept"] == 8 and e["ranks_kept"] == 1200
    assert len(d["acceptability"]["c0"]) == 8 and len(d["focus"]["acceptability"]) == 1200
    assert d["focus"]["acceptability"] == e["focus"]["acceptability"] == e["acceptability"]["c2"]
    assert "focus.acceptability" in d["acceptability_note"]
    assert any("approximate" in x for x in d["notes"]) and not any("approximate" in x for x in e["notes"])
    approx = [c for c, b in d["bands"].items() if not b["exact"]]
    assert approx and all(e["bands"][c]["exact"] for c in approx)


def test_precision_runs_on_compact_counters():
    table = _table(120, integer=False)
    res = sensitivity(_method(), table, focus="c2", samples=500, seed=2, top_ranks=10, precision=0.02,
                      max_samples=4000)
    assert res.precision["runs"] >= 500 and res.ranks_kept == 10
    assert float(res.acceptability_se.max()) <= res.precision["achieved_se"] + 1e-8  # rounded to 8 digits


def test_cli_top_ranks_and_bad_values(tmp_path):
    from rankings.cli.main import main

    path = tmp_path / "t.csv"
    rows = np.random.default_rng(0).random((80, 3))
    path.write_text("name,a,b,c\n" + "".join(f"c{i},{x:.6f},{y:.6f},{z:.6f}\n" for i, (x, y, z) in enumerate(rows)))
    common = ["sensitivity", "--data", str(path), "--focus", "c0", "--samples", "500"]
    res = CliRunner().invoke(main, [*common, "--top-ranks", "6", "--format", "json"])
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout)
    assert payload["ranks_kept"] == 6 and len(payload["acceptability"]["c1"]) == 6
    for bad, words in ((["--top-ranks", "0"], "--top-ranks must be a positive integer (got 0)"),
                       (["--top-ranks", "5", "--full-acceptability"], "drop --top-ranks")):
        res = CliRunner().invoke(main, [*common, *bad])
        assert res.exit_code == 2 and words in res.output and "Traceback" not in res.output, res.output
        assert len(res.output.strip().splitlines()) == 1


def test_compact_counters_on_dask_equal_the_in_process_engine():
    pytest.importorskip("distributed")
    from rankings.sensitivity.distributed import DaskEngine
    from rankings.sensitivity.engine import use_engine

    problem = _problem(300, integer=True)
    batches = RunSampler(9, problem.weights).batch
    here = run_engine(problem, batches, 6000, pair_rows=[0, 1, 5], top_ranks=12, threads=1)
    with DaskEngine(workers=2) as cluster, use_engine(cluster):
        there = run_engine(problem, batches, 6000, pair_rows=[0, 1, 5], top_ranks=12)
        assert cluster.tasks >= 2  # the runs were split over tasks and merged on the cluster
    assert there.kept == 12 and _fields(there) == _fields(here)
