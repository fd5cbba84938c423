"""`incident-console doctor`: what an operator sees before trusting the console.

Real databases throughout: a healthy one, one missing an index and tables, uuid ids,
mismatched id types, an invalid index left by a failed concurrent build, a read-only
role, a server setting switched off, and an address where nothing listens.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import time
import uuid

import psycopg
import pytest

from console.core.config import Secret, Settings, load_settings
from console.doctor import (
    EXIT_CANNOT_RUN,
    EXIT_FAILED,
    EXIT_OK,
    check_webhook_secrets,
    doctor_command,
    render,
    run_doctor,
    statuses,
)

GOOD_SECRET = "whsec_" + "Ab3dEf6hJk9mNpQrStUvWxYz01234567" + "1a2b"
UNREACHABLE = "postgresql://nobody@127.0.0.1:1/x"


def settings_for(dsn: str, **extra: object) -> Settings:
    env = {"STRIPE_WEBHOOK_SECRET": GOOD_SECRET}
    return load_settings(environ=env, config_file=None, overrides={"database_url": dsn, **extra})


def run_cli(*argv: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """doctor_command in-process, with stdout and stderr captured as text."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn")
    parser.add_argument("--config")
    parser.add_argument("--json", action="store_true")
    out: list[str] = []
    err: list[str] = []
    code = doctor_command(parser.parse_args(argv), out=out.append, err=err.append)
    return code, "\n".join(out), "\n".join(err)


def test_healthy_database_passes_with_everything_named(db) -> None:
    report = run_doctor(settings_for(db.dsn))
    verdicts = statuses(report.checks)
    assert report.ok and report.exit_code == EXIT_OK
    for name in (
        "config",
        "connection",
        "server_version",
        "table:webhook_events",
        "table:orders",
        "table:payments",
        "table:notifications",
        "id_types",
        "index:webhook_events_created_at_idx",
        "index:webhook_events_unprocessed_idx",
        "index:payments_order_id_idx",
        "setting:max_connections",
        "setting:log_min_duration_statement",
        "webhook_secret",
    ):
        assert verdicts[name] == "ok", report.by_name(name)
    assert verdicts["pg_stat_statements"] in ("ok", "warn")
    assert verdicts["privileges"] == "info"
    assert "can read all tables and write" in report.by_name("privileges").detail
    assert report.id_types["orders.id"] == "bigint"
    assert report.server_version and report.server_version[:2].isdigit()
    assert "100" in report.by_name("setting:max_connections").detail
    memory = report.by_name("setting:memory")
    assert memory.status == "info" and "shared_buffers 128MB (guide 256MB)" in memory.detail


def test_missing_index_and_tables_come_with_fixes_that_work(db) -> None:
    with db.connect() as conn:
        conn.execute("DROP INDEX webhook_events_created_at_idx")
        conn.execute("DROP TABLE notifications")
    report = run_doctor(settings_for(db.dsn))
    index = report.by_name("index:webhook_events_created_at_idx")
    assert index.status == "warn"
    assert index.fix == (
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS webhook_events_created_at_idx "
        "ON webhook_events (created_at);"
    )
    notifications = report.by_name("table:notifications")
    assert notifications.status == "info" and "optional" in notifications.detail
    assert "index:notifications_created_at_idx" not in statuses(report.checks)
    assert report.exit_code == EXIT_OK  # warnings only

    with db.connect() as conn:  # the suggested statement is the fix
        conn.execute(index.fix)
        conn.execute("DROP TABLE payments")
    report = run_doctor(settings_for(db.dsn))
    assert report.by_name("index:webhook_events_created_at_idx").status == "ok"
    payments = report.by_name("table:payments")
    assert payments.status == "fail" and payments.fix
    assert report.exit_code == EXIT_FAILED
    assert "some checks FAILED" in render(report)


