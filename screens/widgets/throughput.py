"""Throughput: events per minute over the last hour, in total and by event type."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from console.metrics.snapshot import Snapshot
from screens.formatting import count, distinct_names, matches_filter, per_minute, sparkline
from screens.widgets.panel import (
    Panel,
    PanelTable,
    RenderContext,
    fit,
    flex_width,
    no_data_text,
)
from screens.widgets.quiet import QuietPlot, QuietStatic

MINUTES = 60
WIDE = ("Event type", "1h", "/min", "Last 60 min")
COMPACT = ("Event type", "1h", "/min")


def event_types(snap: Snapshot) -> list[str]:
    found = set(snap.event_types) or {t for b in snap.throughput for t in b.by_type}
    return sorted(found)


def steady_scale(series: list[float]) -> list[float]:
    """The series with its last (current, still filling) minute kept within the range
    of the complete minutes, so the plot's scale, and with it every past bar, stays put
    while the current minute fills: it shows as the lowest bar below that range and a
    full one above it, as it would at the extremes, and repaints only its own cells."""
    if len(series) < 3:
        return series
    past = series[:-1]
    return [*past, min(max(series[-1], min(past)), max(past))]


class ThroughputPanel(Panel):
    key = "throughput"
    title = "Throughput / min, last hour"
    label = "Throughput"
    number = 2
    measured_by = ("events",)
    sources = ("events",)

    def compose_body(self) -> ComposeResult:
        yield QuietStatic("", classes="panel-summary")
        yield QuietPlot(id="throughput-plot")
        yield PanelTable()

    def render_body(self, ctx: RenderContext) -> None:
        summary = self.query_one(".panel-summary", Static)
        table = self.query_one(PanelTable)
        plot = self.query_one(QuietPlot)
        trend = ctx.width >= 70
        table.set_columns(WIDE if trend else COMPACT)
        # Short of room (80x24 leaves the table two lines), the column titles give way to
        # a second event type (maximised, or on a taller terminal, they are back).
        height = self.content_region.height
        table.show_header = height == 0 or height - 2 >= 4
        snap = ctx.snapshot
        if snap is None:
            summary.update(no_data_text(ctx))
            plot.display = False
            table.replace_rows([])
            return
        types = [t for t in event_types(snap) if matches_filter(t, ctx.event_filter)]
        total = per_minute(snap.throughput, snap.taken_at, MINUTES, types)
        lines = [f"{count(snap.events_per_minute)}/min (5 min avg) · {count(sum(total))} in 1h"]
        if ctx.event_filter:
            lines.append(f"filter '{ctx.event_filter}': {len(types)} types")
        summary.update(fit(lines, ctx))
        plot.show_data(steady_scale([float(v) for v in total]))
        plot.display = True
        trend_width = min(30, max(10, ctx.width - 32 - 11 - 11)) if trend else 0
        name_width = flex_width(ctx, (6, 5, trend_width) if trend else (6, 5), lo=10, hi=32)
        names = distinct_names(types, name_width)
        rows = []
        for event_type in types:
            series = per_minute(snap.throughput, snap.taken_at, MINUTES, [event_type])
            hour = sum(series)
            cells = [
                names[event_type],
                count(hour),
                count(round(hour / MINUTES, 1)),
            ]
            if trend:
                cells.append(sparkline(series, trend_width))
            rows.append((hour, event_type, cells))
        rows.sort(key=lambda r: (-r[0], r[1]))
        table.replace_rows((key, cells) for _, key, cells in rows)
