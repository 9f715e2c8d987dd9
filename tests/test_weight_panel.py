"""--weight-panel: stakeholders' weights as the engine's weight distribution, beside uniform weights."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from rankings.cli import main
from rankings.declarative import load_toml
from rankings.errors import DataError
from rankings.sensitivity.panel import panel_sensitivity, read_weight_panel
from rankings.table_io import load_table

DATA = Path(__file__).parent / "data"
TAI = load_table(DATA / "tai_handbook_2008.csv")
METHOD = load_toml(DATA / "tai_handbook_2008.toml")
PREPARED = METHOD.prepare(TAI)


def _panel(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "panel.csv"
    path.write_text(text)
    return path


def test_pillar_columns_share_their_weight_as_the_methodology_does(tmp_path):
    path = _panel(tmp_path, "respondent,creation,diffusion_recent,diffusion_old,schooling,university\n"
                            "expert 1,4,2,2,1,1\nexpert 2,1,1,1,0,1\n")
    P = read_weight_panel(path, METHOD, PREPARED)
    assert P.shape == (2, 8)
    assert P[0].tolist() == pytest.approx([0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    assert P[1].tolist() == pytest.approx([0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.0, 0.25])


def test_each_run_uses_one_respondents_weights_and_is_seeded(tmp_path):
    path = _panel(tmp_path, "patents,royalties,internet,exports,telephones,electricity,schooling,university\n"
                            "1,0,0,0,0,0,0,0\n0,0,0,0,0,0,0,1\n")
    P = read_weight_panel(path, METHOD, PREPARED)
    a = panel_sensitivity(METHOD, TAI, panel=P, focus="Korea", samples=500, seed=4)
    b = panel_sensitivity(METHOD, TAI, panel=P, focus="Korea", samples=500, seed=4, chunk_size=33)
    assert np.array_equal(a.panel.acceptability, b.panel.acceptability)
    k = a.panel.contributors.index("Korea")
    # only patents (Korea 2nd: 779 behind Japan's 994) or only university (Korea 4th) can occur
    assert set(np.flatnonzero(a.panel.acceptability[k] > 0) + 1) == {2, 4}
    assert a.panel.acceptability[k, 1] == pytest.approx(0.5, abs=0.08)
    assert a.uniform.factors["weights"]["sampler"] == "dirichlet"
    smoothed = panel_sensitivity(METHOD, TAI, panel=P, smoothing=5.0, focus="Korea", samples=200, seed=4)
    assert smoothed.panel.factors["weights"]["smoothing"] == 5.0


@pytest.mark.parametrize("text, message", [
    ("patents,royalties,diffusion_recent,diffusion_old,human_skills\n1,-1,1,1,1\n",
     r"weight panel panel\.csv row 2: weights must be non-negative \(got royalties=-1\)"),
    ("creation,diffusion_recent,diffusion_old,human_skills\n1,1,1,1\n0,0,0,0\n",
     r"weight panel panel\.csv row 3: weights must not all be zero"),
    ("creation,colour,diffusion_old,human_skills\n1,1,1,1\n", r"column 'colour' must be a metric or pillar"),
    ("creation,patents,diffusion_recent,diffusion_old,human_skills\n1,1,1,1,1\n", r"metric 'patents' is weighted twice"),
    ("creation,diffusion_recent\n1,1\n", r"must weight every metric read \(got no column for 'telephones'\)"),
])
def test_bad_panels_are_one_line_errors_naming_file_and_row(tmp_path, text, message):
    with pytest.raises(DataError, match=message):
        read_weight_panel(_panel(tmp_path, text), METHOD, PREPARED)


def test_cli_reports_the_panel_beside_uniform_weights(tmp_path):
    path = _panel(tmp_path, "creation,diffusion_recent,diffusion_old,human_skills\n1,1,1,1\n3,1,1,1\n")
    args = ["sensitivity", "--data", str(DATA / "tai_handbook_2008.csv"), "--methods-dir", str(DATA),
            "--method", "tai-handbook", "--focus", "Korea", "--samples", "300", "--weight-panel", str(path)]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    assert "Panel " in out.output and "2 respondents, smoothing 0" in out.output
    assert "Beside uniform weights on the simplex (same seed and runs):" in out.output
    js = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).output)
    assert js["factors"]["weights"]["sampler"] == "panel"
    assert js["uniform_weights"]["factors"]["weights"]["sampler"] == "dirichlet"
    bad = _panel(tmp_path, "creation,diffusion_recent,diffusion_old,human_skills\n1,1,1,-2\n")
    err = CliRunner().invoke(main, args[:-1] + [str(bad)])
    assert err.exit_code == 2
    assert err.output.strip() == ("Error: weight panel panel.csv row 2: weights must be non-negative "
                                  "(got human_skills=-2)")


def test_the_report_shows_panel_and_uniform_weights_side_by_side(tmp_path):
    from rankings.report.sections.uncertainty import _panel_part
    from rankings.sensitivity.analyze import sensitivity

    path = _panel(tmp_path, "creation,diffusion_recent,diffusion_old,human_skills\n1,1,1,1\n3,1,1,1\n")
    P = read_weight_panel(path, METHOD, PREPARED)
    uniform = sensitivity(METHOD, TAI, focus="Korea", samples=200, seed=0)
    html = _panel_part(METHOD, TAI, "Korea", 200, 0, uniform, (P, path.name))
    assert "Weights elicited from a panel (panel.csv, 2 respondents" in html
    assert "<th>uniform weights</th>" in html.replace(' class="num"', "") or "uniform weights" in html
    assert f"{uniform.mean_rank[uniform.focus_index]:.2f}" in html
