"""The Collector at scale: what it keeps in memory does not grow with the tables.

A console opened on a big backlog (processing down for hours, orders piling up) must not
become the process that runs the host out of memory: the backlog, its failures and the
stuck orders are aggregated in SQL and only per-minute buckets are kept in Python.
"""

from __future__ import annotations

import gc
import tracemalloc
import uuid
from datetime import datetime, timedelta
from typing import Any

import psycopg
from support.metrics_testkit import add_events, add_order, summary_polls_around

from console import queries
from console.core.config import Settings
from console.metrics.collector import Collector
from console.metrics.panels import (
    DUPLICATES,
    EVENTS,
    NOTIFICATIONS,
    PAID_WITHOUT_PAYMENT,
    PROCESSED,
    STUCK_ORDERS,
    UNPROCESSED,
)
from console.metrics.snapshot import Snapshot
from console.metrics.tuning import CollectorTuning
from console.triage.evaluate import evaluate
from console.triage.needs import disabled_detectors

BACKLOG_MINUTES = 300  # the rows spread over the same minutes at every size
WHOLE_WINDOW = CollectorTuning(first_data_seconds=float("inf"))  # no budget: all at once


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
        tuning = CollectorTuning(settled_check_seconds=0)
        async with Collector(dsn, Settings(), tuning=tuning) as collector:
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
    add_order(conn, state="pending", updated_age=3 * 3600)


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
        Collector(
            db.dsn,
            Settings(),
            tuning=CollectorTuning(
                first_data_seconds=0, history_seconds_per_poll=0, detector_interval_seconds=0
            ),
        ) as quick,
        Collector(db.dsn, Settings(), tuning=WHOLE_WINDOW) as whole,
    ):
        first, full = await quick.poll(), await whole.poll()
        assert full.loading == {}
        # the first poll's budget is spent: the day, the stuck orders and the detector
        # inputs (duplicates, notifications, paid orders) fill in behind, each saying so
        assert set(first.loading) == {
            EVENTS,
            PROCESSED,
            STUCK_ORDERS,
            DUPLICATES,
            NOTIFICATIONS,
            PAID_WITHOUT_PAYMENT,
        }
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
        for waiting in ("stuck_orders", "idempotency_conflicts", "inconsistent_orders"):
            assert waiting in disabled_detectors(first), waiting  # not judged on a zero
        assert "high_error_rate" not in disabled_detectors(first)  # the last minutes are in
        later = await quick.poll()
        assert STUCK_ORDERS not in later.loading and later.stuck_orders.total == 1
        for _ in range(30):  # one hour of history per poll with no budget
            if not later.loading:
                break
            later = await quick.poll()
        assert later.loading == {}
        assert _totals(later) == _totals(await whole.poll())
        assert later.p95_processing_seconds_1h == full.p95_processing_seconds_1h


async def test_a_big_backlog_fills_in_on_the_second_poll(db) -> None:
    """Past its size limit the backlog before the last minutes waits a poll, the panel says so."""
    with db.connect() as conn:
        add_events(conn, 300, oldest=7 * 86400, newest=25 * 3600, latency=None, error="Timeout")
        add_events(conn, 20, oldest=3600, newest=60, latency=0.3)
        add_events(conn, 3, oldest=3000, newest=60, latency=None, error="Invalid signature")
        conn.execute("VACUUM ANALYZE webhook_events")  # the partial index's estimate
        async with (
            Collector(
                db.dsn, Settings(), tuning=CollectorTuning(backlog_first_poll_rows=100)
            ) as quick,
            Collector(db.dsn, Settings()) as whole,
        ):
            first, full = await quick.poll(), await whole.poll()
            assert UNPROCESSED in first.loading and UNPROCESSED not in full.loading
            # the last 5 minutes' backlog, and their errors, as a full read has them
            assert first.backlog.unprocessed == 1 and full.backlog.unprocessed == 303
            assert [(g.message, g.count_5m) for g in first.errors] == [
                (g.message, g.count_5m) for g in full.errors
            ]
            # the oldest waiting rows may be before the window: those detectors wait
            disabled = disabled_detectors(first)
            assert "payments_not_processing" in disabled and "processing_down" in disabled
            assert "high_error_rate" not in disabled and "signature_failures" not in disabled
            second, again = await quick.poll(), await whole.poll()
            assert UNPROCESSED not in second.loading
            for field in ("unprocessed", "failed_24h", "retryable_failed", "unprocessed_by_type"):
                assert getattr(second.backlog, field) == getattr(again.backlog, field), field
            assert [(g.message, g.count_24h) for g in second.errors] == [
                (g.message, g.count_24h) for g in again.errors
            ]
            age = second.backlog.oldest_unprocessed_age_seconds
            assert age is not None and age >= 7 * 86400


