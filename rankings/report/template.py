"""The page template: the stylesheet and the HTML skeleton the sections are poured into.

Nothing here computes; :func:`_page` only arranges a title, headline, summary, table of
contents, the numbered sections and the footer. The page holds no clock time.
"""

from __future__ import annotations

from collections.abc import Sequence

from rankings.report.parts import _Section, e

CSS = """
:root { --focus: %(focus)s; --focus-tint: %(tint)s; --ink: #222; --muted: #666; --rule: #ddd; }
* { box-sizing: border-box; }
body { margin: 0; background: #fafafa; color: var(--ink);
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1000px; margin: 0 auto; padding: 2rem 1.5rem 3rem; background: #fff; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: 0 0 .4rem; }
h1 .who { color: var(--focus); }
h2 { font-size: 1.3rem; margin: 2.6rem 0 .6rem; padding-top: .4rem; border-top: 2px solid var(--rule); }
h3 { font-size: 1.05rem; margin: 1.6rem 0 .4rem; }
p { margin: .5rem 0; }
.subtitle { color: var(--muted); margin: 0 0 1rem; }
.summary { background: #f4f6f8; border-left: 4px solid var(--focus); padding: .8rem 1rem; margin: 1rem 0; }
.note { color: #7a4b00; background: #fff8e6; border-left: 3px solid #e0a800; padding: .4rem .7rem; margin: .6rem 0;
  font-size: .92rem; }
.small { font-size: .88rem; color: var(--muted); }
nav.toc { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem 1rem; margin: 1.2rem 0;
  font-size: .95rem; }
nav.toc ol { margin: .3rem 0 0; padding-left: 1.4rem; columns: 2; }
a { color: #1f5f99; }
.table-wrap { overflow-x: auto; margin: .6rem 0 1rem; }
table { border-collapse: collapse; font-size: .9rem; width: auto; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
th { background: #eef1f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #f7f7f7; }
tbody tr.focus { background: var(--focus-tint); }
tbody tr.focus td { color: var(--focus); font-weight: 600; }
tbody tr.focus td:first-child { box-shadow: inset 4px 0 0 var(--focus); }
td.wrap { max-width: 30rem; overflow-wrap: anywhere; }
figure { margin: 1rem 0 1.6rem; }
figure img { display: block; max-width: 100%%; height: auto; margin: 0 auto; border: 1px solid #eee; }
figcaption { font-size: .9rem; color: var(--muted); margin-top: .4rem; }
figcaption b { color: var(--ink); }
.grid2 { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
@media (max-width: 760px) { .grid2 { grid-template-columns: 1fr; } nav.toc ol { columns: 1; } }
footer { margin-top: 3rem; padding-top: 1rem; border-top: 2px solid var(--rule); font-size: .85rem;
  color: var(--muted); }
"""


def _tint(color: str, alpha: float = 0.12) -> str:
    color = color.lstrip("#")
    r, g, b = (int(color[i:i + 2], 16) for i in (0, 2, 4))
    mix = [round(255 - alpha * (255 - c)) for c in (r, g, b)]
    return "#" + "".join(f"{c:02x}" for c in mix)


def _page(title: str, headline: str, summary: str, sections: Sequence[_Section], focus: str, version: str,
          seed: int, samples: int, command: str | None, credit: str) -> str:
    from rankings.report.plots import FOCUS_COLOR

    css = CSS % {"focus": FOCUS_COLOR, "tint": _tint(FOCUS_COLOR)}
    toc = "".join(f'<li><a href="#{s.key}">{e(s.title)}</a></li>' for s in sections)
    body = "".join(f'<section id="{s.key}"><h2>{k}. {e(s.title)}</h2>{s.body}</section>\n'
                   for k, s in enumerate(sections, start=1))
    run = f"rankings {e(version)}; seed {seed}; {samples:,} sensitivity runs"
    if command:
        run += f"; command: <code>{e(command)}</code>"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        f"<header><h1>{headline}</h1>"
        f'<p class="subtitle">A methodology report on {e(focus)}: how its rank depends on the choices a league '
        f"table makes.</p></header>\n"
        f"{summary}\n"
        f'<nav class="toc"><b>Contents</b><ol>{toc}</ol></nav>\n'
        f"{body}"
        f"<footer><p>{e(credit)}</p><p>Made with {run}. The page holds no clock time: the same inputs and "
        f"seed give the same file.</p></footer>\n"
        "</main>\n</body>\n</html>\n"
    )
