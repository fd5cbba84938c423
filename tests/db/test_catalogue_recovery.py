"""Recovery writes against their previews on real databases (bigint and uuid ids): a write
changes exactly the previewed rows, re-checks the condition so rows that changed since the
preview are left alone, does nothing the second time, and fixes the guide's traps."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from support.catalogue_world import add_event, add_order, add_payment, apply_write, column

from console.core.db import DatabaseError, connect_sync
from console.queries import runner as catalogue

ROW_WRITES = [
    p
    for p in catalogue.recovery_pairs()
    if p.write.name.split("/")[1]
    in {
        "reset_failed_events",
        "delete_duplicate_events",
        "reset_stuck_orders",
        "fix_paid_without_payment",
        "insert_missing_payments",
    }
]


def preview(dsn: str, name: str, **overrides: Any) -> list[dict[str, Any]]:
    """A preview with typical parameters, on a read-only console connection."""
    query = catalogue.get_query(name)
    conn = connect_sync(dsn)
    try:
        return catalogue.run_query_sync(conn, name, query.defaults | overrides)
    finally:
        conn.close()


def write(conn: psycopg.Connection[Any], name: str, ids: list[Any], **overrides: Any) -> set[Any]:
    """Apply a write to the given keys; the set of keys it reports as changed."""
    query = catalogue.get_query(name)
    params = query.defaults | overrides | {"ids": ids}
    key = catalogue.key_column(query)
    return {row[key] for row in apply_write(conn, name, params)}


def keys(rows: list[dict[str, Any]], name: str) -> set[Any]:
    key = catalogue.key_column(catalogue.get_query(name))
    return {row[key] for row in rows}


def build_world(conn: psycopg.Connection[Any]) -> dict[str, set[Any]]:
    """One database with a case for every write, some to change and some to leave; returns
    the keys each write must change."""
    expected: dict[str, set[Any]] = {}
    # failed events: below the limit (reset), at the limit, with a processed copy, too old
    expected["reset_failed_events"] = {
        add_event(conn, "evt_fail0", error="Rate limit exceeded", retry_count=0),
        add_event(conn, "evt_fail2", error="Event too old", retry_count=2),
    }
    add_event(conn, "evt_limit", error="Rate limit exceeded", retry_count=3)
    # a failed event stored twice: only its newest copy is retried, the older one is a dup
    older_twice = add_event(conn, "evt_twice", error="timeout", age="3 minutes")
    expected["reset_failed_events"].add(
        add_event(conn, "evt_twice", error="timeout", age="2 minutes")
    )
    # a failed copy of an event that was processed: not retried, deleted as a duplicate
    handled_elsewhere = add_event(conn, "evt_done", error="timeout", retry_count=0)
    add_event(conn, "evt_done", processed_after=1)
    add_event(conn, "evt_stale", error="timeout", age="3 days")
    # duplicates: a processed copy beside two unprocessed ones; two unprocessed copies
    add_event(conn, "evt_dup_p", age="9 minutes", processed_after=1)
    expected["delete_duplicate_events"] = {
        add_event(conn, "evt_dup_p", age="8 minutes"),
        add_event(conn, "evt_dup_p", age="7 minutes"),  # newest: the guide would keep it
        add_event(conn, "evt_dup_u", age="6 minutes"),
        handled_elsewhere,
        older_twice,
    }
    add_event(conn, "evt_dup_u", age="5 minutes")  # newest unprocessed copy stays
    # orders: stuck pending (reset), pending with an intent, pending touched recently
    expected["reset_stuck_orders"] = {add_order(conn, "pending", age="2 hours")}
    add_order(conn, "pending", age="2 hours", intent="pi_123")
    add_order(conn, "pending", age="2 hours", updated="5 minutes")
    add_order(conn, "pending")
    # paid without a completed payment: no paid_at (revert), paid_at (insert), in flight
    expected["fix_paid_without_payment"] = {add_order(conn, "paid", age="1 hour")}
    expected["insert_missing_payments"] = {
        add_order(conn, "paid", age="1 hour", paid="50 minutes", currency="eur", intent="pi_9")
    }
    in_flight = add_order(conn, "paid", age="1 hour", paid="50 minutes")
    add_payment(conn, in_flight, "pending")
    done = add_order(conn, "paid", age="1 hour", paid="50 minutes")
    add_payment(conn, done, "completed")
    add_payment(conn, None, "completed")  # NULL order_id: the guide's NOT IN trap
    return expected


@pytest.mark.parametrize("pair", ROW_WRITES, ids=lambda p: p.write.name)
def test_a_write_changes_exactly_its_preview_and_nothing_the_second_time(any_db, pair) -> None:
    name = pair.write.name
    with any_db.connect() as conn:
        expected = build_world(conn)[name.split("/")[1]]
        previewed = keys(preview(any_db.dsn, pair.preview.name), name)
        assert previewed == expected
        # even handed every key of the table, the write re-checks and touches only these
        table = "webhook_events" if name.endswith("_events") else "orders"
        every_id = column(conn, f"SELECT id FROM {table}")
        assert write(conn, name, every_id) == expected
        assert preview(any_db.dsn, pair.preview.name) == []
        assert write(conn, name, list(previewed)) == set()


def test_reset_failed_events_clears_errors_below_the_limit_only(any_db) -> None:
    with any_db.connect() as conn:
        expected = build_world(conn)["reset_failed_events"]
        rows = preview(any_db.dsn, "recovery/reset_failed_events_preview")
        write(conn, "recovery/reset_failed_events", [r["id"] for r in rows])
        state = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT event_id, error_message, retry_count, processed_at IS NOT NULL"
                " FROM webhook_events WHERE event_id IN"
                " ('evt_fail0', 'evt_fail2', 'evt_limit', 'evt_stale')"
            )
        }
        assert state["evt_fail0"] == (None, 1, False)
        assert state["evt_fail2"] == (None, 3, False)
        assert state["evt_limit"] == ("Rate limit exceeded", 3, False)  # the guide reset it
        assert state["evt_stale"][0] == "timeout"
        done = conn.execute(
            "SELECT error_message, processed_at IS NOT NULL FROM webhook_events"
            " WHERE event_id = 'evt_done' ORDER BY processed_at NULLS FIRST"
        ).fetchall()
        assert done == [("timeout", False), (None, True)]  # the processed copy stays processed
        assert len(expected) == 3


def test_failed_events_diagnostic_says_which_rows_may_be_retried(any_db) -> None:
    with any_db.connect() as conn:
        expected = build_world(conn)["reset_failed_events"]
    rows = preview(any_db.dsn, "diagnostics/failed_events")
    assert {r["id"] for r in rows if r["retryable"]} == expected
    assert {r["event_id"] for r in rows if not r["retryable"]} == {
        "evt_limit",
        "evt_done",
        "evt_twice",
    }
    assert [r["has_processed_copy"] for r in rows if r["event_id"] == "evt_done"] == [True]
    assert "evt_stale" not in {r["event_id"] for r in rows}  # outside the window


def test_reset_failed_events_skips_a_row_that_changed_after_the_preview(any_db) -> None:
    with any_db.connect() as conn:
        expected = build_world(conn)["reset_failed_events"]
        previewed = [r["id"] for r in preview(any_db.dsn, "recovery/reset_failed_events_preview")]
        fixed_meanwhile = next(iter(expected))
        conn.execute(
            "UPDATE webhook_events SET processed_at = now() WHERE id = %s", (fixed_meanwhile,)
        )
        assert write(conn, "recovery/reset_failed_events", previewed) == expected - {
            fixed_meanwhile
        }
        assert column(
            conn, "SELECT error_message FROM webhook_events WHERE id = %s", fixed_meanwhile
        )[0]


def test_duplicate_cleanup_keeps_the_processed_copy_or_the_newest(any_db) -> None:
    with any_db.connect() as conn:
        build_world(conn)
        rows = preview(any_db.dsn, "recovery/delete_duplicate_events_preview")
        by_event = {r["event_id"]: r for r in rows}
        assert by_event["evt_dup_p"]["kept_is_processed"] is True
        assert by_event["evt_dup_u"]["kept_is_processed"] is False
        write(conn, "recovery/delete_duplicate_events", [r["id"] for r in rows])
        left = conn.execute(
            "SELECT event_id, count(*), count(processed_at) FROM webhook_events"
            " WHERE event_id LIKE 'evt_dup%' GROUP BY event_id ORDER BY event_id"
        ).fetchall()
        assert left == [("evt_dup_p", 1, 1), ("evt_dup_u", 1, 0)]
        survivor = column(conn, "SELECT id FROM webhook_events WHERE event_id = 'evt_dup_u'")[0]
        assert survivor == by_event["evt_dup_u"]["kept_id"]
        assert column(
            conn,
            "SELECT created_at > now() - interval '6 minutes' FROM webhook_events"
            " WHERE event_id = 'evt_dup_u'",
        ) == [True]


def test_duplicate_cleanup_leaves_a_copy_whose_better_twin_vanished(any_db) -> None:
    with any_db.connect() as conn:
        older = add_event(conn, "evt_x", age="6 minutes")
        newer = add_event(conn, "evt_x", age="5 minutes")
        previewed = [
            r["id"] for r in preview(any_db.dsn, "recovery/delete_duplicate_events_preview")
        ]
        assert previewed == [older]
        conn.execute("DELETE FROM webhook_events WHERE id = %s", (newer,))  # someone else
        assert write(conn, "recovery/delete_duplicate_events", previewed) == set()
        assert column(conn, "SELECT id FROM webhook_events") == [older]  # the last copy stays
        processed = add_event(conn, "evt_y", age="6 minutes")
        add_event(conn, "evt_y", age="7 minutes", processed_after=1)
        previewed = [
            r["id"] for r in preview(any_db.dsn, "recovery/delete_duplicate_events_preview")
        ]
        assert previewed == [processed]
        conn.execute("UPDATE webhook_events SET processed_at = now() WHERE id = %s", (processed,))
        assert write(conn, "recovery/delete_duplicate_events", previewed) == set()


def test_stuck_orders_move_to_pending_payment_with_a_fresh_updated_at(any_db) -> None:
    with any_db.connect() as conn:
        (stuck,) = build_world(conn)["reset_stuck_orders"]
        previewed = [r["id"] for r in preview(any_db.dsn, "recovery/reset_stuck_orders_preview")]
        assert write(conn, "recovery/reset_stuck_orders", previewed) == {stuck}
        row = conn.execute(
            "SELECT state, updated_at > now() - interval '1 minute' FROM orders WHERE id = %s",
            (stuck,),
        ).fetchone()
        assert row == ("pending_payment", True)


def test_stuck_order_that_got_an_intent_after_the_preview_is_left_alone(any_db) -> None:
    with any_db.connect() as conn:
        (stuck,) = build_world(conn)["reset_stuck_orders"]
        previewed = [r["id"] for r in preview(any_db.dsn, "recovery/reset_stuck_orders_preview")]
        conn.execute(
            "UPDATE orders SET stripe_payment_intent_id = 'pi_late' WHERE id = %s", (stuck,)
        )
        assert write(conn, "recovery/reset_stuck_orders", previewed) == set()
        assert column(conn, "SELECT state FROM orders WHERE id = %s", stuck) == ["pending"]


def test_paid_orders_are_fixed_despite_a_null_order_id_and_in_flight_ones_kept(any_db) -> None:
    with any_db.connect() as conn:
        world = build_world(conn)
        (revert,) = world["fix_paid_without_payment"]
        (record,) = world["insert_missing_payments"]
        reverts = preview(any_db.dsn, "recovery/fix_paid_without_payment_preview")
        inserts = preview(any_db.dsn, "recovery/insert_missing_payments_preview")
        assert [r["currency"] for r in inserts] == ["eur"]  # the order's, not the guide's 'aud'
        write(conn, "recovery/fix_paid_without_payment", [r["id"] for r in reverts])
        write(conn, "recovery/insert_missing_payments", [r["order_id"] for r in inserts])
        assert column(conn, "SELECT state FROM orders WHERE id = %s", revert) == ["pending_payment"]
        payment = conn.execute(
            "SELECT p.amount_cents, p.currency, p.status, p.stripe_payment_intent_id,"
            " p.processed_at = o.paid_at FROM payments p JOIN orders o ON o.id = p.order_id"
            " WHERE p.order_id = %s",
            (record,),
        ).fetchall()
        assert payment == [(1000, "eur", "completed", "pi_9", True)]
        still_paid = column(conn, "SELECT count(*) FROM orders WHERE state = 'paid'")
        assert still_paid == [3]  # the inserted one, the in-flight one, the completed one


def test_paid_order_that_got_a_payment_after_the_preview_is_not_reverted(any_db) -> None:
    with any_db.connect() as conn:
        (revert,) = build_world(conn)["fix_paid_without_payment"]
        previewed = [
            r["id"] for r in preview(any_db.dsn, "recovery/fix_paid_without_payment_preview")
        ]
        add_payment(conn, revert, "processing")
        assert write(conn, "recovery/fix_paid_without_payment", previewed) == set()
        (record,) = build_world(conn)["insert_missing_payments"]
        previewed = [
            r["order_id"] for r in preview(any_db.dsn, "recovery/insert_missing_payments_preview")
        ]
        assert record in previewed
        add_payment(conn, record, "completed")
        assert record not in write(conn, "recovery/insert_missing_payments", previewed)
        assert column(conn, "SELECT count(*) FROM payments WHERE order_id = %s", record) == [1]


def test_missing_payments_use_the_currency_parameter_when_orders_have_no_currency(db) -> None:
    with db.connect() as conn:
        conn.execute("ALTER TABLE orders DROP COLUMN currency")
        conn.execute(
            "INSERT INTO orders (state, paid_at, total_amount_cents) VALUES ('paid', now(), 500)"
        )
        rows = preview(db.dsn, "recovery/insert_missing_payments_preview", currency="nzd")
        assert [r["currency"] for r in rows] == ["nzd"]
        write(
            conn, "recovery/insert_missing_payments", [r["order_id"] for r in rows], currency="nzd"
        )
        assert column(conn, "SELECT currency FROM payments") == ["nzd"]


def test_unique_index_is_blocked_by_duplicates_then_built_and_idempotent(db) -> None:
    index = "recovery/create_event_id_unique_index"
    with db.connect() as conn:
        add_event(conn, "evt_a")
        add_event(conn, "evt_a")
        add_event(conn, "evt_b", processed_after=1)
        add_event(conn, "evt_b", processed_after=1)
        blockers = preview(db.dsn, index + "_preview")
        assert [(r["blocker"], r["copies"], r["processed_copies"]) for r in blockers] == [
            ("evt_a", 2, 0),
            ("evt_b", 2, 2),
        ]
        assert "investigate" in blockers[1]["reason"]
        with pytest.raises(psycopg.errors.UniqueViolation):
            apply_write_outside_transaction(conn, index)
        # the failed build leaves an invalid index, which the diagnostic reports (the
        # executor drops it before building again)
        indexes = preview(db.dsn, "diagnostics/event_id_unique_index")
        assert [(r["index_name"], r["valid"]) for r in indexes] == [
            ("webhook_events_event_id_key", False)
        ]
        conn.execute("DROP INDEX CONCURRENTLY webhook_events_event_id_key")
        conn.execute(
            "DELETE FROM webhook_events WHERE id IN (SELECT max(id) FROM webhook_events"
            " GROUP BY event_id)"
        )
        assert preview(db.dsn, index + "_preview") == []
        apply_write_outside_transaction(conn, index)
        apply_write_outside_transaction(conn, index)  # a second run changes nothing
        with pytest.raises(psycopg.errors.UniqueViolation):
            add_event(conn, "evt_a")


def apply_write_outside_transaction(conn: psycopg.Connection[Any], name: str) -> None:
    query = catalogue.get_query(name)
    assert not catalogue.runs_in_transaction(query)
    conn.execute(query.text, catalogue.bound_params(query, {}))


@pytest.mark.parametrize("evil", ["1; DROP TABLE orders; --", "' OR 1=1 --", "$$x$$"])
def test_injection_strings_as_keys_write_nothing(db, evil: str) -> None:
    with db.connect() as conn:
        build_world(conn)
        before = column(conn, "SELECT count(*) FROM webhook_events")
        with pytest.raises(psycopg.Error):
            write(conn, "recovery/delete_duplicate_events", [evil])
        assert column(conn, "SELECT count(*) FROM webhook_events") == before
        with pytest.raises(DatabaseError):
            preview(db.dsn, "recovery/reset_stuck_orders_preview", age=evil)
        assert column(conn, "SELECT count(*) FROM orders")[0] > 0
