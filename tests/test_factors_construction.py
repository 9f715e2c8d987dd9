"""--vary weights-scheme / impute / outliers: construction choices as factors of the sensitivity engine."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli import main
from rankings.declarative import methodology_from_mapping
from rankings.errors import AnalysisError
from rankings.sensitivity.analyze import sensitivity
from rankings.sensitivity.sample import parse_vary
from rankings.table_io import load_table

DATA = Path(__file__).parent / "data"
TAI = load_table(DATA / "tai_handbook_2008.csv")
METHOD = methodology_from_mapping({"name": "tai-flat", "description": "d", "normalize": "min-max",
                                   "aggregate": "arithmetic"}, "t.toml")


def _ranks_under(scheme: str) -> np.ndarray:
    m = METHOD.with_overrides(scheme=scheme)
    return m.evaluate(TAI).ranks


def test_a_single_scheme_level_reproduces_that_schemes_ranking():
    for scheme in ("entropy", "pca"):
        factors = parse_vary([f"weights-scheme={scheme}"], metrics=TAI.metric_names, lens_available=False)
        result = sensitivity(METHOD, TAI, focus="Korea", samples=64, seed=1, factors=factors)
        k = result.contributors.index("Korea")
        expected = int(_ranks_under(scheme)[TAI.contributor_index("Korea")])
        assert result.acceptability[k, expected - 1] == 1.0


def test_levels_mix_in_proportion_and_are_seeded():
    factors = parse_vary(["weights-scheme=equal,pca"], metrics=TAI.metric_names, lens_available=False)
    a = sensitivity(METHOD, TAI, focus="Korea", samples=400, seed=3, factors=factors)
    b = sensitivity(METHOD, TAI, focus="Korea", samples=400, seed=3, factors=factors, chunk_size=37)
    assert np.array_equal(a.acceptability, b.acceptability)
    k = a.contributors.index("Korea")
    ranks = {int(_ranks_under(s)[TAI.contributor_index("Korea")]) for s in ("equal", "pca")}
    assert set(np.flatnonzero(a.acceptability[k] > 0) + 1) == ranks


def test_impute_and_outlier_factors_re_prepare_the_table():
    holes = TAI.values.copy()
    holes[TAI.contributor_index("Japan"), 0] = np.nan  # Japan's patents (the maximum) missing
    t = TAI.with_values(holes)
    m = METHOD.with_overrides(missing="worst")
    expected = {}
    for imp in ("worst", "median"):
        for level, out in (("none", {}), ("winsorise:2", {"rule": "winsorise", "count": 2})):
            expected[(imp, level)] = m.with_overrides(missing=imp, outliers=out).evaluate(t).rank_of("Japan")
            factors = parse_vary([f"impute={imp}", f"outliers={level}", "weights-scheme=equal"],
                                 metrics=t.metric_names, lens_available=False)
            single = sensitivity(m, t, focus="Japan", samples=32, seed=0, factors=factors)
            assert single.acceptability[single.contributors.index("Japan"), expected[(imp, level)] - 1] == 1.0
    assert len(set(expected.values())) > 1  # the choices matter here, so the test can see them
    factors = parse_vary(["impute=worst,median", "outliers=none,winsorise:2", "weights-scheme=equal"],
                         metrics=t.metric_names, lens_available=False)
    mixed = sensitivity(m, t, focus="Japan", samples=400, seed=0, factors=factors)
    assert set(np.flatnonzero(mixed.acceptability[mixed.contributors.index("Japan")] > 0) + 1) == set(expected.values())


def test_bad_levels_are_one_line_errors():
    with pytest.raises(AnalysisError, match="--vary weights-scheme level must be one of sampled, equal, entropy"):
        parse_vary(["weights-scheme=magic"], metrics=("a",), lens_available=False)
    with pytest.raises(AnalysisError, match="--vary impute needs its levels, e.g. --vary impute=worst,median"):
        parse_vary(["impute"], metrics=("a",), lens_available=False)
    with pytest.raises(AnalysisError, match="winsorise:COUNT"):
        parse_vary(["outliers=winsorise:0.9"], metrics=("a",), lens_available=False)


def test_cli_sobol_with_the_weighting_scheme_as_a_factor():
    out = CliRunner().invoke(main, ["sensitivity", "--data", str(DATA / "tai_handbook_2008.csv"), "--focus", "Korea",
                                    "--vary", "weights-scheme=equal,pca,critic", "--sobol", "--sobol-samples", "64",
                                    "--format", "json"])
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["sobol"]["groups"][-1] == "weights-scheme"
    assert {"factor": "weights-scheme", "levels": ["equal", "pca", "critic"]} in payload["factors"]["choices"]


@pytest.mark.parametrize(("levels", "said"), [
    ("equal,pca", "Varied: weights not sampled (each weights-scheme level derives its own); weights-scheme in {equal, pca}"),
    ("sampled,equal", "Varied: weights (dirichlet) when weights-scheme=sampled; weights-scheme in {sampled, equal}"),
])
def test_the_text_header_says_when_weights_are_not_sampled(levels, said):
    out = CliRunner().invoke(main, ["sensitivity", "--data", str(DATA / "tai_handbook_2008.csv"), "--focus", "Korea",
                                    "--vary", f"weights-scheme={levels}", "--samples", "64"])
    assert out.exit_code == 0, out.output
    assert said in out.output.splitlines()
