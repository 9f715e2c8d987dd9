"""Tests for ``rankings.gap`` and ``rankings gap``: values recomputed here from the fixture files.

The expected numbers are computed in this file from ``fixtures/benchmarks.csv``,
``fixtures/eci_models.csv`` and ``fixtures/models.csv`` with the ``csv`` module alone, without
the library's readers, and a few are also pinned as literals (end of 2025, US against China).
"""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from rankings.cli import main
from rankings.errors import SettingError, UnknownNameError
from rankings.gap import gap_analysis

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
END_2025 = "2025-12-31"


def _read(name: str) -> list[dict[str, str]]:
    with (FIXTURES / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _eci_by_country(date: str) -> dict[str, list[tuple[float, str]]]:
    """Country -> [(best ECI of an Epoch model released by ``date``, model)], from the raw fixture rows."""
    countries = {r["model"]: r["countries"].split(";") for r in _read("eci_models.csv")}
    best: dict[str, float] = {}
    for r in _read("benchmarks.csv"):
        if r["benchmark"] != "eci" or r["release_date"] > date:
            continue
        model = r["note"].removeprefix("model ")
        best[model] = max(best.get(model, -math.inf), float(r["score"]))
    out: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for model, score in best.items():
        for c in countries[model]:
            out[c].append((score, model))
    return {c: sorted(v, reverse=True) for c, v in out.items()}


@pytest.fixture(scope="module")
def us_china() -> object:
    return gap_analysis("United States", "China", at=[END_2025, "2026-08-22"])


def test_head_gap_in_eci_at_the_end_of_2025(us_china):
    per = _eci_by_country(END_2025)
    expected = per["United States"][0][0] - per["China"][0][0]
    row = us_china.row(END_2025, "best ECI")
    assert row.comparison["gap"] == pytest.approx(expected)
    assert (row.a.model, row.a.value, row.b.model, row.b.value) == ("GPT-5.2 Pro", 155.09, "DeepSeek-V3.2", 146.38)
    assert expected == pytest.approx(8.71)
    # GPT-5.2 Pro [152.87, 157.36] and DeepSeek-V3.2 [144.5, 147.4] do not overlap: no parity claim
    assert row.comparison["overlap"] is False
    assert "parity" not in row.comparison["verdict"]


def test_models_within_5_eci_points_of_the_frontier_at_the_end_of_2025(us_china):
    per = _eci_by_country(END_2025)
    frontier = max(s for models in per.values() for s, _ in models)
    expected = {c: sum(s >= frontier - 5 for s, _ in per[c]) for c in ("United States", "China")}
    row = us_china.row(END_2025, "models within 5 of frontier")
    assert (row.a.value, row.b.value) == (expected["United States"], expected["China"]) == (6, 0)
    assert row.a.low <= row.a.value <= row.a.high  # sure <= count <= possible


def test_open_weight_shares_of_2025(us_china):
    counts = defaultdict(lambda: [0, 0])
    for r in _read("models.csv"):
        if r["snapshot"] == "2026-08" and r["year"] == "2025":
            for c in set(r["countries"].split(";")):
                counts[c][0] += 1
                counts[c][1] += r["open_weights"] == "true"
    row = us_china.row(END_2025, "open-weight share of notable models (12 months)")
    assert row.a.value == pytest.approx(counts["United States"][1] / counts["United States"][0])
    assert row.b.value == pytest.approx(counts["China"][1] / counts["China"][0])
    assert (counts["United States"], counts["China"]) == ([63, 11], [35, 28])


def test_parity_is_said_only_where_the_intervals_overlap(us_china):
    for r in us_china.rows:
        c = r.comparison
        if "parity within" in c["verdict"]:  # not "parity cannot be judged"
            assert c["overlap"] is True
            assert r.a.low <= r.b.high and r.b.low <= r.a.high
    newest = us_china.row("2026-08-22", "best ECI")   # Claude Fable 5 [159.5, 166.3], Kimi K3 [154.86, 160.79]
    assert newest.comparison["overlap"] is True and newest.comparison["verdict"].startswith("parity within")


def test_kth_best_and_too_few_models():
    result = gap_analysis("United States", "China", at=["2023-03-31", END_2025], ks=[2, 10])
    per = _eci_by_country(END_2025)
    assert result.row(END_2025, "ECI #10").b.value == per["China"][9][0]
    assert result.row(END_2025, "ECI #2").a.model == per["United States"][1][1]
    early = result.row("2023-03-31", "ECI #2").b
    assert not early.ok and early.status.startswith("too few models") and math.isnan(early.value)
    assert result.row("2023-03-31", "ECI #2").comparison["gap"] is None


def test_crossover_is_exact_to_a_release_date():
    result = gap_analysis("United States", "China", at=[END_2025])
    cross = {c["measure"]: c for c in result.crossovers}["models within 5 of frontier"]
    # China's count first equalled the US's (1 each) on 2025-01-20 (DeepSeek-R1); the US pulled ahead again
    assert cross["status"] == "reached, behind again by 2025-12-31" and cross["reached_by"] == "China"
    assert cross["at_end"] == {"United States": 6, "China": 0, "date": "2025-12-31"}
    day = cross["date"]
    releases = {r["release_date"] for r in _read("benchmarks.csv") if r["benchmark"] == "eci"}
    assert day in releases
    at = {(r.date, r.measure): r for r in gap_analysis("United States", "China", at=["2025-01-19", day]).rows}
    on = at[(day, "models within 5 of frontier")]
    prior = at[("2025-01-19", "models within 5 of frontier")]
    assert on.b.value >= on.a.value and prior.b.value < prior.a.value


def test_prices_are_matched_or_listed_never_filled(us_china):
    priced = {r["model"]: r for r in _read("eci_models.csv") if r["price_key"]}
    for names in us_china.unpriced.values():
        assert names and not set(names) & set(priced)
    row = us_china.row(END_2025, "best ECI at <= 1 USD/M")
    assert row.a.model in priced and float(priced[row.a.model]["output_usd_per_mtok"]) <= 1
    assert {r["price_rule"] for r in priced.values()} == {"first-party", "third-party"}


def test_contributors_and_frames():
    result = gap_analysis("Qwen Team", "OpenAI", at=[END_2025])  # both contributors: by="contributor"
    assert result.by == "contributor"
    assert result.sides == ("Alibaba", "OpenAI")
    head = result.row(END_2025, "best ECI")
    assert (head.a.model, head.a.value) == ("Qwen3-235B-A22B (Jul 2025)", 144.67)
    frame = result.to_frame()
    assert len(frame) == 2 * len(result.rows) and set(frame["side"]) == {"Alibaba", "OpenAI"}
    assert frame["source"].str.len().min() > 20


@pytest.mark.parametrize("kwargs, error, text", [
    (dict(a="Chna", b="United States"), UnknownNameError, "did you mean 'China'"),
    (dict(a="China", b="china"), SettingError, "must differ"),
    (dict(a="China", b="United States", ks=[0]), SettingError, "k must be between 1 and 50 (got 0)"),
    (dict(a="China", b="United States", delta=-1.0), SettingError, "delta must be above 0"),
    (dict(a="China", b="United States", at=["2027-01-01"]), SettingError, "must lie within the ECI data"),
])
def test_bad_input_in_the_library(kwargs, error, text):
    with pytest.raises(error) as info:
        gap_analysis(kwargs.pop("a"), kwargs.pop("b"), **kwargs)
    assert text in str(info.value)


def _run(*args: str):
    return CliRunner().invoke(main, ["gap", *args])


@pytest.mark.parametrize("args, text", [
    (["--between", "Chna", "United States"], "unknown country 'Chna'; did you mean 'China'"),
    (["--between", "China", "China"], "the two sides must differ (got 'China' twice)"),
    (["--between", "China", "Alibaba"], "must both be countries or both contributors"),
    (["--between", "Alibaba", "OpenAI", "--k", "51"], "k must be between 1 and 50 (got 51)"),
    (["--between", "Alibaba", "OpenAI", "--delta", "0"], "delta must be above 0"),
    (["--between", "Alibaba", "OpenAI", "--at", "2022-12-31"], "a date must lie within the ECI data"),
    (["--between", "Alibaba", "OpenAI", "--at", "yesterday"], "a date must be YYYY-MM-DD"),
])
def test_bad_input_on_the_command_line(args, text):
    result = _run(*args)
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and text in lines[0], result.output


def test_cli_json_has_every_series_and_a_source_per_point(tmp_path):
    plot = tmp_path / "gap.png"
    result = _run("--between", "United States", "China", "--at", END_2025, "--format", "json", "--plot", str(plot))
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["sides"] == ["United States", "China"] and data["dates"] == [END_2025]
    head = next(s for s in data["series"] if s["measure"] == "best ECI")
    assert head["gap"] == pytest.approx(8.71) and head["overlap"] is False
    assert head["sides"]["China"]["model"] == "DeepSeek-V3.2"
    for s in data["series"]:
        for point in s["sides"].values():
            assert point["source"] and (point["value"] is not None or point["status"] != "ok")
    assert {s["measure"] for s in data["series"]} >= {"best Arena", "ECI #10", "median of top 10"}
    assert data["crossovers"] and data["unpriced"]["China"]
    assert plot.stat().st_size > 10_000 and not list(tmp_path.glob("*.tmp*"))


def test_cli_table_states_the_verdicts():
    result = _run("--between", "Alibaba", "OpenAI", "--at", END_2025)
    assert result.exit_code == 0, result.output
    assert "Gap between Alibaba and OpenAI (by contributor)" in result.output
    assert "OpenAI ahead (no overlap)" in result.output and "Unpriced Alibaba models" in result.output


def test_report_section_gives_the_headline_for_the_lens_countries():
    from rankings.data import load_default
    from rankings.gap.headline import lens_countries
    from rankings.report.sections.gap import _gap_section

    assert lens_countries({"years": [2025, 2025], "snapshot": "2026-08"}, "China") == ("United States", "China")
    html = _gap_section(load_default(), "Alibaba")
    assert "At 2025-12-31, the best model by ECI: United States GPT-5.2 Pro 155.09" in html
