"""One poll's state read out as a frozen Snapshot: windows, error groups, latency, backlog.

Kept apart from the polling so that how the numbers are gathered (deltas, summaries,
cadences) can change without touching what the dashboard and triage are shown: every
window is read from the per-minute buckets on the server clock of the poll (`now`), the
last N minutes being the current, partial minute and the N-1 before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from console.metrics.aggregate import Aggregate
from console.metrics.backlog import BacklogIndex
from console.metrics.buckets import MINUTE, MetricWindow, minute_of, window_start
from console.metrics.patterns import SECURITY_GROUPS, ErrorClassifier
from console.metrics.periodic import PeriodicPanels
from console.metrics.snapshot import (
    Connections,
    ErrorGroup,
    LatencyStats,
    Snapshot,
    StuckOrders,
)

MAX_ERROR_GROUPS = 50


@dataclass(frozen=True)
class PollFacts:
    """What one poll read besides the buckets: the server, the panels, its own cost."""

    now: datetime
    server: Mapping[str, Any]
    stuck: StuckOrders | None
    connections: Connections | None
    last_processed_at: datetime | None
    panel_errors: Mapping[str, str]
    db_seconds: float
    rows_read: int
    queries_run: int


def _joined(before: Aggregate, after: Aggregate) -> Aggregate:
    """Two adjacent runs of minutes as one (no histogram): the day is the 15 min baseline
    and the last 15 min, both read anyway, so the day's ~30 blocks are not merged again."""
    joined = Aggregate()
    joined.merge(before, by_type=False, histogram=False)
    joined.merge(after, by_type=False, histogram=False)
    return joined


def assemble(
    facts: PollFacts,
    window: MetricWindow,
    classifier: ErrorClassifier,
    backlog: BacklogIndex,
    periodic: PeriodicPanels,
) -> Snapshot:
    now, server = facts.now, facts.server
    start = window_start(now)
    current = minute_of(now)

    def since(minutes: int) -> datetime:
        return current - (minutes - 1) * MINUTE

    w = window
    last5 = w.aggregate(since(5), current)
    last10 = w.aggregate(since(10), current, histogram=False)
    last15 = w.aggregate(since(15), current)
    last60 = w.aggregate(since(60), current, by_type=True)
    before15 = w.aggregate(start, since(15) - MINUTE)
    day = (
        _joined(before15, last15)
        if since(15) > start
        else w.aggregate(start, current, histogram=False)
    )
    security_5m = sum(last5.groups[g].count for g in SECURITY_GROUPS if g in last5.groups)
    security_day = sum(day.groups[g].count for g in SECURITY_GROUPS if g in day.groups)
    slots = max(1.0, ((current - start) / MINUTE + 1 - 5) / 5)
    events_5m = last5.events
    errors = tuple(
        sorted(
            (
                ErrorGroup(
                    message=group,
                    pattern=classifier.pattern_of(group),
                    count_1h=last60.groups[group].count if group in last60.groups else 0,
                    count_24h=agg.count,
                    last_seen=agg.last,
                    event_types=len(agg.types),
                    count_5m=last5.groups[group].count if group in last5.groups else 0,
                    first_seen=agg.first,
                    first_seen_5m=last5.groups[group].first if group in last5.groups else None,
                )
                for group, agg in day.groups.items()
                if agg.count > 0
            ),
            key=lambda g: (-g.count_24h, g.message),
        )[:MAX_ERROR_GROUPS]
    )
    latency = tuple(
        LatencyStats(
            event_type=event_type,
            count=agg.count,
            avg_seconds=agg.avg_seconds,
            p95_seconds=agg.percentile(0.95),
            max_seconds=agg.max_seconds,
        )
        for event_type, agg in sorted(last60.latency_by_type.items())
    )
    recent = backlog.oldest_since(since(10))
    stuck_minutes = periodic.stuck_minutes
    return Snapshot(
        taken_at=now,
        last_processed_at=facts.last_processed_at,
        database=server["database"],
        server_version=server["server_version"],
        throughput=w.minute_buckets(start, current),
        event_types=w.event_types(),
        events_per_minute=events_5m / 5,
        events_5m=events_5m,
        errors_5m=last5.errors,
        error_rate_5m=100.0 * last5.errors / events_5m if events_5m else 0.0,
        errors=errors,
        latency=latency,
        avg_processing_seconds_1h=last60.latency.avg_seconds,
        p95_processing_seconds_1h=last60.latency.percentile(0.95),
        backlog=backlog.build(now),
        stuck_orders=facts.stuck or StuckOrders(older_than_minutes=stuck_minutes),
        connections=facts.connections or Connections(max_connections=server["max_connections"]),
        panel_errors=MappingProxyType(dict(facts.panel_errors)),
        poll_seconds=facts.db_seconds,
        events_10m=last10.events,
        processed_10m=last10.processed,
        oldest_unprocessed_10m_age_seconds=(now - recent).total_seconds() if recent else None,
        processed_5m=last5.processed,
        avg_processing_seconds_5m=last5.latency.avg_seconds,
        p95_processing_seconds_15m=last15.latency.percentile(0.95),
        p95_processing_seconds_baseline=before15.latency.percentile(0.95),
        security_rejections_5m=security_5m,
        security_baseline_per_5m=(security_day - security_5m) / slots,
        duplicates_1h=periodic.duplicates,
        paid_without_payment=periodic.paid_without_payment,
        notifications=periodic.notifications,
        rows_read=facts.rows_read,
        queries_run=facts.queries_run,
    )
