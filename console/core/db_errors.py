"""The database errors callers see: a few kinds, each one line with a way forward.

`translate` turns a psycopg exception (or an OSError) into one of them, so no caller ever
shows a traceback. A pooler's refusals (a startup parameter it does not know, a prepared
statement another client left on a shared server connection) are named as such.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from console.core.config import mask_dsn

# How each kind's message begins: a panel keeps only the message (Snapshot.panel_errors),
# and `reason_hint` reads the kind back from it to say what to do.
LOCK_WAIT = "gave up waiting for a lock"
LOCK_BUSY = "lock not available"
STATEMENT_TIMEOUT = "query cancelled after the statement timeout"
PERMISSION = "permission denied"
SCHEMA_MISSING = "not in this database"  # SQLSTATE 42P01 / 42703: a table or column
LOCK_HELD = "locked by pid"  # console.metrics.lock_blame: "<table> locked by pid N (…)"
LOCK_QUEUED = "lock queued by pid"
POOLER_PREPARED = "a prepared statement of another client is on this server connection"


class DatabaseError(Exception):
    """A database problem explained in one line, with what to do next."""

    kind = "error"

    def __init_subclass__(cls, kind: str = "", **kwargs: Any) -> None:
        """`class LockTimeout(DatabaseError, kind="lock_timeout")`: the kind on one line."""
        super().__init_subclass__(**kwargs)
        if kind:
            cls.kind = kind

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} — {hint}" if hint else message)


class ConnectionFailed(DatabaseError, kind="unreachable"):
    """The server could not be reached or let us in (host, port, database, role, password)."""


class QueryTimeout(DatabaseError, kind="timeout"):
    """A query was cancelled after the console's statement_timeout."""


class LockTimeout(DatabaseError, kind="lock_timeout"):
    """A statement gave up waiting for a lock that another session holds."""


class PrivilegeError(DatabaseError, kind="privilege"):
    """The role lacks a privilege: a grant on a table, or pg_signal_backend."""


class ReadOnlyError(DatabaseError, kind="read_only"):
    """A write asked of a read-only console: it needs --allow-write."""


class FeatureMissing(DatabaseError, kind="missing"):
    """A table or column is not in this database, or the server lacks a feature."""


class ConnectionLost(DatabaseError, kind="lost"):
    """An open connection was closed under us (server restart, pooler, network)."""


class NoDatabaseConfigured(DatabaseError, kind="unconfigured"):
    """No DSN was given (--dsn, DATABASE_URL or the settings file)."""


_Test = Callable[[str, str], object]
"""A rule's extra condition, given the whole message and its first line: a truthy answer
matches, and a regex match lends its groups ({0}, {1}, …) to the message."""


@dataclass(frozen=True)
class _Rule:
    """One row of the translation table; the first row that fits an exception wins."""

    catches: tuple[type[BaseException], ...]
    error: type[DatabaseError]
    message: str  # a str.format template: {text}, {where}, {exc}, {name} and the groups
    hint: str = ""
    test: _Test | None = None


def _search(pattern: str, *, in_line: bool = False) -> _Test:
    """The rule fits when `pattern` is found in the message (or only its first line)."""
    compiled = re.compile(pattern)
    return lambda full, line: compiled.search(line if in_line else full)


def _line_has(*needles: str) -> _Test:
    """The rule fits when the first line holds every needle (case-insensitive; a needle
    `a|b` holds when either word is there)."""
    return lambda _full, line: all(
        any(word in line.lower() for word in needle.split("|")) for needle in needles
    )


_MISSING = re.compile(r'(database|role) "[^"]*" does not exist')


def _missing(kind: str) -> _Test:
    """The rule fits when the first `… does not exist` the server names is a `kind`."""

    def test(full: str, _line: str) -> re.Match[str] | None:
        found = _MISSING.search(full)
        return found if found and found.group(1) == kind else None

    return test


_SEE_DOCTOR = "see `incident-console doctor`"
_CHECK_DBNAME = "check the database name in --dsn or DATABASE_URL"


