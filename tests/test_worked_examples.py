"""Published worked examples, reproduced with the library's kernels.

Every test below starts from the decision matrix, weights and criterion directions
printed in a source, runs the library's normalisation and aggregation, and compares
with the numbers the source prints (to the precision it prints). Nothing here is the
library's own output pasted back: if a kernel changes behaviour, these tests fail.

Voting examples are encoded as the brief of this suite prescribes: each voter group
is a metric whose value is the number of candidates that group ranks below the
candidate (3, 2, 1, 0 for four candidates), higher is better, and the group's share
of the electorate is the metric's weight.
"""

from __future__ import annotations

from itertools import permutations

import numpy as np
import pytest

from rankings import aggregate as agg
from rankings import normalize as norm


def _order(scores: np.ndarray) -> list[int]:
    """Indices from best to worst (scores must be free of ties)."""
    s = np.asarray(scores, dtype=float).ravel()
    assert len(set(np.round(s, 12))) == len(s), f"unexpected tie in {s}"
    return [int(i) for i in np.argsort(-s, kind="stable")]


# ---------------------------------------------------------------------------
# Hwang & Yoon (1981) fighter-aircraft problem (TOPSIS; also reused below)
# ---------------------------------------------------------------------------
# Hwang C.-L., Yoon K. (1981). Multiple Attribute Decision Making: Methods and
# Applications. A State-of-the-Art Survey. Lecture Notes in Economics and
# Mathematical Systems 186, Springer, Berlin. Fighter aircraft example, TOPSIS
# computation pp. 133-134 (numbers as transcribed from the book in the mcdajs
# "fighter aircraft" TOPSIS example, which prints every intermediate table).
# Attributes: X1 max speed (Mach), X2 ferry range (NM), X3 max payload (lb),
# X4 acquisition cost ($1e6, the only cost attribute), X5 reliability, X6
# maneuverability (qualitative ratings on a 1-10 scale).
FIGHTER = np.array(
    [
        [2.0, 1500, 20000, 5.5, 5, 9],  # A1
        [2.5, 2700, 18000, 6.5, 3, 5],  # A2
        [1.8, 2000, 21000, 4.5, 7, 7],  # A3
        [2.2, 1800, 20000, 5.0, 5, 5],  # A4
    ],
    dtype=float,
)
FIGHTER_HIGHER = np.array([True, True, True, False, True, True])
FIGHTER_W = np.array([[0.2, 0.1, 0.1, 0.1, 0.2, 0.3]])


