"""What the console decided for a connection: its limits, read-only or not, its pooler.

A `Guard` lives on the connection object (console.core.guarded), never in the server
session, so a pooler cannot drop it or hand it to another client. `transaction_guards`
is the statement every console transaction starts with. No psycopg import here: the
dashboard paints before psycopg loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from console.core.pooler import Pooler
from console.core.sqltext import connection_sql

if TYPE_CHECKING:
    from console.core.config import Settings


@dataclass(frozen=True)
class SessionLimits:
    """The guards set on every console transaction, and the pooler setting."""

    statement_timeout_ms: int = 5_000
    lock_timeout_ms: int = 2_000
    idle_in_transaction_timeout_ms: int = 15_000
    connect_timeout_seconds: int = 5
    pooler: str = "auto"

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionLimits:
        return cls(
            statement_timeout_ms=settings.statement_timeout_ms,
            lock_timeout_ms=settings.lock_timeout_ms,
            idle_in_transaction_timeout_ms=settings.idle_in_transaction_timeout_ms,
            connect_timeout_seconds=settings.connect_timeout_seconds,
            pooler=settings.pooler,
        )


@dataclass(frozen=True)
class Guard:
    """What the console decided for one connection (kept client-side, never in a SET)."""

    read_only: bool
    limits: SessionLimits = field(default_factory=SessionLimits)
    pooler: Pooler = field(default_factory=Pooler)
    server_pid: int | None = None  # the backend the probe ran on; per transaction if pooled

    @property
    def own_pid(self) -> int | None:
        """This connection's backend pid, or None behind a pooler (there it means nothing
        across transactions: each may run on another server connection)."""
        return None if self.pooler.pooled else self.server_pid


def transaction_guards(
    limits: SessionLimits | None, *, read_only: bool
) -> tuple[str, dict[str, bool | str | None]]:
    """The statement that opens a console transaction and its values: read-only or not,
    and the timeouts LOCAL to it (`sql/connection/transaction_guards.sql`; no limits: the
    session's values are kept). One statement, so a read and a write cannot drift."""
    return connection_sql("transaction_guards"), {"read_only": read_only, **timeouts(limits)}


def timeouts(limits: SessionLimits | None) -> dict[str, str | None]:
    """The SET values of the three timeouts, in milliseconds (None: keep the current)."""
    if limits is None:
        return dict.fromkeys(("statement_timeout", "lock_timeout", "idle_timeout"))
    return {
        "statement_timeout": str(limits.statement_timeout_ms),
        "lock_timeout": str(limits.lock_timeout_ms),
        "idle_timeout": str(limits.idle_in_transaction_timeout_ms),
    }


def guard_of(conn: Any) -> Guard | None:
    guard = getattr(conn, "guard", None)
    return guard if isinstance(guard, Guard) else None
