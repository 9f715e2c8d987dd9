"""The Python API an analyst scripts against: the analyses at top level, tables from DataFrames."""

from __future__ import annotations

import pandas as pd
import pytest

import rankings
from rankings.errors import DataError, RankingsError


def frame() -> pd.DataFrame:
    return pd.DataFrame({"price": [250, 200, 300, 275], "quality": [16, 16, 32, 32], "country": ["x", "y", "x", "z"]},
                        index=pd.Index(["A", "B", "C", "D"], name="alternative"))


def test_from_frame_reads_names_metrics_attributes_and_directions():
    table = rankings.ContributorTable.from_frame(frame(), directions={"price": "min"})
    assert table.contributors == ("A", "B", "C", "D")
    assert table.metric_names == ("price", "quality")
    assert table.attributes["country"] == ("x", "y", "x", "z")
    assert table.spec("price").direction == "min" and table.spec("quality").direction == "max"
    assert rankings.load_table(frame()).metric_names == ("price", "quality")


def test_from_frame_takes_a_contributor_column_and_keeps_missing_as_nan():
    df = pd.DataFrame({"contributor": ["A", "B"], "m": [1.0, None]})
    table = rankings.ContributorTable.from_frame(df)
    assert table.contributors == ("A", "B")
    assert table.values[1, 0] != table.values[1, 0]  # NaN


@pytest.mark.parametrize("df,fragment", [
    (pd.DataFrame({"m": [1, 2]}), "the index must name the contributors"),
    (pd.DataFrame({"m": [1, 2]}, index=pd.Index(["A", "A"], name="n")), "unique (got 'A' twice)"),
    (pd.DataFrame({"m": ["1", "high"]}, index=pd.Index(["A", "B"], name="n")), "column 'm' must hold numbers (got 'high')"),
    (pd.DataFrame({"country": ["x", "y"]}, index=pd.Index(["A", "B"], name="n")), "at least one numeric metric"),
])
def test_from_frame_bad_input_is_a_rankings_error_saying_which(df: pd.DataFrame, fragment: str):
    with pytest.raises(RankingsError) as info:
        rankings.ContributorTable.from_frame(df)
    assert isinstance(info.value, DataError)
    assert fragment in str(info.value)


def test_load_table_of_something_else_is_a_clear_error():
    with pytest.raises(DataError, match="file path or a pandas DataFrame"):
        rankings.load_table(42)


def test_the_analyses_are_public_and_agree_with_their_modules():
    from rankings.sensitivity.exact import rank_bounds

    table = rankings.load_default()
    method = rankings.get_methodology("equal-core")
    assert rankings.rank_bounds is rank_bounds
    bounds = rankings.rank_bounds(method, table, "Alibaba")
    assert bounds.best.rank <= method.evaluate(table).rank_of("Alibaba") <= bounds.worst.rank
    runs = rankings.sensitivity_analysis(method, table, focus="Alibaba", samples=500, seed=1)
    assert isinstance(runs, rankings.SensitivityResult)
    assert "<table" in runs._repr_html_()
    for name in ("sweep", "tipping_point", "winners", "write_report"):
        assert callable(getattr(rankings, name)) and getattr(rankings, name).__doc__
