"""Errors: the 5-minute error rate and the top messages over 1 h and 24 h."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.formatting import ago, count, duration, percent, shorten
from screens.widgets.panel import (
    Panel,
    PanelTable,
    RenderContext,
    fit,
    flex_width,
    no_data_text,
)
from screens.widgets.quiet import QuietStatic

WIDE = ("Message", "1h", "24h", "Last seen")
COMPACT = ("Message", "1h", "24h", "Last")


class ErrorsPanel(Panel):
    key = "errors"
    title = "Errors"
    number = 3
    measured_by = ("events",)
    sources = ("events", "processed", "unprocessed")

    def compose_body(self) -> ComposeResult:
        yield QuietStatic("", classes="panel-summary")
        yield PanelTable(drill_kind="error")

    def render_body(self, ctx: RenderContext) -> None:
        summary = self.query_one(".panel-summary", Static)
        table = self.query_one(PanelTable)
        table.set_columns(COMPACT if ctx.compact else WIDE)
        snap = ctx.snapshot
        if snap is None:
            summary.update(no_data_text(ctx))
            table.replace_rows([])
            return
        rate = f"{percent(snap.error_rate_5m)} errors ({count(snap.errors_5m)} of "
        summary.update(fit([f"5 min: {rate}{count(snap.events_5m)})"], ctx))
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
        table.replace_rows(rows)
