"""The incident store's writes and reads on the state database, one function a statement.

The statements are `sql/state/*.sql`; `state_sql` fills in the schema-qualified table
names (and the column list) through psycopg.sql, values stay parameters. `replay` pushes
the records of the local JSONL fallback in the order they were written; every write is
idempotent (ids are made on the client), so a replay cut short can simply run again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import psycopg
from psycopg import sql
from psycopg.rows import dict_row

from console import queries
from console.core.state import INCIDENT_COLUMNS, state_sql, to_json


def _statement(name: str, **parts: sql.Composable) -> sql.Composed:
    """`sql/state/<name>.sql` with the state tables (and any `parts`) filled in."""
    return state_sql(queries.get(f"state/{name}").text, **parts)


def insert_incident(conn: psycopg.Connection[Any], record: Mapping[str, Any]) -> None:
    conn.execute(
        _statement(
            "insert_incident",
            cols=sql.SQL(", ").join(map(sql.Identifier, INCIDENT_COLUMNS)),
            marks=sql.SQL(", ").join(map(sql.Placeholder, INCIDENT_COLUMNS)),
        ),
        dict(record),
    )


def close_incident(conn: psycopg.Connection[Any], record: Mapping[str, Any]) -> None:
    keys = ("closed_at", "closed_by", "summary", "id")
    conn.execute(_statement("close_incident"), {k: record.get(k) for k in keys})


def hand_over(conn: psycopg.Connection[Any], record: Mapping[str, Any]) -> None:
    conn.execute(_statement("hand_over"), {k: record.get(k) for k in ("commander", "id")})


def insert_entry(conn: psycopg.Connection[Any], record: Mapping[str, Any]) -> None:
    conn.execute(_statement("insert_entry"), {**record, "data": to_json(record["data"])})


def incident_rows(conn: psycopg.Connection[Any]) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_statement("incidents"))
        return cur.fetchall()


def timeline_rows(conn: psycopg.Connection[Any], incident_id: Any) -> list[dict[str, Any]]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(_statement("timeline"), {"incident_id": incident_id})
        return cur.fetchall()


def replay(conn: psycopg.Connection[Any], records: Iterable[Mapping[str, Any]]) -> None:
    """Write the fallback's records to the database, in one transaction."""
    with conn.transaction():
        for rec in records:
            kind = rec.get("type")
            if kind == "incident":
                insert_incident(conn, {c: rec.get(c) for c in INCIDENT_COLUMNS})
            elif kind == "entry":
                insert_entry(conn, rec)
            elif kind == "commander":
                hand_over(conn, rec)
            elif kind == "close":
                close_incident(conn, rec)
