"""Seeded samplers for the sampled half of the sensitivity analysis.

Modules: :mod:`.weights`, :mod:`.factors`, :mod:`.noise` and :mod:`.runs` (which draws
the three together).

Three kinds of uncertain input make up one *run*:

* a weight vector on the simplex (:class:`WeightSampler`): uniform (Dirichlet(1)),
  concentrated around the methodology's weights (Dirichlet(kappa * w0)), or scrambled
  Sobol' quasi-Monte Carlo points mapped onto the simplex by sorted spacings; optional
  per-metric limits ``lo <= w_j <= hi`` (rejection, or hit-and-run when rejection
  would waste too many draws);
* categorical method choices (:class:`CategoricalFactor`): normalisation, aggregation,
  counting rule, year, snapshot, dropping one metric;
* data noise (:class:`DataNoise`): a distribution per cell from an uncertainty file,
  and/or Poisson noise on every count metric;
* record resampling (:class:`RecordResampling`, :mod:`.records`): each run's table rebuilt
  from a bootstrap resample of the model or paper records behind it.

Reproducibility: everything is drawn in fixed-size *generation blocks* of
:data:`GEN_BLOCK` runs, block ``b`` from :func:`rankings.sampling.block_rng` ``(seed, b)``.
A run's inputs therefore depend only on the seed and the run's index, never on the
compute chunk size. The data noise of a run is drawn from its own generator, keyed by
an integer drawn in the run's generation block.
"""

from __future__ import annotations

from rankings.sensitivity.sample.factors import (
    FACTOR_NAMES,
    LENS_FACTORS,
    PREPARATION_FACTORS,
    CategoricalFactor,
    parse_vary,
)
from rankings.sensitivity.sample.noise import (
    DISTRIBUTIONS,
    UNCERTAINTY_COLUMNS,
    CellNoise,
    DataNoise,
    NoisePlan,
    read_uncertainty,
)
from rankings.sensitivity.sample.records import (
    RESAMPLE_BLOCK,
    RecordResampling,
    ResamplePlan,
    bootstrap_counts,
    default_incidence,
    record_resampling,
    resample_batches,
)
from rankings.sensitivity.sample.runs import RunBatch, RunSampler, confidence_rng
from rankings.sensitivity.sample.weights import GEN_BLOCK, SAMPLERS, WeightSampler, parse_limits, spacings

__all__ = [
    "DISTRIBUTIONS", "FACTOR_NAMES", "RESAMPLE_BLOCK", "RecordResampling", "ResamplePlan", "bootstrap_counts",
    "default_incidence", "record_resampling", "resample_batches", "GEN_BLOCK", "LENS_FACTORS", "PREPARATION_FACTORS",
    "SAMPLERS", "UNCERTAINTY_COLUMNS",
    "CategoricalFactor", "CellNoise", "DataNoise", "NoisePlan", "RunBatch", "RunSampler", "WeightSampler",
    "confidence_rng", "parse_limits", "parse_vary", "read_uncertainty", "spacings",
]
