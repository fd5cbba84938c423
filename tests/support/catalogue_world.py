"""Hand-built rows for the catalogue tests: events, orders and payments with chosen ages.

Ages are interval strings ('2 hours') bound as parameters; every helper returns the new
row's id as the database typed it (int or uuid), so the tests never assume bigint.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.rows import dict_row

from console.queries.runner import bound_params, get_query
from support.rows import new_id


def add_order(
    conn: psycopg.Connection[Any],
    state: str = "pending",
    *,
    age: str = "0 seconds",
    updated: str | None = None,
    paid: str | None = None,
    intent: str | None = None,
    amount: int | None = 1000,
    currency: str = "aud",
) -> Any:
    """An order created `age` ago, last updated `updated` ago (default: at creation)."""
    return new_id(
        conn,
        "INSERT INTO orders (state, created_at, updated_at, paid_at, stripe_payment_intent_id,"
        " total_amount_cents, currency) VALUES (%s, now() - %s::interval,"
        " now() - %s::interval, now() - %s::interval, %s, %s, %s) RETURNING id",
        (state, age, updated or age, paid, intent, amount, currency),
    )


def add_event(
    conn: psycopg.Connection[Any],
    event_id: str,
    *,
    event_type: str = "payment_intent.succeeded",
    order_id: Any = None,
    age: str = "1 minute",
    processed_after: float | None = None,
    error: str | None = None,
    retry_count: int = 0,
) -> Any:
    """A webhook event stored `age` ago; processed `processed_after` seconds later if set."""
    return new_id(
        conn,
        "INSERT INTO webhook_events (event_id, event_type, order_id, created_at, processed_at,"
        " error_message, retry_count) VALUES (%s, %s, %s, now() - %s::interval,"
        " now() - %s::interval + make_interval(secs => %s), %s, %s) RETURNING id",
        (event_id, event_type, order_id, age, age, processed_after, error, retry_count),
    )


def add_payment(
    conn: psycopg.Connection[Any], order_id: Any, status: str = "completed", amount: int = 1000
) -> Any:
    return new_id(
        conn,
        "INSERT INTO payments (order_id, amount_cents, status) VALUES (%s, %s, %s) RETURNING id",
        (order_id, amount, status),
    )


def add_notification(
    conn: psycopg.Connection[Any],
    order_id: Any,
    status: str,
    *,
    channel: str = "email",
    error: str | None = None,
    age: str = "1 minute",
) -> None:
    conn.execute(
        "INSERT INTO notifications (order_id, channel, status, last_error, created_at)"
        " VALUES (%s, %s, %s, %s, now() - %s::interval)",
        (order_id, channel, status, error, age),
    )


def apply_write(
    conn: psycopg.Connection[Any], name: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Run a recovery write in one transaction, the way the executor will, and return what
    it reports as changed."""
    query = get_query(name)
    with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query.text, bound_params(query, params))
        return cur.fetchall() if cur.description else []


def column(conn: psycopg.Connection[Any], sql_text: str, *params: Any) -> list[Any]:
    """The first column of a test's own check query."""
    return [row[0] for row in conn.execute(sql_text, params or None).fetchall()]
