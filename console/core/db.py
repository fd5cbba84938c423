"""Connections to the monitored database: read-only by default, bounded, named, typed errors.

Every connection the console opens carries `application_name=incident-console:<user>` (so
it shows up, and can be excluded, in pg_stat_activity). The guards are kept **per
transaction**, because behind PgBouncer or Supavisor in transaction mode session state
belongs to whichever server connection the pooler hands out:
- `read_only()` opens each transaction READ ONLY and sets `statement_timeout`,
  `lock_timeout` and `idle_in_transaction_session_timeout` LOCAL to it, in its first
  statement (so a later `SET transaction_read_only = off` is refused too);
- `write_transaction()` / `begin_write()` do the same for writes, after `--allow-write`;
- a read-only connection wraps any statement sent outside a transaction in such a one
  (console.core.guarded), and its decision lives on the connection object, not in a SET.
No startup `options` are sent (a PgBouncer refuses them, or drops them with
`ignore_startup_parameters`). The first statement (`sql/connection/probe.sql`) tells a
pooler from a direct backend (console.core.pooler); only on a direct connection does it
also set the same limits as session defaults, a second line for autocommit statements.
Behind a pooler nothing is prepared server-side (`prepare_threshold=None`).

psycopg exceptions are translated into a few `DatabaseError` kinds (console.core.db_errors)
with one clear line and a way forward; callers never show a traceback.
"""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.db_errors import (
    ConnectionFailed,
    ConnectionLost,
    DatabaseError,
    FeatureMissing,
    LockTimeout,
    NoDatabaseConfigured,
    PrivilegeError,
    QueryTimeout,
    ReadOnlyError,
    translate,
)
from console.core.limits import Guard, SessionLimits, guard_of, timeouts, transaction_guards
from console.core.pooler import Pooler, allows_session_guards, detect
from console.core.sqltext import connection_sql

if TYPE_CHECKING:  # psycopg is imported on first use: the dashboard paints before it loads
    import psycopg

__all__ = [
    "ConnectionFailed",
    "ConnectionLost",
    "DatabaseError",
    "FeatureMissing",
    "Guard",
    "LockTimeout",
    "NoDatabaseConfigured",
    "Pooler",
    "PrivilegeError",
    "QueryTimeout",
    "ReadOnlyError",
    "ReadOnlyProof",
    "SessionLimits",
    "application_name",
    "begin_write",
    "connect",
    "connect_kwargs",
    "connect_sync",
    "guard_of",
    "own_backend_pid",
    "pooler_of",
    "prove_read_only",
    "prove_read_only_sync",
    "read_only",
    "read_only_sync",
    "require_dsn",
    "translate",
    "writable",
    "writable_sync",
    "write_transaction",
    "write_transaction_sync",
]


def application_name(role: str = "") -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    suffix = f":{role}" if role else ""
    return f"incident-console:{user}{suffix}"[:63]


def connect_kwargs(
    dsn: str, *, allow_write: bool = False, limits: SessionLimits | None = None, role: str = ""
) -> dict[str, Any]:
    """Keyword arguments for psycopg.connect / AsyncConnection.connect: no startup options
    (a pooler refuses or drops them); no prepared statements when a pooler is configured."""
    from psycopg.rows import dict_row

    limits = limits or SessionLimits()
    kwargs: dict[str, Any] = {
        "conninfo": dsn,
        "application_name": application_name(role),
        "connect_timeout": limits.connect_timeout_seconds,
        "row_factory": dict_row,
    }
    if limits.pooler in ("transaction", "session"):
        kwargs["prepare_threshold"] = None
    return kwargs


def require_dsn(dsn: str | None) -> str:
    if not dsn:
        raise NoDatabaseConfigured(
            "no database configured", "pass --dsn postgresql://… or set DATABASE_URL"
        )
    return dsn


def _opening(
    dsn: str | None, allow_write: bool, limits: SessionLimits | None, role: str
) -> tuple[str, SessionLimits, dict[str, Any]]:
    """What `connect` and `connect_sync` open with: the DSN, the limits, the keywords."""
    dsn = require_dsn(dsn)
    limits = limits or SessionLimits()
    kwargs = connect_kwargs(dsn, allow_write=allow_write, limits=limits, role=role)
    return dsn, limits, {"autocommit": True, **kwargs}


