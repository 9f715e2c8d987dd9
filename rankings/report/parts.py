"""Pieces every report section uses: escaping, number formats, HTML tables, notes, inline figures.

Every string that comes from the data goes through :func:`e`. :class:`_Figures` draws a
plot into the report's temporary folder and returns it inlined as a base64 PNG.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_SAMPLES = 5000
DEFAULT_SOBOL_SAMPLES = 256
TOP_SHOWN = 5
"""Leaders listed per methodology in the rankings table."""
PLOT_DPI = 130
"""Resolution plots are saved at (:func:`rankings.report.plots.save`)."""
DISPLAY_SCALE = 1.15
"""Figures are shown 15% larger than their drawn size (plot text reads small otherwise)."""
BUMP_MAX_RANK = 30
"""Ranks beyond this share one row at the bottom of the bump chart."""
COMPARE_ROWS = 10
"""Rows of the side-by-side rank table (the focus is always added)."""

EPOCH_CREDIT = ("Data on notable AI models and the Epoch Capabilities Index: Epoch AI, 'Data on AI Models' "
                "(epoch.ai/data/ai-models), licensed CC BY 4.0. Other sources and their terms are listed per "
                "metric in the provenance table.")


def e(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def ordinal(rank: Any) -> str:
    """1 -> '1st', 22 -> '22nd', 13 -> '13th'; non-integers as they are."""
    value = float(rank)
    if math.isnan(value):
        return "not ranked"
    if not value.is_integer():
        return f"{value:g}"
    n = int(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fmt(value: Any, digits: int = 3) -> str:
    """A short number: integers plain, others with ``digits`` significant digits."""
    if value is None:
        return "-"
    value = float(value)
    if math.isnan(value):
        return "-"
    if value.is_integer() and abs(value) < 1e12:
        return str(int(value))
    return f"{value:.{digits}g}"


def _pct(p: float) -> str:
    if p <= 0:
        return "0%"
    if p < 0.001:
        return "&lt;0.1%"
    if p >= 1:
        return "100%"
    if p > 0.999:
        return "&gt;99.9%"
    return f"{100 * p:.1f}%"

def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, focus_rows: Sequence[bool] | None = None,
           numeric: Sequence[int] = (), wrap: Sequence[int] = (), raw: Sequence[int] = ()) -> str:
    """An HTML table; cells are escaped unless their column is in ``raw``."""
    out = ['<div class="table-wrap"><table>', "<thead><tr>"]
    for k, h in enumerate(header):
        out.append('<th class="num">' if k in numeric else "<th>")
        out.append(f"{e(h)}</th>")
    out.append("</tr></thead><tbody>")
    for i, row in enumerate(rows):
        marked = bool(focus_rows and focus_rows[i])
        out.append('<tr class="focus">' if marked else "<tr>")
        for k, cell in enumerate(row):
            cls = "num" if k in numeric else "wrap" if k in wrap else ""
            text = str(cell) if k in raw else e(cell)
            out.append(f'<td class="{cls}">' if cls else "<td>")
            out.append(f"{text}</td>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _note(text: str) -> str:
    return f'<p class="note">{e(text)}</p>'


@dataclass
class _Figures:
    """Draws plots into a temporary folder and returns them as inline ``<figure>`` blocks."""

    folder: Path
    count: int = 0

    def make(self, draw: Callable[[Path], Any], caption: str, alt: str, *, caption_html: bool = False) -> str:
        self.count += 1
        path = self.folder / f"figure-{self.count}.png"
        draw(path)
        raw = path.read_bytes()
        data = base64.b64encode(raw).decode("ascii")
        text = caption if caption_html else e(caption)
        # show every figure at the same scale of the size it was drawn for (matplotlib inches
        # at 96 CSS px each), so text has one size across figures; wide ones shrink to the column
        width = int.from_bytes(raw[16:20], "big") if raw[:8] == b"\x89PNG\r\n\x1a\n" else 0
        size = f' width="{round(width * DISPLAY_SCALE * 96 / PLOT_DPI)}"' if width else ""
        return (f'<figure><img src="data:image/png;base64,{data}"{size} alt="{e(alt)}">'
                f"<figcaption><b>Figure {FIGURE_MARK}.</b> {text}</figcaption></figure>")


FIGURE_MARK = "<!--figure-->"
"""Stands for a figure's number until the page is assembled (:func:`number_figures`); escaped text
can never contain it, and sections built apart (:mod:`rankings.report.fork`) are numbered in page order."""


def number_figures(html: str) -> str:
    """Replace each :data:`FIGURE_MARK` by 1, 2, 3... in page order."""
    pieces = html.split(FIGURE_MARK)
    return "".join(piece + (str(k + 1) if k < len(pieces) - 1 else "") for k, piece in enumerate(pieces))


@dataclass
class _Section:
    key: str
    title: str
    body: str


@dataclass
class _Facts:
    """Numbers gathered along the way for the headline and the summary."""

    ranks: dict[str, Any] = field(default_factory=dict)
    bounds: Any = None
    tipping_up: Any = None
    tipping_down: Any = None
    sensitivity: Any = None
    rivals: list[Any] = field(default_factory=list)


def _guard(title: str, build: Callable[[], str]) -> str:
    """Run a section builder; on failure show a one-line note instead."""
    try:
        return build()
    except (OSError, MemoryError, KeyboardInterrupt):
        raise  # the machine, not the data: a full temp folder or no memory aborts the report (exit 2)
    except Exception as exc:  # a section that cannot run on this data must never sink the report
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return _note(f"{title} could not be computed for this data: {message}")


