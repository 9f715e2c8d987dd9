"""The default dataset: real AI contributors built from committed fixtures under a lens.

Modules: :mod:`.lenses` (the :class:`Lens` and its options), :mod:`.registry` (organisation
units and grouping), :mod:`.records` (model, benchmark and paper records; users' model
files), :mod:`.provenance` (metric specs, sources, licences), :mod:`.metrics` (building the
table: :func:`load_default`), :mod:`.audit` (the records behind a count, snapshot
differences, published figures, coverage) and :mod:`.validate` (checking users' files);
:mod:`.snapshots` (the snapshots a lens can read: packaged, and those in the user's cache),
:mod:`.refresh` (Epoch's current files downloaded, checked and built into a cached
snapshot) and :mod:`.epoch` (the build steps shared with ``fixtures/build.py``).


The fixtures (``models.csv``, ``organisations.csv``, ``benchmarks.csv``,
``papers.csv``, ``eci_models.csv``, ``published_figures.csv``; see ``fixtures/PROVENANCE.md``) are produced once by
``fixtures/build.py`` from public snapshots of Epoch AI, LMArena and papercopilot data.
This module only reads them, with the standard ``csv`` module, and turns them into a
:class:`~rankings.table.ContributorTable` under a :class:`Lens`: a year window, a
counting rule, an Epoch snapshot, a grouping of organisational units and a choice
between contributors and countries as rows.

Missing is never silently zero: a contributor with no benchmark entry gets NaN, and
venue metrics are NaN for years the venue sample does not cover. Counts of models or
papers are 0 when a registry organisation simply has none in the window.
"""

from __future__ import annotations

from rankings.data.audit import coverage, model_records, published_comparison, snapshot_diff
from rankings.data.lenses import (
    BY,
    COUNTINGS,
    COUNTRY_METRICS,
    DEFAULT_LENS,
    GROUPINGS,
    METRIC_NAMES,
    NAMED_CONTRIBUTORS,
    SNAPSHOTS,
    Lens,
    parse_years,
)
from rankings.data.metrics import load_default
from rankings.data.provenance import arena_snapshot_for, metric_sources
from rankings.data.records import FIXTURE_FILES, ModelRecord, load_model_records
from rankings.data.registry import fixtures_dir, registry_units
from rankings.data.validate import Problem, validate_file

__all__ = [
    "SNAPSHOTS", "COUNTINGS", "GROUPINGS", "BY", "NAMED_CONTRIBUTORS", "METRIC_NAMES", "COUNTRY_METRICS",
    "FIXTURE_FILES", "Lens", "DEFAULT_LENS", "Problem", "ModelRecord", "parse_years", "fixtures_dir",
    "load_default", "load_model_records", "metric_sources", "validate_file", "registry_units",
    "arena_snapshot_for", "model_records", "snapshot_diff", "published_comparison", "coverage",
]
