"""Hand-made rows: the one way the test helpers insert a row and get its id back."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, LiteralString

import psycopg


def new_id(
    conn: psycopg.Connection[Any],
    statement: LiteralString,
    params: Sequence[Any] | Mapping[str, Any],
) -> Any:
    """Run an `INSERT … RETURNING id`; the id as the database typed it (int or uuid)."""
    row = conn.execute(statement, params).fetchone()
    assert row is not None, statement
    return row[0]
