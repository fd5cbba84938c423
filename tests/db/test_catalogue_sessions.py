"""Session diagnostics and backend actions against real sessions: a holder idle in a
transaction with a row lock, a waiter blocked behind it (run in a thread), and the
console's own connection, which must never be signalled."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from support.catalogue_world import add_order, apply_write, column

from console.core.db import connect_sync
from console.queries import runner as catalogue


@dataclass
class Blocked:
    holder: psycopg.Connection[Any]
    waiter: psycopg.Connection[Any]
    thread: threading.Thread
    outcome: dict[str, Any] = field(default_factory=dict)

    @property
    def holder_pid(self) -> int:
        return self.holder.info.backend_pid

    @property
    def waiter_pid(self) -> int:
        return self.waiter.info.backend_pid


def _wait_until(predicate: Any, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


@pytest.fixture
def blocked(db) -> Iterator[Blocked]:
    with db.connect() as setup:
        order = add_order(setup, "pending_payment")
    holder = psycopg.connect(db.dsn, application_name="test-holder")
    holder.execute("SELECT id FROM orders WHERE id = %s FOR UPDATE", (order,))
    waiter = psycopg.connect(
        db.dsn, autocommit=True, application_name="test-waiter", options="-c statement_timeout=20s"
    )
    state = Blocked(holder, waiter, threading.Thread(daemon=True))

    def wait_for_lock() -> None:
        try:
            waiter.execute("UPDATE orders SET state = 'paid' WHERE id = %s", (order,))
            state.outcome["done"] = True
        except psycopg.Error as exc:
            state.outcome["error"] = exc

    state.thread = threading.Thread(target=wait_for_lock, daemon=True)
    state.thread.start()
    with db.connect() as observer:

        def waiting() -> bool:
            row = observer.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (state.waiter_pid,)
            ).fetchone()
            return row is not None and row[0] == "Lock"

        _wait_until(waiting)
    yield state
    holder.close()
    state.thread.join(5)
    waiter.close()


def read(dsn: str, name: str, **overrides: Any) -> list[dict[str, Any]]:
    conn = connect_sync(dsn)
    try:
        params = catalogue.get_query(name).defaults | overrides
        return catalogue.run_query_sync(conn, name, params)
    finally:
        conn.close()


def test_blocking_chain_lock_waits_and_idle_transactions_are_named(db, blocked) -> None:
    chains = read(db.dsn, "diagnostics/blocking_chains")
    assert [(r["blocked_pid"], r["blocking_pid"]) for r in chains] == [
        (blocked.waiter_pid, blocked.holder_pid)
    ]
    assert chains[0]["blocking_state"] == "idle in transaction"
    assert chains[0]["blocked_application"] == "test-waiter"

    waits = read(db.dsn, "diagnostics/locks_not_granted")
    assert {r["pid"] for r in waits} == {blocked.waiter_pid}
    assert all(r["blocking_pids"] == [blocked.holder_pid] for r in waits)

    idle = read(db.dsn, "diagnostics/idle_in_transaction", min_age="0 seconds")
    assert [r["pid"] for r in idle] == [blocked.holder_pid]
    assert idle[0]["idle_for"].total_seconds() >= 0
    assert read(db.dsn, "diagnostics/idle_in_transaction", min_age="1 hour") == []

    long_running = read(db.dsn, "diagnostics/long_running_queries", min_duration="0 seconds")
    assert [r["pid"] for r in long_running if r["datname"] == db.name] == [blocked.waiter_pid]

    states = {
        r["state"]: r["connection_count"] for r in read(db.dsn, "diagnostics/connections_by_state")
    }
    assert states["idle in transaction"] == 1 and states["active"] >= 2  # waiter + this read

    sessions = read(db.dsn, "diagnostics/sessions")
    assert sum(r["is_this_console"] for r in sessions) == 1
    assert {blocked.holder_pid, blocked.waiter_pid} <= {r["pid"] for r in sessions}


def signal(db: Any, kind: str, pid: int, previewed: dict[str, Any]) -> list[dict[str, Any]]:
    """Send `kind` (cancel, terminate) to the backend its preview showed (same pid, start)."""
    params = {"ids": [pid], "pid": pid, "backend_start": [previewed["backend_start"]]}
    with db.connect() as conn:
        return apply_write(conn, "recovery/signal_backend", {**params, "signal": kind})


def test_cancel_backend_cancels_exactly_the_previewed_waiter(db, blocked) -> None:
    rows = read(db.dsn, "recovery/signal_backend_preview", pid=blocked.waiter_pid)
    assert [(r["pid"], r["blocked_by"]) for r in rows] == [
        (blocked.waiter_pid, [blocked.holder_pid])
    ]
    done = signal(db, "cancel", blocked.waiter_pid, rows[0])
    assert done == [{"pid": blocked.waiter_pid}]
    blocked.thread.join(5)
    assert isinstance(blocked.outcome.get("error"), psycopg.errors.QueryCanceled)
    assert blocked.holder.execute("SELECT 1").fetchone() == (1,)  # the holder is untouched


def test_terminate_backend_ends_the_holder_and_frees_the_waiter(db, blocked) -> None:
    rows = read(db.dsn, "recovery/signal_backend_preview", pid=blocked.holder_pid)
    assert [(r["pid"], r["state"]) for r in rows] == [(blocked.holder_pid, "idle in transaction")]
    done = signal(db, "terminate", blocked.holder_pid, rows[0])
    assert done == [{"pid": blocked.holder_pid}]
    blocked.thread.join(5)
    assert blocked.outcome == {"done": True}
    with pytest.raises(psycopg.OperationalError):
        blocked.holder.execute("SELECT 1")


def test_backend_actions_refuse_the_consoles_own_session_and_a_changed_target(db, blocked) -> None:
    console = connect_sync(db.dsn)
    try:
        own = console.info.backend_pid
        assert (
            catalogue.run_query_sync(console, "recovery/signal_backend_preview", {"pid": own}) == []
        )
    finally:
        console.close()
    (seen,) = read(db.dsn, "recovery/signal_backend_preview", pid=blocked.waiter_pid)
    started = seen["backend_start"]
    with db.connect() as conn:
        own = conn.info.backend_pid
        (own_start,) = column(
            conn, "SELECT backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()"
        )
        name = "recovery/signal_backend"
        for kind in ("cancel", "terminate"):
            mine = {"ids": [own], "pid": own, "backend_start": [own_start], "signal": kind}
            assert apply_write(conn, name, mine) == []
            # keys and pid disagree (the previewed target is not the one asked for): nothing
            other = {"ids": [blocked.waiter_pid], "pid": blocked.holder_pid, "signal": kind}
            assert apply_write(conn, name, {**other, "backend_start": [started]}) == []
            # the pid now belongs to another session (another backend_start), or its
            # backend_start was hidden from the role that previewed it: nothing
            waiter = {"ids": [blocked.waiter_pid], "pid": blocked.waiter_pid, "signal": kind}
            reused = started - timedelta(seconds=1)
            assert apply_write(conn, name, {**waiter, "backend_start": [reused]}) == []
            assert apply_write(conn, name, {**waiter, "backend_start": [None]}) == []
        # the right session, but no signal the write knows: nothing is sent
        unknown = {**waiter, "backend_start": [started], "signal": "kill"}
        assert apply_write(conn, name, unknown) == []
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert blocked.thread.is_alive()  # the waiter is still waiting: nobody was signalled
    assert read(db.dsn, "recovery/signal_backend_preview", pid=999_999) == []
