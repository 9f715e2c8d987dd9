"""Sensitivity of a focus contributor's rank: exact geometry and seeded sampling.

Modules follow the workflow: :mod:`~rankings.sensitivity.linear` (the linear form of a
methodology), :mod:`~rankings.sensitivity.exact` (sweeps, bounds, tipping points,
winners and exact volumes), :mod:`~rankings.sensitivity.sample` (weights, method
choices and data noise), :mod:`~rankings.sensitivity.evaluate` (chunked evaluation)
and :mod:`~rankings.sensitivity.analyze` (acceptability, SMAA-2, Sobol indices).
"""
