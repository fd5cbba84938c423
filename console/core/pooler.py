"""Is a connection pooler (PgBouncer, Supavisor) between the console and PostgreSQL?

Behind a transaction pooler, session state belongs to whichever server connection the
pooler hands out: SET, prepared statements, session advisory locks and pg_backend_pid()
may be dropped, or leak to another client. The console therefore keeps every guard per
transaction; knowing the pooler only decides what else it may rely on.

How it is told, on the first statement of every connection (`sql/connection/probe.sql`):
- the server's `pg_backend_pid()` against the pid the client was given at start-up
  (BackendKeyData). A pooler hands out its own cancel key (PgBouncer a random one), so the
  two differ behind it and are equal on a direct connection;
- the DSN: Supabase's pooler hosts (`*.pooler.supabase.com`: 6543 transaction, 5432
  session) and port 6543 (Supabase's transaction-pooler port) count as a pooler even if
  the pids agree.
A PgBouncer refuses an unknown startup parameter at connect (`options`); the console
sends none, so that refusal can only come from the DSN and is reported as such.

Which mode (session or transaction) is only known when configured (`pooler = session`)
or when PgBouncer's admin console answers (`SHOW DATABASES`, tried by doctor); otherwise
transaction mode, the strictest, is assumed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

from console.core.sqltext import connection_sql

PoolerSetting = Literal["auto", "none", "transaction", "session"]
PoolMode = Literal["none", "transaction", "session", "statement"]
SETTINGS: tuple[str, ...] = ("auto", "none", "transaction", "session")
SUPABASE_POOLER_SUFFIX = ".pooler.supabase.com"
SUPABASE_TRANSACTION_PORT = 6543


@dataclass(frozen=True)
class Pooler:
    """What answers a console connection: a direct backend (mode "none") or a pooler."""

    mode: PoolMode = "none"
    name: str = ""
    evidence: str = ""
    assumed: bool = False  # the mode is not known: transaction pooling is assumed

    @property
    def pooled(self) -> bool:
        return self.mode != "none"

    def describe(self) -> str:
        """One line for doctor and the status bar."""
        if not self.pooled:
            return f"direct connection ({self.evidence})" if self.evidence else "direct"
        assumed = " (assumed: the mode cannot be read)" if self.assumed else ""
        mode = f"{self.mode} pooling{assumed}"
        return f"{self.name or 'a pooler'}, {mode}: {self.evidence}"


def dsn_endpoint(dsn: str) -> tuple[str, int | None]:
    """(first host, port) of a DSN, as libpq reads it."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(dsn)
    except Exception:
        return "", None
    host = str(params.get("host") or "").split(",")[0]
    port_text = str(params.get("port") or "").split(",")[0]
    port = int(port_text) if port_text.isdigit() else None
    return host, port


def _dsn_hint(dsn: str) -> Pooler | None:
    host, port = dsn_endpoint(dsn)
    if host.endswith(SUPABASE_POOLER_SUFFIX):
        mode: PoolMode = "transaction" if port == SUPABASE_TRANSACTION_PORT else "session"
        return Pooler(mode, "Supavisor", f"{host}:{port or 5432} is Supabase's pooler")
    if port == SUPABASE_TRANSACTION_PORT:
        return Pooler("transaction", "", "port 6543 is Supabase's transaction-pooler port", True)
    return None


def allows_session_guards(setting: str, dsn: str) -> bool:
    """May the probe set session defaults (if it also finds its own backend)? Never when a
    pooler is configured or the DSN points at one."""
    return setting in ("auto", "none") and (setting == "none" or _dsn_hint(dsn) is None)


