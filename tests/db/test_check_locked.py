"""`check` and the dashboard's panels while `webhook_events` is locked by another session
(issue 12): the error names the lock, the table and the blocking pid with its query, never
"the schema contract"; that wording is kept for a table that really is missing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from support.metrics_testkit import add_events

from tests.conftest import TestDatabase
from tests.db.test_check_command import run_check


@contextmanager
def locked(db: TestDatabase, table: str = "webhook_events") -> Iterator[int]:
    """`LOCK TABLE … IN ACCESS EXCLUSIVE MODE` held by another connection, as a careless
    migration does; yields that session's pid."""
    conn = psycopg.connect(db.dsn)
    try:
        conn.execute("SET application_name = 'careless-migration'")
        pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        conn.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")  # its last query
        yield pid
    finally:
        conn.rollback()
        conn.close()


FAST = {"INCIDENT_CONSOLE_LOCK_TIMEOUT_MS": "300", "INCIDENT_CONSOLE_STATEMENT_TIMEOUT_MS": "2000"}


def test_check_names_the_lock_its_table_and_the_blocking_session(db: TestDatabase) -> None:
    with db.connect() as conn:
        add_events(conn, 5, oldest=100, newest=10)
    with locked(db) as pid:
        proc = run_check("--dsn", db.dsn, env=FAST)
    assert proc.returncode not in (0, 2), proc.stdout
    err = proc.stderr
    assert "schema contract" not in err, err
    assert "lock" in err and "webhook_events" in err, err
    assert re.search(rf"\bpid {pid}\b", err), err
    assert "LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE" in err, err
    assert f"pg_terminate_backend({pid})" in err  # the way forward names the session
    assert "Traceback" not in err


def test_check_says_schema_contract_only_for_a_missing_table(db: TestDatabase) -> None:
    with db.connect() as conn:
        conn.execute("DROP TABLE webhook_events CASCADE")
    proc = run_check("--dsn", db.dsn)
    assert proc.returncode not in (0, 2), proc.stdout
    assert "schema contract" in proc.stderr, proc.stderr
