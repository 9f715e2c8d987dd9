"""Tests for the default dataset (rankings.data) and its fixture builder.

The expected numbers were checked against shared/data/derived/*.csv, which were computed
independently while the sources were surveyed (that script is not shipped). Where the
registry merges units that the survey kept apart (LG + LG AI Research, Salesforce +
Salesforce Research...), the survey's per-unit numbers add up to ours.
"""

from __future__ import annotations

import filecmp
import math
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from rankings import data as ds
from rankings.data import DEFAULT_LENS, Lens, Problem, load_default, parse_years, validate_file
from rankings.data.records import _default_models
from rankings.errors import DataError, LensError, UnknownNameError

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


def _shared_data() -> Path | None:
    for candidate in (REPO.parent / "shared" / "data", Path("/work/shared/data")):
        if (candidate / "epoch_models" / "notable_ai_models__snap2026-07.csv").is_file():
            return candidate
    return None


def counts(lens: Lens) -> dict[str, float]:
    table = load_default(lens)
    j = table.metric_index("notable_models")
    return {c: float(table.values[i, j]) for i, c in enumerate(table.contributors)}


def value(table, contributor: str, metric: str) -> float:
    return float(table.values[table.contributor_index(contributor), table.metric_index(metric)])


def top(lens: Lens, n: int) -> list[tuple[str, float]]:
    c = counts(lens)
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


# -- the default lens ------------------------------------------------------------------------

def test_default_lens_top_three_are_openai_google_alibaba():
    assert top(DEFAULT_LENS, 4) == [("OpenAI", 21.0), ("Google", 14.0), ("Alibaba", 11.0), ("Anthropic", 7.0)]


def test_default_table_shape_metrics_and_provenance():
    table = load_default()
    assert table.metric_names == ds.METRIC_NAMES
    assert table.label == "default dataset"
    assert table.lens["snapshot"] == "2026-08" and list(table.lens["years"]) == [2025, 2025]
    kinds = {s.name: (s.kind, s.proxy) for s in table.metrics}
    assert kinds["notable_models"] == ("count", False)
    assert kinds["model_citations"] == ("count", True)
    assert kinds["frontier_eci"] == ("index", False)
    assert kinds["arena_score"] == ("score", False)
    assert kinds["venue_papers"] == ("count", True)
    for name in ds.NAMED_CONTRIBUTORS:  # every named contributor has a row, models or not
        table.contributor_index(name)
    assert value(table, "Microsoft", "notable_models") == 0.0  # legitimately zero in 2025
    i = table.contributor_index("Alibaba")
    assert table.attributes["country"][i] == "China" and table.attributes["sector"][i] == "industry"
    assert "Google DeepMind" not in table.contributors  # merged into Google by default


def test_open_weight_models_follow_the_records():
    table = load_default()
    assert value(table, "Alibaba", "open_weight_models") == 10.0
    assert value(table, "OpenAI", "open_weight_models") == 2.0  # gpt-oss models
    assert value(table, "Anthropic", "open_weight_models") == 0.0


def test_benchmarks_best_of_and_missing_is_nan():
    table = load_default()
    assert value(table, "Google", "arena_score") == 1490.0  # gemini-3-pro at 2025-12-31
    low, high = table.intervals["arena_score"]
    i = table.contributor_index("Google")
    assert (low[i], high[i]) == (1484.0, 1496.0)  # 1490 +/- 6
    # Preliminary rows are excluded: gemini-3-flash (1478, preliminary) must not beat it either.
    assert value(table, "OpenAI", "frontier_eci") == pytest.approx(155.09, abs=1e-4)  # best 2025 release
    # No ECI and no Arena entry for Apple: missing, never zero.
    assert math.isnan(value(table, "Apple", "frontier_eci"))
    assert math.isnan(value(table, "Apple", "arena_score"))
    assert math.isnan(low[table.contributor_index("Apple")])


def test_model_citations_missing_when_no_model_has_a_count():
    table = load_default()
    assert math.isnan(value(table, "OpenAI", "model_citations"))  # 21 models, none with a citation count
    assert value(table, "Microsoft", "model_citations") == 0.0  # no models at all: a true zero
    assert value(table, "Moonshot AI", "model_citations") > 0


# -- lens changes ----------------------------------------------------------------------------

def test_fractional_counting_splits_shared_models():
    full = counts(Lens(years=(2024, 2024)))
    frac = counts(Lens(years=(2024, 2024), counting="fractional"))
    assert full["Google"] == 11.0 and frac["Google"] == pytest.approx(8.4167, abs=1e-3)
    assert full["NVIDIA"] == 9.0 and frac["NVIDIA"] == pytest.approx(6.4167, abs=1e-3)
    assert frac["OpenAI"] == full["OpenAI"] == 11.0  # all sole-organisation models
    # Fractional credits of one year sum to the number of models with an organisation.
    records = [r for r in _default_models()["2026-07"] if r.year == 2024 and r.units]
    table = load_default(Lens(years=(2024, 2024), counting="fractional", grouping="split"))
    total = table.values[:, table.metric_index("notable_models")].sum()
    rowless = sum(1 / len(r.units) for r in records for u in r.units if u not in table.contributors)
    assert total + rowless == pytest.approx(len(records))


