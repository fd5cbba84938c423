"""Core's own SQL (`sql/connection/*.sql`, index templates), read without the catalogue.

`console.queries` sits above `console.core` in the layers, so core reads its few files
itself; they carry the catalogue's `-- description:` header like every other query.
"""

from __future__ import annotations

from functools import cache

from console.core.paths import sql_dir


def connection_sql(name: str) -> str:
    """The text of `sql/connection/<name>.sql` with its header comment lines removed."""
    return core_sql("connection", name)


@cache
def core_sql(group: str, name: str) -> str:
    """The text of `sql/<group>/<name>.sql` with its header comment lines removed."""
    text = (sql_dir() / group / f"{name}.sql").read_text(encoding="utf-8")
    lines = text.splitlines()
    while lines and (lines[0].startswith("--") or not lines[0].strip()):
        lines.pop(0)
    return "\n".join(lines).strip().rstrip(";")
