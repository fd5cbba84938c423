"""The statements doctor prints as fixes, from templates in `sql/doctor/fix_*.sql` and
`grant_*.sql`: never run by the console, shown for an operator (or a DBA) to run.

Names are composed with psycopg.sql (an identifier quoted only when it must be, as
`quote_ident` does, so the common case reads naturally); numbers as literals. A statement
whose placeholder has no value (a table this database does not have) is left out. Text
values are passed as `sql.Literal`, a name the server formatted (format_type) as `sql.SQL`.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from functools import cache

from psycopg import sql

from console.core.paths import sql_dir

_BARE = re.compile(r"[a-z_][a-z0-9_$]*")
Part = str | int | tuple[str, ...] | Sequence[tuple[str, ...]] | sql.Composable


@cache
def _template(name: str) -> tuple[str, ...]:
    text = (sql_dir() / "doctor" / f"{name}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    return tuple(s.strip() for s in body.split(";") if s.strip())


def ident(*names: str) -> sql.Composable:
    """A (qualified) identifier, bare when PostgreSQL would not need the quotes."""
    return sql.SQL(".").join(
        sql.SQL(n) if _BARE.fullmatch(n) and n not in _RESERVED else sql.Identifier(n)
        for n in names
    )


_RESERVED = {"user", "select", "table", "order", "group", "all", "grant", "to", "on"}


def _compose(value: Part) -> sql.Composable:
    if isinstance(value, sql.Composable):
        return value
    if isinstance(value, int):
        return sql.Literal(value)
    if isinstance(value, str):
        return ident(value)
    if value and isinstance(value[0], str):
        return ident(*value)  # type: ignore[arg-type]
    return sql.SQL(", ").join(ident(*v) for v in value)  # type: ignore[misc]


def statements(name: str, **parts: Part) -> list[str]:
    """Each statement of template `name` with its parts filled in, ending in ';'."""
    out: list[str] = []
    for statement in _template(name):
        wanted = {f for _, f, _, _ in string.Formatter().parse(statement) if f}
        if not wanted <= set(parts):
            continue
        composed = sql.SQL(statement).format(**{k: _compose(parts[k]) for k in wanted})  # type: ignore[arg-type]
        out.append(composed.as_string(None) + ";")
    return out


def statement(name: str, **parts: Part) -> str:
    """The template's statements as one line."""
    return " ".join(statements(name, **parts))
