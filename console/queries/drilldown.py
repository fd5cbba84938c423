"""Drill-down look-ups behind the dashboard's Enter key, UI-free and read-only.

A panel shows aggregates; an operator who presses Enter on one row wants the rows behind
it: the events of one error message, the orders stuck in one state, the full query of one
backend. Each look-up is a named query from `sql/drilldown/`, run by the catalogue's one
runner (`console.queries.runner.run_query`: bound parameters, a read-only transaction),
returning frozen typed rows (ids as text, so bigint and uuid schemas read the same).
Errors come back as `console.core.db.DatabaseError` kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import psycopg

from console.queries.backend_row import BackendRow
from console.queries.runner import run_query

Row = TypeVar("Row")

DEFAULT_LIMIT = 200


@dataclass(frozen=True)
class EventRow:
    """One webhook event behind an error group."""

    id: str
    event_id: str
    event_type: str
    order_id: str | None
    created_at: datetime
    processed_at: datetime | None
    error_message: str | None
    retry_count: int


@dataclass(frozen=True)
class OrderRow:
    """One order stuck in a state."""

    id: str
    state: str
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    stripe_payment_intent_id: str | None
    total_amount_cents: int
    age_seconds: float


@dataclass(frozen=True)
class BackendDetail(BackendRow):
    """One server backend as pg_stat_activity shows it now, with its full query."""

    backend_type: str | None
    blocked_by: list[int]


async def _fetch(
    conn: psycopg.AsyncConnection[Any], name: str, row: type[Row], params: dict[str, Any]
) -> list[Row]:
    return await run_query(conn, name, params, row=row)


async def events_for_error(
    conn: psycopg.AsyncConnection[Any],
    pattern: str,
    *,
    hours: float = 24.0,
    limit: int = DEFAULT_LIMIT,
) -> list[EventRow]:
    """Events of the last `hours` whose error_message matches the LIKE `pattern`."""
    params = {"pattern": pattern, "hours": float(hours), "limit": int(limit)}
    return await _fetch(conn, "drilldown/error_events", EventRow, params)


async def orders_in_state(
    conn: psycopg.AsyncConnection[Any],
    state: str,
    *,
    older_than_minutes: float = 60.0,
    limit: int = DEFAULT_LIMIT,
) -> list[OrderRow]:
    """Orders in `state` whose updated_at is older than the threshold, oldest first."""
    params = {"state": state, "older_than_minutes": float(older_than_minutes), "limit": limit}
    return await _fetch(conn, "drilldown/stuck_orders", OrderRow, params)


async def backend(conn: psycopg.AsyncConnection[Any], pid: int) -> BackendDetail | None:
    """The backend `pid` now, or None if it has gone."""
    rows = await _fetch(conn, "drilldown/backend", BackendDetail, {"pid": int(pid)})
    return rows[0] if rows else None
