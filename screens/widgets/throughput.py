"""Throughput: events per minute over the last hour, in total and by event type."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from textual.widget import Widget

from console.metrics.snapshot import Snapshot
from screens.formatting import (
    count,
    distinct_names,
    matches_filter,
    per_minute_by_type,
    sparkline,
    sum_series,
)
from screens.widgets.panel import PanelTable, RenderContext, flex_width
from screens.widgets.plot import QuietPlot
from screens.widgets.table_panel import Rows, TablePanel

MINUTES = 60
WIDE = ("Event type", "1h", "/min", "Last 60 min")
COMPACT = ("Event type", "1h", "/min")


def event_types(snap: Snapshot) -> list[str]:
    found = set(snap.event_types) or {t for b in snap.throughput for t in b.by_type}
    return sorted(found)


def shown_types(snap: Snapshot, ctx: RenderContext) -> list[str]:
    return [t for t in event_types(snap) if matches_filter(t, ctx.event_filter)]


def steady_scale(series: list[float]) -> list[float]:
    """The series with its last (current, still filling) minute kept within the range
    of the complete minutes, so the plot's scale, and with it every past bar, stays put
    while the current minute fills: it shows as the lowest bar below that range and a
    full one above it, as it would at the extremes, and repaints only its own cells."""
    if len(series) < 3:
        return series
    past = series[:-1]
    return [*past, min(max(series[-1], min(past)), max(past))]


class ThroughputPanel(TablePanel):
    key = "throughput"
    title = "Throughput / min, last hour"
    label = "Throughput"
    number = 2
    measured_by = ("events",)
    sources = ("events",)

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        snap = ctx.snapshot
        if snap is None:
            return None
        # the time first: the minutes of the hour move on with every poll
        return snap.taken_at, snap.events_per_minute, snap.event_types, snap.throughput

    _series_of: Snapshot | None = None
    _by_type: dict[str, list[int]] | None = None

    def series_by_type(self, snap: Snapshot) -> dict[str, list[int]]:
        """Each type's events per minute over the hour, once per Snapshot (the table,
        the summary and the plot all read them)."""
        if self._by_type is None or self._series_of is not snap:
            self._by_type = per_minute_by_type(snap.throughput, snap.taken_at, MINUTES)
            self._series_of = snap
        return self._by_type

    def total_series(self, snap: Snapshot, types: list[str]) -> list[int]:
        by_type = self.series_by_type(snap)
        return sum_series([by_type[t] for t in types if t in by_type], MINUTES)

    def compose_between(self) -> Iterator[Widget]:
        yield QuietPlot(id="throughput-plot")

    def columns(self, ctx: RenderContext) -> Sequence[str]:
        return WIDE if ctx.width >= 70 else COMPACT

    def render_body(self, ctx: RenderContext) -> None:
        # Short of room (80x24 leaves the table two lines), the column titles give way to
        # a second event type (maximised, or on a taller terminal, they are back).
        height = self.content_region.height
        self.query_one(PanelTable).show_header = height == 0 or height - 2 >= 4
        super().render_body(ctx)
        plot = self.query_one(QuietPlot)
        snap = ctx.snapshot
        if snap is None:
            plot.display = False
            return
        total = self.total_series(snap, shown_types(snap, ctx))
        plot.show_data(steady_scale([float(v) for v in total]))
        plot.display = True

    def summary_lines(self, snap: Snapshot, ctx: RenderContext) -> list[str]:
        types = shown_types(snap, ctx)
        total = self.total_series(snap, types)
        lines = [f"{count(snap.events_per_minute)}/min (5 min avg) · {count(sum(total))} in 1h"]
        if ctx.event_filter:
            lines.append(f"filter '{ctx.event_filter}': {len(types)} types")
        return lines

    def table_rows(self, snap: Snapshot, ctx: RenderContext) -> Rows:
        trend = ctx.width >= 70
        types = shown_types(snap, ctx)
        trend_width = min(30, max(10, ctx.width - 32 - 11 - 11)) if trend else 0
        name_width = flex_width(ctx, (6, 5, trend_width) if trend else (6, 5), lo=10, hi=32)
        names = distinct_names(types, name_width)
        by_type = self.series_by_type(snap)
        rows = []
        for event_type in types:
            series = by_type.get(event_type, [0] * MINUTES)
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
        return [(key, cells) for _, key, cells in rows]
