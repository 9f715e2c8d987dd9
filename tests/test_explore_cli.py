"""``rankings explore`` without a browser: its errors, what it embeds, and that it writes whole pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from rankings.cli.main import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_PAYLOAD = re.compile(r'<script type="application/json" id="explore-data">(.*?)</script>', re.S)


def _run(*args: str):
    return CliRunner().invoke(main, ["explore", *args])


def _payload(path: Path) -> dict:
    return json.loads(_PAYLOAD.search(path.read_text(encoding="utf-8")).group(1))


def test_a_users_table_gives_one_lens_and_says_how_to_get_others(tmp_path: Path) -> None:
    page = tmp_path / "m.html"
    result = _run("--data", str(EXAMPLES / "matrix.csv"), "--direction", "price=min", "--focus", "C",
                  "--samples", "200", "-o", str(page))
    assert result.exit_code == 0, result.output
    payload = _payload(page)
    assert [lens["label"] for lens in payload["lenses"]] == ["as built"]
    assert payload["methodology"]["name"] == "equal-weights"
    assert payload["fixed"][:3] == [{"words": ["--method", "equal-weights"]},
                                    {"words": ["--data", str(EXAMPLES / "matrix.csv")]},
                                    {"words": ["--direction", "price=min"]}]
    lens = payload["lenses"][0]
    assert lens["contributors"] == ["A", "B", "C", "D"]
    assert [m["direction"] for m in lens["metrics"]] == ["min", "max", "max"]
    assert lens["bounds"]["best"] == 1 and lens["bounds"]["worst"] == 4  # as `rankings bounds --all` says for C
    assert sum(r["p"] for r in lens["acceptability"]["ranks"]) == __import__("pytest").approx(1.0, abs=1e-5)
    assert "--data reads one table" in payload["how_to_lens"]
    assert "kemeny" in payload["aggregations"] and "error" in payload["aggregations"]["kemeny"]


def test_the_default_page_lists_lenses_it_could_not_read(tmp_path: Path) -> None:
    page = tmp_path / "d.html"
    result = _run("--samples", "100", "-o", str(page))
    assert result.exit_code == 0, result.output
    payload = _payload(page)
    by_label = {lens["label"]: lens for lens in payload["lenses"]}
    assert by_label["counting fractional"]["flags"] == ["--counting", "fractional"]
    assert "error" not in by_label["counting fractional"]
    assert "venue_papers" in by_label["by country"]["error"]  # equal-core reads a metric countries lack
    assert page.stat().st_size < 2_000_000
    text = page.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text


def test_same_options_same_bytes(tmp_path: Path) -> None:
    a, b = tmp_path / "a.html", tmp_path / "b.html"
    for path in (a, b):
        assert _run("--lenses", "none", "--samples", "100", "--seed", "3", "-o", str(path)).exit_code == 0
    assert a.read_bytes() == b.read_bytes()


def test_bad_input_is_one_line_and_leaves_the_old_file(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text("old", encoding="utf-8")
    result = _run("--focus", "Nobody At All", "--lenses", "none", "-o", str(page))
    assert result.exit_code == 2 and result.output.startswith("Error: ") and "Traceback" not in result.output
    assert page.read_text(encoding="utf-8") == "old"
    result = _run("-o", str(tmp_path / "page.txt"))
    assert result.exit_code == 2 and "--output must end in .html (got 'page.txt')" in result.output
    result = _run("--method", "rank-product", "--lenses", "none", "-o", str(page))
    assert result.exit_code == 2
    assert "needs a normalize/aggregate methodology (got 'rank-product'" in result.output
    assert page.read_text(encoding="utf-8") == "old"


def test_the_payload_carries_the_reports_rank_sets_top_k_and_budget(tmp_path: Path) -> None:
    from rankings import load_default
    from rankings.registry import get_methodology
    from rankings.sensitivity import significance

    page = tmp_path / "p.html"
    result = _run("--lenses", "none", "--samples", "200", "-o", str(page))
    assert result.exit_code == 0, result.output
    payload = _payload(page)
    lens = payload["lenses"][0]
    C, B = lens["confidence"], lens["budget"]
    # the same computation as the report's section, with its parameters
    method, table = get_methodology(payload["methodology"]["name"]), load_default()
    kinds = significance.record_kinds(method, table)
    ref = significance.focus_confidence(method, table, payload["focus"], 0, kinds)
    assert C["sentence"] == ref.sentence()
    assert C["marginal"] == list(ref.marginal[payload["focus"]]) and C["bootstrap_runs"] == 500
    assert C["method"].startswith("Mogstad, Romano, Shaikh and Wilhelm (2024)")
    lo, hi = C["marginal"]
    assert C["simultaneous"][0] <= lo <= C["rank"] <= hi <= C["simultaneous"][1]  # never narrower than marginal
    assert re.fullmatch(rf"{payload['focus']} is \w+; at 95% its rank is (between {lo} and {hi}|{lo}); it (is surely|"
                        rf"is surely not|may or may not be) in the top 3\.", C["sentence"])
    assert [g["group"] for g in B["groups"]] == ["records", "weights", "method choices"]
    assert B["verdict"].startswith(f"Most of the variance of {payload['focus']}'s rank comes from the ")
    # the command the page offers reproduces the rank sets
    words = C["command"].split()[1:]
    res = CliRunner().invoke(main, [*words, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["sentence"] == C["sentence"]
