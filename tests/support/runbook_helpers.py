"""Helpers shared by the runbook tests: the query catalogue, seeded data, tiny catalogues."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from console.queries import Query, catalogue
from console.runbooks.loader import referenced_queries

REPO = Path(__file__).resolve().parents[2]


def whole_catalogue() -> dict[str, Query]:
    """The shipped catalogue; every query a runbook names must be in it."""
    found = dict(catalogue())
    missing = sorted(referenced_queries() - set(found))
    assert not missing, f"runbooks name queries the catalogue lacks: {', '.join(missing)}"
    return found


def make_query(name: str, text: str, **meta: str) -> Query:
    """A catalogue entry written inside a test (for crafted runbooks)."""
    return Query(
        name=name,
        description=meta.pop("description", "test query"),
        text=text,
        path=Path(f"/test/{name}.sql"),
        meta={"description": "test query", **meta},
    )


def seed_failing_events(conn: psycopg.Connection[Any], failed: int, total: int = 100) -> None:
    """`total` charge events of a minute ago, the first `failed` of them rejected
    ("Invalid signature"), the rest processed: the error-rate step's crafted data."""
    conn.execute(
        """
        INSERT INTO webhook_events (event_id, event_type, created_at, processed_at,
                                    error_message)
        SELECT 'evt_' || g, 'charge.succeeded', now() - interval '1 minute',
               CASE WHEN g > %(failed)s THEN now() END,
               CASE WHEN g <= %(failed)s THEN 'Invalid signature' END
        FROM generate_series(1, %(total)s) AS g
        """,
        {"total": total, "failed": failed},
    )


def seed(conn: psycopg.Connection[Any]) -> None:
    """A little of everything: processed, failed, pending, duplicate events; orders in
    several states; payments; notifications (when the table exists)."""
    conn.execute(
        """
        INSERT INTO orders (state, created_at, updated_at, paid_at, total_amount_cents)
        VALUES ('paid', now() - interval '2 hours', now() - interval '2 hours',
                now() - interval '2 hours', 1000),
               ('pending', now() - interval '3 hours', now() - interval '3 hours', NULL, 500),
               ('pending_payment', now() - interval '10 minutes', now(), NULL, 700),
               ('paid', now() - interval '30 minutes', now(), now(), 900)
        """
    )
    conn.execute(
        """
        INSERT INTO payments (order_id, amount_cents, status, processed_at)
        SELECT id, total_amount_cents, 'completed', now() FROM orders
        WHERE state = 'paid' AND total_amount_cents = 900
        """
    )
    conn.execute(
        """
        INSERT INTO webhook_events
            (event_id, event_type, order_id, created_at, processed_at, error_message, retry_count)
        SELECT 'evt_' || g, 'payment_intent.succeeded',
               (SELECT id FROM orders ORDER BY created_at LIMIT 1),
               now() - g * interval '1 minute',
               now() - g * interval '1 minute' + interval '2 seconds',
               NULL, 0
        FROM generate_series(1, 30) AS g
        """
    )
    conn.execute(
        """
        INSERT INTO webhook_events
            (event_id, event_type, created_at, processed_at, error_message, retry_count)
        VALUES ('evt_bad1', 'charge.succeeded', now() - interval '2 minutes', NULL,
                'Invalid signature', 1),
               ('evt_old1', 'charge.succeeded', now() - interval '3 minutes', NULL,
                'Event too old', 0),
               ('evt_1', 'payment_intent.succeeded', now() - interval '30 seconds', NULL, NULL, 0),
               ('evt_wait', 'payment_intent.succeeded', now() - interval '20 minutes', NULL,
                NULL, 0)
        """
    )
    has_notifications = conn.execute("SELECT to_regclass('notifications') IS NOT NULL").fetchone()[
        0
    ]
    if has_notifications:
        conn.execute(
            """
            INSERT INTO notifications (order_id, status, last_error, created_at)
            SELECT id, CASE WHEN total_amount_cents = 500 THEN 'failed' ELSE 'sent' END,
                   CASE WHEN total_amount_cents = 500 THEN 'smtp timeout' END, now()
            FROM orders
            """
        )
