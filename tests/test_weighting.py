"""Weights derived from the data (rankings.weighting), each against a published or peer-documented example.

Data: the Technology Achievement Index of the UNDP Human Development Report 2001, as printed for
its 23 leading countries in Nardo M. et al. (2008), Handbook on Constructing Composite Indicators,
OECD/JRC, Appendix Table A.2 (tests/data/tai_handbook_2008.csv; telephones and electricity in logs,
as in the table).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rankings.declarative import load_toml, methodology_from_mapping
from rankings.errors import MethodologyError, WeightError
from rankings.table_io import load_table
from rankings.weighting import (
    SCHEMES,
    critic_weights,
    entropy_weights,
    equal_weights,
    merec_weights,
    pca_weights,
    std_weights,
)

DATA = Path(__file__).parent / "data"
TAI = load_table(DATA / "tai_handbook_2008.csv")
X = TAI.values
UP = np.ones(8, dtype=bool)


def test_pca_weights_reproduce_the_handbook_tai_example():
    # Handbook Table 16: the first four components explain 41.9, 21.8, 12.3 and 11.1% of the variance
    eigenvalues = np.sort(np.linalg.eigvalsh(np.corrcoef(X, rowvar=False)))[::-1]
    assert 100 * eigenvalues[:4] / 8 == pytest.approx([41.9, 21.8, 12.3, 11.1], abs=0.15)
    w = pca_weights(X, UP)
    # Handbook Table 22, row FA (principal components, varimax, squared loadings), two decimals
    published = [0.17, 0.15, 0.11, 0.06, 0.08, 0.13, 0.13, 0.17]
    assert np.abs(w - published).max() <= 0.01
    assert w.sum() == pytest.approx(1.0)


# Reference values: pymcdm 1.4.0 (Kizielewicz, Shekhovtsov, Salabun 2023, SoftwareX 22:101368),
# pymcdm.weights.entropy_weights / critic_weights / merec_weights / standard_deviation_weights on the
# same matrix (standard deviation weights on the min-max normalised matrix).
def test_entropy_weights_match_pymcdm():
    assert entropy_weights(X, UP) == pytest.approx(
        [0.400072, 0.317315, 0.189015, 0.040551, 0.000367, 0.001073, 0.00926, 0.042348], abs=2e-6)


def test_critic_weights_match_pymcdm():
    assert critic_weights(X, UP) == pytest.approx(
        [0.119949, 0.142147, 0.122475, 0.159203, 0.089817, 0.09084, 0.139377, 0.136193], abs=2e-6)


def test_merec_weights_match_pymcdm_with_a_cost_metric():
    higher = UP.copy()
    higher[-1] = False
    assert merec_weights(X, higher) == pytest.approx(
        [0.273102, 0.20892, 0.272448, 0.124021, 0.007825, 0.010345, 0.028919, 0.07442], abs=2e-6)


def test_std_weights_match_pymcdm():
    assert std_weights(X, UP) == pytest.approx(
        [0.108801, 0.155715, 0.137676, 0.113909, 0.111572, 0.105161, 0.144407, 0.122758], abs=2e-6)


def test_entropy_by_hand_on_two_columns():
    # column 1 constant: E = 1, no weight; column 2 shares (0.25, 0.75): E = 0.8113 (base-2 entropy for N = 2)
    w = entropy_weights(np.array([[1.0, 1.0], [1.0, 3.0]]), np.ones(2, dtype=bool))
    assert w.tolist() == pytest.approx([0.0, 1.0])
    assert equal_weights(X, UP).tolist() == [0.125] * 8


def test_bad_inputs_are_one_line_errors():
    with pytest.raises(WeightError, match=r"pca weights need more contributors than metrics \(got 5 contributors, 8 metrics\)"):
        pca_weights(X[:5], UP)
    with pytest.raises(WeightError, match="merec weights need positive values"):
        merec_weights(np.array([[0.0, 1.0], [1.0, 2.0]]), np.ones(2, dtype=bool))
    with pytest.raises(WeightError, match="missing"):
        critic_weights(np.array([[np.nan, 1.0], [1.0, 2.0]]), np.ones(2, dtype=bool))


def test_a_toml_scheme_derives_weights_from_the_prepared_table():
    m = methodology_from_mapping({"name": "tai-pca", "description": "x", "normalize": "min-max",
                                  "aggregate": "arithmetic", "weights": "pca"}, "t.toml")
    assert m.scheme == "pca"
    w = m.weights_for(m.prepare(TAI))
    assert list(w.values()) == pytest.approx(pca_weights(X, UP).tolist())
    result = m.evaluate(TAI)
    assert any("derived from the data by the pca scheme" in n for n in result.notes)
    assert result.to_dict()["methodology"]["weights_scheme"] == "pca"
    with pytest.raises(MethodologyError, match="weights must be a table or one of 'equal', 'entropy'"):
        methodology_from_mapping({"name": "x", "description": "x", "normalize": "min-max",
                                  "aggregate": "arithmetic", "weights": "magic"}, "t.toml")
    # PCA on fewer contributors than metrics: one line naming the methodology and the table
    with pytest.raises(WeightError, match=r"tai-pca.*t\.toml.*pca weights need more contributors than metrics"):
        m.evaluate(TAI.take(range(5)))
    assert set(SCHEMES) == {"equal", "entropy", "critic", "pca", "std", "merec"}


def test_the_tai_hierarchy_has_the_handbook_equal_weights():
    m = load_toml(DATA / "tai_handbook_2008.toml")
    assert m.pillars is not None and m.pillars.flat
    # Handbook Table 22, row EW: 0.13 for each of the eight indicators (1/4 x 1/2 = 0.125, printed 0.13)
    assert list(m.weights.values()) == [0.125] * 8
    assert m.pillars.pillar_weights(m.weights) == pytest.approx(dict.fromkeys(m.pillars.pillars, 0.25))
