"""One writable connection kept by a state-database writer, reopened when it is gone.

The incident store, the shared incident and the presence heartbeat each hold one: opened
on first use, opened again after it was closed or broke (a restart of the database, a
killed backend), so the next call works without the caller tracking it.
"""

from __future__ import annotations

import contextlib
from typing import Any

import psycopg

from console.core.db import SessionLimits, connect_sync


class WriteLink:
    """`get()`: the connection, open; `close()`: closed until the next `get()`."""

    def __init__(self, dsn: str | None, *, limits: SessionLimits, role: str) -> None:
        self.dsn = dsn
        self.limits = limits
        self.role = role
        self._conn: psycopg.Connection[Any] | None = None

    def get(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = connect_sync(
                self.dsn, allow_write=True, limits=self.limits, role=self.role
            )
        return self._conn

    def close(self, *, quiet: bool = False) -> None:
        """Close it; `quiet`: whatever closing a broken connection raises is ignored."""
        if self._conn is not None:
            with contextlib.suppress(Exception) if quiet else contextlib.nullcontext():
                self._conn.close()
            self._conn = None
