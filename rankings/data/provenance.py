"""What each metric is and where it comes from: specs, sources, snapshots and licences.
"""

from __future__ import annotations

from typing import Any

from rankings.data.lenses import COUNTRY_METRICS, DEFAULT_LENS, SNAPSHOTS, Lens
from rankings.data.records import _benchmarks, _cached_eci, _papers, _snapshot_end, _snapshot_models
from rankings.data.snapshots import read_meta, snapshot_folder
from rankings.table import MetricSpec

VENUES: dict[int, str] = {2024: "AISTATS, COLM, CoRL, ICML, IJCAI, NAACL, UAI",
                          2025: "AISTATS, COLING, COLM, CoRL, WWW"}
"""Venues in the papercopilot sample, by year (see fixtures/PROVENANCE.md)."""

ECI_SNAPSHOT = "2026-08-22"
ECI_FILE = "benchmarked_models__snap2026-08-22.csv"
ARENA_SNAPSHOTS: tuple[str, ...] = ("2025-12-31", "2026-02-09", "2026-07-30")
ARENA_MAX_LAG_DAYS = 92
"""An Arena board read more than this many days after the window's end is not used."""

EPOCH_LICENCE = "CC BY 4.0; credit: Epoch AI, 'Data on AI Models', epoch.ai/data/ai-models"
ARENA_LICENCE = "no licence stated (third-party scrape of the LMArena text leaderboard)"
PAPERS_LICENCE = "no licence file in papercopilot/paperlists (scraped conference metadata)"
PRICE_SNAPSHOT = "2026-07-24"
PRICE_LICENCE = "MIT (BerriAI/litellm's model price catalogue, via the RoCry/llm-api-price mirror)"

GAP_SOURCES: dict[str, str] = {
    "eci": f"Epoch benchmarked models (ECI with 90% intervals), snapshot {ECI_SNAPSHOT} "
           "(fixtures/benchmarks.csv; accessibility from fixtures/eci_models.csv); " + EPOCH_LICENCE,
    "arena": "LMArena text leaderboard, board {board} (fixtures/benchmarks.csv; +/- 95% interval; release dates "
             "matched by name, a proxy); " + ARENA_LICENCE,
    "notable": "Epoch notable models, snapshot {snapshot} (fixtures/models.csv); " + EPOCH_LICENCE,
    "price": f"LiteLLM price catalogue {PRICE_SNAPSHOT}, USD per million output tokens (fixtures/eci_models.csv; "
             "the catalogue's price on that day stands in for every date: a proxy); " + PRICE_LICENCE,
}
"""Where each series of :mod:`rankings.gap` comes from (``{board}``, ``{snapshot}`` filled per point)."""

def arena_snapshot_for(last_year: int) -> str | None:
    """The Arena board read for a window ending in ``last_year``.

    The earliest snapshot on or after 31 December of ``last_year``; if every snapshot is
    earlier (a window still running past our newest data), the newest one. A board taken
    more than :data:`ARENA_MAX_LAG_DAYS` after the window's end rates models released
    long after it, so none is used (``None``): 2025 reads 2025-12-31, 2026 reads
    2026-07-30, and 2024 or earlier has no Arena value.
    """
    from datetime import date

    end = date(last_year, 12, 31)
    dates = [date.fromisoformat(s) for s in ARENA_SNAPSHOTS]
    after = [d for d in dates if d >= end]
    if not after:
        return ARENA_SNAPSHOTS[-1]
    chosen = min(after)
    if (chosen - end).days > ARENA_MAX_LAG_DAYS:
        return None
    return chosen.isoformat()


