"""Stuck orders: orders not updated for longer than the threshold, by state."""

from __future__ import annotations

from console.metrics.snapshot import Snapshot
from screens.formatting import count
from screens.widgets.panel import RenderContext
from screens.widgets.table_panel import Rows, TablePanel


class StuckOrdersPanel(TablePanel):
    key = "stuck_orders"
    title = "Stuck orders"
    number = 6
    measured_by = ("stuck_orders",)
    drill_kind = "orders"
    fixed_columns = ("State", "Orders")

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        return (ctx.snapshot.stuck_orders,) if ctx.snapshot is not None else None

    def summary_lines(self, snap: Snapshot, ctx: RenderContext) -> list[str]:
        stuck = snap.stuck_orders
        age = f"{stuck.older_than_minutes:g} min"
        return [f"{count(stuck.total)} not updated for over {age}"]

    def table_rows(self, snap: Snapshot, ctx: RenderContext) -> Rows:
        states = sorted(snap.stuck_orders.by_state.items(), key=lambda item: (-item[1], item[0]))
        return ((state, [state, count(n)]) for state, n in states)
