"""Console connections that carry their Guard (console.core.limits) on the object.

A read-only connection opens every transaction `BEGIN READ ONLY` (psycopg's `read_only`),
and its cursor class wraps a statement sent outside any transaction in a guarded
read-only transaction: even a stray autocommit statement behind a transaction pooler,
where no session default survives, cannot write. Imported on first connect (psycopg is
loaded lazily so the dashboard paints first).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import Row

from console.core.limits import Guard, guard_of, transaction_guards

T = TypeVar("T")


def _needs_wrapping(conn: Any) -> Guard | None:
    guard = guard_of(conn)
    if (
        guard is not None
        and guard.read_only
        and conn.autocommit
        and conn.info.transaction_status == TransactionStatus.IDLE
    ):
        return guard
    return None


class GuardedCursor(psycopg.Cursor[Row]):
    """A cursor that never sends a read-only connection's statement outside a guarded
    read-only transaction (results are fetched client-side, so they outlive it)."""

    def _guarded(self, send: Callable[[], T]) -> T:
        guard = _needs_wrapping(self.connection)
        if guard is None:
            return send()
        with self.connection.transaction():
            self.connection.execute(*transaction_guards(guard.limits, read_only=True))
            return send()

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> GuardedCursor[Row]:  # type: ignore[override]
        send = super().execute
        return self._guarded(lambda: send(query, params, **kwargs))

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:  # type: ignore[override]
        send = super().executemany
        return self._guarded(lambda: send(query, params_seq, **kwargs))


class AsyncGuardedCursor(psycopg.AsyncCursor[Row]):
    """The asyncio twin of GuardedCursor."""

    async def _guarded(self, send: Callable[[], Awaitable[T]]) -> T:
        guard = _needs_wrapping(self.connection)
        if guard is None:
            return await send()
        async with self.connection.transaction():
            await self.connection.execute(*transaction_guards(guard.limits, read_only=True))
            return await send()

    async def execute(  # type: ignore[override]
        self, query: Any, params: Any = None, **kwargs: Any
    ) -> AsyncGuardedCursor[Row]:
        send = super().execute
        return await self._guarded(lambda: send(query, params, **kwargs))

    async def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:  # type: ignore[override]
        send = super().executemany
        return await self._guarded(lambda: send(query, params_seq, **kwargs))


class GuardedConnection(psycopg.Connection[Row]):
    """A psycopg connection that carries the console's Guard."""

    guard: Guard | None = None


class AsyncGuardedConnection(psycopg.AsyncConnection[Row]):
    """The asyncio twin of GuardedConnection."""

    guard: Guard | None = None
