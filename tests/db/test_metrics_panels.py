"""Panels one by one: failures switch off only themselves; sessions, locks, indexes, clocks."""

from __future__ import annotations

import asyncio
import contextlib
import re
import threading
import time
import uuid
from typing import Any

import psycopg
import pytest
from support.metrics_testkit import add_events, add_order, poll_once, wait_for_sessions

from console import queries
from console.core.config import Settings
from console.metrics.collector import Collector
from console.metrics.tuning import CollectorTuning
from console.triage import disabled_detectors, evaluate


def _dsn_as(dsn: str, user: str) -> str:
    return dsn.replace("postgresql://postgres@", f"postgresql://{user}@")


async def test_panel_without_privilege_is_switched_off_and_the_rest_goes_on(db, pg_server) -> None:
    role = f"ro_{uuid.uuid4().hex[:10]}"
    with db.connect() as conn:
        add_events(conn, 20, oldest=240, newest=10)
        add_order(conn, state="pending", updated_age=7200)
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT SELECT ON webhook_events TO {role}")
    try:
        async with Collector(_dsn_as(db.dsn, role), Settings()) as collector:
            first = await collector.poll()
            second = await collector.poll()
    finally:
        with db.connect() as conn:
            conn.execute(f"DROP OWNED BY {role}")
        pg_server.admin(f"DROP ROLE {role}")
    for panel in ("stuck_orders", "paid_without_payment", "notifications"):
        assert "permission denied" in first.panel_errors[panel]
        assert second.panel_errors[panel] == first.panel_errors[panel]
    assert first.events_5m == 20 and second.events_5m == 20  # the event panels go on
    assert "stuck_orders" in disabled_detectors(first)
    assert "stuck_orders" not in {f.id for f in evaluate(first)}
    # switched off: the second poll does not send the failing queries again
    assert second.queries_run < first.queries_run


async def test_timed_out_panel_is_retried_later(db) -> None:
    with db.connect() as conn:
        add_events(conn, 5, oldest=120, newest=10)
        add_order(conn, state="pending_payment", updated_age=7200)
    locker = psycopg.connect(db.dsn)
    settings = Settings(lock_timeout_ms=100, statement_timeout_ms=2000)
    try:
        retry_soon = CollectorTuning(panel_retry_seconds=0.05)
        async with Collector(db.dsn, settings, tuning=retry_soon) as collector:
            locker.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
            blocked = await collector.poll()
            locker.rollback()
            await asyncio.sleep(0.1)
            recovered = await collector.poll()
    finally:
        locker.close()
    assert "lock" in blocked.panel_errors["stuck_orders"]
    assert blocked.events_5m == 5
    assert "stuck_orders" not in recovered.panel_errors
    assert recovered.stuck_orders.by_state == {"pending_payment": 1}


def _run_in_thread(
    dsn: str, statement: str, params: tuple[Any, ...] = (), app: str = "orders-service"
) -> threading.Thread:
    def work() -> None:
        with (
            psycopg.connect(dsn, autocommit=True, application_name=app) as conn,
            contextlib.suppress(psycopg.Error),
        ):
            conn.execute(statement, params or None)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


async def test_connections_show_blocking_idle_in_transaction_and_longest_query(db) -> None:
    order_id = None
    with db.connect() as conn:
        order_id = add_order(conn, state="pending")
    holder = psycopg.connect(db.dsn, application_name="orders-service")
    holder.execute("UPDATE orders SET state = state WHERE id = %s", (order_id,))  # idle in tx
    holder_pid = holder.info.backend_pid
    threads = [
        _run_in_thread(db.dsn, "SELECT pg_sleep(2.5)", app="incident-console:ops:other"),
        _run_in_thread(db.dsn, "SELECT pg_sleep(2.0)"),
    ]
    with db.connect() as watcher:
        wait_for_sessions(watcher, "query LIKE 'SELECT pg_sleep%' AND state = 'active'", 2)
        time.sleep(0.05)  # so the blocked update below is the younger query
        threads.append(
            _run_in_thread(db.dsn, "UPDATE orders SET state = 'paid' WHERE id = %s", (order_id,))
        )
        wait_for_sessions(watcher, "wait_event_type = 'Lock'", 1)
    try:
        async with Collector(db.dsn, Settings()) as collector:
            snapshot = await collector.poll()
            own_pid = collector.connection.info.backend_pid  # type: ignore[union-attr]
    finally:
        holder.rollback()
        holder.close()
        for thread in threads:
            thread.join(5)
    conns = snapshot.connections
    assert own_pid not in {s.pid for s in conns.sessions}
    assert [s.blocked_by for s in conns.blocked] == [(holder_pid,)]
    assert holder_pid in {s.pid for s in conns.idle_in_transaction}
    assert conns.longest is not None
    assert conns.longest.query == "SELECT pg_sleep(2.0)"  # the console's own sessions excluded
    assert conns.by_state["active"] >= 3 and conns.total == len(conns.sessions)


LIVE_WITH_INDEX = [q for q in queries.group("live") if "index" in q.meta]


@pytest.mark.parametrize("query", LIVE_WITH_INDEX, ids=lambda q: q.name)
def test_live_query_can_use_its_declared_index(db, query: queries.Query) -> None:
    """Written so the planner can use the index it names (no function around the column)."""
    from datetime import UTC, datetime, timedelta

    sample: dict[str, Any] = {
        "since": datetime.now(UTC) - timedelta(hours=1),
        "window_start": datetime.now(UTC) - timedelta(hours=24),
        "states": ["pending", "pending_payment"],
        "before": datetime.now(UTC) - timedelta(hours=1),
        "ids": [1, 2],
        "event_ids": ["evt_1", "evt_2"],
        "start": datetime.now(UTC) - timedelta(hours=24),
        "cut": datetime.now(UTC) - timedelta(minutes=1),
        "until": datetime.now(UTC),
        "processed_since": datetime.now(UTC) - timedelta(minutes=1),
        "retry_limit": 3,
        "updated_from": datetime.now(UTC) - timedelta(minutes=1),
        "updated_to": datetime.now(UTC),
        "limit": 5001,
        **{
            f"{part}_{end}": datetime.now(UTC) - timedelta(hours=24 if end == "from" else 0)
            for part in ("compare", "keep", "scan")
            for end in ("from", "to")
        },
    }
    params = {name: sample[name] for name in query.params}
    index = re.match(r"\w+", query.meta["index"]).group(0)  # type: ignore[union-attr]
    with db.connect() as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query.text, params).fetchall())
    assert index in plan, plan


async def test_windows_follow_the_server_clock_in_any_timezone(db) -> None:
    with db.connect() as conn:
        conn.execute(f"ALTER DATABASE \"{db.name}\" SET timezone = 'Asia/Kathmandu'")
        add_events(conn, 6, oldest=200, newest=10, latency=1.0)
        add_events(conn, 4, oldest=900, newest=700, latency=1.0)
    snapshot = await poll_once(db.dsn)
    assert snapshot.events_5m == 6
    assert snapshot.avg_processing_seconds_1h == pytest.approx(1.0)
    assert snapshot.throughput[-1].minute.utcoffset().total_seconds() == 0  # type: ignore[union-attr]