async def test_on_big_tables_the_first_poll_reads_only_the_last_minutes(db) -> None:
    """No budget is spent on a read that alone would spend it: the rest fills in behind."""
    with db.connect() as conn:
        _day_of_traffic(conn)
        conn.execute("ANALYZE")  # the tables' estimates
    async with (
        Collector(db.dsn, Settings(), tuning=CollectorTuning(first_poll_big_rows=100)) as quick,
        Collector(db.dsn, Settings(), tuning=WHOLE_WINDOW) as whole,
    ):
        first, full = await quick.poll(), await whole.poll()
        later_panels = {STUCK_ORDERS, DUPLICATES, NOTIFICATIONS, PAID_WITHOUT_PAYMENT}
        # the backlog too, however small: its old history alone took ~0.9 s read cold at 10M
        assert set(first.loading) == {EVENTS, PROCESSED, UNPROCESSED, *later_panels}
        assert first.events_5m == full.events_5m and first.errors_5m == full.errors_5m
        assert sum(_totals(first).values()) < sum(_totals(full).values())
        later, again = await quick.poll(), await whole.poll()
        assert STUCK_ORDERS not in later.loading and later.stuck_orders.total == 1
        assert UNPROCESSED not in later.loading
        for field in ("unprocessed", "failed_24h", "retryable_failed", "unprocessed_by_type"):
            assert getattr(later.backlog, field) == getattr(again.backlog, field), field


BIG_TABLES = ("webhook_events", "orders", "payments")


def _week_of_history(conn: psycopg.Connection[Any], events: int) -> None:
    """A week of events (1 in 53 failed, unprocessed) and orders (1 in 20 stuck), vacuumed."""
    conn.execute(
        """
        INSERT INTO webhook_events
            (event_id, event_type, created_at, processed_at, error_message, retry_count)
        SELECT 'evt_' || g, (ARRAY['payment_intent.succeeded', 'charge.refunded'])[1 + g %% 2],
               t, CASE WHEN g %% 53 <> 0 THEN t + interval '300 milliseconds' END,
               CASE WHEN g %% 53 = 0 THEN 'Rate limit exceeded' END, g %% 4
        FROM generate_series(1, %(events)s) AS g,
             LATERAL (SELECT now() - (%(events)s - g) * interval '604800 seconds' / %(events)s
                      AS t) AS ts
        """,
        {"events": events},
    )
    conn.execute(
        """
        INSERT INTO orders (state, created_at, updated_at, paid_at, total_amount_cents)
        SELECT CASE WHEN g %% 20 = 0 THEN 'pending' ELSE 'paid' END, t, t,
               CASE WHEN g %% 20 <> 0 THEN t END, 100
        FROM generate_series(1, %(orders)s) AS g,
             LATERAL (SELECT now() - g * interval '604800 seconds' / %(orders)s AS t) AS ts
        """,
        {"orders": events // 5},
    )
    conn.execute(
        "INSERT INTO payments (order_id, amount_cents, status, processed_at) "
        "SELECT id, 100, 'completed', updated_at FROM orders WHERE state = 'paid' AND id % 50 <> 0"
    )
    conn.execute("VACUUM ANALYZE")


def _live_params(now: datetime) -> dict[str, Any]:
    """What a steady-state poll passes: recent watermarks, the day's window, a few ids."""
    return {
        "since": now - timedelta(seconds=30),
        "window_start": now - timedelta(hours=24),
        "states": ["pending", "pending_payment"],
        "before": now - timedelta(hours=1),
        "ids": [1, 2, 3],
        "event_ids": ["evt_1", "evt_2", "evt_3"],
        "start": now - timedelta(hours=1),
        "cut": now - timedelta(minutes=15),
        "until": now - timedelta(minutes=5),
        "processed_since": now - timedelta(seconds=30),
        "retry_limit": 3,
        "updated_from": now - timedelta(seconds=30),
        "updated_to": now,
        "limit": 5001,
        "tables": list(BIG_TABLES),
        "compare_from": now - timedelta(hours=24),
        "compare_to": now - timedelta(minutes=5),
        "keep_from": now - timedelta(hours=24),
        "keep_to": now - timedelta(minutes=5),
        "scan_from": now - timedelta(hours=24),
        "scan_to": now - timedelta(minutes=5),
    }


def test_every_live_query_uses_an_index_on_tables_big_enough_for_the_planner_to_care(db) -> None:
    """No live query scans a whole big table: the planner is left free (no enable_seqscan)."""
    with db.connect() as conn:
        _week_of_history(conn, 200_000)
        now = conn.execute("SELECT now()").fetchone()[0]  # type: ignore[index]
        params = _live_params(now)
        scanned, checked = {}, 0
        for query in queries.group("live"):
            if query.requires and not all(t in BIG_TABLES for t in query.requires):
                continue
            bound = {name: params[name] for name in query.params}
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query.text, bound).fetchall())
            checked += any(f" on {t}" in plan for t in BIG_TABLES)
            seq = [t for t in BIG_TABLES if f"Seq Scan on {t}" in plan]
            if seq:
                scanned[query.name] = plan
    assert checked >= 12
    assert scanned == {}, "\n\n".join(f"{name}:\n{plan}" for name, plan in scanned.items())


