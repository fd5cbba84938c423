"""The dashboard's cancel/terminate as recovery actions, on a real server: the refusals it
adds (protected pids, the console's own session, a read-only console), and that what it
signals is exactly the previewed session, audited before and after.

These replace the tests of the unaudited `signal_backend` (tests/db/test_dashboard_core.py),
which the recovery path superseded; each keeps what those asserted about the sessions.
"""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from console.core.db import ReadOnlyError
from console.recovery import actions, backends
from console.recovery.audit import AuditLog
from screens.controllers.recovery import Recovery
from tests.conftest import TestDatabase


def alive(conn: psycopg.Connection[Any]) -> bool:
    try:
        return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def gone(conn: psycopg.Connection[Any], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(conn):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def victim(db: TestDatabase):
    conn = db.connect()
    yield conn
    conn.close()


@pytest.fixture
def recovery(db: TestDatabase, tmp_path: Path) -> Recovery:
    return Recovery(db.dsn, True, local_dir=tmp_path / "state", operator="alice")


def audited_phases(recovery: Recovery, result: actions.ActionResult) -> list[str]:
    log = AuditLog(state_dsn=None, local_dir=recovery.local_dir)
    return [r["phase"] for r in log.local_records(result.run_id)]


def test_a_read_only_console_signals_nothing(db: TestDatabase, victim, tmp_path: Path) -> None:
    read_only = Recovery(db.dsn, False, local_dir=tmp_path / "state")
    plan = read_only.plan_signal(victim.info.backend_pid, "terminate")
    with pytest.raises(ReadOnlyError, match="--allow-write"):
        read_only.apply(plan, str(victim.info.backend_pid))
    assert alive(victim)
    assert not (tmp_path / "state").exists()  # refused before even the intent


def test_the_console_refuses_its_own_and_protected_sessions(
    db: TestDatabase, victim, recovery: Recovery
) -> None:
    pid = victim.info.backend_pid
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        with pytest.raises(actions.ActionRefused, match="own session"):
            backends.plan_signal(conn, conn.info.backend_pid, "terminate")
        with pytest.raises(backends.BackendRefused, match="belongs to this console"):
            backends.plan_signal(conn, pid, "terminate", protected_pids=[pid])
        with pytest.raises(backends.BackendRefused, match="use cancel or terminate"):
            backends.plan_signal(conn, pid, "kill")  # type: ignore[arg-type]
    with pytest.raises(backends.BackendRefused, match="belongs to this console"):
        recovery.plan_signal(pid, "cancel", protected=[pid])
    assert alive(victim)


def test_terminate_ends_the_backend_and_cancel_keeps_it_both_audited(
    victim, recovery: Recovery
) -> None:
    pid = victim.info.backend_pid
    cancel = recovery.plan_signal(pid, "cancel")
    assert cancel.token == str(pid)
    cancelled = recovery.apply(cancel, str(pid))
    assert cancelled.status == "applied", cancelled.message
    assert alive(victim)
    terminate = recovery.plan_signal(pid, "terminate")
    terminated = recovery.apply(terminate, str(pid))
    assert terminated.status == "applied", terminated.message
    assert gone(victim)
    assert audited_phases(recovery, cancelled) == ["intent", "outcome"]
    assert audited_phases(recovery, terminated) == ["intent", "outcome"]
    assert recovery.plan_signal(999_999, "cancel").nothing_to_do


def test_a_reused_pid_is_never_signalled(db: TestDatabase, victim, recovery: Recovery) -> None:
    pid = victim.info.backend_pid
    seen = recovery.plan_signal(pid, "terminate").rows[0]["backend_start"]
    earlier = seen - timedelta(seconds=1)  # the session the operator saw is not this one
    stale = recovery.plan_signal(pid, "terminate", seen_start=earlier)
    assert stale.nothing_to_do and stale.count == 0
    assert "now belongs to another session" in stale.describe()
    assert alive(victim)
    fresh = recovery.plan_signal(pid, "terminate", seen_start=seen)
    assert recovery.apply(fresh, str(pid)).status == "applied"
    assert gone(victim)
