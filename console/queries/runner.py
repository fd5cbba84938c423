"""The guide's SQL as a catalogue: diagnostics, recovery writes with their previews, and
the guide's own queries kept verbatim for the bench.

Three groups live under `sql/` (loaded by `console.queries`):

- `diagnostics/` — read queries, corrected where the guide is wrong; run on demand with
  `run_query`, always inside a read-only transaction.
- `recovery/` — each write `<name>.sql` has a twin `<name>_preview.sql` that selects
  exactly the rows the write would change. A keyed write (`-- key: <column>`) takes the
  previewed keys as `%(ids)s` plus every parameter of its preview, re-checks the original
  condition, and returns the keys it changed; `recovery_pairs` pairs them for the
  executor.
- `guide/` — the guide's queries exactly as written (no parameters), for bench only.

Extra header lines used here: `-- key:` (the column that identifies a previewed row),
`-- transaction: none` (the statement cannot run inside a transaction block). Typical
parameter values (`-- defaults:`) are `Query.defaults`; `console.queries.params` merges
them with what a caller gives.

`run_query` / `run_query_sync` are the one way the console reads through the catalogue:
runbook steps, drill-downs and the CLI all come here. Rows are dicts, or instances of a
`row` class when the caller wants typed rows; either way a `Rows` list that also knows
its column names (an empty result still has columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Generic, NamedTuple, TypeVar, overload

import psycopg
from psycopg import errors as pg_errors
from psycopg.rows import class_row, dict_row

from console.core.db import DatabaseError, FeatureMissing, read_only, read_only_sync, translate
from console.queries import Query, catalogue, group

DIAGNOSTICS = "diagnostics"
RECOVERY = "recovery"
GUIDE = "guide"
PREVIEW_SUFFIX = "_preview"
REQUIREMENTS = "queries/missing_requirements"

R = TypeVar("R")


class CatalogueError(ValueError):
    """A bad request to the catalogue (unknown name, a write where a read was expected,
    wrong parameters), explained in one line."""


class QuerySkipped(FeatureMissing):
    """The query needs a table or extension this database lacks; `reason` says which."""

    kind = "skipped"

    def __init__(self, query: Query, missing: list[str], reason: str | None = None) -> None:
        self.query = query
        self.missing = tuple(missing)
        self.reason = reason or f"needs {', '.join(missing)}, which this database does not have"
        super().__init__(f"{query.name} skipped: {self.reason}", "see `incident-console doctor`")


class Rows(list[R], Generic[R]):
    """A query's rows, with the names of its columns (known even when there are no rows)."""

    def __init__(self, rows: Iterable[R] = (), columns: Iterable[str] = ()) -> None:
        super().__init__(rows)
        self.columns: tuple[str, ...] = tuple(columns)


class RecoveryPair(NamedTuple):
    """A recovery write and the preview that selects exactly the rows it would change."""

    write: Query
    preview: Query


# ---- listing ----------------------------------------------------------------------------


def queries_in(group_name: str) -> list[Query]:
    """The queries of one group (`diagnostics`, `recovery`, `guide`), sorted by name."""
    return sorted(group(group_name), key=lambda q: q.name)


def diagnostics() -> list[Query]:
    return queries_in(DIAGNOSTICS)


def guide_queries() -> list[Query]:
    return queries_in(GUIDE)


def is_preview(query: Query) -> bool:
    return query.name.startswith(RECOVERY + "/") and query.name.endswith(PREVIEW_SUFFIX)


def is_write(query: Query) -> bool:
    return query.name.startswith(RECOVERY + "/") and not is_preview(query)


def recovery_writes() -> list[Query]:
    return [q for q in queries_in(RECOVERY) if is_write(q)]


def previews() -> list[Query]:
    return [q for q in queries_in(RECOVERY) if is_preview(q)]


def preview_of(write: Query) -> Query:
    """The preview twin of a recovery write; a write without one is a packaging bug."""
    name = write.name + PREVIEW_SUFFIX
    try:
        return catalogue()[name]
    except KeyError:
        raise CatalogueError(f"recovery write {write.name} has no preview {name}") from None


def recovery_pairs() -> list[RecoveryPair]:
    """Every recovery write with its preview, as (write, preview), sorted by name."""
    return [RecoveryPair(write, preview_of(write)) for write in recovery_writes()]


def guide_counterpart(query: Query) -> Query | None:
    """The console's corrected diagnostic for a verbatim guide query (for the bench)."""
    stem = query.name.split("/", 1)[1]
    return catalogue().get(f"{DIAGNOSTICS}/{stem}")


# ---- metadata ---------------------------------------------------------------------------


def key_column(query: Query) -> str | None:
    """The column naming a previewed row (the write's `ids`), or None for a keyless write."""
    return query.meta.get("key") or None


def runs_in_transaction(query: Query) -> bool:
    """False for statements such as CREATE INDEX CONCURRENTLY."""
    return query.meta.get("transaction", "").strip().lower() != "none"


