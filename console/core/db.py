"""Connections to the monitored database: read-only by default, bounded, named, typed errors.

Every connection the console opens carries `application_name=incident-console:<user>` (so
it shows up, and can be excluded, in pg_stat_activity), a `statement_timeout`, a
`lock_timeout` and an `idle_in_transaction_session_timeout` (so an SSH drop can never
leave a transaction holding locks). Unless the operator asked for `--allow-write`, the
session default is `default_transaction_read_only=on` and `read_only()` opens each
transaction with `SET TRANSACTION READ ONLY` as well, so a step that flips the session
default still cannot write.

psycopg exceptions are translated into a few `DatabaseError` kinds with one clear line
and a way forward; callers never show a traceback.
"""

from __future__ import annotations

import getpass
import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.config import Settings, mask_dsn

if TYPE_CHECKING:  # psycopg is imported on first use: the dashboard paints before it loads
    import psycopg


class DatabaseError(Exception):
    """A database problem explained in one line, with what to do next."""

    kind = "error"

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} — {hint}" if hint else message)


class ConnectionFailed(DatabaseError):
    kind = "unreachable"


class QueryTimeout(DatabaseError):
    kind = "timeout"


class LockTimeout(DatabaseError):
    kind = "lock_timeout"


class PrivilegeError(DatabaseError):
    kind = "privilege"


class ReadOnlyError(DatabaseError):
    kind = "read_only"


class FeatureMissing(DatabaseError):
    kind = "missing"


class ConnectionLost(DatabaseError):
    kind = "lost"


class NoDatabaseConfigured(DatabaseError):
    kind = "unconfigured"


@dataclass(frozen=True)
class SessionLimits:
    """Server-side guards set on every console connection."""

    statement_timeout_ms: int = 5_000
    lock_timeout_ms: int = 2_000
    idle_in_transaction_timeout_ms: int = 15_000
    connect_timeout_seconds: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionLimits:
        return cls(
            statement_timeout_ms=settings.statement_timeout_ms,
            lock_timeout_ms=settings.lock_timeout_ms,
            idle_in_transaction_timeout_ms=settings.idle_in_transaction_timeout_ms,
            connect_timeout_seconds=settings.connect_timeout_seconds,
        )


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
    """Keyword arguments for psycopg.connect / AsyncConnection.connect."""
    from psycopg.rows import dict_row

    limits = limits or SessionLimits()
    options = [
        f"-c statement_timeout={limits.statement_timeout_ms}",
        f"-c lock_timeout={limits.lock_timeout_ms}",
        f"-c idle_in_transaction_session_timeout={limits.idle_in_transaction_timeout_ms}",
        f"-c default_transaction_read_only={'off' if allow_write else 'on'}",
    ]
    return {
        "conninfo": dsn,
        "application_name": application_name(role),
        "options": " ".join(options),
        "connect_timeout": limits.connect_timeout_seconds,
        "row_factory": dict_row,
    }


_BLOCKER = re.compile(r"process (\d+)")


