"""The executor's connection helpers: its own statements (`sql/executor/`), rows as dicts,
the previews run read-only, and the checks a write connection must pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row

from console import queries
from console.core.db import (
    ConnectionLost,
    ReadOnlyError,
    own_backend_pid,
    read_only_sync,
    writable_sync,
)
from console.recovery.errors import ActionRefused
from console.recovery.model import ActionSpec


def statement(name: str, **identifiers: sql.Composable) -> sql.Composable:
    """A named statement of `sql/executor/`, its `{identifiers}` composed by psycopg.sql."""
    text = sql.SQL(queries.get(f"executor/{name}").text)  # type: ignore[arg-type]
    return text.format(**identifiers) if identifiers else text


def dict_rows(
    conn: psycopg.Connection[Any], query: Any, params: Any = None
) -> list[dict[str, Any]]:
    """Rows as dicts whatever the connection's row factory (callers may pass their own)."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(query, params)
        return [dict(r) for r in cur.fetchall()] if cur.description else []


def own_pid(conn: psycopg.Connection[Any]) -> int | None:
    """This connection's backend, or None behind a pooler (where the SQL's own
    `pid <> pg_backend_pid()` is the guard, inside the statement that signals)."""
    return own_backend_pid(conn)


def run_preview(
    conn: psycopg.Connection[Any], spec: ActionSpec, params: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The action's preview, inside a read-only transaction, with the params it uses."""
    query = queries.get(spec.preview)
    bound = query.bind({k: v for k, v in params.items() if k in query.params})
    with read_only_sync(conn):
        return dict_rows(conn, query.text, bound)


def run_verify(conn: psycopg.Connection[Any], spec: ActionSpec) -> list[dict[str, Any]]:
    query = queries.get(spec.verify)
    with read_only_sync(conn):
        return dict_rows(conn, query.text)


def rollback_quietly(conn: psycopg.Connection[Any]) -> None:
    """End an open transaction, if any, without raising: used on every way out."""
    if conn.closed or conn.broken:
        return
    try:
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            conn.rollback()
    except psycopg.Error:
        pass


def check_writable(conn: psycopg.Connection[Any]) -> None:
    """Refuse a closed, busy or read-only write connection; switch it to autocommit."""
    if conn.closed or conn.broken:
        raise ConnectionLost("the write connection is closed", "reconnect and preview again")
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise ActionRefused(
            "the write connection has a transaction open", "use a dedicated write connection"
        )
    if not conn.autocommit:
        conn.autocommit = True
    if not writable_sync(conn):  # the console's own decision, not a session default
        raise ReadOnlyError(
            "the console is read-only: this needs a write",
            "restart with --allow-write to run recovery actions",
        )


def conninfo_of(conn: psycopg.Connection[Any]) -> str:
    """A DSN for a fresh connection to the same server (to verify after a lost COMMIT)."""
    params = conn.info.get_parameters()
    password = conn.info.password
    if password:
        params["password"] = password
    params.pop("options", None)
    params.pop("application_name", None)
    return make_conninfo("", **params)
