"""The one helper through which all randomness flows."""

from __future__ import annotations

import numpy as np

from rankings.errors import AnalysisError


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A numpy Generator from an int seed, an existing Generator, or None (fresh entropy)."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or isinstance(seed, (int, np.integer)):
        if seed is not None and int(seed) < 0:
            raise AnalysisError(f"seed must be a non-negative integer (got {seed})")
        return np.random.default_rng(seed)
    raise AnalysisError(f"seed must be an integer, a numpy Generator or None (got {type(seed).__name__})")


def block_rng(seed: int, block: int) -> np.random.Generator:
    """Generator for one fixed-size generation block, independent of chunking.

    ``SeedSequence(seed, spawn_key=(block,))`` equals ``SeedSequence(seed).spawn(n)[block]``,
    so a run split into compute chunks of any size draws the same numbers.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,)))