def test_topsis_hwang_yoon_1981_fighter_aircraft():
    """TOPSIS, Hwang & Yoon (1981), pp. 133-134.

    Published: vector-normalised matrix and weighted matrix to 4 decimals, relative
    closeness C* = (0.643, 0.268, 0.613, 0.312), ranking A1 > A3 > A4 > A2.
    The book rounds every intermediate table to 4 decimals (and its cost column is
    about 0.1 % off, see below), so the closeness of A3 comes out 0.613 there while
    the unrounded value is 0.6135; we allow 1e-3 on C*.
    """
    Z = norm.vector(FIGHTER, FIGHTER_HIGHER)
    published_r = np.array(
        [
            [0.4671, 0.3662, 0.5056, 0.5063, 0.4811, 0.6708],
            [0.5839, 0.6591, 0.4550, 0.5983, 0.2887, 0.3727],
            [0.4204, 0.4882, 0.5308, 0.4143, 0.6736, 0.5217],
            [0.5139, 0.4392, 0.5056, 0.4603, 0.4811, 0.3727],
        ]
    )
    # the library negates the cost column (higher is better); magnitudes are Table r_ij.
    # Benefit columns agree to the printed 4 decimals. The book's cost column
    # (0.5063, 0.5983, 0.4143, 0.4603) divides by about sqrt(118) = 10.863 instead of
    # sqrt(5.5^2 + 6.5^2 + 4.5^2 + 5.0^2) = sqrt(117.75) = 10.851, a slip in the
    # source (about 0.1 %); that column is checked at 8e-4.
    # One benefit entry is also off in the print: r_42 = 1800 / sqrt(16.78e6) =
    # 0.43942, printed 0.4392 (the other three entries of that column, and the
    # weighted value 0.0439, match the exact norm); it is checked at 3e-4.
    benefit = [0, 1, 2, 4, 5]
    slip = np.zeros_like(published_r, dtype=bool)
    slip[3, 1] = True
    ok = ~slip
    ok[:, 3] = False
    assert np.abs(Z)[ok] == pytest.approx(published_r[ok], abs=6e-5)
    assert abs(Z[3, 1]) == pytest.approx(published_r[3, 1], abs=3e-4)
    assert np.abs(Z[:, 3]) == pytest.approx(published_r[:, 3], abs=8e-4)
    assert published_r[:, 3] == pytest.approx(FIGHTER[:, 3] / np.sqrt(118.0), abs=1e-4)
    assert (Z[:, 3] < 0).all() and (Z[:, [0, 1, 2, 4, 5]] > 0).all()
    published_v = np.array(
        [
            [0.0934, 0.0366, 0.0506, 0.0506, 0.0962, 0.2012],
            [0.1168, 0.0659, 0.0455, 0.0598, 0.0577, 0.1118],
            [0.0841, 0.0488, 0.0531, 0.0414, 0.1347, 0.1565],
            [0.1028, 0.0439, 0.0506, 0.0460, 0.0962, 0.1118],
        ]
    )
    V = np.abs(Z) * FIGHTER_W
    assert V[:, benefit] == pytest.approx(published_v[:, benefit], abs=1e-4)
    assert V[:, 3] == pytest.approx(published_v[:, 3], abs=1.5e-4)

    C = agg.topsis(Z, FIGHTER_W)
    assert C.shape == (1, 4)
    assert C[0] == pytest.approx([0.643, 0.268, 0.613, 0.312], abs=1e-3)
    assert _order(C[0]) == [0, 2, 3, 1]  # A1 > A3 > A4 > A2


# ---------------------------------------------------------------------------
# Triantaphyllou's WSM / WPM example
# ---------------------------------------------------------------------------
# Triantaphyllou E. (2000). Multi-Criteria Decision Making Methods: A Comparative
# Study. Kluwer (Applied Optimization 44), ch. 2 numerical examples; as printed in
# the Wikipedia articles "Weighted sum model" (section Example) and "Weighted
# product model" (section Example), which reproduce the book's example.
# Three alternatives, four benefit criteria expressed in the same unit.
TRI_X = np.array(
    [
        [25, 20, 15, 30],  # A1
        [10, 30, 20, 30],  # A2
        [30, 10, 30, 10],  # A3
    ],
    dtype=float,
)
TRI_W = np.array([[0.20, 0.15, 0.40, 0.25]])
TRI_HIGHER = np.ones(4, dtype=bool)


def test_arithmetic_wsm_triantaphyllou_example():
    """WSM scores printed: A1 = 21.50, A2 = 22.00, A3 = 22.00 (two decimals).

    The criteria share one unit, so no normalisation (``normalize.none``). The
    printed table makes A2 and A3 tie for best, ahead of A1.
    """
    Z = norm.none(TRI_X, TRI_HIGHER)
    S = agg.arithmetic(Z, TRI_W)
    assert S.shape == (1, 3)
    assert S[0] == pytest.approx([21.50, 22.00, 22.00], abs=5e-3)
    assert S[0, 1] == pytest.approx(S[0, 2], abs=1e-12)
    assert S[0, 0] < S[0, 1]