def test_older_snapshots_give_lower_counts_and_ties():
    dec25 = counts(Lens(snapshot="2025-12"))
    assert (dec25["OpenAI"], dec25["Google"], dec25["Alibaba"]) == (12.0, 9.0, 9.0)
    dec24 = counts(Lens(years=(2024, 2024), snapshot="2024-12"))
    assert (dec24["OpenAI"], dec24["Google"], dec24["Alibaba"]) == (5.0, 4.0, 4.0)
    jul26 = counts(Lens(years=(2024, 2024)))
    assert (jul26["OpenAI"], jul26["Google"], jul26["Alibaba"]) == (11.0, 11.0, 6.0)


def test_year_range_sums_years():
    one = [counts(Lens(years=(y, y))) for y in (2023, 2024, 2025)]
    three = counts(Lens(years=(2023, 2025)))
    for name in ("Google", "OpenAI", "Alibaba", "Meta"):
        assert three[name] == sum(c[name] for c in one)
    assert three["Google"] == 25 + 11 + 14


def test_by_country_2024_against_the_ai_index():
    # The AI Index 2025 reports US 40, China 15 for 2024. Our snapshots bracket it:
    # Epoch kept adding 2024 models after the report's cut-off (see PROVENANCE.md).
    expected = {"2024-12": (32.0, 9.0), "2025-12": (54.0, 31.0), "2026-07": (57.0, 31.0)}
    for snap, (us, cn) in expected.items():
        table = load_default(Lens(years=(2024, 2024), snapshot=snap, by="country"))
        assert table.metric_names == ds.COUNTRY_METRICS
        assert (value(table, "United States", "notable_models"), value(table, "China", "notable_models")) == (us, cn)
    frac = load_default(Lens(years=(2024, 2024), by="country", counting="fractional"))
    assert value(frac, "United States", "notable_models") == pytest.approx(54.333, abs=1e-3)


def test_split_grouping_separates_google_units():
    table = load_default(Lens(grouping="split"))
    assert value(table, "Google DeepMind", "notable_models") == 12.0
    assert value(table, "Google", "notable_models") == 3.0
    assert value(table, "Google Research", "notable_models") == 0.0
    assert "Google Research" in table.contributors
    # A model by Google and Google DeepMind counts once under merged, once per unit under split.
    assert counts(DEFAULT_LENS)["Google"] == 14.0 < 12.0 + 3.0


def test_grouping_file_overrides_registry(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("unit,group\nGoogle DeepMind,DeepMind\n", encoding="utf-8")
    c = counts(Lens(grouping=str(path)))
    assert c["DeepMind"] == 12.0 and c["Google"] == 3.0  # Google Research etc. still roll up to Google
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,group\nGoogle DeepMind,DeepMind\nGogle Reserch,Google\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"row 3, column 'unit'.*Google Research"):
        load_default(Lens(grouping=str(bad)))
    with pytest.raises(LensError):
        load_default(Lens(grouping=str(tmp_path / "absent.csv")))


def test_venue_metrics_missing_for_uncovered_years():
    t23 = load_default(Lens(years=(2023, 2023)))
    assert np.isnan(t23.values[:, t23.metric_index("venue_papers")]).all()
    assert np.isnan(t23.values[:, t23.metric_index("venue_citations")]).all()
    t24 = load_default(Lens(years=(2024, 2024)))
    assert value(t24, "Google", "venue_papers") > value(t24, "OpenAI", "venue_papers") > 0
    frac = load_default(Lens(years=(2024, 2024), counting="fractional"))
    assert 0 < value(frac, "Google", "venue_papers") < value(t24, "Google", "venue_papers")
    # 2024 venues have no arena board close enough: missing, not zero.
    assert np.isnan(t24.values[:, t24.metric_index("arena_score")]).all()


def test_lens_errors():
    with pytest.raises(LensError, match="1950-2026"):
        load_default(Lens(years=(2030, 2030)))
    with pytest.raises(UnknownNameError, match="2025-12"):
        load_default(Lens(snapshot="2025-11"))
    with pytest.raises(LensError):
        load_default(Lens(counting="half"))
    with pytest.raises(LensError):
        load_default(Lens(years=(2025, 2025), snapshot="2024-12"))  # that copy ends in 2024
    assert parse_years("2025") == (2025, 2025)
    assert parse_years(" 2023-2025 ") == (2023, 2025)
    for bad in ("20x5", "2025-2023", "", "2023-"):
        with pytest.raises(LensError):
            parse_years(bad)


