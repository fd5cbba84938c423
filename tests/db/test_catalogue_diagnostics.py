"""Diagnostics on real databases: each returns exactly the rows it should, on hand-built
data, for bigint and uuid ids; missing tables and extensions are skipped with a reason."""

from __future__ import annotations

from typing import Any

import pytest
from support.catalogue_world import add_event, add_notification, add_order, add_payment, column

from console.core.db import DatabaseError, FeatureMissing, connect
from console.queries import runner as catalogue

READ_QUERIES = catalogue.diagnostics() + catalogue.previews() + catalogue.guide_queries()


async def run(dsn: str, name: str, **overrides: Any) -> list[dict[str, Any]]:
    """A diagnostic with its typical parameters, overridden where the test says, on a
    read-only console connection."""
    params = catalogue.get_query(name).defaults | overrides
    conn = await connect(dsn)
    try:
        return await catalogue.run_query(conn, name, params)
    finally:
        await conn.close()


SUMMARY_QUERIES = {
    "diagnostics/failed_signatures",
    "guide/failed_signatures",
    "diagnostics/error_rate",
    "diagnostics/processing_p95_trend",
}


async def test_every_read_query_runs_on_an_empty_schema(any_db) -> None:
    conn = await connect(any_db.dsn)
    try:
        for query in READ_QUERIES:
            params = query.defaults
            if "pid" in query.params:
                params["pid"] = 1
            try:
                rows = await catalogue.run_query(conn, query.name, params)
            except catalogue.QuerySkipped as skipped:
                assert query.requires, f"{query.name} skipped without declaring a need"
                assert "pg_stat_statements" in skipped.reason
                continue
            if query.name in SUMMARY_QUERIES:
                # one summary row of zeros on an empty schema, nothing invented
                assert len(rows) == 1, query.name
                numbers = [v for v in rows[0].values() if isinstance(v, int | float)]
                assert all(v == 0 for v in numbers), (query.name, rows)
            elif query.name not in {
                "diagnostics/connections_by_state",
                "diagnostics/connection_usage",
                "diagnostics/server_settings",
                "diagnostics/sessions",
            }:
                assert rows == [], query.name
    finally:
        await conn.close()


async def test_slow_queries_runs_when_pg_stat_statements_is_there_and_says_why_not(db) -> None:
    with db.connect() as admin:
        available = admin.execute(
            "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_stat_statements'"
        ).fetchone()
        if available:
            admin.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
    if available:
        rows = await run(db.dsn, "diagnostics/slow_queries", limit=3)
        assert len(rows) <= 3 and all("mean_exec_time" in row for row in rows)
    else:
        with pytest.raises(catalogue.QuerySkipped) as info:
            await run(db.dsn, "diagnostics/slow_queries")
        assert info.value.missing == ("pg_stat_statements",)
        assert "skipped" in str(info.value) and "\n" not in str(info.value)


async def test_notification_queries_skip_when_the_optional_table_is_absent(db) -> None:
    with db.connect() as admin:
        admin.execute("DROP TABLE notifications")
    with pytest.raises(catalogue.QuerySkipped, match="needs notifications"):
        await run(db.dsn, "diagnostics/notification_failure_rate")


async def test_a_database_without_the_guides_tables_gets_one_clear_line(empty_db) -> None:
    with pytest.raises(FeatureMissing) as info:
        await run(empty_db.dsn, "diagnostics/recent_events")
    assert "webhook_events" in str(info.value) and "\n" not in str(info.value)


def test_sync_twin_returns_dicts_even_on_a_tuple_row_connection(db) -> None:
    with db.connect() as conn:
        add_event(conn, "evt_1", error="Invalid signature")
        rows = catalogue.run_query_sync(conn, "diagnostics/error_patterns", {"window": "1 hour"})
    assert rows == [
        {
            "error_message": "Invalid signature",
            "error_count": 1,
            "last_occurrence": rows[0]["last_occurrence"],
        }
    ]


