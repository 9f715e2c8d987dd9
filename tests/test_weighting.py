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
    # Our std scheme is the contrast term of CRITIC: the spread of the min-max normalised values, so
    # that a metric's unit cannot set its weight. Published examples that divide the raw standard
    # deviations (e.g. Salabun, Watrobski, Shekhovtsov 2020, Symmetry 12(9):1549: 0.217, 0.294, 0.488)
    # compute a different, unit-dependent quantity and are not a check of it.
    assert std_weights(X, UP) == pytest.approx(
        [0.108801, 0.155715, 0.137676, 0.113909, 0.111572, 0.105161, 0.144407, 0.122758], abs=2e-6)


# Published worked examples: the decision matrix and weights of each paper, as transcribed in the
# test-suite of the pyrepo-mcda package (github.com/energyinpython/pyrepo-mcda,
# tests/test_weighting_methods.py), which checks its own implementations against them.
def test_entropy_weights_reproduce_xu_2004():
    """Xu X. (2004). A note on the subjective and objective integrated approach to determine
    attribute weights. European Journal of Operational Research 156(2):530-532."""
    X4 = np.array([[30, 30, 38, 29], [19, 54, 86, 29], [19, 15, 85, 28.9], [68, 70, 60, 29]], dtype=float)
    assert entropy_weights(X4, np.ones(4, dtype=bool)).round(4).tolist() == [0.4630, 0.3992, 0.1378, 0.0]


def test_entropy_weights_reproduce_zavadskas_podvezko_2016():
    """Zavadskas E.K., Podvezko V. (2016). Integrated determination of objective criteria weights in
    MCDM. International Journal of Information Technology & Decision Making 15(2):267-283. Two costs;
    entropy weights do not depend on the directions (the shares p_ij are of the raw values)."""
    X4 = np.array([[3.0, 100, 10, 7], [2.5, 80, 8, 5], [1.8, 50, 20, 11], [2.2, 70, 12, 9]])
    for higher in (np.array([False, True, False, True]), np.ones(4, dtype=bool)):
        assert entropy_weights(X4, higher).round(4).tolist() == [0.1146, 0.1981, 0.4185, 0.2689]


def test_merec_weights_reproduce_keshavarz_ghorabaee_2021():
    """Keshavarz-Ghorabaee M., Amiri M., Zavadskas E.K., Turskis Z., Antucheviciene J. (2021).
    Determination of objective weights using a new method based on the removal effects of criteria
    (MEREC). Symmetry 13(4):525, the illustrative example (five alternatives, two costs)."""
    X5 = np.array([[450, 8000, 54, 145], [10, 9100, 2, 160], [100, 8200, 31, 153], [220, 9300, 1, 162],
                   [5, 8400, 23, 158]], dtype=float)
    higher = np.array([True, True, False, False])
    assert merec_weights(X5, higher).round(4).tolist() == [0.5752, 0.0141, 0.4016, 0.0091]


def test_critic_weights_reproduce_tus_aytac_adali_2019():
    """Tus A., Aytac Adali E. (2019). The new combination with CRITIC and WASPAS methods for the time
    and attendance software selection problem. Opsearch 56(2):528-538.

    The published weights are reproduced with every column min-max normalised as a benefit, the
    first (price) included; with the price inverted, as Diakoulaki et al. (1995) normalise a cost,
    its correlations change sign and the weights differ (0.184, 0.213, ...)."""
    X5 = np.array([[5000, 3, 3, 4, 3, 2], [680, 5, 3, 2, 2, 1], [2000, 3, 2, 3, 4, 3], [600, 4, 3, 1, 2, 2],
                   [800, 2, 4, 3, 3, 4]], dtype=float)
    assert critic_weights(X5, np.ones(6, dtype=bool)).round(3).tolist() == [0.157, 0.249, 0.168, 0.121, 0.154, 0.151]
    cost = np.array([False] + [True] * 5)
    assert critic_weights(X5, cost).round(3).tolist()[:2] == [0.184, 0.213]


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
