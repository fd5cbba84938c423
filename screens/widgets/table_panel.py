"""The shape most dashboard panels share: a summary over a keyed table, "no data" until a poll."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Static

from console.metrics.snapshot import Snapshot
from screens.widgets.panel import Panel, PanelTable, RenderContext, fit, no_data_text
from screens.widgets.quiet import QuietStatic

Rows = Iterable[tuple[str, Sequence[Text | str]]]


class TablePanel(Panel):
    """A panel of summary lines over a `PanelTable`; subclasses say what goes in each.

    One place for the summary/table widgets, the column choice and the "no data yet"
    state, so each panel module holds only what it measures."""

    drill_kind: str | None = None
    fixed_columns: tuple[str, ...] = ()  # set at compose when the columns never change

    def compose_body(self) -> ComposeResult:
        yield QuietStatic("", classes="panel-summary")
        yield from self.compose_between()
        table = PanelTable(drill_kind=self.drill_kind)
        if self.fixed_columns:
            table.set_columns(self.fixed_columns)
        yield table

    def compose_between(self) -> Iterator[Widget]:
        """Widgets between the summary and the table (none by default)."""
        return iter(())

    def columns(self, ctx: RenderContext) -> Sequence[str]:
        """The columns for this width (the fixed ones by default)."""
        return self.fixed_columns

    def summary_lines(self, snap: Snapshot, ctx: RenderContext) -> list[str]:
        raise NotImplementedError

    def table_rows(self, snap: Snapshot, ctx: RenderContext) -> Rows:
        raise NotImplementedError

    def render_body(self, ctx: RenderContext) -> None:
        summary = self.query_one(".panel-summary", Static)
        table = self.query_one(PanelTable)
        table.set_columns(self.columns(ctx))
        snap = ctx.snapshot
        if snap is None:
            summary.update(no_data_text(ctx))
            table.replace_rows([])
            return
        summary.update(fit(self.summary_lines(snap, ctx), ctx))
        table.replace_rows(self.table_rows(snap, ctx))