async def test_orders_paid_without_payment_are_judged_once_and_rechecked_until_resolved(
    db,
) -> None:
    """Incremental: the day is judged once, new orders as they come, a late payment clears."""
    with db.connect() as conn:
        gap = add_order(conn, state="paid", updated_age=2 * 3600)
        add_order(conn, state="paid", updated_age=3600, payment_status="completed")
        add_order(conn, state="paid", updated_age=30 * 3600)  # outside the day
        every_poll = CollectorTuning(detector_interval_seconds=0)
        async with Collector(db.dsn, Settings(), tuning=every_poll) as collector:
            first = await collector.poll()  # a small day: judged whole on the first poll
            assert PAID_WITHOUT_PAYMENT not in first.loading
            assert first.paid_without_payment is not None
            assert first.paid_without_payment.count == 1
            assert first.paid_without_payment.examples == (str(gap),)
            assert "inconsistent_orders" in {f.id for f in evaluate(first)}
            conn.execute(
                "INSERT INTO payments (order_id, amount_cents, status, processed_at) "
                "VALUES (%s, 4200, 'completed', now())",
                (gap,),
            )
            cleared = await collector.poll()
            assert cleared.paid_without_payment is not None
            assert cleared.paid_without_payment.count == 0
            assert "inconsistent_orders" not in {f.id for f in evaluate(cleared)}
            fresh = add_order(conn, state="paid", updated_age=0)
            conn.execute("UPDATE orders SET updated_at = now() WHERE id = %s", (fresh,))
            again = await collector.poll()
            assert again.paid_without_payment is not None
            assert again.paid_without_payment.examples == (str(fresh),)
            assert again.paid_without_payment.count == 1


async def test_a_panel_without_its_index_on_a_big_table_says_which_and_the_rest_answer(db) -> None:
    """No created_at index on a big webhook_events: those panels wait for it, with the fix."""
    with db.connect() as conn:
        conn.execute("DROP INDEX webhook_events_created_at_idx")
        add_events(conn, 3000, oldest=3000, newest=30, latency=0.2)
        add_events(conn, 5, oldest=600, newest=300, latency=None)
        add_order(conn, state="pending", updated_age=3 * 3600)
        conn.execute("ANALYZE")
        guarded = CollectorTuning(index_guard_rows=1_000, slow_interval_seconds=0)
        async with Collector(db.dsn, Settings(), tuning=guarded) as collector:
            held = await collector.poll()
            reason = held.panel_errors[EVENTS]
            assert reason.startswith("waiting for an index: webhook_events has ~3,005 rows")
            assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_events_created_at_idx" in reason
            assert DUPLICATES in held.panel_errors
            assert "high_error_rate" in disabled_detectors(held)
            # the panels whose indexes exist answer
            assert held.backlog.unprocessed == 5
            assert held.stuck_orders.total == 1
            assert held.connections.max_connections > 0
            assert STUCK_ORDERS not in held.panel_errors
            conn.execute(
                "CREATE INDEX webhook_events_created_at_idx ON webhook_events (created_at)"
            )
            back = await collector.poll()
        assert EVENTS not in back.panel_errors and DUPLICATES not in back.panel_errors
        assert back.events_5m > 0


def _errors(snapshot: Snapshot) -> dict[str, tuple[int, int, int]]:
    return {g.message: (g.count_5m, g.count_1h, g.count_24h) for g in snapshot.errors}


async def test_a_large_backlog_rereads_only_its_recent_minutes_and_agrees_with_a_recount(
    db,
) -> None:
    """Summary mode, settled minutes held: a new failure shows at once, the rest stays."""
    with db.connect() as conn:
        add_events(conn, 80, oldest=20 * 3600, newest=3600, latency=None, error="Event too old")
        add_events(conn, 30, oldest=7200, newest=900, latency=None)
        before, after, recount = await summary_polls_around(
            db.dsn,
            lambda: add_events(
                conn, 3, oldest=40, newest=20, latency=None, error="Invalid signature"
            ),
        )
        assert before.backlog.unprocessed == 110
        assert after.backlog.unprocessed == recount.backlog.unprocessed == 113
        assert _errors(after) == _errors(recount)
        assert _errors(after)["Invalid signature"] == (3, 3, 3)
        assert _errors(after)["Event too old"] == _errors(before)["Event too old"]
