"""`incident-console doctor`: can the console work against this database, and what to fix.

Doctor is what an operator runs before trusting the dashboard: configuration, whether the
server answers, the schema contract (tables, columns, id types), the indexes the console's
queries rely on, the guide's Appendix B server settings, what the role may do, and the
webhook secret's shape. Each check says ok / warn / fail (or info), one line why, and a
fix when there is one (a `CREATE INDEX CONCURRENTLY …`, a setting, a grant).

It only reads: on the console's read-only connection, privileges are asked of
`has_table_privilege`, never tried. Secrets are shown masked.

Exit codes: 0 when nothing failed (warnings and info included), 2 when a check failed,
1 when doctor cannot run at all (broken configuration, no database configured, database
unreachable) -- then one clear line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg

from console import queries
from console.config import ConfigError, Secret, Settings, dsn_host, load_settings, mask_dsn
from console.db import DatabaseError, SessionLimits, connect_sync, read_only_sync, translate
from console.schema_contract import RECOMMENDED_INDEXES, TABLES, RecommendedIndex

Status = Literal["ok", "warn", "fail", "info"]

EXIT_OK = 0
EXIT_CANNOT_RUN = 1
EXIT_FAILED = 2

#: The guide's Appendix B values the console cares about.
GUIDE_MAX_CONNECTIONS = 100
GUIDE_LOG_MIN_DURATION_MS = 1000
MIN_SERVER_VERSION = 130000  # gen_random_uuid() built in; what the console is tested on
#: Stripe signing secrets are `whsec_` + at least 32 characters (CLI ones are longer).
#: The guide says "64+ characters"; Dashboard secrets are shorter, so that is not enforced.
WEBHOOK_SECRET_MIN_LENGTH = len("whsec_") + 32


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    status: Status
    detail: str
    fix: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}


@dataclass(frozen=True)
class DoctorReport:
    """All checks, plus what was learnt about the server on the way."""

    checks: tuple[Check, ...]
    database: str = ""
    server_version: str | None = None
    id_types: dict[str, str] = field(default_factory=dict)
    reachable: bool = False

    @property
    def ok(self) -> bool:
        return not any(c.status == "fail" for c in self.checks)

    @property
    def exit_code(self) -> int:
        if any(c.name in ("config", "connection") and c.status == "fail" for c in self.checks):
            return EXIT_CANNOT_RUN
        return EXIT_OK if self.ok else EXIT_FAILED

    def by_name(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def as_dict(self) -> dict[str, Any]:
        counts = {s: sum(c.status == s for c in self.checks) for s in ("ok", "warn", "fail")}
        return {
            "ok": self.ok,
            "exit_code": self.exit_code,
            "database": self.database,
            "server_version": self.server_version,
            "id_types": dict(self.id_types),
            "summary": counts,
            "checks": [c.as_dict() for c in self.checks],
        }


# --- checks that need no database ---------------------------------------------------


def check_webhook_secrets(settings: Settings) -> list[Check]:
    """Presence and shape of the signing secret(s); the value is only ever shown masked."""
    secrets = settings.webhook_secrets()
    if not secrets:
        return [
            Check(
                "webhook_secret",
                "warn",
                "STRIPE_WEBHOOK_SECRET is not set: signature checks cannot run",
                "export STRIPE_WEBHOOK_SECRET=whsec_… (Stripe Dashboard -> Developers -> "
                "Webhooks -> your endpoint -> Signing secret)",
            )
        ]
    return [_secret_shape(secret, n) for n, secret in enumerate(secrets)]


def _secret_shape(secret: Secret, n: int) -> Check:
    name = "webhook_secret" if n == 0 else f"webhook_secret_{n + 1}"
    value = secret.reveal()
    shown = secret.masked
    fix = "copy the endpoint's Signing secret again from the Stripe Dashboard"
    if value.startswith(("sk_", "rk_", "pk_")):
        return Check(name, "fail", f"{shown} is an API key, not a signing secret", fix)
    if not value.startswith("whsec_"):
        return Check(name, "fail", f"{shown} does not start with whsec_", fix)
    if re.search(r"[\s'\"]", value):
        return Check(name, "fail", f"{shown} contains spaces or quotes (a copy-paste slip?)", fix)
    if not re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", value):
        return Check(name, "fail", f"{shown} contains characters Stripe never uses", fix)
    if len(value) < WEBHOOK_SECRET_MIN_LENGTH:
        return Check(
            name, "warn", f"{shown} is {len(value)} characters, shorter than Stripe's", fix
        )
    return Check(name, "ok", f"{shown} ({len(value)} characters, whsec_ format)")


# --- checks against the database -----------------------------------------------------


def _rows(conn: psycopg.Connection[Any], query_name: str, /, **params: Any) -> list[dict[str, Any]]:
    query = queries.get(query_name)
    with read_only_sync(conn):
        return conn.execute(query.text, query.bind(params) if query.params else None).fetchall()


def _server_check(server: dict[str, Any], took_ms: float, dsn: str) -> list[Check]:
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


def _id_class(data_type: str) -> str:
    if data_type in ("bigint", "integer", "smallint"):
        return "bigint" if data_type == "bigint" else f"other ({data_type})"
    return "uuid" if data_type == "uuid" else f"other ({data_type})"


def _schema_checks(columns: list[dict[str, Any]]) -> tuple[list[Check], dict[str, str]]:
    """Required tables/columns present; optional ones reported; id types consistent."""
    found: dict[str, dict[str, str]] = {}
    qualified: dict[str, str] = {}
    for row in columns:
        found.setdefault(row["table_name"], {})[row["column_name"]] = row["data_type"]
        qualified[row["table_name"]] = row["qualified_name"]
    checks: list[Check] = []
    for table in TABLES:
        cols = found.get(table.name)
        name = f"table:{table.name}"
        if cols is None:
            if table.optional:
                checks.append(
                    Check(
                        name,
                        "info",
                        "absent (optional): the notification-failure detector is off",
                        "create it to watch notification delivery (sql/schema/notifications.sql)",
                    )
                )
            else:
                checks.append(
                    Check(
                        name,
                        "fail",
                        "missing: not found on the search_path",
                        "check the database name and search_path in the DSN "
                        "(e.g. ?options=-csearch_path=app), or create the guide's table",
                    )
                )
            continue
        missing = [c for c in table.columns if c not in cols]
        if missing:
            checks.append(
                Check(
                    name,
                    "warn" if table.optional else "fail",
                    f"{qualified[table.name]} lacks column(s): {', '.join(missing)}",
                    "add the column(s) the guide's queries use, or point at the right schema",
                )
            )
        else:
            checks.append(
                Check(name, "ok", f"{qualified[table.name]}: all {len(table.columns)} columns")
            )

    id_types: dict[str, str] = {}
    for table in TABLES:
        for column in table.id_columns:
            data_type = found.get(table.name, {}).get(column)
            if data_type:
                id_types[f"{table.name}.{column}"] = data_type
    checks.append(_id_type_check(id_types))
    return checks, id_types


def _id_type_check(id_types: dict[str, str]) -> Check:
    order_id = id_types.get("orders.id")
    if order_id is None:
        return Check("id_types", "fail", "orders.id not found: ids cannot be checked")
    mismatched = [k for k, v in id_types.items() if k.endswith(".order_id") and v != order_id]
    if mismatched:
        return Check(
            "id_types",
            "fail",
            f"order references differ from orders.id ({order_id}): "
            + ", ".join(f"{k} is {id_types[k]}" for k in mismatched),
            "make every order_id the same type as orders.id (ALTER TABLE … ALTER COLUMN "
            "order_id TYPE …), or joins from events to orders cannot use their indexes",
        )
    kind = _id_class(order_id)
    status: Status = "ok" if kind in ("bigint", "uuid") else "warn"
    detail = f"{kind} ids; every order_id has the type of orders.id ({order_id})"
    return Check("id_types", status, detail)


def _normalise_predicate(text: str | None) -> str:
    return re.sub(r"[\s()]+", "", (text or "").lower())


def _index_checks(indexes: list[dict[str, Any]], present_tables: set[str]) -> list[Check]:
    """Each recommended index: matched by table + leading columns + predicate."""
    checks: list[Check] = []
    for wanted in RECOMMENDED_INDEXES:
        if wanted.table not in present_tables:
            continue
        name = f"index:{wanted.name}"
        matches = [ix for ix in indexes if _serves(ix, wanted)]
        valid = [ix for ix in matches if ix["valid"]]
        if valid:
            checks.append(
                Check(name, "ok", f"{_describe(wanted)}: served by {valid[0]['index_name']}")
            )
        elif matches:
            bad = matches[0]["index_name"]
            checks.append(
                Check(
                    name,
                    "warn",
                    f"{_describe(wanted)}: {bad} exists but is INVALID (a failed concurrent build)",
                    f"DROP INDEX CONCURRENTLY {bad}; {wanted.create_statement()}",
                )
            )
        else:
            checks.append(
                Check(
                    name,
                    "warn",
                    f"missing {_describe(wanted)}: {wanted.why}",
                    wanted.create_statement(concurrently=True),
                )
            )
    return checks


def _serves(index: dict[str, Any], wanted: RecommendedIndex) -> bool:
    columns = list(index["columns"] or [])
    return (
        index["table_name"] == wanted.table
        and index["method"] == "btree"
        and columns[: len(wanted.columns)] == list(wanted.columns)
        and _normalise_predicate(index["predicate"]) == _normalise_predicate(wanted.where)
    )


def _describe(wanted: RecommendedIndex) -> str:
    where = f" WHERE {wanted.where}" if wanted.where else ""
    return f"{wanted.table} ({', '.join(wanted.columns)}){where}"


def _settings_checks(
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
        "then CREATE EXTENSION pg_stat_statements;"
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
                "CREATE EXTENSION pg_stat_statements;",
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
        fix = (
            f"ALTER SYSTEM SET log_min_duration_statement = {GUIDE_LOG_MIN_DURATION_MS}; "
            "SELECT pg_reload_conf();"
        )
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
    return checks


def _privilege_checks(privileges: list[dict[str, Any]], server: dict[str, Any]) -> list[Check]:
    checks: list[Check] = []
    unreadable = [p["table_name"] for p in privileges if not p["can_select"]]
    if unreadable:
        checks.append(
            Check(
                "privileges",
                "fail",
                f"role {server['role']} cannot read: {', '.join(unreadable)}",
                f"GRANT SELECT ON {', '.join(unreadable)} TO {server['role']};",
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
                f"GRANT pg_monitor TO {server['role']};",
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


def _stat_statements(
    conn: psycopg.Connection[Any], preload: str | None
) -> tuple[bool | None, str | None]:
    """(loaded?, installed version): loaded is None when this role cannot tell."""
    rows = _rows(conn, "doctor/extension", name="pg_stat_statements")
    version = rows[0]["version"] if rows else None
    if preload is not None:
        libraries = [lib.strip().strip('"') for lib in preload.split(",")]
        return "pg_stat_statements" in libraries, version
    if version:  # installed: a probe read tells whether the library is loaded
        try:
            _rows(conn, "doctor/pg_stat_statements_probe")
        except psycopg.Error:
            return False, version
        return True, version
    return None, None


def run_doctor(settings: Settings) -> DoctorReport:
    """All checks for these settings. Raises nothing for database trouble: it is reported."""
    checks: list[Check] = [Check("config", "ok", _config_source(settings))]
    checks.extend(check_webhook_secrets(settings))
    dsn = settings.database_url
    if not dsn:
        checks.insert(
            1,
            Check(
                "connection",
                "fail",
                "no database configured",
                "pass --dsn postgresql://… or set DATABASE_URL",
            ),
        )
        return DoctorReport(tuple(checks))
    started = time.perf_counter()
    try:
        conn = connect_sync(dsn, limits=SessionLimits.from_settings(settings), role="doctor")
    except DatabaseError as exc:
        checks.insert(1, Check("connection", "fail", exc.message, exc.hint))
        return DoctorReport(tuple(checks), database=mask_dsn(dsn))
    took_ms = (time.perf_counter() - started) * 1000
    try:
        with conn:
            return _database_report(conn, checks, dsn, took_ms)
    except psycopg.Error as exc:
        error = translate(exc, dsn)
        checks.append(Check("database", "fail", error.message, error.hint))
        return DoctorReport(tuple(checks), database=mask_dsn(dsn), reachable=True)


def _database_report(
    conn: psycopg.Connection[Any], checks: list[Check], dsn: str, took_ms: float
) -> DoctorReport:
    tables = [t.name for t in TABLES]
    server = _rows(conn, "doctor/server")[0]
    db_checks = _server_check(server, took_ms, dsn)
    columns = _rows(conn, "doctor/columns", tables=tables)
    schema_checks, id_types = _schema_checks(columns)
    db_checks += schema_checks
    present = {row["table_name"] for row in columns}
    db_checks += _index_checks(_rows(conn, "doctor/indexes", tables=tables), present)
    names = [
        "max_connections",
        "log_min_duration_statement",
        "log_statement",
        "shared_preload_libraries",
    ]
    visible = {row["name"]: row for row in _rows(conn, "doctor/settings", names=names)}
    preload = visible.get("shared_preload_libraries", {}).get("setting")
    in_use = _rows(conn, "doctor/connections")[0]["in_use"]
    db_checks += _settings_checks(visible, in_use, _stat_statements(conn, preload))
    db_checks += _privilege_checks(_rows(conn, "doctor/privileges", tables=tables), server)
    # config and the secret first, then the database in the order an operator fixes things
    ordered = checks[:1] + db_checks + checks[1:]
    return DoctorReport(
        tuple(ordered),
        database=mask_dsn(dsn),
        server_version=str(server["server_version"]).split()[0],
        id_types=id_types,
        reachable=True,
    )


def _config_source(settings: Settings) -> str:
    source = f"file {settings.config_file}" if settings.config_file else "no config file"
    return f"settings valid ({source}; environment and flags applied)"


# --- the command ---------------------------------------------------------------------


def config_failure(exc: ConfigError) -> DoctorReport:
    """The report when settings cannot even be loaded."""
    fix = f"fix {exc.setting}" + (f" in {exc.source}" if exc.source else "")
    return DoctorReport((Check("config", "fail", str(exc), fix),))


_MARK = {"ok": "ok", "warn": "WARN", "fail": "FAIL", "info": "info"}


def render(report: DoctorReport) -> str:
    """The human report: one row per check (status, name, detail), the fix indented below.

    Plain words rather than colour (WARN, FAIL in capitals) so it reads the same with
    NO_COLOR, in a log, or over a slow SSH link; long names push the detail to its own line.
    """
    head = "incident-console doctor"
    if report.database:
        head += f" — {report.database}"
    if report.server_version:
        head += f" (PostgreSQL {report.server_version})"
    width = 24
    indent = " " * (2 + 4 + 2)
    lines = [head]
    for check in report.checks:
        mark = f"  {_MARK[check.status]:<4}  "
        if len(check.name) <= width:
            lines.append(f"{mark}{check.name:<{width}}  {check.detail}")
        else:
            lines.append(f"{mark}{check.name}")
            lines.append(f"{indent}{'':<{width}}  {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"{indent}{'':<{width}}  fix: {check.fix}")
    counts = report.as_dict()["summary"]
    verdict = "nothing failed" if report.ok else "some checks FAILED"
    lines.append(
        f"{verdict}: {counts['ok']} ok, {counts['warn']} warning(s), {counts['fail']} failure(s)"
    )
    return "\n".join(lines)


def _one_line(report: DoctorReport) -> str:
    for check in report.checks:
        if check.status == "fail":
            if check.name == "config":
                return f"incident-console: config error: {check.detail}"
            hint = f" — {check.fix}" if check.fix else ""
            return f"incident-console: {check.detail}{hint}"
    return "incident-console: doctor could not run"


def doctor_command(
    args: argparse.Namespace,
    *,
    out: Callable[[str], None] | None = None,
    err: Callable[[str], None] | None = None,
) -> int:
    """`incident-console doctor [--dsn DSN] [--config FILE] [--json]`."""
    write_out = out or (lambda text: print(text, file=sys.stdout))
    write_err = err or (lambda text: print(text, file=sys.stderr))
    try:
        settings = load_settings(
            config_file=getattr(args, "config", None),
            overrides={"database_url": getattr(args, "dsn", None)},
        )
    except ConfigError as exc:
        report = config_failure(exc)
    else:
        report = run_doctor(settings)
    if getattr(args, "json", False):
        write_out(json.dumps(report.as_dict(), indent=2))
    if report.exit_code == EXIT_CANNOT_RUN:
        write_err(_one_line(report))
    elif not getattr(args, "json", False):
        write_out(render(report))
    return report.exit_code


def statuses(checks: Iterable[Check]) -> dict[str, Status]:
    """name -> status, for tests and callers that only need the verdicts."""
    return {c.name: c.status for c in checks}