def test_geometric_wpm_triantaphyllou_example():
    """WPM ratios printed: P(A1/A2) = 1.007, P(A1/A3) = 1.067, P(A2/A3) = 1.059.

    ``P(AK/AL) = prod_j (a_Kj / a_Lj) ** w_j`` is exactly the ratio of the weighted
    geometric means, so it is checked on the library's scores (raw values; the
    product is invariant to rescaling a column). Published ranking A1 > A2 > A3.
    """
    S = agg.geometric(norm.none(TRI_X, TRI_HIGHER), TRI_W)[0]
    assert S[0] / S[1] == pytest.approx(1.007, abs=5e-4)
    assert S[0] / S[2] == pytest.approx(1.067, abs=5e-4)
    assert S[1] / S[2] == pytest.approx(1.059, abs=5e-4)
    assert _order(S) == [0, 1, 2]
    # rescaling a column (e.g. ratio-to-leader) must not change the ratios
    S2 = agg.geometric(norm.ratio_to_leader(TRI_X, TRI_HIGHER), TRI_W)[0]
    assert S2[0] / S2[1] == pytest.approx(S[0] / S[1], rel=1e-12)


# ---------------------------------------------------------------------------
# WASPAS: Chakraborty, Zavadskas & Antucheviciene (2015), Example 2
# ---------------------------------------------------------------------------
# Chakraborty S., Zavadskas E.K., Antucheviciene J. (2015). Applications of WASPAS
# method as a multi-criteria decision-making tool. Economic Computation and Economic
# Cybernetics Studies and Research 49(1):5-22, Example 2 (ten alternatives; criteria
# purchase cost PC, floor space FS, number of machines MN: lower is better;
# productivity P: higher is better), Q for lambda = 0, 0.1, ..., 1 at 4 decimals.
# Values as transcribed from the paper into the scikit-criteria test suite
# (tests/agg/test_waspas.py, test_WASPAS_chakraborty2015applications).
WASPAS_X = np.array(
    [
        [581818, 54.49, 3, 5500],
        [595454, 49.73, 3, 4500],
        [586060, 51.24, 3, 5000],
        [522727, 45.71, 3, 5800],
        [561818, 52.66, 3, 5200],
        [543030, 74.46, 4, 5600],
        [522727, 75.42, 4, 5800],
        [486970, 62.62, 4, 5600],
        [509394, 65.87, 4, 6400],
        [513333, 70.67, 4, 6000],
    ],
    dtype=float,
)
WASPAS_HIGHER = np.array([False, False, False, True])
WASPAS_W = np.array([[0.467, 0.160, 0.095, 0.278]])
WASPAS_Q = {
    0.0: [0.8578, 0.8144, 0.8408, 0.9413, 0.8632, 0.8241, 0.8454, 0.8915, 0.8987, 0.8697],
    0.1: [0.8580, 0.8149, 0.8410, 0.9414, 0.8633, 0.8249, 0.8464, 0.8922, 0.8995, 0.8706],
    0.2: [0.8581, 0.8154, 0.8412, 0.9415, 0.8634, 0.8256, 0.8474, 0.8929, 0.9003, 0.8714],
    0.3: [0.8582, 0.8159, 0.8414, 0.9415, 0.8636, 0.8263, 0.8484, 0.8936, 0.9011, 0.8723],
    0.4: [0.8583, 0.8164, 0.8417, 0.9416, 0.8637, 0.8271, 0.8493, 0.8942, 0.9019, 0.8732],
    0.5: [0.8584, 0.8169, 0.8419, 0.9417, 0.8638, 0.8278, 0.8503, 0.8949, 0.9027, 0.8740],
    0.6: [0.8585, 0.8174, 0.8421, 0.9417, 0.8640, 0.8286, 0.8513, 0.8956, 0.9035, 0.8749],
    0.7: [0.8586, 0.8179, 0.8423, 0.9418, 0.8641, 0.8293, 0.8523, 0.8963, 0.9043, 0.8758],
    0.8: [0.8588, 0.8184, 0.8425, 0.9419, 0.8643, 0.8300, 0.8532, 0.8969, 0.9051, 0.8766],
    0.9: [0.8589, 0.8189, 0.8427, 0.9419, 0.8644, 0.8308, 0.8542, 0.8976, 0.9059, 0.8775],
    1.0: [0.8590, 0.8194, 0.8430, 0.9420, 0.8645, 0.8315, 0.8552, 0.8983, 0.9067, 0.8784],
}
# published rank of each alternative (1 = best), identical for every lambda
WASPAS_RANK = [6, 10, 8, 1, 5, 9, 7, 3, 2, 4]


