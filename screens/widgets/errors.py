"""Errors: the 5-minute error rate and the top messages over 1 h and 24 h."""

from __future__ import annotations

from collections.abc import Sequence

from console.metrics.snapshot import Snapshot
from screens.formatting import ago, count, duration, percent, shorten
from screens.widgets.panel import RenderContext, flex_width
from screens.widgets.table_panel import Rows, TablePanel

WIDE = ("Message", "1h", "24h", "Last seen")
COMPACT = ("Message", "1h", "24h", "Last")


class ErrorsPanel(TablePanel):
    key = "errors"
    title = "Errors"
    number = 3
    measured_by = ("events",)
    sources = ("events", "processed", "unprocessed")
    drill_kind = "error"

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        snap = ctx.snapshot
        if snap is None:
            return None
        # the time first: ages ("3m ago") move on with every poll
        return snap.taken_at, snap.errors, snap.error_rate_5m, snap.errors_5m, snap.events_5m

    def columns(self, ctx: RenderContext) -> Sequence[str]:
        return COMPACT if ctx.compact else WIDE

    def summary_lines(self, snap: Snapshot, ctx: RenderContext) -> list[str]:
        rate = f"{percent(snap.error_rate_5m)} errors ({count(snap.errors_5m)} of "
        return [f"5 min: {rate}{count(snap.events_5m)})"]

    def table_rows(self, snap: Snapshot, ctx: RenderContext) -> Rows:
        groups = sorted(snap.errors, key=lambda g: (-g.count_1h, -g.count_24h, g.message))
        width = flex_width(ctx, (4, 5, 5 if ctx.compact else 10), lo=10, hi=60)
        rows = []
        for group in groups:
            if ctx.compact:
                seen = "—"
                if group.last_seen is not None:
                    seen = duration((snap.taken_at - group.last_seen).total_seconds())
            else:
                seen = ago(group.last_seen, snap.taken_at)
            cells = [
                shorten(group.message, width),
                count(group.count_1h),
                count(group.count_24h),
                seen,
            ]
            rows.append((group.pattern, cells))
        return rows
