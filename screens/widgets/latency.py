"""Latency: processing time (processed_at - created_at) by event type, last hour."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from screens.formatting import count, distinct_names, duration, matches_filter
from screens.widgets.panel import (
    Panel,
    PanelTable,
    RenderContext,
    fit,
    flex_width,
    no_data_text,
)
from screens.widgets.quiet import QuietStatic

FULL = ("Event type", "n", "avg", "p95", "max")
MEDIUM = ("Event type", "n", "avg", "p95")
SMALL = ("Event type", "avg", "p95")


class LatencyPanel(Panel):
    key = "latency"
    title = "Latency, last hour"
    label = "Latency"
    number = 4
    measured_by = ("processed",)
    sources = ("processed",)

    def compose_body(self) -> ComposeResult:
        yield QuietStatic("", classes="panel-summary")
        yield PanelTable()

    def render_body(self, ctx: RenderContext) -> None:
        summary = self.query_one(".panel-summary", Static)
        table = self.query_one(PanelTable)
        columns = FULL if ctx.width >= 64 else MEDIUM if ctx.width >= 46 else SMALL
        table.set_columns(columns)
        snap = ctx.snapshot
        if snap is None:
            summary.update(no_data_text(ctx))
            table.replace_rows([])
            return
        avg, p95 = snap.avg_processing_seconds_1h, snap.p95_processing_seconds_1h
        summary.update(fit([f"all types: avg {duration(avg)}, p95 {duration(p95)}"], ctx))
        stats = [s for s in snap.latency if matches_filter(s.event_type, ctx.event_filter)]
        stats.sort(key=lambda s: (-(s.p95_seconds or 0.0), s.event_type))
        width = flex_width(ctx, (6,) * (len(columns) - 1), lo=10, hi=32)
        names = distinct_names([s.event_type for s in stats], width)
        rows = []
        for s in stats:
            cells = {
                "Event type": names[s.event_type],
                "n": count(s.count),
                "avg": duration(s.avg_seconds),
                "p95": duration(s.p95_seconds),
                "max": duration(s.max_seconds),
            }
            rows.append((s.event_type, [cells[c] for c in columns]))
        table.replace_rows(rows)
