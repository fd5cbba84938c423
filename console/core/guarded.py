"""Console connections that carry their Guard (console.core.limits) on the object.

A read-only connection opens every transaction `BEGIN READ ONLY` (psycopg's `read_only`),
and its cursor class wraps a statement sent outside any transaction in a guarded
read-only transaction: even a stray autocommit statement behind a transaction pooler,
where no session default survives, cannot write. Imported on first connect (psycopg is
loaded lazily so the dashboard paints first).
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.pq import TransactionStatus
from psycopg.rows import Row

from console.core.limits import Guard, guard_of, guard_params
from console.core.sqltext import connection_sql


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

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> GuardedCursor[Row]:  # type: ignore[override]
        guard = _needs_wrapping(self.connection)
        if guard is None:
            return super().execute(query, params, **kwargs)
        with self.connection.transaction():
            self.connection.execute(connection_sql("read_only_guards"), guard_params(guard.limits))
            return super().execute(query, params, **kwargs)

    def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:  # type: ignore[override]
        guard = _needs_wrapping(self.connection)
        if guard is None:
            return super().executemany(query, params_seq, **kwargs)
        with self.connection.transaction():
            self.connection.execute(connection_sql("read_only_guards"), guard_params(guard.limits))
            return super().executemany(query, params_seq, **kwargs)


class AsyncGuardedCursor(psycopg.AsyncCursor[Row]):
    """The asyncio twin of GuardedCursor."""

    async def execute(  # type: ignore[override]
        self, query: Any, params: Any = None, **kwargs: Any
    ) -> AsyncGuardedCursor[Row]:
        guard = _needs_wrapping(self.connection)
        if guard is None:
            return await super().execute(query, params, **kwargs)
        async with self.connection.transaction():
            await self.connection.execute(
                connection_sql("read_only_guards"), guard_params(guard.limits)
            )
            return await super().execute(query, params, **kwargs)

    async def executemany(self, query: Any, params_seq: Any, **kwargs: Any) -> None:  # type: ignore[override]
        guard = _needs_wrapping(self.connection)
        if guard is None:
            return await super().executemany(query, params_seq, **kwargs)
        async with self.connection.transaction():
            await self.connection.execute(
                connection_sql("read_only_guards"), guard_params(guard.limits)
            )
            return await super().executemany(query, params_seq, **kwargs)


class GuardedConnection(psycopg.Connection[Row]):
    """A psycopg connection that carries the console's Guard."""

    guard: Guard | None = None


class AsyncGuardedConnection(psycopg.AsyncConnection[Row]):
    """The asyncio twin of GuardedConnection."""

    guard: Guard | None = None
