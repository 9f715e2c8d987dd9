"""Tests for the metric fixes of issue 9, the data-end date and the audit functions
(model_records, snapshot_diff, published_comparison, coverage).

Each metric fix is pinned with a case from the raw data (see fixtures/PROVENANCE.md).
"""

from __future__ import annotations

import math

import pytest

from rankings import data as ds
from rankings.data import (
    DEFAULT_LENS,
    Lens,
    coverage,
    load_default,
    metric_sources,
    model_records,
    published_comparison,
    registry_units,
    snapshot_diff,
)
from rankings.errors import LensError, UnknownNameError


def value(table, contributor: str, metric: str) -> float:
    return float(table.values[table.contributor_index(contributor), table.metric_index(metric)])


# -- metric fixes ------------------------------------------------------------------------------

def test_every_affiliation_of_an_author_counts_for_venue_papers():
    # "EPFL+FAIR @ Meta" and the like: Meta has 64 papers at the 2025 venues, not 46.
    table = load_default(DEFAULT_LENS)
    assert value(table, "Meta", "venue_papers") == 64.0
    assert value(table, "NVIDIA", "venue_papers") == 52.0
    assert value(table, "Google", "venue_papers") == 108.0
    assert value(table, "Anthropic", "venue_papers") == 4.0
    # fractional: an author with k affiliations gives each 1/k of the author's share
    frac = load_default(Lens(counting="fractional"))
    assert 0 < value(frac, "Meta", "venue_papers") < 64.0


def test_duplicate_registry_units_are_merged():
    units = set(registry_units())
    for dup in ("Beijing Academy of Artificial Intelligence / BAAI", "University of Science and Technology of China (USTC)",
                "Zhejiang University (ZJU)"):
        assert dup not in units
    assert {"Beijing Academy of Artificial Intelligence", "University of Science and Technology of China",
            "Zhejiang University"} <= units
    assert "Northeastern University (China)" in units  # a different university, kept apart


def test_multi_year_windows_keep_every_organisation_with_a_model_in_the_window():
    table = load_default(Lens(years=(2014, 2025)))
    assert value(table, "University of Oxford", "notable_models") == 17.0
    assert "University of Oxford" not in load_default(DEFAULT_LENS).contributors  # no model 2023-2025


def test_arena_score_comes_from_a_model_released_inside_the_window():
    table = load_default(DEFAULT_LENS)
    # Tsinghua's only Arena models are ChatGLM 2023 releases: no 2025 value
    assert math.isnan(value(table, "Tsinghua University", "arena_score"))
    # Meta: Llama 3.1 405B (2024) no longer counts; Llama 4 Maverick (2025-04-05) does
    assert value(table, "Meta", "arena_score") == 1327.0
    low, high = table.intervals["arena_score"]
    i = table.contributor_index("Meta")
    assert (low[i], high[i]) == (1323.0, 1331.0)  # 1327 +/- 4
    assert value(table, "Google", "arena_score") == 1490.0  # gemini-3-pro, released 2025-11-18


def test_frontier_eci_inside_the_window_credited_to_the_releasing_organisation():
    table = load_default(DEFAULT_LENS)
    # GLM-4.5 / GLM-4.6 list Zhipu AI and Tsinghua University; the score goes to Zhipu AI only
    assert math.isnan(value(table, "Tsinghua University", "frontier_eci"))
    assert value(table, "Zhipu AI", "frontier_eci") == pytest.approx(143.81)
    assert value(table, "OpenAI", "frontier_eci") == pytest.approx(155.09)
    low, high = table.intervals["frontier_eci"]
    i = table.contributor_index("OpenAI")
    assert low[i] < 155.09 < high[i]
    # a 2026 model does not count for 2025
    t26 = load_default(Lens(years=(2026, 2026)))
    assert value(t26, "OpenAI", "frontier_eci") > value(table, "OpenAI", "frontier_eci")


def test_citation_metrics_state_their_coverage():
    sources = {d["name"]: d for d in metric_sources(DEFAULT_LENS)}
    assert "4 of 106 models" in sources["model_citations"]["description"]
    assert "only COLING 2025" in sources["venue_citations"]["description"]
    table = load_default(DEFAULT_LENS)
    assert all(math.isnan(v) for v in table.column("venue_citations"))  # one venue: dropped
    t24 = load_default(Lens(years=(2024, 2024)))
    s24 = {d["name"]: d for d in metric_sources(Lens(years=(2024, 2024)))}
    assert "ICML" not in s24["venue_citations"]["description"] and "COLM 2024" in s24["venue_citations"]["description"]
    assert value(t24, "Google", "venue_citations") > 0


# -- the newest snapshot and the data end ------------------------------------------------------

def test_newest_snapshot_is_the_default_and_older_ones_stay_selectable():
    assert DEFAULT_LENS.snapshot == "2026-08" and ds.SNAPSHOTS[-1] == "2026-08"
    table = load_default(DEFAULT_LENS)
    assert table.lens["data_end"] == "2026-08-14" and table.lens["partial"] is False
    assert value(table, "Character.ai", "notable_models") == 3.0  # undated in July, dated in August
    old = load_default(Lens(snapshot="2026-07"))
    assert old.lens["data_end"] == "2026-07-15"


