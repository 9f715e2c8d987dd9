"""Section 9 of the report: where each metric comes from (sources, snapshot, licence, proxy).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rankings.report.parts import _table, e


def _provenance_rows(table: Any, sources: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    if sources is not None:
        return [dict(s) for s in sources]
    rows = []
    for spec in table.metrics:
        rows.append({"name": spec.name, "direction": spec.direction, "kind": spec.kind, "unit": spec.unit,
                     "proxy": spec.proxy, "description": spec.description, "sources": [spec.source] if spec.source
                     else [], "licence": "", "snapshot": ""})
    return rows


def _provenance_section(table: Any, sources: Sequence[Mapping[str, Any]] | None) -> str:
    rows = []
    for d in _provenance_rows(table, sources):
        src = d.get("sources", d.get("source", ""))
        src_text = "; ".join(src) if isinstance(src, (list, tuple)) else str(src or "")
        kind = " ".join(x for x in (str(d.get("kind") or ""), f"({d['unit']})" if d.get("unit") else "") if x)
        better = {"max": "higher is better", "min": "lower is better"}.get(str(d.get("direction")), "")
        facts = [x for x in (kind, better, "proxy" if d.get("proxy") else "") if x]
        first = f"<b>{e(d.get('name', ''))}</b>" + (f'<br><span class="small">{e(", ".join(facts))}</span>'
                                                     if facts else "")
        origin = [f"{e(src_text or 'not given')}"]
        if d.get("snapshot"):
            origin.append(f'<span class="small">snapshot {e(d["snapshot"])}</span>')
        if d.get("licence"):
            origin.append(f'<span class="small">terms: {e(d["licence"])}</span>')
        rows.append([first, e(d.get("description") or "not given"), "<br>".join(origin)])
    return ("<p>Every metric of the table: what it measures, whether it only stands in for what it names "
            "(proxy), and the file it was read from with its snapshot and terms.</p>"
            + _table(["metric", "what it measures", "source"], rows, raw=(0, 1, 2), wrap=(1, 2)))


