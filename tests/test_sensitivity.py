"""Sampled sensitivity: samplers, engine, analyses (rankings.sensitivity.sample/evaluate/analyze)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from scipy import stats

from rankings.data import DEFAULT_LENS, load_default
from rankings.errors import AnalysisError, DataError, RankingsError
from rankings.methodology import Methodology
from rankings.ranking import rank_scores
from rankings.registry import default_registry
from rankings.sensitivity.analyze import (
    ishigami,
    saltelli_jansen,
    sensitivity,
    sobol_indices,
    split_salib_design,
)
from rankings.sensitivity.engine import run_engine
from rankings.sensitivity.problem import build_problem, competition_ranks
from rankings.sensitivity.sample import (
    GEN_BLOCK,
    DataNoise,
    RunSampler,
    WeightSampler,
    parse_limits,
    parse_vary,
    read_uncertainty,
)
from rankings.table import ContributorTable, MetricSpec


@pytest.fixture(scope="module")
def default_table() -> ContributorTable:
    return load_default(DEFAULT_LENS)


@pytest.fixture(scope="module")
def equal_core() -> Methodology:
    return default_registry(()).get("equal-core")


def _raw_method(name: str = "raw-sum") -> Methodology:
    return Methodology(name=name, description="weighted sum of raw values", normalize="none", aggregate="arithmetic")


def _table(values: np.ndarray, names: list[str] | None = None, kinds: str = "score") -> ContributorTable:
    n, m = values.shape
    names = names or [f"c{i}" for i in range(n)]
    return ContributorTable(contributors=names, metrics=[MetricSpec(f"m{j}", kind=kinds) for j in range(m)],
                            values=values, label="test table")


# ---------------------------------------------------------------------------------------
# Reproducibility
# ---------------------------------------------------------------------------------------

def _same(a, b) -> None:
    assert a.samples == b.samples
    np.testing.assert_array_equal(a.acceptability, b.acceptability)
    np.testing.assert_array_equal(a.bands, b.bands)
    np.testing.assert_array_equal(a.pairwise, b.pairwise)
    assert a.mean_rank_shift == b.mean_rank_shift
    assert a.central_weights.keys() == b.central_weights.keys()
    for k in a.central_weights:
        np.testing.assert_allclose(a.central_weights[k], b.central_weights[k], rtol=1e-12)
    assert a.confidence == b.confidence


@pytest.mark.parametrize("sampler", ["dirichlet", "qmc"])
def test_same_seed_same_result_for_any_chunk_size(default_table, equal_core, sampler):
    results = [sensitivity(equal_core, default_table, focus="Alibaba", samples=2500, seed=7, sampler=sampler, chunk_size=c)
               for c in (1, 7, 1024)]
    _same(results[0], results[1])
    _same(results[0], results[2])
    other = sensitivity(equal_core, default_table, focus="Alibaba", samples=2500, seed=8, sampler=sampler, chunk_size=1024)
    assert not np.array_equal(other.acceptability, results[0].acceptability)


def test_chunking_reproducible_with_choices_and_noise(default_table, equal_core):
    factors = parse_vary(["normalize=min-max,rank", "counting", "drop-metric"],
                         metrics=equal_core.prepare(default_table).metric_names, lens_available=True)
    noise = DataNoise(poisson=True)
    results = [sensitivity(equal_core, default_table, focus="Alibaba", samples=300, seed=3, factors=factors, noise=noise,
                           chunk_size=c, confidence_runs=50) for c in (1, 7, 1024)]
    _same(results[0], results[1])
    _same(results[0], results[2])
    # Noise actually changes something compared with no noise.
    plain = sensitivity(equal_core, default_table, focus="Alibaba", samples=300, seed=3, factors=factors, chunk_size=1024)
    assert not np.array_equal(plain.acceptability, results[0].acceptability)


def test_generation_blocks_do_not_depend_on_request_boundaries():
    sampler = RunSampler(5, WeightSampler(("a", "b", "c")))
    whole = sampler.batch(0, 3 * GEN_BLOCK + 11).weights
    fresh = RunSampler(5, WeightSampler(("a", "b", "c")))
    parts = np.concatenate([fresh.batch(a, min(a + 333, 3 * GEN_BLOCK + 11)).weights
                            for a in range(0, 3 * GEN_BLOCK + 11, 333)])
    np.testing.assert_array_equal(whole, parts)


# ---------------------------------------------------------------------------------------
# Samplers
# ---------------------------------------------------------------------------------------

def _draw(sampler: WeightSampler, blocks: int = 8, seed: int = 0) -> np.ndarray:
    runs = RunSampler(seed, sampler)
    return runs.batch(0, blocks * GEN_BLOCK).weights


def test_dirichlet_is_uniform_on_simplex():
    W = _draw(WeightSampler(("a", "b", "c")))
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    assert (W >= 0).all()
    # Uniform on the 2-simplex: each marginal is Beta(1, 2).
    for j in range(3):
        assert stats.kstest(W[:, j], stats.beta(1, 2).cdf).pvalue > 1e-3
    # Normalising uniforms would fail this: check the test has power against it.
    rng = np.random.default_rng(0)
    U = rng.random((len(W), 3))
    U /= U.sum(axis=1, keepdims=True)
    assert stats.kstest(U[:, 0], stats.beta(1, 2).cdf).pvalue < 1e-6


def test_concentrated_centres_on_base_weights():
    base = (0.5, 0.3, 0.2)
    W = _draw(WeightSampler(("a", "b", "c"), kind="concentrated", base=base, concentration=40.0))
    np.testing.assert_allclose(W.mean(axis=0), base, atol=0.005)
    expected_var = np.array(base) * (1 - np.array(base)) / 41.0
    np.testing.assert_allclose(W.var(axis=0), expected_var, rtol=0.1)


def test_qmc_points_lie_on_the_simplex_and_are_balanced():
    W = _draw(WeightSampler(("a", "b", "c", "d"), kind="qmc"), blocks=4)
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    assert (W >= 0).all()
    # Balanced: the sample mean is much closer to 1/4 than Monte Carlo error would allow.
    assert np.abs(W.mean(axis=0) - 0.25).max() < 2e-3


def test_limits_respected_by_rejection_and_hit_and_run():
    loose = WeightSampler(("a", "b", "c"), limits={"a": (0.2, 0.6)})
    assert loose.describe()["limits_method"] == "rejection"
    W = _draw(loose, blocks=2)
    assert (W[:, 0] >= 0.2 - 1e-12).all() and (W[:, 0] <= 0.6 + 1e-12).all()
    tight = WeightSampler(("a", "b", "c", "d"), limits={"a": (0.40, 0.42), "b": (0.0, 0.05), "c": (0.3, 0.5)})
    assert tight.describe()["limits_method"] == "hit-and-run"
    W = _draw(tight, blocks=2)
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    assert (W[:, 0] >= 0.40 - 1e-9).all() and (W[:, 0] <= 0.42 + 1e-9).all()
    assert (W[:, 1] <= 0.05 + 1e-9).all() and (W[:, 2] >= 0.3 - 1e-9).all() and (W[:, 2] <= 0.5 + 1e-9).all()
    # Uniform on the polytope: with a in a thin slab, c is uniform-ish given the rest;
    # compare the hit-and-run mean of c with a long rejection run.
    rng = np.random.default_rng(1)
    R = rng.dirichlet(np.ones(4), size=2_000_000)
    ok = (R[:, 0] >= 0.40) & (R[:, 0] <= 0.42) & (R[:, 1] <= 0.05) & (R[:, 2] >= 0.3) & (R[:, 2] <= 0.5)
    assert ok.sum() > 200
    assert abs(W[:, 2].mean() - R[ok, 2].mean()) < 0.01


@pytest.mark.parametrize("text", ["a=0.6:0.9,b=0.5:1", "a=0:0.1,b=0:0.1,c=0:0.1", "a=0.5:0.2", "a=1.5:2"])
def test_infeasible_limits_refused(text):
    with pytest.raises(AnalysisError) as err:
        WeightSampler(("a", "b", "c"), limits=parse_limits(text, ("a", "b", "c")))
    assert "\n" not in str(err.value)


def test_limits_unknown_metric_and_syntax():
    with pytest.raises(RankingsError, match="unknown metric"):
        parse_limits("zz=0:1", ("a", "b"))
    with pytest.raises(AnalysisError, match="metric=lo:hi"):
        parse_limits("a0.1", ("a", "b"))


# ---------------------------------------------------------------------------------------
# Exact answers
# ---------------------------------------------------------------------------------------

def _exact_acceptability_m2(values: np.ndarray) -> np.ndarray:
    """P(rank_i = r) for w = (t, 1 - t), t ~ U(0, 1): score_i(t) is a line; rank is
    constant between crossings. Evaluate at midpoints of the crossing segments."""
    n = len(values)
    a, b = values[:, 0], values[:, 1]
    cuts = {0.0, 1.0}
    for i in range(n):
        for k in range(i + 1, n):
            denom = (a[i] - b[i]) - (a[k] - b[k])
            if denom != 0:
                t = (b[k] - b[i]) / denom
                if 0 < t < 1:
                    cuts.add(float(t))
    cuts = sorted(cuts)
    out = np.zeros((n, n))
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        t = 0.5 * (lo + hi)
        s = t * a + (1 - t) * b
        for i in range(n):
            r = 1 + int(np.sum(s > s[i]))
            out[i, r - 1] += hi - lo
    return out


def test_acceptability_matches_exact_m2_within_standard_errors():
    rng = np.random.default_rng(11)
    values = rng.random((12, 2))
    exact = _exact_acceptability_m2(values)
    table = _table(values)
    S = 40000
    res = sensitivity(_raw_method(), table, focus="c0", samples=S, seed=2)
    se = np.sqrt(exact * (1 - exact) / S)
    z = np.abs(res.acceptability - exact) / np.where(se > 0, se, 1)
    assert np.all((se > 0) | (res.acceptability == 0))
    assert z.max() < 4.5, z.max()
    # QMC is far more accurate on the same problem.
    q = sensitivity(_raw_method(), table, focus="c0", samples=8192, seed=2, sampler="qmc")
    assert np.abs(q.acceptability - exact).max() < 2e-3


def test_identical_rows_get_identical_ranks_and_match_rank_scores():
    rng = np.random.default_rng(4)
    values = rng.random((30, 3))
    values[5] = values[2]
    values[17] = values[2]
    table = _table(values)
    res = sensitivity(_raw_method(), table, focus="c2", samples=3000, seed=1)
    np.testing.assert_array_equal(res.acceptability[2], res.acceptability[5])
    np.testing.assert_array_equal(res.acceptability[2], res.acceptability[17])
    # Row by row, the engine's ranks equal rank_scores on the same scores (both kernels).
    for n in (10, 60):
        S = np.round(rng.random((200, n)) * 5) / 5  # many exact ties
        S[:, 3] = S[:, 1]
        R = competition_ranks(S)
        for row, ranks in zip(S, R):
            np.testing.assert_array_equal(ranks, rank_scores(row))


def test_focus_only_fast_path_equals_full_path(default_table, equal_core):
    problem = build_problem(equal_core, default_table, focus="Alibaba")
    runs = RunSampler(9, problem.weights)
    fast = run_engine(problem, runs.batch, 20000, full=False, chunk_size=1000)
    full = run_engine(problem, runs.batch, 20000, full=True, chunk_size=777)
    np.testing.assert_array_equal(fast.focus_hist, full.focus_hist)
    np.testing.assert_array_equal(full.focus_hist[1:], full.acceptability[problem.focus])


def test_outputs_are_consistent(default_table, equal_core):
    res = sensitivity(equal_core, default_table, focus="Alibaba", samples=4000, seed=0)
    np.testing.assert_allclose(res.acceptability.sum(axis=1), 1.0)
    f = res.focus_index
    assert res.focus == "Alibaba" and res.nominal_ranks[f] == 3
    lo, mid, hi = res.bands[f]
    assert lo <= mid <= hi
    cdf = np.cumsum(res.acceptability[f])
    assert cdf[lo - 1] >= 0.05 and (lo == 1 or cdf[lo - 2] < 0.05)
    # Pairwise: P(i beats k) + P(k beats i) <= 1 (ties make up the rest).
    P = res.pairwise
    assert np.all(P + P.T <= 1 + 1e-12)
    # Central weights sit on the simplex; only first-ranked contributors have one.
    for name, w in res.central_weights.items():
        assert abs(w.sum() - 1) < 1e-9 and res.acceptability[res.contributors.index(name), 0] > 0
    assert set(res.confidence.values()) <= {0.0, 1.0}
    frame = res.to_frame()
    assert frame.loc["Alibaba", "p50"] == mid
    d = res.to_dict()
    for key in ("samples", "seed", "focus", "acceptability", "bands", "mean_rank_shift", "pairwise",
                "central_weights", "confidence", "factors", "method"):
        assert key in d
    assert len(d["acceptability"]["Alibaba"]) == len(res.contributors)


def test_log_runs_streams_every_run(tmp_path, default_table, equal_core):
    path = tmp_path / "runs.csv"
    factors = parse_vary(["aggregate=arithmetic,geometric"], metrics=equal_core.prepare(default_table).metric_names,
                         lens_available=True)
    res = sensitivity(equal_core.with_overrides(parameters={"lower": 1.0, "upper": 100.0}), default_table, focus="Alibaba",
                      samples=1500, seed=2, chunk_size=400, log_runs=str(path), factors=factors)
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1500
    assert [int(r["run"]) for r in rows] == list(range(1500))
    assert {r["aggregate"] for r in rows} == {"arithmetic", "geometric"}
    hist = np.bincount([int(r["focus_rank"]) for r in rows], minlength=len(res.contributors) + 1)[1:]
    np.testing.assert_allclose(hist / 1500, res.acceptability[res.focus_index])
    assert not list(tmp_path.glob(".runs.csv.*"))


# ---------------------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("samples", [0, -5])
def test_non_positive_samples_refused(default_table, equal_core, samples):
    with pytest.raises(AnalysisError, match="samples must be a positive integer"):
        sensitivity(equal_core, default_table, focus="Alibaba", samples=samples)


def test_absurd_runs_refused_before_starting(equal_core, default_table):
    import time

    with pytest.raises(AnalysisError, match="samples must be at most"):
        sensitivity(equal_core, default_table, focus="Alibaba", samples=10**13)
    n = 200_000
    big = _table(np.random.default_rng(0).random((n, 2)))
    t0 = time.perf_counter()
    # the full N x N matrix at N = 200,000 (320 GB a worker) cannot fit: refused before any run
    # (the compact default, ranks 1..K, would fit and start a 10^11-run job, so it is not asked for here)
    with pytest.raises(AnalysisError, match=r"needs about .* of memory"):
        sensitivity(_raw_method(), big, focus="c0", samples=10**11, full_acceptability=True)
    assert time.perf_counter() - t0 < 10


def test_unknown_focus_refused(default_table, equal_core):
    with pytest.raises(RankingsError, match="unknown contributor"):
        sensitivity(equal_core, default_table, focus="Alibabaa", samples=10)


def test_vary_parsing_errors():
    metrics = ("a", "b")
    with pytest.raises(AnalysisError, match="--vary factor must be one of"):
        parse_vary(["colour=red"], metrics=metrics, lens_available=True)
    with pytest.raises(AnalysisError, match="needs its levels"):
        parse_vary(["normalize"], metrics=metrics, lens_available=True)
    with pytest.raises(AnalysisError, match="level must be one of"):
        parse_vary(["aggregate=arithmetic,median"], metrics=metrics, lens_available=True)
    with pytest.raises(AnalysisError, match="default dataset"):
        parse_vary(["counting"], metrics=metrics, lens_available=False)
    factors = parse_vary(["drop-metric", "counting"], metrics=metrics, lens_available=True)
    assert factors[0].name == "counting" and factors[1].levels == ("none", "a", "b")


def test_incompatible_method_variant_is_refused_up_front(default_table, equal_core):
    factors = parse_vary(["normalize=min-max,z-score", "aggregate=arithmetic,geometric"],
                         metrics=equal_core.prepare(default_table).metric_names, lens_available=True)
    with pytest.raises(AnalysisError, match="z-score, aggregate=geometric"):
        sensitivity(equal_core, default_table, focus="Alibaba", samples=10, factors=factors)


# ---------------------------------------------------------------------------------------
# Uncertainty files
# ---------------------------------------------------------------------------------------

HEADER = "contributor,metric,distribution,mean,sd,low,high\n"


@pytest.mark.parametrize("body, message", [
    ("Nobody,m0,normal,1,0.1,,\n", "unknown contributor 'Nobody'"),
    ("c1,zz,normal,1,0.1,,\n", "unknown metric 'zz'"),
    ("c1,m0,gamma,1,0.1,,\n", "distribution must be one of"),
    ("c1,m0,normal,1,-0.1,,\n", "sd must be non-negative"),
    ("c1,m0,uniform,,,3,2\n", "uniform needs low <= high"),
    ("c1,m0,poisson,-1,,,\n", "poisson mean must be a non-negative"),
    ("c1,m0,normal,x,0.1,,\n", "mean must be a number"),
    ("c1,m0,normal,1,0.1,,\nc1,m0,normal,1,0.1,,\n", "each cell may appear once"),
])
def test_uncertainty_errors_are_one_line(tmp_path, body, message):
    path = tmp_path / "u.csv"
    path.write_text(HEADER + body)
    with pytest.raises(RankingsError) as err:
        read_uncertainty(path, ["c0", "c1"], ["m0", "m1"])
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_uncertainty_missing_columns_and_file(tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("contributor,metric,mean\nc1,m0,1\n")
    with pytest.raises(DataError, match="missing distribution"):
        read_uncertainty(path, ["c0", "c1"], ["m0"])
    with pytest.raises(DataError, match="must exist"):
        read_uncertainty(tmp_path / "nope.csv", ["c0"], ["m0"])


def test_uncertainty_noise_drives_confidence(tmp_path):
    values = np.array([[10.0, 10.0], [9.0, 9.0], [1.0, 1.0]])
    table = _table(values)
    path = tmp_path / "u.csv"
    # c0 and c1 overlap heavily under noise; c2 never wins.
    path.write_text(HEADER + "c0,m0,normal,10,1,,\nc0,m1,normal,10,1,,\nc1,m0,uniform,,,8,11\n"
                             "c1,m1,lognormal,2.2,0.1,,\n")
    cells = read_uncertainty(path, table.contributors, table.metric_names)
    res = sensitivity(_raw_method(), table, focus="c1", samples=3000, seed=0, noise=DataNoise(cells),
                      confidence_runs=2000)
    assert 0.1 < res.acceptability[1, 0] < 0.6
    assert 0 < res.confidence["c0"] < 1 and 0 < res.confidence["c1"] < 1
    assert res.acceptability[2, 2] == 1.0


# ---------------------------------------------------------------------------------------
# Sobol'
# ---------------------------------------------------------------------------------------

ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])


def test_hand_estimator_agrees_with_salib_on_ishigami():
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    spec = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0.0, 1.0]] * 3}
    X = salib_sample.sample(spec, 2**14, calc_second_order=False, seed=3)
    Y = ishigami(X)
    ref = salib_analyze.analyze(spec, Y, calc_second_order=False, num_resamples=50, seed=3)
    S1, ST = saltelli_jansen(*split_salib_design(Y, 3))
    np.testing.assert_allclose(S1, ref["S1"], atol=1e-10)
    np.testing.assert_allclose(ST, ref["ST"], atol=1e-10)
    np.testing.assert_allclose(S1, ISHIGAMI_S1, atol=0.02)
    np.testing.assert_allclose(ST, ISHIGAMI_ST, atol=0.02)
    # The estimator on its own pseudo-random design also finds the analytic values.
    S1b, STb = sobol_indices(ishigami, 3, 2**15, seed=5)
    np.testing.assert_allclose(S1b, ISHIGAMI_S1, atol=0.03)
    np.testing.assert_allclose(STb, ISHIGAMI_ST, atol=0.03)


def test_group_by_group_bootstrap_is_salib_analyze_bit_for_bit():
    """salib_first_total cuts SALib's loop over the groups into tasks: the same numbers, to the bit."""
    from SALib.analyze import sobol as salib_analyze
    from SALib.sample import sobol as salib_sample

    from rankings.sensitivity.sobol import salib_first_total

    spec = {"num_vars": 4, "names": ["a", "b", "c", "d"], "bounds": [[0.0, 1.0]] * 4, "groups": ["g", "g", "h", "k"]}
    X = salib_sample.sample(spec, 2**9, calc_second_order=False, seed=4)
    outputs = {"smooth": ishigami(X[:, :3]) + X[:, 3], "ranks": np.floor(8 * X[:, 0] * X[:, 2]) + X[:, 3] ** 2}
    for threads in (1, 3):
        got = salib_first_total(outputs, 3, resamples=40, conf_level=0.9, seed=12345, threads=threads)
        for label, Y in outputs.items():
            ref = salib_analyze.analyze(spec, Y, calc_second_order=False, num_resamples=40, conf_level=0.9,
                                        seed=12345)
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                assert got[label][key].tobytes() == np.asarray(ref[key], dtype=float).tobytes(), (label, key)
    assert got["smooth"]["S1_conf"].min() > 0  # the intervals were computed, not left at zero
    with pytest.raises(ValueError, match="seed 0"):
        salib_first_total(outputs, 3, resamples=40, conf_level=0.9, seed=0)


