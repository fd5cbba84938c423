"""The pid-reuse guard holds for a role that cannot see other sessions' backend_start.

A role with pg_signal_backend but without pg_read_all_stats may terminate another role's
session, yet on PostgreSQL 14+ that session's backend_start (and backend_type) read as
NULL to it: the console could not tell the previewed session from a new one that reused
its pid. So it refuses: the session is listed (the operator sees it), the plan is
blocked and says which GRANT lifts it, and a plan made while the role could see it is
refused once it cannot. With the GRANT, the same signal goes through.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest
from compat.harness import Target
from psycopg.conninfo import make_conninfo

from console.core.db import connect_sync
from console.recovery import actions, backends
from console.recovery.audit import AuditLog

SIGNALLER = "ic_signaller"  # pg_signal_backend, and pg_read_all_stats only when granted


def _signaller(admin: psycopg.Connection, *, sees_all: bool) -> None:
    if not admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (SIGNALLER,)).fetchone():
        admin.execute(f"CREATE ROLE {SIGNALLER} LOGIN")
    admin.execute(f"GRANT pg_signal_backend TO {SIGNALLER}")
    verb = "GRANT pg_read_all_stats TO" if sees_all else "REVOKE pg_read_all_stats FROM"
    admin.execute(f"{verb} {SIGNALLER}")


def _alive(admin: psycopg.Connection, pid: int) -> bool:
    row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return bool(row and row[0])


def _gone(admin: psycopg.Connection, pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(admin, pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.mark.parametrize("target", ["role-unprivileged"], indirect=True)
def test_a_session_hidden_from_the_role_is_never_signalled(target: Target, tmp_path: Path) -> None:
    dsn = make_conninfo(target.dsn, user=SIGNALLER)
    audit = AuditLog(state_dsn=None, local_dir=tmp_path)
    with (
        psycopg.connect(target.admin_dsn, autocommit=True) as admin,
        psycopg.connect(target.dsn, application_name="compat-victim") as victim,
    ):
        pid = victim.info.backend_pid
        _signaller(admin, sees_all=False)

        # Hidden: listed, but blocked, with the GRANT that lifts it; nothing is signalled.
        with connect_sync(dsn) as conn:
            hidden = actions.plan(conn, "terminate_backend", {"pid": pid})
            from_dashboard = backends.plan_signal(conn, pid, "terminate")
        assert hidden.count == 1 and not hidden.nothing_to_do
        assert f"hidden from role {SIGNALLER}" in hidden.blocked
        assert f"GRANT pg_read_all_stats TO {SIGNALLER}" in hidden.blocked
        assert from_dashboard.blocked == hidden.blocked
        with (
            connect_sync(dsn, allow_write=True) as writer,
            pytest.raises(actions.ActionRefused, match="hidden from role"),
        ):
            actions.apply(writer, hidden, str(pid), audit=audit)
        assert _alive(admin, pid)

        # Visible at the preview, hidden at apply: refused, not compared as equal.
        _signaller(admin, sees_all=True)
        with connect_sync(dsn) as conn:
            seen = actions.plan(conn, "terminate_backend", {"pid": pid})
        assert not seen.blocked and seen.rows[0]["backend_start"] is not None
        _signaller(admin, sees_all=False)
        with connect_sync(dsn, allow_write=True) as writer:
            refused = actions.apply(writer, seen, str(pid), audit=audit)
        assert refused.status == "changed_since_preview"
        assert "hidden from this role" in refused.message
        assert _alive(admin, pid)

        # With the GRANT the guard can hold, and the same signal goes through.
        _signaller(admin, sees_all=True)
        with connect_sync(dsn) as conn:
            visible = actions.plan(conn, "terminate_backend", {"pid": pid})
        with connect_sync(dsn, allow_write=True) as writer:
            done = actions.apply(writer, visible, str(pid), audit=audit)
        assert done.status == "applied", done.message
        assert _gone(admin, pid)
