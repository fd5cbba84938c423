"""Helpers for the metrics and triage tests: hand-made rows with backdated timestamps.

Ages are seconds before the database's own now(), so tests never depend on the host clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg

from console.core.config import Settings
from console.metrics.collector import Collector
from console.metrics.snapshot import Snapshot
from console.metrics.tuning import CollectorTuning
from support.rows import new_id


def add_event(
    conn: psycopg.Connection[Any],
    *,
    age: float = 60.0,
    event_type: str = "payment_intent.succeeded",
    latency: float | None = 0.5,
    error: str | None = None,
    event_id: str | None = None,
    retry_count: int = 0,
    order_id: Any = None,
) -> Any:
    """One webhook event created `age` s ago; processed `latency` s later (None: unprocessed)."""
    return new_id(
        conn,
        """
        INSERT INTO webhook_events
            (event_id, event_type, order_id, created_at, processed_at, error_message, retry_count)
        VALUES (
            coalesce(%(event_id)s, 'evt_' || md5(random()::text)),
            %(event_type)s,
            %(order_id)s,
            now() - make_interval(secs => %(age)s),
            now() - make_interval(secs => %(age)s) + make_interval(secs => %(latency)s),
            %(error)s,
            %(retry_count)s
        )
        RETURNING id
        """,
        {
            "event_id": event_id,
            "event_type": event_type,
            "order_id": order_id,
            "age": age,
            "latency": latency,
            "error": error,
            "retry_count": retry_count,
        },
    )


def add_events(
    conn: psycopg.Connection[Any],
    count: int,
    *,
    oldest: float,
    newest: float,
    event_type: str = "payment_intent.succeeded",
    latency: float | None = 0.5,
    error: str | None = None,
) -> None:
    """`count` events spread evenly between `oldest` and `newest` seconds ago, in one statement."""
    conn.execute(
        """
        INSERT INTO webhook_events (event_id, event_type, created_at, processed_at, error_message)
        SELECT 'evt_' || md5(random()::text || g), %(event_type)s, t,
               t + make_interval(secs => %(latency)s), %(error)s
        FROM generate_series(1, %(count)s) AS g,
             LATERAL (SELECT now() - make_interval(secs => %(newest)s
                 + (%(oldest)s::float8 - %(newest)s) * (g - 1) / greatest(%(count)s - 1, 1)
             ) AS t) AS ts
        """,
        {
            "count": count,
            "oldest": oldest,
            "newest": newest,
            "event_type": event_type,
            "latency": latency,
            "error": error,
        },
    )


def add_order(
    conn: psycopg.Connection[Any],
    *,
    state: str = "pending",
    updated_age: float = 60.0,
    payment_status: str | None = None,
) -> Any:
    """An order last updated `updated_age` s ago, with a payment of that status if given."""
    order_id = new_id(
        conn,
        """
        INSERT INTO orders (state, created_at, updated_at, paid_at, total_amount_cents)
        VALUES (%(state)s, now() - make_interval(secs => %(age)s) - interval '5 minutes',
                now() - make_interval(secs => %(age)s),
                CASE WHEN %(state)s = 'paid' THEN now() - make_interval(secs => %(age)s) END,
                4200)
        RETURNING id
        """,
        {"state": state, "age": updated_age},
    )
    if payment_status is not None:
        conn.execute(
            "INSERT INTO payments (order_id, amount_cents, status, processed_at) "
            "VALUES (%s, 4200, %s, now())",
            (order_id, payment_status),
        )
    return order_id


def add_notifications(
    conn: psycopg.Connection[Any], *, sent: int, failed: int, age: float = 600.0
) -> None:
    conn.execute(
        """
        INSERT INTO notifications (status, attempts, last_error, created_at, sent_at)
        SELECT CASE WHEN g <= %(failed)s THEN 'failed' ELSE 'sent' END,
               1,
               CASE WHEN g <= %(failed)s THEN 'SMTP 550 mailbox unavailable' END,
               now() - make_interval(secs => %(age)s),
               CASE WHEN g > %(failed)s THEN now() - make_interval(secs => %(age)s) END
        FROM generate_series(1, %(total)s) AS g
        """,
        {"failed": failed, "total": sent + failed, "age": age},
    )


async def poll_once(
    dsn: str, settings: Settings | None = None, *, tuning: CollectorTuning = CollectorTuning()
) -> Snapshot:
    async with Collector(dsn, settings or Settings(), tuning=tuning) as collector:
        return await collector.poll()


async def summary_polls_around(
    dsn: str, change: Callable[[], object]
) -> tuple[Snapshot, Snapshot, Snapshot]:
    """Summary mode (a backlog over 20 rows) with the settled minutes held for an hour: the
    poll before `change`, the poll after it, and a fresh Collector's full recount."""
    summary = CollectorTuning(max_backlog_rows=20)
    held = replace(summary, settled_check_seconds=3600)
    async with Collector(dsn, Settings(), tuning=held) as collector:
        before = await collector.poll()
        change()
        after = await collector.poll()
    async with Collector(dsn, Settings(), tuning=summary) as fresh:
        recount = await fresh.poll()
    return before, after, recount


def poll_once_sync(
    dsn: str, settings: Settings | None = None, *, tuning: CollectorTuning = CollectorTuning()
) -> Snapshot:
    return asyncio.run(poll_once(dsn, settings, tuning=tuning))


def wait_for_sessions(
    conn: psycopg.Connection[Any], condition: str, count: int = 1, *, exactly: bool = False
) -> None:
    """Wait (at most 10 s) until `count` (or more) sessions of this database match."""
    deadline = time.monotonic() + 10
    query = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND " + condition
    )
    while time.monotonic() < deadline:
        row = conn.execute(query).fetchone()  # type: ignore[call-overload]
        if row is not None and (row[0] == count if exactly else row[0] >= count):
            return
        time.sleep(0.02)
    raise AssertionError(f"sessions never matched: {condition}")
