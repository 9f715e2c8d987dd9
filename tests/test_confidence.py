"""Rank confidence sets (rankings.sensitivity.confidence) and ``rankings confidence``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli.confidence import confidence_command
from rankings.errors import AnalysisError
from rankings.sensitivity.confidence import check_level, rank_sets

# 2018 PISA mathematics: mean score and standard error of the 38 OECD countries, as in the
# `pisa2018` data of the csranks R package (version 1.2.3; OECD (2019), PISA 2018 Results,
# Volume I, Table I.B1.10), rounded to two decimals.
PISA_2018_MATH = (
    ('Australia', 491.36, 1.94), ('Austria', 498.94, 2.97), ('Belgium', 508.07, 2.26), ('Canada', 512.02, 2.36),
    ('Chile', 417.41, 2.42), ('Colombia', 390.93, 2.99), ('Costa Rica', 402.33, 3.29),
    ('Czech Republic', 499.47, 2.46), ('Denmark', 509.40, 1.74), ('Estonia', 523.41, 1.74),
    ('Finland', 507.30, 1.97), ('France', 495.41, 2.32), ('Germany', 500.04, 2.65), ('Greece', 451.37, 3.09),
    ('Hungary', 481.08, 2.32), ('Iceland', 495.19, 1.95), ('Ireland', 499.63, 2.20), ('Israel', 463.03, 3.50),
    ('Italy', 486.59, 2.78), ('Japan', 526.97, 2.47), ('Korea', 525.93, 3.12), ('Latvia', 496.13, 1.96),
    ('Lithuania', 481.19, 1.95), ('Luxembourg', 483.42, 1.10), ('Mexico', 408.80, 2.49),
    ('Netherlands', 519.23, 2.63), ('New Zealand', 494.49, 1.71), ('Norway', 500.96, 2.22),
    ('Poland', 515.65, 2.60), ('Portugal', 492.49, 2.68), ('Slovak Republic', 486.16, 2.56),
    ('Slovenia', 508.90, 1.36), ('Spain', 481.39, 1.46), ('Sweden', 502.39, 2.65), ('Switzerland', 515.31, 2.91),
    ('Türkiye', 453.51, 2.26), ('United Kingdom', 501.77, 2.56), ('United States', 478.24, 3.24),

)


def _pisa_draws(seed: int = 0, runs: int = 4000) -> tuple[list[str], np.ndarray, np.ndarray]:
    names = [c for c, _, _ in PISA_2018_MATH]
    x = np.array([s for _, s, _ in PISA_2018_MATH])
    se = np.array([e for _, _, e in PISA_2018_MATH])
    # independent estimates (a diagonal covariance), as in the vignette: a parametric bootstrap
    draws = x + se * np.random.default_rng(seed).standard_normal((runs, len(x)))
    return names, x, draws


def test_matches_the_csranks_vignette_for_pisa_2018():
    """csranks vignette "Inference for Ranks" (Mogstad, Romano, Shaikh, Wilhelm; csranks 1.2.3):
    the United Kingdom ranks 13th with a 95% marginal set [8, 23]; the 90% confidence set for
    the top 5 (cstaubest) holds Belgium, Canada, Denmark, Estonia, Finland, Japan, Korea,
    Netherlands, Poland, Slovenia and Switzerland, and the 95% one adds Sweden and the
    United Kingdom (the UK at the edge: our runs keep it out)."""
    names, x, draws = _pisa_draws()
    uk = names.index("United Kingdom")
    lo, hi = rank_sets(x, draws, level=0.95, simultaneous=False, focus=[uk])
    assert (int(lo[0]), int(hi[0])) == (8, 23)
    low90, _ = rank_sets(x, draws, level=0.90, simultaneous=True, side="lower")
    assert [names[i] for i in np.flatnonzero(low90 <= 5)] == [
        "Belgium", "Canada", "Denmark", "Estonia", "Finland", "Japan", "Korea", "Netherlands", "Poland",
        "Slovenia", "Switzerland"]
    low95, _ = rank_sets(x, draws, level=0.95, simultaneous=True, side="lower")
    best95 = {names[i] for i in np.flatnonzero(low95 <= 5)}
    published = {"Belgium", "Canada", "Denmark", "Estonia", "Finland", "Japan", "Korea", "Netherlands", "Poland",
                 "Slovenia", "Sweden", "Switzerland", "United Kingdom"}
    assert published - {"United Kingdom"} <= best95 <= published


def test_simultaneous_sets_are_never_narrower_than_marginal_ones():
    names, x, draws = _pisa_draws(seed=2, runs=1500)
    mlo, mhi = rank_sets(x, draws, level=0.95, simultaneous=False)
    slo, shi = rank_sets(x, draws, level=0.95, simultaneous=True)
    assert (slo <= mlo).all() and (shi >= mhi).all()
    assert (shi - slo > mhi - mlo).any()  # and wider somewhere
    ranks = 1 + (x[None, :] > x[:, None]).sum(axis=1)
    assert ((slo <= ranks) & (ranks <= shi)).all() and ((mlo <= ranks) & (ranks <= mhi)).all()


def test_rank_sets_cover_the_true_ranks_at_the_nominal_rate():
    theta = np.array([10.0, 9.0, 8.5, 8.0, 6.0, 5.9, 3.0, 1.0])
    sigma = np.array([0.6, 0.5, 0.5, 0.7, 0.4, 0.6, 0.5, 0.8])
    true = 1 + (theta[None, :] > theta[:, None]).sum(axis=1)
    rng = np.random.default_rng(11)
    trials, covered_m, covered_s = 300, 0, 0
    for _ in range(trials):
        est = theta + sigma * rng.standard_normal(len(theta))
        draws = est + sigma * rng.standard_normal((300, len(theta)))
        lo, hi = rank_sets(est, draws, level=0.95, simultaneous=False, focus=[3])
        covered_m += int(lo[0] <= true[3] <= hi[0])
        slo, shi = rank_sets(est, draws, level=0.95, simultaneous=True)
        covered_s += int(((slo <= true) & (true <= shi)).all())
    mc = 3 * np.sqrt(0.95 * 0.05 / trials)
    assert covered_m / trials >= 0.95 - mc
    assert covered_s / trials >= 0.95 - mc


def test_a_sure_gap_without_variation_is_decided_by_the_estimate():
    est = np.array([3.0, 2.0, 2.0, 1.0])
    draws = np.tile(est, (50, 1))
    lo, hi = rank_sets(est, draws, level=0.95, simultaneous=True)
    assert lo.tolist() == [1, 2, 2, 4] and hi.tolist() == [1, 3, 3, 4]


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1])
def test_level_outside_the_unit_interval(level):
    with pytest.raises(AnalysisError, match="strictly between 0 and 1"):
        check_level(level)


def _run(*args: str):
    return CliRunner().invoke(confidence_command, list(args))


def test_cli_default_lens_alibaba():
    res = _run("--samples", "300")
    assert res.exit_code == 0, res.output
    out = res.output
    assert "Mogstad, Romano, Shaikh and Wilhelm (2024)" in out and "300 bootstrap runs (seed 0)" in out
    assert "->    3  Alibaba" in out
    assert "Top 3 at 95%: is Alibaba in the top 3?" in out
    assert out.strip().splitlines()[-1].startswith("Alibaba is third; at 95% its rank is between ")


def test_cli_json_is_byte_identical_for_any_chunk_size():
    args = ("--samples", "200", "--seed", "5", "--format", "json", "--level", "0.9")
    a, b = _run(*args, "--chunk-size", "7"), _run(*args, "--chunk-size", "200")
    assert a.exit_code == 0, a.output
    assert a.output == b.output
    payload = json.loads(a.output)
    assert payload["bootstrap_runs"] == 200 and payload["level"] == 0.9
    assert payload["method"].startswith("Mogstad, Romano, Shaikh and Wilhelm (2024)")
    rows = {r["contributor"]: r for r in payload["contributors"]}
    lo, hi = rows["Alibaba"]["marginal"]
    slo, shi = rows["Alibaba"]["simultaneous"]
    assert slo <= lo <= 3 <= hi <= shi
    assert payload["top_k"]["k"] == 3 and payload["top_k"]["focus"]["answer"] in ("yes", "no", "undecided")


@pytest.mark.parametrize("args, text", [
    (("--level", "1.5"), "Error: --level must lie strictly between 0 and 1 (got 1.5)"),
    (("--level", "x"), "Error: --level must be a number between 0 and 1 (got 'x')"),
    (("--samples", "5"), "Error: --samples must be an integer of at least 10 (got 5)"),
])
def test_cli_bad_input_is_one_line_exit_2(args, text):
    res = _run(*args)
    assert res.exit_code == 2
    assert res.output.strip() == text


def test_cli_data_table_names_models_file(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("contributor,a\nx,1\ny,2\n")
    res = _run("--data", str(path))
    assert res.exit_code == 2 and "--models FILE" in res.output and res.output.count("\n") == 1


def test_cli_manifest_replays_identically(tmp_path):
    from rankings.cli import main

    manifest = tmp_path / "m.json"
    runner = CliRunner()
    first = runner.invoke(main, ["confidence", "--samples", "40", "--top", "2", "--manifest", str(manifest)])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["replay", str(manifest)])
    assert again.exit_code == 0, again.output
    assert "identical output" in again.output
