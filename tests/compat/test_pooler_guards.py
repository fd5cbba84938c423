"""Behind PgBouncer the guards hold per transaction, not by session state a pooler drops.

The issue as a new user met it: `options` refused at connect by a plain PgBouncer, then
with `ignore_startup_parameters = options` the read-only default and the timeouts
silently gone and `prepared statement "_pg3_0" already exists`. Each test below is one of
those, on a real PgBouncer 1.x in front of the suite's PostgreSQL.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
from compat.harness import PgBouncer

from console.core.config import load_settings
from console.core.db import (
    ConnectionFailed,
    SessionLimits,
    connect_sync,
    pooler_of,
    read_only_sync,
    writable_sync,
)
from console.doctor import run_doctor
from console.sim.embedded import EmbeddedPostgres
from console.sim.schema import apply_monitored_schema

TRANSACTION = ("pgbouncer-transaction", "pgbouncer-transaction-ignore-options")


@pytest.fixture
def database(compat_server: Callable[[int], EmbeddedPostgres]) -> Iterator[str]:
    server = compat_server(16)
    name = f"g_{uuid.uuid4().hex[:12]}"
    dsn = server.create_database(name)
    with psycopg.connect(dsn, autocommit=True) as conn:
        apply_monitored_schema(conn)
    yield name
    server.drop_database(name)


def _orders(bouncer: PgBouncer, database: str) -> int:
    with psycopg.connect(bouncer.server.dsn(database)) as conn:
        row = conn.execute("SELECT count(*) FROM orders").fetchone()
    return int(row[0]) if row else -1


@pytest.mark.parametrize("mode", TRANSACTION)
def test_behind_transaction_pooling_nothing_writes_and_every_limit_is_in_force(
    mode: str, bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    bouncer = bouncers(mode)
    with connect_sync(bouncer.dsn(database)) as conn:
        pooler = pooler_of(conn)
        assert pooler is not None and pooler.pooled and pooler.mode == "transaction"
        assert not writable_sync(conn)
        # a stray statement outside any transaction: wrapped, refused by the server
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO orders (state) VALUES ('pending')")
        with pytest.raises(psycopg.errors.ActiveSqlTransaction), read_only_sync(conn):
            conn.execute("SET transaction_read_only = off")
        with read_only_sync(conn):
            row = conn.execute(
                "SELECT current_setting('statement_timeout') AS st,"
                " current_setting('lock_timeout') AS lt,"
                " current_setting('idle_in_transaction_session_timeout') AS idle,"
                " current_setting('transaction_read_only') AS ro"
            ).fetchone()
        assert row == {"st": "5s", "lt": "2s", "idle": "15s", "ro": "on"}
    assert _orders(bouncer, database) == 0


def test_console_connections_never_prepare_through_a_transaction_pooler(
    bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    bouncer = bouncers("pgbouncer-transaction")

    def alternate(one: psycopg.Connection, two: psycopg.Connection) -> None:
        for _ in range(12):  # past psycopg's default threshold of 5, on shared server conns
            for conn in (one, two):
                with conn.transaction():
                    conn.execute("SELECT count(*) AS n FROM orders WHERE state = %s", ["x"])

    # what a plain psycopg client meets here (the issue's `_pg3_0 already exists`) ...
    plain = [psycopg.connect(bouncer.dsn(database), autocommit=True) for _ in range(2)]
    with pytest.raises(psycopg.errors.DuplicatePreparedStatement):
        alternate(*plain)
    for conn in plain:
        conn.close()
    # ... and what the console's connections do not
    with connect_sync(bouncer.dsn(database)) as one, connect_sync(bouncer.dsn(database)) as two:
        assert one.prepare_threshold is None and two.prepare_threshold is None
        alternate(one, two)


def test_a_dsn_options_refused_by_plain_pgbouncer_is_one_clear_line(
    bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    bouncer = bouncers("pgbouncer-transaction")
    with pytest.raises(ConnectionFailed) as info:
        connect_sync(bouncer.dsn(database) + "?options=-c%20search_path%3Dpublic")
    assert "refused the startup parameter options" in info.value.message
    assert "ignore_startup_parameters" in info.value.hint
    # the console itself sends no startup options: the same DSN without them connects
    connect_sync(bouncer.dsn(database)).close()


def test_a_pooler_is_found_even_when_the_setting_says_none(
    bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    bouncer = bouncers("pgbouncer-session")
    limits = SessionLimits(pooler="none")
    with connect_sync(bouncer.dsn(database), limits=limits) as conn:
        pooler = pooler_of(conn)
        assert pooler is not None and pooler.pooled
        assert "although pooler = none is configured" in pooler.evidence
        assert conn.prepare_threshold is None


def test_a_configured_mode_is_taken_and_sets_no_session_state(
    compat_server: Callable[[int], EmbeddedPostgres], database: str
) -> None:
    dsn = compat_server(16).dsn(database)
    # write connections: their autocommit statements show the session state as it is
    with connect_sync(dsn, allow_write=True, limits=SessionLimits(pooler="session")) as conn:
        pooler = pooler_of(conn)
        assert pooler is not None and (pooler.mode, pooler.evidence) == (
            "session",
            "configured: pooler = session",
        )
        # no session default was set (the server's own 0 stands); each transaction sets its own
        assert conn.execute("SHOW statement_timeout").fetchone() == {"statement_timeout": "0"}
    with connect_sync(dsn, allow_write=True) as conn:  # auto, direct: session defaults too
        assert conn.execute("SHOW statement_timeout").fetchone() == {"statement_timeout": "5s"}


def test_doctor_says_the_mode_is_assumed_when_pgbouncer_will_not_tell(
    bouncers: Callable[[str], PgBouncer], database: str
) -> None:
    bouncer = bouncers("pgbouncer-session")
    server = bouncer.server
    with psycopg.connect(server.dsn(database), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'ic_recovery'").fetchone()
        if not exists:
            conn.execute("CREATE ROLE ic_recovery LOGIN")
        conn.execute(
            "GRANT SELECT ON webhook_events, orders, payments, notifications TO ic_recovery"
        )
    # ic_recovery is not one of PgBouncer's admin_users: its SHOW commands are refused
    settings = load_settings(
        environ={},
        config_file=None,
        overrides={"database_url": bouncer.dsn(database, "ic_recovery")},
    )
    report = run_doctor(settings)
    pooler = report.by_name("pooler")
    assert "transaction pooling (assumed" in pooler.detail
    assert 'pooler = "session"' in pooler.fix
    assert report.by_name("read_only").status == "ok"
