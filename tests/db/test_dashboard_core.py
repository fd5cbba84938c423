"""The dashboard's UI-free core: drill-down look-ups on a real server.

Backend signals are recovery actions now: tests/db/test_backend_signals.py.
"""

from __future__ import annotations

import asyncio

import psycopg
import pytest

from console.core.db import DatabaseError, connect
from console.queries import drilldown


def _seed_events(conn: psycopg.Connection) -> None:
    conn.execute(
        """
        INSERT INTO webhook_events (event_id, event_type, created_at, error_message)
        VALUES ('evt_1', 'payment_intent.succeeded', now() - interval '5 min',
                'Invalid signature: no match'),
               ('evt_2', 'charge.refunded', now() - interval '2 min',
                'Invalid signature: header missing'),
               ('evt_3', 'payment_intent.succeeded', now() - interval '30 hours',
                'Invalid signature: too old to show'),
               ('evt_4', 'payment_intent.succeeded', now(), 'Rate limit exceeded'),
               ('evt_5', 'payment_intent.succeeded', now(), NULL)
        """
    )


async def test_events_for_error_lists_matching_recent_events_newest_first(any_db) -> None:
    with any_db.connect() as setup:
        _seed_events(setup)
    conn = await connect(any_db.dsn)
    try:
        rows = await drilldown.events_for_error(conn, "Invalid signature%", hours=24)
    finally:
        await conn.close()
    assert [r.event_id for r in rows] == ["evt_2", "evt_1"]
    assert rows[0].event_type == "charge.refunded"
    assert isinstance(rows[0].id, str)


async def test_events_for_error_binds_hostile_patterns_as_values(db) -> None:
    with db.connect() as setup:
        _seed_events(setup)
    conn = await connect(db.dsn)
    try:
        rows = await drilldown.events_for_error(conn, "'; DROP TABLE webhook_events; --")
        assert rows == []
        with pytest.raises(DatabaseError, match="NUL"):
            await drilldown.events_for_error(conn, "bad\x00pattern")
    finally:
        await conn.close()
    with db.connect() as check:
        assert check.execute("SELECT count(*) FROM webhook_events").fetchone()[0] == 5


async def test_orders_in_state_only_lists_orders_older_than_threshold(any_db) -> None:
    with any_db.connect() as setup:
        setup.execute(
            """
            INSERT INTO orders (state, updated_at, total_amount_cents)
            VALUES ('pending_payment', now() - interval '3 hours', 1000),
                   ('pending_payment', now() - interval '90 minutes', 2000),
                   ('pending_payment', now() - interval '5 minutes', 3000),
                   ('pending', now() - interval '3 hours', 4000)
            """
        )
    conn = await connect(any_db.dsn)
    try:
        rows = await drilldown.orders_in_state(conn, "pending_payment", older_than_minutes=60)
    finally:
        await conn.close()
    assert [r.total_amount_cents for r in rows] == [1000, 2000]
    assert rows[0].age_seconds > rows[1].age_seconds > 3600


async def test_backend_shows_full_query_and_blocking_pids(db) -> None:
    victim = db.connect()
    try:
        long_query = "SELECT pg_sleep(30) /* " + "x" * 300 + " */"
        victim_pid = victim.info.backend_pid
        task = asyncio.get_running_loop().run_in_executor(None, victim.execute, long_query)
        conn = await connect(db.dsn)
        try:
            detail = None
            for _ in range(50):
                detail = await drilldown.backend(conn, victim_pid)
                if detail and detail.state == "active":
                    break
                await asyncio.sleep(0.05)
            assert detail is not None
            assert detail.query == long_query
            assert detail.blocked_by == []
            assert await drilldown.backend(conn, 999_999) is None
        finally:
            await conn.close()
        victim.cancel()
        with pytest.raises(psycopg.errors.QueryCanceled):
            await task
    finally:
        victim.close()


async def test_a_timed_out_drilldown_leaves_the_operator_connection_usable(db) -> None:
    from console.core.db import LockTimeout, SessionLimits
    from screens.controllers.ops import Operations

    ops = Operations(
        db.dsn,
        allow_write=False,
        limits=SessionLimits(statement_timeout_ms=500, lock_timeout_ms=200),
    )
    locker = db.connect()
    try:
        locker.execute("BEGIN")
        locker.execute("LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(LockTimeout, match="lock timeout"):
            await ops.events_for_error("%Invalid%")
        locker.execute("ROLLBACK")
        assert await ops.events_for_error("%Invalid%") == []
    finally:
        locker.close()
        await ops.close()
