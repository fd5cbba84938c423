"""The storefront: orders written straight to the database, as the shop's backend does.

A new order is pending, then pending_payment with a payment intent id (or left pending
for a checkout session to move it). The storefront has its own connection
(application_name `storefront`); `stuck_orders` abandons checkouts through it, and
`without_payment` tells which paid orders the receiver's `paid_without_payment` damaged.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import psycopg

from console.sim import statements
from console.sim.faults import create_stuck_orders
from console.sim.stripe_events import stripe_id

STOREFRONT_APPLICATION_NAME = "storefront"


@dataclass
class Order:
    id: Any
    payment_intent: str
    amount_cents: int


class Storefront:
    """The shop's database side; `rng` is shared with the sender (one seeded sequence)."""

    def __init__(self, dsn: str, rng: random.Random) -> None:
        self.dsn = dsn
        self._random = rng
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    @property
    def connected(self) -> bool:
        return self._conn is not None

    async def open(self) -> None:
        if self._conn is None:
            self._conn = await psycopg.AsyncConnection.connect(
                self.dsn,
                autocommit=True,
                application_name=STOREFRONT_APPLICATION_NAME,
                connect_timeout=5,
            )

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def drop(self) -> None:
        """Forget a connection that failed (closing it may fail too)."""
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

    def _connection(self) -> psycopg.AsyncConnection[Any]:
        if self._conn is None or self._conn.closed:
            raise psycopg.OperationalError("the storefront is not connected to the database")
        return self._conn

    async def create_order(self, *, checkout: bool = False) -> Order:
        """A new order: pending, then (unless a checkout session will) pending_payment."""
        conn = self._connection()
        amount = self._random.randrange(500, 25_000, 5)
        intent = stripe_id("pi")
        async with self._lock, conn.transaction():
            email = f"customer{self._random.randrange(1, 10_000)}@example.com"
            cur = await conn.execute(
                *statements.bound("sim/storefront_insert_order", amount_cents=amount, email=email)
            )
            row = await cur.fetchone()
            assert row is not None
            order_id = row[0]
            if not checkout:
                await conn.execute(
                    *statements.bound("sim/storefront_await_payment", intent=intent, id=order_id)
                )
        return Order(order_id, intent, amount)

    async def abandon_orders(self, count: int, age_seconds: float) -> int:
        """stuck_orders: checkouts left in pending / pending_payment, backdated."""
        conn = self._connection()
        async with self._lock:
            return await create_stuck_orders(conn, count, age_seconds)

    async def without_payment(self, order_ids: Collection[Any]) -> set[Any]:
        """The ids among `order_ids` marked paid with no completed payment: a fault's damage.

        Why: the sender refunds and disputes only other orders, so the damage stays until
        someone repairs it, as every other fault's does (a refund would hide it).
        """
        if not order_ids:
            return set()
        conn = self._connection()
        async with self._lock:
            cur = await conn.execute(
                *statements.bound("sim/storefront_paid_without_payment", ids=list(order_ids))
            )
            return {row[0] for row in await cur.fetchall()}
