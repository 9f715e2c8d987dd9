"""Figures on an Agg canvas, drawn once and written whole (PNG, or SVG by suffix).

:func:`new_figure` makes a figure without :mod:`matplotlib.pyplot` (no figure manager,
no backend selection, and pyplot's import is a third of matplotlib's); :func:`write_figure`
writes it.

``savefig(bbox_inches="tight")`` draws a figure twice: once with rendering off to
measure every artist, once to write it. A PNG here is drawn once at its final
resolution and cropped to the pixels that differ from the background, plus
matplotlib's own pad (``savefig.pad_inches``, 0.1 inch): the same picture, about half
the drawing time. When the drawing reaches an edge of the canvas something may lie
beyond it, and the figure is written the two-pass way instead, so nothing is ever cut.
SVG (vector: there are no pixels to crop) always takes the two-pass way.

No software version, creation date or random id goes into a file: the same figure
gives the same bytes on every run (reports embed plots and are compared byte for byte).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import PlaceHolderLayoutEngine

PLOT_DPI = 130
"""Resolution every plot is written at (the report's figure widths assume it)."""

MARGIN = 2.5
"""Inches of canvas added on every side before the one draw: room for labels beyond the figure."""

_SVG_METADATA = {"Creator": None, "Date": None, "Format": None, "Type": None}


def new_figure(**options: Any) -> Figure:
    """A figure (``Figure(**options)``) attached to an Agg canvas."""
    fig = Figure(**options)
    FigureCanvasAgg(fig)
    return fig


def subplots(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float], **options: Any) -> tuple[Figure, Any]:
    """``(figure, axes)`` as :func:`matplotlib.pyplot.subplots` gives them, without pyplot."""
    fig = new_figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **options)


def write_figure(fig: Figure, target: Path, fmt: str) -> None:
    """Write ``fig`` to ``target`` as ``fmt`` (``png`` or ``svg``), cropped to what is drawn."""
    if fmt == "png" and _write_png_once(fig, target):
        return
    with matplotlib.rc_context({"svg.hashsalt": "rankings"}):
        metadata = {"Software": None} if fmt == "png" else _SVG_METADATA
        fig.savefig(target, dpi=PLOT_DPI, bbox_inches="tight", format=fmt, metadata=metadata)


def ink_box(rgba: np.ndarray, background: np.ndarray, pad: int) -> tuple[int, int, int, int] | None:
    """``(top, bottom, left, right)`` pixel bounds of what differs from ``background``, padded by ``pad``.

    ``rgba`` is an ``(H, W, 4)`` uint8 image. None when the drawing touches an edge of the
    canvas (it may go on beyond it). A blank canvas gives the whole canvas.
    """
    height, width = rgba.shape[:2]
    # one 32-bit comparison per pixel instead of four byte comparisons
    pixels = np.ascontiguousarray(rgba).view(np.uint32).reshape(height, width)
    ink = pixels != background.view(np.uint32)[0]
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return 0, height, 0, width
    top, bottom = int(rows[0]), int(rows[-1]) + 1
    cols = np.flatnonzero(ink[top:bottom].any(axis=0))
    left, right = int(cols[0]), int(cols[-1]) + 1
    if top == 0 or left == 0 or bottom == height or right == width:
        return None
    return max(top - pad, 0), min(bottom + pad, height), max(left - pad, 0), min(right + pad, width)


def _write_png_once(fig: Figure, target: Path) -> bool:
    """Draw once on a canvas :data:`MARGIN` larger on every side, crop, write an RGB PNG.

    False (nothing written) when the drawing reaches the enlarged canvas's edge or the
    background is see-through.
    """
    from matplotlib.transforms import Bbox
    from PIL import Image

    face = matplotlib.colors.to_rgba(fig.get_facecolor())
    if face[3] < 1.0:
        return False  # a see-through background: keep matplotlib's RGBA output
    if isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        # fig.tight_layout() leaves a placeholder engine, which makes savefig draw twice; the layout is done
        fig.set_layout_engine(None)
    width, height = fig.get_size_inches()
    # an explicit box (not "tight") makes savefig draw once; axes keep their size and place in inches
    box = Bbox.from_extents(-MARGIN, -MARGIN, width + MARGIN, height + MARGIN)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=PLOT_DPI, bbox_inches=box, format="raw")
    drawn = getattr(fig.canvas, "renderer", None)  # the Agg renderer savefig drew with: its size in pixels
    rows, cols = int(getattr(drawn, "height", 0)), int(getattr(drawn, "width", 0))
    if rows * cols * 4 != buffer.getbuffer().nbytes:
        return False
    rgba = np.frombuffer(buffer.getbuffer(), dtype=np.uint8).reshape(rows, cols, 4)
    background = np.array([round(255 * c) for c in face], dtype=np.uint8)
    crop = ink_box(rgba, background, round(float(matplotlib.rcParams["savefig.pad_inches"]) * PLOT_DPI))
    if crop is None:
        return False
    top, bottom, left, right = crop
    Image.fromarray(np.ascontiguousarray(rgba[top:bottom, left:right, :3])).save(
        target, format="png", dpi=(PLOT_DPI, PLOT_DPI))
    return True
