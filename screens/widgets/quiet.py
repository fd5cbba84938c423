"""Repaint only the cells that changed: the dashboard is watched over SSH, byte by byte.

Textual sends the whole of a widget to the terminal whenever the widget is refreshed,
even when its new content is identical, and every update of a Static, a reactive or a
DataTable cell refreshes the whole widget. Polled every second, that rewrote the entire
screen each second. Here a widget's new rendering is compared with the old one line by
line, and only the run of cells that differ is refreshed: an unchanged panel sends
nothing, a ticking clock sends a few cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Self

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.style import Style as VisualStyle
from textual.visual import Visual, VisualType, visualize
from textual.widget import Widget
from textual.widgets import Static

Cell = tuple[str, Style | None]


def _cells(strip: Strip) -> list[Cell] | None:
    """One (character, style) per cell; None when a character is not one cell wide."""
    cells: list[Cell] = []
    for segment in strip:
        if segment.control:
            continue
        for char in segment.text:
            if cell_len(char) != 1:
                return None
            cells.append((char, segment.style))
    return cells


def changed_span(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The [start, end) cells in which two renderings of a line differ, or None."""
    if old == new:
        return None
    before, after = _cells(old), _cells(new)
    if before is None or after is None or len(before) != len(after):
        return 0, max(old.cell_length, new.cell_length)
    differ = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    if not differ:  # same cells, only segmented differently
        return None
    return differ[0], differ[-1] + 1


def refresh_changed(widget: Widget, before: list[Strip], after: list[Strip]) -> int:
    """Refresh the changed run of cells of each line; returns how many lines changed."""
    changed = 0
    for y, (old, new) in enumerate(zip(before, after, strict=True)):
        span = changed_span(old, new)
        if span is not None:
            start, end = span
            widget.refresh(Region(start, y, end - start, 1))
            changed += 1
    return changed


def same_content(old: VisualType, new: VisualType) -> bool:
    """Plainly the same text and styles (rich's own Text equality ignores the style)."""
    if isinstance(old, str) and isinstance(new, str):
        return old == new
    if isinstance(old, Text) and isinstance(new, Text):
        return (old.plain, old.style, old.spans, old.justify, old.no_wrap) == (
            new.plain,
            new.style,
            new.spans,
            new.justify,
            new.no_wrap,
        )
    return False


def on_top_screen(widget: Widget) -> bool:
    """The widget belongs to the screen in front. Cell-level refreshes are sent only
    for it: a screen behind a dialog or another screen is repainted whole, through
    Textual's own compositing (which draws the screen in front over it), when it is
    next shown, so nothing it draws can land on the screen the operator is reading."""
    try:
        return widget.screen is widget.app.screen
    except Exception:  # no screen yet, or the app is shutting down
        return False


def can_diff(widget: Widget) -> bool:
    """Only a mounted, shown, laid-out widget of the screen in front has a rendering on
    screen to compare with."""
    width, height = widget.size
    return (
        widget.is_mounted and widget.display and width > 0 and height > 0 and on_top_screen(widget)
    )


def render_strips(widget: Widget, visual: VisualType, *, natural: bool = False) -> list[Strip]:
    """What `widget` would paint for `visual`: its full height, or just the content's
    own lines (`natural`), as Textual renders them."""
    width, height = widget.size
    return Visual.to_strips(
        widget,
        visualize(widget, visual),
        width,
        None if natural else height,
        widget.visual_style,
    )


if TYPE_CHECKING:
    _WidgetMixin = Widget
else:  # a plain mixin at run time: a Widget base here would hide the widget's own CSS
    _WidgetMixin = object


class QuietRefresh(_WidgetMixin):
    """Mixed into a widget (before it): its own whole-widget refreshes can be held back
    while a change is applied, so that only the cells found changed are then refreshed."""

    _holding = False

    @contextmanager
    def holding_refresh(self) -> Iterator[None]:
        self._holding = True
        try:
            yield
        finally:
            self._holding = False

    def refresh(
        self,
        *regions: Region,
        repaint: bool = True,
        layout: bool = False,
        recompose: bool = False,
    ) -> Self:
        layout = layout and self.layout_needed()
        if self._holding and not regions and not layout and not recompose:
            return self  # the caller refreshes the cells that changed
        super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)
        return self

    def layout_needed(self) -> bool:
        """Whether a layout asked for is really needed (a widget that knows its size is
        set from outside says no)."""
        return True

    def apply_quietly(self, change: Callable[[], None]) -> None:
        """Apply `change` (which may refresh the whole widget) and repaint only the
        cells whose rendering changed; nothing at all when none did."""
        if not can_diff(self):
            change()
            self.refresh()
            return
        before = render_strips(self, self.render())
        with self.holding_refresh():
            change()
        after = render_strips(self, self.render())
        if len(before) != len(after):
            self.refresh()
        else:
            refresh_changed(self, before, after)


class QuietStatic(QuietRefresh, Static):
    """A Static that repaints only the cells an `update` changed, and nothing when the
    new content renders the same."""

    # what the last update drew: its content, size, style and lines (the next update's
    # "before", unless one of them has changed since)
    _drawn: tuple[VisualType, Size, VisualStyle, list[Strip]] | None = None

    def _drawn_strips(self) -> list[Strip]:
        drawn = self._drawn
        if drawn is not None:
            content, size, style, strips = drawn
            if content is self.content and size == self.size and style == self.visual_style:
                return strips
        return render_strips(self, self.visual, natural=True)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        if self.is_mounted and same_content(self.content, content):
            return  # renders as it does now (a resize or a restyle repaints on its own)
        if not can_diff(self):
            super().update(content, layout=layout)
            return
        before = self._drawn_strips()
        with self.holding_refresh():
            super().update(content, layout=False)
        after = render_strips(self, self.visual, natural=True)
        self._drawn = (self.content, self.size, self.visual_style, after)
        if len(before) == len(after):
            refresh_changed(self, before, after)
        elif self.held_height(len(before)) == self.held_height(len(after)) == self.size.height:
            self.refresh()  # fewer or more lines within the height its min-height holds
        else:  # more or fewer lines: the layout changes
            self.refresh(layout=layout)

    def held_height(self, lines: int) -> int | None:
        """The content height `lines` get when a min-height holds this widget's auto
        height up (None: no min-height in cells, the height follows the content)."""
        styles = self.styles
        low = styles.min_height
        if not styles.height or not styles.height.is_auto or low is None or not low.is_cells:
            return None
        return max(lines, int(low.value))