@pytest.mark.parametrize("lam", sorted(WASPAS_Q))
def test_waspas_chakraborty_zavadskas_antucheviciene_2015_example2(lam):
    """Linear normalisation (x/max; min/x for cost) = ``normalize.ratio_to_leader``.

    Q is printed at 4 decimals; a few entries (e.g. A5 at lambda 0.5: 0.86385 exact)
    sit on the rounding boundary, so the tolerance is 1.5e-4 rather than 5e-5.
    """
    Z = norm.ratio_to_leader(WASPAS_X, WASPAS_HIGHER)
    Q = agg.waspas(Z, WASPAS_W, lam=lam)
    assert Q.shape == (1, 10)
    assert Q[0] == pytest.approx(WASPAS_Q[lam], abs=1.5e-4)
    ranks = np.empty(10, dtype=int)
    ranks[_order(Q[0])] = np.arange(1, 11)
    assert ranks.tolist() == WASPAS_RANK


# ---------------------------------------------------------------------------
# The "Tennessee capital" voting example (Borda, Copeland, Kemeny, PROMETHEE II)
# ---------------------------------------------------------------------------
# Wikipedia, "Borda count" (section Example), "Copeland's method" (Tennessee
# example, wins/losses table), "Kemeny-Young method" (section Example) and
# "Condorcet method" (pairwise table). Voter groups: 42% Memphis > Nashville >
# Chattanooga > Knoxville; 26% Nashville > Chattanooga > Knoxville > Memphis;
# 15% Chattanooga > Knoxville > Nashville > Memphis; 17% Knoxville > Chattanooga >
# Nashville > Memphis.
CITIES = ["Memphis", "Nashville", "Chattanooga", "Knoxville"]
M, N, C, K = range(4)
GROUPS = [
    (0.42, [M, N, C, K]),
    (0.26, [N, C, K, M]),
    (0.15, [C, K, N, M]),
    (0.17, [K, C, N, M]),
]


def _tennessee():
    Z = np.zeros((4, len(GROUPS)))
    for j, (_, order) in enumerate(GROUPS):
        for pos, city in enumerate(order):
            Z[city, j] = 3 - pos  # number of candidates ranked below
    W = np.array([[share for share, _ in GROUPS]])
    X = norm.rank(Z, np.ones(len(GROUPS), dtype=bool))  # rank points 0..3
    return Z, X, W


# Published pairwise majorities (percent preferring row over column), Condorcet table
TENNESSEE_PAIRWISE = {
    (N, M): 58, (C, M): 58, (K, M): 58,
    (N, C): 68, (N, K): 68, (C, K): 83,
}


def _pairwise_pct(a: int, b: int) -> int:
    return TENNESSEE_PAIRWISE[(a, b)] if (a, b) in TENNESSEE_PAIRWISE else 100 - TENNESSEE_PAIRWISE[(b, a)]


def test_borda_tennessee():
    """Published Borda totals (3/2/1/0 points, per 100 voters): Memphis 126,
    Nashville 194, Chattanooga 173, Knoxville 107; winner Nashville."""
    Z, X, W = _tennessee()
    B = agg.borda(X, W)[0] * 100
    assert B == pytest.approx([126, 194, 173, 107], abs=1e-9)
    assert _order(B) == [N, C, M, K]


def test_copeland_tennessee():
    """Published wins - losses: Memphis -3, Nashville +3, Chattanooga +1, Knoxville -1."""
    Z, X, W = _tennessee()
    assert agg.copeland(X, W)[0].tolist() == [-3, 3, 1, -1]


def test_kemeny_tennessee():
    """Published Kemeny-Young ranking Nashville > Chattanooga > Knoxville > Memphis,
    agreement score 393 (distance 207), the highest of all 24 rankings."""
    Z, X, W = _tennessee()
    score = agg.kemeny(X, W)[0]
    order = _order(score)
    assert [CITIES[i] for i in order] == ["Nashville", "Chattanooga", "Knoxville", "Memphis"]

    def agreement(o):
        return sum(_pairwise_pct(o[i], o[k]) for i in range(4) for k in range(i + 1, 4))

    assert agreement(order) == 393
    assert max(agreement(p) for p in permutations(range(4))) == 393


