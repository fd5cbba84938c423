"""The database errors callers see: a few kinds, each one line with a way forward.

`translate` turns a psycopg exception (or an OSError) into one of them, so no caller ever
shows a traceback. A pooler's refusals (a startup parameter it does not know, a prepared
statement another client left on a shared server connection) are named as such.
"""

from __future__ import annotations

import re

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

    def __init__(self, message: str, hint: str = "") -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} — {hint}" if hint else message)


class ConnectionFailed(DatabaseError):
    kind = "unreachable"


class QueryTimeout(DatabaseError):
    kind = "timeout"


class LockTimeout(DatabaseError):
    kind = "lock_timeout"


class PrivilegeError(DatabaseError):
    kind = "privilege"


class ReadOnlyError(DatabaseError):
    kind = "read_only"


class FeatureMissing(DatabaseError):
    kind = "missing"


class ConnectionLost(DatabaseError):
    kind = "lost"


class NoDatabaseConfigured(DatabaseError):
    kind = "unconfigured"


def translate(exc: BaseException, dsn: str | None = None) -> DatabaseError:
    """Turn a psycopg error into one clear DatabaseError line."""
    if isinstance(exc, DatabaseError):
        return exc
    import psycopg
    from psycopg import errors as pg_errors

    where = f" at {mask_dsn(dsn)}" if dsn else ""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, pg_errors.QueryCanceled):
        if "lock timeout" in str(exc):
            return LockTimeout(
                f"{LOCK_WAIT}: {text}",
                "another session holds the rows; see the Locks panel for the blocking pid",
            )
        return QueryTimeout(
            f"{STATEMENT_TIMEOUT}: {text}",
            "the database is slow or a lock is held; retry, or raise statement_timeout_ms",
        )
    if isinstance(exc, pg_errors.LockNotAvailable):
        return LockTimeout(
            f"{LOCK_BUSY}: {text}", "another session holds the lock; see pg_locks for its pid"
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege) and re.search(
        r"to (cancel|terminate) (query|process)", text
    ):
        return PrivilegeError(
            f"the server refused to signal that backend: {text}",
            "the role needs pg_signal_backend (GRANT pg_signal_backend TO <role>); "
            "a superuser's backend can only be signalled by a superuser",
        )
    if isinstance(exc, pg_errors.InsufficientPrivilege):
        return PrivilegeError(
            f"{PERMISSION}: {text}", "grant the role access, or use a role that has it"
        )
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return ReadOnlyError(
            "the console is read-only: this needs a write",
            "restart with --allow-write to run recovery actions",
        )
    if isinstance(exc, pg_errors.UndefinedTable | pg_errors.UndefinedColumn):
        return FeatureMissing(f"{SCHEMA_MISSING}: {text}", "see `incident-console doctor`")
    if isinstance(exc, pg_errors.UndefinedObject | pg_errors.FeatureNotSupported):
        return FeatureMissing(f"not available here: {text}", "see `incident-console doctor`")
    if isinstance(exc, pg_errors.DuplicatePreparedStatement):
        return DatabaseError(
            f"{POOLER_PREPARED}: {text}",
            "a transaction pooler is in front of the server: set pooler = transaction "
            "(INCIDENT_CONSOLE_POOLER) so the console prepares nothing",
        )
    if isinstance(exc, pg_errors.InvalidCatalogName):
        return ConnectionFailed(
            f"database does not exist{where}", "check the database name in --dsn or DATABASE_URL"
        )
    if isinstance(exc, pg_errors.InvalidPassword | pg_errors.InvalidAuthorizationSpecification):
        return ConnectionFailed(
            f"authentication failed{where}", "check the user and password in the DSN"
        )
    if isinstance(exc, psycopg.OperationalError):
        refused = re.search(r"unsupported startup parameter(?: in options)?: ?(\S+)", str(exc))
        if refused:
            return ConnectionFailed(
                f"the pooler{where} refused the startup parameter {refused.group(1)}",
                "the console sends none of its own: remove it from the DSN (for options=, "
                "set search_path with ALTER ROLE … SET search_path instead), or list it in "
                "ignore_startup_parameters in pgbouncer.ini",
            )
        missing = re.search(r'(database|role) "[^"]*" does not exist', str(exc))
        if missing and missing.group(1) == "database":
            return ConnectionFailed(
                f"{missing.group(0)}{where}",
                "check the database name in --dsn or DATABASE_URL",
            )
        if missing:
            return ConnectionFailed(f"{missing.group(0)}{where}", "check the user name in the DSN")
        if "connection" in text.lower() and ("closed" in text.lower() or "lost" in text.lower()):
            return ConnectionLost(
                f"connection to the database was lost{where}", "reconnecting; retry the step"
            )
        return ConnectionFailed(
            f"cannot reach the database{where}: {text}",
            "check the host and port, that the server is up, and --dsn / DATABASE_URL",
        )
    if isinstance(exc, psycopg.ProgrammingError) and "invalid dsn" in text.lower():
        return ConnectionFailed(
            f"the DSN is not valid: {text}", "use postgresql://user@host:port/dbname"
        )
    if isinstance(exc, psycopg.Error):
        return DatabaseError(f"database error: {text}")
    if isinstance(exc, OSError):
        return ConnectionFailed(f"cannot reach the database{where}: {exc}")
    return DatabaseError(f"{type(exc).__name__}: {text}")


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
