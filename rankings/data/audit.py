"""Looking behind the numbers: the records a count is made of, what changed between two
snapshots, how our counts compare with the published AI Index figures, and how many
contributors each metric observes.

Every function takes a :class:`~rankings.data.lenses.Lens` and returns plain Python
values (lists of dicts), so a caller can print them as a table, CSV or JSON.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from rankings.data.lenses import DEFAULT_LENS, Lens, _check_lens
from rankings.data.records import ModelRecord, _snapshot_models
from rankings.data.registry import _grouper, _registry, _rows
from rankings.data.snapshots import check_snapshot
from rankings.errors import LensError, UnknownNameError

__all__ = ["model_records", "snapshot_diff", "published_comparison", "coverage"]


def _window(lens: Lens, snapshot: str | None = None) -> list[ModelRecord]:
    """Records of ``snapshot`` (default: the lens snapshot) inside the lens years."""
    snap = lens.snapshot if snapshot is None else snapshot
    check_snapshot(str(snap))
    records = _snapshot_models(snap)
    lo, hi = min(r.year for r in records), max(r.year for r in records)
    y0, y1 = int(lens.years[0]), int(lens.years[1])
    if y0 < lo or y1 > hi:
        raise LensError(f"years must lie within {lo}-{hi} for snapshot {snap} (got {y0}-{y1})")
    return [r for r in records if y0 <= r.year <= y1]


def _keys(rec: ModelRecord, lens: Lens, group_of) -> list[str]:
    """Contributors (or countries) a record counts for under the lens, in source order."""
    if lens.by == "country":
        return list(rec.countries)
    return list(dict.fromkeys(group_of(u) for u in rec.units))


def _credit(rec: ModelRecord, lens: Lens, group_of) -> dict[str, float]:
    """Credit of one model to each contributor (or country) under the lens counting."""
    if lens.by == "country":
        keys = list(rec.countries)
        if lens.counting == "full":
            return {k: 1.0 for k in keys}
        return {k: 1.0 / len(keys) for k in keys}
    out: dict[str, float] = {}
    for u in rec.units:
        g = group_of(u)
        out[g] = 1.0 if lens.counting == "full" else out.get(g, 0.0) + 1.0 / len(rec.units)
    return out


def _counts(records, lens: Lens, group_of) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for rec in records:
        for key, c in _credit(rec, lens, group_of).items():
            totals[key] += c
    return {k: round(v, 10) for k, v in totals.items()}


def _resolve_contributor(name: str, lens: Lens, group_of, known: set[str]) -> str:
    if name in known:
        return name
    folded = " ".join(str(name).split()).casefold()
    for k in known:
        if k.casefold() == folded:
            return k
    if lens.by == "contributor":
        unit = _registry().alias.get(folded)
        if unit is not None and group_of(unit) in known:
            return group_of(unit)
    raise UnknownNameError("contributor" if lens.by == "contributor" else "country", str(name), sorted(known))


def model_records(lens: Lens, contributor: str) -> list[dict[str, Any]]:
    """Each model counted for ``contributor`` under ``lens``.

    Parameters
    ----------
    lens : Lens
        Year window, counting, snapshot, grouping and rows (contributors or countries).
    contributor : str
        A contributor after grouping (``"Google"`` under ``merged``), a registry alias of
        one (``"Qwen Team"``), or a country when ``lens.by == "country"``.

    Returns
    -------
    list of dict
        One dict per model, oldest first: ``model``, ``date``, ``organizations`` (units,
        as Epoch lists them after normalisation), ``countries``, ``criteria`` (Epoch's
        notability criteria), ``open_weights`` (bool), ``accessibility`` and ``credit``
        (what the model adds to the contributor's ``notable_models``: 1 under full
        counting, the contributor's share under fractional). The credits sum to the
        contributor's ``notable_models`` in :func:`load_default`.

    Raises
    ------
    UnknownNameError
        ``contributor`` counts for no model in the snapshot (closest names suggested).
    LensError
        The lens years lie outside the snapshot's data.
    """
    _check_lens(lens)
    group_of = _grouper(lens.grouping)
    window = _window(lens)
    known = {k for r in _snapshot_models(lens.snapshot) for k in _keys(r, lens, group_of)}
    name = _resolve_contributor(contributor, lens, group_of, known)
    out = []
    for rec in sorted(window, key=lambda r: (r.date, r.model)):
        credit = _credit(rec, lens, group_of).get(name)
        if credit is None:
            continue
        out.append(dict(model=rec.model, date=rec.date, organizations=list(rec.units), countries=list(rec.countries),
                        criteria=rec.criteria, open_weights=bool(rec.open_weights == 1.0),
                        accessibility=rec.accessibility, credit=round(credit, 10)))
    return out


def snapshot_diff(lens: Lens = DEFAULT_LENS, a: str = "2026-07", b: str = "2026-08") -> dict[str, Any]:
    """What changed between snapshots ``a`` and ``b`` for the lens window.

    A model is matched across snapshots by its Epoch name. It is *added* if only ``b``
    has it in the window, *removed* if only ``a`` has it, *re-dated* if both have it but
    its publication date differs (it may move in or out of the window; it is then listed
    as re-dated, not as added or removed), and *re-attributed* if its organisations
    (after normalisation) differ.

    Parameters
    ----------
    lens : Lens
        Window, counting, grouping and rows; its own ``snapshot`` is ignored.
    a, b : str
        Two snapshot labels from :data:`~rankings.data.lenses.SNAPSHOTS`.

    Returns
    -------
    dict
        ``a``, ``b``, ``added``, ``removed`` (lists of ``{model, date, organizations}``),
        ``redated`` (``{model, date_a, date_b}``), ``reattributed`` (``{model,
        organizations_a, organizations_b}``) and ``counts``: one ``{contributor, a, b,
        change}`` per contributor whose count differs, largest change first.

    Raises
    ------
    UnknownNameError
        ``a`` or ``b`` is not a known snapshot.
    LensError
        The window lies outside either snapshot's data.
    """
    for snap in (a, b):
        check_snapshot(str(snap))
    _check_lens(Lens(years=lens.years, counting=lens.counting, snapshot=a, grouping=lens.grouping, by=lens.by))
    group_of = _grouper(lens.grouping)
    y0, y1 = int(lens.years[0]), int(lens.years[1])
    win_a, win_b = _window(lens, a), _window(lens, b)
    all_a = {r.model: r for r in _snapshot_models(a)}
    all_b = {r.model: r for r in _snapshot_models(b)}
    in_a = {r.model: r for r in win_a}
    in_b = {r.model: r for r in win_b}

    def brief(r: ModelRecord) -> dict[str, Any]:
        return dict(model=r.model, date=r.date, organizations=list(r.units))

    added = [brief(in_b[m]) for m in sorted(in_b) if m not in all_a]
    removed = [brief(in_a[m]) for m in sorted(in_a) if m not in all_b]
    both = sorted((set(in_a) | set(in_b)) & set(all_a) & set(all_b))
    redated = [dict(model=m, date_a=all_a[m].date, date_b=all_b[m].date) for m in both if all_a[m].date != all_b[m].date]
    reattributed = [dict(model=m, organizations_a=list(all_a[m].units), organizations_b=list(all_b[m].units))
                    for m in both if all_a[m].units != all_b[m].units]
    ca, cb = _counts(win_a, lens, group_of), _counts(win_b, lens, group_of)
    changes: list[dict[str, Any]] = []
    for key in set(ca) | set(cb):
        va, vb = ca.get(key, 0.0), cb.get(key, 0.0)
        if va != vb:
            changes.append(dict(contributor=key, a=va, b=vb, change=round(vb - va, 10)))
    changes.sort(key=lambda d: (-abs(d["change"]), d["contributor"]))
    return dict(a=a, b=b, years=[y0, y1], added=added, removed=removed, redated=redated,
                reattributed=reattributed, counts=changes)


def published_comparison(lens: Lens = DEFAULT_LENS) -> list[dict[str, Any]]:
    """Our count beside each published AI Index figure (``fixtures/published_figures.csv``).

    Each figure is recomputed under the lens's snapshot, counting and grouping, but with
    the figure's own years and rows (organisations or countries): the AI Index counts
    Epoch notable models with full counting and Google DeepMind under Google, which is
    the default lens.

    Parameters
    ----------
    lens : Lens
        Snapshot, counting and grouping to recompute with; ``years`` and ``by`` are
        taken from each figure.

    Returns
    -------
    list of dict
        One per figure, in the fixture's order: ``report``, ``edition`` (``launch``,
        ``revised``, ``both`` or ``published``), ``years``, ``metric``, ``entity`` (as
        published), ``contributor`` (ours), ``published``, ``ours`` (NaN when the
        figure's years lie outside the snapshot), ``difference`` (ours - published) and
        ``confidence``.
    """
    _check_lens(lens)
    group_of = _grouper(lens.grouping)
    records = _snapshot_models(lens.snapshot)
    lo, hi = min(r.year for r in records), max(r.year for r in records)
    cache: dict[tuple[int, int, str], dict[str, float]] = {}
    out = []
    for row in _rows("published_figures.csv"):
        y0, y1 = int(row["first_year"]), int(row["last_year"])
        by = "country" if row["metric"].endswith("by_country") else "contributor"
        key = (y0, y1, by)
        if key not in cache:
            sub = Lens(years=(y0, y1), counting=lens.counting, snapshot=lens.snapshot, grouping=lens.grouping, by=by)
            cache[key] = _counts([r for r in records if y0 <= r.year <= y1], sub, group_of)
        target = row["contributor"] if by == "country" else group_of(row["contributor"])
        ours = cache[key].get(target, 0.0) if lo <= y0 and y1 <= hi else math.nan
        published = float(row["value"])
        out.append(dict(report=row["report"], edition=row["edition"], years=[y0, y1], metric=row["metric"],
                        entity=row["entity"], contributor=target, published=published, ours=ours,
                        difference=round(ours - published, 10), confidence=row["confidence"]))
    return out


def coverage(lens: Lens = DEFAULT_LENS) -> list[dict[str, Any]]:
    """Per metric of the default table under ``lens``, how many contributors have a value.

    Returns
    -------
    list of dict
        One per metric, in table order: ``metric``, ``observed``, ``missing``, ``rows``
        and ``share`` (observed / rows, 0 to 1).
    """
    from rankings.data.metrics import load_default

    table = load_default(lens)
    out = []
    n = table.n_contributors
    for j, name in enumerate(table.metric_names):
        col = table.values[:, j]
        observed = int(sum(1 for v in col if v == v))
        out.append(dict(metric=name, observed=observed, missing=n - observed, rows=n,
                        share=round(observed / n, 4) if n else 0.0))
    return out
