"""The command line: output contracts, exact error texts, exit codes, atomic output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from rankings.cli import main

TEXTBOOK = "alternative,price,quality,speed\nA,250,16,12\nB,200,16,8\nC,300,32,16\nD,275,32,8\n"


def run(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    result = runner.invoke(main, list(args), catch_exceptions=True)
    return result


@pytest.fixture()
def matrix(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.csv"
    path.write_text(TEXTBOOK)
    return path


def test_default_rank_is_the_ai_index_headline_with_the_focus_marked():
    result = run("rank", "--top", "5")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "ai-index" in lines[0]
    ranked = [line.split() for line in lines if line.strip()[:1].isdigit() or line.startswith("->")]
    assert [r[-3] if r[0] == "->" else r[1] for r in ranked[:3]] == ["OpenAI", "Google", "Alibaba"]
    assert any(line.startswith("->") and "Alibaba" in line for line in lines)
    assert "Focus: Alibaba is ranked 3 of" in result.output


def test_rank_json_contract():
    result = run("rank", "--format", "json", "--method", "equal-core")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    method = payload["methodology"]
    assert method["name"] == "equal-core"
    assert method["normalization"] == "min-max" and method["aggregation"] == "arithmetic"
    assert pytest.approx(sum(method["weights"].values())) == 1.0
    rows = payload["ranking"]
    assert [r["rank"] for r in rows] == sorted(r["rank"] for r in rows)
    first = rows[0]
    assert set(first) >= {"contributor", "rank", "score", "normalized"}
    assert set(first["normalized"]) == set(method["weights"])
    assert payload["focus"]["contributor"] == "Alibaba"
    assert payload["focus"]["rank"] == next(r["rank"] for r in rows if r["contributor"] == "Alibaba")


def test_textbook_matrix_with_cost_direction(matrix: Path):
    result = run("rank", "--data", str(matrix), "--direction", "price=min", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["ranking"]
    # min-max, equal weights: C (0.25*0 + 1 + 1)/3 ... computed by hand below
    expected = {"A": (0.5 + 0 + 0.5) / 3, "B": (1 + 0 + 0) / 3, "C": (0 + 1 + 1) / 3, "D": (0.25 + 1 + 0) / 3}
    for row in rows:
        assert row["score"] == pytest.approx(expected[row["contributor"]])
    assert [r["contributor"] for r in rows] == ["C", "D", "A", "B"]


def test_weights_that_do_not_sum_to_one_are_rescaled_and_said(matrix: Path):
    result = run("rank", "--data", str(matrix), "--weights", "price=2,quality=2", "--direction", "price=min")
    assert result.exit_code == 0, result.output
    assert "Note: weights summed to 4 and were rescaled to sum to 1" in result.output
    assert "price=0.5, quality=0.5" in result.output


def test_csv_output_and_atomic_file(matrix: Path, tmp_path: Path):
    out = tmp_path / "ranking.csv"
    result = run("rank", "--data", str(matrix), "--format", "csv", "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert text.splitlines()[0] == "rank,contributor,score,price,quality,speed"
    assert len(text.splitlines()) == 5
    out.write_text("previous content\n")
    bad = run("rank", "--data", str(matrix), "--weights", "nope=1", "--format", "csv", "--output", str(out))
    assert bad.exit_code == 2
    assert out.read_text() == "previous content\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".ranking.csv")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["rank", "--method", "equal-cor"],
         "Error: unknown methodology 'equal-cor'; did you mean 'equal-core', 'equal-weights', 'borda-core'?"),
        (["rank", "--aggregate", "topsys"],
         "Error: methodology 'ai-index*' (built-in ai-index.toml): unknown aggregation 'topsys'; did you mean 'topsis'?"),
        (["rank", "--normalize", "minmax"],
         "Error: methodology 'ai-index*' (built-in ai-index.toml): unknown normalisation 'minmax'; did you mean 'min-max'"),
        (["rank", "--weights", "notable_models=-1"],
         "Error: methodology 'ai-index*' (built-in ai-index.toml): weight of 'notable_models' must be non-negative (got -1)"),
        (["rank", "--weights", "notable_models=abc"], "Error: weight of 'notable_models' must be a number (got 'abc')"),
        (["rank", "--weights", "notable_models=0"],
         "Error: methodology 'ai-index*' (built-in ai-index.toml): weights must not all be zero (got notable_models=0)"),
        (["rank", "--weights", "notable_modls=1"], "unknown metric 'notable_modls'; did you mean 'notable_models'"),
        (["rank", "--focus", "alibabba"], "Error: unknown contributor 'alibabba'; did you mean 'Alibaba'?"),
        (["rank", "--snapshot", "2023"], "Error: unknown snapshot '2023'"),
        (["rank", "--data", "no/such/file.csv"], "Error: data file must exist (got 'no/such/file.csv', which does not)"),
        (["rank", "--counting", "half"], "Invalid value for '--counting'"),
        (["explain", "Alibaba", "--vs", "Alibaba"], "Error: --vs must name a different contributor (got 'Alibaba' twice)"),
        (["show", "nope"], "Error: unknown methodology 'nope'"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, message):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(errors) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("alt,x\nA,1\nA,2\n", "contributor names must be unique (got 'A' twice)"),
        ("alt,x\nA,abc\n", "row 2, column 'x' must be a number or empty (got 'abc')"),
        ("alt,x\nA,inf\n", "row 2, column 'x' must be finite (got 'inf')"),
        ("", "the file is empty (expected a header row and contributor rows)"),
        ("alt,x\n", "the file has a header but no contributor rows"),
        ("alt,x,y\nA,1,2\nB,,3\n", "values must be present for the metrics used (got 1 missing: B/x)"),
    ],
)
def test_bad_data_files(tmp_path: Path, content: str, message: str):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    result = run("rank", "--data", str(path))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_negative_count_in_a_spec_file_is_refused(tmp_path: Path):
    (tmp_path / "t.csv").write_text("alt,papers\nA,3\nB,-1\n")
    (tmp_path / "t.metrics.csv").write_text("name,direction,kind\npapers,max,count\n")
    result = run("rank", "--data", str(tmp_path / "t.csv"))
    assert result.exit_code == 2
    assert "count metric 'papers' must be non-negative (got -1 for 'B')" in result.output


def test_missing_rules_are_selectable(tmp_path: Path):
    path = tmp_path / "gaps.csv"
    path.write_text("alt,x,y\nA,1,2\nB,,3\nC,4,1\nD,2,3\n")
    dropped = run("rank", "--data", str(path), "--missing", "drop", "--format", "json")
    # min-max over A, C, D: A (0 + 0.5)/2, C (1 + 0)/2, D (1/3 + 1)/2
    assert [r["contributor"] for r in json.loads(dropped.output)["ranking"]] == ["D", "C", "A"]
    assert "removed 1 contributor(s) with missing values: B" in json.loads(dropped.output)["notes"][0]
    worst = run("rank", "--data", str(path), "--missing", "worst", "--format", "json")
    rows = {r["contributor"]: r for r in json.loads(worst.output)["ranking"]}
    assert rows["B"]["values"]["x"] is None  # observed: missing
    assert rows["B"]["filled"] == {"x": 1.0}  # what the rule put there, apart
    assert "filled" not in rows["A"]


def test_methods_dir_with_a_bad_toml(tmp_path: Path):
    (tmp_path / "bad.toml").write_text('name = "x"\nfoo = 1\n')
    result = run("methods", "--methods-dir", str(tmp_path))
    assert result.exit_code == 2
    assert f"methodology file {tmp_path / 'bad.toml'}: unknown key 'foo'" in result.output


def test_methods_dir_adds_a_methodology(tmp_path: Path, matrix: Path):
    (tmp_path / "cheap.toml").write_text(
        'name = "cheapest"\ndescription = "lowest price wins"\nnormalize = "none"\naggregate = "arithmetic"\n'
        'invariants = ["permutation"]\n[weights]\nprice = 1\n'
    )
    result = run("rank", "--methods-dir", str(tmp_path), "--method", "cheapest", "--data", str(matrix),
                 "--direction", "price=min", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ranking"][0]["contributor"] == "B"


def test_compare_shows_shifts_and_kendall():
    result = run("compare", "ai-index", "equal-core", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["methodologies"] == ["ai-index", "equal-core"]
    alibaba = next(r for r in payload["ranking"] if r["contributor"] == "Alibaba")
    assert alibaba["ranks"]["ai-index"] == 3
    assert alibaba["shift"]["equal-core"] == 3 - alibaba["ranks"]["equal-core"]
    assert -1 <= payload["kendall_tau"]["ai-index"]["equal-core"] <= 1
    table = run("compare", "ai-index", "equal-core", "--top", "3")
    assert "Kendall tau-b against ai-index" in table.output


def test_explain_contributions_add_up():
    result = run("explain", "Alibaba", "--vs", "Google", "--method", "equal-core", "--format", "json")
    payload = json.loads(result.output)
    assert payload["decomposition"] == "additive"
    assert sum(m["contribution"] for m in payload["metrics"]) == pytest.approx(payload["gap"])
    assert payload["gap"] == pytest.approx(payload["score"] - payload["rival_score"])


def test_explain_nonlinear_uses_shapley():
    result = run("explain", "Alibaba", "--vs", "Google", "--method", "topsis-core", "--format", "json")
    payload = json.loads(result.output)
    assert payload["decomposition"] == "shapley"
    assert sum(m["contribution"] for m in payload["metrics"]) == pytest.approx(payload["gap"], abs=1e-12)


def test_check_runs_declared_invariants():
    result = run("check", "equal-core", "--examples", "30")
    assert result.exit_code == 0, result.output
    assert "9 passed, 0 failed" in result.output


def test_check_exits_1_when_a_claim_is_false(tmp_path: Path):
    (tmp_path / "liar.toml").write_text(
        'name = "liar"\ndescription = "claims IIA it lacks"\nnormalize = "min-max"\naggregate = "arithmetic"\n'
        'invariants = ["iia"]\n[weights]\na = 0.5\nb = 0.5\n'
    )
    result = run("check", "liar", "--methods-dir", str(tmp_path), "--examples", "300")
    assert result.exit_code == 1
    assert "VIOLATED" in result.output


def test_every_command_has_help_with_an_example():
    for name, command in main.commands.items():
        if hasattr(command, "commands"):
            for sub in command.commands.values():
                assert "Example" in (sub.help or ""), f"{name} {sub.name}"
        else:
            assert "Example" in (command.help or ""), name


def test_every_command_is_in_the_readme():
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for name, command in main.commands.items():
        assert f"rankings {name}" in readme, name
        for sub in getattr(command, "commands", {}):
            assert f"rankings {name} {sub}" in readme, f"{name} {sub}"


def test_manifest_and_replay_reproduce_a_run(tmp_path: Path):
    manifest = tmp_path / "run.json"
    first = run("rank", "--method", "equal-core", "--weights", "notable_models=2,frontier_eci=1", "--top", "5",
                "--manifest", str(manifest))
    assert first.exit_code == 0, first.output
    recorded = json.loads(manifest.read_text())
    assert recorded["command"] == "rank"
    assert recorded["arguments"] == ["--method", "equal-core", "--weights", "notable_models=2,frontier_eci=1",
                                     "--top", "5"]
    assert recorded["data"][0]["label"] == "default dataset" and len(recorded["data"][0]["sha256"]) == 64
    assert recorded["methodologies"][0]["weights"] == {"notable_models": 2.0, "frontier_eci": 1.0}
    again = run("replay", str(manifest))
    assert again.exit_code == 0, again.output
    assert again.output.startswith(first.output)
    assert "replay matches" in again.output


def test_replay_says_what_differs(tmp_path: Path):
    manifest = tmp_path / "run.json"
    run("rank", "--top", "3", "--manifest", str(manifest))
    payload = json.loads(manifest.read_text())
    payload["versions"]["rankings"] = "0.0.1"
    payload["output_sha256"] = "0" * 64
    payload["data"][0]["sha256"] = "f" * 64
    manifest.write_text(json.dumps(payload))
    result = run("replay", str(manifest))
    assert result.exit_code == 1
    assert "replay differs: rankings version: recorded 0.0.1" in result.output
    assert "replay differs: data 'default dataset' changed" in result.output
    assert "replay differs: output differs" in result.output


def test_output_suffix_picks_csv_json_or_parquet(tmp_path: Path):
    pd = pytest.importorskip("pandas")
    for suffix in ("csv", "json", "parquet"):
        out = tmp_path / f"ranking.{suffix}"
        result = run("rank", "--top", "3", "--output", str(out))
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    assert pd.read_parquet(tmp_path / "ranking.parquet")["contributor"].tolist()[:3] == ["OpenAI", "Google", "Alibaba"]
    assert json.loads((tmp_path / "ranking.json").read_text())["ranking"][2]["contributor"] == "Alibaba"
    assert (tmp_path / "ranking.csv").read_text().splitlines()[3].startswith("3,Alibaba,")
    needs_file = run("rank", "--format", "parquet")
    assert needs_file.exit_code == 2
    assert "Error: --format parquet needs --output FILE.parquet" in needs_file.output


def test_plots_are_written_whole(tmp_path: Path):
    bump = tmp_path / "bump.png"
    result = run("compare", "ai-index", "equal-core", "topsis-core", "--plot", str(bump))
    assert result.exit_code == 0, result.output
    assert bump.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and bump.stat().st_size > 10_000
    gap = tmp_path / "gap.svg"
    assert run("explain", "Alibaba", "--vs", "Google", "--method", "topsis-core", "--plot", str(gap)).exit_code == 0
    assert gap.read_text().lstrip().startswith("<?xml") and "Alibaba" in gap.read_text()
    tern = tmp_path / "tern.png"
    result = run("ternary", "--metrics", "notable_models,frontier_eci,venue_papers", "--resolution", "12",
                 "--plot", str(tern))
    assert result.exit_code == 0, result.output
    assert tern.stat().st_size > 10_000
    bad = run("ternary", "--metrics", "notable_models,frontier_eci", "--plot", str(tmp_path / "x.png"))
    assert bad.exit_code == 2 and "a ternary map needs three different metrics" in bad.output
    steps = tmp_path / "sweep.svg"
    assert run("sweep", "--plot", str(steps)).exit_code == 0
    assert "notable_models" in steps.read_text()
    bad_suffix = run("compare", "--plot", str(tmp_path / "x.jpg"))
    assert bad_suffix.exit_code == 2 and "--plot file must end in .png or .svg (got 'x.jpg')" in bad_suffix.output
    assert not list(tmp_path.glob(".*"))


def test_replay_reproduces_a_sensitivity_run_byte_for_byte(tmp_path: Path):
    manifest = tmp_path / "sens.json"
    args = ["sensitivity", "--method", "equal-core", "--samples", "3000", "--seed", "11",
            "--vary", "normalize=min-max,rank", "--format", "json"]
    first = run(*args, "--manifest", str(manifest))
    assert first.exit_code == 0, first.output
    recorded = json.loads(manifest.read_text())
    assert recorded["seed"] == 11 and recorded["command"] == "sensitivity"
    assert "--vary" in recorded["arguments"]
    replayed = run("replay", str(manifest))
    assert replayed.exit_code == 0, replayed.output
    assert replayed.output.startswith(first.output)
    assert json.loads(first.output)["samples"] == 3000


def test_sensitivity_plots(tmp_path: Path):
    stem = tmp_path / "alibaba.png"
    result = run("sensitivity", "--method", "equal-core", "--samples", "2000", "--vary", "aggregate=arithmetic,geometric",
                 "--sobol", "--sobol-samples", "128", "--plot", str(stem))
    assert result.exit_code == 0, result.output
    for part in ("distribution", "acceptability", "bands", "sobol"):
        picture = tmp_path / f"alibaba-{part}.png"
        assert picture.read_bytes()[:4] == b"\x89PNG" and picture.stat().st_size > 5_000, part


def test_own_model_records_through_the_lens_with_a_warning_for_unknown_organisations(tmp_path: Path):
    models = tmp_path / "models.csv"
    models.write_text("model,organizations,publication_date,open_weights\n"
                      "Qwen9,Alibaba Cloud,2025-03-01,true\nBar,OpenAI;Microsoft,2025-05-05,false\n"
                      "Baz,Alibabba Labs,2025-06-01,true\nOld,OpenAI,2024-02-01,false\n")
    result = CliRunner().invoke(main, ["rank", "--models", str(models), "--format", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    counts = {r["contributor"]: r["values"]["notable_models"] for r in payload["ranking"]}
    assert counts["Alibaba"] == 1 and counts["OpenAI"] == 1 and counts["Alibabba Labs"] == 1
    assert "Warning: " in result.stderr and "'Alibabba Labs' (closest known: Alibaba" in result.stderr
    earlier = CliRunner().invoke(main, ["rank", "--models", str(models), "--year", "2024", "--format", "json"])
    assert {r["contributor"]: r["values"]["notable_models"] for r in json.loads(earlier.stdout)["ranking"]}["OpenAI"] == 1


def test_validate_lists_every_problem_with_row_and_column(tmp_path: Path):
    models = tmp_path / "bad_models.csv"
    models.write_text("model,organizations,publication_date,open_weights\nQ,Alibaba,2025-03-01,true\n"
                      "Q,Alibaba,2025-03-01,true\nF,Alibabba Cloud Labs,2025-13-01,maybe\n")
    result = run("data", "validate", str(models))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"{models}: row 3, column 'model': duplicate model 'Q' (first on row 2)" in lines
    assert any("row 4, column 'publication_date': date must be YYYY-MM-DD" in line for line in lines)
    assert any("row 4, column 'organizations': unknown organisation 'Alibabba Cloud Labs'; closest known: Alibaba"
               in line for line in lines)
    assert any("row 4, column 'open_weights': must be true or false (got 'maybe')" in line for line in lines)
    assert lines[-1] == "4 problem(s)"
