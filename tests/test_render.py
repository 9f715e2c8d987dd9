"""The one-draw PNG writer of the plots (rankings/report/render.py): same picture as savefig's tight box."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_ink_box_pads_what_is_drawn_and_refuses_a_drawing_at_the_edge():
    from rankings.report.render import ink_box

    white = np.array([255, 255, 255, 255], dtype=np.uint8)
    canvas = np.full((40, 60, 4), 255, dtype=np.uint8)
    assert ink_box(canvas, white, 3) == (0, 40, 0, 60)  # blank: the whole canvas
    canvas[10:12, 20:31] = (0, 0, 0, 255)
    assert ink_box(canvas, white, 3) == (7, 15, 17, 34)
    assert ink_box(canvas, white, 50) == (0, 40, 0, 60)  # the pad stops at the canvas
    canvas[39, 5] = (255, 254, 255, 255)  # one channel off by one is ink too, and it touches the edge
    assert ink_box(canvas, white, 3) is None


def _tight_size(fig) -> tuple[int, int]:
    from PIL import Image

    from rankings.report.render import PLOT_DPI

    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=PLOT_DPI, bbox_inches="tight", format="png")
    return Image.open(buffer).size


@pytest.mark.parametrize("label", ["short", "a label past the left edge"])
def test_one_draw_gives_the_tight_picture(tmp_path: Path, label: str):
    from PIL import Image

    from rankings.report import render

    def figure():
        fig, ax = render.subplots(figsize=(3.0, 2.0))
        ax.barh([label, "b"], [1.0, 2.0])
        ax.set_title("a title")
        return fig

    out = tmp_path / "one.png"
    assert render._write_png_once(figure(), out)  # the label fits in the margin: drawn once
    raw = out.read_bytes()
    assert raw.startswith(PNG_MAGIC) and b"Software" not in raw
    width, height = Image.open(out).size
    tight_width, tight_height = _tight_size(figure())
    # the crop follows the pixels drawn, savefig the artists' boxes: a few pixels apart at most
    assert abs(width - tight_width) <= 6 and abs(height - tight_height) <= 6
    render.write_figure(figure(), tmp_path / "again.png", "png")
    assert (tmp_path / "again.png").read_bytes() == raw  # same figure, same bytes


def test_a_drawing_beyond_the_margin_is_written_the_two_pass_way(tmp_path: Path):
    from PIL import Image

    from rankings.report import render

    def figure():
        fig, ax = render.subplots(figsize=(2.0, 2.0))
        ax.plot([0, 1], [0, 1])
        ax.set_ylabel("x" * 120)  # taller than the figure and both margins
        return fig

    assert not render._write_png_once(figure(), tmp_path / "no.png")
    assert not (tmp_path / "no.png").exists()
    render.write_figure(figure(), tmp_path / "yes.png", "png")
    assert Image.open(tmp_path / "yes.png").size == _tight_size(figure())