def test_a_window_past_the_data_end_is_partial_and_says_so():
    table = load_default(Lens(years=(2026, 2026)))
    assert table.lens["partial"] is True
    text = {d["name"]: d["description"] for d in metric_sources(Lens(years=(2026, 2026)))}["notable_models"]
    assert "2026-01-01 to 2026-08-14" in text and "partial" in text
    assert "2026-12-31" not in text


# -- audit functions ---------------------------------------------------------------------------

def test_model_records_sum_to_the_count():
    for lens in (DEFAULT_LENS, Lens(counting="fractional"), Lens(years=(2023, 2025), grouping="split")):
        table = load_default(lens)
        for name in ("Google", "Alibaba", "OpenAI"):
            if name not in table.contributors:
                continue
            rows = model_records(lens, name)
            assert sum(r["credit"] for r in rows) == pytest.approx(value(table, name, "notable_models"))
    rows = model_records(DEFAULT_LENS, "qwen team")  # an alias of Alibaba
    assert len(rows) == 11 and {"model", "date", "organizations", "countries", "criteria", "open_weights",
                                "accessibility", "credit"} <= set(rows[0])
    assert all(r["date"].startswith("2025") for r in rows)


def test_model_records_bad_input():
    with pytest.raises(UnknownNameError, match="did you mean 'Alibaba'"):
        model_records(DEFAULT_LENS, "Alibabba")
    with pytest.raises(LensError, match="years must lie within"):
        model_records(Lens(years=(2030, 2030)), "Alibaba")


def test_snapshot_diff_lists_changes_and_count_changes():
    diff = snapshot_diff(DEFAULT_LENS, "2026-07", "2026-08")
    assert {m["model"] for m in diff["added"]} and all(m["organizations"] == ["Character.ai"] for m in diff["added"])
    assert diff["counts"] == [{"contributor": "Character.ai", "a": 0.0, "b": 3.0, "change": 3.0}]
    older = snapshot_diff(DEFAULT_LENS, "2025-12", "2026-08")
    change = {c["contributor"]: c for c in older["counts"]}
    assert (change["OpenAI"]["a"], change["OpenAI"]["b"]) == (12.0, 21.0)
    wide = snapshot_diff(Lens(years=(2010, 2025)), "2026-07", "2026-08")
    assert {"model": "Llama-3.1-Nemotron-70B-Instruct", "date_a": "2024-06-12", "date_b": "2024-10-12"} in wide["redated"]
    with pytest.raises(UnknownNameError, match="unknown snapshot '2027'"):
        snapshot_diff(DEFAULT_LENS, "2026-07", "2027")


def test_published_comparison_revised_edition_matches_the_2026_07_snapshot():
    rows = published_comparison(Lens(snapshot="2026-07"))
    revised = [r for r in rows if r["report"] == "AI Index 2026" and r["edition"] == "revised"]
    orgs = [r for r in revised if r["metric"] == "notable_models_by_organization"]
    countries = [r for r in revised if r["metric"] == "notable_models_by_country"]
    assert len(orgs) == 20 and len(countries) == 8
    off = {(r["contributor"], r["published"], r["ours"]) for r in orgs if r["difference"] != 0}
    assert off == {("OpenAI", 20.0, 21.0)}
    off = {(r["contributor"], r["published"], r["ours"]) for r in countries if r["difference"] != 0}
    assert off == {("United States", 59.0, 60.0)}
    launch = {r["contributor"]: r for r in rows if r["edition"] == "launch"}
    assert (launch["OpenAI"]["published"], launch["OpenAI"]["ours"]) == (19.0, 21.0)
    assert (launch["United States"]["published"], launch["United States"]["ours"]) == (50.0, 60.0)


def test_coverage_counts_observed_values():
    cov = {c["metric"]: c for c in coverage(DEFAULT_LENS)}
    table = load_default(DEFAULT_LENS)
    assert set(cov) == set(table.metric_names)
    assert cov["notable_models"]["observed"] == table.n_contributors
    assert cov["venue_citations"]["observed"] == 0
    eci = table.column("frontier_eci")
    assert cov["frontier_eci"]["observed"] == sum(1 for v in eci if v == v)
    assert cov["frontier_eci"]["observed"] + cov["frontier_eci"]["missing"] == table.n_contributors


# -- coverage-aware built-ins --------------------------------------------------------------------

def test_no_built_in_methodology_fills_more_than_a_tenth_of_the_cells_it_reads():
    from rankings._builtin import methodologies

    table = load_default(DEFAULT_LENS)
    for method in methodologies():
        read = method.metrics_for(table)
        holes = len(table.missing_cells(read))
        filled = holes if method.missing in ("zero", "worst") else 0  # drop removes rows, error refuses
        assert filled <= 0.10 * table.n_contributors * len(read), (method.name, filled)
        if method.name.endswith("-core"):
            assert "ranks only the contributors with a benchmarked model" in method.description
            prepared = method.prepare(table)
            assert "Alibaba" in prepared.contributors and prepared.n_contributors == 10
