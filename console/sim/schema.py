"""Creates the monitored system's schema (the guide's tables) with bigint or uuid ids."""

from __future__ import annotations

from typing import Any, Literal

import psycopg
from psycopg import sql

from console import queries
from console.core.paths import sql_dir
from console.core.schema_contract import RECOMMENDED_INDEXES

IdType = Literal["bigint", "uuid"]

ID_TYPES: tuple[str, ...] = ("bigint", "uuid")


def _schema_text(name: str) -> str:
    """A file of sql/schema/ without its comments, through the one header parser."""
    path = sql_dir() / "schema" / f"{name}.sql"
    text = queries.parse_query_file(f"schema/{name}", path).text
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))


def _render(name: str, id_type: IdType) -> sql.Composed:
    if id_type not in ID_TYPES:
        raise ValueError(f"id type must be bigint or uuid, got {id_type!r}")
    id_column = _schema_text(f"id_column_{id_type}")
    return sql.SQL(_schema_text(name)).format(  # type: ignore[arg-type]
        id_column=sql.SQL(id_column), ref_type=sql.SQL(id_type)
    )


def apply_monitored_schema(
    conn: psycopg.Connection[Any],
    *,
    id_type: IdType = "bigint",
    notifications: bool = True,
    indexes: bool = True,
) -> None:
    """Create the guide's tables (and the console's recommended indexes) if missing."""
    conn.execute(_render("monitored", id_type))
    if notifications:
        conn.execute(_render("notifications", id_type))
    if indexes:
        for index in RECOMMENDED_INDEXES:
            if index.table == "notifications" and not notifications:
                continue
            conn.execute(index.create_statement(concurrently=False))  # type: ignore[arg-type]
