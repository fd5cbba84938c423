"""The database's fault: `connection_hog`, idle-in-transaction sessions that fill the pool.

Damage that is not a side effect of traffic: the receiver's own pool connections are
taken and left idle in a transaction (the receiver answers 503, pool exhausted), then
more sessions under the receiver's application_name push the server past the fill ratio
of max_connections (what db_connection_failure looks for).
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg

from console.sim import statements

MAX_HOG_CONNECTIONS = 200


class ConnectionHog:
    """Idle-in-transaction sessions: the pool's own connections, then extra ones.

    Taking every connection of the receiver's pool makes the receiver answer 503 (pool
    exhausted); opening more, under the receiver's application_name, pushes the server
    past `fill_ratio` of max_connections, which is what db_connection_failure looks for.
    """

    def __init__(self, dsn: str, application_name: str) -> None:
        self._dsn = dsn
        self._application_name = application_name
        self._pool_conns: list[psycopg.AsyncConnection[Any]] = []
        self._extra: list[psycopg.AsyncConnection[Any]] = []
        self._pool: Any = None
        self.last_error: str | None = None

    @property
    def held(self) -> int:
        return len(self._pool_conns) + len(self._extra)

    async def start(
        self, pool: Any, *, fill_ratio: float = 0.92, connections: int | None = None
    ) -> int:
        """Hold the pool's connections and enough extra ones; returns how many are held."""
        self._pool = pool
        if pool is not None:
            for _ in range(pool.max_size):
                try:
                    conn = await pool.getconn(timeout=1.0)
                except Exception as exc:  # pool already empty or closing
                    self.last_error = str(exc)
                    break
                await _idle_in_transaction(conn)
                self._pool_conns.append(conn)
        target = connections
        if target is None:
            target = await _connections_needed(self._dsn, fill_ratio)
        for _ in range(max(0, target)):
            try:
                conn = await psycopg.AsyncConnection.connect(
                    self._dsn,
                    autocommit=True,
                    application_name=self._application_name,
                    connect_timeout=5,
                )
            except psycopg.Error as exc:  # server full: that is the point
                self.last_error = str(exc).strip().splitlines()[0] if str(exc) else "full"
                break
            await _idle_in_transaction(conn)
            self._extra.append(conn)
        return self.held

    async def stop(self) -> None:
        """Roll back and give everything back (a terminated backend is simply dropped)."""
        for conn in self._pool_conns:
            with contextlib.suppress(Exception):
                await conn.execute(statements.text("sim/hog_rollback"))
            if self._pool is not None:
                with contextlib.suppress(Exception):
                    await self._pool.putconn(conn)
        for conn in self._extra:
            with contextlib.suppress(Exception):
                await conn.close()
        self._pool_conns.clear()
        self._extra.clear()


async def _idle_in_transaction(conn: psycopg.AsyncConnection[Any]) -> None:
    """Open a transaction and leave it open (what a leaked connection looks like)."""
    with contextlib.suppress(Exception):
        await conn.execute(statements.text("sim/hog_no_timeout"))
        await conn.execute(statements.text("sim/hog_begin"))
        await conn.execute(statements.text("sim/hog_read_orders"))


async def _connections_needed(dsn: str, fill_ratio: float) -> int:
    """How many more sessions bring the server above fill_ratio of max_connections."""
    async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
        cur = await conn.execute(statements.text("sim/connection_headroom"))
        row = await cur.fetchone()
    assert row is not None
    max_connections, reserved, in_use = int(row[0]), int(row[1]), int(row[2])
    wanted = int(max_connections * fill_ratio) + 1 - in_use + 1  # +1: this probe has closed
    # Leave two ordinary slots free (the console must still get in), and never open
    # hundreds of sessions against a server configured far beyond the demo's 100.
    return max(0, min(wanted, max_connections - reserved - in_use - 1, MAX_HOG_CONNECTIONS))
