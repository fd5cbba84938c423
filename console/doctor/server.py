"""The server side: reachability, version, the guide's Appendix B settings, privileges."""

from __future__ import annotations

from typing import Any

import psycopg

from console import queries
from console.core.config import dsn_host
from console.core.db import read_only_sync
from console.doctor.fixes import statement
from console.doctor.report import Check

#: The guide's Appendix B values the console cares about.
GUIDE_MAX_CONNECTIONS = 100
GUIDE_LOG_MIN_DURATION_MS = 1000
#: Appendix B's performance settings: reported for comparison only (they depend on the host).
GUIDE_MEMORY = {
    "shared_buffers": "256MB",
    "effective_cache_size": "1GB",
    "work_mem": "4MB",
    "maintenance_work_mem": "64MB",
}
MIN_SERVER_VERSION = 130000  # gen_random_uuid() built in; what the console is tested on


def rows(conn: psycopg.Connection[Any], query_name: str, /, **params: Any) -> list[dict[str, Any]]:
    query = queries.get(query_name)
    with read_only_sync(conn):
        return conn.execute(query.text, query.bind(params) if query.params else None).fetchall()


def server_checks(server: dict[str, Any], took_ms: float, dsn: str) -> list[Check]:
    where = f"{server['database']} on {dsn_host(dsn)} as {server['role']}"
    checks = [Check("connection", "ok", f"connected to {where} in {took_ms:.0f} ms")]
    version = str(server["server_version"]).split()[0]
    if server["server_version_num"] < MIN_SERVER_VERSION:
        checks.append(
            Check(
                "server_version",
                "warn",
                f"PostgreSQL {version}: older than 13, which the console is tested on",
                "upgrade PostgreSQL (13 or newer)",
            )
        )
    else:
        checks.append(Check("server_version", "ok", f"PostgreSQL {version}"))
    return checks


def settings_checks(
    settings: dict[str, dict[str, Any]],
    in_use: int | None,
    stat_statements: tuple[bool | None, str | None],
) -> list[Check]:
    checks: list[Check] = []
    max_conn = settings.get("max_connections")
    if max_conn:
        limit = int(max_conn["setting"])
        usage = f"; {in_use} client connection(s) in use" if in_use is not None else ""
        if in_use is not None and in_use > 0.8 * limit:
            checks.append(
                Check(
                    "setting:max_connections",
                    "warn",
                    f"{limit}{usage} (over 80 %: the next spike may be refused)",
                    "find idle or leaked sessions (Connections panel), or pool connections",
                )
            )
        elif limit < GUIDE_MAX_CONNECTIONS:
            checks.append(
                Check(
                    "setting:max_connections",
                    "warn",
                    f"{limit}{usage}; the guide's Appendix B uses {GUIDE_MAX_CONNECTIONS}",
                    f"max_connections = {GUIDE_MAX_CONNECTIONS} in postgresql.conf (restart)",
                )
            )
        else:
            checks.append(
                Check(
                    "setting:max_connections",
                    "ok",
                    f"{limit}{usage} (guide: {GUIDE_MAX_CONNECTIONS})",
                )
            )

    loaded, version = stat_statements
    preload_fix = (
        "shared_preload_libraries = 'pg_stat_statements' in postgresql.conf, restart, "
        f"then {statement('fix_create_extension')}"
    )
    if loaded and version:
        checks.append(
            Check("pg_stat_statements", "ok", f"loaded and installed (version {version})")
        )
    elif loaded:
        checks.append(
            Check(
                "pg_stat_statements",
                "warn",
                "preloaded but not installed in this database: slow-query steps are off",
                statement("fix_create_extension"),
            )
        )
    elif loaded is None and not version:
        checks.append(
            Check(
                "pg_stat_statements",
                "warn",
                "not installed here (and this role cannot see shared_preload_libraries)",
                preload_fix,
            )
        )
    else:
        checks.append(
            Check(
                "pg_stat_statements",
                "warn",
                "not loaded (shared_preload_libraries): the guide's slow-query check is off",
                preload_fix,
            )
        )

    log_min = settings.get("log_min_duration_statement")
    if log_min:
        value = int(log_min["setting"])
        fix = statement("fix_log_min_duration", value=GUIDE_LOG_MIN_DURATION_MS)
        if value < 0:
            checks.append(
                Check(
                    "setting:log_min_duration_statement",
                    "warn",
                    f"off (-1): slow statements are not logged (guide: "
                    f"{GUIDE_LOG_MIN_DURATION_MS} ms)",
                    fix,
                )
            )
        elif value == 0:
            checks.append(
                Check(
                    "setting:log_min_duration_statement",
                    "warn",
                    "0: every statement is logged, which costs I/O under load "
                    f"(guide: {GUIDE_LOG_MIN_DURATION_MS} ms)",
                    fix,
                )
            )
        else:
            checks.append(
                Check(
                    "setting:log_min_duration_statement",
                    "ok",
                    f"{value} ms (guide: {GUIDE_LOG_MIN_DURATION_MS} ms)",
                )
            )
    log_statement = settings.get("log_statement")
    if log_statement:
        checks.append(
            Check(
                "setting:log_statement",
                "info",
                f"{log_statement['setting']} (the guide's 'all' is for short debugging "
                "sessions: it logs every statement with its values)",
            )
        )
    memory = [
        f"{name} {settings[name]['shown']} (guide {guide})"
        for name, guide in GUIDE_MEMORY.items()
        if name in settings
    ]
    if memory:
        checks.append(Check("setting:memory", "info", "; ".join(memory)))
    return checks


def privilege_checks(privileges: list[dict[str, Any]], server: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    unreadable = [p["table_name"] for p in privileges if not p["can_select"]]
    if unreadable:
        checks.append(
            Check(
                "privileges",
                "fail",
                f"role {server['role']} cannot read: {', '.join(unreadable)}",
                statement(
                    "fix_grant_select", tables=[(t,) for t in unreadable], role=server["role"]
                ),
            )
        )
    writable = [p["table_name"] for p in privileges if p["can_update"] and p["can_insert"]]
    if not unreadable:
        if writable:
            detail = (
                f"role {server['role']} can read all tables and write {', '.join(writable)}: "
                "recovery actions are possible with --allow-write"
            )
        else:
            detail = (
                f"role {server['role']} is read-only: diagnostics work, recovery actions "
                "will be refused"
            )
        checks.append(Check("privileges", "info", detail))
    if not (server["superuser"] or server["read_all_stats"]):
        checks.append(
            Check(
                "monitoring_role",
                "warn",
                f"role {server['role']} cannot see other sessions' queries in pg_stat_activity",
                statement("fix_grant_monitor", role=server["role"]),
            )
        )
    if not server["state_schema"]:
        checks.append(
            Check(
                "state_schema",
                "info",
                "incident_console schema not created: incidents and the audit log stay local",
                "incident-console init",
            )
        )
    return checks


def stat_statements(
    conn: psycopg.Connection[Any], preload: str | None
) -> tuple[bool | None, str | None]:
    """(loaded?, installed version): loaded is None when this role cannot tell."""
    installed = rows(conn, "doctor/extension", name="pg_stat_statements")
    version = installed[0]["version"] if installed else None
    if preload is not None:
        libraries = [lib.strip().strip('"') for lib in preload.split(",")]
        return "pg_stat_statements" in libraries, version
    if version:  # installed: a probe read tells whether the library is loaded
        try:
            rows(conn, "doctor/pg_stat_statements_probe")
        except psycopg.Error:
            return False, version
        return True, version
    return None, None