def test_promethee_ii_usual_criterion_tennessee_derived():
    """DERIVED, not published: PROMETHEE II, usual criterion, on the voting example.

    Each voter group is a criterion weighted by its share. No published
    usual-criterion PROMETHEE II table for this profile was located; the expected
    flows are worked out by hand from the *published* pairwise majorities above:
    pi(a, b) = share preferring a to b, phi(a) = sum_b (pi(a,b) - pi(b,a)) / 3.
    Memphis -0.48/3, Nashville 0.88/3, Chattanooga 0.46/3, Knoxville -0.86/3.
    The published usual-criterion check is the pymcdm test below.
    """
    Z, X, W = _tennessee()
    phi = agg.promethee_ii(X, W)[0]
    expected = [
        sum(_pairwise_pct(a, b) - _pairwise_pct(b, a) for b in range(4) if b != a) / 100 / 3
        for a in range(4)
    ]
    assert expected == pytest.approx([-0.48 / 3, 0.88 / 3, 0.46 / 3, -0.86 / 3])
    assert phi == pytest.approx(expected, abs=1e-12)
    assert _order(phi) == [N, C, M, K]


# ---------------------------------------------------------------------------
# PROMETHEE I/II with the usual criterion: pymcdm documented example
# ---------------------------------------------------------------------------
# Source: the "Examples" sections of the docstrings of pymcdm.methods.PROMETHEE_II
# (pymcdm/methods/promethee_ii.py) and of PROMETHEE_I (pymcdm/methods/promethee_i.py,
# later pymcdm/methods/partial/promethee_i.py), pymcdm by A. Shekhovtsov et al.,
# repository kotbaton/pymcdm; these docstrings make up the package's API reference
# (pymcdm.readthedocs.io). The package is described in Kizielewicz B., Shekhovtsov A.,
# Salabun W. (2023), pymcdm - The universal library for solving multi-criteria
# decision-making problems, SoftwareX 22:101368. Read in the repository source, not in
# the rendered documentation. This is a library's documented output (a doctest), not
# a hand-worked textbook example: no textbook example using the usual criterion on
# every criterion, with printed flows, was located (Brans & Mareschal 2005 and
# Papathanasiou & Ploskas 2018 use other preference functions).
# Three alternatives, three benefit criteria, PROMETHEE_II('usual') on all of them.
PYMCDM_X = np.array(
    [
        [4, 3, 2],  # A1
        [3, 2, 4],  # A2
        [5, 1, 3],  # A3
    ],
    dtype=float,
)
PYMCDM_W = np.array([[0.5, 0.3, 0.2]])


def test_promethee_ii_usual_criterion_pymcdm_documented_example():
    """Printed (2 decimals): phi+ = (0.55, 0.35, 0.6), phi- = (0.45, 0.65, 0.4)
    (PROMETHEE_I docstring) and net flow phi = (0.1, -0.3, 0.2) (PROMETHEE_II
    docstring); ranking A3 > A1 > A2. The library returns phi only, so phi+ and
    phi- are checked through phi = phi+ - phi-."""
    higher = np.ones(3, dtype=bool)
    for Z in (norm.none(PYMCDM_X, higher), norm.min_max(PYMCDM_X, higher)):
        phi = agg.promethee_ii(Z, PYMCDM_W)
        assert phi.shape == (1, 3)
        assert phi[0] == pytest.approx([0.1, -0.3, 0.2], abs=5e-3)
        phi_plus = np.array([0.55, 0.35, 0.6])
        phi_minus = np.array([0.45, 0.65, 0.4])
        assert phi[0] == pytest.approx(phi_plus - phi_minus, abs=1e-2)
        assert _order(phi[0]) == [2, 0, 1]  # A3 > A1 > A2
    # a cost criterion reverses that criterion's comparisons: turning criterion 1
    # into a cost criterion and negating its column must give the same flows
    cost = np.array([False, True, True])
    X_neg = PYMCDM_X.copy()
    X_neg[:, 0] *= -1
    phi_cost = agg.promethee_ii(norm.none(X_neg, cost), PYMCDM_W)[0]
    assert phi_cost == pytest.approx([0.1, -0.3, 0.2], abs=5e-3)