def test_indexes_match_by_columns_and_predicate_not_by_name(db) -> None:
    with db.connect() as conn:
        conn.execute("DROP INDEX webhook_events_created_at_idx")
        conn.execute("DROP INDEX webhook_events_unprocessed_idx")
        conn.execute("CREATE INDEX evt_by_time ON webhook_events (created_at, event_type)")
        # a partial index with another predicate serves neither recommendation
        conn.execute(
            "CREATE INDEX evt_failed ON webhook_events (created_at) WHERE error_message IS NOT NULL"
        )
    report = run_doctor(settings_for(db.dsn))
    created = report.by_name("index:webhook_events_created_at_idx")
    assert created.status == "ok" and "evt_by_time" in created.detail
    unprocessed = report.by_name("index:webhook_events_unprocessed_idx")
    assert unprocessed.status == "warn"
    assert unprocessed.fix.endswith("(created_at) WHERE processed_at IS NULL;")
    with db.connect() as conn:
        conn.execute(
            "CREATE INDEX evt_backlog ON webhook_events (created_at) WHERE (processed_at IS NULL)"
        )
    report = run_doctor(settings_for(db.dsn))
    assert "evt_backlog" in report.by_name("index:webhook_events_unprocessed_idx").detail


def test_invalid_index_from_a_failed_concurrent_build_is_flagged(db) -> None:
    with db.connect() as conn:
        conn.execute("DROP INDEX webhook_events_event_id_idx")
        conn.execute(
            "INSERT INTO webhook_events (event_id, event_type) VALUES"
            " ('evt_dup', 'charge.refunded'), ('evt_dup', 'charge.refunded')"
        )
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY evt_unique ON webhook_events (event_id)")
    check = run_doctor(settings_for(db.dsn)).by_name("index:webhook_events_event_id_idx")
    assert check.status == "warn"
    assert "evt_unique" in check.detail and "INVALID" in check.detail
    assert check.fix.startswith("DROP INDEX CONCURRENTLY evt_unique;")


def test_id_types_reported_for_uuid_and_bigint(any_db) -> None:
    report = run_doctor(settings_for(any_db.dsn))
    assert report.by_name("id_types").status == "ok"
    assert any_db.id_type in report.by_name("id_types").detail
    assert set(report.id_types.values()) == {any_db.id_type}
    assert report.ok


def test_mismatched_order_reference_type_fails(empty_db) -> None:
    with empty_db.connect() as conn:
        conn.execute(
            "CREATE TABLE orders (id uuid PRIMARY KEY, state text, created_at timestamptz,"
            " updated_at timestamptz, paid_at timestamptz, stripe_payment_intent_id text,"
            " total_amount_cents bigint)"
        )
        conn.execute(
            "CREATE TABLE webhook_events (id bigint PRIMARY KEY, event_id text,"
            " event_type text, order_id text, created_at timestamptz,"
            " processed_at timestamptz, error_message text, retry_count int)"
        )
        conn.execute(
            "CREATE TABLE payments (id uuid PRIMARY KEY, order_id uuid, amount_cents bigint,"
            " currency text, payment_method text, status text,"
            " stripe_payment_intent_id text, processed_at timestamptz)"
        )
    report = run_doctor(settings_for(empty_db.dsn))
    ids = report.by_name("id_types")
    assert ids.status == "fail"
    assert "webhook_events.order_id is text" in ids.detail
    assert report.by_name("table:payments").status == "ok"
    assert report.by_name("index:webhook_events_created_at_idx").status == "warn"
    assert report.exit_code == EXIT_FAILED


def test_missing_columns_are_listed(empty_db) -> None:
    with empty_db.connect() as conn:
        conn.execute("CREATE TABLE orders (id bigint PRIMARY KEY, state text)")
    report = run_doctor(settings_for(empty_db.dsn))
    orders = report.by_name("table:orders")
    assert orders.status == "fail"
    assert "paid_at" in orders.detail and "total_amount_cents" in orders.detail
    assert report.by_name("table:webhook_events").status == "fail"


