"""The base of every dashboard panel: a titled, maximisable box rendered from one context.

A panel is told everything it may show in one frozen `RenderContext`; it never fetches.
It lays that out for its own width (columns drop and text shortens at whole words when
narrow, a maximised panel uses the room), again whenever it is resized. When the
Snapshot says a query behind this panel failed (`panel_errors[key or one of sources]`),
the panel says so in its own error line and the rest go on. When the failed query is
one the panel's values come from (`measured_by`), the Snapshot's values were not
measured (a Collector that never read them gives zeros): the panel shows the last
values it saw measured, marked STALE with their age, or "no data" when it saw none.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import ClassVar

from rich.cells import cell_len
from rich.errors import MarkupError
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import DataTable, Static

from console.metrics.panels import WAITING, index_fix
from console.metrics.snapshot import Snapshot
from screens.findings import FindingLike
from screens.formatting import duration, shorten
from screens.messages import DrillDown
from screens.widgets.drawn_cells import Cell, DrawnCells, cell_key
from screens.widgets.quiet import QuietRefresh, QuietStatic, on_top_screen

NARROW = 60  # a panel narrower than this shows its compact form


@dataclass(frozen=True)
class RenderContext:
    """Everything panels may show after one poll (or one failed poll)."""

    snapshot: Snapshot | None
    now: datetime
    findings: Sequence[FindingLike] = ()
    findings_error: str | None = None
    db_error: str | None = None
    event_filter: str = ""
    compact: bool = False  # the panel is narrow: fewer columns, short words
    width: int = 100  # cells the panel's content may use (set per panel in `show`)


class PanelText(QuietStatic, can_focus=True):
    """Plain panel text that can take focus, so every panel is reachable by keys."""


class Panel(Vertical):
    """A titled panel; subclasses compose a body and fill it in `render_body`."""

    ALLOW_MAXIMIZE = True
    key: ClassVar[str] = ""
    title: ClassVar[str] = ""
    label: ClassVar[str] = ""  # a short name for help and the command palette
    number: ClassVar[int] = 0
    # The Collector's query names (console/metrics/panels.py) whose failure this panel
    # reports, besides its own key.
    sources: ClassVar[tuple[str, ...]] = ()
    # Of those, the queries this panel's values come from: failed, the values are stale.
    measured_by: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        super().__init__(id=self.key, classes="panel")
        self.border_title = f"{self.number} {self.title}"
        # the CREATE INDEX this panel waits for, for `y` on the dashboard (None: not waiting)
        self.index_fix: str | None = None

    def compose(self) -> ComposeResult:
        yield from self.compose_body()
        yield QuietStatic("", classes="panel-error")

    def compose_body(self) -> ComposeResult:
        yield PanelText("", classes="panel-text")

    _shown: RenderContext | None = None
    _measured: Snapshot | None = None  # the last Snapshot whose values this panel measured

    def unmeasured(self, ctx: RenderContext) -> list[str]:
        """The queries this panel's values come from that failed in `ctx`'s poll."""
        errors = ctx.snapshot.panel_errors if ctx.snapshot is not None else {}
        return [name for name in self.measured_by if name in errors]

    def show(self, ctx: RenderContext) -> None:
        """Render this panel from `ctx` (called only when rendering is allowed)."""
        self._shown = ctx
        width = self.content_region.width or ctx.width
        ctx = replace(ctx, width=width, compact=width < NARROW)
        lines = self.query(".panel-error").results(Static)
        line = next(iter(lines), None)
        if line is None:  # children not mounted yet (a poll raced the first compose)
            self.call_after_refresh(self.show, self._shown)
            return
        body = ctx
        if failed := self.unmeasured(ctx):  # never the zeros of a query that did not answer
            assert ctx.snapshot is not None
            reason = ctx.db_error or ctx.snapshot.panel_errors[failed[0]]
            body = replace(ctx, snapshot=self._measured, db_error=reason)
        elif ctx.snapshot is not None:
            self._measured = ctx.snapshot
        key = None if failed else self.render_key(ctx)
        if key is not None and key == self._rendered_key:
            return  # what it shows did not change: nothing to lay out, compare or repaint
        self._rendered_key = key
        error = self.error_text(ctx)
        if error and ctx.compact:
            error = shorten(error, width - 2)
        loading = None if error else self.loading_text(ctx)
        if loading:
            line.update(Text(shorten(f"… {loading}", width)))
        else:
            line.update(Text(f"! {error}") if error else "")
        line.display = bool(error or loading)
        self.render_body(body)

    _rendered_key: object | None = None

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        """What of `ctx` (its Snapshot's parts) this panel's body shows; None: anything."""
        return None

    def render_key(self, ctx: RenderContext) -> object | None:
        """All this panel's rendering depends on, to skip a poll that changed none of it
        (None: render anyway)."""
        snap = ctx.snapshot
        parts = self.shown_from(ctx) if snap is not None else None
        if snap is None or parts is None:
            return None
        names = (self.key, *self.sources)
        errors = tuple((n, snap.panel_errors[n]) for n in names if n in snap.panel_errors)
        loading = tuple((n, snap.loading[n]) for n in names if n in snap.loading)
        layout = (ctx.width, ctx.compact, self.content_region.height, ctx.event_filter)
        return parts, errors, loading, layout, ctx.db_error

    def on_resize(self) -> None:
        """Maximised, restored or the terminal resized: lay the same data out again."""
        if self._shown is not None:
            self.show(self._shown)

    def error_text(self, ctx: RenderContext) -> str | None:
        self.index_fix = None
        if ctx.snapshot is None:
            return None
        failed = {
            name: ctx.snapshot.panel_errors[name]
            for name in (self.key, *self.sources)
            if name in ctx.snapshot.panel_errors
        }
        if not failed:
            return None
        waiting = [r for r in failed.values() if r.startswith(WAITING)]
        if waiting:  # not a failure: the panel does not run until its index exists
            self.index_fix = index_fix(waiting[0])
            return f"{waiting[0]} (y copies it)"
        head, one, many = "query failed: ", "last good value shown", "last good values shown"
        if self.unmeasured(ctx):
            if self._measured is None:
                one = many = "nothing measured yet"
            else:  # the age first: a narrow panel keeps the start of the line
                age = (ctx.now - self._measured.taken_at).total_seconds()
                head, one = f"STALE {duration(age)}: ", "values as last measured"
                many = one
        reasons = list(dict.fromkeys(failed.values()))
        if len(reasons) == 1:  # one cause (a lock fails every query on the table alike)
            return f"{head}{reasons[0]} ({one})"
        named = "; ".join(f"{name}: {reason}" for name, reason in failed.items())
        return f"{head.replace('query failed', 'queries failed')}{named} ({many})"

    def loading_text(self, ctx: RenderContext) -> str | None:
        """What behind this panel is still loading (its longer windows are partial)."""
        if ctx.snapshot is None:
            return None
        loading = ctx.snapshot.loading
        found = next((loading[n] for n in (self.key, *self.sources) if n in loading), None)
        return found

    def render_body(self, ctx: RenderContext) -> None:
        raise NotImplementedError

    def focus_body(self) -> None:
        for widget in self.query("*").results(Widget):
            if widget.can_focus:
                widget.focus()
                return
        self.focus()


class PanelTable(DrawnCells, QuietRefresh, DataTable[Text | str]):
    """A row-cursor table that keeps the cursor on the same row key across refreshes.

    A poll that brings the same rows (same keys, same order, same column widths) updates
    only the cells that changed, and repaints only those cells; anything else rebuilds
    the table, re-measuring its columns."""

    def __init__(self, drill_kind: str | None = None, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.drill_kind = drill_kind

    _names: tuple[str, ...] = ()
    _shown: tuple[tuple[str, tuple[Cell, ...]], ...] = ()
    _widths: tuple[int, ...] = ()
    _layout_unneeded = False

    def watch_virtual_size(self, old: Size, new: Size) -> None:
        """Rows or column widths changed. Textual lays the whole screen out again for
        that (the virtual size is a layout reactive), but this table's size is set by
        its panel, not by its rows: only scrollbars appearing or going need a layout."""
        self._layout_unneeded = self._fits_without_scrollbars(new)

    def _fits_without_scrollbars(self, virtual: Size) -> bool:
        if self.show_vertical_scrollbar or self.show_horizontal_scrollbar:
            return False
        width, height = self.container_size
        return self.is_mounted and 0 < virtual.width <= width and virtual.height <= height

    def layout_needed(self) -> bool:
        """No layout for the refresh the virtual size's change asks for (see above)."""
        needed = not self._layout_unneeded
        self._layout_unneeded = False
        return needed

    def set_columns(self, names: Sequence[str]) -> None:
        """The column set (wide vs compact) used by the next `replace_rows`."""
        if tuple(names) != self._names:
            self._names = tuple(names)
            self._shown, self._widths = (), ()
            self.clear(columns=True)
            self.add_columns(*names)

    def replace_rows(self, rows: Iterable[tuple[str, Sequence[Text | str]]]) -> None:
        keyed: list[tuple[str, tuple[Cell, ...]]] = []
        keys: set[str] = set()
        for key, cells in rows:
            if key in keys:  # a duplicate key would raise; the first row wins the key
                key = f"{key}\x00{len(keyed)}"
            keys.add(key)
            keyed.append((key, tuple(cells)))
        shown = tuple((key, tuple(map(cell_key, cells))) for key, cells in keyed)
        if shown == self._shown and self.row_count == len(keyed):
            return  # the same rows: nothing to repaint
        widths = column_widths(self._names, [cells for _, cells in keyed])
        same_rows = [key for key, _ in keyed] == [key for key, _ in self._shown]
        if same_rows and widths == self._widths and self.row_count == len(keyed):
            self._update_cells(keyed, shown)
        else:
            self._rebuild(keyed)
        self._shown, self._widths = shown, widths

    def _update_cells(
        self,
        keyed: list[tuple[str, tuple[Text | str, ...]]],
        shown: tuple[tuple[str, tuple[Cell, ...]], ...],
    ) -> None:
        """Put the changed cells in place and repaint just those."""
        columns = [column.key for column in self.ordered_columns]
        changed: list[Coordinate] = []
        with self.holding_refresh():
            for row, ((key, cells), (_, before), (_, after)) in enumerate(
                zip(keyed, self._shown, shown, strict=True)
            ):
                for column, (value, old, new) in enumerate(zip(cells, before, after, strict=False)):
                    if old != new and column < len(columns):
                        self.update_cell(key, columns[column], value)
                        changed.append(Coordinate(row, column))
        if changed and not on_top_screen(self):
            self.refresh()  # behind another screen: repainted whole when next shown
            return
        for coordinate in changed:
            self.refresh_coordinate(coordinate)

    def _rebuild(self, keyed: list[tuple[str, tuple[Text | str, ...]]]) -> None:
        current: str | None = None
        if self.row_count and 0 <= self.cursor_row < self.row_count:
            current = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        self.clear(columns=True)  # columns re-measured: a narrower panel gets narrower ones
        self.add_columns(*self._names)
        for key, cells in keyed:
            self.add_row(*cells, key=key)
        keys = [key for key, _ in keyed]
        if current in keys:
            self.move_cursor(row=keys.index(current), animate=False, scroll=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if self.drill_kind and event.row_key.value is not None:
            event.stop()
            key = str(event.row_key.value).split("\x00", 1)[0]
            self.post_message(DrillDown(self.drill_kind, key))


def cell_width(value: Text | str) -> int:
    """Cells a table cell needs, measured as DataTable does (a str cell is markup)."""
    if isinstance(value, Text):
        return value.cell_len
    try:
        return Text.from_markup(value).cell_len
    except MarkupError:
        return cell_len(value)


def column_widths(names: Sequence[str], rows: Sequence[Sequence[Text | str]]) -> tuple[int, ...]:
    """Each column's width, as DataTable sizes it: the widest of its label and cells."""
    widths = [cell_len(name) for name in names]
    for cells in rows:
        for index, value in enumerate(cells[: len(widths)]):
            widths[index] = max(widths[index], cell_width(value))
    return tuple(widths)


def no_data_text(ctx: RenderContext) -> Text:
    if ctx.db_error:
        return Text(shorten(f"no data: {ctx.db_error}", ctx.width))
    return Text("waiting for the first poll…")


def fit(lines: Iterable[str], ctx: RenderContext) -> Text:
    """Summary lines, each kept to one line of the panel's width (whole words)."""
    return Text("\n".join(shorten(line, ctx.width) for line in lines))


def flex_width(ctx: RenderContext, fixed: Sequence[int], *, lo: int = 8, hi: int = 200) -> int:
    """Cells left for a table's one flexible column, after the fixed ones and padding."""
    padding = 2 * (len(fixed) + 1) + 1  # one cell each side of every column, a scrollbar
    return max(lo, min(hi, ctx.width - sum(fixed) - padding))
