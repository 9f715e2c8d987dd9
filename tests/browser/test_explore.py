"""The explore page in headless Chromium: it ranks as the CLI does, sweeps as ``rankings sweep`` does,
keeps its state in the URL, reproduces its table with the command it offers, shows hostile names as
text and asks the network for nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.browser.pages import build, cli, cli_json, command_words, open_page, page_scores, set_state, table

COMBOS = [("min-max", "arithmetic"), ("z-score", "arithmetic"), ("rank", "borda"), ("percentile", "topsis"),
          ("vector", "topsis"), ("ratio-to-leader", "geometric"), ("share", "waspas"), ("log-min-max", "promethee-ii"),
          ("min-max", "copeland"), ("none", "lexicographic"), ("ratio-to-leader", "arithmetic")]
"""Normalisation + aggregation pairs the random states cycle through (every aggregation the page computes)."""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, private_cache: None) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("explore") / "page.html"
    return path, build(path, "--samples", "500")


def _usable(payload: dict[str, Any]) -> list[int]:
    return [i for i, lens in enumerate(payload["lenses"]) if "error" not in lens]


def _metrics(payload: dict[str, Any], lens: int) -> list[str]:
    return [m["name"] for m in payload["lenses"][lens]["metrics"]]


def _cli_words(payload: dict[str, Any], lens: int, weights: list[float], n: str, a: str) -> list[str]:
    """The ``rank`` line the test builds itself (not the page's): fixed options, the lens, the state."""
    fixed = [w for g in payload["fixed"] if g.get("only_with") in (None, n) for w in g["words"]]
    text = ",".join(f"{m}={w!r}" for m, w in zip(_metrics(payload, lens), weights))
    return ["rank", *fixed, *payload["lenses"][lens]["flags"], "--weights", text, "--normalize", n, "--aggregate", a]


def _assert_same(page_ranks: dict[str, tuple[float, float]], expected: dict[str, Any]) -> None:
    cli_rows = {r["contributor"]: (float(r["rank"]), float(r["score"])) for r in expected["ranking"]}
    assert set(page_ranks) == set(cli_rows)
    for name, (rank, score) in cli_rows.items():
        assert page_ranks[name][0] == rank, name
        assert page_ranks[name][1] == pytest.approx(score, rel=1e-9, abs=1e-12), name


def test_fifty_random_weightings_rank_as_the_cli(browser: Any, page: tuple[Path, dict[str, Any]]) -> None:
    path, payload = page
    open_page(browser, path.as_uri())
    rng = np.random.default_rng(13)
    lenses = _usable(payload)
    assert len(lenses) >= 5  # the base lens and the one-factor changes that equal-core can read (6 in 2026-08)
    errors = 0
    for k in range(50):
        lens = lenses[k % len(lenses)]
        n, a = COMBOS[k % len(COMBOS)]
        weights = [int(x) / 1000 for x in rng.integers(0, 1001, size=len(_metrics(payload, lens)))]
        if not any(weights):
            weights[0] = 0.5
        set_state(browser, lens=lens, n=n, a=a, w=weights)
        expected = cli_json(_cli_words(payload, lens, weights, n, a))
        status = browser.find_element("id", "status").text
        if not isinstance(expected, dict):  # the CLI refuses this choice: the page must say so too
            assert expected.exit_code == 2 and status.startswith("This choice cannot be computed"), (expected.output, status)
            errors += 1
            continue
        assert status == ""
        _assert_same(page_scores(browser), expected)
        shown = table(browser)
        assert [row[1] for row in shown] == [r["contributor"] for r in sorted(
            expected["ranking"], key=lambda r: (r["rank"], r["contributor"]))]
    assert errors <= 5


def test_the_flip_intervals_are_those_of_rankings_sweep(browser: Any, page: tuple[Path, dict[str, Any]]) -> None:
    path, payload = page
    open_page(browser, path.as_uri())
    flips = 0
    for lens, weights in ((0, [0.2, 0.5, 0.3]), (0, [0.9, 0.05, 0.4]), (_usable(payload)[3], [0.1, 0.7, 0.25])):
        set_state(browser, lens=lens, n="min-max", a="arithmetic", w=weights)
        metrics = _metrics(payload, lens)
        text = ",".join(f"{m}={w!r}" for m, w in zip(metrics, weights))
        fixed = [w for g in payload["fixed"] for w in g["words"]]
        result = cli(["sweep", *fixed, *payload["lenses"][lens]["flags"], "--weights", text, "--focus", "Alibaba",
                      "--format", "json"])
        assert result.exit_code == 0, result.output
        curves = {c["metric"]: c for c in json.loads(result.output)["metrics"]}
        for j, metric in enumerate(metrics):
            shown = browser.find_element("id", f"sweep-{j}")
            lo, hi = float(shown.get_attribute("data-lo")), float(shown.get_attribute("data-hi"))
            assert [lo, hi] == pytest.approx(curves[metric]["stability_interval"], abs=1e-12)
            assert int(shown.get_attribute("data-rank")) == curves[metric]["base_rank"]
            passed = sorted(c["rival"] for c in curves[metric]["crossings"] if abs(c["weight"] - hi) <= 1e-12)
            named = shown.get_attribute("data-next-up")
            assert (sorted(named.split("\n")) if named else []) == passed
            for rival in passed:
                assert rival in shown.text
            flips += len(passed)
    assert flips > 0  # some slider's next breakpoint passes a named rival


def test_a_link_reopens_the_same_view(browser: Any, page: tuple[Path, dict[str, Any]]) -> None:
    path, payload = page
    open_page(browser, path.as_uri())
    lens = _usable(payload)[2]
    set_state(browser, lens=lens, n="rank", a="borda", t="dense", f="Google", w=[0.125, 0.6, 0.05])
    link = browser.find_element("id", "link").get_attribute("value")
    before, before_table = browser.execute_script("return ExplorePage.state()"), table(browser)
    assert "#" in link
    from selenium.webdriver.support.wait import WebDriverWait

    WebDriverWait(browser, 5).until(lambda d: d.current_url == link)  # the address bar follows within 200 ms
    open_page(browser, path.as_uri())  # a fresh page: the defaults
    assert browser.execute_script("return ExplorePage.state().lens") == 0
    open_page(browser, link)
    assert browser.execute_script("return ExplorePage.state()") == before
    assert table(browser) == before_table
    assert browser.find_element("id", "lens").get_attribute("value") == str(lens)
    assert browser.find_element("id", "w-1").get_attribute("value") == "0.6"
    assert browser.find_element("css selector", "tr.focus th").text == "Google"


def test_copy_command_gives_the_table_shown(browser: Any, page: tuple[Path, dict[str, Any]]) -> None:
    path, payload = page
    open_page(browser, path.as_uri())
    for state in ({"lens": 0, "w": [0.3, 0.2, 0.9]}, {"lens": _usable(payload)[1], "n": "percentile", "a": "topsis", "t": "average",
                                                      "w": [0.0, 0.5, 0.25]}):
        set_state(browser, **state)
        browser.find_element("id", "copy-command").click()
        expected = cli_json(command_words(browser))
        assert isinstance(expected, dict), expected.output
        _assert_same(page_scores(browser), expected)
        assert expected["ties"] == state.get("t", "competition")
        rows = {r["contributor"]: r for r in expected["ranking"]}
        for rank, name, _ in table(browser):
            assert float(rank) == float(rows[name]["rank"])


def test_set_these_weights_reaches_the_best_and_worst_rank(browser: Any, page: tuple[Path, dict[str, Any]]) -> None:
    path, payload = page
    open_page(browser, path.as_uri())
    bounds = payload["lenses"][0]["bounds"]
    assert bounds["best"] < bounds["worst"]
    for side in ("best", "worst"):
        browser.find_element("id", f"set-{side}").click()
        assert page_scores(browser)["Alibaba"][0] == bounds[side]


def test_sliders_are_labelled_and_reached_by_tab(browser: Any, page: tuple[Path, dict[str, Any]]) -> None:
    from selenium.webdriver.common.keys import Keys

    path, payload = page
    open_page(browser, path.as_uri())
    labels = browser.execute_script("""return Array.from(document.querySelectorAll('input[type=range]')).map(function (s) {
        var l = document.querySelector('label[for="' + s.id + '"]'); return l ? l.textContent : null; });""")
    assert [label.split(" ")[0] if label else None for label in labels] == _metrics(payload, 0)
    from selenium.webdriver.common.action_chains import ActionChains

    browser.execute_script("window.__reached = []; document.addEventListener('focusin', function (e) {"
                           " window.__reached.push(e.target.id); });")
    browser.execute_script("document.getElementById('lens').focus(); window.__reached = [];")
    ActionChains(browser).send_keys(Keys.TAB * 20).perform()  # one round trip for every key
    reached = browser.execute_script("return window.__reached")
    assert reached[:5] == ["normalize", "aggregate", "ties", "focus", "reset"]
    assert {"w-0", "wn-0", "w-1", "w-2"} <= set(reached)
    before = browser.execute_script("return ExplorePage.state().w[0]")
    slider = browser.find_element("id", "w-0")
    slider.send_keys(Keys.ARROW_RIGHT)
    after = browser.execute_script("return ExplorePage.state().w[0]")
    assert before < after <= before + 0.001 and after == float(slider.get_attribute("value"))


def test_hostile_names_show_as_text(browser: Any, tmp_path: Path) -> None:
    hostile = "<img src=x onerror=window.__pwned=1>"
    data = tmp_path / "hostile.csv"
    data.write_text(f'name,"<b>m1</b>",m2\n"{hostile}",3,1\nB,1,2\n"C</script><script>window.__pwned=2</script>",2,2\n',
                    encoding="utf-8")
    path = tmp_path / "hostile.html"
    build(path, "--data", str(data), "--focus", hostile, "--samples", "100", "--lenses", "none")
    open_page(browser, path.as_uri())
    assert browser.execute_script("return window.__pwned === undefined && document.querySelectorAll('img, b').length") == 0
    names = [row[1] for row in table(browser)]
    assert hostile in names and "C</script><script>window.__pwned=2</script>" in names
    assert browser.find_element("css selector", "tr.focus th").text == hostile
    assert "<b>m1</b>" in browser.find_element("id", "table-head").text
    assert hostile in browser.find_element("id", "command").get_attribute("value")


def test_the_page_asks_the_network_for_nothing(browser: Any, page: tuple[Path, dict[str, Any]]) -> None:
    path, _ = page
    text = path.read_text(encoding="utf-8")
    assert "http://" not in text and "https://" not in text and "//cdn" not in text
    browser.get_log("performance")  # drop what earlier tests logged
    open_page(browser, path.as_uri())
    set_state(browser, w=[0.4, 0.1, 0.3])
    requested = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    assert requested and all(url.startswith(("file://", "data:", "about:")) for url in requested), requested


CONFIDENCE_PANEL = """
var box = document.getElementById("confidence");
return {sentence: (box.querySelector("#confidence-sentence") || {}).textContent || null,
        verdict: (box.querySelector("#budget-verdict") || {}).textContent || null,
        missing: (box.querySelector("#budget-missing") || {}).textContent || null,
        tables: Array.from(box.querySelectorAll("table")).map(function (t) {
          return Array.from(t.querySelectorAll("tbody tr")).map(function (tr) {
            return Array.from(tr.children).map(function (c) { return c.textContent; }); }); }),
        codes: Array.from(box.querySelectorAll("code")).map(function (c) { return c.textContent; }),
        text: box.textContent};
"""


def test_the_confidence_panel_shows_the_payloads_rank_sets_and_budget(browser: Any,
                                                                      page: tuple[Path, dict[str, Any]]) -> None:
    path, payload = page
    open_page(browser, path.as_uri())
    base = payload["lenses"][0]
    C, B = base["confidence"], base["budget"]
    set_state(browser, lens=0, f=payload["focus"])
    got = browser.execute_script(CONFIDENCE_PANEL)
    assert got["sentence"] == C["sentence"] and got["sentence"].startswith(f"{payload['focus']} is ")
    facts = dict((row[0], row[1]) for row in got["tables"][0])
    assert facts["rank (methodology's weights)"] == str(C["rank"])
    assert facts["95% marginal rank set"] == f"{C['marginal'][0]}\u2013{C['marginal'][1]}"
    assert facts["95% simultaneous rank set"] == f"{C['simultaneous'][0]}\u2013{C['simultaneous'][1]}"
    assert facts[f"surely in the top {C['top_k']['k']}"] == (", ".join(C["top_k"]["surely"]) or "none")
    assert [row[0] for row in got["tables"][1]] == [r["contributor"] for r in C["rows"]]
    assert f"{C['bootstrap_runs']} bootstrap resamples" in got["text"] and C["method"] in got["text"]
    assert got["verdict"] == B["verdict"]
    budget = {row[0]: row for row in got["tables"][2]}
    for g in B["groups"]:
        assert budget[g["group"]][2] == f"{g['ST']:.2f} [{g['ST_ci'][0]:.2f}, {g['ST_ci'][1]:.2f}]"
    assert got["codes"] == [C["command"], B["command"]]
    # another lens: its own rank sets, the budget said to be for the first lens only
    other = next(i for i, lens in enumerate(payload["lenses"]) if i and "confidence" in lens
                 and "sentence" in lens["confidence"])
    set_state(browser, lens=other, f=payload["focus"])
    got = browser.execute_script(CONFIDENCE_PANEL)
    assert got["sentence"] == payload["lenses"][other]["confidence"]["sentence"]
    assert got["verdict"] is None and "lens the page was built with only" in got["missing"]
    # another focus: nothing computed for it, and the page says so
    rival = next(c for c in base["contributors"] if c != payload["focus"])
    set_state(browser, lens=0, f=rival)
    got = browser.execute_script(CONFIDENCE_PANEL)
    assert got["sentence"] is None and f"computed at build time for {payload['focus']} only" in got["text"]