async def test_event_queries_on_crafted_events(any_db) -> None:
    with any_db.connect() as conn:
        order = add_order(conn, "paid")
        add_event(conn, "evt_ok1", order_id=order, age="2 minutes", processed_after=1)
        add_event(conn, "evt_ok2", order_id=order, age="3 minutes", processed_after=3)
        add_event(conn, "evt_sig", error="Invalid signature", age="4 minutes")
        add_event(conn, "evt_sig2", error="Signature verification failed", age="5 minutes")
        add_event(conn, "evt_old", error="Event too old", age="30 minutes")
        add_event(conn, "evt_day", error="Invalid signature", age="5 hours")
        add_event(conn, "evt_ancient", age="3 days", processed_after=100)
        add_event(
            conn, "evt_wait", event_type="charge.refunded", age="20 minutes"
        )  # unprocessed, no error

    recent = await run(any_db.dsn, "diagnostics/recent_events", limit=3)
    assert [r["event_id"] for r in recent] == ["evt_ok1", "evt_ok2", "evt_sig"]

    patterns = await run(any_db.dsn, "diagnostics/error_patterns")
    assert {r["error_message"]: r["error_count"] for r in patterns} == {
        "Invalid signature": 2,
        "Signature verification failed": 1,
        "Event too old": 1,
    }
    one_hour = await run(any_db.dsn, "diagnostics/dashboard_error_analysis", window="1 hour")
    assert {r["error_message"]: r["error_count"] for r in one_hour} == {
        "Invalid signature": 1,
        "Signature verification failed": 1,
        "Event too old": 1,
    }

    signatures = await run(any_db.dsn, "diagnostics/failed_signatures")
    assert signatures[0]["failed_signatures"] == 2  # case-insensitive
    guide = await run(any_db.dsn, "guide/failed_signatures")
    assert guide[0]["failed_signatures"] == 1  # the guide's LIKE misses 'Signature ...'

    perf = {r["event_type"]: r for r in await run(any_db.dsn, "diagnostics/processing_performance")}
    assert perf["payment_intent.succeeded"]["total_events"] == 5
    assert perf["payment_intent.succeeded"]["processed_events"] == 2
    assert perf["payment_intent.succeeded"]["failed_events"] == 3
    assert perf["charge.refunded"]["pending_events"] == 1
    assert perf["payment_intent.succeeded"]["avg_processing_time"] == pytest.approx(2.0)

    dist = await run(any_db.dsn, "diagnostics/processing_time_distribution")
    assert len(dist) == 1
    assert dist[0]["max_processing_time"] == pytest.approx(3.0)
    assert dist[0]["p95_processing_time"] == pytest.approx(2.9)

    oldest = await run(any_db.dsn, "diagnostics/event_age_distribution", limit=2)
    assert [r["event_id"] for r in oldest] == ["evt_old", "evt_wait"]

    buckets = await run(any_db.dsn, "diagnostics/event_age_buckets", bounds=[60, 600, 3600])
    by_bucket = {r["bucket"]: r for r in buckets}
    assert {b: r["events"] for b, r in by_bucket.items()} == {1: 4, 2: 2, 3: 1}
    assert by_bucket[2]["unprocessed"] == 1 and by_bucket[2]["failed"] == 1
    assert by_bucket[3]["min_age_seconds"] == 3600 and by_bucket[3]["max_age_seconds"] is None

    volume = await run(any_db.dsn, "diagnostics/volume_per_minute")
    assert sum(r["event_count"] for r in volume) == 6

    overview = await run(any_db.dsn, "diagnostics/dashboard_overview")
    assert sum(r["total_events"] for r in overview) == 7
    assert sum(r["failed_events"] for r in overview) == 4


async def test_duplicates_race_conditions_and_repeats(any_db) -> None:
    with any_db.connect() as conn:
        order = add_order(conn, "paid")
        add_event(conn, "evt_a", order_id=order, age="10 minutes", processed_after=1)
        add_event(conn, "evt_a", order_id=order, age="5 minutes", processed_after=1)
        add_event(conn, "evt_b", age="2 days")  # old copy of a recent event: still shown
        add_event(conn, "evt_b", age="1 minute")
        add_event(conn, "evt_c", age="1 minute")
        add_event(conn, "evt_d", age="3 days")
        add_event(conn, "evt_d", age="3 days")  # duplicated, but not seen in the window

    dups = await run(any_db.dsn, "diagnostics/duplicate_events", window="1 hour")
    assert [r["event_id"] for r in dups] == ["evt_a", "evt_a", "evt_b", "evt_b"]
    guide = await run(any_db.dsn, "guide/duplicate_events")
    assert [r["event_id"] for r in guide] == ["evt_a", "evt_a", "evt_b", "evt_b", "evt_d", "evt_d"]

    races = await run(any_db.dsn, "diagnostics/race_conditions")
    assert len(races) == 1
    assert races[0]["order_id"] == order
    assert (races[0]["event_count"], races[0]["processed_count"]) == (2, 2)

    hours = await run(any_db.dsn, "diagnostics/suspicious_patterns")
    assert sum(r["event_count"] for r in hours) == 4
    # evt_a's copies (10 and 5 minutes ago) repeat within one hour unless an hour began
    # between them: the guide groups by clock hour
    with any_db.connect() as conn:
        same_hour = conn.execute(
            "SELECT date_trunc('hour', now() - interval '10 minutes')"
            " = date_trunc('hour', now() - interval '5 minutes')"
        ).fetchone()[0]
    assert sum(r["repeated_events"] for r in hours) == (1 if same_hour else 0)