def test_read_only_role_is_information_and_never_written_with(db) -> None:
    role = f"ro_{uuid.uuid4().hex[:8]}"
    with db.connect() as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN")
        conn.execute(f"GRANT SELECT ON webhook_events, orders, payments, notifications TO {role}")
    try:
        dsn = db.dsn.replace("postgres@", f"{role}@")
        report = run_doctor(settings_for(dsn))
        privileges = report.by_name("privileges")
        assert privileges.status == "info" and "read-only" in privileges.detail
        monitoring = report.by_name("monitoring_role")
        assert monitoring.status == "warn" and monitoring.fix == f"GRANT pg_monitor TO {role};"
        assert report.by_name("pg_stat_statements").status in ("ok", "warn")
        assert report.exit_code == EXIT_OK
        with db.connect() as conn:
            conn.execute(f"REVOKE SELECT ON payments FROM {role}")
        report = run_doctor(settings_for(dsn))
        assert report.by_name("privileges").status == "fail"
        assert report.by_name("privileges").fix == f"GRANT SELECT ON payments TO {role};"
    finally:
        with db.connect() as conn:
            conn.execute(f"DROP OWNED BY {role}")
            conn.execute(f"DROP ROLE {role}")


def test_appendix_b_settings_off_are_warned_with_the_guides_value(db) -> None:
    with db.connect() as conn:
        conn.execute(f'ALTER DATABASE "{db.name}" SET log_min_duration_statement = -1')
    check = run_doctor(settings_for(db.dsn)).by_name("setting:log_min_duration_statement")
    assert check.status == "warn" and "off" in check.detail
    assert "log_min_duration_statement = 1000" in check.fix


@pytest.mark.parametrize(
    ("secret", "status", "fragment"),
    [
        (None, "warn", "not set"),
        (GOOD_SECRET, "ok", "whsec_"),
        ("sk_live_" + "a" * 30, "fail", "API key"),
        ("whsec_" + "a" * 20 + " " + "b" * 20, "fail", "spaces"),
        ("wh_" + "a" * 40, "fail", "does not start with whsec_"),
        ("whsec_" + "a" * 10, "warn", "shorter"),
    ],
)
def test_webhook_secret_shape_is_checked_and_never_shown(secret, status, fragment) -> None:
    settings = Settings(stripe_webhook_secret=Secret(secret) if secret else None)
    (check,) = check_webhook_secrets(settings)
    assert check.status == status
    assert fragment in check.detail
    if secret:
        assert secret not in check.detail + check.fix
        assert secret[-4:] in check.detail or len(secret) <= 14


def test_rotation_secrets_are_each_checked() -> None:
    settings = Settings(
        stripe_webhook_secret=Secret(GOOD_SECRET),
        stripe_webhook_secrets=(Secret("whsec_" + "z" * 40), Secret("not-a-secret")),
    )
    assert [c.status for c in check_webhook_secrets(settings)] == ["ok", "ok", "fail"]


def test_json_is_one_document_with_the_documented_shape(db, monkeypatch) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", GOOD_SECRET)
    code, out, err = run_cli("--dsn", db.dsn, "--json")
    doc = json.loads(out)
    assert code == EXIT_OK and err == ""
    assert doc["ok"] is True and doc["exit_code"] == 0
    assert doc["id_types"]["orders.id"] == "bigint"
    assert {"ok", "warn", "fail"} == set(doc["summary"])
    assert doc["checks"] and all(
        set(c) == {"name", "status", "detail", "fix"} for c in doc["checks"]
    )
    assert {c["status"] for c in doc["checks"]} <= {"ok", "warn", "fail", "info"}
    assert GOOD_SECRET not in out


