"""The live-sharing statements by name (`sql/incidents/*.sql`), values as parameters only.

The tables live in the fixed `incident_console` schema, so the files name them directly;
`Query.bind` refuses a missing or an extra parameter before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import psycopg
from psycopg.rows import dict_row

from console import queries

GROUP = "incidents"
T = TypeVar("T")


def _bound(name: str, params: Mapping[str, Any] | None) -> tuple[Any, dict[str, Any] | None]:
    query = queries.get(f"{GROUP}/{name}")
    if not query.params:
        return query.text, None
    return query.text, query.bind(dict(params or {}))


def rows(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Run one statement and return its rows as dicts (empty for a statement without any)."""
    text, bound = _bound(name, params)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(text, bound)
        return cur.fetchall() if cur.description else []


def of_incident(
    conn: psycopg.Connection[Any], name: str, incident_id: Any, make: Callable[[dict[str, Any]], T]
) -> list[T]:
    """The rows one incident has in a `*_of` statement (approvals, claims, presence), each
    made into its record by `make`."""
    return [make(r) for r in rows(conn, name, {"incident_id": incident_id})]


def one(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    found = rows(conn, name, params)
    return found[0] if found else None


def execute(
    conn: psycopg.Connection[Any], name: str, params: Mapping[str, Any] | None = None
) -> int:
    """Run one statement; returns the number of rows it touched."""
    text, bound = _bound(name, params)
    with conn.cursor() as cur:
        cur.execute(text, bound)
        return cur.rowcount
