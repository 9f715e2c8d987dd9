"""The explore page: the HTML skeleton filled with the payload and the three assets.

The page is one file: the stylesheet, ``formulas.js``, ``explore.js`` and the payload (JSON
in a ``<script type="application/json">`` element, with ``<``, ``>`` and ``&`` written as
escapes so no name can close the element) are all inline; it names no outside address.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path
from typing import Any

ASSETS = ("formulas.js", "explore.js", "explore.css")


def asset(name: str) -> str:
    """The text of one asset shipped with the package (``formulas.js``, ``explore.js``, ``explore.css``)."""
    if name not in ASSETS:
        raise ValueError(f"asset must be one of {', '.join(ASSETS)} (got {name!r})")
    return resources.files("rankings.explore").joinpath(name).read_text(encoding="utf-8")


def _json_for_script(payload: Any) -> str:
    text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


SKELETON = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>
{css}</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>{subtitle}</p>
</header>
<div class="bar-top"><p id="status" role="alert"></p><p id="summary" aria-live="polite"></p></div>
<main>
<aside class="controls" aria-label="Methodology and weights">
<h2>Methodology</h2>
<label class="field" for="lens">Lens (table read)</label>
<select id="lens"></select>
<label class="field" for="normalize">Normalisation</label>
<select id="normalize"></select>
<label class="field" for="aggregate">Aggregation</label>
<select id="aggregate"></select>
<label class="field" for="ties">Tie rule</label>
<select id="ties"><option value="competition">competition (1224)</option><option value="dense">dense (1223)</option><option value="average">average (1 2.5 2.5 4)</option></select>
<label class="field" for="focus">Focus</label>
<select id="focus"></select>
<h2 style="margin-top:12px">Weights <button type="button" id="reset">Reset</button></h2>
<p class="legend">Weights are rescaled to sum to 1, as the CLI does. Under each slider: the focus's rank across the
slider's range (<span style="background:var(--same)"></span> same rank, <span style="background:var(--better)"></span> better,
<span style="background:var(--worse)"></span> worse), moving this weight while the others keep their proportions.</p>
<div id="sliders"></div>
</aside>
<div class="results">
<section aria-label="Ranking">
<label class="small"><input type="checkbox" id="show-all"> show every row</label> <span id="rows-note" class="small"></span>
<div class="tablewrap" tabindex="0" aria-label="Ranking table"><table><thead id="table-head"></thead><tbody id="table-body"></tbody></table></div>
<ul class="notes" id="notes"></ul>
</section>
<div class="analyses">
<section aria-labelledby="h-bounds"><h2 id="h-bounds">Best and worst attainable rank</h2><div id="bounds"></div></section>
<section aria-labelledby="h-acc"><h2 id="h-acc">Rank acceptability</h2><div id="acceptability"></div></section>
<section class="wide" aria-labelledby="h-conf"><h2 id="h-conf">Is the rank significant? Rank confidence sets and the uncertainty budget</h2><div id="confidence"></div></section>
</div>
<section class="copy" aria-labelledby="h-copy">
<h2 id="h-copy">Reproduce this table</h2>
<label class="small" for="command">The exact <code style="display:inline">rankings rank</code> line for the table shown:</label>
<textarea id="command" readonly></textarea>
<button type="button" id="copy-command" data-label="Copy command">Copy command</button>
<label class="small" for="link">A link that reopens this view (the state is in the part after #):</label>
<input class="link" id="link" readonly>
<button type="button" id="copy-link" data-label="Copy link">Copy link</button>
</section>
<section aria-labelledby="h-lenses">
<h2 id="h-lenses">Lenses in this page</h2>
<ul class="notes" id="lens-list"></ul>
<p class="small" id="how-lens"></p>
</section>
</div>
</main>
<script type="application/json" id="explore-data">{payload}</script>
<script>
{formulas}</script>
<script>
{page}</script>
</body>
</html>
"""


def build_page(payload: dict[str, Any], *, title: str, subtitle: str) -> str:
    """The whole page as text (same payload, same bytes)."""
    return SKELETON.format(title=html.escape(title), subtitle=html.escape(subtitle), css=asset("explore.css"),
                           payload=_json_for_script(payload), formulas=asset("formulas.js"), page=asset("explore.js"))


def write_page(path: str | Path, payload: dict[str, Any], *, title: str, subtitle: str) -> None:
    """Write the page whole or not at all (:func:`rankings._atomic.write_text_atomically`)."""
    from rankings._atomic import write_text_atomically

    write_text_atomically(path, build_page(payload, title=title, subtitle=subtitle), what="--output")
