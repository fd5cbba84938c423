"""Where the console keeps its own state: the `incident_console` schema and a local directory.

The schema lives in the state database (by default the monitored one) so that several
operators on several machines share incidents and the audit log. The local directory
(`$XDG_STATE_HOME/incident-console`, else `~/.local/state/incident-console`) holds the
JSONL copy of the audit log and the fallback timeline used when the database cannot be
written: an incident must never lose what was done just because the database is down.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from console.core.db import connect_sync
from console.core.jsonable import dumps
from console.core.paths import sql_dir
from console.core.private_files import open_private, private_dir

SCHEMA = "incident_console"


class InputError(ValueError):
    """Text an operator typed that cannot be stored; one line saying what to change."""


STATE_TABLES = ("incidents", "timeline", "audit_log")
# The columns of `incidents`, in the table's order: the incident model's fields, and what
# a recording keeps of an incident.
INCIDENT_COLUMNS = (
    "id",
    "title",
    "severity",
    "commander",
    "opened_by",
    "opened_at",
    "closed_at",
    "closed_by",
    "summary",
    "finding_id",
    "issue_type",
)


def state_sql(text: str, **parts: sql.Composable) -> sql.Composed:
    """SQL whose `{incidents}`, `{timeline}`, `{audit_log}` become schema-qualified
    identifiers (through psycopg.sql, never string formatting); values stay placeholders."""
    tables = {t: sql.Identifier(SCHEMA, t) for t in STATE_TABLES}
    return sql.SQL(text).format(**tables, **parts)  # type: ignore[arg-type]


def default_state_dir() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path("~/.local/state").expanduser())
    return Path(base) / "incident-console"


def check_text(value: str, field: str, *, max_length: int = 20_000) -> str:
    """Refuse text PostgreSQL cannot store (NUL) or that is absurdly long, before any write."""
    if not isinstance(value, str):
        raise InputError(f"{field} must be text")
    if "\x00" in value:
        raise InputError(f"{field} contains a NUL character (\\0); remove it and try again")
    if len(value) > max_length:
        raise InputError(f"{field} is longer than {max_length} characters")
    return value


# console_state_live.sql adds live sharing (sequence, notifications, presence, roles, claims,
# approvals) on top of the base tables; both are idempotent and run in one transaction.
SCHEMA_FILES = ("console_state", "console_state_live")


def schema_sql(name: str = "console_state") -> str:
    return (sql_dir() / "schema" / f"{name}.sql").read_text(encoding="utf-8")


def ensure_schema(conn: psycopg.Connection[Any]) -> None:
    """Create the console's state schema if missing (idempotent; safe to run twice at once:
    the file takes an advisory lock first, in the same transaction)."""
    with conn.transaction():
        for name in SCHEMA_FILES:
            conn.execute(schema_sql(name))  # type: ignore[arg-type]


def init_state(dsn: str | None) -> None:
    """Connect to the state database and create (or confirm) the state schema."""
    with connect_sync(dsn, allow_write=True, role="init") as conn:
        ensure_schema(conn)


def to_json(data: Mapping[str, Any]) -> str:
    return dumps(data)


@contextmanager
def jsonl_lock(path: Path) -> Iterator[None]:
    """Hold `<path>.lock` exclusively: appends wait while a push reads, writes and moves the
    file away, so a line appended during a push is neither lost nor pushed twice."""
    private_dir(path.parent, own=True)
    with open_private(path.with_name(path.name + ".lock"), append=True) as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def append_jsonl(path: Path, record: Mapping[str, Any]) -> None:
    """Append one line and fsync it: the local log is what survives a dead database.
    The file is the console's own, 0600 in a 0700 folder (a shared bastion's neighbours
    must not read the audit log or the incident's notes)."""
    line = to_json(record) + "\n"
    with jsonl_lock(path), open_private(path, append=True) as handle:
        handle.write(line.encode("utf-8"))
        handle.flush()
        os.fsync(handle.fileno())


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Every readable record; a torn last line (crash mid-write) is skipped, not fatal."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return
    for line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict):
            yield record
