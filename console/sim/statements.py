"""The simulator's SQL by name: the statements live in `sql/sim/` and `sql/world/`.

Loaded through `console.queries`, so every statement has a `-- description:` and the
values stay bind parameters: `bound()` checks the names against the file's placeholders.
Identifiers (a table, an index, a database, or a comma-separated list of them) are composed
with psycopg.sql by `composed()`; nothing else is ever formatted into the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from console import queries

if TYPE_CHECKING:
    from psycopg import sql


def text(name: str, /) -> Any:
    """The text of a statement without parameters (passed to execute as is)."""
    return queries.get(name).text


def bound(name: str, /, **params: Any) -> tuple[Any, dict[str, Any]]:
    """(text, params) for `conn.execute(*bound(...))`; a missing or extra name raises."""
    query = queries.get(name)
    return query.text, query.bind(params)


def composed(name: str, /, **identifiers: str | tuple[str, ...] | list[str]) -> sql.Composed:
    """The statement with each `{key}` replaced by a quoted identifier (a name or a path),
    or by a list of names separated by commas (`LOCK TABLE {tables}`)."""
    from psycopg import sql

    def quoted(value: str | tuple[str, ...] | list[str]) -> sql.Composable:
        if isinstance(value, list):
            return sql.SQL(", ").join(sql.Identifier(item) for item in value)
        return sql.Identifier(*value) if isinstance(value, tuple) else sql.Identifier(value)

    names = {key: quoted(value) for key, value in identifiers.items()}
    return sql.SQL(queries.get(name).text).format(**names)  # type: ignore[arg-type]
