"""An action lock that holds behind a transaction pooler: a transaction-scoped advisory
lock, held by a dedicated lock session whose transaction stays open for the whole run.

A session advisory lock (`pg_try_advisory_lock`) belongs to the server connection, which
a transaction pooler hands to whichever client comes next: a second operator's
`pg_try_advisory_lock` on that same server connection succeeds (the lock is re-entrant),
and the unlock may run on another one and never release it. A transaction, however, pins
its server connection to one client until it ends, in every pool mode, so:
- `transaction_lock` opens its own connection, BEGINs (read-only: the lock session never
  writes), takes `pg_try_advisory_xact_lock` and keeps the transaction open;
- the lock is released by ROLLBACK when the block ends, or by the server when the
  console dies (its connection closes; a pooler then ends the server transaction);
- `LockSession.alive()` is the heartbeat before each batch: it says the lock is still
  held (the transaction was not ended) and resets the idle timer, which is set LOCAL to
  outlast the action's longest statement. It takes no parameters, on purpose: an idle
  transaction whose last statement had some keeps that statement's xmin;
- the holder is whoever's backend holds it in pg_locks, with its application_name
  (`incident-console:<user>:lock`), so the second operator is told who.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from console.core.db import connect_sync, translate
from console.core.limits import SessionLimits, transaction_guards
from console.core.sqltext import connection_sql


@dataclass
class LockSession:
    """The open transaction that holds one action lock."""

    conn: Any
    server_pid: int

    def alive(self) -> bool:
        """Still held? (The lock session's transaction is open and answers.)"""
        try:
            self.conn.execute(connection_sql("lock_heartbeat"))
        except Exception:
            return False
        return True


@contextlib.contextmanager
def transaction_lock(
    dsn: str,
    keys: tuple[int, int],
    *,
    limits: SessionLimits | None = None,
    hold_idle_ms: int | None = None,
) -> Iterator[LockSession | None]:
    """Hold the lock `keys` for the block (None when another session holds it).

    `hold_idle_ms`: how long the lock session may sit idle between heartbeats (at least
    the action's longest statement); the default is the connection's idle limit.
    """
    import psycopg

    limits = limits or SessionLimits()
    conn = connect_sync(dsn, limits=limits, role="lock")
    phase = "acquire"  # then "body" (the caller's), then "release"
    try:
        with conn.transaction(force_rollback=True):  # BEGIN READ ONLY: it never writes
            conn.execute(*transaction_guards(limits, read_only=True))
            idle = hold_idle_ms or limits.idle_in_transaction_timeout_ms
            conn.execute(connection_sql("lock_idle_timeout"), {"idle_timeout": str(idle)})
            row = conn.execute(
                connection_sql("try_xact_lock"), {"k1": keys[0], "k2": keys[1]}
            ).fetchone()
            session = LockSession(conn, int(row["server_pid"])) if row["ok"] else None
            # A statement with parameters leaves its snapshot's xmin on the idle backend
            # until the next one (its unnamed portal): that would hold back vacuum and make
            # CREATE INDEX CONCURRENTLY wait for the lock session. A parameterless
            # statement ends it.
            conn.execute(connection_sql("lock_heartbeat"))
            phase = "body"
            yield session
            phase = "release"
    except psycopg.Error as exc:
        if phase == "acquire":
            raise translate(exc, dsn) from None
        if phase == "body":
            raise  # the caller's own error, as it was
        # "release": the lock session was lost or ended: the lock is released either way
    finally:
        with contextlib.suppress(Exception):
            conn.close()