def translate(exc: BaseException, dsn: str | None = None) -> DatabaseError:
    """Turn a psycopg error into one clear DatabaseError line."""
    if isinstance(exc, DatabaseError):
        return exc
    import psycopg
    from psycopg import errors as pg_errors

    where = f" at {mask_dsn(dsn)}" if dsn else ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, pg_errors.QueryCanceled):
        if "lock timeout" in str(exc):
            return LockTimeout(
                f"gave up waiting for a lock: {text}",
                "another session holds the rows; see the Locks panel for the blocking pid",
            )
        return QueryTimeout(
            f"query cancelled after the statement timeout: {text}",
            "the database is slow or a lock is held; retry, or raise statement_timeout_ms",
        )
    if isinstance(exc, pg_errors.LockNotAvailable):
        return LockTimeout(f"lock not available: {text}", "another session holds the rows")
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return PrivilegeError(
            f"permission denied: {text}", "grant the role access, or use a role that has it"
        )
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return ReadOnlyError(
            "the console is read-only: this needs a write",
            "restart with --allow-write to run recovery actions",
        )
    if isinstance(exc, pg_errors.UndefinedTable | pg_errors.UndefinedColumn):
        return FeatureMissing(f"not in this database: {text}", "see `incident-console doctor`")
    if isinstance(exc, pg_errors.UndefinedObject | pg_errors.FeatureNotSupported):
        return FeatureMissing(f"not available here: {text}", "see `incident-console doctor`")
    if isinstance(exc, pg_errors.InvalidCatalogName):
        return ConnectionFailed(
            f"database does not exist{where}", "check the database name in --dsn or DATABASE_URL"
        )
    if isinstance(exc, pg_errors.InvalidPassword | pg_errors.InvalidAuthorizationSpecification):
        return ConnectionFailed(
            f"authentication failed{where}", "check the user and password in the DSN"
        )
    if isinstance(exc, psycopg.OperationalError):
        missing = re.search(r'(database|role) "[^"]*" does not exist', str(exc))
        if missing and missing.group(1) == "database":
            return ConnectionFailed(
                f"{missing.group(0)}{where}",
                "check the database name in --dsn or DATABASE_URL",
            )
        if missing:
            return ConnectionFailed(f"{missing.group(0)}{where}", "check the user name in the DSN")
        if "connection" in text.lower() and ("closed" in text.lower() or "lost" in text.lower()):
            return ConnectionLost(
                f"connection to the database was lost{where}", "reconnecting; retry the step"
            )
        return ConnectionFailed(
            f"cannot reach the database{where}: {text}",
            "check the host and port, that the server is up, and --dsn / DATABASE_URL",
        )
    if isinstance(exc, psycopg.ProgrammingError) and "invalid dsn" in text.lower():
        return ConnectionFailed(
            f"the DSN is not valid: {text}", "use postgresql://user@host:port/dbname"
        )
    if isinstance(exc, psycopg.Error):
        return DatabaseError(f"database error: {text}")
    if isinstance(exc, OSError):
        return ConnectionFailed(f"cannot reach the database{where}: {exc}")
    return DatabaseError(f"{type(exc).__name__}: {text}")


def require_dsn(dsn: str | None) -> str:
    if not dsn:
        raise NoDatabaseConfigured(
            "no database configured", "pass --dsn postgresql://… or set DATABASE_URL"
        )
    return dsn


async def connect(
    dsn: str | None,
    *,
    allow_write: bool = False,
    limits: SessionLimits | None = None,
    role: str = "",
) -> psycopg.AsyncConnection[dict[str, Any]]:
    """One async connection with the console's guards; autocommit, dict rows."""
    import psycopg

    dsn = require_dsn(dsn)
    try:
        conn = await psycopg.AsyncConnection.connect(
            autocommit=True,
            **connect_kwargs(dsn, allow_write=allow_write, limits=limits, role=role),
        )
    except Exception as exc:
        raise translate(exc, dsn) from None
    return conn


def connect_sync(
    dsn: str | None,
    *,
    allow_write: bool = False,
    limits: SessionLimits | None = None,
    role: str = "",
) -> psycopg.Connection[dict[str, Any]]:
    """The synchronous twin of `connect`, for CLI tools and the simulator's set-up."""
    import psycopg

    dsn = require_dsn(dsn)
    try:
        return psycopg.connect(
            autocommit=True,
            **connect_kwargs(dsn, allow_write=allow_write, limits=limits, role=role),
        )
    except Exception as exc:
        raise translate(exc, dsn) from None


@asynccontextmanager
async def read_only(
    conn: psycopg.AsyncConnection[Any],
) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
    """A transaction that cannot write, whatever the session default says."""
    async with conn.transaction():
        await conn.execute("SET TRANSACTION READ ONLY")
        # After a first query PostgreSQL refuses `SET transaction_read_only = off`.
        await conn.execute("SELECT 1")
        yield conn


@contextmanager
def read_only_sync(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Connection[Any]]:
    with conn.transaction():
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute("SELECT 1")
        yield conn