def _epoch_origin(snapshot: str) -> tuple[str, str, str, tuple]:
    """(notable-models source, ECI source, ECI snapshot label, ECI entries) of a packaged or cached snapshot."""
    if snapshot in SNAPSHOTS:
        return (f"notable_ai_models__snap{snapshot}.csv (fixtures/models.csv)", f"{ECI_FILE} (fixtures/benchmarks.csv)",
                ECI_SNAPSHOT, _benchmarks().get(("eci", ECI_SNAPSHOT), ()))
    folder = snapshot_folder(snapshot)
    meta = read_meta(folder) or {}
    raw_sources = meta.get("sources")
    sources: dict[str, Any] = raw_sources if isinstance(raw_sources, dict) else {}
    when = str(meta.get("created", ""))[:10]

    def origin(key: str, name: str) -> str:
        entry = sources.get(key)
        url = str(entry.get("url", "")) if isinstance(entry, dict) else ""
        return f"{url or name} (downloaded {when or 'on an unknown date'}; {folder / name})"

    return (origin("notable", "models.csv"), origin("benchmarks", "benchmarks.csv"), snapshot, _cached_eci(snapshot))


def _venue_years(lens: Lens) -> tuple[list[int], list[int]]:
    _, years, cited, _ = _papers()
    window = range(lens.years[0], lens.years[1] + 1)
    return [y for y in window if y in years], [y for y in window if y in cited]


def _cited_venues(years) -> list[str]:
    """The venue-years (``"COLM 2024"``) of the sample that carry citation counts, in ``years``."""
    return [v for v in _papers()[3] if int(v[-4:]) in set(years)]