@functools.cache
def _rules() -> tuple[_Rule, ...]:
    """The table, built on first use so that importing this module never imports psycopg."""
    import psycopg
    from psycopg import errors as pg

    return (
        _Rule(
            (pg.QueryCanceled,),
            LockTimeout,
            f"{LOCK_WAIT}: {{text}}",
            "another session holds the rows; see the Locks panel for the blocking pid",
            test=lambda full, _line: "lock timeout" in full,
        ),
        _Rule(
            (pg.QueryCanceled,),
            QueryTimeout,
            f"{STATEMENT_TIMEOUT}: {{text}}",
            "the database is slow or a lock is held; retry, or raise statement_timeout_ms",
        ),
        _Rule(
            (pg.LockNotAvailable,),
            LockTimeout,
            f"{LOCK_BUSY}: {{text}}",
            "another session holds the lock; see pg_locks for its pid",
        ),
        _Rule(
            (pg.InsufficientPrivilege,),
            PrivilegeError,
            "the server refused to signal that backend: {text}",
            "the role needs pg_signal_backend (GRANT pg_signal_backend TO <role>); "
            "a superuser's backend can only be signalled by a superuser",
            test=_search(r"to (cancel|terminate) (query|process)", in_line=True),
        ),
        _Rule(
            (pg.InsufficientPrivilege,),
            PrivilegeError,
            f"{PERMISSION}: {{text}}",
            "grant the role access, or use a role that has it",
        ),
        _Rule(
            (pg.ReadOnlySqlTransaction,),
            ReadOnlyError,
            "the console is read-only: this needs a write",
            "restart with --allow-write to run recovery actions",
        ),
        _Rule(
            (pg.UndefinedTable, pg.UndefinedColumn),
            FeatureMissing,
            f"{SCHEMA_MISSING}: {{text}}",
            _SEE_DOCTOR,
        ),
        _Rule(
            (pg.UndefinedObject, pg.FeatureNotSupported),
            FeatureMissing,
            "not available here: {text}",
            _SEE_DOCTOR,
        ),
        _Rule(
            (pg.DuplicatePreparedStatement,),
            DatabaseError,
            f"{POOLER_PREPARED}: {{text}}",
            "a transaction pooler is in front of the server: set pooler = transaction "
            "(INCIDENT_CONSOLE_POOLER) so the console prepares nothing",
        ),
        _Rule(
            (pg.InvalidCatalogName,),
            ConnectionFailed,
            "database does not exist{where}",
            _CHECK_DBNAME,
        ),
        _Rule(
            (pg.InvalidPassword, pg.InvalidAuthorizationSpecification),
            ConnectionFailed,
            "authentication failed{where}",
            "check the user and password in the DSN",
        ),
        _Rule(
            (psycopg.OperationalError,),
            ConnectionFailed,
            "the pooler{where} refused the startup parameter {1}",
            "the console sends none of its own: remove it from the DSN (for options=, "
            "set search_path with ALTER ROLE … SET search_path instead), or list it in "
            "ignore_startup_parameters in pgbouncer.ini",
            test=_search(r"unsupported startup parameter(?: in options)?: ?(\S+)"),
        ),
        _Rule(
            (psycopg.OperationalError,),
            ConnectionFailed,
            "{0}{where}",
            _CHECK_DBNAME,
            test=_missing("database"),
        ),
        _Rule(
            (psycopg.OperationalError,),
            ConnectionFailed,
            "{0}{where}",
            "check the user name in the DSN",
            test=_missing("role"),
        ),
        _Rule(
            (psycopg.OperationalError,),
            ConnectionLost,
            "connection to the database was lost{where}",
            "reconnecting; retry the step",
            test=_line_has("connection", "closed|lost"),
        ),
        _Rule(
            (psycopg.OperationalError,),
            ConnectionFailed,
            "cannot reach the database{where}: {text}",
            "check the host and port, that the server is up, and --dsn / DATABASE_URL",
        ),
        _Rule(
            (psycopg.ProgrammingError,),
            ConnectionFailed,
            "the DSN is not valid: {text}",
            "use postgresql://user@host:port/dbname",
            test=_line_has("invalid dsn"),
        ),
        _Rule((psycopg.Error,), DatabaseError, "database error: {text}"),
        _Rule((OSError,), ConnectionFailed, "cannot reach the database{where}: {exc}"),
        _Rule((BaseException,), DatabaseError, "{name}: {text}"),
    )


def translate(exc: BaseException, dsn: str | None = None) -> DatabaseError:
    """Turn a psycopg error into one clear DatabaseError line: the first rule that fits."""
    if isinstance(exc, DatabaseError):
        return exc
    full = str(exc)
    text = full.strip().splitlines()[0] if full.strip() else type(exc).__name__
    fields = {
        "text": text,
        "where": f" at {mask_dsn(dsn)}" if dsn else "",
        "exc": full,
        "name": type(exc).__name__,
    }
    for rule in _rules():
        if not isinstance(exc, rule.catches):
            continue
        fit = rule.test(full, text) if rule.test else True
        if fit:
            groups = (fit.group(0), *fit.groups()) if isinstance(fit, re.Match) else ()
            return rule.error(rule.message.format(*groups, **fields), rule.hint)
    raise AssertionError("unreachable: the last rule catches every exception")


def reason_hint(reason: str) -> str:
    """The way forward for a failed query's one-line reason (a translated message): the
    schema contract is blamed only for a table or column that really is missing."""
    if reason.startswith((LOCK_WAIT, LOCK_BUSY)) or LOCK_HELD in reason or LOCK_QUEUED in reason:
        holder = re.search(r"(?:locked|queued) by pid (\d+)", reason)
        pid = holder.group(1) if holder else "pid"
        return (
            "another session holds a lock on the table: wait for it, or end that session "
            f"(SELECT pg_terminate_backend({pid})) if it is safe to"
        )
    if reason.startswith(STATEMENT_TIMEOUT):
        return "the database is slow or a lock is held; retry, or raise statement_timeout_ms"
    if reason.startswith(PERMISSION):
        return "grant the console's role SELECT on it (incident-console doctor shows the GRANT)"
    if reason.startswith(SCHEMA_MISSING):
        return "this database does not follow the schema contract; run incident-console doctor"
    if reason.startswith(POOLER_PREPARED):
        return (
            "a transaction pooler is in front of the server: "
            "set pooler = transaction (INCIDENT_CONSOLE_POOLER)"
        )
    return "retry; incident-console doctor checks the connection, role and schema"
