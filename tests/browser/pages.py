"""Building explore pages in-process and driving them: the helpers the browser tests share."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from rankings.cli.main import main

_PAYLOAD = re.compile(r'<script type="application/json" id="explore-data">(.*?)</script>', re.S)


def cli(args: list[str]) -> Any:
    """Run ``rankings ARGS`` in-process."""
    return CliRunner().invoke(main, args, catch_exceptions=False)


def build(path: Path, *args: str) -> dict[str, Any]:
    """Write a page with ``rankings explore ARGS -o PATH`` and return its embedded payload."""
    result = cli(["explore", *args, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return json.loads(_PAYLOAD.search(path.read_text(encoding="utf-8")).group(1))


def open_page(driver: Any, url: str) -> None:
    driver.get("about:blank")
    driver.get(url)
    assert driver.execute_script("return typeof window.ExplorePage") == "object"


SET_STATE = """
var s = arguments[0];
function fire(el, kind) { el.dispatchEvent(new Event(kind, {bubbles: true})); }
function choose(id, v) { var el = document.getElementById(id); el.value = v; fire(el, "change"); }
if (s.lens !== undefined) choose("lens", String(s.lens));
if (s.n !== undefined) choose("normalize", s.n);
if (s.a !== undefined) choose("aggregate", s.a);
if (s.t !== undefined) choose("ties", s.t);
if (s.f !== undefined) choose("focus", s.f);
var all = document.getElementById("show-all");
if (!all.checked) { all.checked = true; fire(all, "change"); }
if (s.w) s.w.forEach(function (x, j) { var el = document.getElementById("w-" + j); el.value = String(x); fire(el, "input"); });
"""


def set_state(driver: Any, **state: Any) -> None:
    """Move the page's controls as a user would (selects changed, sliders dragged to values)."""
    driver.execute_script(SET_STATE, state)


def table(driver: Any) -> list[tuple[str, str, str]]:
    """The ranking table shown: (rank, contributor, score) as the page prints them."""
    return [tuple(row) for row in driver.execute_script("""
        return Array.from(document.querySelectorAll('#table-body tr')).map(function (tr) {
          return [tr.children[0].textContent, tr.children[1].textContent, tr.children[2].textContent]; });""")]


def page_scores(driver: Any) -> dict[str, tuple[float, float]]:
    """contributor -> (rank, score) as the page computed them."""
    out = driver.execute_script("var o = ExplorePage.last().out; return o.error ? null : [o.names, o.ranks, o.scores];")
    if out is None:
        return {}
    names, ranks, scores = out
    return {n: (float(r), float(s)) for n, r, s in zip(names, ranks, scores)}


def cli_json(words: list[str]) -> Any:
    """``rankings rank ... --format json`` in-process; the parsed output, or the result on failure."""
    result = cli([*words, "--format", "json"])
    if result.exit_code != 0:
        return result
    return json.loads(result.output)


def command_words(driver: Any) -> list[str]:
    """The page's "copy command" line, split as a shell would, without the leading ``rankings``."""
    text = driver.find_element("id", "command").get_attribute("value")
    words = shlex.split(text)
    assert words[:2] == ["rankings", "rank"], text
    return words[1:]
