"""The report's section before the provenance table: is the gap between the two countries of the lens closed? Head against depth.
"""

from __future__ import annotations

import math
from typing import Any

from rankings.report.parts import _note, _table, e


def _value(p: Any) -> str:
    if not p.ok:
        return p.status
    if math.isnan(p.low) or math.isnan(p.high):
        return f"{p.value:g} (no interval) {p.model}".strip()
    return f"{p.value:g} [{p.low:g}, {p.high:g}] {p.model}".strip()


def _gap_section(table: Any, focus: str) -> str:
    from rankings.data.provenance import ECI_SNAPSHOT
    from rankings.gap import gap_analysis
    from rankings.gap.analysis import data_range
    from rankings.gap.headline import lens_countries, lens_date

    lens = table.lens
    if not lens or "years" not in lens or "snapshot" not in lens:
        return _note("Not computed: the gap section reads the default dataset, and this table is a user's own.")
    country = None
    if lens.get("by") == "country":
        country = focus
    elif "country" in table.attributes:
        country = table.attributes["country"][table.contributor_index(focus)] or None
    pair = lens_countries(lens, country)
    date = lens_date(lens)
    if pair is None:
        return _note("Not computed: the lens window has fewer than two countries with notable models.")
    if date < data_range()[0]:
        return _note(f"Not computed: the ECI data begin on {data_range()[0]}, after the lens window ends ({date}).")
    result = gap_analysis(*pair, by="country", at=[date])
    rows = [[r.measure, _value(r.a), _value(r.b), r.comparison["verdict"]]
            for r in result.rows if r.section in ("head", "depth")]
    return "".join([
        f"<p>{e(result.headline(date))}</p>",
        f"<p>The two countries of this lens ({e(pair[0])}, {e(pair[1])}) at {e(date)}: the best model of each (head) "
        "and the field behind it (depth). Parity is stated only where the two intervals overlap; a measure "
        "with too few models says so. <code>rankings gap --between</code> gives the series over time, "
        "openness and price-performance.</p>",
        _table(["measure", pair[0], pair[1], "verdict"], rows),
        _note(f"ECI: Epoch's 90% intervals (benchmarked models, snapshot {ECI_SNAPSHOT}); Arena: the board nearest "
              "the date, +/- its 95% interval."),
    ])
