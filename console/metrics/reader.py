"""The Collector's connection and its panels: each named query runs in its own savepoint.

Why savepoints: every poll is one REPEATABLE READ, READ ONLY transaction (all queries
see the same instant), and one query that fails (no privilege, a timeout, a missing
optional table) must not take the others with it. A failing panel is switched off with
its reason (pg_activity's FailedQueriesInfo idea): for good when the failure is
permanent (a privilege, a missing feature), else until `retry_seconds` have passed.
A lost connection is not a panel failure: it ends the poll (ConnectionLost).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg

from console import queries
from console.core.config import Settings
from console.core.db import (
    ConnectionLost,
    FeatureMissing,
    LockTimeout,
    PrivilegeError,
    QueryTimeout,
    ReadOnlyProof,
    SessionLimits,
    connect,
    prove_read_only,
    translate,
)
from console.metrics.lock_blame import lock_blame

Rows = list[dict[str, Any]]


@dataclass
class _PanelState:
    reason: str
    retry_at: float | None  # monotonic time to try again; None: off for good


class PanelReader:
    """Runs the Collector's named queries on one connection, panel by panel.

    `rows` and `queries` count what the current poll read (see `start_poll`), so the
    Snapshot can show the console's own cost.
    """

    def __init__(self, dsn: str, settings: Settings, *, retry_seconds: float) -> None:
        self.dsn = dsn
        self.settings = settings
        self.retry_seconds = retry_seconds
        self.conn: psycopg.AsyncConnection[dict[str, Any]] | None = None
        self._panels: dict[str, _PanelState] = {}
        self.rows = 0
        self.queries = 0
        self.read_only_proof: ReadOnlyProof | None = None  # run once, on the first connection

    @property
    def errors(self) -> dict[str, str]:
        """Each switched-off panel and why."""
        return {name: state.reason for name, state in self._panels.items()}

    def start_poll(self) -> None:
        self.rows = 0
        self.queries = 0

    async def connect(self) -> psycopg.AsyncConnection[dict[str, Any]]:
        """The open connection, (re)connected in REPEATABLE READ when needed."""
        if self.conn is None or self.conn.closed or self.conn.broken:
            if self.conn is not None:
                await self.conn.close()
                self.conn = None
            conn = await connect(
                self.dsn, limits=SessionLimits.from_settings(self.settings), role="metrics"
            )
            try:
                await conn.set_isolation_level(psycopg.IsolationLevel.REPEATABLE_READ)
            except psycopg.Error as exc:
                await conn.close()
                raise translate(exc, self.dsn) from None
            if self.read_only_proof is None:
                self.read_only_proof = await prove_read_only(conn)
            self.conn = conn
        return self.conn

    async def close(self) -> None:
        if self.conn is not None:
            conn, self.conn = self.conn, None
            await conn.close()

    def hold(self, panel: str, reason: str) -> None:
        """Switch a panel off until `release` (its index is missing: see index_guard.py)."""
        self._panels[panel] = _PanelState(reason, None)

    def release(self, panel: str) -> None:
        self._panels.pop(panel, None)

    def enabled(self, panel: str) -> bool:
        state = self._panels.get(panel)
        if state is None:
            return True
        return state.retry_at is not None and time.monotonic() >= state.retry_at

    async def fetch(
        self,
        panel: str,
        name: str,
        params: dict[str, Any] | None = None,
        *,
        probe: bool = False,
    ) -> Rows | None:
        """Run one named query in a savepoint; on failure switch the panel off (None)."""
        if not self.enabled(panel):
            return None
        conn = self.conn
        assert conn is not None
        query = queries.get(name)
        try:
            async with conn.transaction():
                cursor = await conn.execute(query.text, query.bind(params))
                rows = await cursor.fetchall()
        except psycopg.Error as exc:
            if conn.broken or conn.closed:
                raise ConnectionLost(
                    "connection to the database was lost during a poll", "reconnecting"
                ) from None
            error = translate(exc, self.dsn)
            permanent = isinstance(error, PrivilegeError | FeatureMissing)
            retry_at = None if permanent else time.monotonic() + self.retry_seconds
            reason = error.message
            if isinstance(error, LockTimeout | QueryTimeout):  # name who holds the lock
                blame = await lock_blame(conn)
                waited = "lock timeout" if isinstance(error, LockTimeout) else "statement timeout"
                reason = f"{blame}; {waited}" if blame else reason
            self._panels[panel] = _PanelState(reason, retry_at)
            return None
        self._panels.pop(panel, None)
        if not probe:  # a one-row aggregate probe (like the server clock) reads no table rows
            self.rows += len(rows)
        self.queries += 1
        return rows