# ---------------------------------------------------------------------------
# Fighter aircraft: permutation (Kemeny-type) and lexicographic readings
# ---------------------------------------------------------------------------
# Hwang & Yoon (1981), ch. III, permutation method (Paelinck) and linear assignment
# method on the fighter problem, as presented in the Czech University of Life
# Sciences OR/MS course pages "Example: Fighter Aircraft Problem - Permutation
# Method" (orms.pef.czu.cz/21ExFAPPM.html) and "- Linear Assignment Method"
# (22ExFAPLAM.html): with w = (0.2, 0.1, 0.1, 0.1, 0.2, 0.3) the best order is
# (A3, A4, A1, A2). The permutation method maximises (concordance above the
# diagonal) - (concordance below), which with ties counted on both sides is the
# same optimum as Kemeny with ties split half-half.


def test_kemeny_fighter_aircraft_permutation_method():
    Z = norm.none(FIGHTER, FIGHTER_HIGHER)
    order = _order(agg.kemeny(Z, FIGHTER_W)[0])
    assert order == [2, 3, 0, 1]  # A3 > A4 > A1 > A2


def test_lexicographic_fighter_aircraft_attributewise_rankings_derived():
    """DERIVED, not published: lexicographic order on the fighter problem.

    No published lexicographic *ranking* (Hwang & Yoon 1981, Yoon & Hwang 1995 or
    lecture notes) was located; the expectation is
    derived from the published attribute-wise rankings (linear assignment page):
    f6 (weight 0.3, most important): A1 > A3 > A2 = A4; next f1 (weight 0.2, first
    of the two 0.2 attributes by position): A2 > A4 > A1 > A3. Hence
    A1 > A3 > A2 > A4.
    """
    Z = norm.none(FIGHTER, FIGHTER_HIGHER)
    score = agg.lexicographic(Z, FIGHTER_W)[0]
    assert _order(score) == [0, 2, 1, 3]
    # the two 0.2-weight attributes in the other order (f5 before f1): f5 ranks
    # A2 = 3 and A4 = 5, so A4 moves ahead of A2
    W = np.array([[0.2, 0.1, 0.1, 0.1, 0.2 + 1e-3, 0.3 - 1e-3]])
    assert _order(agg.lexicographic(Z, W)[0]) == [0, 2, 3, 1]


# ---------------------------------------------------------------------------
# Normalisations
# ---------------------------------------------------------------------------


def test_vector_normalisation_hwang_yoon_table():
    """Vector normalisation r_ij = x_ij / sqrt(sum_i x_ij^2): Hwang & Yoon (1981),
    fighter example, normalised matrix at 4 decimals (checked again in the TOPSIS
    test); lower-is-better columns come back negated. The printed cost column uses
    a column norm of sqrt(118) instead of sqrt(117.75) (a slip in the source), hence
    the looser 8e-4 there."""
    Z = norm.vector(FIGHTER, FIGHTER_HIGHER)
    assert Z[:, 0] == pytest.approx([0.4671, 0.5839, 0.4204, 0.5139], abs=6e-5)
    assert Z[:, 5] == pytest.approx([0.6708, 0.3727, 0.5217, 0.3727], abs=6e-5)
    assert Z[:, 3] == pytest.approx([-0.5063, -0.5983, -0.4143, -0.4603], abs=8e-4)


