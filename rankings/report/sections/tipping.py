"""Section 5 of the report: the smallest weight changes that move the focus up or down.
"""

from __future__ import annotations

from typing import Any

from rankings.report.parts import _Facts, _guard, _note, _table, e, fmt, ordinal


def _tipping_section(method: Any, table: Any, focus: str, samples: int, seed: int, facts: _Facts) -> str:
    from rankings.sensitivity.exact import tipping_point

    out = [f"<p>The smallest change of {e(method.name)}'s weights (sum of absolute changes, L1) that moves "
           f"{e(focus)} one place up or one place down.</p>"]
    base = method.evaluate(table)
    rank = base.rank_of(focus)
    n = base.table.n_contributors
    for direction, label in (("up", "One place up"), ("down", "One place down")):
        out.append(f"<h3>{label}</h3>")
        if direction == "up" and rank <= 1:
            out.append(_note(f"{focus} is already first."))
            continue
        if direction == "down" and rank >= n:
            out.append(_note(f"{focus} is already last."))
            continue
        b = facts.bounds
        if b is not None and b.exact and direction == "up" and b.best.rank >= rank:
            out.append(_note(f"No weighting of these metrics lifts {focus} above {ordinal(rank)}."))
            continue
        if b is not None and b.exact and direction == "down" and b.worst.rank <= rank:
            out.append(_note(f"No weighting of these metrics drops {focus} below {ordinal(rank)}."))
            continue

        def one(direction: str = direction) -> str:
            t = tipping_point(method, table, focus, samples=max(samples, 1000), seed=seed,
                              up=1 if direction == "up" else None, down=1 if direction == "down" else None)
            setattr(facts, f"tipping_{direction}", t)
            goal = f"{ordinal(t.target)} or better" if direction == "up" else f"{ordinal(t.target)} or worse"
            rows = []
            for m in t.weights:
                d = t.weights[m] - t.base_weights[m]
                rows.append([m, fmt(round(t.base_weights[m], 4)), fmt(round(t.weights[m], 4)),
                             ("+" if d > 0 else "") + fmt(round(d, 4))])
            parts = [f"<p>From {ordinal(t.base_rank)} to {goal}: L1 distance <b>{fmt(t.distance)}</b>; the new "
                     f"weights reach {ordinal(t.reached_rank)}.</p>",
                     _table(["metric", "weight now", "new weight", "change"], rows, numeric=(1, 2, 3)),
                     f"<p class=\"small\">Passes: {e(', '.join(t.passes) or 'nobody')}. Falls behind: "
                     f"{e(', '.join(t.falls_behind) or 'nobody')}. Solver: {e(t.solver)}; "
                     f"exact: {'yes' if t.exact else 'no'}.</p>"]
            parts += [_note(x) for x in t.notes]
            return "".join(parts)

        out.append(_guard(f"The tipping point {direction}", one))
    return "".join(out)