def _probe(
    conn: Any, dsn: str, allow_write: bool, limits: SessionLimits
) -> tuple[str, dict[str, Any]]:
    """The first statement of a console connection (sql/connection/probe.sql)."""
    return connection_sql("probe"), {
        "client_pid": int(conn.info.backend_pid),
        "session_guards": allows_session_guards(limits.pooler, dsn),
        **timeouts(limits),
        "default_read_only": "off" if allow_write else "on",
    }


def _guard(conn: Any, row: Any, dsn: str, allow_write: bool, limits: SessionLimits) -> Guard:
    pooler = detect(limits.pooler, dsn, int(conn.info.backend_pid), int(row["server_pid"]))
    if pooler.pooled:
        conn.prepare_threshold = None
    return Guard(
        read_only=not allow_write, limits=limits, pooler=pooler, server_pid=row["server_pid"]
    )


async def connect(
    dsn: str | None,
    *,
    allow_write: bool = False,
    limits: SessionLimits | None = None,
    role: str = "",
) -> psycopg.AsyncConnection[dict[str, Any]]:
    """One async connection with the console's guards; autocommit, dict rows."""
    from console.core.guarded import AsyncGuardedConnection, AsyncGuardedCursor

    dsn, limits, kwargs = _opening(dsn, allow_write, limits, role)
    try:
        conn: Any = await AsyncGuardedConnection.connect(
            cursor_factory=AsyncGuardedCursor, **kwargs
        )
    except Exception as exc:
        raise translate(exc, dsn) from None
    try:
        probe = await conn.execute(*_probe(conn, dsn, allow_write, limits))
        guard = _guard(conn, await probe.fetchone(), dsn, allow_write, limits)
        if guard.read_only:
            await conn.set_read_only(True)
    except Exception as exc:
        await conn.close()
        raise translate(exc, dsn) from None
    conn.guard = guard
    return conn  # type: ignore[no-any-return]


def connect_sync(
    dsn: str | None,
    *,
    allow_write: bool = False,
    limits: SessionLimits | None = None,
    role: str = "",
) -> psycopg.Connection[dict[str, Any]]:
    """The synchronous twin of `connect`, for CLI tools and the simulator's set-up."""
    from console.core.guarded import GuardedConnection, GuardedCursor

    dsn, limits, kwargs = _opening(dsn, allow_write, limits, role)
    try:
        conn: Any = GuardedConnection.connect(cursor_factory=GuardedCursor, **kwargs)
    except Exception as exc:
        raise translate(exc, dsn) from None
    try:
        probe = conn.execute(*_probe(conn, dsn, allow_write, limits))
        guard = _guard(conn, probe.fetchone(), dsn, allow_write, limits)
        if guard.read_only:
            conn.read_only = True
    except Exception as exc:
        conn.close()
        raise translate(exc, dsn) from None
    conn.guard = guard
    return conn  # type: ignore[no-any-return]


def pooler_of(conn: Any) -> Pooler | None:
    """The pooler the console found for this connection (None: not a console connection)."""
    guard = guard_of(conn)
    return guard.pooler if guard else None


def own_backend_pid(conn: Any) -> int | None:
    """The backend this connection runs on, or None behind a pooler, where each
    transaction may run on another server connection (guard inside the statement then)."""
    guard = guard_of(conn)
    if guard is not None:
        return guard.own_pid
    return int(conn.info.backend_pid)


# --- transactions ----------------------------------------------------------------------


def _guards(conn: Any, *, read_only: bool) -> tuple[str, dict[str, Any]]:
    guard = guard_of(conn)
    return transaction_guards(guard.limits if guard else None, read_only=read_only)