def detect(setting: str, dsn: str, client_pid: int, server_pid: int) -> Pooler:
    """The pooler for one connection, from the setting, the DSN and the probe's pids."""
    differs = client_pid != server_pid
    pids = (
        f"the server's backend pid ({server_pid}) is not the one the connection was given "
        f"({client_pid})"
    )
    hint = _dsn_hint(dsn)
    if setting in ("transaction", "session"):
        name = hint.name if hint else ""
        seen = f"; {pids}" if differs else ""
        return Pooler(setting, name, f"configured: pooler = {setting}{seen}")  # type: ignore[arg-type]
    if differs:
        against = " (although pooler = none is configured)" if setting == "none" else ""
        if hint:
            return replace(hint, evidence=f"{hint.evidence}; {pids}{against}")
        return Pooler("transaction", "", f"{pids}{against}", assumed=True)
    if hint and setting != "none":
        return hint
    return Pooler("none", "", "the server's backend pid is the one the connection was given")


# --- PgBouncer's admin console (doctor only) ------------------------------------------


def admin_console(dsn: str, database: str, timeout: int = 3) -> Pooler | None:
    """Ask PgBouncer itself (database `pgbouncer`, as the same user) for its version and
    this database's pool_mode; None when there is no admin console or it is refused."""
    import psycopg

    try:
        conn = psycopg.connect(dsn, dbname="pgbouncer", autocommit=True, connect_timeout=timeout)
    except Exception:
        return None
    try:
        with conn:
            version = _admin_rows(conn, "pgbouncer_version")
            databases = _admin_rows(conn, "pgbouncer_databases")
            mode = next((r.get("pool_mode") for r in databases if r.get("name") == database), None)
            if not mode:
                config = _admin_rows(conn, "pgbouncer_config")
                mode = next((r.get("value") for r in config if r.get("key") == "pool_mode"), None)
    except Exception:
        return None
    name = str(version[0].get("version") or "PgBouncer") if version else "PgBouncer"
    if mode not in ("session", "transaction", "statement"):
        return None
    return Pooler(mode, name, "PgBouncer's admin console (SHOW DATABASES) names the mode")


def _admin_rows(conn: Any, name: str) -> list[dict[str, Any]]:
    cur = conn.execute(connection_sql(name))
    columns = [c.name for c in cur.description or ()]
    return [dict(zip(columns, row, strict=False)) for row in cur.fetchall()]


# --- what holds where ----------------------------------------------------------------


@dataclass(frozen=True)
class Guarantee:
    name: str
    holds: bool
    why: str


def guarantees(pooler: Pooler) -> list[Guarantee]:
    """The console's guarantees on this connection, each with whether it holds and why."""
    pooled = pooler.pooled
    transaction = pooler.mode in ("transaction", "statement")
    out = [
        Guarantee("read-only", True, "every read transaction opens READ ONLY (proven by doctor)"),
        Guarantee(
            "timeouts",
            True,
            "statement_timeout, lock_timeout and idle_in_transaction_session_timeout are "
            "SET LOCAL in every transaction",
        ),
        Guarantee(
            "session defaults",
            not pooled,
            "set as a second line on a direct connection"
            if not pooled
            else "not set: a pooler may drop them or hand them to another client",
        ),
        Guarantee(
            "prepared statements",
            True,
            "none are prepared behind a pooler" if pooled else "prepared after 5 uses (direct)",
        ),
        Guarantee(
            "action lock",
            True,
            "a transaction-scoped advisory lock in its own lock session, whose open "
            "transaction any pooler pins to one client",
        ),
        Guarantee(
            "own-backend guard",
            True,
            "pg_backend_pid() is compared inside the same statement that signals"
            if transaction
            else "the console's backend pid is known",
        ),
    ]
    if transaction:
        out.append(
            Guarantee(
                "index build timeout",
                False,
                "the unique-index build (CONCURRENTLY) runs outside any transaction, and a "
                "session SET would leak to other clients: it runs with the role's own timeouts",
            )
        )
        out.append(
            Guarantee(
                "signalled pid",
                True,
                "a pid is a pooler server connection: terminating it ends whichever "
                "client's transaction runs there (the preview shows it)",
            )
        )
    return out