def test_goalposts_undp_hdr_2013_life_expectancy():
    """UNDP Human Development Report 2013, Technical note 1: life-expectancy index
    with goalposts 20 and 83.57 years; "the longevity component for a country where
    life expectancy at birth is 55 years would be 0.551" (3 decimals)."""
    X = np.array([[55.0], [20.0], [83.57], [90.0], [15.0]])
    higher = np.array([True])
    Z = norm.goalposts(X, higher, bounds=[(20.0, 83.57)])
    assert Z[0, 0] == pytest.approx(0.551, abs=5e-4)
    assert Z[1:3, 0] == pytest.approx([0.0, 1.0])
    # outside the goalposts: extrapolate by default, truncate with clip
    assert Z[3, 0] > 1 and Z[4, 0] < 0
    Zc = norm.goalposts(X, higher, bounds=[(20.0, 83.57)], clip=True)
    assert Zc[:, 0] == pytest.approx([Z[0, 0], 0.0, 1.0, 1.0, 0.0])


# ---------------------------------------------------------------------------
# Min-max and z-score: scikit-learn documented examples
# ---------------------------------------------------------------------------
# Source: the "Examples" sections of the docstrings of
# sklearn.preprocessing.MinMaxScaler and sklearn.preprocessing.StandardScaler,
# scikit-learn (Pedregosa F. et al. 2011, Scikit-learn: Machine Learning in Python,
# Journal of Machine Learning Research 12:2825-2830); these docstrings are the
# "Examples" of the scikit-learn API reference pages for the two classes. Read in
# the repository source, scikit-learn/scikit-learn, sklearn/preprocessing/_data.py
# (commit 0023f635369cc90ac9cb7fc1a505ecd78f5f9ae4). Library documentation with
# printed outputs, not a textbook table: the OECD/JRC Handbook (2008) normalisation
# table could not be read in the time (no copy of its table was reachable).


def test_min_max_sklearn_minmaxscaler_documented_example():
    """data = [[-1, 2], [-0.5, 6], [0, 10], [1, 18]]; printed transform
    [[0, 0], [0.25, 0.25], [0.5, 0.5], [1, 1]] and data_max_ = [1, 18]
    (printed to 2 decimals)."""
    X = np.array([[-1, 2], [-0.5, 6], [0, 10], [1, 18]], dtype=float)
    higher = np.ones(2, dtype=bool)
    printed = np.array([[0.0, 0.0], [0.25, 0.25], [0.5, 0.5], [1.0, 1.0]])
    Z = norm.min_max(X, higher)
    assert Z == pytest.approx(printed, abs=5e-3)
    assert X.max(axis=0).tolist() == [1.0, 18.0]
    # DERIVED from the same formula (not printed in the source): a rescaled range
    # is an affine image of the printed values, and a lower-is-better metric is the
    # mirror image (max - x) / (max - min) = 1 - printed.
    assert norm.min_max(X, higher, lower=1.0, upper=100.0) == pytest.approx(1 + 99 * printed, abs=5e-3)
    assert norm.min_max(X, np.zeros(2, dtype=bool)) == pytest.approx(1 - printed, abs=5e-3)


def test_z_score_sklearn_standardscaler_documented_example():
    """data = [[0, 0], [0, 0], [1, 1], [1, 1]]; printed mean_ = [0.5, 0.5] and
    transform [[-1, -1], [-1, -1], [1, 1], [1, 1]]. scikit-learn divides by the
    population standard deviation (its docstring: ``numpy.std(x, ddof=0)``), so the
    published numbers are reproduced with ``ddof=0``."""
    X = np.array([[0, 0], [0, 0], [1, 1], [1, 1]], dtype=float)
    higher = np.ones(2, dtype=bool)
    printed = np.array([[-1.0, -1.0], [-1.0, -1.0], [1.0, 1.0], [1.0, 1.0]])
    assert X.mean(axis=0).tolist() == [0.5, 0.5]
    assert norm.z_score(X, higher, ddof=0) == pytest.approx(printed, abs=5e-3)
    # DERIVED (not printed in the source): the library's default is the sample
    # standard deviation (ddof = 1), sqrt(1/3) here instead of 1/2, which scales the
    # printed values by (1/2) / sqrt(1/3) = sqrt(3)/2; a lower-is-better metric flips
    # the sign.
    assert norm.z_score(X, higher) == pytest.approx(printed * np.sqrt(3) / 2, abs=1e-12)
    assert norm.z_score(X, np.zeros(2, dtype=bool), ddof=0) == pytest.approx(-printed, abs=5e-3)