def test_lens_to_dict_and_metric_sources():
    assert DEFAULT_LENS.to_dict() == {"years": [2025, 2025], "counting": "full", "snapshot": "2026-08",
                                      "grouping": "merged", "by": "contributor"}
    sources = {d["name"]: d for d in metric_sources_default()}
    assert set(sources) == set(ds.METRIC_NAMES)
    assert "CC BY 4.0" in sources["notable_models"]["licence"]
    assert sources["arena_score"]["snapshot"] == "2025-12-31"
    assert sources["venue_papers"]["proxy"] and not sources["frontier_eci"]["proxy"]


def metric_sources_default():
    return ds.metric_sources()


def test_arena_snapshot_rule():
    assert ds.arena_snapshot_for(2025) == "2025-12-31"
    assert ds.arena_snapshot_for(2026) == "2026-07-30"
    assert ds.arena_snapshot_for(2024) is None


def test_load_is_fast_after_first_call():
    load_default()
    start = time.perf_counter()
    load_default(Lens(years=(2023, 2025), counting="fractional"))
    assert time.perf_counter() - start < 0.2


# -- user files ------------------------------------------------------------------------------

def test_validate_model_file_lists_every_problem(tmp_path):
    path = tmp_path / "models.csv"
    path.write_text(
        "model,organizations,publication_date,citations,open_weights\n"
        "A,OpenAI,2025-01-02,3,true\n"
        "B,Gogle DeepMind,2025-13-01,x,maybe\n"
        "A,Alibaba,2025-02-02,-1,false\n"
        ",,,,\n"
        "C,,2025,,\n",
        encoding="utf-8",
    )
    problems = validate_file(path)
    where = {(p.row, p.column) for p in problems}
    assert {(3, "organizations"), (3, "publication_date"), (3, "citations"), (3, "open_weights"),
            (4, "model"), (4, "citations"), (6, "organizations")} <= where
    unknown = next(p for p in problems if p.row == 3 and p.column == "organizations")
    assert "Google DeepMind" in unknown.message
    assert all(isinstance(p, Problem) for p in problems)
    assert str(unknown).startswith("row 3, column 'organizations':")


def test_validate_missing_column_and_contributor_table(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("model,organizations\nA,OpenAI\n", encoding="utf-8")
    assert Problem(None, "publication_date", ds.validate_file(path)[0].message) in validate_file(path)
    table = tmp_path / "t.csv"
    table.write_text("contributor,papers,score\nX,3,1\nX,-2,abc\n,1,1\n", encoding="utf-8")
    where = {(p.row, p.column) for p in validate_file(table)}
    assert {(3, "contributor"), (3, "papers"), (3, "score"), (4, "contributor")} <= where
    # The committed records are clean except for old Epoch rows that name no organisation.
    leftover = [p for p in validate_file(FIXTURES / "models.csv") if "at least one organisation" not in p.message]
    assert leftover == []


def test_load_default_with_user_model_records(tmp_path):
    path = tmp_path / "mine.csv"
    path.write_text(
        "model,organizations,publication_date,open_weights,citations\n"
        "M1,Qwen Team,2025-03-01,true,10\n"
        "M2,Alibaba Cloud;OpenAI,2025-04-01,false,\n"
        "M3,New Lab,2024-05-01,true,\n",
        encoding="utf-8",
    )
    from rankings.errors import RankingsWarning

    with pytest.warns(RankingsWarning, match="'New Lab'"):
        table = load_default(Lens(years=(2025, 2025), counting="fractional"), models_path=path)
    assert table.label == str(path)
    assert value(table, "Alibaba", "notable_models") == 1.5
    assert value(table, "OpenAI", "notable_models") == 0.5
    assert value(table, "New Lab", "notable_models") == 0.0
    assert value(table, "Alibaba", "model_citations") == 10.0
    assert math.isnan(value(table, "OpenAI", "model_citations"))
    broken = tmp_path / "broken.csv"
    broken.write_text("model,organizations,publication_date\nX,OpenAI,yesterday\n", encoding="utf-8")
    with pytest.raises(DataError, match="row 2"):
        load_default(models_path=broken)


# -- fixtures --------------------------------------------------------------------------------

def test_fixtures_are_well_formed():
    text = (FIXTURES / "models.csv").read_bytes()
    assert b"\r\n" not in text
    for name in ds.FIXTURE_FILES:
        assert (FIXTURES / name).stat().st_size < 3_000_000
    registry = set(ds.registry_units())
    for snap in ds.SNAPSHOTS:
        for rec in _default_models()[snap]:
            assert set(rec.units) <= registry


@pytest.mark.skipif(_shared_data() is None, reason="raw data (../shared/data beside the repo) is absent; "
                    "the committed fixtures cannot be rebuilt here")
def test_build_is_deterministic_and_matches_committed_fixtures(tmp_path):
    source = _shared_data()
    outs = []
    for k in (1, 2):
        out = tmp_path / f"run{k}"
        subprocess.run([sys.executable, str(FIXTURES / "build.py"), "--source", str(source), "--out", str(out)],
                       check=True, capture_output=True)
        outs.append(out)
    for name in ds.FIXTURE_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), f"{name} differs between runs"
        assert filecmp.cmp(outs[0] / name, FIXTURES / name, shallow=False), f"committed {name} is stale"
