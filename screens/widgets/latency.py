"""Latency: processing time (processed_at - created_at) by event type, last hour."""

from __future__ import annotations

from collections.abc import Sequence

from console.metrics.snapshot import Snapshot
from screens.formatting import count, distinct_names, duration, matches_filter
from screens.widgets.panel import RenderContext, flex_width
from screens.widgets.table_panel import Rows, TablePanel

FULL = ("Event type", "n", "avg", "p95", "max")
MEDIUM = ("Event type", "n", "avg", "p95")
SMALL = ("Event type", "avg", "p95")


class LatencyPanel(TablePanel):
    key = "latency"
    title = "Latency, last hour"
    label = "Latency"
    number = 4
    measured_by = ("processed",)
    sources = ("processed",)

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        snap = ctx.snapshot
        if snap is None:
            return None
        return snap.latency, snap.avg_processing_seconds_1h, snap.p95_processing_seconds_1h

    def columns(self, ctx: RenderContext) -> Sequence[str]:
        return FULL if ctx.width >= 64 else MEDIUM if ctx.width >= 46 else SMALL

    def summary_lines(self, snap: Snapshot, ctx: RenderContext) -> list[str]:
        avg, p95 = snap.avg_processing_seconds_1h, snap.p95_processing_seconds_1h
        return [f"all types: avg {duration(avg)}, p95 {duration(p95)}"]

    def table_rows(self, snap: Snapshot, ctx: RenderContext) -> Rows:
        columns = self.columns(ctx)
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
        return rows
