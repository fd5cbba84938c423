"""Running doctor: the checks in order, and the `incident-console doctor` command."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg

from console.core.config import ConfigError, Settings, load_settings, mask_dsn
from console.core.db import DatabaseError, SessionLimits, connect_sync, translate
from console.core.schema_contract import TABLES
from console.doctor.guards import guard_checks, startup_option_names, startup_options_check
from console.doctor.local_files import check_local_files
from console.doctor.report import EXIT_CANNOT_RUN, Check, DoctorReport, render
from console.doctor.role import role_checks
from console.doctor.schema import index_checks, schema_checks
from console.doctor.secrets import check_webhook_secrets
from console.doctor.server import (
    GUIDE_MEMORY,
    privilege_checks,
    rows,
    server_checks,
    settings_checks,
    stat_statements,
)
from console.doctor.state_schema import state_schema_check
from console.doctor.wild import wild_checks


def run_doctor(settings: Settings) -> DoctorReport:
    """All checks for these settings. Raises nothing for database trouble: it is reported.
    The local files are checked whatever the database says (they matter most when it is down)."""
    report = _run_doctor(settings)
    return replace(report, checks=(*report.checks, check_local_files(settings)))


def _run_doctor(settings: Settings) -> DoctorReport:
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
        limits = SessionLimits.from_settings(settings)
        conn = connect_sync(dsn, limits=limits, role="doctor")
    except DatabaseError as exc:
        checks.insert(1, Check("connection", "fail", exc.message, exc.hint))
        return DoctorReport(tuple(checks), database=mask_dsn(dsn))
    took_ms = (time.perf_counter() - started) * 1000
    try:
        with conn:
            return _database_report(conn, checks, dsn, took_ms, limits)
    except psycopg.Error as exc:
        error = translate(exc, dsn)
        checks.append(Check("database", "fail", error.message, error.hint))
        return DoctorReport(tuple(checks), database=mask_dsn(dsn), reachable=True)


def _database_report(
    conn: psycopg.Connection[Any],
    checks: list[Check],
    dsn: str,
    took_ms: float,
    limits: SessionLimits,
) -> DoctorReport:
    tables = [t.name for t in TABLES]
    server = rows(conn, "doctor/server")[0]
    db_checks = server_checks(server, took_ms, dsn)
    db_checks += guard_checks(conn, dsn, str(server["database"]), limits)[0]
    asked = startup_option_names(dsn)
    if asked:
        applied = {
            r["name"]: r["value"] for r in rows(conn, "doctor/current_settings", names=asked)
        }
        option_check = startup_options_check(dsn, applied)
        if option_check:
            db_checks.append(option_check)
    columns = rows(conn, "doctor/columns", tables=tables)
    contract_checks, id_types = schema_checks(columns)
    db_checks += contract_checks
    present = {row["table_name"] for row in columns}
    db_checks += index_checks(rows(conn, "live/index_check", tables=tables), present)
    names = [
        "max_connections",
        "log_min_duration_statement",
        "log_statement",
        "shared_preload_libraries",
        *GUIDE_MEMORY,
    ]
    visible = {row["name"]: row for row in rows(conn, "doctor/settings", names=names)}
    preload = visible.get("shared_preload_libraries", {}).get("setting")
    in_use = rows(conn, "doctor/connections")[0]["in_use"]
    db_checks += settings_checks(visible, in_use, stat_statements(conn, preload))
    privileges = rows(conn, "doctor/privileges", tables=tables)
    db_checks += privilege_checks(privileges, server)
    role = {**rows(conn, "doctor/role")[0], "database": server["database"]}
    db_checks += role_checks(role, privileges)
    db_checks.append(state_schema_check(rows(conn, "doctor/state_schema")[0]))
    db_checks += wild_checks(columns, str(role["time_zone"]), str(server["database"]))
    # config first, then the database in the order an operator fixes things, secrets last
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


def _one_line(report: DoctorReport) -> str:
    for check in report.checks:
        if check.status == "fail":
            if check.name == "config":
                return f"incident-console: config error: {check.detail}"
            hint = f" — {check.fix}" if check.fix else ""
            return f"incident-console: {check.detail}{hint}"
    return "incident-console: doctor could not run"


def doctor_command(
    args: Any,
    *,
    out: Callable[[str], None] | None = None,
    err: Callable[[str], None] | None = None,
) -> int:
    """`incident-console doctor [--dsn DSN] [--config FILE] [--json]`; `args` is the
    parsed namespace (console.cli parses, so no argparse here)."""
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
