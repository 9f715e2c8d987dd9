"""Record-level resampling: the incidence (rankings.data.resample), the bootstrap blocks
(rankings.sensitivity.sample.records) and ``rankings sensitivity --resample``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli.sensitivity import sensitivity_command
from rankings.data import Lens, load_default
from rankings.data.resample import record_incidence
from rankings.errors import DataError
from rankings.sensitivity.sample.records import (
    RESAMPLE_BLOCK,
    ResamplePlan,
    bootstrap_counts,
    default_incidence,
)


def _run(*args: str):
    return CliRunner().invoke(sensitivity_command, list(args))


@pytest.mark.parametrize("lens", [Lens(), Lens(counting="fractional"), Lens(years=(2023, 2025)),
                                  Lens(by="country"), Lens(years=(2024, 2024), counting="fractional",
                                                           grouping="split")])
def test_incidence_counted_once_rebuilds_the_table(lens):
    table = load_default(lens)
    for kind in ("models", "papers") if lens.by == "contributor" else ("models",):
        inc = record_incidence(kind, lens)
        assert inc.contributors == table.contributors
        once = inc.values(np.ones((1, inc.n_records)))[0]
        for k, name in enumerate(inc.metrics):
            observed = table.values[:, table.metric_index(name)]
            np.testing.assert_array_equal(np.isnan(once[:, k]), np.isnan(observed))
            np.testing.assert_allclose(np.nan_to_num(once[:, k]), np.nan_to_num(observed), rtol=0, atol=1e-9)
        assert set(inc.fixed) & set(inc.metrics) == set()
        assert "frontier_eci" in inc.fixed


def test_a_shared_model_is_one_record():
    # full counting: a model with two organisations credits both from one row of the incidence
    inc = record_incidence("models", Lens())
    A = inc.matrices["notable_models"]
    per_record = np.diff(A.indptr)
    assert inc.n_records == A.shape[0] == 106
    assert per_record.max() >= 2  # some 2025 model is shared
    assert A.shape[0] < A.nnz  # more credits than records: shared models are not duplicated as records


def test_bootstrap_counts_match_the_multinomial_mean_and_variance():
    n, runs = 40, 20000
    C = bootstrap_counts(5, n, runs).T  # records x runs -> runs x records
    assert C.shape == (runs, n) and (C.sum(axis=1) == n).all()
    # Multinomial(n; 1/n): E = 1, Var = 1 - 1/n, Cov = -1/n
    mean_se = np.sqrt((1 - 1 / n) / runs)
    assert np.abs(C.mean(axis=0) - 1).max() < 4.5 * mean_se
    var = C.var(axis=0, ddof=1)
    var_se = np.sqrt(2 / (runs - 1)) * (1 - 1 / n) * 1.2  # about normal fourth moment
    assert np.abs(var - (1 - 1 / n)).max() < 4.5 * var_se
    cov = np.cov(C[:, :2].T)[0, 1]
    assert abs(cov + 1 / n) < 4.5 * np.sqrt(1 / runs)


def test_resampled_counts_have_the_exact_mean_and_variance():
    # full counting, each model credits Alibaba 0 or 1: the count of a resample is
    # Binomial(n, a/n) with mean a and variance a (1 - a/n)
    lens = Lens()
    inc = record_incidence("models", lens)
    i = inc.contributors.index("Alibaba")
    plan = ResamplePlan(7, ((inc, np.arange(len(inc.contributors)), [(0, 0)]),))
    draws = np.concatenate([plan.block(b)[0][:, i, 0] for b in range(40)])
    n, a = inc.n_records, 11.0
    assert len(draws) == 40 * RESAMPLE_BLOCK
    sd = np.sqrt(a * (1 - a / n))
    assert abs(draws.mean() - a) < 4 * sd / np.sqrt(len(draws))
    assert abs(draws.var(ddof=1) / sd**2 - 1) < 4 * np.sqrt(2 / len(draws)) * 1.3


def test_blocks_depend_only_on_seed_and_block_index():
    inc = record_incidence("models", Lens())
    parts = ((inc, np.arange(len(inc.contributors)), [(0, 0)]),)
    a, b = ResamplePlan(3, parts), ResamplePlan(3, parts)
    b.block(2)  # another order of use
    np.testing.assert_array_equal(a.block(1)[0], b.block(1)[0])
    np.testing.assert_array_equal(a.block(2)[0], b.block(2)[0])
    assert not np.array_equal(a.block(1)[0], ResamplePlan(4, parts).block(1)[0])


def test_threads_sharing_a_plan_draw_each_block_once_and_the_same_bytes():
    from concurrent.futures import ThreadPoolExecutor

    inc = record_incidence("models", Lens())
    parts = ((inc, np.arange(len(inc.contributors)), [(0, 0)]),)
    serial = ResamplePlan(5, parts)
    shared = ResamplePlan(5, parts)
    order = [0, 1, 0, 2, 1, 3, 3, 0, 2, 4, 5, 4] * 3  # the same blocks asked for by several threads at once
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda b: (b, shared.block(b)[0]), order))
    for b, values in got:
        np.testing.assert_array_equal(values, serial.block(b)[0])
    assert not shared._pending  # every block handed over, no thread left waiting


def test_incidence_cache_and_bad_kind():
    build = default_incidence()
    assert build("models", {"years": (2025, 2025)}) is build("models", {"years": [2025, 2025]})
    with pytest.raises(DataError, match="resample must be one of models, papers"):
        record_incidence("benchmarks", Lens())


def test_cli_resample_is_byte_identical_for_any_chunk_size():
    args = ("--method", "equal-core", "--resample", "models", "--resample", "papers", "--samples", "300",
            "--seed", "9", "--format", "json")
    a = json.loads(_run(*args, "--chunk-size", "97").output)
    b = json.loads(_run(*args, "--chunk-size", "300").output)
    a.pop("runtime"), b.pop("runtime")
    assert a == b
    noise = a["factors"]["data_noise"]
    assert noise["resample"] == ["models", "papers"]
    assert "bootstrap of the models and papers records" in noise["resample_method"]
    assert any("frontier_eci held as observed" in n for n in a["notes"])
    acc = a["acceptability"]["Alibaba"]
    assert 0.2 < acc[2] < 0.95 and acc[2] < 1  # rank 3 most of the time, not always


def test_cli_resample_spreads_the_ai_index_count():
    res = _run("--method", "ai-index", "--resample", "models", "--samples", "400", "--seed", "1")
    assert res.exit_code == 0, res.output
    assert "bootstrap of the models records of the default dataset" in res.output
    assert "over 400 draws of the records" in res.output


def test_cli_resample_with_a_data_table_names_models_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("contributor,a,b\nx,1,2\ny,2,1\nz,3,3\n")
    res = _run("--data", str(path), "--resample", "models")
    assert res.exit_code == 2
    assert res.output.count("\n") == 1
    assert "--resample models needs the records behind the table" in res.output
    assert "--models FILE" in res.output


def test_cli_resample_snapshots_adds_the_snapshot_factor():
    res = _run("--method", "ai-index", "--resample", "snapshots", "--samples", "300", "--format", "json")
    assert res.exit_code == 0, res.output
    choices = json.loads(res.output)["factors"]["choices"]
    assert choices == [{"factor": "snapshot", "levels": ["2025-12", "2026-07", "2026-08"]}]


def test_budget_groups_records_snapshot_weights_and_method_choices():
    import rankings
    from rankings.sensitivity.analyze import sensitivity

    method = rankings.default_registry().get("equal-core")
    table = load_default()
    res = sensitivity(method, table, focus="Alibaba", samples=200, seed=2, sobol=True, sobol_samples=64,
                      budget=True, resample=("models",), factors=[])
    s = res.sobol
    assert s["grouping"] == "budget" and s["groups"] == ["records", "weights"]
    assert s["runs"] == 64 * 4
    for g in s["groups"]:
        entry = s["focus_rank"][g]
        assert entry["ST_ci"][0] <= entry["ST"] <= entry["ST_ci"][1]
    assert s["verdict"].startswith("Most of the variance of Alibaba's rank comes from the ")


def test_budget_verdict_names_the_side_that_drives_the_rank():
    from rankings.sensitivity.sobol import budget_verdict

    def sobol(**st):
        return {"groups": list(st), "focus_rank": {g: {"ST": v} for g, v in st.items()}}

    assert budget_verdict(sobol(records=0.8, weights=0.1), "X") == (
        "Most of the variance of X's rank comes from the records (total index 0.80): "
        "argue about the data, not the method.")
    assert budget_verdict(sobol(records=0.1, snapshot=0.05, weights=0.7), "X").endswith(
        "argue about the method, not the data.")
    assert "both matter" in budget_verdict(sobol(records=0.4, **{"method choices": 0.5}), "X")


def test_cli_budget_table_and_plot(tmp_path):
    stem = tmp_path / "b.png"
    res = _run("--method", "ai-index", "--resample", "models", "--vary", "counting", "--budget", "--samples",
               "200", "--sobol-samples", "32", "--plot", str(stem))
    assert res.exit_code == 0, res.output
    assert "Uncertainty budget: Sobol' indices (128 runs, base 32" in res.output
    assert "Uncertainty budget: Most of the variance of Alibaba's rank comes from the " in res.output
    assert (tmp_path / "b-sobol.png").stat().st_size > 1000


def _documented_stream(bitgen, n: int, need: int) -> list[int]:
    """The stream of rankings.sensitivity.sample.draw, word by word in plain Python integers."""
    span = n * n if n * n < 2**32 else n
    reject_below = (2**32 - span) % span
    out: list[int] = []
    while len(out) < need:
        word = int(bitgen.random_raw())
        for x in (word & 0xFFFFFFFF, word >> 32):
            q, low = divmod(x * span, 2**32)
            if low < reject_below:
                continue
            out.extend([q // n, q % n] if span != n else [q])
    return out[:need]


@pytest.mark.parametrize("n", [1, 2, 7, 106, 25_000, 65_535, 65_536, 300_001])
def test_the_stream_is_the_documented_one(n):
    from rankings.sensitivity.sample.draw import stream_indices

    need = 3 * n + 5 if n < 1000 else 4001
    got = stream_indices(np.random.PCG64(n), n, need)
    assert got.tolist() == _documented_stream(np.random.PCG64(n), n, need)


def _random_incidence(n_records: int, n_contributors: int, seed: int):
    import scipy.sparse as sp

    from rankings.data.resample import RecordIncidence

    rng = np.random.default_rng(seed)
    rows = np.repeat(np.arange(n_records), rng.integers(1, 4, size=n_records))
    cols = rng.integers(0, n_contributors, size=rows.size)
    keep = np.unique(np.column_stack([rows, cols]), axis=0)
    rows, cols = keep[:, 0], keep[:, 1]
    share = 1.0 / np.bincount(rows, minlength=n_records)[rows]  # fractional credits: float sums
    cites = rng.lognormal(2, 1, size=n_records)[rows] * share
    shape = (n_records, n_contributors)
    mats = {"notable_models": sp.csr_matrix((share, (rows, cols)), shape=shape),
            "model_citations": sp.csr_matrix((cites, (rows, cols)), shape=shape)}
    observed = np.column_stack([np.asarray(m.sum(axis=0)).ravel() for m in mats.values()])
    observed[0, 1] = np.nan
    return RecordIncidence("models", tuple(f"c{i}" for i in range(n_contributors)), tuple(mats), mats, observed,
                           records=tuple(map(str, range(n_records))))


@pytest.mark.skipif(not __import__("rankings.sensitivity.backends", fromlist=["x"]).numba_installed(),
                    reason="numba not installed")
@pytest.mark.parametrize("n_records, runs", [(3, 40), (2_500, 256), (70_000, 3)])
def test_compiled_and_numpy_blocks_give_the_same_bytes(n_records, runs):
    from rankings.sensitivity.sample.draw import block_values, shared_pattern

    inc = _random_incidence(n_records, 60, n_records)
    assert shared_pattern(inc) is not None
    a = block_values(inc, 11, 5, 2, runs, kernels="numpy")
    b = block_values(inc, 11, 5, 2, runs, kernels="numba")
    assert a.shape == (runs, 60, 2) and np.isnan(a[:, 0, 1]).all()
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, block_values(inc, 12, 5, 2, runs, kernels="numpy"), equal_nan=True)


@pytest.mark.skipif(not __import__("rankings.sensitivity.backends", fromlist=["x"]).numba_installed(),
                    reason="numba not installed")
@pytest.mark.parametrize("n_records, runs", [(2, 17), (4, 19), (5, 300), (2_501, 37)])
def test_compiled_blocks_match_for_odd_tables_and_partial_groups(n_records, runs):
    """The compiled kernel counts a word's indices as it draws them and hands the last few of a
    resample to the next one: odd record counts (a candidate's two indices in two resamples),
    tables of a few records and groups left part-full give numpy's bytes too."""
    test_compiled_and_numpy_blocks_give_the_same_bytes(n_records, runs)
