"""The Collector at scale: what it keeps in memory does not grow with the tables.

A console opened on a big backlog (processing down for hours, orders piling up) must not
become the process that runs the host out of memory: the backlog, its failures and the
stuck orders are aggregated in SQL and only per-minute buckets are kept in Python.
"""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from typing import Any

import psycopg
from support.metrics_testkit import add_events

from console.core.config import Settings
from console.metrics.collector import Collector
from console.metrics.panels import EVENTS, PROCESSED
from console.metrics.snapshot import Snapshot
from console.triage.needs import disabled_detectors

BACKLOG_MINUTES = 300  # the rows spread over the same minutes at every size


def _grow(conn: psycopg.Connection[Any], rows: int) -> None:
    """`rows` unprocessed events (a third failed) and as many stuck orders, in two statements."""
    conn.execute(
        """
        INSERT INTO webhook_events (event_id, event_type, created_at, error_message, retry_count)
        SELECT 'evt_' || g, (ARRAY['payment_intent.succeeded', 'charge.refunded'])[1 + g %% 2],
               now() - make_interval(mins => 2 + g %% %(minutes)s, secs => g %% 50),
               CASE WHEN g %% 3 = 0 THEN 'Rate limit exceeded' END, g %% 4
        FROM generate_series(1, %(rows)s) AS g
        """,
        {"rows": rows, "minutes": BACKLOG_MINUTES},
    )
    conn.execute(
        """
        INSERT INTO orders (state, created_at, updated_at, total_amount_cents)
        SELECT (ARRAY['pending', 'pending_payment'])[1 + g %% 2],
               now() - interval '3 days', now() - make_interval(hours => 2, secs => g), 100
        FROM generate_series(1, %(rows)s) AS g
        """,
        {"rows": rows},
    )
    conn.execute("ANALYZE")


async def _retained_bytes(dsn: str) -> tuple[int, Any]:
    """Bytes still allocated after three polls, with the Collector alive, and its last Snapshot."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        async with Collector(dsn, Settings(), settled_check_seconds=0) as collector:
            for _ in range(3):
                snapshot = await collector.poll()
            gc.collect()
            retained = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    return retained, snapshot


async def test_collector_memory_stays_flat_as_the_backlog_and_stuck_orders_grow(
    pg_server,
) -> None:
    """Ten times the unprocessed rows and stuck orders: the same memory, the same figures."""
    sizes = {}
    for rows in (1_000, 10_000):
        name = f"scale_mem_{rows}_{uuid.uuid4().hex[:8]}"
        dsn = pg_server.create_database(name, template="tmpl_bigint")
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                _grow(conn, rows)
            retained, snapshot = await _retained_bytes(dsn)
        finally:
            pg_server.drop_database(name)
        assert snapshot.backlog.unprocessed == rows
        assert snapshot.backlog.unprocessed_without_error == rows - rows // 3
        assert snapshot.stuck_orders.total == rows
        sizes[rows] = retained
    small, large = sizes[1_000], sizes[10_000]
    # per-row state would cost ~200 bytes a row: 1.8 MB more at the larger size
    assert large < small * 1.3 + 300_000, sizes


def _day_of_traffic(conn: psycopg.Connection[Any]) -> None:
    add_events(conn, 400, oldest=23 * 3600, newest=1800, latency=0.4)
    add_events(conn, 30, oldest=240, newest=5, latency=2.0)
    add_events(conn, 6, oldest=200, newest=30, latency=0.2, error="Invalid signature")
    add_events(conn, 5, oldest=600, newest=300, latency=None)


def _totals(snapshot: Snapshot) -> dict[str, int]:
    totals: dict[str, int] = {}
    for bucket in snapshot.throughput:
        for event_type, count in bucket.by_type.items():
            totals[event_type] = totals.get(event_type, 0) + count
    return totals


async def test_first_poll_answers_the_last_minutes_and_the_day_fills_in_behind(db) -> None:
    """The first snapshot has the recent panels; the 24 h ones say they are loading."""
    with db.connect() as conn:
        _day_of_traffic(conn)
    async with (
        Collector(db.dsn, Settings(), first_data_seconds=0, history_seconds_per_poll=0) as quick,
        Collector(db.dsn, Settings(), first_data_seconds=float("inf")) as whole,
    ):
        first, full = await quick.poll(), await whole.poll()
        assert full.loading == {}
        assert set(first.loading) == {EVENTS, PROCESSED}
        assert "loading history" in first.loading[EVENTS]
        # the cheap questions are answered at once, and agree with a full load
        for field in ("events_5m", "errors_5m", "error_rate_5m", "processed_5m", "events_10m"):
            assert getattr(first, field) == getattr(full, field), field
        assert first.backlog.unprocessed == full.backlog.unprocessed == 5
        assert first.backlog.unprocessed_by_type == full.backlog.unprocessed_by_type
        assert first.connections.max_connections == full.connections.max_connections
        assert sum(_totals(first).values()) < sum(_totals(full).values())
        # judged against a day's baseline: waits rather than judging on a partial one
        assert "performance_degradation" in disabled_detectors(first)
        assert "performance_degradation" not in disabled_detectors(full)
        later = first
        for _ in range(30):  # one hour of history per poll with no budget
            if not later.loading:
                break
            later = await quick.poll()
        assert later.loading == {}
        assert _totals(later) == _totals(await whole.poll())
        assert later.p95_processing_seconds_1h == full.p95_processing_seconds_1h
