"""``rankings data coverage|models|diff|published`` and honest output of filled and partial data."""

from __future__ import annotations

import csv
import io
import json
import math
import sys

import pytest
from click.testing import CliRunner

import rankings
from rankings.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=True)


def one_line_error(result, *fragments: str) -> None:
    assert result.exit_code == 2, result.output
    last = [line for line in result.output.splitlines() if line.strip()][-1]
    assert last.startswith("Error: ") and "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in last, last


# -- data coverage ------------------------------------------------------------------------------

def test_coverage_counts_observed_values_per_metric():
    result = run("data", "coverage", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    table = rankings.load_default()
    rows = {r["metric"]: r for r in payload["coverage"]}
    assert set(rows) == set(table.metric_names)
    for j, name in enumerate(table.metric_names):
        observed = sum(not math.isnan(v) for v in table.values[:, j])
        assert rows[name]["observed"] == observed
        assert rows[name]["observed"] + rows[name]["missing"] == table.n_contributors
    assert rows["notable_models"]["observed"] == table.n_contributors
    assert rows["frontier_eci"]["observed"] < table.n_contributors / 2  # the thin signal the composites avoid


def test_coverage_reads_a_users_table(tmp_path):
    path = tmp_path / "m.csv"
    path.write_text("alternative,a,b\nX,1,\nY,2,3\n")
    result = run("data", "coverage", "--data", str(path))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any(line.split()[:3] == ["b", "1", "1"] for line in lines), result.output


# -- data models --------------------------------------------------------------------------------

def test_models_behind_alibabas_count_add_up_to_the_table():
    result = run("data", "models", "--contributor", "Alibaba", "--format", "json")
    assert result.exit_code == 0, result.output
    models = json.loads(result.output)["models"]
    table = rankings.load_default()
    count = table.values[table.contributor_index("Alibaba"), table.metric_index("notable_models")]
    assert sum(m["credit"] for m in models) == count == 11
    assert all(m["date"].startswith("2025") for m in models)
    assert {"model", "date", "organizations", "countries", "criteria", "open_weights", "credit"} <= set(models[0])


def test_models_csv_has_one_row_per_model_with_fractional_credit():
    result = run("data", "models", "--contributor", "Google", "--counting", "fractional", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and all(0 < float(r["credit"]) <= 1 for r in rows)


@pytest.mark.parametrize("args,fragments", [
    (("--contributor", "Alibabba"), ("unknown contributor 'Alibabba'", "Alibaba")),
    (("--contributor", "Alibaba", "--year", "2031"), ("years must lie within",)),
    (("--contributor", "Alibaba", "--data", "x.csv"), ("cannot take --data or --models",)),
])
def test_models_bad_input_is_one_line(args, fragments):
    one_line_error(run("data", "models", *args), *fragments)


# -- data diff ----------------------------------------------------------------------------------

def test_diff_between_july_and_august_lists_the_added_models_and_count_changes():
    result = run("data", "diff", "--snapshot", "2026-07", "--snapshot", "2026-08", "--format", "json")
    assert result.exit_code == 0, result.output
    diff = json.loads(result.output)
    assert (diff["a"], diff["b"]) == ("2026-07", "2026-08")
    for key in ("added", "removed", "redated", "reattributed", "counts"):
        assert isinstance(diff[key], list)
    a = rankings.load_default(rankings.Lens(snapshot="2026-07"))
    b = rankings.load_default(rankings.Lens(snapshot="2026-08"))
    j = a.metric_index("notable_models")
    for change in diff["counts"]:
        name = change["contributor"]
        before = a.values[a.contributor_index(name), j] if name in a.contributors else 0.0
        after = b.values[b.contributor_index(name), j] if name in b.contributors else 0.0
        assert (before, after) == (change["a"], change["b"])


@pytest.mark.parametrize("args,fragments", [
    (("--snapshot", "2026-07"), ("--snapshot twice", "got 1")),
    (("--snapshot", "2026-07", "--snapshot", "2031-01"), ("2031-01",)),
])
def test_diff_bad_input_is_one_line(args, fragments):
    one_line_error(run("data", "diff", *args), *fragments)


# -- data published -------------------------------------------------------------------------------

def test_published_figures_of_both_editions_beside_our_counts():
    result = run("data", "published", "--snapshot", "2026-07", "--format", "json")
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)["figures"]
    editions = {f["edition"] for f in figures if f["report"] == "AI Index 2026"}
    assert {"launch", "revised"} <= editions
    revised = {f["entity"]: f for f in figures if f["edition"] == "revised"
               and f["metric"] == "notable_models_by_organization"}
    assert revised["OpenAI"]["published"] == 20 and revised["OpenAI"]["ours"] == 21
    assert revised["Alibaba"]["difference"] == 0
    table = run("data", "published")
    assert table.exit_code == 0 and "revised" in table.output and "launch" in table.output


# -- honest output: filled cells and partial years -------------------------------------------------

FILLING = ("rank", "--method", "equal-core", "--missing", "worst", "--weights", "notable_models=1,frontier_eci=1")


def test_filled_cells_are_marked_in_the_table_with_a_footnote():
    result = run(*FILLING, "--top", "12")
    assert result.exit_code == 0, result.output
    assert "* filled by the missing rule 'worst'" in result.output
    assert any(cell.endswith("*") for line in result.output.splitlines() for cell in line.split())
    assert "more than 10% of the ranking rests on filled values" in result.output


def test_json_keeps_observed_values_and_lists_filled_ones_apart():
    payload = json.loads(run(*FILLING, "--format", "json").output)
    table = rankings.load_default()
    j = table.metric_index("frontier_eci")
    for row in payload["ranking"]:
        raw = table.values[table.contributor_index(row["contributor"]), j]
        if math.isnan(raw):
            assert row["values"]["frontier_eci"] is None
            assert isinstance(row["filled"]["frontier_eci"], float)
        else:
            assert row["values"]["frontier_eci"] == raw and "filled" not in row


def test_csv_and_dataframe_keep_missing_as_missing():
    rows = list(csv.DictReader(io.StringIO(run(*FILLING, "--format", "csv").output)))
    filled = [r for r in rows if r["filled"]]
    assert filled and all(r["frontier_eci"] == "" and r["filled"] == "frontier_eci" for r in filled)
    method = rankings.get_methodology("equal-core").with_overrides(
        weights={"notable_models": 1, "frontier_eci": 1}, missing="worst")
    frame = method.evaluate(rankings.load_default()).to_frame()
    assert frame["frontier_eci"].isna().sum() == len(filled)


def test_explain_says_a_term_of_the_gap_comes_from_a_filled_value():
    table = rankings.load_default()
    j = table.metric_index("frontier_eci")
    rival = next(c for i, c in enumerate(table.contributors) if math.isnan(table.values[i, j])
                 and table.values[i, table.metric_index("notable_models")] >= 3)
    result = run("explain", "Alibaba", "--vs", rival, *FILLING[1:])
    assert result.exit_code == 0, result.output
    assert "comes from a filled value" in result.output
    payload = json.loads(run("explain", "Alibaba", "--vs", rival, *FILLING[1:], "--format", "json").output)
    assert payload["filled"] == {rival: ["frontier_eci"]}


def test_a_partial_year_is_called_partial_in_the_header_and_the_json():
    result = run("rank", "--year", "2026", "--top", "3")
    assert result.exit_code == 0, result.output
    assert "partial year (data to 2026-08-14)" in result.output.splitlines()[1]
    lens = json.loads(run("rank", "--year", "2026", "--format", "json").output)["data"]["lens"]
    assert lens["partial"] is True and lens["data_end"] == "2026-08-14"
    assert "partial" not in run("rank", "--top", "3").output


# -- files as asked (issue 10, item 5) and ties never cut (item 6) ---------------------------------

def test_explicit_format_and_suffix_that_disagree_are_an_error(tmp_path):
    one_line_error(run("rank", "-o", str(tmp_path / "out.json"), "--format", "csv"), "--format csv", "out.json")
    assert not (tmp_path / "out.json").exists()


def test_an_unknown_suffix_is_an_error_and_a_known_one_picks_the_format(tmp_path):
    one_line_error(run("rank", "-o", str(tmp_path / "out.dat")), "suffix must be one of", ".dat")
    assert run("rank", "-o", str(tmp_path / "out.json")).exit_code == 0
    assert json.loads((tmp_path / "out.json").read_text())["ranking"][0]["contributor"] == "OpenAI"
    assert run("sweep", "-o", str(tmp_path / "sweep.json")).exit_code == 0
    assert json.loads((tmp_path / "sweep.json").read_text())["analysis"] == "sweep"


def test_a_table_written_to_a_file_holds_every_row(tmp_path):
    assert run("rank", "-o", str(tmp_path / "all.txt")).exit_code == 0
    text = (tmp_path / "all.txt").read_text()
    assert "more rows" not in text
    assert sum(1 for line in text.splitlines() if line.strip()[:1].isdigit() or line.startswith("->")) == \
        rankings.load_default().n_contributors


def test_xlsx_is_a_real_workbook_with_every_row(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("openpyxl")
    assert run("rank", "-o", str(tmp_path / "r.xlsx")).exit_code == 0
    book = pd.read_excel(tmp_path / "r.xlsx")
    assert len(book) == rankings.load_default().n_contributors
    assert list(book.columns[:3]) == ["contributor", "rank", "score"]


def test_xlsx_without_openpyxl_names_the_extra(tmp_path, monkeypatch):
    import builtins

    real = builtins.__import__

    def no_openpyxl(name, *args, **kwargs):
        if name == "openpyxl":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    one_line_error(run("rank", "-o", str(tmp_path / "r.xlsx")), "openpyxl", "rankings[excel]")
    assert not (tmp_path / "r.xlsx").exists()


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    data = tmp_path / "m.parquet"
    assert run("rank", "-o", str(data)).exit_code == 0  # written while pyarrow is there
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # then gone: every import of it fails
    one_line_error(run("rank", "-o", str(tmp_path / "r.parquet")), "pyarrow", 'pip install "rankings[parquet]"')
    assert not (tmp_path / "r.parquet").exists()
    one_line_error(run("rank", "--data", str(data), "--method", "equal-weights"), "m.parquet", "pyarrow",
                   'pip install "rankings[parquet]"')
    assert run("rank", "--top", "3").exit_code == 0  # the default commands need no extra


def test_top_keeps_the_tie_at_the_cut_whole_and_says_so():
    result = run("rank", "--top", "8")
    ranked = [line for line in result.output.splitlines() if line.strip()[:1].isdigit() or line.startswith("->")]
    table = rankings.load_default()
    counts = sorted(table.values[:, table.metric_index("notable_models")], reverse=True)
    expected = sum(1 for c in counts if c >= counts[7])  # every row tied with the 8th
    assert len(ranked) == expected > 8
    assert f"--top 8 shows {expected} rows" in result.output


def test_top_in_csv_holds_exactly_the_cut_and_marks_a_focus_beyond_it():
    rows = list(csv.DictReader(io.StringIO(run("rank", "--top", "3", "--format", "csv").output)))
    assert [r["contributor"] for r in rows] == ["OpenAI", "Google", "Alibaba"]
    rows = list(csv.DictReader(io.StringIO(run("rank", "--top", "2", "--format", "csv", "--focus", "LG").output)))
    assert [(r["contributor"], r["beyond_top"]) for r in rows] == [("OpenAI", ""), ("Google", ""), ("LG", "yes")]
    rows = list(csv.DictReader(io.StringIO(run("rank", "--top", "2", "--format", "csv", "--focus", "LG",
                                               "--no-focus-row").output)))
    assert [r["contributor"] for r in rows] == ["OpenAI", "Google"]
    payload = json.loads(run("rank", "--top", "2", "--format", "json", "--focus", "LG").output)
    assert [r.get("beyond_top", False) for r in payload["ranking"]] == [False, False, True]


def test_sensitivity_and_compare_say_what_the_missing_rule_filled():
    sens = run("sensitivity", *FILLING[1:], "--samples", "300", "--format", "json")
    assert sens.exit_code == 0, sens.output
    assert any("filled 148 missing value(s)" in n for n in json.loads(sens.output)["notes"])
    comp = run("compare", "equal-core", "ai-index", *FILLING[3:])
    assert comp.exit_code == 0, comp.output
    assert "Note (equal-core*, ai-index*): missing rule 'worst' filled" in comp.output


def test_refresh_with_an_address_that_is_not_a_url_is_one_line():
    one_line_error(run("data", "refresh", "--url-notable", "notaurl"), "notaurl", "must be reachable")
