"""SMAA-2 reference example reproduced by the sampled engine (issue 4, item 6).

Source and provenance
---------------------
No table of a published SMAA-2 paper could be read in full in the time available (the
stored copies of Lahdelma & Salminen 2001, Operations Research 49(3):444-454,
Tervonen & Lahdelma 2007, EJOR 178:500-513, and Tervonen & Figueira 2008, J. Multi-Crit.
Decis. Anal. 15:1-14, show only their opening pages). The R package ``smaa``
(van Valkenhoef) prints reference numbers, but its measurements are stored as
pre-drawn samples, not as distributions. So this test is the fallback the issue allows:
**an example from a repository test suite that states its expected values**, labelled
as such.

* Repository: JSMAA, the reference Java implementation of SMAA-2 by T. Tervonen and
  G. van Valkenhoef (GitHub ``tommite/jsmaa``).
* File: ``lib/src/test/java/fi/smaa/jsmaa/simulator/SMAA2SimulationTest.java``, test
  ``testCorrectResultsWithBRModel`` (stored version at commit
  ``1daabb53d2617794a10ab1dc2bacce0a21b7ffe9``).
* The model has four antidepressants (Paroxetine, Fluoxetine, Sertraline, Venlafaxine)
  and six criteria. Efficacy is higher-is-better and ``LogNormalMeasurement(mu, sigma)``,
  i.e. ``exp(N(mu, sigma))``, with Fluoxetine fixed at ``exp(0) = 1``. Diarrhea,
  Dizziness, Headache, Insomnia and Nausea are lower-is-better and
  ``GaussianMeasurement(mean, sd)``. Weights are uniform on the simplex (missing
  preference information). The drugs and criteria look like the Hansen et al. (2005)
  antidepressant data that the R package ``smaa`` also uses in its ``itest/hansen``
  files, but that attribution was not checked against the paper.
* Expected numbers, read directly from that test's ``assertEquals`` calls: all 16 rank
  acceptabilities ``b_i^r`` (printed to 2 decimals, JSMAA tolerance 0.02), all 24
  central-weight components ``w_i^c`` (2 decimals, tolerance 0.02) and all 4
  confidence factors ``p_i^c`` (2 decimals, tolerance 0.03). They come from one JSMAA
  run of 10 000 iterations.

How the JSMAA model maps onto this library
-------------------------------------------
JSMAA gives each ``ScaleCriterion`` a linear partial value function from 0 to 1 over its
scale. The scale is the union over alternatives of each measurement's 95 % range:
``mean +/- 1.96 sd``, and ``exp(mu +/- 1.96 sigma)`` for log-normals
(``LogNormalMeasurement.getRange``). The same test asserts those scales, for example
Efficacy 0.98..1.23 and Diarrhea 1.0..20.6. ``UtilityFunction.utility`` interpolates
linearly and extrapolates beyond the scale, with no clipping. That is exactly this
library's ``goalposts`` normalisation with fixed ``bounds`` and ``clip`` off, followed
by the ``arithmetic`` aggregate. The measurement distributions go through the real
uncertainty-file path: a CSV written to ``tmp_path``, read by
:func:`~rankings.sensitivity.sample.read_uncertainty`, wrapped in
:class:`~rankings.sensitivity.sample.DataNoise` and passed to
:func:`~rankings.sensitivity.analyze.sensitivity` with the ``dirichlet`` (uniform
simplex) weight sampler.

Tolerance
---------
Each comparison allows ``4.5 * sqrt(se_ours**2 + se_jsmaa**2) + 0.005``. The 0.005 is
the half-unit of the printed 2-decimal values, and ``se_jsmaa`` uses JSMAA's 10 000
iterations. The standard errors are:

* rank acceptability: binomial, ``sqrt(b (1 - b) / n)``;
* central weight: ``0.15 / sqrt(n * b_i^1)``, since a central weight is a mean over the
  ``n * b_i^1`` runs where ``i`` ranks first. 0.15 bounds the standard deviation of a
  weight component: it is 0.141 for a uniform 6-criterion simplex. Repeated seeds at
  n = 10 000 gave central-weight spreads of at most 0.0032, inside this model;
* confidence factor: twice the binomial ``sqrt(p (1 - p) / n)``. The factor 2 allows
  for the error of the estimated central weight that the factor is evaluated at;
  repeated seeds showed about 1.6 times the binomial spread.

Each value must also fall within the JSMAA test's own tolerances: 0.02 for rank
acceptabilities and central weights, and 0.03 for confidence factors. The seed is fixed,
so this stricter check is deterministic. With 30 000 runs and 20 000 confidence draws
the test takes about 8 s.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from rankings.methodology import Methodology
from rankings.sensitivity.analyze import sensitivity
from rankings.sensitivity.sample import DataNoise, read_uncertainty
from rankings.table import ContributorTable, MetricSpec

SAMPLES = 30_000
CONFIDENCE_RUNS = 20_000
JSMAA_ITERATIONS = 10_000
Z = 4.5
ROUNDING = 0.005
WEIGHT_SD_BOUND = 0.15
JSMAA_TOL = {"acceptability": 0.02, "central_weight": 0.02, "confidence": 0.03}

DRUGS = ("Paroxetine", "Fluoxetine", "Sertraline", "Venlafaxine")

# criterion -> (direction, distribution, {drug: (parameter 1, parameter 2)})
# lognormal: (mu, sigma) of the log; normal: (mean, sd). From the JSMAA test's model.
CRITERIA: dict[str, tuple[str, str, dict[str, tuple[float, float]]]] = {
    "Efficacy": ("max", "lognormal", {"Fluoxetine": (0.0, 0.0), "Paroxetine": (0.086, 0.056),
                                      "Sertraline": (0.095, 0.044), "Venlafaxine": (0.113, 0.048)}),
    "Diarrhea": ("min", "normal", {"Fluoxetine": (11.7, 2.5), "Paroxetine": (9.2, 1.86),
                                   "Sertraline": (15.4, 2.65), "Venlafaxine": (5.5, 2.32)}),
    "Dizziness": ("min", "normal", {"Fluoxetine": (7.2, 1.45), "Paroxetine": (10.6, 1.58),
                                    "Sertraline": (7.5, 1.48), "Venlafaxine": (15.7, 4.44)}),
    "Headache": ("min", "normal", {"Fluoxetine": (16.6, 3.27), "Paroxetine": (21.2, 5.15),
                                   "Sertraline": (20.2, 3.78), "Venlafaxine": (12.8, 2.45)}),
    "Insomnia": ("min", "normal", {"Fluoxetine": (13.7, 1.89), "Paroxetine": (14.3, 2.93),
                                   "Sertraline": (15.0, 3.21), "Venlafaxine": (11.2, 3.98)}),
    "Nausea": ("min", "normal", {"Fluoxetine": (18.6, 1.79), "Paroxetine": (18.3, 3.7),
                                 "Sertraline": (19.5, 2.6), "Venlafaxine": (31.0, 1.68)}),
}
METRICS = tuple(CRITERIA)

# Expected values as asserted in JSMAA's testCorrectResultsWithBRModel.
EXPECTED_RANK_ACCEPTABILITY = {  # b_i^r for r = 1..4
    "Fluoxetine": (0.20, 0.28, 0.30, 0.22),
    "Paroxetine": (0.25, 0.29, 0.27, 0.19),
    "Sertraline": (0.17, 0.25, 0.29, 0.30),
    "Venlafaxine": (0.39, 0.18, 0.15, 0.29),
}
EXPECTED_CENTRAL_WEIGHTS = {  # order of METRICS
    "Fluoxetine": (0.08, 0.14, 0.23, 0.18, 0.16, 0.22),
    "Paroxetine": (0.18, 0.17, 0.15, 0.13, 0.15, 0.22),
    "Sertraline": (0.21, 0.10, 0.22, 0.13, 0.15, 0.20),
    "Venlafaxine": (0.18, 0.21, 0.12, 0.21, 0.19, 0.09),
}
EXPECTED_CONFIDENCE = {"Fluoxetine": 0.48, "Paroxetine": 0.44, "Sertraline": 0.34, "Venlafaxine": 0.74}
# Scales asserted by the same JSMAA test: (start, end, tolerance).
EXPECTED_SCALES = {
    "Efficacy": (0.98, 1.23, 0.01),
    "Diarrhea": (1.0, 20.6, 1.0),
    "Dizziness": (4.4, 24.4, 1.0),
    "Headache": (8.0, 31.3, 1.0),
    "Insomnia": (3.4, 21.3, 1.0),
    "Nausea": (11.1, 34.0, 1.0),
}


def _range95(distribution: str, a: float, b: float) -> tuple[float, float]:
    lo, hi = a - 1.96 * b, a + 1.96 * b
    return (math.exp(lo), math.exp(hi)) if distribution == "lognormal" else (lo, hi)


def jsmaa_scales() -> dict[str, tuple[float, float]]:
    """Each criterion's scale: the union of the alternatives' 95 % ranges (JSMAA)."""
    out = {}
    for name, (_, dist, params) in CRITERIA.items():
        ranges = [_range95(dist, *params[d]) for d in DRUGS]
        out[name] = (min(r[0] for r in ranges), max(r[1] for r in ranges))
    return out


def _nominal(dist: str, a: float) -> float:
    return math.exp(a) if dist == "lognormal" else a


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    table = ContributorTable(
        contributors=DRUGS,
        metrics=[MetricSpec(name, direction=direction) for name, (direction, _, _) in CRITERIA.items()],
        values=np.array([[_nominal(dist, params[d][0]) for _, dist, params in CRITERIA.values()]
                         for d in DRUGS]),
        label="JSMAA SMAA2SimulationTest BR model",
    )
    method = Methodology(
        name="jsmaa-br-model",
        description="JSMAA linear partial values over the 95% scales, weighted sum",
        weights={m: 1.0 for m in METRICS},
        normalize="goalposts",
        aggregate="arithmetic",
        bounds=jsmaa_scales(),
        source="test",
    )
    path = tmp_path_factory.mktemp("smaa") / "uncertainty.csv"
    rows = ["contributor,metric,distribution,mean,sd,low,high"]
    for name, (_, dist, params) in CRITERIA.items():
        for d in DRUGS:
            a, b = params[d]
            rows.append(f"{d},{name},{dist},{a!r},{b!r},,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cells = read_uncertainty(path, table.contributors, table.metric_names)
    assert len(cells) == len(DRUGS) * len(METRICS)
    return sensitivity(method, table, focus="Venlafaxine", samples=SAMPLES, seed=0, sampler="dirichlet",
                       noise=DataNoise(cells, source=str(path)), confidence_runs=CONFIDENCE_RUNS,
                       pairwise_top=0)


def _tolerance(se_ours: float, se_jsmaa: float) -> float:
    return Z * math.hypot(se_ours, se_jsmaa) + ROUNDING


def test_scales_match_the_jsmaa_assertions():
    for name, (lo, hi) in jsmaa_scales().items():
        start, end, tol = EXPECTED_SCALES[name]
        assert abs(lo - start) <= tol and abs(hi - end) <= tol, (name, lo, hi)


def test_rank_acceptabilities(result):
    assert result.samples == SAMPLES
    assert result.metrics == METRICS
    worst = 0.0
    for drug, expected in EXPECTED_RANK_ACCEPTABILITY.items():
        i = result.contributors.index(drug)
        for r, b_ref in enumerate(expected):
            b = float(result.acceptability[i, r])
            tol = _tolerance(float(result.acceptability_se[i, r]),
                             math.sqrt(b_ref * (1 - b_ref) / JSMAA_ITERATIONS))
            assert abs(b - b_ref) <= tol, f"b_{drug}^{r + 1} = {b:.4f}, JSMAA {b_ref} (tolerance {tol:.4f})"
            worst = max(worst, abs(b - b_ref))
    # Each row of acceptabilities is a distribution over ranks.
    np.testing.assert_allclose(result.acceptability.sum(axis=1), 1.0, atol=1e-12)
    assert worst <= JSMAA_TOL["acceptability"]


def test_central_weight_vectors(result):
    for drug, expected in EXPECTED_CENTRAL_WEIGHTS.items():
        i = result.contributors.index(drug)
        w = result.central_weights[drug]
        assert w.shape == (len(METRICS),)
        assert abs(float(w.sum()) - 1.0) < 1e-9
        b1 = float(result.acceptability[i, 0])
        se_ours = WEIGHT_SD_BOUND / math.sqrt(SAMPLES * b1)
        se_jsmaa = WEIGHT_SD_BOUND / math.sqrt(JSMAA_ITERATIONS * EXPECTED_RANK_ACCEPTABILITY[drug][0])
        tol = min(_tolerance(se_ours, se_jsmaa), JSMAA_TOL["central_weight"])
        for j, w_ref in enumerate(expected):
            assert abs(float(w[j]) - w_ref) <= tol, (
                f"w_{drug}^c[{METRICS[j]}] = {float(w[j]):.4f}, JSMAA {w_ref} (tolerance {tol:.4f})")


def test_confidence_factors(result):
    assert "data noise" in result.confidence_note
    for drug, p_ref in EXPECTED_CONFIDENCE.items():
        p = result.confidence[drug]
        se_ours = 2 * math.sqrt(p * (1 - p) / CONFIDENCE_RUNS)
        se_jsmaa = 2 * math.sqrt(p_ref * (1 - p_ref) / JSMAA_ITERATIONS)
        tol = min(_tolerance(se_ours, se_jsmaa), JSMAA_TOL["confidence"])
        assert abs(p - p_ref) <= tol, f"p_{drug}^c = {p:.4f}, JSMAA {p_ref} (tolerance {tol:.4f})"
