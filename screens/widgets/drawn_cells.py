"""Table cells drawn once for what they show, not once per table update.

DataTable keys its drawings of cells and lines by its update count, so one changed
cell re-draws every cell of each line that is repainted (rich renders each cell anew).
Polled every second, a few changing values re-drew whole rows. Here a cell's drawing is
kept under what it shows and how (its value, width, style, cursor and hover) and reused
while those stay the same; DataTable's own caches, whose stale entries were never read
again, keep only a panel's worth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.cache import LRUCache
from textual.widgets import DataTable

CELLS_KEPT = 512  # drawn cells remembered (a panel shows a few dozen)
# DataTable's own caches are keyed by its update count, a new key with every changed
# value: of their 1,000 lines and 10,000 cells, all but the last few are never read again.
DATATABLE_KEPT = 256

Cell = tuple[str, str, str]  # what a cell shows: text, its style, its styled spans


def cell_key(value: Text | str) -> Cell:
    """A comparable form of a cell (rich's Text equality ignores the text's own style)."""
    if isinstance(value, Text):
        return value.plain, str(value.style), repr(value.spans)
    return value, "", ""


if TYPE_CHECKING:
    _TableMixin = DataTable[Text | str]
else:  # a plain mixin at run time: a DataTable base here would hide the table's CSS
    _TableMixin = object


class DrawnCells(_TableMixin):
    """Mixed into a DataTable (before it): its cells' drawings are reused by content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._row_render_cache = LRUCache(DATATABLE_KEPT)
        self._cell_render_cache = LRUCache(DATATABLE_KEPT)
        self._row_renderable_cache = LRUCache(DATATABLE_KEPT)
        self._line_cache = LRUCache(DATATABLE_KEPT)

    _cells_drawn: dict[tuple[object, ...], list[list[Segment]]] | None = None

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        key = self._drawn_cell_key(row_index, column_index, base_style, width, cursor, hover)
        drawn = self._cells_drawn if self._cells_drawn is not None else {}
        lines = drawn.get(key) if key is not None else None
        if lines is None:
            lines = super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
            if key is not None:
                if len(drawn) >= CELLS_KEPT:
                    drawn.clear()
                drawn[key] = lines
                self._cells_drawn = drawn
        return lines

    def _drawn_cell_key(
        self, row: int, column: int, base_style: Style, width: int, cursor: bool, hover: bool
    ) -> tuple[object, ...] | None:
        """All a cell's drawing depends on (None: a row label, drawn as DataTable does)."""
        if column < 0 or column >= len(self.ordered_columns):
            return None
        if row == -1:
            value: Text | str = self.ordered_columns[column].label
            height = self.header_height
        else:
            row_key = self._row_locations.get_key(row)
            column_key = self._column_locations.get_key(column)
            value, height = self._data[row_key][column_key], self.rows[row_key].height
        state = (self._show_hover_cursor, self._pseudo_class_state, self.show_cursor)
        fixed = (self.fixed_rows, self.fixed_columns, self.cursor_type)
        return row, column, cell_key(value), base_style, width, height, cursor, hover, state, fixed

    def _clear_caches(self) -> None:
        super()._clear_caches()
        self._cells_drawn = None

    def notify_style_update(self) -> None:
        self._cells_drawn = None  # the theme or the focus changed the cell styles
        super().notify_style_update()