@asynccontextmanager
async def read_only(
    conn: psycopg.AsyncConnection[Any],
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A transaction that cannot write, whatever the session (or a pooler) says."""
    async with conn.transaction():
        await conn.execute(*_guards(conn, read_only=True))
        yield conn


@contextmanager
def read_only_sync(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    with conn.transaction():
        conn.execute(*_guards(conn, read_only=True))
        yield conn


def _refuse_read_only(conn: Any) -> None:
    guard = guard_of(conn)
    if guard is not None and guard.read_only:
        raise ReadOnlyError(
            "the console is read-only: this needs a write",
            "restart with --allow-write to run recovery actions",
        )


@asynccontextmanager
async def write_transaction(
    conn: psycopg.AsyncConnection[Any],
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A write transaction with the timeouts LOCAL to it; refused on a read-only one."""
    _refuse_read_only(conn)
    async with conn.transaction():
        await conn.execute(*_guards(conn, read_only=False))
        yield conn


@contextmanager
def write_transaction_sync(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    _refuse_read_only(conn)
    with conn.transaction():
        conn.execute(*_guards(conn, read_only=False))
        yield conn


def begin_write(conn: psycopg.Connection[Any]) -> None:
    """BEGIN by hand plus the write guards, for an executor that commits itself (to tell
    a COMMIT lost in flight from a refused statement)."""
    _refuse_read_only(conn)
    conn.execute(connection_sql("begin"))
    conn.execute(*_guards(conn, read_only=False))


async def writable(conn: psycopg.AsyncConnection[Any]) -> bool:
    """Was this connection opened for writing? Asked of the console's own decision, never
    of a session default a pooler may have dropped; the server only for foreign ones."""
    guard = guard_of(conn)
    if guard is not None:
        return not guard.read_only
    cur = await conn.execute(connection_sql("session_read_only"))
    row: Any = await cur.fetchone()
    value = row["default_read_only"] if isinstance(row, dict) else row[0]
    return str(value).lower() in ("off", "false")


def writable_sync(conn: psycopg.Connection[Any]) -> bool:
    guard = guard_of(conn)
    if guard is not None:
        return not guard.read_only
    row: Any = conn.execute(connection_sql("session_read_only")).fetchone()
    value = row["default_read_only"] if isinstance(row, dict) else row[0]
    return str(value).lower() in ("off", "false")


# --- proof -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ReadOnlyProof:
    """Whether the server itself refused a write on the console's read path, and the
    guards in force there (as the server reports them inside that transaction)."""

    proven: bool
    detail: str
    in_force: dict[str, Any] = field(default_factory=dict)
    pooler: Pooler | None = None


class _WriteAccepted(Exception):
    """Raised inside the proof's transaction so that an accepted write is rolled back."""


def _proof(conn: Any, in_force: dict[str, Any], exc: BaseException | None) -> ReadOnlyProof:
    from psycopg import errors as pg_errors

    pooler = pooler_of(conn)
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        first = str(exc).strip().splitlines()[0]
        detail = f"a harmless write was refused by the server ({first})"
        return ReadOnlyProof(True, detail, in_force, pooler)
    if exc is None or isinstance(exc, _WriteAccepted):
        detail = "the server ACCEPTED a write on the read-only path (rolled back)"
    else:
        reason = translate(exc).message
        detail = f"the write failed for another reason, so read-only is not proven: {reason}"
    return ReadOnlyProof(False, detail, in_force, pooler)


def prove_read_only_sync(conn: psycopg.Connection[Any]) -> ReadOnlyProof:
    """Try a harmless write (`sql/connection/read_only_proof.sql`) the way every console
    read runs; proven only when the server refused it as read-only."""
    in_force: dict[str, Any] = {}
    try:
        with read_only_sync(conn):
            row = conn.execute(connection_sql("guards_in_force")).fetchone()
            in_force = dict(row) if isinstance(row, dict) else {}
            conn.execute(connection_sql("read_only_proof"))
            raise _WriteAccepted
    except Exception as exc:
        return _proof(conn, in_force, exc)


async def prove_read_only(conn: psycopg.AsyncConnection[Any]) -> ReadOnlyProof:
    """The asyncio twin of `prove_read_only_sync`, run once when the dashboard starts."""
    in_force: dict[str, Any] = {}
    try:
        async with read_only(conn):
            row = await (await conn.execute(connection_sql("guards_in_force"))).fetchone()
            in_force = dict(row) if isinstance(row, dict) else {}
            await conn.execute(connection_sql("read_only_proof"))
            raise _WriteAccepted
    except Exception as exc:
        return _proof(conn, in_force, exc)