def metric_sources(lens: Lens = DEFAULT_LENS, *, models=None, data_end: str | None = None) -> list[dict[str, Any]]:
    """One dict per metric: what it is, where it comes from, its licence and snapshot.

    Parameters
    ----------
    lens : Lens
        The lens whose window and snapshot the descriptions state.
    models : sequence of ModelRecord, optional
        The model records of the window (default: the lens snapshot's); used to say how
        many of them carry a citation count.
    data_end : str, optional
        Publication date of the newest record read (default: the snapshot's).

    Returns
    -------
    list of dict
        Keys ``name``, ``kind``, ``unit``, ``direction``, ``proxy``, ``description``,
        ``sources``, ``snapshot``, ``licence``.
    """
    y0, y1 = lens.years
    yr = f"{y0}" if y0 == y1 else f"{y0}-{y1}"
    end = _snapshot_end(lens.snapshot) if data_end is None else data_end
    epoch_file, eci_file, eci_snapshot, eci_entries = _epoch_origin(lens.snapshot)
    last = f"{y1}-12-31"
    partial = bool(end) and end < last
    dates = f"{y0}-01-01 to {min(end, last) if end else last}"
    if partial:
        dates += f" (partial: the snapshot's newest record is dated {end})"
    if models is None:
        models = [r for r in _snapshot_models(lens.snapshot) if y0 <= r.year <= y1]
    n_cited = sum(1 for r in models if r.citations == r.citations)
    frac = "1/k for each of a model's k organisations" if lens.counting == "fractional" else "1 for each organisation on the model"
    arena = arena_snapshot_for(y1)
    vy, cy = _venue_years(lens)
    venue_list = "; ".join(f"{y}: {VENUES.get(y, 'see papers.csv')}" for y in vy)
    cited = _cited_venues(cy)
    eci_end = max((e.date for e in eci_entries), default="")
    eci_dates = f"{y0}-01-01 to {min(eci_end, last) if eci_end else last}"
    if eci_end and eci_end < last:
        eci_dates += f" (partial: the newest benchmarked release is dated {eci_end})"
    arena_dates = f"{y0}-01-01 to {min(arena, last) if arena else last}"
    if arena and arena < last:
        arena_dates += f" (partial: the newest board is dated {arena})"
    out: list[dict[str, Any]] = [
        dict(name="notable_models", kind="count", unit="models", direction="max", proxy=False,
             description=f"Epoch notable AI models published {dates}, counting {frac}",
             sources=[epoch_file], snapshot=lens.snapshot, licence=EPOCH_LICENCE),
        dict(name="open_weight_models", kind="count", unit="models", direction="max", proxy=False,
             description=f"notable models published {dates} whose weights are downloadable (Epoch 'Open model weights?', "
                         f"or 'Model accessibility' starting 'Open weights'), counting {frac}",
             sources=[epoch_file], snapshot=lens.snapshot, licence=EPOCH_LICENCE),
        dict(name="model_citations", kind="count", unit="citations", direction="max", proxy=True,
             description=f"citations of the papers behind the notable models published {dates} (Epoch 'Citations'); "
                         f"covers only the {n_cited} of {len(models)} models with a count: many industry models have no "
                         "paper and no count, so this undercounts industry labs; missing when none of a contributor's "
                         "models has a count",
             sources=[epoch_file], snapshot=lens.snapshot, licence=EPOCH_LICENCE),
        dict(name="frontier_eci", kind="index", unit="ECI points", direction="max", proxy=False,
             description=f"best Epoch Capabilities Index of a model released {eci_dates}, with its 90% interval; "
                         "credited to the organisations that released it (a model listing industry and academic "
                         "organisations goes to the industry ones); missing if none",
             sources=[eci_file], snapshot=eci_snapshot, licence=EPOCH_LICENCE),
        dict(name="arena_score", kind="score", unit="Arena rating", direction="max", proxy=False,
             description=(f"best non-preliminary LMArena text rating at the {arena} board of a model released "
                          f"{arena_dates} (release dates from the model name or matched Epoch records; "
                          "models with no known date are left out), with its 95% interval"
                          if arena else f"LMArena text rating: no board within {ARENA_MAX_LAG_DAYS} days after "
                          f"{y1}-12-31, so missing for every contributor"),
             sources=[f"lmarena_text_leaderboard__{arena}.csv (fixtures/benchmarks.csv)" if arena else "none"],
             snapshot=arena or "", licence=ARENA_LICENCE),
        dict(name="venue_papers", kind="count", unit="papers", direction="max", proxy=True,
             description=(f"papers at the sampled venues ({venue_list}) "
                          "with an author of the contributor"
                          + (", counted by author share" if lens.counting == "fractional" else "")
                          + "; a sample of venues, not a census") if vy else
                         f"papers at the sampled venues: no venue data for {yr}, so missing",
             sources=["papercopilot_2024_2025_selected_venues.csv (fixtures/papers.csv)"],
             snapshot="2025-06", licence=PAPERS_LICENCE),
        dict(name="venue_citations", kind="count", unit="citations", direction="max", proxy=True,
             description=(f"Google-Scholar citations (scraped about 2025-06) of those venue papers from "
                          f"{', '.join(cited)} (the only venue-years of {yr} with counts; "
                          "papers Google Scholar did not find are left out)"
                          + (", weighted by author share" if lens.counting == "fractional" else "")) if len(cited) > 1 else
                         (f"Google-Scholar citations of venue papers: only {cited[0]} has counts for {yr}, and one "
                          "venue is no signal, so missing" if cited else
                          f"Google-Scholar citations of venue papers: none recorded for {yr}, so missing"),
             sources=["papercopilot_2024_2025_selected_venues.csv (fixtures/papers.csv)"],
             snapshot="2025-06", licence=PAPERS_LICENCE),
    ]
    if lens.by == "country":
        out = [d for d in out if d["name"] in COUNTRY_METRICS]
        for d in out:
            if d["name"] in ("frontier_eci", "arena_score"):
                d["description"] += "; by country: the best over the organisations registered in that country"
            else:
                d["description"] += "; by country: a model counts for each of its countries (1/k under fractional)"
    return out


def _specs(lens: Lens, *, models=None, data_end: str | None = None) -> tuple[MetricSpec, ...]:
    return tuple(
        MetricSpec(name=d["name"], direction=d["direction"], kind=d["kind"], unit=d["unit"],
                   description=d["description"], source="; ".join(d["sources"]) + f" [{d['licence']}]",
                   proxy=d["proxy"])
        for d in metric_sources(lens, models=models, data_end=data_end)
    )


