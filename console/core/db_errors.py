"""The database errors callers see: a few kinds, each one line with a way forward.

`translate` turns a psycopg exception (or an OSError) into one of them, so no caller ever
shows a traceback. A pooler's refusals (a startup parameter it does not know, a prepared
statement another client left on a shared server connection) are named as such.
"""

from __future__ import annotations

import re

from console.core.config import mask_dsn


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
                f"gave up waiting for a lock: {text}",
                "another session holds the rows; see the Locks panel for the blocking pid",
            )
        return QueryTimeout(
            f"query cancelled after the statement timeout: {text}",
            "the database is slow or a lock is held; retry, or raise statement_timeout_ms",
        )
    if isinstance(exc, pg_errors.LockNotAvailable):
        return LockTimeout(f"lock not available: {text}", "another session holds the rows")
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
            f"permission denied: {text}", "grant the role access, or use a role that has it"
        )
    if isinstance(exc, pg_errors.ReadOnlySqlTransaction):
        return ReadOnlyError(
            "the console is read-only: this needs a write",
            "restart with --allow-write to run recovery actions",
        )
    if isinstance(exc, pg_errors.UndefinedTable | pg_errors.UndefinedColumn):
        return FeatureMissing(f"not in this database: {text}", "see `incident-console doctor`")
    if isinstance(exc, pg_errors.UndefinedObject | pg_errors.FeatureNotSupported):
        return FeatureMissing(f"not available here: {text}", "see `incident-console doctor`")
    if isinstance(exc, pg_errors.DuplicatePreparedStatement):
        return DatabaseError(
            f"a prepared statement of another client is on this server connection: {text}",
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
