"""The operator's own connection: drill-downs and runbook steps, apart from polling.

Like dolphie, the console keeps two connections: the poller's (inside the source) and
this one, opened lazily on the first drill-down, so a slow poll never blocks an operator
command and vice versa. It is always read-only: every write, the dashboard's cancel and
terminate included, goes through the recovery path (screens.controllers.recovery), with
its preview, typed confirmation, lock and audit. `allow_write` only says whether the
console was started with `--allow-write`. A broken connection is dropped and reopened on
the next command.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from console.core.db import ConnectionLost, DatabaseError, SessionLimits, connect

if TYPE_CHECKING:  # imported on first use, after the dashboard's first paint
    import psycopg

    from console.queries import drilldown

T = TypeVar("T")


class Operations:
    """Drill-down look-ups and runbook steps over one lazily opened read-only connection."""

    def __init__(
        self, dsn: str | None, *, allow_write: bool, limits: SessionLimits | None = None
    ) -> None:
        self.dsn = dsn
        self.allow_write = allow_write
        self.limits = limits
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._lock = asyncio.Lock()

    async def _run(self, call: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
        async with self._lock:
            if self._conn is None or self._conn.closed:
                self._conn = await connect(self.dsn, limits=self.limits, role="ops")
            try:
                return await call(self._conn)
            except DatabaseError as exc:
                if self._conn.closed or isinstance(exc, ConnectionLost):
                    await self._drop()
                raise

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def events_for_error(self, pattern: str) -> list[drilldown.EventRow]:
        from console.queries import drilldown

        return await self._run(lambda c: drilldown.events_for_error(c, pattern))

    async def orders_in_state(
        self, state: str, older_than_minutes: float
    ) -> list[drilldown.OrderRow]:
        from console.queries import drilldown

        return await self._run(
            lambda c: drilldown.orders_in_state(c, state, older_than_minutes=older_than_minutes)
        )

    async def backend(self, pid: int) -> drilldown.BackendDetail | None:
        from console.queries import drilldown

        return await self._run(lambda c: drilldown.backend(c, pid))

    async def run_step(
        self, step: Any, make_context: Callable[[psycopg.AsyncConnection[Any]], Any]
    ) -> Any:
        """A runbook step (console.runbooks.run) on this connection; returns its StepResult."""
        from console.runbooks.run import run_step

        return await self._run(lambda c: run_step(step, make_context(c)))

    async def close(self) -> None:
        async with self._lock:
            await self._drop()