def test_human_output_is_a_readable_table(db, monkeypatch) -> None:
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", GOOD_SECRET)
    with db.connect() as conn:
        conn.execute("DROP INDEX orders_updated_at_idx")
    code, out, err = run_cli("--dsn", db.dsn)
    lines = out.splitlines()
    assert code == EXIT_OK and err == ""
    assert lines[0].startswith("incident-console doctor — postgresql://")
    assert any(line.startswith("  WARN  index:orders_updated_at_idx") for line in lines)
    assert any("fix: CREATE INDEX CONCURRENTLY" in line for line in lines)
    assert lines[-1].startswith("nothing failed:")
    assert max(len(line) for line in lines[1:]) < 200


def test_unreachable_database_is_one_line_and_exit_1() -> None:
    code, out, err = run_cli("--dsn", UNREACHABLE)
    assert code == EXIT_CANNOT_RUN
    assert out == ""
    assert err.count("\n") == 0 and "cannot reach the database" in err


def test_unreachable_with_json_still_prints_one_document() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "console", "doctor", "--dsn", UNREACHABLE, "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == EXIT_CANNOT_RUN
    doc = json.loads(proc.stdout)
    assert doc["ok"] is False and doc["exit_code"] == 1
    connection = next(c for c in doc["checks"] if c["name"] == "connection")
    assert connection["status"] == "fail" and "cannot reach" in connection["detail"]
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_broken_config_names_the_setting(tmp_path) -> None:
    config = tmp_path / "console.toml"
    config.write_text("webhook_tolerance_seconds = 'soon'\n")
    code, out, err = run_cli("--dsn", UNREACHABLE, "--config", str(config), "--json")
    doc = json.loads(out)
    assert code == EXIT_CANNOT_RUN
    assert doc["checks"][0]["name"] == "config" and doc["checks"][0]["status"] == "fail"
    assert "webhook_tolerance_seconds" in err and "console.toml" in err
    assert err.count("\n") == 0


def test_no_database_configured_is_one_line(monkeypatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("INCIDENT_CONSOLE_CONFIG", "")
    code, _, err = run_cli()
    assert code == EXIT_CANNOT_RUN
    assert "no database configured" in err and "--dsn" in err


def test_a_server_that_never_answers_times_out_in_one_line(monkeypatch) -> None:
    """A port that accepts TCP but never speaks PostgreSQL: the connect timeout ends it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        monkeypatch.setenv("INCIDENT_CONSOLE_CONNECT_TIMEOUT", "1")
        started = time.monotonic()
        code, out, err = run_cli("--dsn", f"postgresql://nobody@127.0.0.1:{port}/x")
        elapsed = time.monotonic() - started
    assert code == EXIT_CANNOT_RUN and out == ""
    assert "cannot reach the database" in err and err.count("\n") == 0
    assert elapsed < 10


def test_an_older_state_schema_is_named_with_init_as_the_way_forward(db) -> None:
    assert run_doctor(settings_for(db.dsn)).by_name("state_schema").status == "info"
    subprocess.run(
        [sys.executable, "-m", "console", "init", "--dsn", db.dsn], check=True, capture_output=True
    )
    assert run_doctor(settings_for(db.dsn)).by_name("state_schema").status == "ok"
    with psycopg.connect(db.dsn, autocommit=True) as conn:  # the schema of an older console
        conn.execute("DROP TABLE incident_console.saved_plans")
        conn.execute("ALTER TABLE incident_console.audit_log DROP COLUMN hash")
    check = run_doctor(settings_for(db.dsn)).by_name("state_schema")
    assert check.status == "warn"
    assert "hash chain" in check.detail and "saved plans" in check.detail
    assert "live sharing" not in check.detail
    assert check.fix.startswith("incident-console init")
    subprocess.run(
        [sys.executable, "-m", "console", "init", "--dsn", db.dsn], check=True, capture_output=True
    )
    assert run_doctor(settings_for(db.dsn)).by_name("state_schema").status == "ok"
