"""Name the session behind a lock wait: "webhook_events locked by pid 4242 (ACCESS
EXCLUSIVE, careless-migration, 38 s in transaction): LOCK TABLE …".

A panel's query that gave up waiting for a lock (or ran into the statement timeout)
only says "canceling statement due to lock timeout": no table, no session. The operator
needs the session to end or to wait for, so one short query on the same connection (its
own savepoint, after the failed one rolled back) asks pg_locks who holds or queues for an
ACCESS EXCLUSIVE lock on the console's tables. It never raises: no answer, no blame.
"""

from __future__ import annotations

from typing import Any

import psycopg

from console import queries
from console.core.db_errors import LOCK_HELD, LOCK_QUEUED
from console.core.schema_contract import TABLES


def describe_holder(row: dict[str, Any]) -> str:
    """One holder (or a queued request) as a person reads it: the table and the pid
    first (a narrow panel keeps the start of the line), then what the session is."""
    facts = ["ACCESS EXCLUSIVE"]
    facts += [part for part in (row.get("application_name"), row.get("state")) if part]
    if row.get("seconds") is not None:
        facts.append(f"{row['seconds']:.0f} s in transaction")
    query = (row.get("query") or "").strip()
    said = f": {query}" if query else ""
    how = LOCK_HELD if row.get("granted") else LOCK_QUEUED
    return f"{row['relation']} {how} {row['pid']} ({', '.join(facts)}){said}"


async def lock_blame(conn: psycopg.AsyncConnection[dict[str, Any]]) -> str | None:
    """Who holds the lock a query of ours waited for, or None when no one is found."""
    query = queries.get("live/lock_holders")
    tables = [table.name for table in TABLES]
    try:
        async with conn.transaction():
            cursor = await conn.execute(query.text, query.bind({"tables": tables}))
            rows = await cursor.fetchall()
    except psycopg.Error:
        return None
    if not rows:
        return None
    return "; ".join(describe_holder(row) for row in rows)
