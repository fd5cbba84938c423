"""Stuck orders: orders not updated for longer than the threshold, by state."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.formatting import count
from screens.widgets.panel import Panel, PanelTable, RenderContext, fit, no_data_text
from screens.widgets.quiet import QuietStatic


class StuckOrdersPanel(Panel):
    key = "stuck_orders"
    title = "Stuck orders"
    number = 6
    measured_by = ("stuck_orders",)

    def compose_body(self) -> ComposeResult:
        yield QuietStatic("", classes="panel-summary")
        table = PanelTable(drill_kind="orders")
        table.set_columns(("State", "Orders"))
        yield table

    def render_body(self, ctx: RenderContext) -> None:
        summary = self.query_one(".panel-summary", Static)
        table = self.query_one(PanelTable)
        snap = ctx.snapshot
        if snap is None:
            summary.update(no_data_text(ctx))
            table.replace_rows([])
            return
        stuck = snap.stuck_orders
        age = f"{stuck.older_than_minutes:g} min"
        summary.update(fit([f"{count(stuck.total)} not updated for over {age}"], ctx))
        states = sorted(stuck.by_state.items(), key=lambda item: (-item[1], item[0]))
        table.replace_rows((state, [state, count(n)]) for state, n in states)
