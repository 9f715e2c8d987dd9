"""``rankings report``: the self-contained HTML page (rankings.cli.report, rankings.report)."""

from __future__ import annotations

import base64
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli.report import COMMANDS, report_command

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SECTIONS = ("data", "methods", "bounds", "sweeps", "tipping", "uncertainty", "confidence", "rivals", "ternary",
            "gap", "provenance")
HOSTILE = "<script>alert(1)</script>"


class _Page(HTMLParser):
    """Checks nesting and collects tags, attributes, ids and text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else 'nothing'}>")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if a.get("id")}

    def images(self) -> list[str]:
        return [a.get("src") or "" for t, a in self.tags if t == "img"]


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def _run(*args: str):
    return CliRunner().invoke(report_command, list(args))


@pytest.fixture(scope="module")
def default_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "alibaba.html"
    res = _run("-o", str(out), "--samples", "2000")  # seed 0, the default
    assert res.exit_code == 0, res.output
    return out.read_text(encoding="utf-8")


@pytest.fixture()
def hostile_csv(tmp_path: Path) -> Path:
    data = tmp_path / "matrix.csv"
    data.write_text("contributor,quality,speed,reach\n"
                    "Alibaba,3,5,1\n"
                    f"{HOSTILE},4,2,2\n"
                    "C & D,1,1,3\n"
                    "Plain,2,4,4\n", encoding="utf-8")
    (tmp_path / "matrix.metrics.csv").write_text(
        "name,direction,kind,unit,description,source,proxy\n"
        "quality,max,score,points,how good <b>it</b> is,survey.csv,false\n"
        "speed,max,score,tokens/s,throughput,bench.csv,true\n"
        "reach,max,count,users,monthly users,,false\n", encoding="utf-8")
    return data


def test_commands_list():
    assert COMMANDS == [report_command]


def test_page_is_balanced_html_with_every_section(default_report: str):
    page = _parse(default_report)
    assert page.errors == []
    assert page.stack == []
    assert default_report.startswith("<!DOCTYPE html>")
    assert set(SECTIONS) <= page.ids
    toc = [a["href"] for t, a in page.tags if t == "a" and (a.get("href") or "").startswith("#")]
    assert toc == [f"#{s}" for s in SECTIONS]
    assert sum(1 for t, _ in page.tags if t == "h1") == 1


def test_headline_summary_and_footer(default_report: str):
    text = " ".join(" ".join(_parse(default_report).text).split())
    assert "Alibaba ranks 3rd under the AI Index method, 3rd under equal-core" in text
    assert "it can reach 2nd at best and fall to 7th at worst" in text
    assert "in the top 3 with probability" in text
    assert "smallest weight change that lifts it to 2nd" in text
    assert "OpenAI (2nd)" in text and "Anthropic (4th)" in text
    assert "Epoch AI" in text and "CC BY 4.0" in text
    assert "seed 0" in text
    # provenance of the default dataset comes from metric_sources (snapshot and terms)
    assert "notable_ai_models__snap2026-08.csv" in text and "snapshot 2026-08" in text


def test_no_external_resources(default_report: str):
    page = _parse(default_report)
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe", "object", "embed"), tag
        for key in ("src", "href", "action", "srcset", "poster", "data"):
            value = attrs.get(key) or ""
            assert "http://" not in value and "https://" not in value, (tag, key, value[:80])
            assert not value.startswith("//"), (tag, key, value[:80])
        if tag == "a":
            assert (attrs.get("href") or "#").startswith("#")
    style = re.findall(r"<style>(.*?)</style>", default_report, flags=re.S)
    assert style and all("url(" not in s and "@import" not in s for s in style)


def test_images_are_inline_pngs(default_report: str):
    sources = _parse(default_report).images()
    assert len(sources) >= 9  # bump, sweep, 3 sensitivity, sobol, 2 gaps, ternary
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        raw = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert raw.startswith(PNG_MAGIC)
        assert b"Software" not in raw[:4096]  # no matplotlib version stamped into the file
    assert "Figure 9." in default_report


def test_focus_rows_are_highlighted(default_report: str):
    rows = re.findall(r'<tr class="focus"><td>([^<]*)</td>', default_report)
    assert "Alibaba" in rows
    from rankings.report.plots import FOCUS_COLOR

    assert f"--focus: {FOCUS_COLOR}" in default_report


def test_hostile_names_are_escaped_and_data_works(tmp_path: Path, hostile_csv: Path):
    out = tmp_path / "r.html"
    res = _run("--data", str(hostile_csv), "-o", str(out), "--samples", "400")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    parsed = _parse(page)
    assert parsed.errors == [] and parsed.stack == []
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE in " ".join(parsed.text)  # shown as text
    assert not any(tag == "script" for tag, _ in parsed.tags)
    assert "<b>it</b>" not in page and "how good &lt;b&gt;it&lt;/b&gt; is" in page
    assert "C &amp; D" in page
    assert "equal-weights" in page
    # provenance from the table's MetricSpec fields; no Epoch credit for the user's data
    assert "survey.csv" in page and "tokens/s" in page
    assert "Epoch AI" not in page and "supplied by the user" in page
    for src in parsed.images():
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG_MAGIC)


def test_hostile_focus_name(tmp_path: Path, hostile_csv: Path):
    out = tmp_path / "r.html"
    res = _run("--data", str(hostile_csv), "--focus", HOSTILE, "-o", str(out), "--samples", "300", "--no-sobol")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert HOSTILE not in page
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; in the contributor rankings</title>" in page
    assert "Not computed (--no-sobol)" in page


def test_same_seed_same_bytes(tmp_path: Path, hostile_csv: Path):
    a, b, c = tmp_path / "a.html", tmp_path / "b.html", tmp_path / "c.html"
    for out, seed in ((a, "5"), (b, "5"), (c, "6")):
        res = _run("--data", str(hostile_csv), "-o", str(out), "--samples", "500", "--seed", seed)
        assert res.exit_code == 0, res.output
    assert a.read_bytes() == b.read_bytes()
    assert a.read_bytes() != c.read_bytes()


def test_same_seed_same_bytes_on_default_data(tmp_path: Path, default_report: str):
    # seed 0 included: SALib's bootstrap treats seed 0 as "unseeded", which the report guards against
    np.random.rand(7)  # move numpy's global generator: the page must not depend on it
    out = tmp_path / "again.html"
    res = _run("-o", str(out), "--samples", "2000", "--seed", "0")
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == default_report


@pytest.mark.parametrize("name", ["report.txt", "report", "report.html.png"])
def test_output_must_be_html(tmp_path: Path, name: str):
    res = _run("-o", str(tmp_path / name))
    assert res.exit_code == 2
    assert res.output.strip().count("\n") == 0
    assert "Error: --output must end in .html" in res.output
    assert not (tmp_path / name).exists()


def test_output_folder_must_exist(tmp_path: Path):
    res = _run("-o", str(tmp_path / "missing" / "r.html"))
    assert res.exit_code == 2 and res.output.strip().count("\n") == 0
    assert "folder must exist" in res.output


def test_output_may_not_be_a_folder(tmp_path: Path):
    folder = tmp_path / "x.html"
    folder.mkdir()
    res = _run("-o", str(folder))
    assert res.exit_code == 2 and "must be a file path" in res.output


def test_unknown_focus_is_one_line_and_writes_nothing(tmp_path: Path):
    out = tmp_path / "r.html"
    res = _run("--focus", "Nobody Ltd", "-o", str(out))
    assert res.exit_code == 2
    assert res.output.startswith("Error:") and res.output.strip().count("\n") == 0
    assert list(tmp_path.iterdir()) == []


def test_data_without_default_focus_reports_on_the_nominal_leader(tmp_path: Path):
    data = tmp_path / "m.csv"
    data.write_text("name,a,b\nX,1,2\nY,2,3\n")
    res = _run("--data", str(data), "-o", str(tmp_path / "r.html"), "--samples", "200", "--no-sobol")
    assert res.exit_code == 0, res.output
    assert "the focus lines describe the nominal leader, Y" in res.output
    assert "A methodology report on Y" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_sections_that_cannot_run_show_notes(tmp_path: Path):
    out = tmp_path / "r.html"
    res = _run("--method", "ai-index", "-o", str(out), "--samples", "300")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert _parse(page).errors == []
    assert "sweep needs at least two metrics" in page
    assert "a ternary map needs three metrics" in page
    assert "No weighting of these metrics lifts Alibaba above 3rd" in page


def test_a_composite_that_drops_the_focus_skips_its_sections(tmp_path: Path):
    out = tmp_path / "r.html"
    res = _run("--method", "citations", "-o", str(out), "--samples", "300")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert page.count("Not computed: citations cannot rank Alibaba") == 7
    assert 'id="methods"' in page and "ranks 3rd under the AI Index method" in page


def test_nonlinear_method_is_labelled_sampled(tmp_path: Path):
    out = tmp_path / "r.html"
    res = _run("--method", "topsis-core", "--no-sobol", "-o", str(out), "--samples", "500",
               "--ternary", "notable_models,frontier_eci,venue_papers")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "Sampled, not proven" in page
    assert "sampled grid, not exact" in page or "not exact" in page
    assert "chosen with --ternary" in page


def test_ternary_option_checks_metrics(tmp_path: Path):
    res = _run("--ternary", "notable_models,frontier_eci", "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 2 and "three different metrics" in res.output
    res = _run("--ternary", "a,b,c", "-o", str(tmp_path / "r.html"))
    assert res.exit_code == 2 and "unknown metric" in res.output


def test_sweep_steps_plot_is_deterministic(tmp_path: Path):
    from rankings.data import load_default
    from rankings.registry import default_registry
    from rankings.report import plots
    from rankings.sensitivity.exact import sweep

    result = sweep(default_registry().get("equal-core"), load_default(), "Alibaba")
    a = plots.sweep_steps(result, tmp_path / "a.png")
    b = plots.sweep_steps(result, tmp_path / "b.png")
    assert a.read_bytes().startswith(PNG_MAGIC) and a.read_bytes() == b.read_bytes()
    s1 = plots.sweep_steps(result, tmp_path / "a.svg")
    s2 = plots.sweep_steps(result, tmp_path / "b.svg")
    assert s1.read_bytes() == s2.read_bytes()
    assert b"<dc:date>" not in s1.read_bytes()


def test_plot_steps_merge_slivers():
    from rankings.report.plots import _plot_steps, _rank_ticks

    edges, values = _plot_steps([(0.0, 0.3, 4), (0.3, 0.3 + 1e-9, 2), (0.3 + 1e-9, 0.6, 4), (0.6, 1.0, 7)])
    assert list(values) == [4, 7] and list(edges) == [0.0, 0.6, 1.0]
    assert _rank_ticks(1, 3) == [1, 2, 3]
    assert 0 not in _rank_ticks(1, 157)


def test_build_report_library_call():
    from rankings.data import load_default
    from rankings.registry import default_registry
    from rankings.report.build import build_report, ordinal

    table = load_default()
    method = default_registry().get("equal-core")
    page = build_report(method, table, "alibaba", samples=300, seed=1, sobol=False)
    assert "<title>Alibaba in the contributor rankings</title>" in page
    assert [ordinal(x) for x in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th"]


def test_the_report_states_each_metrics_direction_and_its_source(tmp_path: Path):
    data = tmp_path / "m.csv"
    data.write_text("name,price,quality\nX,1,2\nY,2,3\nZ,3,1\n")
    out = tmp_path / "r.html"
    res = _run("--data", str(data), "--direction", "price=min", "--focus", "X", "-o", str(out), "--samples", "200",
               "--no-sobol")
    assert res.exit_code == 0, res.output
    page = out.read_text(encoding="utf-8")
    assert "price min (--direction)" in page and "quality max (default)" in page


def test_confidence_section_quotes_the_rank_set_and_the_budget(default_report: str):
    text = " ".join(" ".join(_parse(default_report).text).split())
    assert "Is the rank significant?" in text
    start = text.index("Is the rank significant?", text.index("Is the rank significant?") + 1)
    part = text[start:start + 6000]
    assert "Alibaba is third; at 95% its rank is " in part
    assert "500 bootstrap resamples of the models and papers records" in part
    assert "Mogstad, Romano, Shaikh and Wilhelm (2024)" in part
    assert "95% marginal rank set" in part and "95% simultaneous rank set" in part
    assert "Uncertainty budget: the data or the method?" in part
    assert "Most of the variance of Alibaba's rank comes from the " in part


def test_figures_are_numbered_in_page_order(default_report: str):
    numbers = [int(n) for n in re.findall(r"<b>Figure (\d+)\.</b>", default_report)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 8
    assert "<!--figure-->" not in default_report


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the sampled sections are forked on Linux only")
def test_sections_built_in_a_forked_child_give_the_same_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from rankings.report import build, fork

    joined = []

    def recording(builders, extra):
        join = fork.build_in_child(builders, extra)
        if join is None:
            return None

        def wrapped():
            result = join()
            joined.append(result is not None)
            return result

        wrapped.pid = join.pid  # type: ignore[attr-defined]
        return wrapped

    monkeypatch.setattr(build, "build_in_child", recording)
    pages = {}
    for setting in ("1", "0"):
        monkeypatch.setenv("RANKINGS_REPORT_FORK", setting)
        assert fork.can_fork() is (setting == "1")
        out = tmp_path / f"fork-{setting}.html"
        res = _run("-o", str(out), "--samples", "600", "--year", "2024")
        assert res.exit_code == 0, res.output
        pages[setting] = out.read_bytes()
    assert joined == [True]  # the child built the sampled sections once, and only with the fork on
    assert pages["1"] == pages["0"]
    assert b"Rank acceptability" in pages["1"] and b"Uncertainty budget" in pages["1"]
