"""Scrollbar thumbs drawn in whole cells: a block glyph on screen is always data.

Textual ends a scrollbar's thumb with partial block glyphs (`▁▂▃▄▅▆▇`, `▉▊▋▌▍▎▏`), the very
characters a sparkline is drawn with. Without colour (NO_COLOR, a screen capture, a
pasted screenshot) a dialog's own thumb end reads as a sparkline cell left over from the
dashboard behind it. Here the thumb is whole reverse-video cells only: a little coarser,
and a block glyph anywhere on the screen is always a plotted value.
"""

from __future__ import annotations

from typing import ClassVar

from textual.scrollbar import ScrollBar, ScrollBarRender


class WholeCellScrollBarRender(ScrollBarRender):
    """The stock renderer with no partial-cell ends."""

    VERTICAL_BARS: ClassVar[list[str]] = [" "] * 8
    HORIZONTAL_BARS: ClassVar[list[str]] = [" "] * 8


def install_whole_cell_scrollbars() -> None:
    """Textual's documented hook: every scrollbar of the app renders with the renderer."""
    ScrollBar.renderer = WholeCellScrollBarRender
