"""One operator per action at a time, and naming who holds what we wait for.

Apply holds an advisory lock per action (two keys: the console's namespace and the action
id's crc32), transaction-scoped in a lock session of its own so that it holds behind a
transaction pooler; a second operator is refused at once and told who holds it (the
first one's lock session, named `incident-console:<user>:lock`). When
a batch's lock_timeout fires, the row (or table) lock holders are named in the result.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import psycopg
from psycopg import sql

from console.core.db import SessionLimits, guard_of
from console.core.xact_lock import LockSession, transaction_lock
from console.recovery.conn import dict_rows, rollback_quietly, statement
from console.recovery.errors import ActionLocked, Holder
from console.recovery.model import ActionSpec

# First key of the two-key advisory lock: "ic" for incident-console, so our locks are
# easy to tell apart in pg_locks from the application's own advisory locks.
LOCK_NAMESPACE = 0x6963


def lock_keys(action_id: str) -> tuple[int, int]:
    """The advisory lock's two int4 keys for an action."""
    crc = zlib.crc32(action_id.encode())
    return LOCK_NAMESPACE, crc - 2**32 if crc >= 2**31 else crc


def _holders(rows: Iterable[Any]) -> tuple[Holder, ...]:
    return tuple(
        Holder(
            pid=int(r["pid"]),
            user=r["user"],
            application_name=r["app"],
            client_addr=r["client_addr"],
            state=r["state"],
        )
        for r in rows
    )


def lock_holders(conn: psycopg.Connection[Any], action_id: str) -> tuple[Holder, ...]:
    """The other sessions holding an action's advisory lock."""
    k1, k2 = lock_keys(action_id)
    rows = dict_rows(conn, statement("action_lock_holders"), {"k1": k1, "k2": k2 % 2**32})
    return _holders(rows)


def lock_hold_ms(spec: ActionSpec, limits: SessionLimits) -> int:
    """How long the lock session may sit idle between heartbeats: the longest statement
    of a batch (its statement and lock timeouts) plus the idle limit around it."""
    longest = (spec.statement_timeout_ms or limits.statement_timeout_ms) + limits.lock_timeout_ms
    idle = limits.idle_in_transaction_timeout_ms
    return max(idle, longest + idle)


@contextlib.contextmanager
def action_lock(
    conn: psycopg.Connection[Any], spec: ActionSpec, lock_dsn: str
) -> Iterator[LockSession]:
    """Hold the action's lock for the block, or raise ActionLocked naming the holder.

    The lock is transaction-scoped, held by its own lock session on `lock_dsn`
    (console.core.xact_lock), so it holds behind a transaction pooler too. On the way
    out any transaction open on `conn` is rolled back before the lock is released, so a
    batch interrupted mid-way never outlives the lock that let it start.
    """
    guard = guard_of(conn)
    limits = guard.limits if guard else SessionLimits()
    hold_ms = lock_hold_ms(spec, limits)
    with transaction_lock(
        lock_dsn, lock_keys(spec.id), limits=limits, hold_idle_ms=hold_ms
    ) as lock:
        if lock is None:
            raise ActionLocked(spec.id, lock_holders(conn, spec.id))
        try:
            yield lock
        finally:
            if not (conn.closed or conn.broken):
                with contextlib.suppress(psycopg.Error):
                    rollback_quietly(conn)


def row_lock_holders(
    conn: psycopg.Connection[Any], spec: ActionSpec, keys: Sequence[Any]
) -> tuple[Holder, ...]:
    """Who holds the rows we waited for: the transaction in their xmax, else table lockers.

    Asked after the lock timeout fired (our wait is over, so pg_blocking_pids no longer
    knows); a row locked by another transaction carries that transaction's id in xmax.
    """
    if not spec.lock_table:
        return ()
    by_row = statement(
        "row_lock_holders",
        table=sql.Identifier(spec.lock_table),
        key=sql.Identifier(spec.lock_key),
    )
    try:
        rows = dict_rows(conn, by_row, {"ids": list(keys)}) if keys else []
        by_table = statement("table_lock_holders")
        return _holders(rows or dict_rows(conn, by_table, {"table": spec.lock_table}))
    except psycopg.Error:
        return ()
