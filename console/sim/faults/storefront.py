"""The storefront's fault: `stuck_orders`, checkouts abandoned in pending / pending_payment.

Damage that is not a side effect of traffic: the rows are written directly, backdated
beyond the stuck-order detector's hour, half of them with a payment intent (those must
not be reset by a recovery action).
"""

from __future__ import annotations

import secrets
from typing import Any

import psycopg

from console.sim import statements


async def create_stuck_orders(
    conn: psycopg.AsyncConnection[Any], count: int, age_seconds: float
) -> int:
    """Abandoned checkouts: orders left in pending / pending_payment, backdated."""
    if count <= 0:
        return 0
    text = statements.text("sim/insert_stuck_order")
    rows = [
        {
            "state": "pending" if i % 2 == 0 else "pending_payment",
            "intent": None if i % 2 == 0 else f"pi_{secrets.token_hex(12)}",
            "amount_cents": 1_000 + (i * 137) % 20_000,
            "age_seconds": float(age_seconds) + i,
        }
        for i in range(count)
    ]
    async with conn.cursor() as cur:
        await cur.executemany(text, rows)
    return count
