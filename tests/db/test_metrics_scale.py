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

from console.core.config import Settings
from console.metrics.collector import Collector

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
