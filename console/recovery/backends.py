"""Cancel or terminate a server backend: the one write the dashboard offers directly.

`pg_cancel_backend` / `pg_terminate_backend` are not blocked by a read-only transaction,
so the console's own rule is enforced here: the connection must have been opened with
`--allow-write` (its session default is writable). The console never signals its own
backend (that would kill the very session doing the work) nor any pid it was told to
protect (its poller). The caller is responsible for the typed confirmation; this module
only acts and reports whether the server did.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import psycopg

from console import queries
from console.core.db import DatabaseError, ReadOnlyError, own_backend_pid, translate, writable

Signal = Literal["cancel", "terminate"]

_QUERIES: dict[str, str] = {
    "cancel": "drilldown/cancel_backend",
    "terminate": "drilldown/terminate_backend",
}


class BackendRefused(DatabaseError):
    """The console will not send this signal (its own pid, a protected pid, a bad pid)."""

    kind = "refused"


async def _is_writable(conn: psycopg.AsyncConnection[Any]) -> bool:
    """The console's own decision (--allow-write), never a session default a pooler drops."""
    return await writable(conn)


async def signal_backend(
    conn: psycopg.AsyncConnection[Any],
    pid: int,
    action: Signal,
    *,
    protected_pids: Iterable[int] = (),
    backend_start: datetime | None = None,
) -> bool:
    """Send `action` to backend `pid`; True if the server acted, False if the pid was gone
    (or, given the `backend_start` the operator saw, now belongs to another session).

    Raises BackendRefused for the console's own or a protected pid, ReadOnlyError when the
    connection was not opened for writing, and other DatabaseError kinds for server errors.
    """
    if action not in _QUERIES:
        raise BackendRefused(f"unknown action {action!r}", "use cancel or terminate")
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        raise BackendRefused(f"not a backend pid: {pid!r}")
    own = own_backend_pid(conn)  # None behind a pooler: the SQL excludes pg_backend_pid()
    if pid == own:
        raise BackendRefused(f"pid {pid} is this console's own connection", "pick another backend")
    if pid in set(protected_pids):
        raise BackendRefused(f"pid {pid} belongs to this console", "pick another backend")
    query = queries.get(_QUERIES[action])
    try:
        if not await _is_writable(conn):
            raise ReadOnlyError(
                f"the console is read-only: it will not {action} pid {pid}",
                "restart with --allow-write to cancel or terminate backends",
            )
        params = {"pid": pid, "backend_start": backend_start}
        cur = await conn.execute(query.text, query.bind(params))
        row = await cur.fetchone()
    except DatabaseError:
        raise
    except Exception as exc:
        raise translate(exc) from None
    if row is None:
        return False
    value = row["acted"] if isinstance(row, dict) else row[0]
    return bool(value)