def get_query(name: str) -> Query:
    """Look a query up by `<group>/<name>`, with a one-line error for a wrong name."""
    try:
        return catalogue()[name]
    except KeyError:
        raise CatalogueError(f"no query named {name!r}") from None


def bound_params(query: Query, params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Check the parameters against the placeholders. None when the query takes none, so
    psycopg leaves a literal `%` (the guide's LIKE '%signature%') alone."""
    try:
        bound = query.bind(dict(params or {}))
    except KeyError as exc:
        raise CatalogueError(exc.args[0]) from None
    return bound or None


def _readable(query: Query | str) -> Query:
    """The query to read with, refusing a recovery write (it has its own executor)."""
    if isinstance(query, str):
        query = get_query(query)
    if is_write(query):
        raise CatalogueError(
            f"{query.name} is a recovery write: run it through the recovery executor, "
            "not as a query"
        )
    return query


def _unavailable(query: Query, exc: BaseException) -> QuerySkipped | None:
    """An extension created but not preloaded (pg_stat_statements) fails only when read;
    the reason keeps the server's own first line, which says what to change."""
    if query.requires and isinstance(exc, pg_errors.ObjectNotInPrerequisiteState):
        text = str(exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        return QuerySkipped(query, list(query.requires), f"not available here: {first}")
    return None


def _row_factory(row: type[Any] | None) -> Any:
    return dict_row if row is None else class_row(row)


def _columns(cur: psycopg.Cursor[Any] | psycopg.AsyncCursor[Any]) -> tuple[str, ...]:
    return tuple(column.name for column in cur.description or ())


# ---- running ----------------------------------------------------------------------------


async def missing_requirements(conn: psycopg.AsyncConnection[Any], query: Query) -> list[str]:
    """The `-- requires:` names that are neither a visible relation nor an extension."""
    if not query.requires:
        return []
    cur = await conn.execute(get_query(REQUIREMENTS).text, {"names": list(query.requires)})
    return [_first(row) for row in await cur.fetchall()]


def missing_requirements_sync(conn: psycopg.Connection[Any], query: Query) -> list[str]:
    """The synchronous twin of `missing_requirements`: the same statement."""
    if not query.requires:
        return []
    rows = conn.execute(get_query(REQUIREMENTS).text, {"names": list(query.requires)}).fetchall()
    return [_first(row) for row in rows]


def _first(row: Any) -> str:
    return str(row["name"] if isinstance(row, Mapping) else row[0])


@overload
async def run_query(
    conn: psycopg.AsyncConnection[Any],
    query: Query | str,
    params: Mapping[str, Any] | None = None,
) -> Rows[dict[str, Any]]: ...


@overload
async def run_query(
    conn: psycopg.AsyncConnection[Any],
    query: Query | str,
    params: Mapping[str, Any] | None = None,
    *,
    row: type[R],
) -> Rows[R]: ...


async def run_query(
    conn: psycopg.AsyncConnection[Any],
    query: Query | str,
    params: Mapping[str, Any] | None = None,
    *,
    row: type[Any] | None = None,
) -> Rows[Any]:
    """Run a diagnostic, preview, guide or drill-down query read-only; rows as dicts, or as
    `row` instances. `query` is a catalogue name or a Query (a runbook's own catalogue).

    Raises QuerySkipped (with `.reason`) when a required table or extension is missing,
    CatalogueError for a wrong name or parameters, and a translated DatabaseError for
    anything the database refuses.
    """
    query = _readable(query)
    bound = bound_params(query, params)
    try:
        async with read_only(conn):
            missing = await missing_requirements(conn, query)
            if missing:
                raise QuerySkipped(query, missing)
            async with conn.cursor(row_factory=_row_factory(row)) as cur:
                await cur.execute(query.text, bound)
                rows = await cur.fetchall() if cur.description else []
                return Rows(rows, _columns(cur))
    except DatabaseError:
        raise
    except Exception as exc:
        raise (_unavailable(query, exc) or translate(exc)) from None


@overload
def run_query_sync(
    conn: psycopg.Connection[Any],
    query: Query | str,
    params: Mapping[str, Any] | None = None,
) -> Rows[dict[str, Any]]: ...


@overload
def run_query_sync(
    conn: psycopg.Connection[Any],
    query: Query | str,
    params: Mapping[str, Any] | None = None,
    *,
    row: type[R],
) -> Rows[R]: ...


def run_query_sync(
    conn: psycopg.Connection[Any],
    query: Query | str,
    params: Mapping[str, Any] | None = None,
    *,
    row: type[Any] | None = None,
) -> Rows[Any]:
    """The synchronous twin of `run_query`, for the CLI and tests."""
    query = _readable(query)
    bound = bound_params(query, params)
    try:
        with read_only_sync(conn):
            missing = missing_requirements_sync(conn, query)
            if missing:
                raise QuerySkipped(query, missing)
            with conn.cursor(row_factory=_row_factory(row)) as cur:
                cur.execute(query.text, bound)
                rows = cur.fetchall() if cur.description else []
                return Rows(rows, _columns(cur))
    except DatabaseError:
        raise
    except Exception as exc:
        raise (_unavailable(query, exc) or translate(exc)) from None