def test_sobol_on_rankings_groups_and_check(default_table, equal_core):
    metrics = equal_core.prepare(default_table).metric_names
    factors = parse_vary(["normalize=min-max,rank", "aggregate=arithmetic,borda"], metrics=metrics,
                         lens_available=True)
    res = sensitivity(equal_core, default_table, focus="Alibaba", samples=500, seed=1, factors=factors, sobol=True,
                      sobol_samples=256)
    s = res.sobol
    assert s["groups"] == [*metrics, "normalize", "aggregate"]
    assert s["runs"] == 256 * (len(metrics) + 2 + 2)
    for label in ("focus_rank", "mean_rank_shift"):
        for g in s["groups"]:
            e = s[label][g]
            assert e["S1_ci"][0] <= e["S1"] <= e["S1_ci"][1]
            assert abs(e["S1"] - e["S1_check"]) < 1e-9 and abs(e["ST"] - e["ST_check"]) < 1e-9
    for label in ("focus_rank", "mean_rank_shift"):
        assert all(s[label][g]["ST"] > -0.05 for g in s["groups"])
        assert sum(s[label][g]["S1"] for g in s["groups"]) < 1.2


def test_ranked_first_agrees_with_the_full_competition_ranks():
    """The confidence factor's rank-1 test, on random rows, exact ties, chains of near-ties and non-finite scores."""
    from rankings.sensitivity.problem import ranked_first

    rng = np.random.default_rng(1)
    decided = 0
    for trial in range(2500):
        rows, cols, kind = int(rng.integers(1, 30)), int(rng.integers(1, 40)), trial % 5
        if kind == 0:
            S = rng.normal(size=(rows, cols))
        elif kind == 1:  # exact ties
            S = rng.integers(0, 4, size=(rows, cols)).astype(float)
        elif kind == 2:  # steps just under, at and over the tolerance (1e-9 |max| + 1e-12)
            base = rng.normal()
            step = (1e-9 * abs(base) + 0.4e-12) * rng.choice([0.5, 0.9, 1.0, 1.1, 1.6])
            S = base + rng.integers(0, 5, size=(rows, cols)) * step
        elif kind == 3:
            S = rng.normal(size=(rows, cols))
            S[rng.random((rows, cols)) < 0.1] = np.nan
            S[rng.random((rows, cols)) < 0.05] = -np.inf
            S[rng.random((rows, cols)) < 0.02] = np.inf
        else:  # long chains of near-ties
            S = np.cumsum(rng.choice([0.0, 0.99e-9, 1.01e-9, 5e-10], size=(rows, cols)), axis=1) \
                * rng.choice([1.0, 100.0, 1e6]) + rng.choice([0.0, 1.0, 1e3])
        i = int(rng.integers(0, cols))
        expected = competition_ranks(S)[:, i] == 1
        assert np.array_equal(ranked_first(S, i), expected), (trial, S, i)
        decided += int(expected.any() and not expected.all())
    assert decided > 500  # the cases are not all trivially one way