async def test_order_queries_on_crafted_orders(any_db) -> None:
    with any_db.connect() as conn:
        stuck = add_order(conn, "pending", age="3 hours")
        add_order(conn, "pending", age="3 hours", updated="1 minute")  # being worked on
        add_order(conn, "pending_payment", age="2 hours")
        add_order(conn, "cancelled", age="5 hours")  # finished, not stuck
        add_order(conn, "shipped", age="1 hour")  # outside the state machine
        add_order(conn, "paid", age="10 minutes", paid="9 minutes")

    stuck_rows = await run(any_db.dsn, "diagnostics/stuck_orders")
    assert {r["state"]: r["order_count"] for r in stuck_rows} == {
        "pending": 1,
        "pending_payment": 1,
    }
    guide = await run(any_db.dsn, "guide/stuck_orders")
    assert {r["state"] for r in guide} >= {"cancelled", "shipped"}  # the guide's false alarm

    unknown = await run(any_db.dsn, "diagnostics/unknown_order_states")
    assert [(r["state"], r["order_count"]) for r in unknown] == [("shipped", 1)]

    recent = await run(any_db.dsn, "diagnostics/order_state_transitions", window="2 hours")
    assert {r["state"] for r in recent} == {"pending", "paid"}
    assert stuck not in {r["id"] for r in recent}


async def test_paid_orders_without_a_completed_payment(any_db) -> None:
    with any_db.connect() as conn:
        needs_record = add_order(conn, "paid", paid="1 minute")
        never_paid = add_order(conn, "paid")
        in_flight = add_order(conn, "paid", paid="1 minute")
        add_payment(conn, in_flight, "pending")
        fine = add_order(conn, "paid", paid="1 minute")
        add_payment(conn, fine, "completed")
        add_payment(conn, fine, "failed")  # an earlier attempt: not an inconsistency
        add_payment(conn, None, "completed")  # a payment with a NULL order_id
        add_order(conn, "paid", age="3 days")  # outside the window
        guide_not_in = column(
            conn,
            "SELECT id FROM orders WHERE state = 'paid'"
            " AND id NOT IN (SELECT order_id FROM payments WHERE status = 'completed')",
        )
    assert guide_not_in == []  # the guide's NOT IN finds nothing once an order_id is NULL

    rows = await run(any_db.dsn, "diagnostics/paid_without_payment")
    assert {r["id"]: r["suggested_fix"] for r in rows} == {
        needs_record: "recovery/insert_missing_payments",
        never_paid: "recovery/fix_paid_without_payment",
        in_flight: "investigate",
    }
    assert next(r for r in rows if r["id"] == in_flight)["payment_statuses"] == ["pending"]

    inconsistent = await run(any_db.dsn, "diagnostics/inconsistent_orders")
    assert sorted(map(str, (r["id"] for r in inconsistent))) == sorted(
        map(str, (needs_record, never_paid, in_flight))
    )
    guide = await run(any_db.dsn, "guide/inconsistent_orders")
    assert fine in {r["id"] for r in guide}  # the guide's LEFT JOIN flags the failed attempt


async def test_notification_failure_rate(any_db) -> None:
    with any_db.connect() as conn:
        order = add_order(conn, "paid")
        for _ in range(8):
            add_notification(conn, order, "sent")
        add_notification(conn, order, "failed", error="smtp timeout", age="5 minutes")
        add_notification(conn, order, "failed", error="mailbox full", age="2 minutes")
        add_notification(conn, order, "failed", channel="sms", age="2 hours")
    rows = await run(any_db.dsn, "diagnostics/notification_failure_rate")
    assert rows == [
        {
            "channel": "email",
            "total": 10,
            "failed": 2,
            "failure_percent": 20.0,
            "latest_error": "mailbox full",
        }
    ]


INJECTIONS = [
    "1 hour'; DROP TABLE webhook_events; --",
    "$$; DELETE FROM orders; $$",
    "'); SELECT pg_sleep(10); --",
    "ʼ OR 1=1 -- \u202e",
]


@pytest.mark.parametrize("evil", INJECTIONS)
async def test_injection_strings_are_inert_parameters(db, evil: str) -> None:
    with db.connect() as conn:
        add_event(conn, "evt_1", error="Invalid signature")
        add_order(conn, "pending")
    with pytest.raises(DatabaseError) as info:
        await run(db.dsn, "diagnostics/recent_events", window=evil)
    assert "\n" not in str(info.value)
    assert (await run(db.dsn, "diagnostics/failed_signatures", pattern=evil))[0][
        "failed_signatures"
    ] == 0
    unknown = await run(db.dsn, "diagnostics/unknown_order_states", states=[evil])
    assert [r["state"] for r in unknown] == ["pending"]
    with pytest.raises(DatabaseError):
        await run(db.dsn, "recovery/signal_backend_preview", pid=evil)
    with db.connect() as conn:
        assert column(conn, "SELECT count(*) FROM webhook_events") == [1]
        assert column(conn, "SELECT count(*) FROM orders") == [1]


async def test_a_nul_byte_is_a_clean_error(db) -> None:
    with pytest.raises(DatabaseError) as info:
        await run(db.dsn, "diagnostics/failed_signatures", pattern="sig\x00nature")
    assert "NUL" in str(info.value)
