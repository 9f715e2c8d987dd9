"""Sensitivity of a focus contributor's rank: exact geometry and seeded sampling.

Modules follow the workflow:

- :mod:`~rankings.sensitivity.linear`: the linear form of a methodology (scores as ``L @ w``);
- :mod:`~rankings.sensitivity.exact`: sweeps, bounds, tipping points, winners and exact volumes,
  one module each;
- :mod:`~rankings.sensitivity.sample`: seeded weights, method choices and data noise;
- :mod:`~rankings.sensitivity.problem`: the sampling problem (table, focus, method variants);
- :mod:`~rankings.sensitivity.memory`: the memory estimate that refuses a run up front;
- :mod:`~rankings.sensitivity.engine`: chunked, threaded evaluation into running counters;
- :mod:`~rankings.sensitivity.kernels`: compiled (numba) ranking kernels with a numpy fallback;
- :mod:`~rankings.sensitivity.backends`: which backend runs and on how many threads (environment settings);
- :mod:`~rankings.sensitivity.analyze`: acceptability, bands, SMAA-2, Sobol' indices.
"""
