"""Harm in a training run: what the trainee broke, read from the data and from the plans.

- processed events that disappeared (deleted, or un-processed again) and orders with a
  payment intent moved back to 'pending' — read from the database on every judge poll,
  whoever did it (an action, psql, a script); exact, by id;
- a healthy `webhook-receiver` session terminated, orders with a payment intent reset —
  read from an applied action's own preview rows.

Each finding is a `(kind, detail)` pair; the session stamps it with the time.
"""

from __future__ import annotations

from typing import Any

import psycopg

from console import queries

RECEIVER_APP = "webhook-receiver"

Found = tuple[str, str]


def harm_from_plan(plan: Any) -> list[Found]:
    """Harm an applied (and changing) action did, judged from its preview rows."""
    found: list[Found] = []
    if plan.action_id == "terminate_backend" and plan.rows:
        row = plan.rows[0]
        if row.get("application_name") == RECEIVER_APP and row.get("state") != (
            "idle in transaction"
        ):
            found.append(
                (
                    "terminated_healthy_receiver",
                    f"terminated pid {plan.token}, a healthy {RECEIVER_APP} session "
                    f"({row.get('state')})",
                )
            )
    if plan.action_id == "reset_stuck_orders":
        with_intent = [r for r in plan.rows if r.get("stripe_payment_intent_id")]
        if with_intent:
            found.append(
                (
                    "reset_orders_with_intent",
                    f"reset {len(with_intent)} order(s) that have a payment intent",
                )
            )
    return found


async def _ids(conn: psycopg.AsyncConnection[Any], name: str) -> set[str]:
    cur = await conn.execute(queries.get(name).text)
    return {row["id"] for row in await cur.fetchall()}


class HarmWatch:
    """Harm read from the data itself between two polls (the set is the session's rows)."""

    def __init__(self) -> None:
        self._reset_baseline: set[str] | None = None
        self._reset_seen: set[str] = set()
        self._processed_ids: set[str] = set()

    async def scan(self, conn: psycopg.AsyncConnection[Any]) -> list[Found]:
        """One poll on a dict-row connection; what changed for the worse since the last."""
        found: list[Found] = []
        reset = await _ids(conn, "training/orders_reset_with_intent")
        if self._reset_baseline is None:
            self._reset_baseline = reset
        new = reset - self._reset_baseline - self._reset_seen
        if new:
            self._reset_seen |= new
            found.append(
                (
                    "reset_orders_with_intent",
                    f"{len(new)} order(s) with a payment intent moved back to 'pending'",
                )
            )
        now = await _ids(conn, "training/processed_event_ids")
        gone = self._processed_ids - now
        if gone:
            found.append(
                (
                    "deleted_processed_events",
                    f"{len(gone)} processed event(s) deleted or marked unprocessed again",
                )
            )
        self._processed_ids = now
        return found
