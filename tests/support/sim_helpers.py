"""Helpers shared by the simulated-system tests: orders, signed posts, table reads."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import psycopg
from psycopg.rows import dict_row

from console.checks.signature import sign
from console.sim.stripe_events import encode, make_event, stripe_id

SECRET = "whsec_" + "5eed" * 8
WRONG = "whsec_" + "bad0" * 8


def create_order(dsn: str, state: str = "pending_payment", amount: int = 4_200) -> tuple[Any, str]:
    """An order in `state` with a payment intent id; returns (id, pi)."""
    intent = stripe_id("pi")
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "INSERT INTO orders (state, stripe_payment_intent_id, total_amount_cents)"
            " VALUES (%s, %s, %s) RETURNING id",
            [state, intent if state != "pending" else None, amount],
        ).fetchone()
    assert row is not None
    return row[0], intent


def event_for(
    event_type: str, order: tuple[Any, str], *, created: float | None = None, amount: int = 4_200
) -> dict[str, Any]:
    return make_event(
        event_type,
        order_id=order[0],
        payment_intent=order[1],
        amount_cents=amount,
        created=time.time() if created is None else created,
    )


async def post(
    url: str,
    event: dict[str, Any] | bytes,
    *,
    secret: str = SECRET,
    timestamp: float | None = None,
    header: str | bool | None = True,
) -> tuple[int, dict[str, Any]]:
    """POST a delivery; header=True signs it, a string is sent as is, None omits it."""
    body = event if isinstance(event, bytes) else encode(event)
    headers = {"Content-Type": "application/json"}
    if header is True:
        headers["Stripe-Signature"] = sign(body, secret, int(timestamp or time.time()))
    elif isinstance(header, str):
        headers["Stripe-Signature"] = header
    async with (
        aiohttp.ClientSession() as session,
        session.post(url + "/api/webhooks/stripe", data=body, headers=headers) as response,
    ):
        return response.status, await response.json()


def query(dsn: str, text: str, params: Any = None) -> list[dict[str, Any]]:
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        return conn.execute(text, params).fetchall()


def event_rows(dsn: str, event_id: str) -> list[dict[str, Any]]:
    return query(
        dsn,
        "SELECT id, event_id, event_type, order_id, created_at, processed_at, error_message,"
        " retry_count FROM webhook_events WHERE event_id = %s ORDER BY created_at",
        [event_id],
    )


def order_row(dsn: str, order_id: Any) -> dict[str, Any]:
    return query(dsn, "SELECT * FROM orders WHERE id = %s", [order_id])[0]


async def wait_until(condition: Callable[[], Any], timeout: float = 30.0) -> Any:
    """Poll `condition` (sync or async) until it is truthy and return its last value, which
    is falsy at the deadline: the caller's assertion then says what never happened."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value or time.monotonic() >= deadline:
            return value
        await asyncio.sleep(0.05)
