"""What the receiver does to the guide's tables: record, deduplicate, process.

One `webhook_events` row per event_id, serialised by a transaction-scoped advisory lock
on the event id (unless duplicate_deliveries switches in the guide's racy
check-then-insert). A redelivery of a refused or failed event updates its row
(retry_count + 1); a processed row is never touched again. Orders move only along the
guide's state machine, with an atomic `UPDATE … WHERE state = ANY(valid_from)`; a
payment row and a notification follow a successful payment. The receiver-side faults
(processor_down, slow_processing, paid_without_payment, notification_failures) act here.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool, PoolTimeout

from console.sim import statements
from console.sim.events import (
    EVENT_TARGETS,
    INVALID_STATE_TRANSITION,
    ORDER_NOT_FOUND,
    EventInfo,
    Outcome,
    parse_event,
    typed_id,
    valid_from,
)
from console.sim.faults import FaultSet

Spawn = Callable[[Coroutine[Any, Any, Any]], None]


class EventStore:
    """The receiver's database side, over its writer pool."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        faults: FaultSet,
        spawn: Spawn,
        *,
        order_id_type: str = "bigint",
        has_notifications: bool = True,
        duplicate_race_seconds: float = 0.2,
        seed: int | None = None,
    ) -> None:
        self._pool = pool
        self.faults = faults
        self._spawn = spawn
        self._order_id_type = order_id_type
        self._has_notifications = has_notifications
        self._race_seconds = duplicate_race_seconds
        self._random = random.Random(seed)

    # ---- recording ----------------------------------------------------------------------

    async def _lock_event(self, conn: psycopg.AsyncConnection[Any], event_id: str) -> None:
        await conn.execute(*statements.bound("sim/lock_event", key=f"webhook_event:{event_id}"))

    async def _existing(
        self, conn: psycopg.AsyncConnection[Any], event_id: str, *, for_update: bool
    ) -> dict[str, Any] | None:
        name = "sim/event_row_for_update" if for_update else "sim/event_row"
        cur = await conn.execute(*statements.bound(name, event_id=event_id))
        return await cur.fetchone()

    async def record_rejection(self, event: EventInfo, error: str) -> None:
        """Record a refused delivery: a new row, or the retry of an unprocessed one."""
        async with self._pool.connection() as conn, conn.transaction():
            await self._lock_event(conn, event.event_id)
            row = await self._existing(conn, event.event_id, for_update=True)
            if row is None:
                await conn.execute(
                    *statements.bound(
                        "sim/insert_rejected_event",
                        event_id=event.event_id,
                        event_type=event.event_type,
                        error=error,
                    )
                )
            elif row["processed_at"] is None:
                await conn.execute(
                    *statements.bound("sim/update_rejected_event", error=error, id=row["id"])
                )
            # A processed event is never touched by a refused redelivery.

    # ---- accepting and processing -----------------------------------------------------------

    async def accept(self, event: EventInfo) -> Outcome:
        """Record an accepted delivery and (unless a fault says otherwise) process it."""
        atomic = not self.faults.is_on("duplicate_deliveries")
        slow = self.faults.get("slow_processing")
        down = self.faults.is_on("processor_down")
        backdate = float(slow["seconds"]) if slow and slow.get("backdate") else 0.0
        async with self._pool.connection() as conn:
            seen: dict[str, Any] | None = None
            if not atomic:
                # The guide's check-then-insert, as a racy service does it.
                seen = await self._existing(conn, event.event_id, for_update=False)
                if seen is not None and seen["processed_at"] and not seen["error_message"]:
                    return Outcome(200, note="duplicate")
                await asyncio.sleep(self._race_seconds)
            async with conn.transaction():
                if atomic:
                    await self._lock_event(conn, event.event_id)
                    seen = await self._existing(conn, event.event_id, for_update=True)
                    if seen is not None and seen["error_message"] is None:
                        # Processed already, or queued/in progress: acknowledge, do nothing.
                        done = seen["processed_at"] is not None
                        return Outcome(200, note="duplicate" if done else "already queued")
                row_id = await self._upsert_event(conn, event, seen, backdate)
                if down:
                    return Outcome(200, note="queued")
                if slow and not slow.get("backdate"):
                    delay = float(slow["seconds"])
                    self._spawn(self._process_later(event, row_id, delay))
                    return Outcome(200, note="queued")
                return await self._process(conn, event, row_id)

    async def _upsert_event(
        self,
        conn: psycopg.AsyncConnection[Any],
        event: EventInfo,
        seen: Mapping[str, Any] | None,
        backdate_seconds: float,
    ) -> Any:
        payload = json.dumps(event.payload)
        if seen is not None and seen["processed_at"] is None:
            await conn.execute(
                *statements.bound("sim/requeue_event", payload=payload, id=seen["id"])
            )
            return seen["id"]
        order = await self._find_order(conn, event)  # known at receipt, even if never processed
        cur = await conn.execute(
            *statements.bound(
                "sim/insert_event",
                event_id=event.event_id,
                event_type=event.event_type,
                order_id=order["id"] if order else None,
                backdate_seconds=backdate_seconds,
                payload=payload,
            )
        )
        row = await cur.fetchone()
        assert row is not None
        return row["id"]

    async def _process_later(self, event: EventInfo, row_id: Any, delay: float) -> None:
        await asyncio.sleep(delay)
        with contextlib.suppress(psycopg.Error, PoolTimeout):
            async with self._pool.connection() as conn, conn.transaction():
                await self._lock_event(conn, event.event_id)
                if await self._still_pending(conn, row_id):
                    await self._process(conn, event, row_id)

    async def _process(
        self, conn: psycopg.AsyncConnection[Any], event: EventInfo, row_id: Any
    ) -> Outcome:
        """Apply the event to its order; mark the row processed or failed. In a transaction."""
        try:
            async with conn.transaction():  # a savepoint: a refusal leaves only the row update
                outcome = await self._apply(conn, event)
                if outcome.status >= 400:
                    raise _Rollback(outcome)
        except _Rollback as refused:
            outcome = refused.outcome
            await conn.execute(
                *statements.bound(
                    "sim/mark_event_failed",
                    error=outcome.error,
                    order_id=outcome.order_id,
                    id=row_id,
                )
            )
            return outcome
        await conn.execute(
            *statements.bound("sim/mark_event_processed", order_id=outcome.order_id, id=row_id)
        )
        return outcome

    async def _apply(self, conn: psycopg.AsyncConnection[Any], event: EventInfo) -> Outcome:
        target = EVENT_TARGETS.get(event.event_type)
        if target is None:
            return Outcome(200, note="ignored event type")
        order = await self._find_order(conn, event)
        if order is None:
            return Outcome(422, ORDER_NOT_FOUND)
        cur = await conn.execute(
            *statements.bound(
                "sim/advance_order",
                target=target,
                intent=event.payment_intent,
                id=order["id"],
                valid_from=valid_from(target),
            )
        )
        updated = await cur.fetchone()
        if updated is None:
            cur = await conn.execute(*statements.bound("sim/order_state", id=order["id"]))
            now_row = await cur.fetchone()
            if now_row is not None and now_row["state"] == target:
                return Outcome(200, note="already in target state", order_id=order["id"])
            return Outcome(422, INVALID_STATE_TRANSITION, order_id=order["id"])
        await self._side_effects(conn, event, target, updated)
        return Outcome(200, note="processed", order_id=order["id"])

    async def _find_order(
        self, conn: psycopg.AsyncConnection[Any], event: EventInfo
    ) -> dict[str, Any] | None:
        order_id = typed_id(event.order_ref, self._order_id_type)
        if order_id is not None:
            cur = await conn.execute(*statements.bound("sim/order_by_id", id=order_id))
            row = await cur.fetchone()
            if row is not None:
                return row
        if event.payment_intent:
            cur = await conn.execute(
                *statements.bound("sim/order_by_intent", intent=event.payment_intent)
            )
            return await cur.fetchone()
        return None

    async def _side_effects(
        self,
        conn: psycopg.AsyncConnection[Any],
        event: EventInfo,
        target: str,
        order: Mapping[str, Any],
    ) -> None:
        intent = event.payment_intent or order["stripe_payment_intent_id"]
        if target == "paid":
            skip = self.faults.get("paid_without_payment")
            if not (skip and self._random.random() < float(skip["ratio"])):
                amount = event.amount_cents
                await conn.execute(
                    *statements.bound(
                        "sim/insert_payment",
                        order_id=order["id"],
                        amount_cents=amount if amount is not None else order["total_amount_cents"],
                        currency=event.currency or order["currency"] or "aud",
                        intent=intent,
                    )
                )
        elif target == "refunded":
            await conn.execute(*statements.bound("sim/refund_payments", order_id=order["id"]))
        if target in ("paid", "payment_failed", "refunded") and self._has_notifications:
            await self._notify(conn, order["id"])

    async def _notify(self, conn: psycopg.AsyncConnection[Any], order_id: Any) -> None:
        failing = self.faults.get("notification_failures")
        if failing and self._random.random() < float(failing["ratio"]):
            await conn.execute(
                *statements.bound(
                    "sim/insert_failed_notification", order_id=order_id, error=str(failing["error"])
                )
            )
        else:
            await conn.execute(*statements.bound("sim/insert_sent_notification", order_id=order_id))

    async def reprocess_pending(self, limit: int = 1_000) -> int:
        """Process events that were accepted but never processed (the worker restarted).

        What restarting a queue-based processor does after processor_down; rows with an
        error are left to Stripe's redelivery or the console's recovery actions.
        """
        async with self._pool.connection() as conn:
            cur = await conn.execute(*statements.bound("sim/pending_events", limit=limit))
            rows = await cur.fetchall()
        done = 0
        for row in rows:
            event = parse_event(json.dumps(row["payload"]).encode())
            if event is None:
                continue
            async with self._pool.connection() as conn, conn.transaction():
                await self._lock_event(conn, event.event_id)
                if await self._still_pending(conn, row["id"]):
                    await self._process(conn, event, row["id"])
                    done += 1
        return done

    async def _still_pending(self, conn: psycopg.AsyncConnection[Any], row_id: Any) -> bool:
        cur = await conn.execute(*statements.bound("sim/event_still_pending", id=row_id))
        return await cur.fetchone() is not None


class _Rollback(Exception):
    """Raised inside the savepoint so a refused event changes nothing but its own row."""

    def __init__(self, outcome: Outcome) -> None:
        self.outcome = outcome
